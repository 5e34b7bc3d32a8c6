"""JupyterLab for the UI tests, with the server extension pointed at the local cluster.

The extension uses the `default-editor` service-account files that `scripts/cluster/cluster.sh
up` writes, exactly as it would use /var/run/secrets/kubernetes.io/serviceaccount in a notebook
pod. Set LWS_TEST_ACCOUNT=restricted to run as the read-only account.

!! Never use this configuration in production: galata opens the server without a token.
"""

import json
import os
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

run = Path(os.environ.get("LWS_CLUSTER_RUN", Path.home() / ".cache/jupyterlab-lws/run"))
cluster_file = run / "cluster.json"
if not cluster_file.exists():
    raise SystemExit(
        f"{cluster_file} is missing: start the local cluster with `bash scripts/cluster/cluster.sh up`"
    )
cluster = json.loads(cluster_file.read_text())
account = cluster["accounts"][os.environ.get("LWS_TEST_ACCOUNT", "editor")]

c.LwsServing.service_account_dir = account["dir"]  # noqa: F821
c.LwsServing.api_server = cluster["server"]  # noqa: F821
# The chat proxy reaches engines on this machine in tests, not through cluster DNS.
c.LwsServing.endpoint_url_template = os.environ.get(  # noqa: F821
    "LWS_ENDPOINT_URL_TEMPLATE", "http://127.0.0.1:{port}"
)
# CI and these machines run as root.
c.ServerApp.allow_root = True  # noqa: F821
c.ServerApp.root_dir = str(Path(__file__).parent / ".jupyter-root")  # noqa: F821
Path(c.ServerApp.root_dir).mkdir(exist_ok=True)  # noqa: F821
# Workspaces (where a state database is saved) in a known place instead of Galata's temporary
# folder, so scripts/secrets_scan.py can search them after the run.
c.LabApp.workspaces_dir = str(Path(__file__).parent / ".scan" / "workspaces")  # noqa: F821
Path(c.LabApp.workspaces_dir).mkdir(parents=True, exist_ok=True)  # noqa: F821
