"""Streaming requests to a model endpoint (a Service of the user's namespace).

Used by the smoke-test chat. The URL comes from ``c.LwsServing.endpoint_url_template`` and an
already-checked Service name, port and path (:func:`.allowlist.authorize_endpoint`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from .allowlist import endpoint_service_problem
from .config import LwsServing
from .kube_client import KubeClient, UpstreamError, describe_transport_error, new_http_client

__all__ = ["EndpointClient", "ServiceLookup", "UpstreamTimeout"]


class UpstreamTimeout(UpstreamError):
    """A model endpoint accepted the connection but did not start answering in time."""

    status = 504


def _message_of(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        return response.reason_phrase


class ServiceLookup:
    """Checks, through the API server, that a chat request's Service may be reached.

    The proxy builds the upstream URL from a Service name, so before forwarding it reads the
    Service with the notebook's own rights and applies :func:`.allowlist.endpoint_service_problem`.
    Answers are kept ``settings.service_cache_seconds``, so a chat's many requests cost one read.
    """

    def __init__(self, kube: KubeClient, clock: Callable[[], float] = time.monotonic) -> None:
        self.kube = kube
        self.clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def problem(self, name: str, port: int) -> tuple[int, str] | None:
        """``(HTTP status, reason)`` when ``name:port`` may not be reached; None when it may."""
        now = self.clock()
        cached = self._cache.get(name)
        if cached is None or cached[0] <= now:
            response = await self.kube.request(
                "GET", f"api/v1/namespaces/{self.kube.namespace}/services/{name}"
            )
            if response.status_code == 404:
                service = None
            elif response.status_code == 200:
                service = response.json()
            else:
                # Not cached: a missing right or a passing API error should not outlive its fix.
                return response.status_code, (
                    f"the Service '{name}' could not be read with this notebook's service account "
                    f"(HTTP {response.status_code}: {_message_of(response)})"
                )
            cached = (now + self.kube.settings.service_cache_seconds, service)
            self._cache[name] = cached
        return endpoint_service_problem(cached[1], name, port)


class EndpointClient:
    """One connection pool for all chat streams of this server."""

    def __init__(self, settings: LwsServing) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None
        self.open_streams = 0
        """Upstream streams open right now."""
        self.answer_timeout = settings.endpoint_answer_timeout
        """Seconds an endpoint may take to start answering. Engines send a streamed answer's
        headers as soon as they accept the request, so one silent this long is stuck; without
        this bound the proxy would hold its connection for ``stream_timeout``."""

    def url(self, service: str, namespace: str, port: int, path: str) -> str:
        """The upstream URL for ``path`` on ``service:port``."""
        base = self.settings.endpoint_url_template.format(
            service=service, namespace=namespace, port=port
        )
        return f"{base.rstrip('/')}/{path}"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = new_http_client(self.settings, timeout=self.settings.stream_timeout)
        return self._client

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        label: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> AsyncIterator[httpx.Response]:
        """Open ``url``; ``label`` (``service:port``) names it in errors."""
        client = self._http()
        request = client.build_request(
            method, url, content=body, headers={"Accept-Encoding": "identity", **headers}
        )
        try:
            # Cancelling the send (the timeout, or the browser leaving) closes its connection.
            response = await asyncio.wait_for(
                client.send(request, stream=True), timeout=self.answer_timeout
            )
        except TimeoutError as error:
            raise UpstreamTimeout(
                f"{label} accepted the connection but did not start answering within "
                f"{self.answer_timeout:g} s"
            ) from error
        except httpx.TransportError as error:
            raise UpstreamError(
                f"could not reach {label}: {describe_transport_error(error)}{self._route_note()}"
            ) from error
        self.open_streams += 1
        try:
            yield response
        finally:
            self.open_streams -= 1
            await response.aclose()

    def _route_note(self) -> str:
        # Outside the cluster (a demo, tests) Services are reached another way: say which, so
        # "connection refused" is not read as the engine being down.
        template = self.settings.endpoint_url_template
        if template == LwsServing.endpoint_url_template.default_value:
            return ""
        return f" (this Jupyter server reaches Services at {template}, set by LwsServing.endpoint_url_template)"

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
