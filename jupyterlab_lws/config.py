"""Settings of the server extension (``c.LwsServing.*``), with in-cluster defaults.

In a notebook pod everything comes from the pod's service account and the
``KUBERNETES_SERVICE_HOST``/``KUBERNETES_SERVICE_PORT`` variables; tests and the local demo
point the same settings at the local cluster's files.
"""

from __future__ import annotations

import os
from pathlib import Path

from traitlets import Float, Int, Unicode, default
from traitlets.config import Configurable

__all__ = ["IN_CLUSTER_SERVICE_ACCOUNT_DIR", "LwsServing", "NotInClusterError"]

IN_CLUSTER_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class NotInClusterError(RuntimeError):
    """The Kubernetes configuration cannot be found (not in a pod, or settings point nowhere)."""


class LwsServing(Configurable):
    """Where the server extension finds the Kubernetes API and the model endpoints."""

    service_account_dir = Unicode(
        IN_CLUSTER_SERVICE_ACCOUNT_DIR,
        help="Folder holding the service account's `token`, `ca.crt` and `namespace` files.",
    ).tag(config=True)

    token_file = Unicode(
        "",
        help="Service-account token file (default: `token` in service_account_dir). "
        "Re-read when it changes and after a 401, because bound tokens rotate.",
    ).tag(config=True)

    ca_file = Unicode(
        "", help="CA bundle of the API server (default: `ca.crt` in service_account_dir)."
    ).tag(config=True)

    namespace_file = Unicode(
        "", help="File naming the user's namespace (default: `namespace` in service_account_dir)."
    ).tag(config=True)

    namespace = Unicode(
        "", help="The only namespace the proxies reach (default: read from namespace_file)."
    ).tag(config=True)

    api_server = Unicode(
        help="API server URL (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT)."
    ).tag(config=True)

    endpoint_url_template = Unicode(
        "http://{service}.{namespace}.svc:{port}",
        help="URL of a model endpoint, from `service`, `namespace` and `port`. Point it at a local "
        "engine for tests and demos, e.g. `http://127.0.0.1:{port}`.",
    ).tag(config=True)

    stream_timeout = Float(
        3600.0,
        help="Seconds a watch, log follow or chat stream may stay open (and stay silent).",
    ).tag(config=True)

    request_timeout = Float(
        60.0, help="Seconds for an ordinary (non-streaming) request to the API server."
    ).tag(config=True)

    connect_timeout = Float(10.0, help="Seconds to open a connection upstream.").tag(config=True)

    endpoint_answer_timeout = Float(
        60.0,
        help="Seconds a model endpoint may take to start its answer (the response headers; "
        "engines send them as soon as they accept a streamed request) before the proxy answers 504.",
    ).tag(config=True)

    max_connections = Int(
        256,
        help="Upstream connections per client; every open watch or chat stream holds one.",
    ).tag(config=True)

    max_body_size = Int(
        4 * 1024 * 1024,
        help="Largest request body (bytes) the proxies accept; a larger one is answered 413 "
        "before it is read. The form's largest manifest is a few kilobytes.",
    ).tag(config=True)

    service_cache_seconds = Float(
        5.0,
        help="Seconds the chat proxy trusts its last look-up of a Service (existence, type, ports).",
    ).tag(config=True)

    live_idle_seconds = Float(
        5.0,
        help="Seconds a live channel's informer keeps watching after its last subscriber left "
        "(a page reload does not list again).",
    ).tag(config=True)

    live_max_events = Int(
        1000,
        help="Events the live channel keeps per informer: the newest ones (by last timestamp).",
    ).tag(config=True)

    live_watch_seconds = Int(
        0,
        help="timeoutSeconds of the informers' watches (0: a random 300-600 s, as client-go); "
        "the API server ends the watch then and the informer resumes it.",
    ).tag(config=True)

    @default("api_server")
    def _default_api_server(self) -> str:
        host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        if not host:
            return ""
        if ":" in host and not host.startswith("["):  # an IPv6 address
            host = f"[{host}]"
        return f"https://{host}:{port}"

    def _in_dir(self, explicit: str, name: str) -> Path:
        return Path(explicit) if explicit else Path(self.service_account_dir) / name

    @property
    def token_path(self) -> Path:
        """Path of the token file."""
        return self._in_dir(self.token_file, "token")

    @property
    def ca_path(self) -> Path:
        """Path of the CA bundle."""
        return self._in_dir(self.ca_file, "ca.crt")

    @property
    def namespace_path(self) -> Path:
        """Path of the namespace file."""
        return self._in_dir(self.namespace_file, "namespace")

    def resolve_api_server(self) -> str:
        """The API server's base URL, without a trailing slash."""
        if not self.api_server:
            raise NotInClusterError(
                "the Kubernetes API server is unknown: KUBERNETES_SERVICE_HOST is not set "
                "(not running in a pod?); set c.LwsServing.api_server"
            )
        return self.api_server.rstrip("/")

    def resolve_namespace(self) -> str:
        """The user's namespace: the setting, else the service account's namespace file."""
        if self.namespace:
            return self.namespace
        try:
            value = self.namespace_path.read_text().strip()
        except OSError as error:
            raise NotInClusterError(
                f"cannot read the namespace from {self.namespace_path} ({error.strerror}); "
                "run in a pod with a service account, or set c.LwsServing.service_account_dir "
                "or c.LwsServing.namespace"
            ) from error
        if not value:
            raise NotInClusterError(f"{self.namespace_path} is empty")
        return value
