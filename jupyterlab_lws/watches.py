"""``GET lws/api/watches``: several Kubernetes watches of the namespace over ONE streamed response.

A browser keeps at most six HTTP/1.1 connections per host, and JupyterLab's own requests need
some of them; the sidebar's three watches (LeaderWorkerSets, pods, events) as three requests left
too few once logs were followed (issue 19). This route carries them in one response, a step
toward the single live channel (a WebSocket) of DESIGN.md, section 1.

Request: ``?<id>=<Kubernetes watch path and query>`` per watch, e.g.
``?w1=api%2Fv1%2Fnamespaces%2Falice%2Fpods%3Fwatch%3D1%26resourceVersion%3D42``. Every watch
passes the same allow-list (:func:`~jupyterlab_lws.allowlist.authorize`) as the REST proxy and
must be a watch; one refusal refuses the whole request before anything is sent upstream.

Response (``text/plain``), one line per item, in arrival order:

- ``<id>\\t<event JSON>``: a watch event, exactly as the API server sent it;
- ``<id>\\t{"type":"ERROR","object":<Status>}``: the API server refused that watch (e.g. 410
  Gone) or could not be reached, in the shape the API server itself uses inside a watch;
- ``<id>``: that watch ended (the API server's timeout); the client resumes it.

The response ends when every watch has ended; when the browser goes away every upstream watch
is closed at once.
"""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import parse_qsl

import httpx
import tornado

from .allowlist import Decision, authorize
from .config import NotInClusterError
from .kube_client import UpstreamError
from .routes import LwsError, LwsRouteHandler, json_errors

__all__ = ["MAX_WATCHES", "QUEUED_LINES", "WatchesRouteHandler"]

MAX_WATCHES = 8
"""Watches one request may carry (the sidebar opens three)."""

QUEUED_LINES = 1024
"""Lines waiting for the browser before the upstream reads wait too."""

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


def _status_line(stream_id: str, code: int, message: str, reason: str) -> bytes:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }
    return f"{stream_id}\t{json.dumps({'type': 'ERROR', 'object': status})}\n".encode()


class WatchesRouteHandler(LwsRouteHandler):
    """``GET lws/api/watches?<id>=<watch path>...``: the multiplexed watch (module docstring)."""

    def _decisions(self) -> list[tuple[str, Decision]]:
        pairs = parse_qsl(self.request.query, keep_blank_values=True)
        if not pairs:
            raise LwsError(400, "no watch asked for: ?<id>=<watch path>", "BadRequest")
        if len(pairs) > MAX_WATCHES:
            raise LwsError(
                400, f"at most {MAX_WATCHES} watches per request, not {len(pairs)}", "BadRequest"
            )
        ids = [stream_id for stream_id, _ in pairs]
        if len(set(ids)) != len(ids):
            raise LwsError(400, "every watch needs its own id", "BadRequest")
        decisions = []
        for stream_id, target in pairs:
            if not _ID.match(stream_id):
                raise LwsError(
                    400, f"'{stream_id}' is not a watch id ([A-Za-z][A-Za-z0-9_-]*)", "BadRequest"
                )
            path, _, query = target.partition("?")
            decision = authorize("GET", path, query, self.kube.namespace)
            if not decision.allowed:
                self.refuse(decision, f"watch {stream_id} ({path})")
            if decision.verb != "watch":
                raise LwsError(
                    400, f"watch {stream_id} ({path}) is not a watch: add watch=1", "BadRequest"
                )
            decisions.append((stream_id, decision))
        return decisions

    async def _follow(
        self, stream_id: str, decision: Decision, out: asyncio.Queue[bytes | None]
    ) -> None:
        """Relay one upstream watch into ``out``; then its end line and ``None``."""
        problem: bytes | None = None
        try:
            async with self.kube.stream(
                "GET",
                decision.path,
                query=decision.query,
                headers={"Accept": "application/json"},
            ) as response:
                if response.status_code >= 400:
                    body = (await response.aread()).decode("utf-8", "replace")
                    try:
                        status = json.loads(body)
                    except ValueError:
                        status = {}
                    problem = _status_line(
                        stream_id,
                        response.status_code,
                        str(status.get("message") or body or response.reason_phrase),
                        str(status.get("reason") or ""),
                    )
                else:
                    async for line in response.aiter_lines():
                        if line:
                            # A full queue (a slow browser) holds the upstream reads back.
                            await out.put(f"{stream_id}\t{line}\n".encode())
        except UpstreamError as error:
            problem = _status_line(stream_id, 502, str(error), "UpstreamUnreachable")
        except NotInClusterError as error:
            problem = _status_line(stream_id, 503, str(error), "NotInCluster")
        except httpx.TransportError as error:
            self.log.info("jupyterlab-lws: upstream watch %s ended: %r", stream_id, error)
        # Not in a `finally`: a cancelled relay (the browser went away) has no reader to tell.
        if problem is not None:
            await out.put(problem)
        await out.put(f"{stream_id}\n".encode())
        await out.put(None)

    async def _pump(self, decisions: list[tuple[str, Decision]]) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        await self.flush()
        out: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=QUEUED_LINES)
        tasks = [
            asyncio.ensure_future(self._follow(stream_id, decision, out))
            for stream_id, decision in decisions
        ]
        try:
            running = len(tasks)
            while running:
                item = await out.get()
                # Everything already queued goes out in one flush.
                while True:
                    if item is None:
                        running -= 1
                    else:
                        self.write(item)
                    if out.empty():
                        break
                    item = out.get_nowait()
                await self.flush()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    @tornado.web.authenticated
    @json_errors
    async def get(self) -> None:
        """Stream the asked-for watches, each line tagged with its id."""
        decisions = self._decisions()
        await self.stream_until_done(lambda: self._pump(decisions))
