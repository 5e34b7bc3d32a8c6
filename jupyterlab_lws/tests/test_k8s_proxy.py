"""The allow-listed Kubernetes proxy, against the real local cluster (editor account)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import httpx
import pytest

from .conftest import announce_body, unique

FIELD_MANAGER = "jupyterlab-lws-tests"
LWS_API = "apis/leaderworkerset.x-k8s.io/v1"


def service(name: str, **labels: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "tests", **labels}},
        "spec": {
            "selector": {"leaderworkerset.sigs.k8s.io/name": name, "role": "leader"},
            "ports": [{"name": "http", "port": 31000, "targetPort": 31000}],
        },
    }


def leaderworkerset(name: str, size: int = 2) -> str:
    """A minimal LeaderWorkerSet that LWS v0.7.0 accepts, as server-side apply YAML."""
    return f"""\
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata:
  name: {name}
  labels:
    app.kubernetes.io/managed-by: jupyterlab-lws
spec:
  replicas: 1
  leaderWorkerTemplate:
    size: {size}
    restartPolicy: RecreateGroupOnPodRestart
    workerTemplate:
      spec:
        containers:
        - name: engine
          image: registry.invalid/engine:0.0.1
          resources:
            limits:
              nvidia.com/gpu: "1"
"""


# -- reading ----------------------------------------------------------------------------------


async def test_lists_pods_and_leaderworkersets(k8s, namespace):
    status, pods = await k8s("GET", f"api/v1/namespaces/{namespace}/pods", params={"limit": "5"})
    assert status == 200
    assert pods["kind"] == "PodList"
    status, sets = await k8s("GET", f"{LWS_API}/namespaces/{namespace}/leaderworkersets")
    assert status == 200
    assert sets["kind"] == "LeaderWorkerSetList"
    status, claim = await k8s(
        "GET", f"api/v1/namespaces/{namespace}/persistentvolumeclaims/models-pvc"
    )
    assert status == 200
    assert claim["spec"]["volumeName"]


async def test_logs_of_a_missing_pod_return_the_kubernetes_status(k8s, namespace):
    status, body = await k8s(
        "GET", f"api/v1/namespaces/{namespace}/pods/no-such-pod/log", params={"tailLines": "10"}
    )
    assert status == 404
    assert body["kind"] == "Status"
    assert body["reason"] == "NotFound"
    assert body["message"] == 'pods "no-such-pod" not found'


async def test_the_log_of_a_pod_not_yet_on_a_node_is_an_empty_answer(
    k8s, namespace, cluster, cleanup
):
    # The API server answers 204 No Content for it (a group being recreated shows this often).
    name = unique()
    cleanup("pod", name)
    cluster.kubectl(
        "run", name, "-n", namespace, "--image=registry.invalid/none:0.0.1",
        '--overrides={"spec": {"nodeSelector": {"jupyterlab-lws.io/no-such-node": "x"}}}',
    )  # fmt: skip
    path = f"api/v1/namespaces/{namespace}/pods/{name}/log"
    for params in ({"tailLines": "10"}, {"tailLines": "10", "follow": "true"}):
        status, body = await k8s("GET", path, params=params)
        assert (status, body) == (204, {})
    status, _ = await k8s("GET", f"api/v1/namespaces/{namespace}/pods", params={"limit": "1"})
    assert status == 200


# -- writing ----------------------------------------------------------------------------------


async def test_creates_gets_and_deletes_a_service(k8s, namespace, cleanup):
    name = unique()
    cleanup("service", name)
    collection = f"api/v1/namespaces/{namespace}/services"
    status, created = await k8s("POST", collection, body=service(name))
    assert status == 201
    assert created["metadata"]["name"] == name
    status, again = await k8s("POST", collection, body=service(name))
    # Kubernetes' own answer, intact, so the UI can show why.
    assert status == 409
    assert (again["kind"], again["reason"]) == ("Status", "AlreadyExists")
    status, got = await k8s("GET", f"{collection}/{name}")
    assert status == 200
    assert got["spec"]["ports"][0]["port"] == 31000
    status, _ = await k8s("DELETE", f"{collection}/{name}")
    assert status == 200
    status, gone = await k8s("GET", f"{collection}/{name}")
    assert (status, gone["reason"]) == (404, "NotFound")


async def test_server_side_apply_dry_run_of_a_leaderworkerset(k8s, namespace):
    name = unique("llama")
    path = f"{LWS_API}/namespaces/{namespace}/leaderworkersets/{name}"
    params = {
        "dryRun": "All",
        "fieldValidation": "Strict",
        "fieldManager": FIELD_MANAGER,
        "force": "true",
    }
    status, applied = await k8s(
        "PATCH",
        path,
        body=leaderworkerset(name),
        content_type="application/apply-patch+yaml",
        params=params,
    )
    assert status == 201, applied
    assert applied["kind"] == "LeaderWorkerSet"
    assert applied["spec"]["leaderWorkerTemplate"]["size"] == 2
    # Defaults filled in by the CRD schema / LWS webhook show it went through admission.
    assert applied["spec"]["startupPolicy"] == "LeaderCreated"
    managers = {entry["manager"] for entry in applied["metadata"]["managedFields"]}
    assert FIELD_MANAGER in managers
    # A dry run persists nothing.
    status, _ = await k8s("GET", path)
    assert status == 404


async def test_strict_field_validation_errors_reach_the_browser(k8s, namespace):
    """Kubernetes' own words about an unknown field, status code included, for the UI to show.

    Server-side apply answers an undeclared field with 500 "failed to create typed patch
    object ... field not declared in schema"; a create with fieldValidation=Strict with 400
    "strict decoding error: unknown field". Both pass through unchanged.
    """
    name = unique("llama")
    manifest = leaderworkerset(name).replace("    size: 2\n", "    size: 2\n    sise: 3\n")
    collection = f"{LWS_API}/namespaces/{namespace}/leaderworkersets"
    strict = {"dryRun": "All", "fieldValidation": "Strict", "fieldManager": FIELD_MANAGER}
    status, body = await k8s(
        "PATCH",
        f"{collection}/{name}",
        body=manifest,
        content_type="application/apply-patch+yaml",
        params=strict,
    )
    assert (status, body["kind"], body["code"]) == (500, "Status", 500), body
    assert ".spec.leaderWorkerTemplate.sise: field not declared in schema" in body["message"]

    status, body = await k8s(
        "POST", collection, body=manifest, content_type="application/yaml", params=strict
    )
    assert (status, body["kind"], body["reason"]) == (400, "Status", "BadRequest"), body
    assert 'unknown field "spec.leaderWorkerTemplate.sise"' in body["message"]


async def test_a_leaderworkerset_creates_its_pods(k8s, namespace, cleanup):
    """Server-side apply for real: the LWS controller creates the group's pods (kwok runs
    them), and the proxy lists them by the labels LWS sets; deleting the LWS removes them."""
    name = unique("llama")
    cleanup("leaderworkerset", name)
    path = f"{LWS_API}/namespaces/{namespace}/leaderworkersets/{name}"
    status, body = await k8s(
        "PATCH",
        path,
        body=leaderworkerset(name),
        content_type="application/apply-patch+yaml",
        params={"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict"},
    )
    assert status == 201, body
    selector = {"labelSelector": f"leaderworkerset.sigs.k8s.io/name={name}"}
    deadline = time.monotonic() + 60
    names: list[str] = []
    while time.monotonic() < deadline:
        status, pods = await k8s("GET", f"api/v1/namespaces/{namespace}/pods", params=selector)
        assert status == 200
        names = sorted(p["metadata"]["name"] for p in pods["items"])
        if len(names) == 2:
            break
        await asyncio.sleep(1)
    assert names == [f"{name}-0", f"{name}-0-1"]
    status, lws = await k8s("GET", path)
    assert (status, lws["spec"]["leaderWorkerTemplate"]["size"]) == (200, 2)
    # RBAC stays the final authority: the guide's Role names `leaderworkersets` only, so the
    # allow-listed /scale subresource is refused by the API server, and its Status comes through.
    status, scale = await k8s("GET", f"{path}/scale")
    assert (status, scale["kind"], scale["reason"]) == (403, "Status", "Forbidden"), scale
    assert "leaderworkersets/scale" in scale["message"]
    status, _ = await k8s("DELETE", path, params={"propagationPolicy": "Foreground"})
    assert status == 200


def token_secret(name: str, value: str, **changes) -> dict:
    """The token Secret in the shape the product writes (src/model/manifests.ts)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "jupyterlab-lws"}},
        "type": "Opaque",
        "stringData": {"token": value},
        **changes,
    }


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


