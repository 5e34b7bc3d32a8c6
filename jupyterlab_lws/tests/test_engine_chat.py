"""The chat proxy and the load probe against a real OpenAI-compatible engine.

The engine is llama-cpp-python's server (llama.cpp, built from source by scripts/setup.sh)
serving a tiny random-weight model, started by ``scripts/engine/engine.sh``; it is reached, as in
a cluster, through a real Service of the local cluster whose port is the engine's
(``c.LwsServing.endpoint_url_template`` maps it to 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import tornado.testing

from .conftest import ROUTE_NOTE, next_data

ROOT = Path(__file__).resolve().parents[2]
ENGINE_SCRIPT = ROOT / "scripts" / "engine" / "engine.sh"


@dataclass
class Engine:
    port: int
    model: str
    log: Path

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as file:
            file.seek(offset)
            return file.read().decode(errors="replace")


@pytest.fixture(scope="session")
def real_engine():
    """The engine on its fixed port: started here unless it already runs, stopped if started."""
    port = int(os.environ.get("LWS_ENGINE_PORT", "18080"))
    env = {**os.environ, "LWS_ENGINE_PORT": str(port)}
    running = subprocess.run(["bash", str(ENGINE_SCRIPT), "status"], env=env, check=False)
    if running.returncode != 0:
        subprocess.run(["bash", str(ENGINE_SCRIPT), "start"], env=env, check=True, timeout=120)
    log_dir = Path(os.environ.get("LWS_ENGINE_DIR", Path.home() / ".cache/jupyterlab-lws/engine"))
    yield Engine(port=port, model="tiny-chat", log=log_dir / f"engine-{port}.log")
    if running.returncode != 0:
        subprocess.run(["bash", str(ENGINE_SCRIPT), "stop"], env=env, check=False)


@pytest.fixture
def leader(real_engine, make_service) -> str:
    """A ClusterIP Service of the namespace exposing the engine's port."""
    return make_service(real_engine.port)


