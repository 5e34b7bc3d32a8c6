"""The live channel (``lws/api/live``) against the real local cluster: a real WebSocket client
(tornado's) talks to the test Jupyter server, whose informers list and watch the real API server.
Objects are changed as the cluster admin (kubectl), as another user or a controller would."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from jupyterlab_lws.informers import LIVE_RESOURCES

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
    """Per test: ``@pytest.mark.live(live_idle_seconds=...)`` adds ``c.LwsServing`` values, and
    a test using ``relay`` reaches the API server through it."""
    marker = request.node.get_closest_marker("live")
    settings = {**lws_settings, **(marker.kwargs if marker else {})}
    if "relay" in request.fixturenames:
        settings["api_server"] = f"https://127.0.0.1:{request.getfixturevalue('relay').port}"
    return settings


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

    left = time.monotonic()  # the server's grace period starts after this, on the same clock
    live.send(op="unsubscribe", id="s2")
    await wait_for(lambda: informer.subscribers == 0)
    assert kube.open_streams == 1
    waited = await wait_for(lambda: kube.open_streams == 0)
    assert time.monotonic() - left >= 1.0  # not before the grace period
    assert waited < 5
    assert ("services", selector) not in informers.running
    assert len(upstream(upstream_calls, "watch", "services")) == 1


async def test_every_resource_type_of_the_channel_can_be_watched(connect, informers):
    live = await connect()
    for resource in LIVE_RESOURCES:
        live.send(op="subscribe", id=resource, resource=resource, labelSelector=f"{LABEL}=none")
    first: dict[str, dict] = {}
    while len(first) < len(LIVE_RESOURCES):
        message = await live.until(lambda m: m["id"] not in first)
        first[message["id"]] = message
    assert {(m["type"], len(m["items"])) for m in first.values()} == {("snapshot", 0)}
    await wait_for(lambda: all(i.state == "live" for i in informers.running.values()))
    assert len(informers.running) == len(LIVE_RESOURCES)


async def test_a_socket_holds_at_most_64_subscriptions(connect, informers, upstream_calls):
    live = await connect()
    for number in range(65):
        live.send(op="subscribe", id=f"s{number}", resource="services", labelSelector=f"{LABEL}=n")
    error = await live.until(lambda m: m["type"] == "error")
    assert (error["id"], error["code"], error["reason"]) == ("s64", 429, "TooManyRequests")
    assert informers.running[("services", f"{LABEL}=n")].subscribers == 64
    assert len(upstream(upstream_calls, "list", "services")) == 1


@pytest.mark.account("restricted")
async def test_a_subscription_the_api_server_refuses_ends_with_its_status(
    connect, informers, upstream_calls
):
    # The restricted account may not list LeaderWorkerSets (RBAC): no retrying, an end.
    live = await connect()
    live.send(op="subscribe", id="s1", resource="leaderworkersets")
    end = await live.until(lambda m: m["type"] == "end")
    assert (end["id"], end["code"], end["reason"]) == ("s1", 403, "Forbidden")
    assert "leaderworkersets" in end["message"]
    assert informers.running == {}
    # The id is free again, and pods, which it may watch, still stream.
    live.send(op="subscribe", id="s1", resource="pods", labelSelector=f"{LABEL}=none")
    assert (await live.until(lambda m: m["type"] in ("snapshot", "end")))["type"] == "snapshot"
    assert len(upstream(upstream_calls, "list", "leaderworkersets")) == 1
    assert upstream(upstream_calls, "watch", "leaderworkersets") == []


# -- resuming, relisting, retrying ------------------------------------------------------------


@pytest.mark.live(live_watch_seconds=1)
async def test_a_watch_the_api_server_ends_resumes_without_missing_a_change(
    connect, cluster, namespace, make_labelled_service, informers, upstream_calls
):
    # timeoutSeconds=1: the API server itself ends every watch after a second.
    tag = unique("tag")
    selector = f"{LABEL}={tag}"
    live = await connect()
    live.send(op="subscribe", id="s1", resource="services", labelSelector=selector)
    await live.until(lambda m: m["type"] == "snapshot")
    informer = informers.running[("services", selector)]
    names = [unique("live") for _ in range(3)]
    for name in names:
        watches = informer.watches
        await wait_for(lambda w=watches: informer.watches > w)  # a new watch, resumed
        make_labelled_service(name, tag)
        await live.change("s1", "ADDED", name)
    assert informer.watches >= 4
    assert informer.lists == 1
    assert len(upstream(upstream_calls, "list", "services")) == 1
    resumed = upstream(upstream_calls, "watch", "services")[1:]
    # Each resumed watch starts where the last one ended, not from a new list.
    assert all("resourceVersion=" in call for call in resumed)
    assert not any(m["type"] == "snapshot" for m in live.seen[1:])


@pytest.mark.live(live_watch_seconds=1)
async def test_410_gone_lists_again_exactly_once(connect, informers, upstream_calls):
    # How the 410 is real: the API server answers a watch from a resourceVersion older than its
    # watch cache holds with 410 Expired ("too old resource version"). The LeaderWorkerSet
    # cache starts when the CRD was installed, after the cluster's first writes, so
    # resourceVersion 1 is always too old there. The informer is made to resume from 1 when
    # the API server ends its current watch (timeoutSeconds=1), as after a long absence.
    selector = f"{LABEL}={unique('tag')}"
    live = await connect()
    live.send(op="subscribe", id="s1", resource="leaderworkersets", labelSelector=selector)
    first = await live.until(lambda m: m["type"] == "snapshot")
    informer = informers.running[("leaderworkersets", selector)]
    await wait_for(lambda: informer.state == "live")
    informer.resource_version = "1"
    second = await live.until(lambda m: m["type"] == "snapshot")
    assert second["id"] == "s1"
    assert int(second["resourceVersion"]) >= int(first["resourceVersion"])
    watches = upstream(upstream_calls, "watch", "leaderworkersets")
    assert any("resourceVersion=1&" in call for call in watches)
    # Watching goes on from the new list, with no further list.
    watched = informer.watches
    await wait_for(lambda: informer.watches >= watched + 2)
    assert informer.lists == 2
    assert len(upstream(upstream_calls, "list", "leaderworkersets")) == 2


class Relay:
    """A TCP relay between the Jupyter server and the API server, to cut and refuse connections
    the way a network failure does (TLS passes through untouched)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = self._bind(0)
        self.port = self.listener.getsockname()[1]
        self.server: asyncio.Server | None = None
        self.open: list[asyncio.StreamWriter] = []

    @staticmethod
    def _bind(port: int):
        import socket

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        return listener

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, sock=self.listener)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.open += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def go_down(self) -> None:
        """Refuse new connections and cut the open ones."""
        assert self.server is not None
        self.server.close()
        for writer in self.open:
            writer.transport.abort()
        self.open.clear()

    async def come_back(self) -> None:
        self.listener = self._bind(self.port)
        await self.start()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in self.open:
            writer.transport.abort()