async def test_secrets_are_written_but_never_read_back(
    k8s, namespace, cluster, cleanup, upstream_calls
):
    name = unique("hf-token")
    cleanup("secret", name)
    value = "hf_" + uuid.uuid4().hex
    collection = f"api/v1/namespaces/{namespace}/secrets"
    status, created = await k8s("POST", collection, body=token_secret(name, value))
    assert status == 201
    assert created["metadata"]["name"] == name
    assert created["metadata"]["uid"]
    assert set(created) == {"apiVersion", "kind", "metadata", "type"}
    assert value not in json.dumps(created)
    assert b64(value) not in json.dumps(created)
    # It was stored with its value (as the admin sees it).
    stored = cluster.kubectl("get", "secret", name, "-n", namespace, "-o", "jsonpath={.data.token}")
    assert stored == b64(value)

    new_value = "hf_" + uuid.uuid4().hex
    status, patched = await k8s(
        "PATCH",
        f"{collection}/{name}",
        body=token_secret(name, new_value),
        content_type="application/apply-patch+yaml",
        params={"fieldManager": FIELD_MANAGER, "force": "true"},
    )
    assert status == 200
    assert set(patched["metadata"]) <= {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
        "labels",
    }
    assert new_value not in json.dumps(patched)
    assert b64(new_value) not in json.dumps(patched)

    upstream_calls.clear()
    for path in (f"{collection}/{name}", collection):
        status, refused = await k8s("GET", path)
        assert status == 403
        assert "secret values are never read back" in refused["reason"]
    status, _ = await k8s("GET", collection, params={"watch": "1"})
    assert status == 403
    assert upstream_calls == []

    status, deleted = await k8s("DELETE", f"{collection}/{name}")
    assert status == 200
    assert new_value not in json.dumps(deleted)
    assert "data" not in deleted


