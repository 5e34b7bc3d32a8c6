"""``lws/api/watches``: several watches over one streamed response, against the real local cluster."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

from .conftest import unique
from .test_k8s_proxy import service


def watches_query(**paths: str) -> str:
    return urlencode(paths)


async def next_line(lines) -> tuple[str, dict | None]:
    """The next line as (id, payload); payload None for an end-of-watch line."""
    line = await asyncio.wait_for(anext(lines), timeout=10)
    stream_id, tab, payload = line.partition("\t")
    return stream_id, (json.loads(payload) if tab else None)


async def wait_until_closed(kube) -> float:
    started = time.monotonic()
    while kube.open_streams and time.monotonic() - started < 5:
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_carries_several_watches_tagged_by_their_ids(
    client, k8s, namespace, cleanup, jp_serverapp
):
    first, second = unique(), unique()
    cleanup("service", first)
    cleanup("service", second)
    collection = f"api/v1/namespaces/{namespace}/services"
    kube = jp_serverapp.web_app.settings["lws_kube"]
    query = watches_query(
        a=f"{collection}?watch=1&fieldSelector=metadata.name%3D{first}",
        b=f"{collection}?watch=1&fieldSelector=metadata.name%3D{second}",
    )
    async with client.stream("GET", f"lws/api/watches?{query}") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        lines = response.aiter_lines()
        started = time.monotonic()
        while kube.open_streams < 2 and time.monotonic() - started < 5:
            await asyncio.sleep(0.05)
        # Two upstream watches, one response to the browser.
        assert kube.open_streams == 2

        assert (await k8s("POST", collection, body=service(second)))[0] == 201
        stream_id, event = await next_line(lines)
        assert (stream_id, event["type"], event["object"]["metadata"]["name"]) == (
            "b",
            "ADDED",
            second,
        )
        assert (await k8s("POST", collection, body=service(first)))[0] == 201
        stream_id, event = await next_line(lines)
        assert (stream_id, event["object"]["metadata"]["name"]) == ("a", first)
    # The browser went away: both upstream watches close now.
    assert await wait_until_closed(kube) < 2
    assert kube.open_streams == 0


async def test_a_refused_watch_is_an_in_band_error_and_the_others_go_on(
    client, k8s, namespace, cleanup
):
    name = unique()
    cleanup("service", name)
    collection = f"api/v1/namespaces/{namespace}/services"
    query = watches_query(
        # The API server refuses an unknown field selector with 400.
        bad=f"{collection}?watch=1&fieldSelector=spec.nothing%3Dx",
        good=f"{collection}?watch=1&fieldSelector=metadata.name%3D{name}",
    )
    async with client.stream("GET", f"lws/api/watches?{query}") as response:
        assert response.status_code == 200
        lines = response.aiter_lines()
        stream_id, error = await next_line(lines)
        assert stream_id == "bad"
        assert error["type"] == "ERROR"
        assert error["object"]["code"] == 400
        assert "spec.nothing" in error["object"]["message"]
        # Then that watch ends, and the other one still streams.
        assert await next_line(lines) == ("bad", None)
        assert (await k8s("POST", collection, body=service(name)))[0] == 201
        stream_id, event = await next_line(lines)
        assert (stream_id, event["object"]["metadata"]["name"]) == ("good", name)


async def test_every_watch_passes_the_allow_list_before_anything_is_sent(
    jp_fetch, namespace, upstream_calls
):
    async def ask(**paths: str) -> tuple[int, dict]:
        response = await jp_fetch("lws/api/watches", params=paths, raise_error=False, method="GET")
        return response.code, json.loads(response.body)

    ok = f"api/v1/namespaces/{namespace}/pods?watch=1"
    status, body = await ask(a=ok, b="api/v1/namespaces/project-user-bob/pods?watch=1")
    assert status == 403
    assert "namespace 'project-user-bob'" in body["message"]
    status, body = await ask(a=ok, b=f"api/v1/namespaces/{namespace}/secrets?watch=1")
    assert status == 403
    status, body = await ask(a=ok, b=f"api/v1/namespaces/{namespace}/pods?watch=1&url=x")
    assert status == 403
    status, body = await ask(a=f"api/v1/namespaces/{namespace}/pods")
    assert (status, body["reason"]) == (400, "BadRequest")
    assert "not a watch" in body["message"]
    status, body = await ask()
    assert status == 400
    status, body = await ask(**{"1a": ok})
    assert status == 400
    assert upstream_calls == []


async def test_requires_jupyter_authentication(raw_request, namespace, upstream_calls):
    query = watches_query(a=f"api/v1/namespaces/{namespace}/pods?watch=1")
    status, _ = await raw_request("GET", f"lws/api/watches?{query}", auth=False)
    assert status == 403
    assert upstream_calls == []
