"""The live channel (``lws/api/live``) against the real local cluster: a real WebSocket client
(tornado's) talks to the test Jupyter server, whose informers list and watch the real API server.
Objects are changed as the cluster admin (kubectl), as another user or a controller would."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from .conftest import unique

LABEL = "jupyterlab-lws.io/live-test"


class Live:
    """One live channel, as the browser holds it."""

    def __init__(self, socket: WebSocketClientConnection) -> None:
        self.socket = socket
        self.seen: list[dict[str, Any]] = []

    def send(self, **message: Any) -> None:
        self.socket.write_message(json.dumps(message))

    async def receive(self, timeout: float = 15) -> dict[str, Any] | None:
        """The next message; None when the server closed the socket."""
        text = await asyncio.wait_for(self.socket.read_message(), timeout=timeout)
        if text is None:
            return None
        message = json.loads(text)
        self.seen.append(message)
        return message

    async def until(
        self, matches: Callable[[dict[str, Any]], bool], timeout: float = 20
    ) -> dict[str, Any]:
        """Read until a message ``matches``; returns it (the ones read before stay in seen)."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.receive(max(0.1, deadline - time.monotonic()))
            assert message is not None, f"the socket closed; seen: {self.seen[-5:]}"
            if matches(message):
                return message

    async def change(self, stream_id: str, kind: str, name: str) -> dict[str, Any]:
        """The next ``kind`` change of object ``name`` on ``stream_id``."""

        def has(message: dict[str, Any]) -> bool:
            return message.get("id") == stream_id and any(
                event["type"] == kind and event["object"]["metadata"]["name"] == name
                for event in message.get("events", [])
            )

        message = await self.until(has)
        return next(
            e["object"] for e in message["events"] if e["object"]["metadata"]["name"] == name
        )


@pytest.fixture
def live_url(server_url: str) -> str:
    return server_url.replace("http://", "ws://") + "lws/api/live"


@pytest.fixture
async def connect(live_url: str, jp_auth_header: dict[str, str]):
    """``await connect()`` -> a :class:`Live` channel (closed after the test)."""
    sockets: list[WebSocketClientConnection] = []

    async def open_channel(*, auth: bool = True, headers: dict[str, str] | None = None) -> Live:
        all_headers = {**(jp_auth_header if auth else {}), **(headers or {})}
        socket = await websocket_connect(HTTPRequest(live_url, headers=all_headers))
        sockets.append(socket)
        return Live(socket)

    yield open_channel
    for socket in sockets:
        socket.close()


@pytest.fixture
def informers(jp_serverapp):
    return jp_serverapp.web_app.settings["lws_informers"]


@pytest.fixture
def kube(jp_serverapp):
    return jp_serverapp.web_app.settings["lws_kube"]


def labelled_service(name: str, tag: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": {LABEL: tag}},
            "spec": {"ports": [{"port": 31000}], "selector": {"app": name}},
        }
    )


@pytest.fixture
def make_labelled_service(cluster, namespace, cleanup):
    """``make(name, tag)``: a Service labelled ``LABEL=tag``, created as the admin."""

    def make(name: str, tag: str) -> None:
        cleanup("service", name)
        cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=labelled_service(name, tag))

    return make


def upstream(calls: list[str], kind: str, resource: str) -> list[str]:
    """The recorded upstream ``list`` or ``watch`` requests of ``resource``."""
    watching = [c for c in calls if f"/{resource}?" in c and "watch=1" in c]
    if kind == "watch":
        return watching
    return [c for c in calls if f"/{resource}?" in c and c not in watching]