@pytest.fixture
async def stored_secret(cluster, namespace, cleanup) -> tuple[str, str]:
    """``(name, value)`` of a token Secret made by the admin, as a user's would be."""
    name = unique("hf-token")
    value = "hf_" + uuid.uuid4().hex
    cleanup("secret", name)
    cluster.kubectl(
        "apply", "-n", namespace, "-f", "-", stdin=json.dumps(token_secret(name, value))
    )
    return name, value


@pytest.mark.parametrize(
    "patch",
    [
        # Each of these, as a dry run, used to come back with the value in the answer.
        [{"op": "copy", "from": "/data/token", "path": "/metadata/annotations/x"}],
        [{"op": "move", "from": "/data/token", "path": "/metadata/annotations/x"}],
        # ...or in the 422 message that names the invalid label or type.
        [{"op": "copy", "from": "/data/token", "path": "/metadata/labels/x"}],
        [{"op": "copy", "from": "/data/token", "path": "/type"}],
        # ...or answered 200 or 422: a guessing oracle.
        [{"op": "test", "path": "/data/token", "value": "aGZf"}],
    ],
)
async def test_json_patches_cannot_read_a_secret(
    k8s, namespace, stored_secret, upstream_calls, patch
):
    name, value = stored_secret
    upstream_calls.clear()
    status, answer = await k8s(
        "PATCH",
        f"api/v1/namespaces/{namespace}/secrets/{name}",
        body=patch,
        content_type="application/json-patch+json",
        params={"dryRun": "All"},
    )
    assert status == 403
    assert "JSON Patch and merge patches are refused" in answer["reason"]
    assert value not in json.dumps(answer)
    assert b64(value) not in json.dumps(answer)
    assert upstream_calls == []


