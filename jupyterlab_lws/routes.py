"""HTTP routes of the server extension, all under ``<base_url>/lws/api/``.

- ``context``: namespace, server version, LWS presence, rights and admin commands.
- ``k8s/<Kubernetes API path>``: the allow-listed, streaming proxy to the API server.
- ``endpoints/<service>/<port>/<path>``: the smoke-test chat proxy to a model Service.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from http import HTTPStatus
from typing import Any, TypeVar

import httpx
import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.iostream import StreamClosedError

from .allowlist import Decision, authorize, authorize_endpoint, endpoint_headers, kube_headers
from .config import LwsServing, NotInClusterError
from .context import ApiError, load_context
from .endpoint_client import EndpointClient, ServiceLookup
from .kube_client import KubeClient, UpstreamError, describe_transport_error
from .secret_policy import secret_answer, secret_name, secret_write_problem

__all__ = [
    "ContextRouteHandler",
    "EndpointRouteHandler",
    "KubernetesRouteHandler",
    "LwsRouteHandler",
    "setup_route_handlers",
]

ROUTE_PREFIX = "lws/api"

SSE_KEEP_ALIVE_SECONDS = 0.5
"""Quiet time after which the chat relay writes an SSE comment (see ``_copy_body``)."""

_Method = TypeVar("_Method", bound=Callable[..., Awaitable[None]])


def _stream_error(error: httpx.TransportError) -> bytes:
    """An SSE error event for a model endpoint that broke its stream off."""
    message = (
        "the model endpoint closed the stream in the middle of the answer "
        f"({describe_transport_error(error)})"
    )
    payload = {"error": {"message": message, "reason": "UpstreamClosed"}}
    return f"data: {json.dumps(payload)}\n\n".encode()


class LwsError(web.HTTPError):
    """An error answered as ``{"message", "reason"}`` JSON with ``status``."""

    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(status)
        self.message = message
        self.error_reason = reason


def json_errors(method: _Method) -> _Method:
    """Turn configuration and upstream failures into JSON errors a user can act on."""

    @functools.wraps(method)
    async def wrapper(self: LwsRouteHandler, *args: Any, **kwargs: Any) -> None:
        try:
            await method(self, *args, **kwargs)
        except NotInClusterError as error:
            raise LwsError(503, str(error), "NotInCluster") from error
        except UpstreamError as error:
            # 502, or 504 for an endpoint that accepted but did not answer; one reason for both
            # (the chat tells the user the engine could not be reached, with this message).
            raise LwsError(error.status, str(error), "UpstreamUnreachable") from error
        except ApiError as error:
            raise LwsError(502, str(error), "ApiServerError") from error

    return wrapper  # type: ignore[return-value]


@web.stream_request_body
class LwsRouteHandler(APIHandler):
    """Shared by all routes: settings, JSON errors, bounded request bodies and cancellable
    upstream streaming."""

    def initialize(self) -> None:
        self._upstream: asyncio.Future[None] | None = None
        self._browser_gone = False
        self._body = bytearray()

    async def prepare(self) -> None:
        """Authenticate, then refuse a body over ``max_body_size`` before reading any of it.

        Bodies are streamed in (``stream_request_body``) rather than buffered by tornado, whose
        own limit is the whole server's (100 MB by default).
        """
        await super().prepare()
        limit = self.lws.max_body_size
        self.request.connection.set_max_body_size(limit)  # type: ignore[union-attr]
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > limit:
            raise LwsError(
                413,
                f"the request body ({length} bytes) is larger than the {limit} bytes "
                "jupyterlab-lws accepts (c.LwsServing.max_body_size)",
                "RequestEntityTooLarge",
            )

    def data_received(self, chunk: bytes) -> None:
        """Collect the body; tornado's per-connection limit set in :meth:`prepare` bounds it."""
        self._body.extend(chunk)

    @property
    def body(self) -> bytes:
        """The request body, as received."""
        return bytes(self._body)

    @property
    def lws(self) -> LwsServing:
        """The extension's settings."""
        return self.settings["lws_serving"]

    @property
    def kube(self) -> KubeClient:
        """The API server client."""
        return self.settings["lws_kube"]

    @property
    def endpoints(self) -> EndpointClient:
        """The model endpoint client."""
        return self.settings["lws_endpoints"]

    @property
    def services(self) -> ServiceLookup:
        """Which Services the endpoint proxy may reach."""
        return self.settings["lws_services"]

    def route_rest(self, route: str) -> str:
        """The raw, still percent-encoded request path below ``route``.

        Tornado hands handlers decoded path arguments, which would turn ``%2F`` into ``/``
        before the allow-list sees it; the raw path keeps every escape attempt visible.
        """
        prefix = url_path_join(self.base_url, ROUTE_PREFIX, route) + "/"
        path = self.request.path
        return path[len(prefix) :] if path.startswith(prefix) else ""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """``LwsError`` carries its own message and reason; the rest as ``APIHandler`` does."""
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        if isinstance(error, LwsError):
            self.log.warning("jupyterlab-lws: %s (%s)", error.message, error.error_reason)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": error.message, "reason": error.error_reason}))
            return
        super().write_error(status_code, **kwargs)

    def refuse(self, decision: Decision, what: str) -> None:
        """Answer 403 for a request the allow-list refused; nothing was sent upstream."""
        raise LwsError(
            403, f"jupyterlab-lws does not forward {what}: {decision.reason}", decision.reason
        )

    def set_upstream_status(self, response: httpx.Response) -> None:
        """The upstream status, with its reason phrase when tornado does not know the code."""
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = response.reason_phrase or "Unknown"
        self.set_status(response.status_code, reason)

    def on_connection_close(self) -> None:
        """The browser went away: end the upstream request now, not at its next chunk."""
        self._browser_gone = True
        if self._upstream is not None:
            self._upstream.cancel()
        super().on_connection_close()

    async def relay(
        self, opener: Callable[[], AbstractAsyncContextManager[httpx.Response]]
    ) -> None:
        """Stream an upstream response through chunk by chunk, never buffering it."""

        async def pump() -> None:
            async with opener() as response:
                self.set_upstream_status(response)
                self.set_header(
                    "Content-Type", response.headers.get("content-type", "application/octet-stream")
                )
                self.set_header("Cache-Control", "no-cache")
                self.set_header("X-Accel-Buffering", "no")
                if response.status_code in (204, 304):
                    return  # no body may follow these; finish() sends the headers
                # Every chunk is small and wanted now: with Nagle's algorithm on (tornado's
                # default until a response finishes) the first chunks wait for the browser's
                # delayed ACK of the headers, +10 ms on a chat's first token (bench/chat_proxy.py).
                self.request.connection.stream.set_nodelay(True)  # type: ignore[union-attr]
                await self.flush()
                events = response.headers.get("content-type", "").startswith("text/event-stream")
                try:
                    await self._copy_body(response, keep_alive=events)
                except httpx.TransportError as error:
                    # Headers are sent; all that is left is to end the stream.
                    self.log.info("jupyterlab-lws: upstream stream ended: %r", error)

        await self.stream_until_done(pump)

    async def _copy_body(self, response: httpx.Response, *, keep_alive: bool) -> None:
        """Write the upstream body through as it arrives.

        Tornado only learns that the browser left when it writes, so a quiet server-sent event
        stream (an engine still reading a long prompt) would keep the engine working after Stop.
        With ``keep_alive``, an SSE comment line is written after each quiet
        ``SSE_KEEP_ALIVE_SECONDS``, only between events (clients ignore comments).
        """
        chunks = response.aiter_raw()
        ending = b"\n\n"
        pending: asyncio.Future[bytes] = asyncio.ensure_future(anext(chunks))
        try:
            while True:
                done, _ = await asyncio.wait(
                    {pending}, timeout=SSE_KEEP_ALIVE_SECONDS if keep_alive else None
                )
                if not done:
                    if ending.endswith(b"\n\n"):
                        self.write(b":\n\n")
                        await self.flush()
                    continue
                try:
                    chunk = pending.result()
                except StopAsyncIteration:
                    return
                except httpx.TransportError as error:
                    if keep_alive and ending.endswith(b"\n\n"):
                        # The engine died mid-answer: say so in the stream, as an OpenAI-style
                        # error event the chat shows (a cut inside an event is dropped by
                        # SSE readers, which then see a truncated answer).
                        self.write(_stream_error(error))
                        await self.flush()
                    raise
                self.write(chunk)
                await self.flush()
                ending = (ending + chunk)[-2:]
                pending = asyncio.ensure_future(anext(chunks))
        finally:
            pending.cancel()

    async def stream_until_done(self, produce: Callable[[], Awaitable[None]]) -> None:
        """Run ``produce`` (which writes and flushes the response) and finish; when the browser
        goes away it is cancelled at once (:meth:`on_connection_close`) and nothing is finished.
        """
        if self._browser_gone:
            return
        self._upstream = asyncio.ensure_future(produce())
        try:
            await self._upstream
        except (asyncio.CancelledError, StreamClosedError):
            if not self._browser_gone and not self.request.connection.stream.closed():  # type: ignore[attr-defined]
                raise
            self.log.debug("jupyterlab-lws: browser closed %s", self.request.path)
            return
        finally:
            self._upstream = None
        self.finish()

    async def endpoint_target(self, method: str, service: str, port: str, path: str) -> Decision:
        """The allow-list's decision for ``method path`` on ``service:port``, after checking that
        the Service exists and may be reached; raises the refusal otherwise."""
        decision = authorize_endpoint(method, service, port, path, self.request.query)
        if not decision.allowed:
            self.refuse(decision, f"{method} to {service}:{port}/{path}")
        problem = await self.services.problem(service, int(port))
        if problem:
            status, reason = problem
            raise LwsError(
                status, f"jupyterlab-lws does not forward to {service}:{port}: {reason}", reason
            )
        return decision


