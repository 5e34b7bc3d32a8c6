"""``lws/api/live``: the live channel, one WebSocket per JupyterLab tab (``docs/live-channel.md``).

Over it the browser subscribes to resource types of its namespace (served by the shared
informers of ``informers.py``: a snapshot, then changes) and follows pod logs (one upstream
request per ``log``). Authentication and the same-origin check are Jupyter's own, as for its
kernel sockets (``WebSocketMixin``, ``ws_authenticated``). Every message is checked, and every
upstream path passes the allow-list, before anything is sent upstream; when the socket closes
its subscriptions are dropped and its log requests closed at once.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import urlencode

import httpx
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .allowlist import Decision, authorize
from .config import NotInClusterError
from .informers import LIVE_RESOURCES, Informer, Informers, Listener, _status_of
from .kube_client import KubeClient, UpstreamError

__all__ = ["MAX_FRAME_BYTES", "MAX_SUBSCRIPTIONS", "LiveHandler"]

MAX_FRAME_BYTES = 64 * 1024
"""Largest frame the browser may send; a larger one closes the socket (1009)."""

MAX_SUBSCRIPTIONS = 64
"""Subscriptions and logs one socket may hold at once."""

MAX_UNSENT_BYTES = 32 * 1024 * 1024
"""Messages waiting for a browser that does not read; beyond this the socket is closed (1013)
and the browser reconnects with a fresh snapshot."""

LOG_TEXT_BYTES = 64 * 1024
"""A log line longer than this is sent in parts."""

_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

# The `log` op's optional fields, with the JSON type each must have.
_LOG_FIELDS: dict[str, type] = {
    "container": str,
    "follow": bool,
    "tailLines": int,
    "previous": bool,
    "timestamps": bool,
    "sinceTime": str,
    "sinceSeconds": int,
    "limitBytes": int,
}


_FIELDS: dict[str, set[str]] = {
    "subscribe": {"op", "id", "resource", "labelSelector"},
    "log": {"op", "id", "pod", *_LOG_FIELDS},
    "unsubscribe": {"op", "id"},
}
"""The fields each op takes; any other (a ``namespace``, say) refuses the message."""


class _Refused(Exception):
    """A message refused before anything was sent upstream."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class LiveHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):  # type: ignore[misc]
    """``GET lws/api/live``: the live channel (module docstring)."""

    def initialize(self) -> None:
        self._subscriptions: dict[str, tuple[Informer, Listener]] = {}
        self._logs: dict[str, asyncio.Task[None]] = {}
        self._unsent = 0

    def set_default_headers(self) -> None:
        """None of JupyterHandler's headers (CSP and so on) apply to a WebSocket upgrade."""

    def get_compression_options(self) -> dict[str, Any] | None:
        """Jupyter's setting, as for kernel sockets."""
        return self.settings.get("websocket_compression_options", None)

    @property
    def max_message_size(self) -> int:
        """Frames from the browser are small JSON requests."""
        return MAX_FRAME_BYTES

    @property
    def kube(self) -> KubeClient:
        """The API server client."""
        return self.settings["lws_kube"]

    @property
    def informers(self) -> Informers:
        """The server's shared informers."""
        return self.settings["lws_informers"]

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Upgrade (tornado checks the origin with :meth:`check_origin` first)."""
        await super().get(*args, **kwargs)

    def open(self, *args: Any, **kwargs: Any) -> Any:
        """Send small frames at once: Nagle would hold a change until the browser's delayed ACK."""
        self.set_nodelay(True)
        return super().open(*args, **kwargs)

    # Browser to server

    def on_message(self, message: str | bytes) -> None:
        """Answer one request; a refused one gets an ``error`` and the socket stays open."""
        stream_id = None
        try:
            if isinstance(message, bytes):
                raise _Refused(400, "BadRequest", "frames are JSON text, not binary")
            try:
                request = json.loads(message)
            except ValueError as error:
                raise _Refused(400, "BadRequest", f"the message is not JSON: {error}") from error
            if not isinstance(request, dict):
                raise _Refused(400, "BadRequest", "the message must be a JSON object")
            raw_id = request.get("id")
            if isinstance(raw_id, str) and _ID.match(raw_id):
                stream_id = raw_id
            op = request.get("op")
            if not isinstance(op, str) or op not in _FIELDS:
                raise _Refused(
                    400, "BadRequest", f"unknown op {str(op)[:40]!r}: subscribe, log, unsubscribe"
                )
            unknown = sorted(set(request) - _FIELDS[op])
            if unknown:
                fields = ", ".join(repr(field[:40]) for field in unknown[:5])
                raise _Refused(400, "BadRequest", f"{op} does not take the field(s) {fields}")
            if stream_id is None:
                raise _Refused(
                    400, "BadRequest", "every message needs an id matching ^[A-Za-z0-9_-]{1,32}$"
                )
            if op == "unsubscribe":
                self._unsubscribe(stream_id)
                return
            if stream_id in self._subscriptions or stream_id in self._logs:
                raise _Refused(400, "BadRequest", f"the id {stream_id!r} is already in use")
            if len(self._subscriptions) + len(self._logs) >= MAX_SUBSCRIPTIONS:
                raise _Refused(
                    429, "TooManyRequests", f"at most {MAX_SUBSCRIPTIONS} subscriptions per socket"
                )
            if op == "subscribe":
                self._subscribe(stream_id, request)
            else:
                self._start_log(stream_id, request)
        except _Refused as refused:
            self.log.info("jupyterlab-lws: live channel refused a message: %s", refused.message)
            self._send(
                {"type": "error", **({"id": stream_id} if stream_id else {}),
                 "code": refused.code, "reason": refused.reason, "message": refused.message}
            )  # fmt: skip
        except NotInClusterError as error:
            self._send(
                {"type": "error", **({"id": stream_id} if stream_id else {}), "code": 503,
                 "reason": "NotInCluster", "message": str(error)}
            )  # fmt: skip
        except Exception as error:  # a bug here must not close the tab's only channel
            self.log.exception("jupyterlab-lws: live channel message failed")
            self._send(
                {"type": "error", **({"id": stream_id} if stream_id else {}), "code": 500,
                 "reason": "InternalError", "message": repr(error)}
            )  # fmt: skip

    def _authorized(self, path: str, query: list[tuple[str, str]], what: str) -> Decision:
        namespace = self.kube.namespace
        decision = authorize("GET", path, urlencode(query), namespace)
        if not decision.allowed:
            raise _Refused(
                403, "Forbidden", f"jupyterlab-lws does not forward {what}: {decision.reason}"
            )
        return decision

    def _subscribe(self, stream_id: str, request: dict[str, Any]) -> None:
        resource = request.get("resource")
        selector = request.get("labelSelector") or ""
        if not isinstance(resource, str) or resource not in LIVE_RESOURCES:
            raise _Refused(
                403, "Forbidden",
                f"{str(resource)[:80]!r} is not a resource of the live channel; "
                f"one of: {', '.join(LIVE_RESOURCES)}",
            )  # fmt: skip
        if not isinstance(selector, str):
            raise _Refused(400, "BadRequest", "labelSelector must be a string")
        # The same check the informer's requests will pass, made before anything starts.
        path = f"{LIVE_RESOURCES[resource]}/namespaces/{self.kube.namespace}/{resource}"
        query = [("watch", "1")] + ([("labelSelector", selector)] if selector else [])
        self._authorized(path, query, f"a watch of {resource}")

        def listener(message: dict[str, Any], encoded: str) -> None:
            if message["type"] == "end":
                self._subscriptions.pop(stream_id, None)
            # The informer encoded the message once for every socket; the id goes in front.
            self._send_text(f'{{"id": {json.dumps(stream_id)}, {encoded[1:]}')

        self._subscriptions[stream_id] = (
            self.informers.subscribe(resource, selector, listener),
            listener,
        )

    def _start_log(self, stream_id: str, request: dict[str, Any]) -> None:
        pod = request.get("pod")
        if not isinstance(pod, str) or not pod:
            raise _Refused(400, "BadRequest", "a log needs the pod's name")
        query: list[tuple[str, str]] = []
        for field, kind in _LOG_FIELDS.items():
            value = request.get(field)
            if value is None:
                continue
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise _Refused(400, "BadRequest", f"{field} must be a {kind.__name__}")
            query.append((field, _query_value(value)))
        path = f"api/v1/namespaces/{self.kube.namespace}/pods/{pod}/log"
        decision = self._authorized(path, query, f"the log of pod {pod[:80]!r}")
        self._logs[stream_id] = asyncio.ensure_future(self._follow_log(stream_id, decision))

    def _unsubscribe(self, stream_id: str) -> None:
        subscription = self._subscriptions.pop(stream_id, None)
        task = self._logs.pop(stream_id, None)
        if subscription is None and task is None:
            raise _Refused(404, "NotFound", f"no subscription or log has the id {stream_id!r}")
        if subscription is not None:
            informer, listener = subscription
            informer.remove(listener)
        if task is not None:
            task.cancel()

    # Server to browser

    def _send(self, message: dict[str, Any]) -> asyncio.Future[None] | None:
        """Queue ``message``; a browser that stops reading is disconnected, not buffered for."""
        return self._send_text(json.dumps(message))

    def _send_text(self, text: str) -> asyncio.Future[None] | None:
        if self.ws_connection is None or self.ws_connection.is_closing():
            return None
        self._unsent += len(text)
        if self._unsent > MAX_UNSENT_BYTES:
            self.log.warning("jupyterlab-lws: live channel closed: the browser does not read")
            self.close(1013, "the browser does not read fast enough")
            return None
        try:
            sent = self.write_message(text)
        except WebSocketClosedError:
            return None

        def done(future: asyncio.Future[None], size: int = len(text)) -> None:
            self._unsent -= size
            if not future.cancelled():
                future.exception()  # a closed socket: nothing more to do

        sent.add_done_callback(done)
        return sent

    async def _follow_log(self, stream_id: str, decision: Decision) -> None:
        """Relay one container log as ``log`` messages (whole lines), then ``end``."""
        end: dict[str, Any] = {}
        try:
            async with self.kube.stream("GET", decision.path, query=decision.query) as response:
                if response.status_code >= 400:
                    body = await response.aread()
                    end = _status_of(response.status_code, body, response.reason_phrase)
                else:
                    pending = ""
                    async for text in response.aiter_text():
                        pending += text
                        cut = pending.rfind("\n") + 1
                        if not cut and len(pending) < LOG_TEXT_BYTES:
                            continue
                        cut = cut or len(pending)
                        sent = self._send({"type": "log", "id": stream_id, "text": pending[:cut]})
                        pending = pending[cut:]
                        if sent is not None:
                            await sent  # a slow browser holds the upstream reads back
                    if pending:
                        self._send({"type": "log", "id": stream_id, "text": pending})
                    end = await self._why_a_followed_log_ended(decision)
        except UpstreamError as error:
            end = {"code": 502, "reason": "UpstreamUnreachable", "message": str(error)}
        except httpx.TransportError as error:
            end = {"code": 502, "reason": "LogStreamCut", "message": f"the log was cut: {error!r}"}
        except WebSocketClosedError:
            return
        if self._logs.pop(stream_id, None) is not None:
            self._send({"type": "end", "id": stream_id, **end})

    async def _why_a_followed_log_ended(self, decision: Decision) -> dict[str, Any]:
        """An ``end`` status for a log whose stream closed cleanly: none when the container
        stopped (or the log was not followed); a cut when the container still runs or the API
        server cannot say. A stopping API server closes followed logs as if they had ended (seen
        in the API-server restart fault test), and the browser follows again only after a cut."""
        query = dict(decision.query)
        if query.get("follow") != "true":
            return {}
        pod_path = decision.path.removesuffix("/log")
        pod = authorize("GET", pod_path, "", self.kube.namespace)
        if not pod.allowed:
            return {}
        cut = {"code": 503, "reason": "LogStreamCut"}
        try:
            response = await self.kube.request("GET", pod.path)
        except UpstreamError as error:
            return {**cut, "message": f"the log ended and the API server is away: {error}"}
        if response.status_code == 404:
            return {}
        if response.status_code >= 400:
            return {**cut, "message": f"the log ended and the pod cannot be read now "
                                      f"({response.status_code})"}  # fmt: skip
        statuses = (response.json().get("status") or {}).get("containerStatuses") or []
        container = query.get("container")
        running = any(
            (status.get("state") or {}).get("running") is not None
            for status in statuses
            if container is None or status.get("name") == container
        )
        if running:
            return {**cut, "message": "the log stream closed while the container still runs"}
        return {}

    def on_close(self) -> None:
        """Drop every subscription (informers stop after their grace period) and close every
        log request now."""
        for informer, listener in self._subscriptions.values():
            informer.remove(listener)
        self._subscriptions.clear()
        for task in self._logs.values():
            task.cancel()
        self._logs.clear()