@pytest.fixture
def relay(cluster):
    relay = Relay((cluster.info["host"], cluster.info["port"]))
    yield relay
    relay.close()


async def test_a_cut_watch_retries_with_backoff_and_misses_nothing(
    relay, connect, make_labelled_service, informers, jp_serverapp
):
    await relay.start()
    tag = unique("tag")
    selector = f"{LABEL}={tag}"
    live = await connect()
    live.send(op="subscribe", id="s1", resource="services", labelSelector=selector)
    await live.until(lambda m: m["type"] == "snapshot")
    informer = informers.running[("services", selector)]
    await wait_for(lambda: informer.state == "live")

    await relay.go_down()
    retrying = await live.until(lambda m: m["type"] == "state")
    assert retrying["state"] == "retrying"
    assert retrying["error"]["code"] == 502
    assert "could not reach the Kubernetes API server" in retrying["error"]["message"]
    name = unique("live")
    make_labelled_service(name, tag)  # while the informer cannot reach the API server

    await relay.come_back()
    back = await live.until(lambda m: m["type"] == "state" and m["state"] == "live")
    assert back["id"] == "s1"
    await live.change("s1", "ADDED", name)
    assert informer.lists == 1  # resumed from its resourceVersion, not listed again


# -- logs ---------------------------------------------------------------------------------------


