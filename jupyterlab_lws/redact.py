"""Secrets may be written through JupyterLab, but a value is never read back (DESIGN.md)."""

from __future__ import annotations

from typing import Any

__all__ = ["redact_secrets"]

# `kubectl apply` keeps the whole object, values included, in this annotation.
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def redact_secrets(document: Any) -> Any:
    """``document`` with ``data``/``stringData`` removed from every Secret in it.

    Works on a single object, a list (``items``) and watch-event shapes (``object``); returns
    the same object, changed in place.
    """
    if isinstance(document, list):
        for item in document:
            redact_secrets(item)
        return document
    if not isinstance(document, dict):
        return document
    if document.get("kind") == "Secret":
        document.pop("data", None)
        document.pop("stringData", None)
        annotations = (document.get("metadata") or {}).get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(_LAST_APPLIED, None)
    for key in ("items", "object"):
        if key in document:
            redact_secrets(document[key])
    return document
