"""An async client for the Kubernetes API server, authenticated as the pod's service account.

Why httpx rather than tornado's ``AsyncHTTPClient``: a watch or a followed log holds its
connection for up to an hour, and when the browser goes away the upstream request must end at
once. Tornado's client cannot abort a fetch in flight (a ``streaming_callback`` can only fail at
the next chunk, which for a quiet watch may be an hour later) and its shared instance allows 10
concurrent requests. httpx (shipped with JupyterLab, declared as a dependency) runs on the same
asyncio loop, cancels cleanly with the task that awaits it, closes the connection on
cancellation, and takes per-request timeouts and a large connection pool.
"""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from .config import LwsServing, NotInClusterError

__all__ = [
    "KubeClient",
    "TokenFile",
    "UpstreamError",
    "describe_transport_error",
    "new_http_client",
]

USER_AGENT = "jupyterlab-lws"


class UpstreamError(RuntimeError):
    """The API server or an endpoint could not be reached (no HTTP response)."""

    status = 502
    """The HTTP status the browser gets for it."""


@dataclass
class _Stamp:
    mtime_ns: int
    size: int
    inode: int


class TokenFile:
    """The service-account token, re-read whenever the file changes.

    The kubelet rotates projected tokens by swapping a symlink, so the file's inode, size or
    mtime changes; :meth:`read` with ``force=True`` re-reads regardless (after a 401).
    """

    def __init__(self, path: os.PathLike[str] | str) -> None:
        self.path = path
        self._token: str | None = None
        self._stamp: _Stamp | None = None

    def _stat(self) -> _Stamp:
        info = os.stat(self.path)
        return _Stamp(info.st_mtime_ns, info.st_size, info.st_ino)

    def read(self, *, force: bool = False) -> str:
        """The current token (never logged)."""
        try:
            stamp = self._stat()
            if force or self._token is None or stamp != self._stamp:
                with open(self.path, encoding="utf-8") as handle:
                    self._token = handle.read().strip()
                self._stamp = stamp
        except OSError as error:
            raise NotInClusterError(
                f"cannot read the service-account token at {self.path} ({error.strerror}); "
                "run in a pod with a service account, or set c.LwsServing.service_account_dir "
                "or c.LwsServing.token_file"
            ) from error
        if not self._token:
            raise NotInClusterError(f"the service-account token file {self.path} is empty")
        return self._token


def describe_transport_error(error: Exception) -> str:
    """A short human reason for a transport error ("connection refused", "timed out", ...)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS verification failed ({cause.verify_message})"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    text = str(error) or type(error).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text


def new_http_client(
    settings: LwsServing, *, timeout: float, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncClient:
    """A connection pool for upstream requests, made the same way for the API server and the
    model endpoints: ``timeout`` for reads, the configured connect timeout and pool size.

    ``trust_env=False``: the upstreams are inside the cluster, so a notebook's ``HTTP(S)_PROXY``
    or ``.netrc`` must not redirect them or add credentials.
    """
    return httpx.AsyncClient(
        verify=verify,
        timeout=httpx.Timeout(timeout, connect=settings.connect_timeout),
        limits=httpx.Limits(max_connections=settings.max_connections, max_keepalive_connections=20),
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
    )


class KubeClient:
    """Requests to the API server with the service-account token; one instance per server."""

    def __init__(self, settings: LwsServing) -> None:
        self.settings = settings
        self.token = TokenFile(settings.token_path)
        self._client: httpx.AsyncClient | None = None
        self._namespace: str | None = None
        self.open_streams = 0
        """Upstream streams (watches, log follows) open right now."""

    @property
    def namespace(self) -> str:
        """The only namespace the proxy reaches."""
        if self._namespace is None:
            self._namespace = self.settings.resolve_namespace()
        return self._namespace

    @property
    def base_url(self) -> str:
        """The API server URL."""
        return self.settings.resolve_api_server()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            ca_path = self.settings.ca_path
            try:
                context = ssl.create_default_context(cafile=str(ca_path))
            except (OSError, ssl.SSLError) as error:
                raise NotInClusterError(
                    f"cannot load the API server's CA from {ca_path} ({error}); "
                    "set c.LwsServing.service_account_dir or c.LwsServing.ca_file"
                ) from error
            self._client = new_http_client(
                self.settings, timeout=self.settings.request_timeout, verify=context
            )
        return self._client

    def _request(
        self,
        method: str,
        path: str,
        query: Iterable[tuple[str, str]],
        body: bytes | None,
        headers: dict[str, str],
        *,
        stream: bool,
        force_token: bool,
    ) -> httpx.Request:
        client = self._http()
        token = self.token.read(force=force_token)
        timeout = (
            httpx.Timeout(self.settings.stream_timeout, connect=self.settings.connect_timeout)
            if stream
            else None
        )
        return client.build_request(
            method,
            f"{self.base_url}/{path.lstrip('/')}",
            params=list(query),
            content=body,
            headers={**headers, "Authorization": f"Bearer {token}"},
            **({"timeout": timeout} if timeout else {}),
        )

    async def _send(
        self, build: Callable[[bool], httpx.Request], *, stream: bool
    ) -> httpx.Response:
        """Send, and after a 401 re-read the token once and retry (bound tokens rotate)."""
        client = self._http()
        try:
            response = await client.send(build(False), stream=stream)
            if response.status_code == 401:
                await response.aclose()
                response = await client.send(build(True), stream=stream)
        except httpx.TransportError as error:
            raise UpstreamError(
                f"could not reach the Kubernetes API server at {self.base_url}: {describe_transport_error(error)}"
            ) from error
        return response

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Iterable[tuple[str, str]] = (),
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A buffered request: the response body is read completely."""
        pairs = list(query)
        hdrs = {"Accept": "application/json", **(headers or {})}

        def build(force: bool) -> httpx.Request:
            return self._request(method, path, pairs, body, hdrs, stream=False, force_token=force)

        return await self._send(build, stream=False)

    async def request_json(
        self, method: str, path: str, body: object | None = None
    ) -> httpx.Response:
        """A buffered JSON request (used by the context endpoint)."""
        content = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if content is not None else {}
        return await self.request(method, path, body=content, headers=headers)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        query: Iterable[tuple[str, str]] = (),
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A streaming request (watch, log follow) with the long stream timeout.

        Leaving the context, normally or by cancellation, closes the upstream connection.
        """
        pairs = list(query)
        hdrs = {"Accept-Encoding": "identity", **(headers or {})}

        def build(force: bool) -> httpx.Request:
            return self._request(method, path, pairs, body, hdrs, stream=True, force_token=force)

        response = await self._send(build, stream=True)
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
