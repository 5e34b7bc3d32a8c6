"""What the browser may ask of the Kubernetes API server and of the model endpoints.

Everything the proxies forward is decided here, by pure functions over the request line, so the
rules are readable in one table and unit-tested without a server (``tests/test_allowlist.py``).
Kubernetes RBAC stays the final authority; this table only narrows what a notebook can reach
(DESIGN.md, section 1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

__all__ = [
    "ENDPOINT_HEADERS",
    "ENDPOINT_PATHS",
    "FORWARDED_QUERY_PARAMS",
    "KUBE_CONTENT_TYPES",
    "QUERY_PARAM_VALUES",
    "RULES",
    "Decision",
    "Rule",
    "authorize",
    "authorize_endpoint",
    "endpoint_headers",
    "endpoint_service_problem",
    "kube_headers",
]


@dataclass(frozen=True)
class Rule:
    """One row of the allow-list: a namespaced resource (or subresource) and its verbs."""

    prefix: str
    """API path prefix: ``api/v1`` for the core group, ``apis/<group>/<version>`` otherwise."""
    resource: str
    """Plural resource name, with ``/<subresource>`` for subresources (``pods/log``)."""
    verbs: frozenset[str]
    """Kubernetes verbs (``get list watch create update patch delete``)."""
    streams: str | None = None
    """Query parameter that turns a GET into a long-lived stream (``watch`` or ``follow``)."""
    namespaced: bool = True
    why: str = ""
    """Reason given when a verb outside ``verbs`` is asked for."""


def _verbs(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ALL = _verbs("get list watch create update patch delete")
_LWS = "apis/leaderworkerset.x-k8s.io/v1"
_AUTHZ = "apis/authorization.k8s.io/v1"

# fmt: off
RULES: tuple[Rule, ...] = (
    #    prefix                   resource                    verbs                              streams
    Rule(_LWS,                    "leaderworkersets",         _ALL,                              "watch"),
    Rule(_LWS,                    "leaderworkersets/status",  _verbs("get")),
    Rule(_LWS,                    "leaderworkersets/scale",   _verbs("get update patch")),
    Rule("api/v1",                "services",                 _ALL,                              "watch"),
    Rule("apis/batch/v1",         "jobs",                     _ALL,                              "watch"),
    Rule("api/v1",                "pods",                     _verbs("get list watch delete"),   "watch",
         why="pods are created by the LeaderWorkerSet; they may only be read or deleted"),
    Rule("api/v1",                "pods/log",                 _verbs("get"),                     "follow"),
    Rule("api/v1",                "events",                   _verbs("get list watch"),          "watch"),
    Rule("apis/events.k8s.io/v1", "events",                   _verbs("list watch"),              "watch"),
    # Write-only, and only in the shapes the product sends: secret_policy.py checks the body.
    Rule("api/v1",                "secrets",                  _verbs("create patch delete"),
         why="secret values are never read back through JupyterLab; "
             "create, apply or delete the Secret instead"),
    Rule("api/v1",                "persistentvolumeclaims",   _verbs("get list watch"),          "watch"),
    Rule("api/v1",                "resourcequotas",           _verbs("get list")),
    Rule(_AUTHZ,                  "selfsubjectaccessreviews", _verbs("create"), namespaced=False),
    Rule(_AUTHZ,                  "selfsubjectrulesreviews",  _verbs("create"), namespaced=False),
)
# fmt: on

_BOOLEAN = re.compile(r"^(1|0|true|false)$")
_COUNT = re.compile(r"^[0-9]{1,10}$")
_SELECTOR = re.compile(r"^[A-Za-z0-9._/=!,() -]{1,1024}$")


def _one_of(*values: str) -> re.Pattern[str]:
    return re.compile("^(" + "|".join(map(re.escape, values)) + ")$")


# fmt: off
QUERY_PARAM_VALUES: dict[str, re.Pattern[str]] = {
    # lists and watches
    "watch":                _BOOLEAN,
    "resourceVersion":      _COUNT,
    "resourceVersionMatch": _one_of("NotOlderThan", "Exact"),
    "allowWatchBookmarks":  _BOOLEAN,
    "sendInitialEvents":    _BOOLEAN,
    "timeoutSeconds":       _COUNT,
    "labelSelector":        _SELECTOR,
    "fieldSelector":        _SELECTOR,
    "limit":                _COUNT,
    "continue":             re.compile(r"^[A-Za-z0-9+/=_-]{1,4096}$"),
    # logs
    "follow":               _BOOLEAN,
    "container":            re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"),
    "tailLines":            _COUNT,
    "sinceSeconds":         _COUNT,
    "sinceTime":            re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$"),
    "timestamps":           _BOOLEAN,
    "previous":             _BOOLEAN,
    "limitBytes":           _COUNT,
    # writes
    "dryRun":               _one_of("All"),
    "fieldManager":         re.compile(r"^[A-Za-z0-9._:-]{1,128}$"),
    "fieldValidation":      _one_of("Strict", "Warn", "Ignore"),
    "force":                _BOOLEAN,
    "propagationPolicy":    _one_of("Background", "Foreground", "Orphan"),
    "gracePeriodSeconds":   _COUNT,
    "pretty":               _BOOLEAN,
}
# fmt: on
"""Query parameters passed on to the API server, each with the only values it may take. Any
other parameter, a value outside its pattern, or a parameter given twice is refused, not
dropped: the API server reads booleans more loosely (anything but ``0``/``false`` is true) and
takes the first of two values, so only values that both sides read alike are forwarded."""

FORWARDED_QUERY_PARAMS: frozenset[str] = frozenset(QUERY_PARAM_VALUES)
"""The names of :data:`QUERY_PARAM_VALUES`."""

ENDPOINT_PATHS: dict[str, frozenset[str]] = {
    "v1/models": frozenset({"GET"}),
    "v1/chat/completions": frozenset({"POST"}),
    "v1/completions": frozenset({"POST"}),
    "health": frozenset({"GET"}),
    "version": frozenset({"GET"}),
    "metrics": frozenset({"GET"}),
}
"""OpenAI-compatible paths the smoke-test chat may reach on a Service (vLLM and SGLang serve
all of them), with their methods, and the engine's Prometheus ``metrics`` page (read only) that
the deployment detail shows."""

KUBE_CONTENT_TYPES: frozenset[str] = frozenset(
    {
        "application/json",
        "application/yaml",
        "application/apply-patch+yaml",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/json-patch+json",
    }
)
"""Request bodies forwarded to the API server: objects, and the four patch types (server-side
apply is ``application/apply-patch+yaml``)."""

ENDPOINT_HEADERS: tuple[str, ...] = ("Content-Type", "Accept")
"""The only request headers the chat proxy passes on to a model endpoint."""

_RULES = {(rule.prefix, rule.resource): rule for rule in RULES}
_PREFIXES = sorted({rule.prefix for rule in RULES}, key=len, reverse=True)
# Kubernetes object names are DNS-1123 subdomains: never a character that needs escaping.
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_SEGMENT_CHARS = re.compile(r"^[A-Za-z0-9._-]+$")
# Service names are DNS-1035 labels.
_SERVICE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_TRUE = {"1", "true"}  # the only true values _BOOLEAN lets through
_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`authorize`: whether to forward, why not, and what to forward."""

    allowed: bool
    reason: str = ""
    verb: str | None = None
    resource: str | None = None
    streaming: bool = False
    path: str = ""
    """Upstream path to request, rebuilt from the checked segments (no leading slash)."""
    query: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """Query parameters to forward, decoded."""