class ContextRouteHandler(LwsRouteHandler):
    """``GET lws/api/context``: where the notebook is and what it may do."""

    @tornado.web.authenticated
    @json_errors
    async def get(self) -> None:
        self.finish(json.dumps(await load_context(self.kube)))


class KubernetesRouteHandler(LwsRouteHandler):
    """``lws/api/k8s/<path>``: the allow-listed proxy to the Kubernetes API server."""

    def _request_body(self) -> bytes | None:
        """The request body: objects and patches, and DeleteOptions on a DELETE."""
        if self.request.method in ("POST", "PUT", "PATCH"):
            return self.body
        return self.body if self.request.method == "DELETE" and self.body else None

    async def _proxy(self) -> None:
        method = self.request.method or "GET"
        path = self.route_rest("k8s")
        decision = authorize(method, path, self.request.query, self.kube.namespace)
        if not decision.allowed:
            self.refuse(decision, f"{method} {path}")
        body = self._request_body()
        headers, unsupported = kube_headers(
            decision, self.request.headers, has_body=body is not None
        )
        if unsupported:
            raise LwsError(415, unsupported, "UnsupportedMediaType")
        if decision.resource == "secrets":
            problem = secret_write_problem(
                decision, self.request.headers.get("Content-Type"), body, self.kube.namespace
            )
            if problem:
                raise LwsError(403, f"jupyterlab-lws does not forward this: {problem}", problem)
        self.log.debug("jupyterlab-lws: %s %s (%s)", method, decision.path, decision.verb)
        if decision.streaming:
            await self.relay(
                lambda: self.kube.stream(
                    method, decision.path, query=decision.query, body=body, headers=headers
                )
            )
            return
        response = await self.kube.request(
            method, decision.path, query=decision.query, body=body, headers=headers
        )
        self.set_upstream_status(response)
        if decision.resource == "secrets":
            # Warnings and messages can quote field values: only our own words go back.
            name = secret_name(decision, body)
            content = secret_answer(response.content, decision, self.kube.namespace, name)
            self.finish(content, set_content_type="application/json")
            return
        for warning in response.headers.get_list("warning"):
            self.add_header("Warning", warning)
        if response.status_code in (204, 304):
            # e.g. the log of a pod not yet on a node: no body may follow (tornado refuses one).
            self.finish()
            return
        content_type = response.headers.get("content-type", "application/json")
        self.finish(response.content, set_content_type=content_type)

    @tornado.web.authenticated
    @json_errors
    async def get(self, _path: str) -> None:
        await self._proxy()

    @tornado.web.authenticated
    @json_errors
    async def post(self, _path: str) -> None:
        await self._proxy()

    @tornado.web.authenticated
    @json_errors
    async def put(self, _path: str) -> None:
        await self._proxy()

    @tornado.web.authenticated
    @json_errors
    async def patch(self, _path: str) -> None:
        await self._proxy()

    @tornado.web.authenticated
    @json_errors
    async def delete(self, _path: str) -> None:
        await self._proxy()


