"""The smoke-test chat proxy, against a small local server that streams server-sent events.

This is transport testing: the engine is a stand-in started here; the real OpenAI-compatible
engine is tested elsewhere. The proxy only reaches a Service that exists in the notebook's
namespace and exposes the port, so every test makes a real Service in the local cluster whose
port is the stand-in's (``c.LwsServing.endpoint_url_template`` maps it to 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import tornado.httpserver
import tornado.testing
import tornado.web

from .conftest import ROUTE_NOTE, announce_body, next_data


class FakeEngine:
    """What the stand-in engine saw and when, with a gate the test opens per event."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []
        self.gate: asyncio.Queue[str | None] = asyncio.Queue()
        self.closed = asyncio.Event()
        self.port = 0


class ChatHandler(tornado.web.RequestHandler):
    """``POST /v1/chat/completions``: one SSE event per item the test puts in the gate."""

    def initialize(self, engine: FakeEngine) -> None:
        self.engine = engine

    async def post(self) -> None:
        engine = self.engine
        engine.requests.append(
            (self.request.method, self.request.uri, self.request.body, dict(self.request.headers))
        )
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        await self.flush()
        while (text := await self._next()) is not None:
            chunk = {"choices": [{"index": 0, "delta": {"content": text}}]}
            self.write(f"data: {json.dumps(chunk)}\n\n")
            await self.flush()
        if not self.engine.closed.is_set():
            self.write("data: [DONE]\n\n")

    async def _next(self) -> str | None:
        """The next item from the gate, or None when the proxy hung up."""
        item = asyncio.ensure_future(self.engine.gate.get())
        closed = asyncio.ensure_future(self.engine.closed.wait())
        done, _ = await asyncio.wait({item, closed}, return_when=asyncio.FIRST_COMPLETED)
        (closed if item in done else item).cancel()
        return item.result() if item in done else None

    def on_connection_close(self) -> None:
        self.engine.closed.set()


class ModelsHandler(tornado.web.RequestHandler):
    def initialize(self, engine: FakeEngine) -> None:
        self.engine = engine

    def get(self) -> None:
        self.engine.requests.append(
            (self.request.method, self.request.uri, b"", dict(self.request.headers))
        )
        self.finish({"object": "list", "data": [{"id": "tiny", "object": "model"}]})


# A recorded vLLM /metrics page (src/model/__tests__/fixtures/metrics/SOURCES.md).
METRICS_PAGE = (
    Path(__file__).parents[2] / "src/model/__tests__/fixtures/metrics/vllm-0.7.metrics.txt"
).read_bytes()


class MetricsHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        # prometheus_client's exposition content type, as vLLM and SGLang send it.
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(METRICS_PAGE)


class ErrorHandler(tornado.web.RequestHandler):
    def post(self) -> None:
        self.set_status(400)
        self.finish({"object": "error", "message": "max_tokens is too large", "code": 400})


@pytest.fixture
async def engine():
    """The stand-in engine, on a free local port."""
    fake = FakeEngine()
    app = tornado.web.Application(
        [
            (r"/v1/chat/completions", ChatHandler, {"engine": fake}),
            (r"/v1/models", ModelsHandler, {"engine": fake}),
            (r"/v1/completions", ErrorHandler),
            (r"/metrics", MetricsHandler),
        ]
    )
    sock, fake.port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets([sock])
    yield fake
    server.stop()
    await server.close_all_connections()


@pytest.fixture
def leader(engine, make_service) -> str:
    """A ClusterIP Service exposing the stand-in engine's port."""
    return make_service(engine.port)


async def test_models_are_proxied(jp_fetch, engine, leader):
    response = await jp_fetch("lws", "api", "endpoints", leader, str(engine.port), "v1/models")
    assert response.code == 200
    assert json.loads(response.body)["data"][0]["id"] == "tiny"
    method, uri, _, headers = engine.requests[0]
    assert (method, uri) == ("GET", "/v1/models")
    # The Jupyter token stays in Jupyter: it is never sent to the model endpoint.
    assert "Authorization" not in headers


async def test_metrics_page_is_proxied_as_text(jp_fetch, engine, leader):
    response = await jp_fetch("lws", "api", "endpoints", leader, str(engine.port), "metrics")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.body == METRICS_PAGE


