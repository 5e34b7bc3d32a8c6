"""Informers: one list+watch per (resource type, label selector) of the user's namespace, shared
by every live channel (``live.py``) of the server.

An informer lists, then watches from the list's resourceVersion with bookmarks, and keeps the
namespace's objects in memory. A dropped or ended watch resumes from the last resourceVersion
seen; 410 Gone (the API server no longer has that history) lists again; other failures back off
with jitter and are reported to the subscribers as ``state: retrying``. It starts with its first
subscriber and stops ``LwsServing.live_idle_seconds`` after its last, so a page reload does not
list again. Every upstream request passes :func:`~jupyterlab_lws.allowlist.authorize` and goes
through the :class:`~jupyterlab_lws.kube_client.KubeClient` (the service-account token), as the
REST proxy's do.

Subscribers are callables that receive the protocol's messages without their ``id``
(``docs/live-channel.md``): ``snapshot``, ``changes``, ``state`` and ``end``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx

from .allowlist import Decision, authorize
from .config import LwsServing, NotInClusterError
from .kube_client import KubeClient, UpstreamError

__all__ = ["LIVE_RESOURCES", "Informer", "Informers", "Listener"]

LIVE_RESOURCES: dict[str, str] = {
    "leaderworkersets": "apis/leaderworkerset.x-k8s.io/v1",
    "pods": "api/v1",
    "events": "api/v1",
    "services": "api/v1",
    "jobs": "apis/batch/v1",
    "persistentvolumeclaims": "api/v1",
}
"""The resource types a live channel may subscribe to, with their API prefixes."""

_log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any], str], None]
"""Receives one protocol message (without ``id``) and its JSON, encoded once for every socket."""

BATCH_SECONDS = 0.02
"""Changes arriving within this time go out as one ``changes`` message."""

LIST_PAGE = 500
"""Objects per list request (``limit``): a large namespace is listed in pages."""

WATCH_SECONDS = (300, 600)
"""The watch asks the API server to end it after a random time in this range (client-go's
choice), so the upstream read timeout never ends a healthy, quiet watch first."""

BACKOFF_SECONDS = (0.5, 30.0)
"""First and largest wait between failed attempts (doubling, with jitter)."""

# A status is answered to the subscribers and ends the subscription when retrying cannot help.
_FINAL_CODES = {400, 403, 404, 405, 406, 415, 422}


class _Gone(Exception):
    """The API server answered 410: the resourceVersion is too old to resume from."""


class _Failed(Exception):
    """An upstream failure, as a Kubernetes Status (``code``, ``reason``, ``message``)."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status.get("message", ""))
        self.status = status


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"code": code, "reason": reason, "message": message}


def _status_of(code: int, body: bytes, phrase: str) -> dict[str, Any]:
    """The Kubernetes Status in an error answer, reduced to ``code``, ``reason``, ``message``."""
    try:
        status = json.loads(body)
    except ValueError:
        status = None
    if not isinstance(status, dict):
        status = {}
    text = body.decode("utf-8", "replace").strip()
    return _status(code, str(status.get("reason") or phrase), str(status.get("message") or text))


def event_time(event: dict[str, Any]) -> str:
    """When an Event last happened, as an RFC 3339 text that sorts in time order."""
    series = event.get("series") or {}
    stamp = (
        event.get("lastTimestamp")
        or series.get("lastObservedTime")
        or event.get("eventTime")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or ""
    )
    # `2026-01-01T10:00:00Z` and `2026-01-01T10:00:00.123456Z` must compare by time.
    return stamp[:19] + "." + stamp[20:].rstrip("Z").ljust(9, "0") if len(stamp) > 19 else stamp


def _deliver(listeners: list[Listener], message: dict[str, Any]) -> None:
    encoded = json.dumps(message)
    for listener in listeners:
        listener(message, encoded)


