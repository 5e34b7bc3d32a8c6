"""Faults of a model endpoint during a chat and a load probe (issue 16).

The endpoint is a raw TCP server started here that misbehaves on purpose: it accepts and never
answers, it trickles its headers a byte at a time, it trickles events, or it dies in the middle
of an answer. Each is reached through a real Service of the local cluster, as in
``test_endpoint_proxy``. Every test ends by proving that no upstream connection was leaked:
the server counts the connections it accepted that are still open, which must fall back to 0,
and the proxy's own count of open endpoint streams must be 0.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import pytest
import tornado.testing

from .conftest import next_data

ANSWER_TIMEOUT = 1.0
"""The proxy's wait for an endpoint to start answering, shortened for these tests."""

HEADERS = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def event(text: str, finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return chunk(b"data: " + json.dumps({"choices": [choice]}).encode() + b"\n\n")


Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]


class BadEndpoint:
    """A TCP server whose connections each run ``behaviour`` after reading the request head.

    ``open`` counts accepted connections not yet closed by either side; a connection the
    proxy closes is noticed by a read of end-of-file, whatever the behaviour is doing.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.accepted = 0
        self.open = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        sock, self.port = tornado.testing.bind_unused_port()
        self._server = await asyncio.start_server(self._serve, sock=sock)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open += 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            behave = asyncio.ensure_future(self.behaviour(writer))
            hang_up = asyncio.ensure_future(reader.read())  # b"" once the proxy closes
            await asyncio.wait({behave, hang_up}, return_when=asyncio.FIRST_COMPLETED)
            for task in (behave, hang_up):
                task.cancel()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.open -= 1

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


async def never_answer(writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


async def trickle_headers(writer: asyncio.StreamWriter) -> None:
    """A status line, then one byte of a header every 0.1 s, never ending the head."""
    writer.write(b"HTTP/1.1 200 OK\r\n")
    while True:
        writer.write(b"X")
        await writer.drain()
        await asyncio.sleep(0.1)


async def trickle_events(writer: asyncio.StreamWriter) -> None:
    """A well-formed event stream with one short event every 0.2 s, never finishing."""
    writer.write(HEADERS)
    while True:
        writer.write(event("tick"))
        await writer.drain()
        await asyncio.sleep(0.2)


async def die_mid_answer(writer: asyncio.StreamWriter) -> None:
    """Headers and two events, then the connection is dropped without the final chunk."""
    writer.write(HEADERS + event("Hello") + event(" wor"))
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.transport.abort()


@pytest.fixture
def lws_settings(lws_settings):
    """The server under test waits ``ANSWER_TIMEOUT`` for an endpoint to start answering."""
    return {**lws_settings, "endpoint_answer_timeout": ANSWER_TIMEOUT}


@pytest.fixture
def endpoints(jp_serverapp):
    """The server's model-endpoint client (its ``open_streams`` count)."""
    return jp_serverapp.web_app.settings["lws_endpoints"]


@pytest.fixture
async def bad_endpoint(request, make_service):
    """``await bad_endpoint(behaviour)`` -> (the server, the name of a Service reaching it)."""
    servers: list[BadEndpoint] = []

    async def start(behaviour: Behaviour) -> tuple[BadEndpoint, str]:
        server = BadEndpoint(behaviour)
        await server.start()
        servers.append(server)
        return server, make_service(server.port)

    yield start
    for server in servers:
        await server.stop()


async def no_connection_left(server: BadEndpoint, endpoints) -> None:
    """Both ends agree that every upstream connection is closed (within 5 s)."""
    deadline = time.monotonic() + 5
    while (server.open or endpoints.open_streams) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert (server.open, endpoints.open_streams) == (0, 0)