def cri_lines(lines: list[str]) -> str:
    """Lines in the CRI log format the kubelet stores and kwok's Logs objects read."""
    return "".join(
        f"2026-12-02T09:00:0{i % 10}.000000000Z stdout F {line}\n" for i, line in enumerate(lines)
    )


@pytest.fixture
def log_pod(cluster, namespace, tmp_path):
    """``log_pod(lines, follow=False)``: a pod on a kwok node whose container ``main`` logs
    ``lines`` (kwok's Logs object serves the file; ``follow`` keeps the stream open)."""
    made: list[str] = []

    def make(lines: list[str], *, follow: bool = False) -> str:
        name = unique("live-log")
        made.append(name)
        file = tmp_path / f"{name}.log"
        file.write_text(cri_lines(lines))
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "nodeName": "gpu-node-1",
                "containers": [{"name": "main", "image": "registry.invalid/x:1"}],
            },
        }
        logs = {"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Logs", "metadata": {"name": name},
                "spec": {"logs": [{"containers": ["main"], "logsFile": str(file),
                                   "follow": follow}]}}  # fmt: skip
        manifests = {"apiVersion": "v1", "kind": "List", "items": [pod, logs]}
        cluster.kubectl("apply", "-n", namespace, "-f", "-", stdin=json.dumps(manifests))
        cluster.kubectl(
            "wait", "--for=condition=Ready", f"pod/{name}", "-n", namespace, "--timeout=60s"
        )
        return name

    yield make
    for name in made:
        cluster.kubectl("delete", "pod,logs.kwok.x-k8s.io", name, "-n", namespace,
                        "--grace-period=0", "--force", "--wait=false")  # fmt: skip


async def test_a_log_streams_the_containers_lines_then_ends(connect, log_pod, upstream_calls):
    lines = [f"INFO line {i} of the engine" for i in range(40)]
    pod = log_pod(lines)
    live = await connect()
    live.send(op="log", id="l1", pod=pod, container="main", tailLines=100)
    end = await live.until(lambda m: m["type"] == "end")
    assert end == {"type": "end", "id": "l1"}  # no code: the log ended
    text = "".join(m["text"] for m in live.seen if m["type"] == "log")
    assert text.splitlines() == lines
    assert all(m["text"].endswith("\n") for m in live.seen if m["type"] == "log")
    logs = [call for call in upstream_calls if "/log?" in call]
    assert len(logs) == 1
    assert f"/pods/{pod}/log?container=main&tailLines=100" in logs[0]


async def test_a_log_that_fails_ends_with_the_kubernetes_status(connect):
    live = await connect()
    live.send(op="log", id="l1", pod="no-such-pod", follow=True)
    end = await live.until(lambda m: m["type"] == "end")
    assert (end["id"], end["code"], end["reason"]) == ("l1", 404, "NotFound")
    assert "no-such-pod" in end["message"]


async def test_unsubscribing_or_closing_ends_a_followed_log_at_once(connect, log_pod, kube):
    pod = log_pod(["first line"], follow=True)
    live = await connect()
    live.send(op="log", id="l1", pod=pod, follow=True)
    message = await live.until(lambda m: m["type"] == "log")
    assert message["text"] == "first line\n"
    assert kube.open_streams == 1
    live.send(op="unsubscribe", id="l1")
    assert await wait_for(lambda: kube.open_streams == 0) < 2

    other = await connect()
    other.send(op="log", id="l2", pod=pod, follow=True)
    await other.until(lambda m: m["type"] == "log")
    assert kube.open_streams == 1
    other.socket.close()
    assert await wait_for(lambda: kube.open_streams == 0) < 2


# -- the socket: authentication, origin, refusals ------------------------------------------------


