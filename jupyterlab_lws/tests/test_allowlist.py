"""The allow-list as a pure function: no server, no cluster."""

import pytest

from jupyterlab_lws.allowlist import (
    RULES,
    authorize,
    authorize_endpoint,
    endpoint_headers,
    endpoint_service_problem,
    kube_headers,
)

NS = "project-user-alice"
CORE = f"api/v1/namespaces/{NS}"
LWS = f"apis/leaderworkerset.x-k8s.io/v1/namespaces/{NS}/leaderworkersets"
JOBS = f"apis/batch/v1/namespaces/{NS}/jobs"


# fmt: off
ALLOWED = [
    ("GET", f"{CORE}/pods", "", "list", False),
    ("GET", f"{CORE}/pods", "labelSelector=leaderworkerset.sigs.k8s.io%2Fname%3Dllama", "list", False),
    ("GET", f"{CORE}/pods", "watch=1&resourceVersion=12&allowWatchBookmarks=true", "watch", True),
    ("GET", f"{CORE}/pods", "watch=true", "watch", True),
    ("GET", f"{CORE}/pods", "watch=false", "list", False),
    ("GET", f"{CORE}/pods/llama-0", "", "get", False),
    ("DELETE", f"{CORE}/pods/llama-0", "propagationPolicy=Foreground", "delete", False),
    ("GET", f"{CORE}/pods/llama-0/log", "container=leader&tailLines=100", "get", False),
    ("GET", f"{CORE}/pods/llama-0/log", "follow=true&timestamps=true", "get", True),
    ("GET", f"{CORE}/services", "", "list", False),
    ("POST", f"{CORE}/services", "dryRun=All", "create", False),
    ("PATCH", f"{CORE}/services/llama-leader", "fieldManager=jupyterlab-lws&force=true", "patch", False),
    ("PUT", f"{CORE}/services/llama-leader", "", "update", False),
    ("DELETE", f"{CORE}/services/llama-leader", "", "delete", False),
    ("GET", f"{CORE}/events", "fieldSelector=involvedObject.name%3Dllama-0", "list", False),
    ("GET", f"{CORE}/events", "watch=1", "watch", True),
    ("GET", f"{CORE}/events/llama-0.17a", "", "get", False),
    ("GET", f"apis/events.k8s.io/v1/namespaces/{NS}/events", "watch=1", "watch", True),
    ("POST", f"{CORE}/secrets", "", "create", False),
    ("PATCH", f"{CORE}/secrets/hf-token", "fieldManager=jupyterlab-lws", "patch", False),
    ("DELETE", f"{CORE}/secrets/hf-token", "", "delete", False),
    ("GET", f"{CORE}/persistentvolumeclaims", "", "list", False),
    ("GET", f"{CORE}/persistentvolumeclaims/models-pvc", "", "get", False),
    ("GET", f"{CORE}/resourcequotas", "", "list", False),
    ("GET", f"{CORE}/resourcequotas/gpu-quota", "", "get", False),
    ("GET", LWS, "limit=50&continue=abc", "list", False),
    ("GET", LWS, "watch=1&timeoutSeconds=300", "watch", True),
    ("POST", LWS, "dryRun=All&fieldValidation=Strict", "create", False),
    ("PATCH", f"{LWS}/llama-70b", "dryRun=All&fieldManager=jupyterlab-lws&fieldValidation=Strict", "patch", False),
    ("PUT", f"{LWS}/llama-70b", "", "update", False),
    ("DELETE", f"{LWS}/llama-70b", "", "delete", False),
    ("GET", f"{LWS}/llama-70b/status", "", "get", False),
    ("GET", f"{LWS}/llama-70b/scale", "", "get", False),
    ("PATCH", f"{LWS}/llama-70b/scale", "", "patch", False),
    ("GET", JOBS, "", "list", False),
    ("POST", JOBS, "", "create", False),
    ("DELETE", f"{JOBS}/download-llama", "propagationPolicy=Background", "delete", False),
    ("POST", "apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "", "create", False),
    ("POST", "apis/authorization.k8s.io/v1/selfsubjectrulesreviews", "", "create", False),
]
# fmt: on


@pytest.mark.parametrize(("method", "path", "query", "verb", "streaming"), ALLOWED)
def test_allows_what_the_ui_needs(method, path, query, verb, streaming):
    decision = authorize(method, path, query, NS)
    assert decision.allowed, decision.reason
    assert decision.verb == verb
    assert decision.streaming is streaming
    assert decision.path == path


def test_forwards_query_parameters_decoded():
    decision = authorize("GET", f"{CORE}/pods", "labelSelector=a%3Db%2Cc+in+%28x%29&limit=5", NS)
    assert decision.query == (("labelSelector", "a=b,c in (x)"), ("limit", "5"))


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (f"{CORE}/pods/../../../nodes", "relative path segments"),
        (f"{CORE}/pods/..", "relative path segments"),
        (f"{CORE}/./pods", "relative path segments"),
        (f"{CORE}/pods/%2e%2e/%2e%2e/secrets", "percent-encoded"),
        (f"{CORE}/pods/%2E%2E", "percent-encoded"),
        (f"api/v1/namespaces/{NS}%2Fsecrets", "percent-encoded"),
        (f"{CORE}/pods%2F..%2F..%2Fsecrets", "percent-encoded"),
        (f"{CORE}/pods/%252e%252e/%252e%252e/secrets", "percent-encoded"),
        (f"{CORE}/pods/%25252F", "percent-encoded"),
        ("http://evil.example.com/api/v1/pods", "absolute URLs"),
        ("https://kubernetes.default.svc/api/v1/nodes", "absolute URLs"),
        ("//evil.example.com/api/v1/pods", "absolute URLs"),
        (f"api/v1//namespaces/{NS}/pods", "empty path segments"),
        (f"{CORE}//pods", "empty path segments"),
        (f"/{CORE}/pods", "empty path segments"),
        (f"{CORE}/pods/", "empty path segments"),
        (f"{CORE}/pods\\..\\secrets", "backslashes"),
        (f"{CORE}/pods/llama-0@evil", "characters that never occur"),
        (f"{CORE}/pods/llama 0", "characters that never occur"),
    ],
)
def test_refuses_paths_that_try_to_escape(path, reason):
    decision = authorize("GET", path, "", NS)
    assert not decision.allowed
    assert reason in decision.reason