def _refuse(reason: str) -> Decision:
    return Decision(allowed=False, reason=reason)


_SHOWN_MAX = 80


def _shown(text: str) -> str:
    """``text`` quoted for a reason: at most 80 characters of it, with control, bidi and
    zero-width characters escaped, since reasons reach the browser and the server log."""
    short = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:_SHOWN_MAX])
    more = f"… ({len(text)} characters)" if len(text) > _SHOWN_MAX else ""
    return f"'{short}{more}'"


def _listed(names: list[str]) -> str:
    shown = ", ".join(map(_shown, names[:5]))
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _escape_reason(path: str) -> str | None:
    """Why ``path`` cannot be a plain Kubernetes API path, if it cannot."""
    if "%" in path:
        return "percent-encoded characters are not allowed in the path (Kubernetes names never need them)"
    if "://" in path or path.startswith("//"):
        return "absolute URLs are not allowed: this proxy only reaches the cluster's API server"
    if "\\" in path:
        return "backslashes are not allowed in the path"
    segments = path.split("/")
    if any(segment in {".", ".."} for segment in segments):
        return "relative path segments ('.' or '..') are not allowed"
    if any(segment == "" for segment in segments):
        return "empty path segments ('//', or a leading or trailing '/') are not allowed"
    if not all(_SEGMENT_CHARS.match(segment) for segment in segments):
        return "the path contains characters that never occur in a Kubernetes API path"
    return None