async def test_chat_events_arrive_before_the_stream_ends(client, engine, leader):
    body = {"model": "tiny", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    url = f"lws/api/endpoints/{leader}/{engine.port}/v1/chat/completions"
    async with client.stream("POST", url, json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        chunks = response.aiter_raw()
        arrivals = []
        for word in ("Hello", " world"):
            await engine.gate.put(word)
            started = time.monotonic()
            chunk = await next_data(chunks, timeout=5)
            arrivals.append(time.monotonic() - started)
            assert word in chunk.decode()
        # Each event came through while the engine was still generating (the next is not
        # sent yet), i.e. unbuffered.
        await engine.gate.put(None)
        rest = b"".join([chunk async for chunk in chunks])
    assert b"[DONE]" in rest
    assert max(arrivals) < 2
    method, _, sent, headers = engine.requests[0]
    assert method == "POST"
    assert json.loads(sent) == body
    assert headers["Content-Type"] == "application/json"


async def test_closing_the_browser_request_cancels_upstream(client, engine, leader):
    url = f"lws/api/endpoints/{leader}/{engine.port}/v1/chat/completions"
    async with client.stream("POST", url, json={"stream": True}) as response:
        await engine.gate.put("first")
        chunks = response.aiter_raw()
        assert b"first" in await next_data(chunks, timeout=5)
        # Leave without reading the rest, as a browser tab that is closed.
    started = time.monotonic()
    await asyncio.wait_for(engine.closed.wait(), timeout=5)
    assert time.monotonic() - started < 2


async def test_a_quiet_stream_is_kept_alive_and_stop_reaches_the_engine(client, engine, leader):
    # An engine still reading a long prompt sends nothing: the proxy writes SSE comments, so it
    # notices a browser that leaves (Stop) and hangs up on the engine at once.
    url = f"lws/api/endpoints/{leader}/{engine.port}/v1/chat/completions"
    async with client.stream("POST", url, json={"stream": True}) as response:
        assert response.status_code == 200
        chunks = response.aiter_raw()
        assert await asyncio.wait_for(anext(chunks), timeout=5) == b":\n\n"
    started = time.monotonic()
    await asyncio.wait_for(engine.closed.wait(), timeout=5)
    assert time.monotonic() - started < 2


async def test_upstream_errors_pass_through_with_their_status(jp_fetch, engine, leader):
    url = ("lws", "api", "endpoints", leader, str(engine.port), "v1/completions")
    response = await jp_fetch(*url, method="POST", body="{}", raise_error=False)
    assert response.code == 400
    assert json.loads(response.body)["message"] == "max_tokens is too large"


async def test_unreachable_endpoint_is_a_502_that_says_so(jp_fetch, make_service):
    with socket_bound_but_closed() as port:
        leader = make_service(port)
        response = await jp_fetch(
            "lws", "api", "endpoints", leader, str(port), "v1/models", raise_error=False
        )
    assert response.code == 502
    payload = json.loads(response.body)
    assert payload["message"] == f"could not reach {leader}:{port}: connection refused" + ROUTE_NOTE
    assert payload["reason"] == "UpstreamUnreachable"


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        ("GET", "llama-leader/8000/admin", "not an allowed endpoint path"),
        ("GET", "llama-leader/8000/v1/models/..%2F..%2Fadmin", "percent-encoded"),
        ("GET", "llama-leader/8000/v1/../../../api/v1/secrets", "relative path segments"),
        ("GET", "evil.example.com/80/v1/models", "not a valid Service name"),
        ("GET", "llama-leader/http:%2F%2Fevil/v1/models", "not a port"),
        ("GET", "llama-leader/8000/http://evil/v1/models", "absolute URLs"),
        ("GET", "llama-leader/8000/v1/models?url=http://evil", "query strings"),
        ("DELETE", "llama-leader/8000/v1/models", None),
    ],
)
async def test_refusals_never_leave_the_server(raw_request, upstream_calls, method, path, reason):
    status, payload = await raw_request(method, f"lws/api/endpoints/{path}")
    if reason is None:  # a method the route does not serve at all
        assert status == 405
    else:
        assert status == 403
        assert reason in payload["reason"]
        assert payload["message"].startswith("jupyterlab-lws does not forward")
    assert upstream_calls == []


def endpoint_calls(calls: list[str], port: int) -> list[str]:
    return [call for call in calls if f"127.0.0.1:{port}/" in call]


async def test_a_service_that_does_not_exist_is_not_reached(raw_request, upstream_calls, engine):
    status, payload = await raw_request(
        "GET", f"lws/api/endpoints/no-such-leader/{engine.port}/v1/models"
    )
    assert status == 404
    assert "there is no Service 'no-such-leader'" in payload["message"]
    assert endpoint_calls(upstream_calls, engine.port) == []
    assert engine.requests == []


async def test_a_port_the_service_does_not_expose_is_not_reached(
    raw_request, upstream_calls, engine, make_service
):
    other = make_service(engine.port + 1 if engine.port < 65535 else engine.port - 1)
    status, payload = await raw_request("GET", f"lws/api/endpoints/{other}/{engine.port}/v1/models")
    assert status == 403
    assert f"does not expose port {engine.port}" in payload["message"]
    assert engine.requests == []


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"type": "ExternalName", "externalName": "models.example.com"}, "ExternalName"),
        ({"clusterIP": "None"}, "headless"),
    ],
)
async def test_services_without_a_cluster_address_are_not_reached(
    raw_request, engine, make_service, spec, reason
):
    name = make_service(engine.port, **spec)
    status, payload = await raw_request("GET", f"lws/api/endpoints/{name}/{engine.port}/v1/models")
    assert status == 403
    assert reason in payload["message"]
    assert engine.requests == []


async def test_one_service_look_up_serves_a_burst_of_requests(
    jp_fetch, upstream_calls, engine, leader
):
    for _ in range(3):
        await jp_fetch("lws", "api", "endpoints", leader, str(engine.port), "v1/models")
    look_ups = [call for call in upstream_calls if f"/services/{leader}" in call]
    assert len(look_ups) == 1
    assert len(endpoint_calls(upstream_calls, engine.port)) == 3


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    server_url, jp_http_port, jp_base_url, jp_auth_header, engine, leader
):
    target = f"{jp_base_url}lws/api/endpoints/{leader}/{engine.port}/v1/chat/completions"
    headers = {**jp_auth_header, "Content-Type": "application/json"}
    answer = await announce_body(jp_http_port, target, headers, 50 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"RequestEntityTooLarge" in answer
    assert engine.requests == []


class socket_bound_but_closed:
    """A local port with nothing listening (bound, then released)."""

    def __enter__(self) -> int:
        sock, port = tornado.testing.bind_unused_port()
        sock.close()
        return port

    def __exit__(self, *exc: object) -> None:
        return None
