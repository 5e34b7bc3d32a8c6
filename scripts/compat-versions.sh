# The oldest JupyterLab this extension supports, and what its tests use with it (sourced by
# scripts/check-wheel.sh and scripts/compat.sh). README "Supported JupyterLab" says where the
# range comes from; package.json's @jupyterlab/* ranges start at the same release.
OLDEST_JUPYTERLAB=4.2.0
# The cached virtual environment the oldest-JupyterLab tests run in.
OLDEST_VENV="$HOME/.cache/jupyterlab-lws/venvs/jlab-4.2"
# The oldest releases of the server extension's own dependencies (pyproject.toml's lower bounds),
# tested together with the oldest JupyterLab.
OLDEST_SERVER_DEPS=("jupyter_server==2.13.0" "httpx==0.25.2" "httpx-sse==0.4.0")