async def test_a_service_account_token_cannot_be_minted(
    k8s, namespace, cluster, cleanup, upstream_calls
):
    name = unique("minted")
    cleanup("secret", name)
    minted = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "annotations": {"kubernetes.io/service-account.name": "default-editor"},
        },
        "type": "kubernetes.io/service-account-token",
    }
    status, answer = await k8s("POST", f"api/v1/namespaces/{namespace}/secrets", body=minted)
    assert status == 403
    assert "type Opaque" in answer["reason"]
    assert upstream_calls == []
    assert cluster.kubectl("get", "secrets", "-n", namespace, "-o", "name").count(name) == 0


async def test_the_api_servers_error_messages_about_secrets_are_not_echoed(
    k8s, namespace, stored_secret
):
    name, _ = stored_secret
    # An invalid label value: the API server's 422 quotes it back in its message and causes.
    quoted = "not a valid label value " + uuid.uuid4().hex
    body = token_secret(name, "hf_x")
    body["metadata"]["labels"]["app.kubernetes.io/name"] = quoted
    status, answer = await k8s(
        "PATCH",
        f"api/v1/namespaces/{namespace}/secrets/{name}",
        body=body,
        content_type="application/apply-patch+yaml",
        params={"fieldManager": FIELD_MANAGER, "dryRun": "All"},
    )
    assert status == 422
    assert answer["reason"] == "Invalid"
    assert quoted not in json.dumps(answer)
    assert "details are withheld" in answer["message"]


@pytest.mark.parametrize("query", ["watch=yes", "watch=1&watch=false", "watch=", "watch=on"])
async def test_watch_values_kubernetes_reads_as_true_are_refused(
    raw_request, upstream_calls, namespace, query
):
    status, payload = await raw_request(
        "GET", f"lws/api/k8s/api/v1/namespaces/{namespace}/resourcequotas?{query}"
    )
    assert status == 403
    assert "watch" in payload["reason"]
    assert upstream_calls == []


async def test_a_body_over_the_limit_is_answered_413_before_it_is_read(
    client, jp_http_port, jp_base_url, jp_auth_header, namespace, upstream_calls
):
    target = f"{jp_base_url}lws/api/k8s/api/v1/namespaces/{namespace}/services"
    headers = {**jp_auth_header, "Content-Type": "application/json"}
    answer = await announce_body(jp_http_port, target, headers, 50 * 1024 * 1024)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413")
    payload = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert payload["reason"] == "RequestEntityTooLarge"
    assert "c.LwsServing.max_body_size" in payload["message"]
    assert upstream_calls == []
    # ...and the server is still serving, bodies under the limit included.
    ok = await client.get(f"lws/api/k8s/api/v1/namespaces/{namespace}/services")
    assert ok.status_code == 200


# -- watching ---------------------------------------------------------------------------------