# fmt: off
REFUSED = [
    ("GET", "api/v1/namespaces/project-user-bob/pods", "namespace 'project-user-bob' is not allowed"),
    ("GET", "apis/leaderworkerset.x-k8s.io/v1/namespaces/kube-system/leaderworkersets", "namespace 'kube-system'"),
    ("GET", "api/v1/nodes", "cluster-scoped"),
    ("GET", "api/v1/namespaces", "cluster-scoped"),
    ("GET", f"api/v1/namespaces/{NS}", "cluster-scoped"),
    ("GET", "api/v1/pods", "cluster-scoped"),
    ("GET", "apis/leaderworkerset.x-k8s.io/v1/leaderworkersets", "cluster-scoped"),
    ("GET", "apis/rbac.authorization.k8s.io/v1/namespaces/x/roles", "not an API this proxy forwards"),
    ("GET", "apis/apps/v1/namespaces/x/deployments", "not an API this proxy forwards"),
    ("GET", "version", "not an API this proxy forwards"),
    ("GET", f"{CORE}/configmaps", "resource 'configmaps'"),
    ("POST", f"{CORE}/serviceaccounts/default-editor/token", "subresource 'serviceaccounts/token'"),
    ("POST", f"{CORE}/pods/llama-0/exec", "subresource 'pods/exec'"),
    ("GET", f"{CORE}/pods/llama-0/exec", "subresource 'pods/exec'"),
    ("GET", f"{CORE}/pods/llama-0/attach", "subresource 'pods/attach'"),
    ("GET", f"{CORE}/pods/llama-0/portforward", "subresource 'pods/portforward'"),
    ("GET", f"{CORE}/pods/llama-0/proxy", "subresource 'pods/proxy'"),
    ("GET", f"{CORE}/services/llama-leader/proxy", "subresource 'services/proxy'"),
    ("GET", f"{CORE}/pods/llama-0/proxy/v1/models", "deeper than"),
    ("POST", f"{CORE}/pods", "'create' on pods is not allowed"),
    ("PATCH", f"{CORE}/pods/llama-0", "'patch' on pods is not allowed"),
    ("DELETE", f"{CORE}/services", "'deletecollection' on services"),
    ("DELETE", LWS, "'deletecollection' on leaderworkersets"),
    ("POST", f"{CORE}/events", "'create' on events"),
    ("DELETE", f"{CORE}/persistentvolumeclaims/models-pvc", "'delete' on persistentvolumeclaims"),
    ("PUT", f"{CORE}/resourcequotas/gpu-quota", "'update' on resourcequotas"),
    ("DELETE", f"{CORE}/resourcequotas/gpu-quota", "'delete' on resourcequotas"),
    ("GET", f"{LWS}/llama-70b/../../../secrets", "relative path segments"),
    ("PATCH", f"{LWS}/llama-70b/status", "'patch' on leaderworkersets/status"),
    ("GET", "apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "only be created"),
    ("PATCH", f"{CORE}/services", "needs an object name"),
    ("POST", f"{CORE}/services/llama-leader", "POST creates objects in a collection"),
    ("OPTIONS", f"{CORE}/pods", "method OPTIONS"),
    ("GET", f"{CORE}/pods/Llama_0", "not a valid Kubernetes object name"),
]
# fmt: on


@pytest.mark.parametrize(("method", "path", "reason"), REFUSED)
def test_refuses_other_namespaces_scopes_resources_and_verbs(method, path, reason):
    decision = authorize(method, path, "", NS)
    assert not decision.allowed
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", f"{CORE}/secrets", ""),
        ("GET", f"{CORE}/secrets", "watch=1"),
        ("GET", f"{CORE}/secrets/hf-token", ""),
        ("PUT", f"{CORE}/secrets/hf-token", ""),
    ],
)
def test_never_reads_a_secret_back(method, path, query):
    decision = authorize(method, path, query, NS)
    assert not decision.allowed
    assert "secret values are never read back" in decision.reason


