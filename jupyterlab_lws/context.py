"""What the UI needs to know before it offers anything: where it is and what it may do."""

from __future__ import annotations

import asyncio
from typing import Any

from .kube_client import KubeClient
from .permissions import (
    REQUIRED,
    admin_commands,
    rules_allow,
    service_account_from_username,
    username_from_token,
)

__all__ = ["ApiError", "load_context"]

LWS_GROUP = "leaderworkerset.x-k8s.io"


class ApiError(RuntimeError):
    """The API server answered a request the context needs with an error status."""

    def __init__(self, what: str, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else None
        super().__init__(
            f"{what}: the API server answered {status}" + (f": {message}" if message else "")
        )
        self.status = status


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


async def _server_version(kube: KubeClient) -> dict[str, Any]:
    response = await kube.request("GET", "version")
    if response.status_code != 200:
        raise ApiError("reading the server version", response.status_code, _json(response))
    return response.json()


async def _lws_versions(kube: KubeClient) -> list[str]:
    """Served versions of the LeaderWorkerSet API group; empty when the CRD is not installed."""
    response = await kube.request("GET", f"apis/{LWS_GROUP}")
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise ApiError("discovering LeaderWorkerSet", response.status_code, _json(response))
    return [v["version"] for v in response.json().get("versions", []) if "version" in v]


async def _username(kube: KubeClient) -> str | None:
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    response = await kube.request_json(
        "POST", "apis/authentication.k8s.io/v1/selfsubjectreviews", review
    )
    if response.status_code == 201 or response.status_code == 200:
        name = ((response.json().get("status") or {}).get("userInfo") or {}).get("username")
        if isinstance(name, str):
            return name
    # Older API servers have no SelfSubjectReview: the token's `sub` names the account.
    return username_from_token(kube.token.read())


async def _access_review(
    kube: KubeClient, namespace: str, group: str, resource: str, verb: str
) -> bool:
    base, _, sub = resource.partition("/")
    attributes = {"namespace": namespace, "verb": verb, "group": group, "resource": base}
    if sub:
        attributes["subresource"] = sub
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    response = await kube.request_json(
        "POST", "apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review
    )
    if response.status_code not in (200, 201):
        raise ApiError("checking access", response.status_code, _json(response))
    return bool((response.json().get("status") or {}).get("allowed"))


async def check_permissions(kube: KubeClient, namespace: str) -> dict[str, dict[str, bool]]:
    """``{resource: {verb: allowed}}`` for every right in :data:`.permissions.REQUIRED`.

    One SelfSubjectRulesReview answers nearly always; when the API server says its list is
    incomplete (webhook authorizers), what it did not grant is asked again, one
    SelfSubjectAccessReview per verb.
    """
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": namespace},
    }
    response = await kube.request_json(
        "POST", "apis/authorization.k8s.io/v1/selfsubjectrulesreviews", review
    )
    if response.status_code not in (200, 201):
        raise ApiError("reviewing access rules", response.status_code, _json(response))
    status = response.json().get("status") or {}
    rules = status.get("resourceRules") or []
    permissions = {
        right.resource: {
            verb: rules_allow(rules, right.group, right.resource, verb) for verb in right.verbs
        }
        for right in REQUIRED
    }
    if status.get("incomplete"):
        unknown = [
            (right, verb)
            for right in REQUIRED
            for verb in right.verbs
            if not permissions[right.resource][verb]
        ]
        answers = await asyncio.gather(
            *(_access_review(kube, namespace, r.group, r.resource, v) for r, v in unknown)
        )
        for (right, verb), allowed in zip(unknown, answers, strict=True):
            permissions[right.resource][verb] = allowed
    return permissions


async def load_context(kube: KubeClient) -> dict[str, Any]:
    """The ``GET lws/api/context`` document."""
    namespace = kube.namespace
    version, lws_versions, username, permissions = await asyncio.gather(
        _server_version(kube),
        _lws_versions(kube),
        _username(kube),
        check_permissions(kube, namespace),
    )
    missing = [
        {"resource": resource, "verb": verb}
        for resource, verbs in permissions.items()
        for verb, allowed in verbs.items()
        if not allowed
    ]
    commands = admin_commands(
        [(m["resource"], m["verb"]) for m in missing],
        namespace,
        service_account_from_username(username),
    )
    return {
        "namespace": namespace,
        "serverVersion": version,
        "lwsInstalled": bool(lws_versions),
        "lwsVersions": lws_versions,
        "permissions": permissions,
        "missing": missing,
        "adminCommands": commands,
        "user": username,
    }
