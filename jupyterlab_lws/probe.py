"""``POST lws/api/probe/<service>/<port>``: the load probe, sent from the Jupyter server.

A browser keeps at most six HTTP/1.1 connections per host, and JupyterLab needs some of them, so
N concurrent streams (up to 64) cannot come from the page. The server sends them to the engine
through the same pool, Service check and URL as the chat proxy, and times each output chunk.

Request body (JSON): ``model``, ``prompt``, ``maxTokens``, ``concurrency`` (1-64), ``prompts``
(1-256). Response (``application/x-ndjson``), one line per finished request in finishing order,
``{"startMs", "endMs", "tokenTimesMs", "outputTokens", "error"?}`` (ms from the probe's start),
then ``{"durationMs"}``; empty lines in between are heartbeats. The statistics are computed in
the browser (``src/model/loadProbe.ts``). When the browser goes away every request in flight is
cancelled (the heartbeat is how the server notices it).

Server-sent events are read with ``httpx-sse``.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
import tornado
from httpx_sse import EventSource
from tornado.iostream import StreamClosedError

from .endpoint_client import EndpointClient
from .kube_client import UpstreamError, describe_transport_error
from .routes import LwsError, LwsRouteHandler, json_errors

__all__ = ["MAX_CONCURRENCY", "MAX_PROMPTS", "ProbeParams", "ProbeRouteHandler", "run_probe"]

MAX_CONCURRENCY = 64
MAX_PROMPTS = 256
MAX_TOKENS = 4096
MAX_PROMPT_CHARS = 20_000
HEARTBEAT_SECONDS = 0.5


@dataclass(frozen=True)
class ProbeParams:
    """A probe as the browser asked for it, checked."""

    model: str
    prompt: str
    max_tokens: int
    concurrency: int
    prompts: int

    @classmethod
    def parse(cls, body: bytes) -> ProbeParams:
        """Parse and bound the request body; ``ValueError`` says what is wrong."""
        try:
            data = json.loads(body or b"{}")
        except RecursionError as error:  # `[[[[...` deeper than the parser recurses
            raise ValueError("the body is not JSON: it nests too deeply") from error
        except ValueError as error:
            raise ValueError(f"the body is not JSON: {error}") from error
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")

        def number(key: str, low: int, high: int) -> int:
            value = data.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"'{key}' must be a whole number from {low} to {high}")
            return value

        model, prompt = data.get("model"), data.get("prompt")
        if not isinstance(model, str) or not 0 < len(model) <= 512:
            raise ValueError("'model' must be the served model name")
        if not isinstance(prompt, str) or not 0 < len(prompt) <= MAX_PROMPT_CHARS:
            raise ValueError(f"'prompt' must be text of at most {MAX_PROMPT_CHARS} characters")
        return cls(
            model=model,
            prompt=prompt,
            max_tokens=number("maxTokens", 1, MAX_TOKENS),
            concurrency=number("concurrency", 1, MAX_CONCURRENCY),
            prompts=number("prompts", 1, MAX_PROMPTS),
        )


def _error_message(status: int, text: str) -> str:
    """``HTTP <status>: <the engine's message>`` from any of the engines' error shapes."""
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    inner = body.get("error") if isinstance(body, dict) else None
    inner = inner if isinstance(inner, dict) else body
    message = inner.get("message") if isinstance(inner, dict) else None
    return f"HTTP {status}: {message if isinstance(message, str) else text.strip()[:300]}"


async def _one_request(
    endpoints: EndpointClient, url: str, label: str, params: ProbeParams, origin: float
) -> dict[str, Any]:
    """One streamed chat request; its timings in ms from ``origin``."""

    def now_ms() -> float:
        return (time.monotonic() - origin) * 1000

    body = {
        "model": params.model,
        "messages": [{"role": "user", "content": params.prompt}],
        "max_tokens": params.max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = now_ms()
    token_times: list[float] = []
    usage_tokens: int | None = None
    error: str | None = None
    finished = False
    try:
        async with endpoints.stream(
            "POST",
            url,
            label=label,
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
        ) as response:
            if response.status_code >= 400:
                text = (await response.aread()).decode(errors="replace")
                error = _error_message(response.status_code, text)
            else:
                async for event in EventSource(response).aiter_sse():
                    if event.data.strip() == "[DONE]":
                        break
                    chunk = json.loads(event.data)
                    if "error" in chunk or chunk.get("object") == "error":
                        inner = chunk.get("error", chunk)
                        error = f"error in stream: {inner.get('message', inner)}"
                        break
                    for choice in chunk.get("choices") or []:
                        delta = choice.get("delta") or {}
                        if any(
                            delta.get(key) for key in ("content", "reasoning_content", "reasoning")
                        ):
                            token_times.append(now_ms())
                        finished = finished or bool(choice.get("finish_reason"))
                    usage = chunk.get("usage")
                    if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
                        usage_tokens = usage["completion_tokens"]
                if error is None and not finished:
                    error = "the stream ended without a finish_reason (cut off)"
    except UpstreamError as failure:
        error = str(failure)
    except httpx.HTTPError as failure:
        error = f"{label}: {describe_transport_error(failure)}"
    except ValueError:
        error = "the stream held an event that is not OpenAI-compatible JSON"
    record: dict[str, Any] = {
        "startMs": round(started, 3),
        "endMs": round(now_ms(), 3),
        "tokenTimesMs": [round(at, 3) for at in token_times],
        "outputTokens": usage_tokens if usage_tokens is not None else len(token_times),
    }
    if error is not None:
        record["error"] = error
    return record


async def run_probe(
    endpoints: EndpointClient,
    url: str,
    label: str,
    params: ProbeParams,
    on_record: Any,
) -> float:
    """Send ``params.prompts`` requests, ``params.concurrency`` at a time; the wall time in ms.

    ``on_record`` (async) gets each request's record as it finishes.
    """
    origin = time.monotonic()
    gate = asyncio.Semaphore(params.concurrency)

    async def run(_: int) -> None:
        async with gate:
            record = await _one_request(endpoints, url, label, params, origin)
        await on_record(record)

    await asyncio.gather(*(run(index) for index in range(params.prompts)))
    return round((time.monotonic() - origin) * 1000, 3)


class ProbeRouteHandler(LwsRouteHandler):
    """``POST lws/api/probe/<service>/<port>``: N concurrent streamed requests, timed."""

    @tornado.web.authenticated
    @json_errors
    async def post(self, _path: str) -> None:
        service, _, port = self.route_rest("probe").partition("/")
        decision = await self.endpoint_target("POST", service, port, "v1/chat/completions")
        try:
            params = ProbeParams.parse(self.body)
        except ValueError as error:
            raise LwsError(400, f"invalid load probe: {error}", "InvalidProbe") from error
        url = self.endpoints.url(service, self.kube.namespace, int(port), decision.path)
        self.set_header("Content-Type", "application/x-ndjson")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")

        async def send(record: dict[str, Any]) -> None:
            self.write(json.dumps(record) + "\n")
            await self.flush()

        async def heartbeat() -> None:
            # Tornado notices a browser that left only when it writes; records come only as
            # requests finish, so an empty line is written meanwhile (readers skip it).
            while True:
                await asyncio.sleep(HEARTBEAT_SECONDS)
                self.write("\n")
                await self.flush()

        async def probe() -> None:
            run = asyncio.ensure_future(
                run_probe(self.endpoints, url, f"{service}:{port}", params, on_record=send)
            )
            beat = asyncio.ensure_future(heartbeat())
            try:
                await asyncio.wait({run, beat}, return_when=asyncio.FIRST_COMPLETED)
                if not run.done():
                    beat.result()  # the browser left: StreamClosedError
                duration = run.result()
            finally:
                for task in (run, beat):
                    task.cancel()
                # Let cancelled requests close their upstream connections now.
                await asyncio.gather(run, beat, return_exceptions=True)
            await send({"durationMs": duration})

        if self._browser_gone:
            return
        # on_connection_close cancels this future, and with it every request in flight.
        self._upstream = asyncio.ensure_future(probe())
        try:
            await self._upstream
        except StreamClosedError:
            self.log.debug("jupyterlab-lws: browser left a load probe")
            return
        except asyncio.CancelledError:
            if not self._browser_gone:
                raise
            return
        finally:
            self._upstream = None
        self.finish()