@pytest.mark.parametrize(
    "path",
    [f"{CORE}/resourcequotas", f"{CORE}/pods/llama-0/log", f"{LWS}/llama-70b/status"],
)
def test_refuses_watch_where_the_table_has_no_watch(path):
    decision = authorize("GET", path, "watch=1", NS)
    assert not decision.allowed
    assert "'watch'" in decision.reason


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("watch=1&pretty=true&bogus=1", "'bogus'"),
        ("command=sh", "'command'"),
        ("limit=1&a", "'a'"),
    ],
)
def test_refuses_query_parameters_it_does_not_know(query, reason):
    decision = authorize("GET", f"{CORE}/pods", query, NS)
    assert not decision.allowed
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        # Kubernetes reads these as a watch; a looser reading here would take them for a list.
        ("watch=yes", "for query parameter 'watch'"),
        ("watch=on", "for query parameter 'watch'"),
        ("watch=", "for query parameter 'watch'"),
        ("watch=True", "for query parameter 'watch'"),
        # Kubernetes takes the first of two values, Python's dict the last.
        ("watch=1&watch=false", "'watch' is given more than once"),
        ("watch=false&watch=1", "'watch' is given more than once"),
        ("limit=1&limit=2", "'limit' is given more than once"),
        ("watch=1;watch=false", "';' is not allowed"),
        ("limit=-1", "for query parameter 'limit'"),
        ("limit=1e9", "for query parameter 'limit'"),
        ("dryRun=None", "for query parameter 'dryRun'"),
        ("propagationPolicy=Never", "for query parameter 'propagationPolicy'"),
        ("resourceVersion=abc", "for query parameter 'resourceVersion'"),
        ("labelSelector=a%3Db%0Ac", "for query parameter 'labelSelector'"),
        ("container=../etc", "for query parameter 'container'"),
    ],
)
def test_query_values_are_the_ones_kubernetes_reads_alike(query, reason):
    decision = authorize("GET", f"{CORE}/resourcequotas", query, NS)
    assert not decision.allowed
    assert reason in decision.reason


def test_every_rule_is_reachable():
    # The table has no dead rows: each resource admits at least one verb through authorize().
    for rule in RULES:
        if not rule.namespaced:
            assert authorize("POST", f"{rule.prefix}/{rule.resource}", "", NS).allowed
            continue
        kind, _, sub = rule.resource.partition("/")
        path = f"{rule.prefix}/namespaces/{NS}/{kind}" + (f"/x/{sub}" if sub else "")
        verb = sorted(rule.verbs)[0]
        method = {"get": "GET", "list": "GET", "create": "POST", "delete": "DELETE"}[verb]
        if verb in ("get", "delete") and not sub:
            path += "/x"
        if method == "POST" and sub:
            continue
        assert authorize(method, path, "", NS).allowed, rule


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "v1/models"),
        ("POST", "v1/chat/completions"),
        ("POST", "v1/completions"),
        ("GET", "health"),
        ("GET", "version"),
        ("GET", "metrics"),
    ],
)
def test_endpoint_allows_openai_paths(method, path):
    decision = authorize_endpoint(method, "llama-70b-leader", "31000", path, "")
    assert decision.allowed, decision.reason
    assert decision.path == path


