#!/usr/bin/env bash
# The release artifacts and the oldest supported JupyterLab (called by scripts/test-all.sh after
# the suite has run against the newest JupyterLab in the main environment):
#   1. build the wheel and the sdist from the committed tree (scripts/build-dist.sh);
#   2. install the wheel into a new virtual environment with the oldest JupyterLab and check that
#      both extensions are enabled and OK (scripts/check-wheel.sh);
#   3. in a cached virtual environment with the oldest JupyterLab and the oldest releases of the
#      server extension's dependencies, with the same wheel installed: the Python tests and the
#      Galata subset of ui-tests/playwright.oldest.config.js (sidebar, form, deploy, chat).
# Needs what scripts/setup.sh installs and the local cluster up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/compat-versions.sh
. scripts/compat-versions.sh
step() { printf '\n==== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
die() {
  printf '[compat] FAILED: %s\n' "$*" >&2
  exit 1
}

step "release artifacts: wheel and sdist (python -m build)"
wheel=$(bash scripts/build-dist.sh | tail -1)

step "the wheel in a clean virtual environment with JupyterLab $OLDEST_JUPYTERLAB"
bash scripts/check-wheel.sh "$wheel"

step "virtual environment with JupyterLab $OLDEST_JUPYTERLAB ($OLDEST_VENV)"
[ -x "$OLDEST_VENV/bin/python" ] || python3 -m venv "$OLDEST_VENV" || die "python3 -m venv"
pip=("$OLDEST_VENV/bin/pip" install -q --disable-pip-version-check)
# The wheel's test extra, pinned to the oldest releases; openai for the chat's notebook cell.
"${pip[@]}" "$wheel[test]" "jupyterlab==$OLDEST_JUPYTERLAB" "${OLDEST_SERVER_DEPS[@]}" \
  "openai>=1.40,<4" || die "pip install into $OLDEST_VENV"
# Same version number as a previous build: reinstall so the environment runs this wheel.
"${pip[@]}" --no-deps --force-reinstall "$wheel" || die "pip install $wheel"
lab_version=$("$OLDEST_VENV/bin/jupyter" lab --version)
[ "$lab_version" = "$OLDEST_JUPYTERLAB" ] || die "$OLDEST_VENV runs JupyterLab $lab_version"
server_version=$("$OLDEST_VENV/bin/python" -c 'import jupyter_server; print(jupyter_server.__version__)')
[ "jupyter_server==$server_version" = "${OLDEST_SERVER_DEPS[0]}" ] \
  || die "$OLDEST_VENV runs jupyter_server $server_version"
echo "JupyterLab $lab_version, jupyter_server $server_version"

step "server extension (pytest, real API server) with JupyterLab $OLDEST_JUPYTERLAB"
"$OLDEST_VENV/bin/python" -m pytest -q -p no:cacheprovider jupyterlab_lws

step "UI subset (Galata) with JupyterLab $OLDEST_JUPYTERLAB"
(cd ui-tests && CI=${CI:-true} LWS_OLDEST_VENV="$OLDEST_VENV" npx playwright test -c playwright.oldest.config.js)
