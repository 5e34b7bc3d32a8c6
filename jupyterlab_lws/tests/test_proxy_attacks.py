"""Attacks on the endpoint proxy, the load probe and the Kubernetes proxy not covered elsewhere
(issue 16): path tricks on the endpoint proxy, absolute-URI request targets, method overrides,
oversized and unbounded bodies, and cookie sessions writing without the XSRF token.

Every refusal is checked on the way out too: nothing reached the API server or an endpoint
(the server's upstream clients record every request they send), and the server still serves
afterwards. ``test_k8s_proxy``, ``test_endpoint_proxy`` and ``test_allowlist`` hold the rest.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from .conftest import announce_body
from .test_routes import log_in

ENDPOINT_TRICKS = [
    # Double slashes: an empty segment, or a scheme-relative URL where the Service goes.
    "llama-leader/8000//v1/models",
    "/evil.example.com/80/v1/models",
    "llama-leader/8000/v1//models",
    # Encodings: dots, slashes, NUL, overlong UTF-8 and full-width letters, double-encoded.
    "llama-leader/8000/v1/%2e%2e/%2e%2e/admin",
    "llama-leader/8000/v1%2fmodels",
    "llama-leader/8000/v1/models%00",
    "llama-leader/8000/v1/%c0%ae%c0%ae/admin",
    "llama-leader/8000/v1/%EF%BD%8Dodels",
    "llama-leader/8000/v1/%252e%252e/admin",
    "llama-leader%2F..%2F..%2Fapi/8000/v1/models",
    # Backslashes and `;` parameters that some servers treat as separators.
    "llama-leader/8000/v1\\..\\admin",
    "llama-leader/8000/v1/models/..;/admin",
    # Another namespace, the API server, or any host, where the Service name goes.
    "llama-leader.other-namespace/8000/v1/models",
    "llama-leader.other-namespace.svc.cluster.local/8000/v1/models",
    "kubernetes.default/443/v1/models",
    "llama-leader@evil.example.com/8000/v1/models",
    "llama-leader:80/8000/v1/models",
    "127.0.0.1/8000/v1/models",
    # Ports that are not plain decimal numbers in range.
    "llama-leader/0x1f40/v1/models",
    "llama-leader/80000/v1/models",
    "llama-leader/-1/v1/models",
    "llama-leader/%38%30/v1/models",
    # An absolute URL or a user-info trick where the path goes.
    "llama-leader/8000/@evil.example.com/v1/models",
    "llama-leader/8000/https:%2F%2Fevil.example.com/v1/models",
]


@pytest.mark.parametrize("path", ENDPOINT_TRICKS)
@pytest.mark.parametrize("route", ["endpoints", "probe"])
async def test_endpoint_path_tricks_never_leave_the_server(
    raw_request, upstream_calls, route, path
):
    # The probe takes `<service>/<port>` only: whatever follows the port spoils the port.
    method = "POST" if route == "probe" else "GET"
    status, payload = await raw_request(method, f"lws/api/{route}/{path}")
    if status == 400:
        # Tornado itself refuses a path that is not UTF-8 once decoded (overlong encodings).
        assert payload["message"].startswith("Invalid unicode in url"), payload
    else:
        assert status == 403, payload
        assert payload["message"].startswith("jupyterlab-lws does not forward"), payload
    assert upstream_calls == []


@pytest.mark.parametrize(
    "target",
    [
        "http://evil.example.com/lws/api/k8s/api/v1/namespaces/{ns}/pods",
        "https://127.0.0.1:6443/lws/api/k8s/api/v1/namespaces/{ns}/pods",
        "//evil.example.com/lws/api/k8s/api/v1/namespaces/{ns}/pods",
        "http://evil.example.com/lws/api/endpoints/llama-leader/8000/v1/models",
    ],
)
async def test_absolute_uri_request_targets_reach_nothing(
    http_server, jp_http_port, jp_base_url, jp_auth_header, namespace, upstream_calls, target
):
    """An absolute-form request target (as sent to a forward proxy) is not a route here."""
    target = target.format(ns=namespace).replace("/lws/", f"{jp_base_url}lws/")
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    head = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1"]
    head += [f"{name}: {value}" for name, value in jp_auth_header.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(65536), timeout=10)
    finally:
        writer.close()
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 403, 404), answer[:200]
    assert upstream_calls == []


@pytest.fixture
def upstream_requests(jp_serverapp) -> list[httpx.Request]:
    """Every request the extension sends to the API server or an endpoint, headers included."""
    seen: list[httpx.Request] = []
    for key in ("lws_kube", "lws_endpoints"):
        upstream = jp_serverapp.web_app.settings[key]
        make_client = upstream._http

        def make(make_client=make_client) -> httpx.AsyncClient:
            http_client = make_client()
            if not getattr(http_client, "_recording_headers", False):
                send = http_client.send

                async def recording(request, *args, **kwargs):
                    seen.append(request)
                    return await send(request, *args, **kwargs)

                http_client.send = recording
                http_client._recording_headers = True
            return http_client

        upstream._http = make
    return seen


OVERRIDES = {
    "X-HTTP-Method-Override": "DELETE",
    "X-HTTP-Method": "DELETE",
    "X-Method-Override": "DELETE",
}


async def test_method_override_headers_are_not_forwarded(raw_request, upstream_requests, namespace):
    """A read stays a read: the override headers never reach the API server."""
    status, _ = await raw_request(
        "GET", f"lws/api/k8s/api/v1/namespaces/{namespace}/services", headers=OVERRIDES
    )
    assert status == 200
    assert [request.method for request in upstream_requests] == ["GET"]
    sent = {name.lower() for name in upstream_requests[0].headers}
    assert sent.isdisjoint(name.lower() for name in OVERRIDES)


async def test_method_override_headers_do_not_reach_an_endpoint(
    raw_request, upstream_requests, make_service
):
    from .test_endpoint_faults import BadEndpoint, never_answer

    server = BadEndpoint(never_answer)
    await server.start()
    try:
        leader = make_service(server.port)
        # GET /v1/chat/completions is not served: the override must not make it a POST.
        status, payload = await raw_request(
            "GET",
            f"lws/api/endpoints/{leader}/{server.port}/v1/chat/completions",
            headers={
                **OVERRIDES,
                "X-HTTP-Method-Override": "POST",
            },
        )
    finally:
        await server.stop()
    assert status == 403, payload
    assert server.accepted == 0
    assert all(request.url.port != server.port for request in upstream_requests)


@pytest.mark.parametrize(
    "query", ["_method=DELETE", "method=DELETE", "x-http-method-override=DELETE"]
)
async def test_method_override_query_parameters_are_refused(
    raw_request, upstream_calls, namespace, query
):
    status, payload = await raw_request(
        "GET", f"lws/api/k8s/api/v1/namespaces/{namespace}/services?{query}"
    )
    assert status == 403
    assert "is not forwarded to the API server" in payload["reason"]
    assert upstream_calls == []


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "OPTIONS"])
async def test_unusual_methods_reach_nothing(raw_request, upstream_calls, namespace, method):
    for route in (
        f"lws/api/k8s/api/v1/namespaces/{namespace}/services",
        "lws/api/endpoints/llama-leader/8000/v1/models",
        "lws/api/probe/llama-leader/8000",
    ):
        status, body = await raw_request(method, route)
        if method == "OPTIONS":
            # Jupyter answers a CORS preflight itself, with no body and no CORS grant.
            assert (status, body) == (200, b""), (route, status, body)
        else:
            assert status in (400, 405), (method, route, status)
    assert upstream_calls == []


BODY_ROUTES = [
    "lws/api/endpoints/llama-leader/8000/v1/chat/completions",
    "lws/api/probe/llama-leader/8000",
    "lws/api/k8s/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
]


@pytest.mark.parametrize("route", BODY_ROUTES)
@pytest.mark.parametrize("length", [4 * 1024 * 1024 + 1, 10**30])
async def test_an_announced_oversized_body_is_413_and_the_server_stays_up(
    client, jp_http_port, jp_base_url, jp_auth_header, upstream_calls, route, length
):
    headers = {**jp_auth_header, "Content-Type": "application/json"}
    answer = await announce_body(jp_http_port, jp_base_url + route, headers, length)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"RequestEntityTooLarge" in answer
    assert upstream_calls == []
    assert (await client.get("lws/api/context")).status_code == 200


@pytest.mark.parametrize("route", BODY_ROUTES)
async def test_an_unannounced_oversized_body_is_cut_off_and_the_server_stays_up(
    client, jp_http_port, jp_base_url, jp_auth_header, upstream_calls, route
):
    """A chunked body gives no length to refuse up front: reading stops at the limit."""
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    head = [
        f"POST {jp_base_url}{route} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
    ]
    head += [f"{name}: {value}" for name, value in jp_auth_header.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    piece = b"%x\r\n%s\r\n" % (1024 * 1024, b" " * 1024 * 1024)
    answer = b""
    try:
        for _ in range(8):  # twice the limit, unless the server hangs up first
            writer.write(piece)
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(65536), timeout=10)
    except ConnectionError:
        answer = b""  # the server closed the connection while the body was still coming
    finally:
        writer.close()
    assert not answer.startswith(b"HTTP/1.1 2"), answer[:200]
    assert upstream_calls == []
    assert (await client.get("lws/api/context")).status_code == 200


MUTATING = [
    ("POST", "lws/api/endpoints/{leader}/8000/v1/chat/completions", {"stream": True}),
    ("POST", "lws/api/probe/{leader}/8000", {"model": "m", "prompt": "p"}),
    ("POST", "lws/api/k8s/api/v1/namespaces/{ns}/services", {"kind": "Service"}),
    ("PATCH", "lws/api/k8s/api/v1/namespaces/{ns}/services/{leader}", {"kind": "Service"}),
    ("DELETE", "lws/api/k8s/api/v1/namespaces/{ns}/services/{leader}", None),
]


@pytest.mark.parametrize(("method", "route", "body"), MUTATING)
async def test_cookie_sessions_cannot_write_without_the_xsrf_token(
    server_url, jp_serverapp, upstream_calls, namespace, cluster, method, route, body
):
    """A page of another site can make the browser send the login cookie, not the XSRF token:
    every mutating route is refused by Jupyter before the extension sends anything."""
    leader = "llama-leader"
    url = route.format(ns=namespace, leader=leader)
    async with httpx.AsyncClient(base_url=server_url, trust_env=False, timeout=30) as session:
        await log_in(session, jp_serverapp.identity_provider.token)
        upstream_calls.clear()
        content = None if body is None else json.dumps(body)
        headers = {
            "Content-Type": "application/merge-patch+json"
            if method == "PATCH"
            else "application/json"
        }
        response = await session.request(method, url, content=content, headers=headers)
    assert response.status_code == 403
    assert "_xsrf" in response.text
    assert upstream_calls == []
