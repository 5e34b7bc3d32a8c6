"""Secrets are write-only through JupyterLab, by construction (DESIGN.md, section 1).

The allow-list (:mod:`.allowlist`) gives Secrets the verbs create, patch and delete. This module
narrows those to the requests the product itself sends, and narrows every answer about a Secret
to metadata, so that no request shape can make the API server hand a value back:

- **Requests**: create (``POST``, JSON) or server-side apply (``PATCH`` with
  ``application/apply-patch+yaml`` whose body is JSON) of an ``Opaque`` Secret holding only the
  keys the product writes, in ``stringData``; delete without a body. JSON Patch (its ``copy``,
  ``move`` and ``test`` ops read values), merge patches, other Secret types (a
  ``service-account-token`` Secret would be filled in with a token by the cluster) and
  annotations are refused before anything leaves the server.
- **Answers**: an object becomes its name, namespace, uid, resourceVersion, type and the
  product's labels; an error ``Status`` keeps its code and reason with a message of our own,
  because the API server's messages can quote field values.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .allowlist import Decision

__all__ = ["SECRET_KEYS", "secret_answer", "secret_name", "secret_write_problem"]

SECRET_KEYS = frozenset({"token"})
"""Keys the product writes (the HF token: ``HF_TOKEN_SECRET_KEY`` in src/model/manifests.ts)."""

_APPLY = "application/apply-patch+yaml"
_CONTENT_TYPE = {"create": "application/json", "patch": _APPLY}
_TOP_LEVEL = frozenset({"apiVersion", "kind", "metadata", "type", "stringData"})
_METADATA = frozenset({"name", "namespace", "labels"})
_PRODUCT_LABELS = "app.kubernetes.io/"
_MANAGER = re.compile(r'conflicts? with "([A-Za-z0-9._:-]{1,128})"')


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise _DuplicateKey(f"key {', '.join(map(repr, repeated))} appears more than once")
    return dict(pairs)


def _body_problem(body: dict[str, Any], name: str | None, namespace: str) -> str | None:
    extra = sorted(set(body) - _TOP_LEVEL)
    if extra:
        return f"field {', '.join(map(repr, extra))} is not written by jupyterlab-lws"
    if body.get("apiVersion") != "v1" or body.get("kind") != "Secret":
        return "the body must be a v1 Secret"
    if body.get("type") != "Opaque":
        return "only Secrets of type Opaque are written (other types are filled in by the cluster)"
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        return "metadata must be an object"
    extra = sorted(set(metadata) - _METADATA)
    if extra:
        return f"metadata field {', '.join(map(repr, extra))} is not written by jupyterlab-lws"
    if not isinstance(metadata.get("name"), str) or (name is not None and metadata["name"] != name):
        return "metadata.name must be the Secret's name"
    if metadata.get("namespace", namespace) != namespace:
        return f"metadata.namespace must be '{namespace}'"
    labels = metadata.get("labels", {})
    if not isinstance(labels, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in labels.items()
    ):
        return "metadata.labels must map strings to strings"
    data = body.get("stringData")
    if not isinstance(data, dict) or not data:
        return "stringData must hold the Secret's value"
    extra = sorted(set(data) - SECRET_KEYS)
    if extra:
        return (
            f"key {', '.join(map(repr, extra))} is not written by jupyterlab-lws "
            f"(it writes: {', '.join(sorted(SECRET_KEYS))})"
        )
    if not all(isinstance(value, str) for value in data.values()):
        return "stringData values must be strings"
    return None


def secret_write_problem(
    decision: Decision, content_type: str | None, body: bytes | None, namespace: str
) -> str | None:
    """Why a write the allow-list let through for ``secrets`` is not one the product sends;
    None when it is."""
    if decision.verb == "delete":
        return "a Secret is deleted without a request body" if body else None
    expected = _CONTENT_TYPE.get(decision.verb or "")
    if expected is None:
        return f"'{decision.verb}' is not a write jupyterlab-lws makes to Secrets"
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != expected:
        how = "created with" if decision.verb == "create" else "changed by server-side apply, as"
        return f"a Secret is only {how} {expected} (JSON Patch and merge patches are refused)"
    try:
        document = json.loads(body or b"", object_pairs_hook=_no_duplicates)
    except _DuplicateKey as error:
        return f"the Secret's JSON is ambiguous: {error}"
    except (ValueError, RecursionError):  # RecursionError: `[[[[...` nested too deeply
        return "the Secret must be sent as JSON (the server checks its shape before forwarding)"
    if not isinstance(document, dict):
        return "the body must be a JSON object"
    path_name = decision.path.split("/")[-1] if decision.verb == "patch" else None
    return _body_problem(document, path_name, namespace)


def _metadata_only(document: dict[str, Any]) -> dict[str, Any]:
    metadata = document.get("metadata") or {}
    kept = {
        key: metadata[key]
        for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if key in metadata
    }
    labels = {
        key: value
        for key, value in (metadata.get("labels") or {}).items()
        if key.startswith(_PRODUCT_LABELS)
    }
    if labels:
        kept["labels"] = labels
    answer: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": kept}
    if isinstance(document.get("type"), str):
        answer["type"] = document["type"]
    return answer


def _own_message(status: dict[str, Any], decision: Decision, namespace: str, name: str) -> str:
    """A message for a failed Secret request, written here: the API server's can quote values.

    Forbidden and conflict messages keep the shape the UI reads (which verb, which managers).
    """
    upstream = str(status.get("message", ""))
    reason = str(status.get("reason", ""))
    subject = f'secrets "{name}"' if name else "secrets"
    if reason == "Forbidden" and "exceeded quota" in upstream:
        return f'{subject} is forbidden: exceeded quota in namespace "{namespace}"'
    if reason == "Forbidden":
        return (
            f"{subject} is forbidden: this notebook's service account cannot {decision.verb} "
            f'resource "secrets" in namespace "{namespace}"'
        )
    if reason == "NotFound":
        return f"{subject} not found"
    if reason == "AlreadyExists":
        return f"{subject} already exists"
    if reason == "Conflict":
        managers = sorted(set(_MANAGER.findall(upstream)))
        with_whom = ", ".join(f'conflict with "{manager}"' for manager in managers)
        return f"Apply failed with conflicts: {with_whom or 'another field manager'}"
    return (
        f"the API server refused this request about {subject} ({reason or 'no reason'}); "
        "its details are withheld because they can quote the Secret's value"
    )


def secret_name(decision: Decision, body: bytes | None) -> str:
    """The name of the Secret a checked write is about (in the path, or the created body)."""
    if decision.verb != "create":
        return decision.path.split("/")[-1]
    return json.loads(body or b"{}").get("metadata", {}).get("name", "")


def secret_answer(content: bytes, decision: Decision, namespace: str, name: str) -> bytes:
    """The API server's answer about Secret ``name``, narrowed to what may reach the browser."""
    try:
        document = json.loads(content)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        withheld = {"message": "the API server's answer about a Secret was withheld"}
        return json.dumps(withheld).encode()
    if document.get("kind") == "Status":
        status = document
        kept: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Status",
            "status": status.get("status"),
            "code": status.get("code"),
            "reason": status.get("reason"),
        }
        if status.get("status") != "Success":
            kept["message"] = _own_message(status, decision, namespace, name)
        details = status.get("details")
        if isinstance(details, dict) and name:
            kept["details"] = {"name": name, "kind": "secrets"}
        return json.dumps(kept).encode()
    return json.dumps(_metadata_only(document)).encode()