@pytest.mark.parametrize(
    ("method", "service", "port", "path", "query", "reason"),
    [
        ("GET", "Llama", "8000", "v1/models", "", "not a valid Service name"),
        ("GET", "llama.evil.com", "8000", "v1/models", "", "not a valid Service name"),
        ("GET", "127.0.0.1", "8000", "v1/models", "", "not a valid Service name"),
        ("GET", "a" * 64, "8000", "v1/models", "", "not a valid Service name"),
        ("GET", "llama", "0", "v1/models", "", "not a port"),
        ("GET", "llama", "65536", "v1/models", "", "not a port"),
        ("GET", "llama", "80a", "v1/models", "", "not a port"),
        ("GET", "llama", "+80", "v1/models", "", "not a port"),
        ("GET", "llama", "\uff18\uff10", "v1/models", "", "not a port"),
        ("GET", "llama", "8000", "admin", "", "not an allowed endpoint path"),
        ("GET", "llama", "8000", "metrics/extra", "", "not an allowed endpoint path"),
        ("POST", "llama", "8000", "metrics", "", "accepts GET only"),
        ("GET", "llama", "8000", "metrics", "name[]=vllm:x", "query strings"),
        ("GET", "llama", "8000", "v1/models/../../admin", "", "relative path segments"),
        ("GET", "llama", "8000", "v1%2Fmodels", "", "percent-encoded"),
        ("GET", "llama", "8000", "http://evil/v1/models", "", "absolute URLs"),
        ("GET", "llama", "8000", "", "", "a path is required"),
        ("GET", "llama", "8000", "v1/chat/completions", "", "accepts POST only"),
        ("DELETE", "llama", "8000", "v1/models", "", "accepts GET only"),
        ("GET", "llama", "8000", "v1/models", "url=http://evil", "query strings"),
    ],
)
def test_endpoint_is_never_an_open_proxy(method, service, port, path, query, reason):
    decision = authorize_endpoint(method, service, port, path, query)
    assert not decision.allowed
    assert reason in decision.reason


def _service(**spec) -> dict:
    owners = spec.pop("owners", [])
    return {
        "metadata": {"name": "llama-leader", "ownerReferences": owners},
        "spec": {"ports": [{"name": "http", "port": 8000}], **spec},
    }


_LWS_OWNER = {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet"}


@pytest.mark.parametrize(
    ("service", "port", "status", "reason"),
    [
        (None, 8000, 404, "there is no Service 'llama-leader'"),
        (_service(type="ExternalName", externalName="evil.example.com"), 8000, 403, "ExternalName"),
        (_service(clusterIP="None"), 8000, 403, "headless"),
        (_service(), 9999, 403, "does not expose port 9999 (it exposes: 8000)"),
        (_service(ports=[]), 8000, 403, "it exposes: none"),
    ],
)
def test_endpoint_service_must_be_in_cluster_and_expose_the_port(service, port, status, reason):
    problem = endpoint_service_problem(service, "llama-leader", port)
    assert problem is not None
    assert problem[0] == status
    assert reason in problem[1]


@pytest.mark.parametrize(
    "service",
    [
        _service(),
        _service(type="ClusterIP", clusterIP="10.0.0.7"),
        _service(type="NodePort"),
        _service(clusterIP="None", owners=[_LWS_OWNER]),
    ],
)
def test_endpoint_service_with_a_cluster_address_is_reached(service):
    assert endpoint_service_problem(service, "llama-leader", 8000) is None


def _allowed(method: str, path: str, query: str = ""):
    decision = authorize(method, path, query, NS)
    assert decision.allowed, decision.reason
    return decision


@pytest.mark.parametrize(
    "content_type",
    [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json; charset=utf-8",
        "Application/JSON",
    ],
)
def test_kube_headers_forward_the_api_servers_body_types(content_type):
    decision = _allowed("PATCH", f"{LWS}/llama")
    headers, problem = kube_headers(
        decision, {"Content-Type": content_type, "Accept": "application/yaml"}, has_body=True
    )
    assert problem is None
    assert headers == {"Content-Type": content_type, "Accept": "application/yaml"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_kube_headers_refuse_a_body_of_another_type(content_type):
    decision = _allowed("POST", f"{CORE}/services")
    request = {"Content-Type": content_type} if content_type else {}
    headers, problem = kube_headers(decision, request, has_body=True)
    assert headers == {}
    assert problem is not None
    assert f"Content-Type '{content_type}' is not forwarded" in problem
    assert "application/apply-patch+yaml" in problem


def test_kube_headers_without_a_body_forward_no_content_type():
    decision = _allowed("GET", f"{CORE}/pods")
    headers, problem = kube_headers(decision, {"Content-Type": "text/plain"}, has_body=False)
    assert (headers, problem) == ({}, None)


def test_kube_headers_ask_secrets_for_json_whatever_the_browser_accepts():
    decision = _allowed("PATCH", f"{CORE}/secrets/hf-token", "fieldManager=jupyterlab-lws")
    headers, problem = kube_headers(
        decision,
        {"Content-Type": "application/apply-patch+yaml", "Accept": "application/yaml"},
        has_body=True,
    )
    assert problem is None
    assert headers["Accept"] == "application/json"


def test_endpoint_headers_pass_only_content_type_and_accept():
    request = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
        "Authorization": "token abc",
        "Cookie": "_xsrf=1",
    }
    assert endpoint_headers(request) == {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
    }
