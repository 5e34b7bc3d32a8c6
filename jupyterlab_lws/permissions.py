"""The rights the UI needs, how to check them, and the admin commands that grant missing ones.

The commands generalise the guide's Step 1.3 (``multinode-serving-in-pcai.md``): an admin
creates a Role in the user's namespace and binds it to the notebook's service account.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_SERVICE_ACCOUNT",
    "REQUIRED",
    "Right",
    "admin_commands",
    "rules_allow",
    "service_account_from_username",
    "username_from_token",
]

DEFAULT_SERVICE_ACCOUNT = "default-editor"
"""The notebook's service account in HPE Private Cloud AI."""

# Verb order of the guide's `kubectl create role lws-manager --verb=...`.
_VERB_ORDER = ("create", "update", "patch", "delete", "get", "list", "watch")


@dataclass(frozen=True)
class Right:
    """A resource the UI uses, its API group, and the verbs it needs."""

    resource: str
    group: str
    verbs: tuple[str, ...]

    @property
    def kubectl_resource(self) -> str:
        """The ``--resource`` value: ``plural[.group]``, subresource kept (``pods/log``)."""
        base, _, sub = self.resource.partition("/")
        qualified = f"{base}.{self.group}" if self.group else base
        return f"{qualified}/{sub}" if sub else qualified


# fmt: off
REQUIRED: tuple[Right, ...] = (
    Right("leaderworkersets",       "leaderworkerset.x-k8s.io", ("get", "list", "watch", "create", "update", "patch", "delete")),
    Right("services",               "",                         ("get", "list", "watch", "create", "patch", "delete")),
    Right("secrets",                "",                         ("create", "patch", "delete")),
    Right("jobs",                   "batch",                    ("get", "list", "watch", "create", "delete")),
    Right("pods",                   "",                         ("get", "list", "watch", "delete")),
    Right("pods/log",               "",                         ("get",)),
    Right("events",                 "",                         ("list", "watch")),
    Right("persistentvolumeclaims", "",                         ("get", "list")),
)
# fmt: on

_SHORT_NAMES = {"persistentvolumeclaims": "pvcs", "pods/log": "pods-log"}


def _matches(values: Sequence[str], wanted: str) -> bool:
    return "*" in values or wanted in values


def _resource_matches(resources: Sequence[str], resource: str) -> bool:
    # RBAC: "*" matches everything, "*/log" matches the log subresource of any resource.
    if "*" in resources or resource in resources:
        return True
    _, _, sub = resource.partition("/")
    return bool(sub) and f"*/{sub}" in resources


def rules_allow(
    rules: Iterable[Mapping[str, object]], group: str, resource: str, verb: str
) -> bool:
    """Whether the ``resourceRules`` of a SelfSubjectRulesReview allow ``verb`` on the whole
    ``resource`` (rules limited to ``resourceNames`` do not count)."""
    for rule in rules:
        if rule.get("resourceNames"):
            continue
        verbs = list(rule.get("verbs") or [])  # type: ignore[call-overload]
        groups = list(rule.get("apiGroups") or [])  # type: ignore[call-overload]
        resources = list(rule.get("resources") or [])  # type: ignore[call-overload]
        if (
            _matches(verbs, verb)
            and _matches(groups, group)
            and _resource_matches(resources, resource)
        ):
            return True
    return False


def service_account_from_username(username: str | None) -> tuple[str, str] | None:
    """``(namespace, name)`` from ``system:serviceaccount:<namespace>:<name>``, else None."""
    if not username:
        return None
    parts = username.split(":")
    if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"] and all(parts[2:]):
        return parts[2], parts[3]
    return None


def username_from_token(token: str) -> str | None:
    """The ``sub`` claim of a service-account JWT, unverified (only to name the account)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


def _role_name(resources: Sequence[str]) -> str:
    if "leaderworkersets" in resources:
        return "lws-manager"  # the guide's name
    return "lws-manager-" + "-".join(_SHORT_NAMES.get(r, r) for r in resources)


def admin_commands(
    missing: Iterable[tuple[str, str]],
    namespace: str,
    service_account: tuple[str, str] | None = None,
) -> list[str]:
    """``kubectl create role``/``rolebinding`` commands that grant the ``missing``
    ``(resource, verb)`` pairs to the notebook's service account in ``namespace``.

    Resources missing the same verbs share one Role, so nothing beyond what is missing is
    granted (``kubectl create role`` grants every verb on every resource it names). With
    everything about LeaderWorkerSets missing, the first two commands are the guide's.
    """
    sa_namespace, sa_name = service_account or (namespace, DEFAULT_SERVICE_ACCOUNT)
    wanted: dict[str, set[str]] = {}
    for resource, verb in missing:
        wanted.setdefault(resource, set()).add(verb)
    order = [right.resource for right in REQUIRED]
    by_verbs: dict[tuple[str, ...], list[str]] = {}
    for resource in sorted(wanted, key=lambda r: order.index(r) if r in order else len(order)):
        verbs = tuple(v for v in _VERB_ORDER if v in wanted[resource])
        by_verbs.setdefault(verbs, []).append(resource)
    rights = {right.resource: right for right in REQUIRED}
    commands: list[str] = []
    for verbs, resources in by_verbs.items():
        role = _role_name(resources)
        kubectl_resources = ",".join(
            rights[r].kubectl_resource if r in rights else r for r in resources
        )
        commands.append(
            f"kubectl create role {role} --verb={','.join(verbs)} "
            f"--resource={kubectl_resources} -n {namespace}"
        )
        commands.append(
            f"kubectl create rolebinding {role}-binding --role={role} "
            f"--serviceaccount={sa_namespace}:{sa_name} -n {namespace}"
        )
    return commands