async def wait_for(condition: Callable[[], bool], timeout: float = 15) -> float:
    """Wait until ``condition()`` holds; the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "condition not met in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


# -- subscriptions ------------------------------------------------------------------------------


async def test_a_subscription_gets_a_snapshot_then_the_changes(
    connect, cluster, namespace, make_labelled_service, upstream_calls
):
    tag = unique("tag")
    first, second = unique("live"), unique("live")
    make_labelled_service(first, tag)
    live = await connect()
    live.send(op="subscribe", id="s1", resource="services", labelSelector=f"{LABEL}={tag}")
    snapshot = await live.until(lambda m: m["type"] == "snapshot")
    assert snapshot["id"] == "s1"
    assert [item["metadata"]["name"] for item in snapshot["items"]] == [first]
    item = snapshot["items"][0]
    assert (item["kind"], item["apiVersion"]) == ("Service", "v1")
    assert "managedFields" not in item["metadata"]
    assert int(snapshot["resourceVersion"]) > 0

    make_labelled_service(second, tag)
    added = await live.change("s1", "ADDED", second)
    assert "managedFields" not in added["metadata"]
    cluster.kubectl("annotate", "service", first, "-n", namespace, "live=yes")
    modified = await live.change("s1", "MODIFIED", first)
    assert modified["metadata"]["annotations"]["live"] == "yes"
    cluster.kubectl("delete", "service", second, "-n", namespace, "--wait=false")
    await live.change("s1", "DELETED", second)
    # One list, one watch: changes come from the watch, never from listing again.
    assert len(upstream(upstream_calls, "list", "services")) == 1
    assert len(upstream(upstream_calls, "watch", "services")) == 1
    assert "allowWatchBookmarks=true" in upstream(upstream_calls, "watch", "services")[0]


async def test_two_sockets_share_one_upstream_watch(
    connect, make_labelled_service, informers, upstream_calls
):
    tag = unique("tag")
    name = unique("live")
    selector = f"{LABEL}={tag}"
    one, two = await connect(), await connect()
    one.send(op="subscribe", id="a", resource="services", labelSelector=selector)
    await one.until(lambda m: m["type"] == "snapshot")
    two.send(op="subscribe", id="b", resource="services", labelSelector=selector)
    await two.until(lambda m: m["type"] == "snapshot")
    informer = informers.running[("services", selector)]
    assert informer.subscribers == 2

    make_labelled_service(name, tag)
    await one.change("a", "ADDED", name)
    await two.change("b", "ADDED", name)
    assert (informer.lists, informer.watches) == (1, 1)
    assert len(upstream(upstream_calls, "list", "services")) == 1
    assert len(upstream(upstream_calls, "watch", "services")) == 1


@pytest.fixture
def lws_settings(lws_settings, request):
    """Per test: ``@pytest.mark.live(live_idle_seconds=...)`` adds ``c.LwsServing`` values."""
    marker = request.node.get_closest_marker("live")
    return {**lws_settings, **(marker.kwargs if marker else {})}


@pytest.mark.live(live_idle_seconds=1.0)
async def test_the_last_unsubscribe_stops_the_watch_after_the_grace_period(
    connect, informers, kube, upstream_calls
):
    tag = unique("tag")
    selector = f"{LABEL}={tag}"
    live = await connect()
    live.send(op="subscribe", id="s1", resource="services", labelSelector=selector)
    await live.until(lambda m: m["type"] == "snapshot")
    informer = informers.running[("services", selector)]
    await wait_for(lambda: kube.open_streams == 1)

    # A reload within the grace period takes the informer over: no new list, no new watch.
    live.send(op="unsubscribe", id="s1")
    live.send(op="subscribe", id="s2", resource="services", labelSelector=selector)
    snapshot = await live.until(lambda m: m["type"] == "snapshot")
    assert snapshot["id"] == "s2"
    assert informers.running[("services", selector)] is informer
    assert (informer.lists, informer.watches) == (1, 1)

    live.send(op="unsubscribe", id="s2")
    await wait_for(lambda: informer.subscribers == 0)
    left = time.monotonic()
    waited = await wait_for(lambda: kube.open_streams == 0)
    assert time.monotonic() - left >= 0.9  # not before the grace period
    assert waited < 5
    assert ("services", selector) not in informers.running
    assert len(upstream(upstream_calls, "watch", "services")) == 1
