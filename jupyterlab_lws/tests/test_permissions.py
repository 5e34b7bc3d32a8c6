"""Rights evaluation and the admin commands: pure, no server."""

import base64
import json

import pytest

from jupyterlab_lws.permissions import (
    REQUIRED,
    admin_commands,
    rules_allow,
    service_account_from_username,
    username_from_token,
)

NS = "project-user-bob"


def test_reproduces_the_guide_when_everything_about_lws_is_missing():
    missing = [("leaderworkersets", v) for v in REQUIRED[0].verbs]
    assert admin_commands(missing, NS) == [
        "kubectl create role lws-manager --verb=create,update,patch,delete,get,list,watch "
        f"--resource=leaderworkersets.leaderworkerset.x-k8s.io -n {NS}",
        "kubectl create rolebinding lws-manager-binding --role=lws-manager "
        f"--serviceaccount={NS}:default-editor -n {NS}",
    ]


def test_groups_resources_missing_the_same_verbs_and_grants_nothing_more():
    missing = [
        ("leaderworkersets", "create"),
        ("leaderworkersets", "delete"),
        ("services", "create"),
        ("services", "delete"),
        ("secrets", "delete"),
        ("secrets", "create"),
        ("jobs", "create"),
        ("pods/log", "get"),
        ("persistentvolumeclaims", "list"),
    ]
    commands = admin_commands(missing, NS, ("project-user-bob", "notebook"))
    assert commands == [
        f"kubectl create role lws-manager --verb=create,delete --resource=leaderworkersets.leaderworkerset.x-k8s.io,services,secrets -n {NS}",
        f"kubectl create rolebinding lws-manager-binding --role=lws-manager --serviceaccount={NS}:notebook -n {NS}",
        f"kubectl create role lws-manager-jobs --verb=create --resource=jobs.batch -n {NS}",
        f"kubectl create rolebinding lws-manager-jobs-binding --role=lws-manager-jobs --serviceaccount={NS}:notebook -n {NS}",
        f"kubectl create role lws-manager-pods-log --verb=get --resource=pods/log -n {NS}",
        f"kubectl create rolebinding lws-manager-pods-log-binding --role=lws-manager-pods-log --serviceaccount={NS}:notebook -n {NS}",
        f"kubectl create role lws-manager-pvcs --verb=list --resource=persistentvolumeclaims -n {NS}",
        f"kubectl create rolebinding lws-manager-pvcs-binding --role=lws-manager-pvcs --serviceaccount={NS}:notebook -n {NS}",
    ]


def test_nothing_missing_means_no_commands():
    assert admin_commands([], NS) == []


EDIT_RULES = [
    {
        "verbs": ["get", "list", "watch"],
        "apiGroups": [""],
        "resources": ["pods", "pods/log", "events"],
    },
    {"verbs": ["*"], "apiGroups": ["leaderworkerset.x-k8s.io"], "resources": ["*"]},
    {"verbs": ["create"], "apiGroups": ["batch"], "resources": ["jobs"]},
    {"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"], "resourceNames": ["hf-token"]},
    {"verbs": ["get"], "apiGroups": ["*"], "resources": ["*/scale"]},
]


@pytest.mark.parametrize(
    ("group", "resource", "verb", "allowed"),
    [
        ("", "pods", "watch", True),
        ("", "pods/log", "get", True),
        ("", "pods", "delete", False),
        ("leaderworkerset.x-k8s.io", "leaderworkersets", "patch", True),
        ("batch", "jobs", "create", True),
        ("", "jobs", "create", False),
        ("batch", "jobs", "delete", False),
        ("", "secrets", "get", False),  # only one name: not the whole resource
        ("apps", "deployments/scale", "get", True),
        ("", "services", "get", False),
    ],
)
def test_rules_allow_follows_rbac_matching(group, resource, verb, allowed):
    assert rules_allow(EDIT_RULES, group, resource, verb) is allowed


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        (
            "system:serviceaccount:project-user-alice:default-editor",
            ("project-user-alice", "default-editor"),
        ),
        ("system:serviceaccount::x", None),
        ("alice@example.com", None),
        (None, None),
    ],
)
def test_service_account_from_username(username, expected):
    assert service_account_from_username(username) == expected


def _jwt(claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_username_from_token_reads_sub_without_verifying():
    sub = "system:serviceaccount:project-user-alice:default-editor"
    assert username_from_token(_jwt({"sub": sub, "aud": ["x"]})) == sub
    assert username_from_token("not-a-jwt") is None
    assert username_from_token("a.!!!.c") is None
    assert username_from_token(_jwt(["list"])) is None