class Informer:
    """The objects of one resource type (and label selector) of the namespace, kept current."""

    def __init__(
        self,
        kube: KubeClient,
        settings: LwsServing,
        resource: str,
        label_selector: str,
        on_stopped: Callable[[Informer], None],
    ) -> None:
        self.kube = kube
        self.settings = settings
        self.resource = resource
        self.label_selector = label_selector
        self.items: dict[str, dict[str, Any]] = {}
        """The current objects by name (Events: the newest ``live_max_events`` only)."""
        self.resource_version = ""
        """Where the next watch resumes: the last list's, event's or bookmark's."""
        self.synced = False
        self.state = "starting"
        self.error: dict[str, Any] | None = None
        self.lists = 0
        """List requests sent (pages of one list count once)."""
        self.watches = 0
        """Watch requests sent."""
        self._listeners: list[Listener] = []
        self._pending: list[dict[str, Any]] = []
        self._flush_timer: asyncio.TimerHandle | None = None
        self._stop_timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._on_stopped = on_stopped
        self._seen = False

    @property
    def subscribers(self) -> int:
        """How many listeners are attached."""
        return len(self._listeners)

    # Subscribers

    def add(self, listener: Listener) -> None:
        """Attach ``listener``: it gets the snapshot now if there is one, else after the list."""
        if self._stop_timer is not None:
            self._stop_timer.cancel()
            self._stop_timer = None
        # Changes not yet sent are already in the snapshot the new listener gets.
        self._flush()
        self._listeners.append(listener)
        if self.synced:
            _deliver([listener], self._snapshot())
            if self.state == "retrying":
                _deliver([listener], {"type": "state", "state": "retrying", "error": self.error})
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    def remove(self, listener: Listener) -> None:
        """Detach ``listener``; the last one leaves the informer running for the grace period."""
        if listener in self._listeners:
            self._listeners.remove(listener)
        if not self._listeners and self._stop_timer is None and self._task is not None:
            loop = asyncio.get_running_loop()
            self._stop_timer = loop.call_later(self.settings.live_idle_seconds, self.stop)

    def stop(self) -> None:
        """Close the upstream request now and leave the registry."""
        if self._stop_timer is not None:
            self._stop_timer.cancel()
            self._stop_timer = None
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self._task is not None:
            self._task.cancel()
        self._on_stopped(self)

    async def aclose(self) -> None:
        """Stop, and wait until the upstream request is closed."""
        self.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _broadcast(self, message: dict[str, Any]) -> None:
        _deliver(list(self._listeners), message)

    def _snapshot(self) -> dict[str, Any]:
        return {
            "type": "snapshot",
            "items": list(self.items.values()),
            "resourceVersion": self.resource_version,
        }

    def _flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self._pending:
            events, self._pending = self._pending, []
            self._broadcast({"type": "changes", "events": events})

    def _set_state(self, state: str, error: dict[str, Any] | None = None) -> None:
        recovered = state == "live" and self.state == "retrying"
        self.state, self.error = state, error
        if state == "retrying" or recovered:
            self._flush()
            message: dict[str, Any] = {"type": "state", "state": state}
            if error:
                message["error"] = error
            self._broadcast(message)

    # Upstream

    def _decision(self, query: list[tuple[str, str]]) -> Decision:
        namespace = self.kube.namespace
        path = f"{LIVE_RESOURCES[self.resource]}/namespaces/{namespace}/{self.resource}"
        if self.label_selector:
            query = [*query, ("labelSelector", self.label_selector)]
        decision = authorize("GET", path, urlencode(query), namespace)
        if not decision.allowed:
            raise _Failed(_status(403, "Forbidden", decision.reason))
        return decision

    async def _list(self) -> None:
        items: dict[str, dict[str, Any]] = {}
        resource_version = ""
        token = ""
        self.lists += 1
        while True:
            query = [("limit", str(LIST_PAGE))] + ([("continue", token)] if token else [])
            decision = self._decision(query)
            response = await self.kube.request("GET", decision.path, query=decision.query)
            if response.status_code == 410:
                raise _Gone()  # the continue token expired: list again from the start
            if response.status_code >= 400:
                raise _Failed(
                    _status_of(response.status_code, response.content, response.reason_phrase)
                )
            page = response.json()
            metadata = page.get("metadata") or {}
            resource_version = resource_version or str(metadata.get("resourceVersion") or "")
            kind = str(page.get("kind") or "").removesuffix("List")
            for item in page.get("items") or []:
                # List items come without kind and apiVersion; watch events carry them.
                item.setdefault("kind", kind)
                item.setdefault("apiVersion", page.get("apiVersion"))
                self._keep(items, item)
            self._bound(items)
            token = str(metadata.get("continue") or "")
            if not token:
                break
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        self._pending = []  # superseded by the snapshot
        self.items, self.resource_version, self.synced = items, resource_version, True
        self._broadcast(self._snapshot())

    async def _watch(self) -> bool:
        """Watch from :attr:`resource_version` until the watch ends; whether it held (saw
        something, or lasted a while: one that ends at once is a failure to back off from)."""
        timeout = self._watch_seconds()
        query = [
            ("watch", "1"),
            ("allowWatchBookmarks", "true"),
            ("resourceVersion", self.resource_version),
            ("timeoutSeconds", str(timeout)),
        ]
        started = time.monotonic()
        decision = self._decision(query)
        self._seen = False
        self.watches += 1
        async with self.kube.stream(
            "GET", decision.path, query=decision.query, headers={"Accept": "application/json"}
        ) as response:
            if response.status_code == 410:
                raise _Gone()
            if response.status_code >= 400:
                body = await response.aread()
                raise _Failed(_status_of(response.status_code, body, response.reason_phrase))
            self._set_state("live")
            async for line in response.aiter_lines():
                if line:
                    self._apply(json.loads(line))
                    self._seen = True
        return self._seen or time.monotonic() - started >= min(1.0, timeout / 2)

    def _watch_seconds(self) -> int:
        return self.settings.live_watch_seconds or random.randint(*WATCH_SECONDS)  # noqa: S311

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        obj = event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise _Gone()
            raise _Failed(_status(int(obj.get("code") or 500), str(obj.get("reason") or "Error"),
                                  str(obj.get("message") or "")))  # fmt: skip
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if version:
            self.resource_version = version
        if kind not in ("ADDED", "MODIFIED", "DELETED"):
            return  # BOOKMARK: only its resourceVersion matters
        name = str((obj.get("metadata") or {}).get("name") or "")
        if kind == "DELETED":
            self.items.pop(name, None)
            (obj.get("metadata") or {}).pop("managedFields", None)
        else:
            self._keep(self.items, obj)
        self._pending.append({"type": kind, "object": obj})
        for evicted in self._bound(self.items):
            self._pending.append({"type": "DELETED", "object": evicted})
        if self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(BATCH_SECONDS, self._flush)

    @staticmethod
    def _keep(items: dict[str, dict[str, Any]], obj: dict[str, Any]) -> None:
        metadata = obj.get("metadata") or {}
        metadata.pop("managedFields", None)  # large, and never shown
        items[str(metadata.get("name") or "")] = obj

    def _bound(self, items: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Drop the oldest Events beyond ``live_max_events`` (down to 90% of it, so sorting
        happens once per many events); the dropped ones are returned."""
        limit = self.settings.live_max_events
        if self.resource != "events" or len(items) <= limit:
            return []
        ordered = sorted(items.items(), key=lambda pair: event_time(pair[1]))
        evicted = ordered[: len(items) - limit * 9 // 10]
        for name, _ in evicted:
            del items[name]
        return [obj for _, obj in evicted]

    async def _run(self) -> None:
        attempt = 0
        must_list = True
        listed_just_now = False
        while True:
            try:
                if must_list:
                    await self._list()
                    must_list, listed_just_now = False, True
                if await self._watch():
                    attempt, listed_just_now = 0, False
                    continue  # an ended watch resumes at once
                error = _status(502, "WatchEnded", "the watch ended at once")
            except _Gone:
                must_list = True
                if not listed_just_now:
                    continue  # list again once, at once
                error = _status(410, "Expired", "the resourceVersion of a fresh list is gone")
            except _Failed as failure:
                # A refusal ends the subscription, unless the informer is already retrying: an
                # API server that is starting again answers 403 (its RBAC caches not synced yet)
                # or 404 (a CRD not served yet) for a moment (issue 16, the restart fault test).
                if failure.status["code"] in _FINAL_CODES and self.state != "retrying":
                    self._end(failure.status)
                    return
                error = failure.status
            except UpstreamError as failure:
                error = _status(502, "UpstreamUnreachable", str(failure))
            except NotInClusterError as failure:
                error = _status(503, "NotInCluster", str(failure))
            except (httpx.TransportError, ValueError) as failure:
                # A watch cut mid-stream (or a torn line): resume from the last resourceVersion.
                error = _status(502, "WatchDropped", f"the watch was cut: {failure!r}")
                if self._seen or attempt == 0:
                    attempt = 0 if self._seen else 1
                    continue  # resume at once, unless the last resume was cut too
            except Exception as failure:  # a bug here must not leave the tabs waiting forever
                _log.exception("jupyterlab-lws: informer of %s failed", self.resource)
                must_list = True
                error = _status(500, "InternalError", f"the informer failed: {failure!r}")
            self._set_state("retrying", error)
            first, largest = BACKOFF_SECONDS
            delay = min(largest, first * 2**attempt)
            await asyncio.sleep(random.uniform(delay / 2, delay))  # noqa: S311 (jitter)
            attempt += 1

    def _end(self, status: dict[str, Any]) -> None:
        self._flush()
        self._broadcast({"type": "end", **status})
        self._listeners.clear()
        self.stop()


class Informers:
    """The server's informers, by (resource, label selector); held in
    ``web_app.settings["lws_informers"]``."""

    def __init__(self, kube: KubeClient, settings: LwsServing) -> None:
        self.kube = kube
        self.settings = settings
        self.running: dict[tuple[str, str], Informer] = {}

    def subscribe(self, resource: str, label_selector: str, listener: Listener) -> Informer:
        """Attach ``listener`` to the informer of ``(resource, label_selector)``, started on
        demand; the resource must be one of :data:`LIVE_RESOURCES`."""
        key = (resource, label_selector)
        informer = self.running.get(key)
        if informer is None:
            informer = Informer(self.kube, self.settings, resource, label_selector, self._stopped)
            self.running[key] = informer
        informer.add(listener)
        return informer

    def _stopped(self, informer: Informer) -> None:
        key = (informer.resource, informer.label_selector)
        if self.running.get(key) is informer:
            del self.running[key]

    async def aclose(self) -> None:
        """Stop every informer (server shutdown)."""
        for informer in list(self.running.values()):
            await informer.aclose()