class EndpointRouteHandler(LwsRouteHandler):
    """``lws/api/endpoints/<service>/<port>/<path>``: the smoke-test chat proxy."""

    async def _proxy(self) -> None:
        method = self.request.method or "GET"
        rest = self.route_rest("endpoints")
        service, _, rest = rest.partition("/")
        port, _, path = rest.partition("/")
        decision = await self.endpoint_target(method, service, port, path)
        url = self.endpoints.url(service, self.kube.namespace, int(port), decision.path)
        headers = endpoint_headers(self.request.headers)
        body = self.body if method == "POST" else None
        await self.relay(
            lambda: self.endpoints.stream(
                method, url, label=f"{service}:{port}", body=body, headers=headers
            )
        )

    @tornado.web.authenticated
    @json_errors
    async def get(self, _path: str) -> None:
        await self._proxy()

    @tornado.web.authenticated
    @json_errors
    async def post(self, _path: str) -> None:
        await self._proxy()


def setup_route_handlers(web_app: web.Application) -> None:
    """Register the routes; ``web_app.settings`` must hold the extension's clients."""
    from .live import LiveHandler
    from .probe import ProbeRouteHandler  # these build on this module's handler base

    base_url = web_app.settings["base_url"]
    handlers = [
        (url_path_join(base_url, ROUTE_PREFIX, "context"), ContextRouteHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "k8s", "(.*)"), KubernetesRouteHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "live"), LiveHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "endpoints", "(.*)"), EndpointRouteHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "probe", "(.*)"), ProbeRouteHandler),
    ]
    web_app.add_handlers(".*$", handlers)