def chat_body(model: str, max_tokens: int, content: str = "hello") -> dict:
    return {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "max_tokens": max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


async def wait_for(condition, timeout: float = 15.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def test_the_engine_lists_its_model_through_the_proxy(jp_fetch, real_engine, leader):
    response = await jp_fetch("lws", "api", "endpoints", leader, str(real_engine.port), "v1/models")
    assert [model["id"] for model in json.loads(response.body)["data"]] == ["tiny-chat"]
    # llama.cpp's server has no /health: the proxy passes the 404 through, and the chat then
    # gates Send on /v1/models alone.
    health = await jp_fetch(
        "lws", "api", "endpoints", leader, str(real_engine.port), "health", raise_error=False
    )
    assert health.code == 404


async def test_a_real_stream_reaches_the_browser_chunk_by_chunk(client, real_engine, leader):
    url = f"lws/api/endpoints/{leader}/{real_engine.port}/v1/chat/completions"
    offset = real_engine.log_size()
    reads: list[bytes] = []
    async with client.stream("POST", url, json=chat_body("tiny-chat", 1500)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for chunk in response.aiter_raw():
            if not reads:
                # The first events arrived while the engine was still generating (it logs its
                # timings when a request is done): relayed as written, not buffered.
                assert b"[DONE]" not in chunk
                assert "total time" not in real_engine.log_since(offset)
            reads.append(chunk)
    assert "total time" in real_engine.log_since(offset)
    events = [line for line in b"".join(reads).decode().splitlines() if line.startswith("data:")]
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(line[5:]) for line in events[:-1]]
    contents = [chunk["choices"][0]["delta"].get("content") for chunk in chunks if chunk["choices"]]
    assert sum(1 for text in contents if text) >= 1000
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


async def test_stopping_the_request_reaches_the_engine(client, real_engine, leader):
    url = f"lws/api/endpoints/{leader}/{real_engine.port}/v1/chat/completions"
    offset = real_engine.log_size()
    async with client.stream("POST", url, json=chat_body("tiny-chat", 1900)) as response:
        chunks = response.aiter_raw()
        first = await next_data(chunks)
        assert b"chat.completion.chunk" in first
        # Leave after the first chunk, as the Stop button does.
    # The engine notices the disconnect and stops generating (it logs it).
    await wait_for(lambda: "Disconnected from client" in real_engine.log_since(offset))
    assert "1900 runs" not in real_engine.log_since(offset)


async def test_the_engines_context_length_error_passes_through(jp_fetch, real_engine, leader):
    # Not streamed: llama.cpp's server checks the length only once a stream has begun (a 200
    # with no event, which the chat reports as cut off); vLLM and SGLang answer 400 either way.
    body = {**chat_body("tiny-chat", 16, content="word " * 3000), "stream": False}
    response = await jp_fetch(
        "lws",
        "api",
        "endpoints",
        leader,
        str(real_engine.port),
        "v1/chat/completions",
        method="POST",
        body=json.dumps(body),
        headers={"Content-Type": "application/json"},
        raise_error=False,
    )
    assert response.code == 400
    error = json.loads(response.body)["error"]
    assert error["code"] == "context_length_exceeded"
    assert "maximum context length is 4096 tokens" in error["message"]


async def test_a_malformed_request_gets_the_engines_own_answer(jp_fetch, real_engine, leader):
    response = await jp_fetch(
        "lws",
        "api",
        "endpoints",
        leader,
        str(real_engine.port),
        "v1/chat/completions",
        method="POST",
        body=json.dumps({"messages": "not a list"}),
        headers={"Content-Type": "application/json"},
        raise_error=False,
    )
    # llama.cpp's server answers a validation error with 500 and an OpenAI error object.
    assert response.code == 500
    assert "Input should be a valid list" in json.loads(response.body)["error"]["message"]


async def test_an_engine_that_is_down_is_a_502_that_says_so(jp_fetch, make_service):
    sock, port = tornado.testing.bind_unused_port()
    sock.close()
    down = make_service(port)
    response = await jp_fetch(
        "lws", "api", "endpoints", down, str(port), "v1/models", raise_error=False
    )
    assert response.code == 502
    payload = json.loads(response.body)
    assert payload == {
        "message": f"could not reach {down}:{port}: connection refused" + ROUTE_NOTE,
        "reason": "UpstreamUnreachable",
    }


async def test_the_load_probe_times_concurrent_streams(client, real_engine, leader):
    params = {
        "model": "tiny-chat",
        "prompt": "hello",
        "maxTokens": 24,
        "concurrency": 4,
        "prompts": 8,
    }
    lines: list[dict] = []
    async with client.stream(
        "POST", f"lws/api/probe/{leader}/{real_engine.port}", json=params
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        async for line in response.aiter_lines():
            if line.strip():
                lines.append(json.loads(line))
    *records, last = lines
    assert len(records) == 8
    assert last["durationMs"] > 0
    for record in records:
        assert "error" not in record, record
        assert record["outputTokens"] == len(record["tokenTimesMs"]) > 0
        assert (
            record["startMs"] <= record["tokenTimesMs"][0] <= record["endMs"] <= last["durationMs"]
        )
        assert record["tokenTimesMs"] == sorted(record["tokenTimesMs"])


async def test_leaving_a_probe_cancels_its_requests_on_the_engine(client, real_engine, leader):
    params = {
        "model": "tiny-chat",
        "prompt": "hello",
        "maxTokens": 1900,
        "concurrency": 2,
        "prompts": 4,
    }
    offset = real_engine.log_size()
    async with client.stream(
        "POST", f"lws/api/probe/{leader}/{real_engine.port}", json=params
    ) as response:
        assert response.status_code == 200
        await wait_for(lambda: "POST /v1/chat/completions" in real_engine.log_since(offset))
        # Leave while the first requests generate, as closing the chat panel does.
    await wait_for(lambda: "Disconnected from client" in real_engine.log_since(offset))
    assert "1900 runs" not in real_engine.log_since(offset)


async def test_a_probe_of_an_engine_that_is_down_reports_each_error(client, make_service):
    sock, port = tornado.testing.bind_unused_port()
    sock.close()
    down = make_service(port)
    params = {"model": "m", "prompt": "hi", "maxTokens": 4, "concurrency": 2, "prompts": 3}
    async with client.stream("POST", f"lws/api/probe/{down}/{port}", json=params) as response:
        lines = [json.loads(line) async for line in response.aiter_lines() if line.strip()]
    assert [record.get("error") for record in lines[:-1]] == [
        f"could not reach {down}:{port}: connection refused" + ROUTE_NOTE
    ] * 3


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"concurrency": 65}, "'concurrency' must be a whole number from 1 to 64"),
        ({"prompts": 0}, "'prompts' must be a whole number from 1 to 256"),
        ({"model": ""}, "'model' must be the served model name"),
    ],
)
async def test_a_probe_out_of_bounds_is_refused(jp_fetch, real_engine, leader, params, reason):
    body = {
        "model": "tiny-chat",
        "prompt": "hi",
        "maxTokens": 4,
        "concurrency": 1,
        "prompts": 1,
        **params,
    }
    response = await jp_fetch(
        "lws",
        "api",
        "probe",
        leader,
        str(real_engine.port),
        method="POST",
        body=json.dumps(body),
        raise_error=False,
    )
    assert response.code == 400
    assert reason in json.loads(response.body)["message"]


async def test_a_probe_of_a_service_that_does_not_exist_is_refused(jp_fetch, real_engine):
    response = await jp_fetch(
        "lws",
        "api",
        "probe",
        "no-such-leader",
        str(real_engine.port),
        method="POST",
        body=json.dumps(
            {"model": "m", "prompt": "p", "maxTokens": 1, "concurrency": 1, "prompts": 1}
        ),
        raise_error=False,
    )
    assert response.code == 404
