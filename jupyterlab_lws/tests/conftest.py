"""Fixtures: the local Kubernetes cluster, server settings, and clients for the test server."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ENDPOINT_URL_TEMPLATE = "http://127.0.0.1:{port}"
ROUTE_NOTE = (
    f" (this Jupyter server reaches Services at {ENDPOINT_URL_TEMPLATE},"
    " set by LwsServing.endpoint_url_template)"
)
"""What an unreachable endpoint's message adds when Services are reached that way."""


CLUSTER_HINT = "start the local cluster: bash scripts/cluster/cluster.sh up"


@dataclass
class Cluster:
    """The local cluster, as described by ``cluster.json`` (written by ``cluster.sh up``)."""

    info: dict[str, Any]

    @property
    def server(self) -> str:
        return self.info["server"]

    def account(self, name: str) -> dict[str, str]:
        """``{"namespace", "serviceAccount", "dir"}`` of ``editor`` or ``restricted``."""
        return self.info["accounts"][name]

    def kubectl(self, *args: str, stdin: str | None = None) -> str:
        """Run kubectl as the cluster admin (for setup and cleanup, never for what is tested)."""
        result = subprocess.run(
            [self.info["kubectl"], "--kubeconfig", self.info["adminKubeconfig"], *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout


def _cluster_run_dir() -> Path:
    default = Path.home() / ".cache" / "jupyterlab-lws" / "run"
    return Path(os.environ.get("LWS_CLUSTER_RUN", default))


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    """The running local cluster; FAILS (never skips) when it is not there."""
    path = _cluster_run_dir() / "cluster.json"
    if not path.is_file():
        pytest.fail(
            f"no local Kubernetes cluster ({path} is missing): {CLUSTER_HINT}", pytrace=False
        )
    info = json.loads(path.read_text())
    try:
        socket.create_connection((info["host"], info["port"]), timeout=5).close()
    except OSError as error:
        pytest.fail(
            f"the local cluster's API server at {info['server']} does not answer ({error}): "
            f"{CLUSTER_HINT}",
            pytrace=False,
        )
    return Cluster(info)


@pytest.fixture
def account_name(request: pytest.FixtureRequest) -> str:
    """The cluster account for the server under test: ``@pytest.mark.account("restricted")``."""
    marker = request.node.get_closest_marker("account")
    return marker.args[0] if marker else "editor"


@pytest.fixture
def account(cluster: Cluster, account_name: str) -> dict[str, str]:
    """The service account the server under test uses."""
    return cluster.account(account_name)


@pytest.fixture
def lws_settings(cluster: Cluster, account: dict[str, str]) -> dict[str, Any]:
    """``c.LwsServing`` pointing at the local cluster, as a pod's service account would.

    Model endpoints are mapped to 127.0.0.1: the engines the tests chat with run on this
    machine, behind a real Service whose port is the engine's (see :func:`make_service`).
    """
    return {
        "service_account_dir": account["dir"],
        "api_server": cluster.server,
        "endpoint_url_template": ENDPOINT_URL_TEMPLATE,
    }


@pytest.fixture
def namespace(account: dict[str, str]) -> str:
    return account["namespace"]


@pytest.fixture
def server_url(jp_serverapp, http_server, jp_http_port: int, jp_base_url: str) -> str:
    """Base URL of the running test server (its base_url included)."""
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}"


@pytest.fixture
async def client(server_url: str, jp_auth_header: dict[str, str]):
    """An httpx client with the Jupyter token, for streams read chunk by chunk."""
    async with httpx.AsyncClient(
        base_url=server_url, headers=jp_auth_header, timeout=30, trust_env=False
    ) as http_client:
        yield http_client


@pytest.fixture
def raw_request(http_server, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str]):
    """Send a request line exactly as written: no client normalises ``..`` or escapes here."""

    def send(method: str, target: str, headers: dict[str, str] | None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", jp_http_port, timeout=30)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        try:
            return response.status, json.loads(body)
        except ValueError:
            return response.status, body

    async def request(
        method: str, path: str, *, auth: bool = True, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        all_headers = {**(jp_auth_header if auth else {}), **(headers or {})}
        # The server shares this event loop: the blocking client must run in a thread.
        return await asyncio.to_thread(send, method, jp_base_url + path, all_headers)

    return request


@pytest.fixture
def upstream_calls(jp_serverapp) -> list[str]:
    """Every request the extension sends upstream, recorded (to prove refusals never leave)."""
    calls: list[str] = []

    def recording(make_client):
        def make():
            http_client = make_client()
            if not getattr(http_client, "_recorded", False):
                original = http_client.send

                async def send(request, *args, **kwargs):
                    calls.append(f"{request.method} {request.url}")
                    return await original(request, *args, **kwargs)

                http_client.send = send
                http_client._recorded = True
            return http_client

        return make

    for key in ("lws_kube", "lws_endpoints"):
        upstream = jp_serverapp.web_app.settings[key]
        upstream._http = recording(upstream._http)
    return calls


async def announce_body(port: int, target: str, headers: dict[str, str], size: int) -> bytes:
    """Send a request's headers announcing a ``size``-byte body, send none of it, and return
    what the server answers (an answer proves it did not wait for the body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"POST {target} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {size}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(65536), timeout=10)
    finally:
        writer.close()


async def next_data(chunks, timeout: float = 10) -> bytes:
    """The next chunk of a relayed event stream that is not the proxy's keep-alive comment."""
    while True:
        chunk = await asyncio.wait_for(anext(chunks), timeout=timeout)
        if chunk != b":\n\n":
            return chunk


def unique(prefix: str = "lws-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def k8s(jp_fetch):
    """``await k8s(method, path, body=..., params=...)`` -> (status, decoded JSON body)."""

    async def call(
        method: str,
        path: str,
        *,
        body: object | None = None,
        content_type: str = "application/json",
        params: dict[str, str] | None = None,
    ) -> tuple[int, dict]:
        kwargs: dict = {"method": method, "params": params, "raise_error": False}
        if body is not None:
            kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
            kwargs["headers"] = {"Content-Type": content_type}
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = ""
        response = await jp_fetch("lws/api/k8s", path, **kwargs)
        return response.code, json.loads(response.body) if response.body else {}

    return call


@pytest.fixture
def cleanup(cluster, namespace):
    """Objects to delete as admin after the test, whatever happened: ``cleanup(kind, name)``."""
    created: list[tuple[str, str]] = []
    yield lambda kind, name: created.append((kind, name))
    for kind, name in created:
        cluster.kubectl("delete", kind, name, "-n", namespace, "--ignore-not-found", "--wait=false")


@pytest.fixture
def make_service(cluster, namespace, cleanup):
    """``make_service(port, **spec)`` -> the name of a new Service (admin-made) in the namespace."""

    def make(port: int, **spec) -> str:
        name = unique("leader")
        cleanup("service", name)
        body = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {
                "selector": {"app": name},
                "ports": [{"name": "http", "port": port, "targetPort": port}],
                **spec,
            },
        }
        cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(body))
        return name

    return make
