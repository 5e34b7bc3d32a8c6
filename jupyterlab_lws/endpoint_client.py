"""Streaming requests to a model endpoint (a Service of the user's namespace).

Used by the smoke-test chat. The URL comes from ``c.LwsServing.endpoint_url_template`` and an
already-checked Service name, port and path (:func:`.allowlist.authorize_endpoint`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from .config import LwsServing
from .kube_client import USER_AGENT, UpstreamError, describe_transport_error

__all__ = ["EndpointClient"]


class EndpointClient:
    """One connection pool for all chat streams of this server."""

    def __init__(self, settings: LwsServing) -> None:
        self.settings = settings
        self._client: httpx.AsyncClient | None = None
        self.open_streams = 0
        """Upstream streams open right now."""

    def url(self, service: str, namespace: str, port: int, path: str) -> str:
        """The upstream URL for ``path`` on ``service:port``."""
        base = self.settings.endpoint_url_template.format(
            service=service, namespace=namespace, port=port
        )
        return f"{base.rstrip('/')}/{path}"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(
                    self.settings.stream_timeout, connect=self.settings.connect_timeout
                ),
                limits=httpx.Limits(
                    max_connections=self.settings.max_connections, max_keepalive_connections=20
                ),
                headers={"User-Agent": USER_AGENT},
                trust_env=False,
            )
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
            response = await client.send(request, stream=True)
        except httpx.TransportError as error:
            raise UpstreamError(
                f"could not reach {label}: {describe_transport_error(error)}"
            ) from error
        self.open_streams += 1
        try:
            yield response
        finally:
            self.open_streams -= 1
            await response.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