async def test_watch_streams_events_as_they_happen(client, k8s, namespace, cleanup, jp_serverapp):
    name = unique()
    cleanup("service", name)
    collection = f"api/v1/namespaces/{namespace}/services"
    kube = jp_serverapp.web_app.settings["lws_kube"]
    params = {"watch": "1", "fieldSelector": f"metadata.name={name}", "timeoutSeconds": "120"}
    async with client.stream("GET", f"lws/api/k8s/{collection}", params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        lines = response.aiter_lines()
        assert kube.open_streams == 1

        status, _ = await k8s("POST", collection, body=service(name))
        assert status == 201
        added = json.loads(await asyncio.wait_for(anext(lines), timeout=10))
        assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", name)

        patch = {"metadata": {"labels": {"phase": "modified"}}}
        status, _ = await k8s(
            "PATCH",
            f"{collection}/{name}",
            body=patch,
            content_type="application/merge-patch+json",
        )
        assert status == 200
        # The stream is still open (timeoutSeconds is far away): events arrive as they happen.
        modified = json.loads(await asyncio.wait_for(anext(lines), timeout=10))
        assert modified["type"] == "MODIFIED"
        assert modified["object"]["metadata"]["labels"]["phase"] == "modified"
    # The browser went away: the upstream watch is closed now, not at its next event.
    started = time.monotonic()
    while kube.open_streams and time.monotonic() - started < 5:
        await asyncio.sleep(0.05)
    assert kube.open_streams == 0
    assert time.monotonic() - started < 2


async def test_many_watches_at_once(client, namespace, jp_serverapp):
    """More concurrent watches than tornado's default client allows (10) all stream."""
    collection = f"lws/api/k8s/api/v1/namespaces/{namespace}/events"
    kube = jp_serverapp.web_app.settings["lws_kube"]
    responses: list[httpx.Response] = await asyncio.gather(
        *(
            client.send(client.build_request("GET", collection, params={"watch": "1"}), stream=True)
            for _ in range(15)
        )
    )
    try:
        assert [r.status_code for r in responses] == [200] * 15
        assert kube.open_streams == 15
    finally:
        for response in responses:
            await response.aclose()


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        ("GET", "api/v1/namespaces/project-user-bob/pods", "namespace 'project-user-bob'"),
        ("GET", "api/v1/namespaces/kube-system/secrets", "namespace 'kube-system'"),
        ("GET", "api/v1/nodes", "cluster-scoped"),
        ("GET", "api/v1/namespaces", "cluster-scoped"),
        ("GET", "apis/rbac.authorization.k8s.io/v1/clusterroles", "not an API this proxy forwards"),
        ("GET", "api/v1/namespaces/{ns}/configmaps", "resource 'configmaps'"),
        (
            "POST",
            "api/v1/namespaces/{ns}/serviceaccounts/default-editor/token",
            "serviceaccounts/token",
        ),
        ("POST", "api/v1/namespaces/{ns}/pods/x/exec", "pods/exec"),
        ("POST", "api/v1/namespaces/{ns}/pods", "'create' on pods"),
        ("GET", "api/v1/namespaces/{ns}/services/x/proxy", "services/proxy"),
    ],
)
async def test_refuses_what_is_not_on_the_allow_list(
    k8s, namespace, upstream_calls, method, path, reason
):
    status, body = await k8s(method, path.format(ns=namespace))
    assert status == 403
    assert reason in body["reason"]
    assert body["message"].startswith("jupyterlab-lws does not forward")
    assert upstream_calls == []


ESCAPES = [
    "api/v1/namespaces/{ns}/pods/../../../../nodes",
    "api/v1/namespaces/{ns}/pods/..",
    "api/v1/namespaces/{ns}/pods/%2e%2e/%2e%2e/%2e%2e/%2e%2e/nodes",
    "api/v1/namespaces/{ns}/pods/%2E%2E%2F%2E%2E%2Fsecrets",
    "api/v1/namespaces/{ns}%2Fsecrets",
    "api/v1/namespaces/{ns}/pods%2F..%2F..%2Fsecrets",
    "api/v1/namespaces/{ns}/pods/%252e%252e/%252e%252e/secrets",
    "api/v1/namespaces/{ns}/secrets/%252F",
    "http://evil.example.com/api/v1/namespaces/{ns}/pods",
    "https:%2F%2Fevil.example.com/api/v1/nodes",
    "//evil.example.com/api/v1/namespaces/{ns}/pods",
    "api/v1//namespaces/{ns}/pods",
    "api/v1/namespaces/{ns}//pods",
    "api/v1/namespaces/{ns}/pods?watch=1&url=http://evil.example.com/",
]


@pytest.mark.parametrize("path", ESCAPES)
async def test_every_escape_attempt_is_refused_before_reaching_the_api_server(
    raw_request, namespace, upstream_calls, path
):
    # Sent byte for byte: no client here resolves `..` or decodes escapes first.
    status, body = await raw_request("GET", "lws/api/k8s/" + path.format(ns=namespace))
    assert status == 403, body
    assert body["reason"]
    assert upstream_calls == []
