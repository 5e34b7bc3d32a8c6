"""``lws/api/context`` and Jupyter authentication, against the real local cluster."""

from __future__ import annotations

import json

import httpx
import pytest

from jupyterlab_lws.permissions import REQUIRED


async def context(jp_fetch) -> dict:
    response = await jp_fetch("lws", "api", "context")
    assert response.code == 200
    return json.loads(response.body)


async def test_editor_may_do_everything_the_ui_needs(jp_fetch, cluster, namespace):
    ctx = await context(jp_fetch)
    assert ctx["namespace"] == namespace
    assert ctx["serverVersion"]["gitVersion"] == cluster.info["kubernetesVersion"]
    assert ctx["lwsInstalled"] is True
    assert "v1" in ctx["lwsVersions"]
    assert ctx["user"] == f"system:serviceaccount:{namespace}:default-editor"
    assert ctx["missing"] == []
    assert ctx["adminCommands"] == []
    assert ctx["permissions"] == {
        right.resource: dict.fromkeys(right.verbs, True) for right in REQUIRED
    }


@pytest.mark.account("restricted")
async def test_restricted_account_gets_the_admin_commands_for_its_namespace(jp_fetch, namespace):
    ctx = await context(jp_fetch)
    assert ctx["namespace"] == namespace
    assert ctx["lwsInstalled"] is True
    missing = {(m["resource"], m["verb"]) for m in ctx["missing"]}
    # A read-only account (ClusterRole view) may create nothing, and never touch secrets.
    assert {
        ("leaderworkersets", "create"),
        ("secrets", "create"),
        ("services", "create"),
    } <= missing
    assert ("pods", "list") not in missing
    assert ctx["permissions"]["pods"]["list"] is True
    commands = ctx["adminCommands"]
    assert commands
    assert all(command.endswith(f" -n {namespace}") for command in commands)
    assert any(
        command.startswith("kubectl create role lws-manager --verb=create,")
        and "--resource=leaderworkersets.leaderworkerset.x-k8s.io" in command
        for command in commands
    )
    assert (
        "kubectl create rolebinding lws-manager-binding --role=lws-manager "
        f"--serviceaccount={namespace}:default-editor -n {namespace}"
    ) in commands
    # Each Role is followed by its binding.
    roles = [c.split()[3] for c in commands if c.startswith("kubectl create role ")]
    bindings = [c.split()[3] for c in commands if c.startswith("kubectl create rolebinding ")]
    assert bindings == [f"{role}-binding" for role in roles]


@pytest.mark.account("restricted")
async def test_rules_review_agrees_with_access_reviews(jp_fetch, namespace):
    """The context reads one SelfSubjectRulesReview; the API server's own per-verb answer
    (SelfSubjectAccessReview, through the proxy) must agree on every right."""
    ctx = await context(jp_fetch)
    for right in REQUIRED:
        base, _, sub = right.resource.partition("/")
        for verb in right.verbs:
            attributes = {"namespace": namespace, "verb": verb, "group": right.group}
            attributes |= {"resource": base, **({"subresource": sub} if sub else {})}
            review = {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": attributes},
            }
            response = await jp_fetch(
                "lws/api/k8s/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                method="POST",
                body=json.dumps(review),
                headers={"Content-Type": "application/json"},
            )
            assert response.code == 201
            allowed = json.loads(response.body)["status"]["allowed"]
            assert ctx["permissions"][right.resource][verb] is allowed, (right.resource, verb)


async def log_in(session: httpx.AsyncClient, token: str) -> None:
    """Log a browser-like session in with the token; from then on it has only cookies."""
    await session.get("login")
    response = await session.post(
        "login", data={"password": token, "_xsrf": session.cookies["_xsrf"]}
    )
    assert response.status_code in (302, 303), response.text


async def test_cookie_sessions_need_the_xsrf_token_for_writes(server_url, jp_serverapp):
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "list", "resource": "pods"}},
    }
    url = "lws/api/k8s/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    async with httpx.AsyncClient(base_url=server_url, trust_env=False, timeout=30) as session:
        await log_in(session, jp_serverapp.identity_provider.token)
        # Reads work with the login cookie alone.
        assert (await session.get("lws/api/context")).status_code == 200
        # A write without the XSRF header is refused by Jupyter before the proxy sees it.
        response = await session.post(url, json=review)
        assert response.status_code == 403
        assert "_xsrf" in response.text
        # With the header (what ServerConnection.makeRequest sends) it goes through.
        headers = {"X-XSRFToken": session.cookies["_xsrf"]}
        response = await session.post(url, json=review, headers=headers)
        assert response.status_code == 201


@pytest.mark.parametrize(
    "route", ["lws/api/context", "lws/api/k8s/api/v1/namespaces/project-user-alice/pods"]
)
async def test_requests_without_a_token_are_refused(raw_request, upstream_calls, route):
    status, _ = await raw_request("GET", route, auth=False)
    assert status == 403
    status, _ = await raw_request("GET", route, auth=False, headers={"Authorization": "token x"})
    assert status == 403
    assert upstream_calls == []