def _parse_query(query: str) -> tuple[tuple[tuple[str, str], ...], str | None]:
    if ";" in query:
        # Python splits on `&` only, Go drops pairs holding `;`: refuse rather than guess.
        return (), "';' is not allowed in the query string; separate parameters with '&'"
    pairs = tuple(parse_qsl(query, keep_blank_values=True))
    names = [key for key, _ in pairs]
    unknown = sorted(set(names) - FORWARDED_QUERY_PARAMS)
    if unknown:
        return (
            (),
            f"query parameter {_listed(unknown)} is not forwarded to the API server",
        )
    repeated = sorted({key for key in names if names.count(key) > 1})
    if repeated:
        return (), f"query parameter {_listed(repeated)} is given more than once"
    for key, value in pairs:
        if not QUERY_PARAM_VALUES[key].match(value):
            return (
                (),
                f"{_shown(value)} is not a value jupyterlab-lws forwards for query parameter {key!r}",
            )
    return pairs, None


def authorize(method: str, path: str, query: str, namespace: str) -> Decision:
    """Decide whether ``method path?query`` may be forwarded to the API server.

    ``path`` is the raw (still percent-encoded) request path below the proxy route, such as
    ``api/v1/namespaces/alice/pods``; ``query`` the raw query string; ``namespace`` the only
    namespace the notebook may reach. The decision carries the Kubernetes verb and the path and
    query to forward, or a reason a user can act on.
    """
    method = method.upper()
    escape = _escape_reason(path)
    if escape:
        return _refuse(escape)
    pairs, query_problem = _parse_query(query)
    if query_problem:
        return _refuse(query_problem)

    prefix = next((p for p in _PREFIXES if path == p or path.startswith(p + "/")), None)
    if prefix is None:
        return _refuse(
            f"{_shown(path)} is not an API this proxy forwards; it reaches the core API, "
            "LeaderWorkerSets, Jobs, events and access reviews only"
        )
    rest = path[len(prefix) + 1 :].split("/") if path != prefix else []

    if len(rest) == 1 and (prefix, rest[0]) in _RULES and not _RULES[(prefix, rest[0])].namespaced:
        rule = _RULES[(prefix, rest[0])]
        if method != "POST":
            return _refuse(f"{rule.resource} can only be created (POST), not read back")
        return Decision(True, verb="create", resource=rule.resource, path=path, query=pairs)

    if len(rest) < 3 or rest[0] != "namespaces":
        return _refuse(
            f"cluster-scoped requests are not allowed: only objects in namespace '{namespace}' "
            "can be reached from this notebook"
        )
    if rest[1] != namespace:
        return _refuse(
            f"namespace {_shown(rest[1])} is not allowed: this notebook may only reach its own "
            f"namespace '{namespace}'"
        )
    kind, name, sub = (
        rest[2],
        rest[3] if len(rest) > 3 else None,
        rest[4] if len(rest) > 4 else None,
    )
    if len(rest) > 5:
        return _refuse(f"{_shown(path)} is deeper than any allowed Kubernetes resource path")
    resource = f"{kind}/{sub}" if sub else kind
    rule = _RULES.get((prefix, resource))
    if rule is None or not rule.namespaced:
        allowed_here = sorted(r.resource for r in RULES if r.prefix == prefix and r.namespaced)
        what = "subresource" if sub else "resource"
        return _refuse(
            f"{what} {_shown(resource)} ({prefix}) is not allowed by jupyterlab-lws; "
            f"allowed here: {', '.join(allowed_here) or 'none'}"
        )
    if name is not None and not _NAME.match(name):
        return _refuse(f"{_shown(name)} is not a valid Kubernetes object name (DNS-1123 subdomain)")

    params = dict(pairs)
    watching = params.get("watch", "") in _TRUE
    streaming = bool(rule.streams) and params.get(rule.streams or "", "") in _TRUE
    if method == "GET":
        # `watch` asks for the watch verb wherever it appears, so it is refused where the
        # table has no watch (a buffered request would otherwise hang on a stream).
        verb = "watch" if watching else ("list" if name is None else "get")
    elif method in _METHOD_VERBS:
        collection = f"{prefix}/namespaces/{namespace}/{kind}"
        if name is None and method == "DELETE":
            verb = "deletecollection"
        elif name is None and method != "POST":
            return _refuse(f"{method} needs an object name: {collection}/<name>")
        elif name is not None and method == "POST":
            return _refuse(f"POST creates objects in a collection; send it to {collection}")
        else:
            verb = _METHOD_VERBS[method]
    else:
        return _refuse(f"method {method} is not forwarded")

    if verb not in rule.verbs:
        allowed_verbs = ", ".join(sorted(rule.verbs))
        because = f": {rule.why}" if rule.why else ""
        return _refuse(f"'{verb}' on {resource} is not allowed (allowed: {allowed_verbs}){because}")
    return Decision(
        True,
        verb=verb,
        resource=resource,
        streaming=streaming and method == "GET",
        path=path,
        query=pairs,
    )


