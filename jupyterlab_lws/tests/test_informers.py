"""The informer's pure parts, without a server: batching, Event order and bounds, watch errors.
Its behaviour against the real API server is tested in test_live.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
import pytest

from jupyterlab_lws.config import LwsServing
from jupyterlab_lws.informers import Informer, _Failed, _Gone, event_time


def informer(resource: str = "pods", **settings: Any) -> tuple[Informer, list[dict]]:
    """An informer that never starts (no listener is added), and the messages it broadcasts."""
    made = Informer(None, LwsServing(**settings), resource, "", lambda _: None)  # type: ignore[arg-type]
    received: list[dict] = []
    made._listeners.append(lambda message, encoded: received.append(json.loads(encoded)))
    return made, received


def pod(name: str, version: int) -> dict:
    return {"metadata": {"name": name, "resourceVersion": str(version), "managedFields": [{}]}}


async def test_a_burst_of_changes_goes_out_as_one_message():
    made, received = informer()
    for version in range(1, 6):
        made._apply({"type": "ADDED", "object": pod(f"p{version}", version)})
    made._apply({"type": "DELETED", "object": pod("p1", 6)})
    assert received == []  # not yet: the burst is gathered first
    for _ in range(500):  # then within the batch time (the loop is not timed here)
        if received:
            break
        await asyncio.sleep(0.01)
    assert len(received) == 1
    events = received[0]["events"]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "p1"), ("ADDED", "p2"), ("ADDED", "p3"), ("ADDED", "p4"), ("ADDED", "p5"),
        ("DELETED", "p1"),
    ]  # fmt: skip
    assert all("managedFields" not in e["object"]["metadata"] for e in events)
    assert sorted(made.items) == ["p2", "p3", "p4", "p5"]
    assert made.resource_version == "6"


async def test_a_bookmark_moves_the_resource_version_only():
    made, _ = informer()
    made._apply({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "42"}}})
    assert made.resource_version == "42"
    assert made._pending == []
    assert made.items == {}


@pytest.mark.parametrize(
    ("status", "error"),
    [({"code": 410, "reason": "Expired"}, _Gone), ({"code": 500, "reason": "x"}, _Failed)],
)
async def test_an_error_in_the_watch_is_raised(status, error):
    made, _ = informer()
    with pytest.raises(error):
        made._apply({"type": "ERROR", "object": {"kind": "Status", **status}})


def test_event_time_orders_seconds_and_microseconds_alike():
    stamps = [
        {"lastTimestamp": "2026-01-01T10:00:01Z"},
        {"eventTime": "2026-01-01T10:00:00.500000Z"},
        {"lastTimestamp": "2026-01-01T10:00:00Z"},
        {"series": {"lastObservedTime": "2026-01-01T10:00:02.000001Z"}},
        {"metadata": {"creationTimestamp": "2025-12-31T00:00:00Z"}},
    ]
    ordered = sorted(stamps, key=event_time)
    assert ordered == [stamps[4], stamps[2], stamps[1], stamps[0], stamps[3]]


async def test_only_events_are_bounded_and_the_oldest_go():
    made, _ = informer("events", live_max_events=10)
    for second in range(11):
        event = {"metadata": {"name": f"e{second}", "resourceVersion": str(second + 1)},
                 "lastTimestamp": f"2026-01-01T10:00:{59 - second:02d}Z"}  # fmt: skip
        made._apply({"type": "ADDED", "object": event})
    # The eleventh made room down to nine: the two oldest (the last added) went.
    assert len(made.items) == 9
    assert "e10" not in made.items and "e9" not in made.items
    evicted = [e["object"]["metadata"]["name"] for e in made._pending if e["type"] == "DELETED"]
    assert evicted == ["e10", "e9"]

    pods, _ = informer("pods", live_max_events=10)
    for version in range(20):
        pods._apply({"type": "ADDED", "object": pod(f"p{version}", version + 1)})
    assert len(pods.items) == 20


class GoneAlways:
    """A KubeClient stand-in whose lists succeed and whose every watch answers 410 in-band."""

    namespace = "alice"

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def request(self, method: str, path: str, *, query=()) -> httpx.Response:
        self.calls.append("list")
        page = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"}}
        return httpx.Response(200, json={**page, "items": []})

    @contextlib.asynccontextmanager
    async def stream(self, method: str, path: str, *, query=(), headers=None):
        self.calls.append("watch")
        gone = {"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired"}}
        yield httpx.Response(200, content=json.dumps(gone).encode() + b"\n")


async def test_a_410_right_after_a_fresh_list_backs_off_instead_of_listing_again():
    kube = GoneAlways()
    made = Informer(kube, LwsServing(), "pods", "", lambda _: None)  # type: ignore[arg-type]
    received: list[dict] = []
    made.add(lambda message, _: received.append(message))
    try:
        for _ in range(500):
            if any(m["type"] == "state" for m in received):
                break
            await asyncio.sleep(0.01)
        state = next(m for m in received if m["type"] == "state")
        assert (state["state"], state["error"]["code"]) == ("retrying", 410)
        # One list, one watch, then a wait: no list storm while the API server answers 410.
        assert kube.calls == ["list", "watch"]
    finally:
        await made.aclose()