async def test_an_unauthenticated_upgrade_is_refused(connect, upstream_calls):
    with pytest.raises(HTTPClientError) as refused:
        await connect(auth=False)
    assert refused.value.code == 403
    assert upstream_calls == []


@pytest.fixture
async def login_cookie(server_url: str, jp_auth_header: dict[str, str]) -> str:
    """The ``Cookie`` header of a browser logged in with the token (as JupyterLab's page is)."""
    token = jp_auth_header["Authorization"].split()[-1]
    async with httpx.AsyncClient(base_url=server_url, trust_env=False) as browser:
        xsrf = (await browser.get("login")).cookies["_xsrf"]
        answer = await browser.post(
            "login", data={"_xsrf": xsrf, "password": token}, headers={"X-XSRFToken": xsrf}
        )
        assert answer.status_code == 302, answer.text
        return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


async def test_a_cross_origin_upgrade_is_refused(connect, server_url, login_cookie, upstream_calls):
    # A page of another site can only ride on the browser's cookie (it does not know the token);
    # Jupyter checks the origin of cookie-authenticated upgrades, as for its kernel sockets.
    with pytest.raises(HTTPClientError) as refused:
        await connect(
            auth=False, headers={"Cookie": login_cookie, "Origin": "https://evil.example"}
        )
    assert refused.value.code == 403
    page_origin = "/".join(server_url.split("/")[:3])
    live = await connect(auth=False, headers={"Cookie": login_cookie, "Origin": page_origin})
    live.send(op="unsubscribe", id="x")
    assert (await live.until(lambda m: m["type"] == "error"))["code"] == 404
    assert upstream_calls == []


REFUSED = [
    # (message, code, words in the reason given)
    (
        {"op": "subscribe", "id": "s1", "resource": "secrets"},
        403,
        "not a resource of the live channel",
    ),
    ({"op": "subscribe", "id": "s1", "resource": "serviceaccounts"}, 403, "not a resource"),
    ({"op": "subscribe", "id": "s1", "resource": ["pods"]}, 403, "not a resource"),
    (
        {"op": "subscribe", "id": "s1", "resource": "pods", "namespace": "project-user-bob"},
        400,
        "'namespace'",
    ),
    (
        {"op": "subscribe", "id": "s1", "resource": "pods", "labelSelector": "a=b&watch=0"},
        403,
        "labelSelector",
    ),
    ({"op": "subscribe", "id": "s1", "resource": "pods", "labelSelector": ["a"]}, 400, "string"),
    ({"op": "subscribe", "id": "../s1", "resource": "pods"}, 400, "needs an id"),
    ({"op": "subscribe", "id": "", "resource": "pods"}, 400, "needs an id"),
    ({"op": "subscribe", "id": "x" * 33, "resource": "pods"}, 400, "needs an id"),
    ({"op": "subscribe", "id": 7, "resource": "pods"}, 400, "needs an id"),
    ({"op": "subscribe", "resource": "pods"}, 400, "needs an id"),
    ({"op": "exec", "id": "s1"}, 400, "unknown op"),
    ({"op": ["subscribe"], "id": "s1"}, 400, "unknown op"),
    ({"op": "log", "id": "l1", "pod": "x", "namespace": "project-user-bob"}, 400, "'namespace'"),
    ({"op": "log", "id": "l1", "pod": "../../project-user-bob/pods/x"}, 403, "relative path"),
    ({"op": "log", "id": "l1", "pod": "a%2Fb"}, 403, "percent-encoded"),
    ({"op": "log", "id": "l1", "pod": "x/exec"}, 403, "deeper than"),
    ({"op": "log", "id": "l1", "pod": "x?follow=1"}, 403, "never occur"),
    ({"op": "log", "id": "l1", "pod": "Not_A_Name"}, 403, "not a valid Kubernetes object name"),
    ({"op": "log", "id": "l1", "pod": "x", "container": "../etc"}, 403, "'container'"),
    ({"op": "log", "id": "l1", "pod": "x", "tailLines": -1}, 403, "'tailLines'"),
    ({"op": "log", "id": "l1", "pod": "x", "follow": "yes"}, 400, "follow must be a bool"),
    ({"op": "log", "id": "l1", "pod": "x", "tailLines": True}, 400, "tailLines must be a int"),
    ({"op": "log", "id": "l1"}, 400, "pod's name"),
    ({"op": "unsubscribe", "id": "nothing"}, 404, "no subscription"),
    ("not json", 400, "not JSON"),
    ([1, 2], 400, "JSON object"),
]


