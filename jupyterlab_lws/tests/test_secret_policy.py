"""Secrets are write-only: the request shapes and answers of secret_policy, without a server.

The same attacks run against the real API server in test_k8s_proxy.py.
"""

import json
import re
from pathlib import Path

import pytest

from jupyterlab_lws.allowlist import authorize
from jupyterlab_lws.secret_policy import SECRET_KEYS, secret_answer, secret_write_problem

NS = "project-user-alice"
SECRETS = f"api/v1/namespaces/{NS}/secrets"
APPLY = "application/apply-patch+yaml"


def product_secret(**changes) -> dict:
    """The token Secret as src/model/manifests.ts writes it."""
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "hf-token",
            "labels": {
                "app.kubernetes.io/component": "hf-token",
                "app.kubernetes.io/managed-by": "jupyterlab-lws",
            },
        },
        "type": "Opaque",
        "stringData": {"token": "hf_value"},
    }
    secret.update(changes)
    return secret


def problem(method: str, path: str, content_type: str | None, body) -> str | None:
    decision = authorize(method, path, "", NS)
    assert decision.allowed, decision.reason
    raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    return secret_write_problem(decision, content_type, raw, NS)


def test_the_products_own_writes_pass():
    assert problem("POST", SECRETS, "application/json", product_secret()) is None
    assert problem("PATCH", f"{SECRETS}/hf-token", APPLY, product_secret()) is None
    assert (
        problem("PATCH", f"{SECRETS}/hf-token", f"{APPLY}; charset=utf-8", product_secret()) is None
    )
    assert problem("DELETE", f"{SECRETS}/hf-token", None, None) is None


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        (
            "application/json-patch+json",
            [{"op": "copy", "from": "/data/token", "path": "/metadata/annotations/x"}],
            "JSON Patch and merge patches are refused",
        ),
        (
            "application/json-patch+json",
            [{"op": "test", "path": "/data/token", "value": "aGY="}],
            "JSON Patch and merge patches are refused",
        ),
        ("application/merge-patch+json", {"metadata": {"labels": {"a": "b"}}}, "refused"),
        ("application/strategic-merge-patch+json", {"type": "Opaque"}, "refused"),
        (APPLY, b"apiVersion: v1\nkind: Secret\n", "must be sent as JSON"),
        (APPLY, product_secret(type="kubernetes.io/service-account-token"), "type Opaque"),
        (APPLY, {**product_secret(), "type": None}, "type Opaque"),
        (APPLY, product_secret(data={"token": "aGY="}), "'data' is not written"),
        (APPLY, product_secret(immutable=True), "'immutable' is not written"),
        (APPLY, product_secret(stringData={"token": "x", "other": "y"}), "'other' is not written"),
        (APPLY, product_secret(stringData={}), "must hold the Secret's value"),
        (APPLY, product_secret(stringData={"token": 1}), "values must be strings"),
        (
            APPLY,
            product_secret(
                metadata={
                    "name": "hf-token",
                    "annotations": {"kubernetes.io/service-account.name": "default-editor"},
                }
            ),
            "'annotations' is not written",
        ),
        (APPLY, product_secret(metadata={"name": "other"}), "must be the Secret's name"),
        (
            APPLY,
            product_secret(metadata={"name": "hf-token", "namespace": "kube-system"}),
            "must be 'project-user-alice'",
        ),
        (APPLY, product_secret(kind="ConfigMap"), "must be a v1 Secret"),
        (
            APPLY,
            b'{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"hf-token"},'
            b'"stringData":{"token":"a"},"stringData":{"token":"b"}}',
            "'stringData' appears more than once",
        ),
        (APPLY, b"[]", "must be a JSON object"),
    ],
)
def test_other_shapes_are_refused(content_type, body, reason):
    found = problem("PATCH", f"{SECRETS}/hf-token", content_type, body)
    assert found is not None
    assert reason in found


def test_a_service_account_token_secret_cannot_be_created():
    minted = product_secret(
        type="kubernetes.io/service-account-token",
        metadata={
            "name": "mint",
            "annotations": {"kubernetes.io/service-account.name": "default-editor"},
        },
    )
    minted.pop("stringData")
    assert problem("POST", SECRETS, "application/json", minted) is not None


def test_delete_takes_no_body():
    assert "without a request body" in problem(
        "DELETE", f"{SECRETS}/hf-token", "application/json", b'{"dryRun":["All"]}'
    )


def answer(method: str, path: str, document: dict, name: str = "hf-token") -> dict:
    decision = authorize(method, path, "", NS)
    return json.loads(secret_answer(json.dumps(document).encode(), decision, NS, name))


def test_objects_come_back_as_metadata_only():
    stored = {
        **product_secret(),
        "data": {"token": "aGZfdmFsdWU="},
        "metadata": {
            "name": "hf-token",
            "namespace": NS,
            "uid": "u-1",
            "resourceVersion": "42",
            "labels": {"app.kubernetes.io/managed-by": "jupyterlab-lws", "x": "hf_value"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "hf_value"},
            "managedFields": [{"manager": "jupyterlab-lws"}],
        },
    }
    got = answer("PATCH", f"{SECRETS}/hf-token", stored)
    assert got == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "hf-token",
            "namespace": NS,
            "uid": "u-1",
            "resourceVersion": "42",
            "labels": {"app.kubernetes.io/managed-by": "jupyterlab-lws"},
        },
        "type": "Opaque",
    }


def test_error_messages_are_our_own():
    echoed = {
        "kind": "Status",
        "status": "Failure",
        "reason": "Invalid",
        "code": 422,
        "message": 'Secret "hf-token" is invalid: metadata.labels: Invalid value: "hf_value"',
        "details": {"name": "hf-token", "causes": [{"message": "Invalid value: hf_value"}]},
    }
    got = answer("PATCH", f"{SECRETS}/hf-token", echoed)
    assert "hf_value" not in json.dumps(got)
    assert got["code"] == 422
    assert got["reason"] == "Invalid"
    assert "details are withheld" in got["message"]


def test_forbidden_and_conflict_keep_what_the_ui_reads():
    forbidden = answer(
        "POST",
        SECRETS,
        {"kind": "Status", "status": "Failure", "reason": "Forbidden", "code": 403, "message": "x"},
    )
    assert 'cannot create resource "secrets"' in forbidden["message"]
    quota = answer(
        "POST",
        SECRETS,
        {
            "kind": "Status",
            "status": "Failure",
            "reason": "Forbidden",
            "code": 403,
            "message": 'secrets "hf-token" is forbidden: exceeded quota: q, requested: count/secrets=1',
        },
    )
    assert "exceeded quota" in quota["message"]
    conflict = answer(
        "PATCH",
        f"{SECRETS}/hf-token",
        {
            "kind": "Status",
            "status": "Failure",
            "reason": "Conflict",
            "code": 409,
            "message": 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" '
            "using v1: .data.token",
        },
    )
    assert (
        conflict["message"]
        == 'Apply failed with conflicts: conflict with "kubectl-client-side-apply"'
    )


def test_an_answer_that_is_not_json_is_withheld():
    decision = authorize("DELETE", f"{SECRETS}/hf-token", "", NS)
    got = json.loads(secret_answer(b"hf_value", decision, NS, "hf-token"))
    assert "withheld" in got["message"]


def test_the_key_allowed_is_the_key_the_frontend_writes():
    manifests = Path(__file__).parents[2] / "src" / "model" / "manifests.ts"
    written = re.search(r"HF_TOKEN_SECRET_KEY = '([^']+)'", manifests.read_text())
    assert written is not None
    assert {written[1]} == SECRET_KEYS
