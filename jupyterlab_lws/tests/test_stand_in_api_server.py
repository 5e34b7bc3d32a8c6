"""What the shared local cluster cannot show without breaking it for others: the LWS CRD
absent, an authorizer that cannot list rules, no SelfSubjectReview, and container logs (kwok's
pods run no containers). A stand-in API server answers with Kubernetes' shapes; everything else
is tested against the real cluster."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import time
from pathlib import Path

import pytest
import tornado.httpserver
import tornado.testing
import tornado.web

NAMESPACE = "project-user-carol"
SUB = f"system:serviceaccount:{NAMESPACE}:notebook"


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'kid': 'x'})}.{part(claims)}.c2ln"


TOKEN = _jwt({"sub": SUB, "aud": ["https://kubernetes.default.svc"]})


def _status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "reason": reason, "message": message}  # fmt: skip


class StandInApiServer(tornado.web.RequestHandler):
    """An API server without the LWS CRD, with a webhook authorizer (rules incomplete)."""

    def initialize(self, log: list[str]) -> None:
        self.log_ = log

    def prepare(self) -> None:
        self.log_.append(f"{self.request.method} {self.request.path}")
        if self.request.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.set_status(401)
            self.finish(_status(401, "Unauthorized", "Unauthorized"))

    def get(self, path: str) -> None:
        if path == "version":
            self.finish({"major": "1", "minor": "29", "gitVersion": "v1.29.3"})
            return
        self.set_status(404)
        self.finish(_status(404, "NotFound", "the server could not find the requested resource"))

    def post(self, path: str) -> None:
        body = json.loads(self.request.body)
        if path.endswith("selfsubjectrulesreviews"):
            assert body["spec"]["namespace"] == NAMESPACE
            rules = [{"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["*"]}]
            self.set_status(201)
            self.finish({**body, "status": {"resourceRules": rules, "incomplete": True}})
        elif path.endswith("selfsubjectaccessreviews"):
            attributes = body["spec"]["resourceAttributes"]
            # The webhook authorizer grants Jobs; nothing else beyond the rules above.
            allowed = attributes.get("group") == "batch"
            self.set_status(201)
            self.finish({**body, "status": {"allowed": allowed}})
        else:  # no SelfSubjectReview before Kubernetes 1.28
            self.set_status(404)
            self.finish(
                _status(404, "NotFound", "the server could not find the requested resource")
            )


class LogHandler(tornado.web.RequestHandler):
    """``GET .../pods/engine-0/log``: one line, then (with follow=true) a line per gate item."""

    def initialize(self, gate: asyncio.Queue, closed: asyncio.Event) -> None:
        self.gate = gate
        self.closed = closed

    async def get(self) -> None:
        self.set_header("Content-Type", "text/plain")
        self.write("INFO starting engine\n")
        await self.flush()
        if self.get_argument("follow", "") == "true":
            while (line := await self.gate.get()) is not None:
                self.write(line)
                await self.flush()

    def on_connection_close(self) -> None:
        self.closed.set()


@pytest.fixture
def engine_log():
    """The stand-in's log stream: put lines in ``gate``; ``closed`` is set on disconnect."""
    return {"gate": asyncio.Queue(), "closed": asyncio.Event()}


@pytest.fixture
def api_port():
    sock, port = tornado.testing.bind_unused_port()
    sock.close()
    return port


@pytest.fixture
async def api_log(api_port, engine_log):
    """Requests the stand-in API server received."""
    log: list[str] = []
    logs = f"/api/v1/namespaces/{NAMESPACE}/pods/engine-0/log"
    app = tornado.web.Application(
        [(logs, LogHandler, engine_log), (r"/(.*)", StandInApiServer, {"log": log})]
    )
    server = tornado.httpserver.HTTPServer(app)
    server.listen(api_port, "127.0.0.1")
    yield log
    server.stop()
    await server.close_all_connections()


@pytest.fixture
def lws_settings(tmp_path, api_log, api_port):
    (tmp_path / "namespace").write_text(NAMESPACE)
    (tmp_path / "token").write_text(TOKEN)
    system_ca = ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
    (tmp_path / "ca.crt").write_bytes(Path(system_ca).read_bytes())
    # Plain HTTP: the stand-in has no certificate; the CA is loaded but unused.
    return {"service_account_dir": str(tmp_path), "api_server": f"http://127.0.0.1:{api_port}"}


async def test_without_the_lws_crd_the_context_still_answers(jp_fetch, api_log):
    response = await jp_fetch("lws", "api", "context")
    assert response.code == 200
    ctx = json.loads(response.body)
    assert ctx["lwsInstalled"] is False
    assert ctx["lwsVersions"] == []
    assert ctx["serverVersion"]["gitVersion"] == "v1.29.3"
    # No SelfSubjectReview: the account is named from the token's `sub`.
    assert ctx["user"] == SUB
    # Incomplete rules: what they did not grant was asked verb by verb.
    assert ctx["permissions"]["jobs"] == dict.fromkeys(
        ("get", "list", "watch", "create", "delete"), True
    )
    assert ctx["permissions"]["pods"] == {"get": True, "list": True, "watch": True, "delete": False}
    assert any(line.endswith("selfsubjectaccessreviews") for line in api_log)
    assert not any(m["resource"] == "jobs" for m in ctx["missing"])
    assert (
        "kubectl create rolebinding lws-manager-binding --role=lws-manager "
        f"--serviceaccount={NAMESPACE}:notebook -n {NAMESPACE}"
    ) in ctx["adminCommands"]


async def test_k8s_status_objects_reach_the_browser_intact(jp_fetch):
    response = await jp_fetch(
        "lws/api/k8s/apis/leaderworkerset.x-k8s.io/v1/namespaces",
        NAMESPACE,
        "leaderworkersets",
        raise_error=False,
    )
    assert response.code == 404
    assert json.loads(response.body) == _status(
        404, "NotFound", "the server could not find the requested resource"
    )


async def test_followed_logs_stream_line_by_line_and_stop_with_the_browser(
    client, engine_log, jp_serverapp
):
    url = f"lws/api/k8s/api/v1/namespaces/{NAMESPACE}/pods/engine-0/log"
    kube = jp_serverapp.web_app.settings["lws_kube"]
    params = {"follow": "true", "container": "engine", "timestamps": "false"}
    async with client.stream("GET", url, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/plain"
        lines = response.aiter_lines()
        assert await asyncio.wait_for(anext(lines), 5) == "INFO starting engine"
        for text in ("NCCL INFO Bootstrap", "INFO Uvicorn running on http://0.0.0.0:31000"):
            await engine_log["gate"].put(text + "\n")
            assert await asyncio.wait_for(anext(lines), 5) == text
        assert kube.open_streams == 1
    started = time.monotonic()
    await asyncio.wait_for(engine_log["closed"].wait(), 5)
    assert time.monotonic() - started < 2


async def test_logs_without_follow_are_answered_whole(jp_fetch):
    response = await jp_fetch(
        f"lws/api/k8s/api/v1/namespaces/{NAMESPACE}/pods/engine-0/log", params={"tailLines": "5"}
    )
    assert response.code == 200
    assert response.body == b"INFO starting engine\n"
    assert response.headers["Content-Type"] == "text/plain"
