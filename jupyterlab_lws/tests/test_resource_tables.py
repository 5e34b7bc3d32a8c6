"""The resource tables agree: what the browser's client addresses (``src/api/resources.ts``)
is allowed by the allow-list, and the rights the server checks and shows (``REQUIRED``) and
the rights the UI asks about (``can(context, resource, verb)``) name allow-list rows with
verbs the allow-list forwards. A right outside the allow-list could be granted but never used;
a ``can`` on an unchecked right is always false."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jupyterlab_lws.allowlist import RULES, Rule
from jupyterlab_lws.permissions import REQUIRED

SRC = Path(__file__).resolve().parents[2] / "src"

_ROW = re.compile(r"group: '([^']*)',\s*version: '([^']*)',\s*plural: '([^']*)'")
_CAN = re.compile(r"\bcan\(\s*[\w.]+,\s*'([^']+)',\s*'([^']+)'\s*\)")


def _client_resources() -> list[tuple[str, str, str]]:
    """``(group, version, plural)`` of every row of the TypeScript ``Resources`` table."""
    return _ROW.findall((SRC / "api" / "resources.ts").read_text(encoding="utf-8"))


def _ui_checks() -> set[tuple[str, str]]:
    """``(resource, verb)`` of every ``can(context, 'resource', 'verb')`` in the sources."""
    found: set[tuple[str, str]] = set()
    for path in SRC.rglob("*.ts*"):
        if "__tests__" not in path.parts:
            found.update(_CAN.findall(path.read_text(encoding="utf-8")))
    return found


def _rule(group: str, resource: str, version: str | None = None) -> Rule | None:
    """The allow-list row of ``resource`` in ``group`` (any version when none is given)."""
    for rule in RULES:
        if rule.resource != resource:
            continue
        if group == "" and rule.prefix == f"api/{version or 'v1'}":
            return rule
        if group and (
            rule.prefix == f"apis/{group}/{version}"
            if version
            else rule.prefix.startswith(f"apis/{group}/")
        ):
            return rule
    return None


def test_the_tables_are_read():
    assert ("", "v1", "pods") in _client_resources()
    assert len(_client_resources()) >= 8
    assert ("leaderworkersets", "patch") in _ui_checks()


@pytest.mark.parametrize(("group", "version", "plural"), _client_resources())
def test_client_resources_are_allowed(group: str, version: str, plural: str):
    assert _rule(group, plural, version) is not None, (
        f"src/api/resources.ts addresses {plural} ({group or 'core'}/{version}), "
        "which allowlist.RULES does not forward"
    )


@pytest.mark.parametrize("right", REQUIRED, ids=lambda right: right.resource)
def test_required_rights_are_allow_list_rows(right):
    rule = _rule(right.group, right.resource)
    assert rule is not None, f"{right.resource} is required but not in the allow-list"
    assert set(right.verbs) <= rule.verbs, (
        f"{right.resource}: required verbs {sorted(set(right.verbs) - rule.verbs)} "
        "are not forwarded by the allow-list"
    )


def test_ui_checks_name_required_rights():
    required = {right.resource: set(right.verbs) for right in REQUIRED}
    unknown = sorted(
        (resource, verb)
        for resource, verb in _ui_checks()
        if verb not in required.get(resource, set())
    )
    assert unknown == [], "can() asks about rights the server never checks"
