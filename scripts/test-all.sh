#!/usr/bin/env bash
# Runs every test of jupyterlab-lws on a fresh machine: sets up, starts the local cluster, then
# lint, unit tests (jest), the CLI, the server extension (pytest against the real API server),
# and the UI (Galata in Debian's Chromium against the real cluster); then the release wheel and
# pytest plus a Galata subset against the oldest supported JupyterLab. Stops at the first failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
step() { printf '\n==== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }

step "setup"
bash scripts/setup.sh

step "local cluster"
bash scripts/cluster/cluster.sh up
bash scripts/cluster/cluster.sh status

step "lint"
npm run lint:check --silent
ruff check jupyterlab_lws conftest.py scripts ui-tests/jupyter_server_test_config.py
ruff format --check jupyterlab_lws conftest.py scripts ui-tests/jupyter_server_test_config.py
python3 .github/scripts/check_auth.py

step "unit tests (jest)"
npx jest --ci

step "cluster smoke test and manifests against the real API server"
python3 -m pytest -q scripts/cluster

step "server extension (pytest, real API server)"
python3 -m pytest -q jupyterlab_lws

step "UI (Galata, Chromium, real cluster)"
rm -rf ui-tests/.scan  # what the secrets scan reads: this run's logs and browser state only
(cd ui-tests && CI=${CI:-true} npx playwright test \
  && CI=${CI:-true} npx playwright test -c playwright.restricted.config.js \
  && CI=${CI:-true} npx playwright test -c playwright.restart.config.js)

step "secrets scan of what the UI run wrote (no test token anywhere)"
python3 scripts/secrets_scan.py

step "release wheel, and the oldest supported JupyterLab (scripts/compat.sh)"
bash scripts/compat.sh

step "all tests passed"
bash scripts/cluster/cluster.sh status
