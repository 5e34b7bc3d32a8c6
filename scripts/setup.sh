#!/usr/bin/env bash
# Installs everything jupyterlab-lws needs on a fresh Debian machine (idempotent, quick when done):
# system packages, Python and npm dependencies, the built extension installed with pip exactly as
# a user gets it (prebuilt: no JupyterLab rebuild), and the local cluster's binaries (cached).
#
#   scripts/setup.sh            everything, including Chromium for the UI tests
#   scripts/setup.sh --no-browser
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

want_browser=1
[ "${1:-}" = "--no-browser" ] && want_browser=0

need_apt=()
command -v curl >/dev/null || need_apt+=(curl)
# The download script's tests run huggingface_hub in venvs; Debian's python3 needs this for them.
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ $want_browser = 1 ] && [ ! -x /usr/bin/chromium ]; then need_apt+=(chromium fonts-dejavu-core); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

command -v go >/dev/null || { log "Go is required to build the local cluster"; exit 1; }
command -v node >/dev/null || { log "Node.js is required"; exit 1; }

log "Python dependencies"
# build: `python -m build` makes the release wheel and sdist (scripts/build-dist.sh).
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "jupyterlab==4.6.6" "jupyter-builder>=1.2,<2" \
  "hatchling>=1.5" "hatch-nodejs-version>=0.3.2" "hatch-jupyter-builder>=0.10" "build>=1.2"

log "huggingface_hub clients for the download script's tests (oldest in a supported engine image, newest)"
for version in 0.25.2 2.4.0; do  # keep in step with CLIENTS in jupyterlab_lws/tests/test_download_script.py
  venv="$HOME/.cache/jupyterlab-lws/venvs/hf-$version"
  [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import huggingface_hub" 2>/dev/null && continue
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "huggingface_hub==$version"
done

log "the chat's test engine: llama-cpp-python's OpenAI-compatible server (llama.cpp built from source,"
log "about 7 minutes once; pip caches the wheel), gguf for its tiny model, openai for notebook code"
python3 -c "import llama_cpp, fastapi, sse_starlette, gguf, openai" 2>/dev/null \
  || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    "llama-cpp-python[server]==0.3.36" "gguf>=0.10,<1" "openai>=1.40,<4"

log "npm dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # esbuild's postinstall runs its binary right after writing it; on a busy machine Linux can
  # answer ETXTBSY ("text file busy") once. A second npm ci starts clean; a real failure fails twice.
  npm ci --no-audit --no-fund --loglevel=error \
    || { log "npm ci failed; once more (esbuild's install can race with ETXTBSY)"; \
         npm ci --no-audit --no-fund --loglevel=error; }
fi
if [ $want_browser = 1 ]; then
  (cd ui-tests && { [ -d node_modules ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; } \
    || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

log "build the extension and the CLI"
npm run build:prod --silent

log "install the Python package (prebuilt extension + server extension)"
# A development link (`jupyter labextension develop`, or a hand-made symlink to a checkout) in
# place of the installed extension makes pip fail on it: remove the link, keep real installs.
dev_link="$(python3 -c 'import sys; print(sys.prefix)')/share/jupyter/labextensions/jupyterlab-lws"
[ -L "$dev_link" ] && rm "$dev_link"
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-build-isolation ".[test]"
# Captured first: `grep -q` would close the pipe early and, with pipefail, fail the check.
labext=$(jupyter labextension list 2>&1)
grep -q "jupyterlab-lws.*enabled.*OK" <<<"$labext" || { echo "$labext"; log "the prebuilt extension is not enabled"; exit 1; }
serverext=$(jupyter server extension list 2>&1)
grep -q "jupyterlab_lws.*enabled" <<<"$serverext" || { echo "$serverext"; log "the server extension is not enabled"; exit 1; }

log "local cluster binaries (cached in ~/.cache/jupyterlab-lws/k8s)"
bash scripts/cluster/build.sh >/dev/null
log "done"