async def test_bad_messages_are_refused_before_anything_goes_upstream(
    connect, upstream_calls, informers
):
    live = await connect()
    for message, code, words in REFUSED:
        live.socket.write_message(message if isinstance(message, str) else json.dumps(message))
        error = await live.until(lambda m: m["type"] in ("error", "end", "snapshot"))
        assert error["type"] == "error", message
        assert error["code"] == code, (message, error)
        assert words in error["message"], (message, error)
    assert upstream_calls == []
    assert informers.running == {}


async def test_a_duplicate_id_is_refused_and_sends_nothing(connect, upstream_calls):
    live = await connect()
    live.send(op="subscribe", id="s1", resource="services", labelSelector=f"{LABEL}=dup")
    await live.until(lambda m: m["type"] == "snapshot")
    sent = len(upstream_calls)
    live.send(op="subscribe", id="s1", resource="pods")
    error = await live.until(lambda m: m["type"] == "error")
    assert (error["id"], error["code"]) == ("s1", 400)
    assert "already in use" in error["message"]
    live.send(op="log", id="s1", pod="x")
    assert "already in use" in (await live.until(lambda m: m["type"] == "error"))["message"]
    assert len(upstream_calls) == sent


async def test_an_oversized_frame_closes_the_socket(connect, upstream_calls):
    live = await connect()
    live.send(op="subscribe", id="s1", resource="pods", labelSelector="a" * (65 * 1024))
    assert await live.receive() is None
    assert live.socket.close_code == 1009
    assert upstream_calls == []


# -- memory ------------------------------------------------------------------------------------


@pytest.mark.live(live_max_events=5)
async def test_events_are_bounded_to_the_newest(connect, cluster, namespace, informers):
    tag = unique("tag")
    names = [f"{tag}-{i}" for i in range(10)]

    def event(i: int) -> dict:
        at = f"2026-01-01T10:00:{i:02d}Z"
        return {"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": names[i], "labels": {LABEL: tag}},
                "involvedObject": {"kind": "Pod", "name": "nothing", "namespace": namespace},
                "reason": "Testing", "message": f"event {i}", "type": "Normal",
                "firstTimestamp": at, "lastTimestamp": at, "count": 1}  # fmt: skip

    def create(*indexes: int) -> None:
        items = [event(i) for i in indexes]
        cluster.kubectl("apply", "-n", namespace, "-f", "-",
                        stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))  # fmt: skip

    try:
        create(*range(8))
        live = await connect()
        live.send(op="subscribe", id="e", resource="events", labelSelector=f"{LABEL}={tag}")
        snapshot = await live.until(lambda m: m["type"] == "snapshot")
        informer = informers.running[("events", f"{LABEL}={tag}")]
        # Over the bound, the oldest go (down to 90% of it): the newest four of eight are kept.
        assert sorted(i["metadata"]["name"] for i in snapshot["items"]) == names[4:8]
        create(8)
        await live.change("e", "ADDED", names[8])
        assert len(informer.items) == 5
        create(9)
        # The sixth makes room: the two oldest leave, and the browser is told.
        await live.change("e", "DELETED", names[5])
        assert names[4] not in informer.items
        assert sorted(informer.items) == names[6:10]
        assert sum(
            1 for m in live.seen if m["type"] == "changes"
            for e in m["events"] if e["type"] == "DELETED" and e["object"]["metadata"]["name"] == names[4]
        ) == 1  # fmt: skip
    finally:
        cluster.kubectl("delete", "events", "-l", f"{LABEL}={tag}", "-n", namespace, "--wait=false")
