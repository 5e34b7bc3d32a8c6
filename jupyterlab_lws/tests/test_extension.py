"""The extension inside a Jupyter server, where no cluster is needed: settings from the
command line, authentication, and the errors a notebook outside a pod sees."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import pytest
import tornado.testing


@pytest.fixture
def sa_dir(tmp_path):
    """A service-account folder with a namespace and a CA bundle, but no reachable cluster."""
    (tmp_path / "namespace").write_text("project-user-alice")
    (tmp_path / "token").write_text("not-a-real-token")
    system_ca = ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
    (tmp_path / "ca.crt").write_bytes(Path(system_ca).read_bytes())
    return tmp_path


@pytest.fixture
def closed_port():
    sock, port = tornado.testing.bind_unused_port()
    sock.close()
    return port


@pytest.fixture
def lws_settings(sa_dir, closed_port):
    return {"service_account_dir": str(sa_dir), "api_server": f"https://127.0.0.1:{closed_port}"}


@pytest.fixture
def jp_argv():
    # As in `jupyter lab --LwsServing.namespace=... --LwsServing.stream_timeout=...`.
    return ["--LwsServing.namespace=from-the-command-line", "--LwsServing.stream_timeout=7200"]


async def test_settings_come_from_the_command_line(jp_serverapp, sa_dir):
    settings = jp_serverapp.web_app.settings["lws_serving"]
    assert settings.namespace == "from-the-command-line"
    assert settings.stream_timeout == 7200
    assert settings.token_path == sa_dir / "token"
    assert jp_serverapp.web_app.settings["lws_kube"].namespace == "from-the-command-line"


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("GET", "lws/api/context"),
        ("GET", "lws/api/k8s/api/v1/namespaces/from-the-command-line/pods"),
        ("POST", "lws/api/k8s/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
        ("DELETE", "lws/api/k8s/api/v1/namespaces/from-the-command-line/services/x"),
        ("GET", "lws/api/endpoints/llama-leader/8000/v1/models"),
        ("POST", "lws/api/endpoints/llama-leader/8000/v1/chat/completions"),
    ],
)
async def test_every_route_requires_jupyter_authentication(
    raw_request, upstream_calls, method, route
):
    status, _ = await raw_request(method, route, auth=False)
    assert status == 403
    assert upstream_calls == []


async def test_unreachable_api_server_is_a_502_that_says_so(jp_fetch, closed_port):
    response = await jp_fetch("lws", "api", "context", raise_error=False)
    assert response.code == 502
    payload = json.loads(response.body)
    assert payload == {
        "message": "could not reach the Kubernetes API server at "
        f"https://127.0.0.1:{closed_port}: connection refused",
        "reason": "UpstreamUnreachable",
    }


@pytest.mark.parametrize("lws_settings", [{"service_account_dir": "/nonexistent/sa"}])
@pytest.mark.parametrize("jp_argv", [[]])
@pytest.mark.parametrize(
    "route", [("lws", "api", "context"), ("lws", "api", "k8s", "api", "v1", "nodes")]
)
async def test_outside_a_pod_the_answer_says_what_to_configure(jp_fetch, monkeypatch, route):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    response = await jp_fetch(*route, raise_error=False)
    assert response.code == 503
    payload = json.loads(response.body)
    assert payload["reason"] == "NotInCluster"
    assert "/nonexistent/sa/namespace" in payload["message"]
    assert "c.LwsServing.service_account_dir" in payload["message"]


async def test_bodies_of_unknown_media_types_are_not_forwarded(jp_fetch, upstream_calls):
    response = await jp_fetch(
        "lws/api/k8s/api/v1/namespaces/from-the-command-line/services",
        method="POST",
        body="name: x",
        headers={"Content-Type": "text/plain"},
        raise_error=False,
    )
    assert response.code == 415
    payload = json.loads(response.body)
    assert payload["reason"] == "UnsupportedMediaType"
    assert "application/apply-patch+yaml" in payload["message"]
    assert upstream_calls == []