def kube_headers(
    decision: Decision, request_headers: Mapping[str, str], *, has_body: bool
) -> tuple[dict[str, str], str | None]:
    """The headers to forward with a request :func:`authorize` allowed, or why its body is not
    forwarded (a Content-Type outside :data:`KUBE_CONTENT_TYPES`)."""
    headers: dict[str, str] = {}
    content_type = request_headers.get("Content-Type")
    if has_body:
        media_type = (content_type or "").split(";")[0].strip().lower()
        if media_type not in KUBE_CONTENT_TYPES:
            return {}, (
                f"Content-Type '{content_type}' is not forwarded; use one of "
                + ", ".join(sorted(KUBE_CONTENT_TYPES))
            )
        headers["Content-Type"] = content_type or ""
    accept = request_headers.get("Accept")
    if decision.resource == "secrets":
        # JSON only, so the values can be taken out of the answer (secret_policy.py).
        headers["Accept"] = "application/json"
    elif accept:
        headers["Accept"] = accept
    return headers, None


def endpoint_headers(request_headers: Mapping[str, str]) -> dict[str, str]:
    """The headers the chat proxy forwards to a model endpoint: :data:`ENDPOINT_HEADERS` only."""
    return {name: value for name in ENDPOINT_HEADERS if (value := request_headers.get(name))}


def authorize_endpoint(method: str, service: str, port: str, path: str, query: str) -> Decision:
    """Decide whether the chat proxy may forward ``method path`` to ``service:port``.

    Only a Service of the notebook's namespace, by DNS-1035 name and numeric port, and only the
    OpenAI-compatible paths of :data:`ENDPOINT_PATHS`: this is never an open proxy.
    """
    method = method.upper()
    if not _SERVICE.match(service) or len(service) > 63:
        return _refuse(
            f"{_shown(service)} is not a valid Service name (DNS-1035 label, at most 63 characters)"
        )
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        return _refuse(f"{_shown(port)} is not a port number (1-65535)")
    escape = _escape_reason(path) if path else "a path is required, e.g. v1/models"
    if escape:
        return _refuse(escape)
    methods = ENDPOINT_PATHS.get(path)
    if methods is None:
        return _refuse(
            f"{_shown('/' + path)} is not an allowed endpoint path; allowed: {', '.join('/' + p for p in ENDPOINT_PATHS)}"
        )
    if method not in methods:
        return _refuse(f"/{path} accepts {', '.join(sorted(methods))} only, not {method}")
    if query:
        return _refuse("query strings are not forwarded to model endpoints")
    return Decision(True, verb=method.lower(), resource="endpoint", streaming=True, path=path)


def endpoint_service_problem(service: dict | None, name: str, port: int) -> tuple[int, str] | None:
    """Why the chat proxy may not reach ``port`` of the Service ``service`` (as the API server
    returned it, or None when it does not exist), as ``(HTTP status, reason)``; None when it may.

    The endpoint URL is built from the Service's DNS name, so the Service must resolve to a
    cluster IP inside the cluster: an ``ExternalName`` Service is a DNS alias to anywhere, and
    a headless one resolves to its pods, allowed only for the LeaderWorkerSet's own.
    """
    if service is None:
        return 404, f"there is no Service '{name}' in this namespace"
    spec = service.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    if kind == "ExternalName":
        return 403, (
            f"Service '{name}' is of type ExternalName (an alias for "
            f"'{spec.get('externalName', '')}'): the chat proxy only reaches Services inside the cluster"
        )
    if kind not in {"ClusterIP", "NodePort", "LoadBalancer"}:
        return 403, f"Service '{name}' has type '{kind}', which the chat proxy does not reach"
    owners = (service.get("metadata") or {}).get("ownerReferences") or []
    owned_by_lws = any(
        owner.get("kind") == "LeaderWorkerSet"
        and str(owner.get("apiVersion", "")).startswith("leaderworkerset.x-k8s.io/")
        for owner in owners
    )
    if spec.get("clusterIP") == "None" and not owned_by_lws:
        return 403, (
            f"Service '{name}' is headless (no cluster IP): the chat proxy only reaches a "
            "headless Service that a LeaderWorkerSet owns"
        )
    ports = sorted(entry.get("port") for entry in spec.get("ports") or [] if entry.get("port"))
    if port not in ports:
        exposed = ", ".join(map(str, ports)) or "none"
        return 403, f"Service '{name}' does not expose port {port} (it exposes: {exposed})"
    return None