CHAT = {"model": "tiny", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


async def test_an_endpoint_that_never_answers_is_a_504_within_the_bound(
    client, bad_endpoint, endpoints
):
    server, leader = await bad_endpoint(never_answer)
    started = time.monotonic()
    response = await client.post(
        f"lws/api/endpoints/{leader}/{server.port}/v1/chat/completions", json=CHAT
    )
    waited = time.monotonic() - started
    assert response.status_code == 504
    assert response.json() == {
        "message": f"{leader}:{server.port} accepted the connection but did not start "
        f"answering within {ANSWER_TIMEOUT:g} s",
        "reason": "UpstreamUnreachable",
    }
    assert ANSWER_TIMEOUT <= waited < ANSWER_TIMEOUT + 3
    assert server.accepted == 1
    await no_connection_left(server, endpoints)


async def test_headers_trickled_forever_are_cut_off_at_the_same_bound(
    client, bad_endpoint, endpoints
):
    server, leader = await bad_endpoint(trickle_headers)
    started = time.monotonic()
    response = await client.get(f"lws/api/endpoints/{leader}/{server.port}/v1/models")
    assert response.status_code == 504
    assert "did not start answering" in response.json()["message"]
    assert time.monotonic() - started < ANSWER_TIMEOUT + 3
    await no_connection_left(server, endpoints)


async def test_a_trickled_answer_flows_through_and_leaving_closes_the_endpoint(
    client, bad_endpoint, endpoints
):
    server, leader = await bad_endpoint(trickle_events)
    url = f"lws/api/endpoints/{leader}/{server.port}/v1/chat/completions"
    async with client.stream("POST", url, json=CHAT) as response:
        assert response.status_code == 200
        chunks = response.aiter_raw()
        # Slow is not stuck: each event comes through as it is sent, past the answer bound.
        started = time.monotonic()
        while time.monotonic() - started < ANSWER_TIMEOUT * 1.5:
            assert b"tick" in await next_data(chunks, timeout=2)
        assert endpoints.open_streams == 1
        # The user presses Stop: the browser's request ends here.
    await no_connection_left(server, endpoints)


async def test_an_endpoint_dying_mid_answer_ends_the_chat_with_a_clear_error(
    client, bad_endpoint, endpoints
):
    server, leader = await bad_endpoint(die_mid_answer)
    url = f"lws/api/endpoints/{leader}/{server.port}/v1/chat/completions"
    async with client.stream("POST", url, json=CHAT) as response:
        assert response.status_code == 200
        body = b"".join([part async for part in response.aiter_raw()])
    events = [
        json.loads(line[len(b"data: ") :])
        for line in body.split(b"\n")
        if line.startswith(b"data: ")
    ]
    assert [e["choices"][0]["delta"]["content"] for e in events[:2]] == ["Hello", " wor"]
    assert events[2]["error"]["reason"] == "UpstreamClosed"
    assert events[2]["error"]["message"].startswith(
        "the model endpoint closed the stream in the middle of the answer"
    )
    assert len(events) == 3
    await no_connection_left(server, endpoints)


PROBE = {"model": "tiny", "prompt": "hi", "maxTokens": 8, "concurrency": 4, "prompts": 4}


async def probe_records(client, leader: str, port: int) -> tuple[list[dict], float]:
    started = time.monotonic()
    response = await client.post(f"lws/api/probe/{leader}/{port}", json=PROBE, timeout=30)
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    return lines, time.monotonic() - started


async def test_a_probe_of_an_endpoint_that_never_answers_ends_with_each_error(
    client, bad_endpoint, endpoints
):
    server, leader = await bad_endpoint(never_answer)
    lines, waited = await probe_records(client, leader, server.port)
    records, summary = lines[:-1], lines[-1]
    assert len(records) == PROBE["prompts"]
    assert {record["error"] for record in records} == {
        f"{leader}:{server.port} accepted the connection but did not start answering "
        f"within {ANSWER_TIMEOUT:g} s"
    }
    assert "durationMs" in summary
    # Four at a time, each bounded: one round of the bound, not one per request.
    assert waited < ANSWER_TIMEOUT * 2 + 3
    assert server.accepted == PROBE["prompts"]
    await no_connection_left(server, endpoints)


async def test_a_probe_of_an_endpoint_dying_mid_answer_reports_the_cut(
    client, bad_endpoint, endpoints
):
    server, leader = await bad_endpoint(die_mid_answer)
    lines, _ = await probe_records(client, leader, server.port)
    records = lines[:-1]
    assert len(records) == PROBE["prompts"]
    for record in records:
        assert record["outputTokens"] == 2
        assert "peer closed connection" in record["error"]
    await no_connection_left(server, endpoints)


async def test_leaving_a_probe_of_a_trickling_endpoint_closes_every_connection(
    client, bad_endpoint, endpoints
):
    server, leader = await bad_endpoint(trickle_events)
    async with client.stream("POST", f"lws/api/probe/{leader}/{server.port}", json=PROBE) as probe:
        assert probe.status_code == 200
        deadline = time.monotonic() + 5
        while server.open < PROBE["concurrency"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert server.open == PROBE["concurrency"]
        # The browser tab closes with the probe still running.
    await no_connection_left(server, endpoints)
