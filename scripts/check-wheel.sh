#!/usr/bin/env bash
# Checks a release wheel the way a notebook user installs it: `pip install <wheel>` into a new,
# empty virtual environment together with the oldest supported JupyterLab, then the prebuilt
# labextension must be listed enabled and OK, the server extension enabled and OK, and the
# `jupyterlab-lws` command must run.
#
#   scripts/check-wheel.sh dist/jupyterlab_lws-X.Y.Z-py3-none-any.whl
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/compat-versions.sh
. "$root/scripts/compat-versions.sh"
log() { printf '[check-wheel %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

wheel=${1:?usage: check-wheel.sh WHEEL}
[ -f "$wheel" ] || die "no wheel at $wheel (scripts/build-dist.sh builds it)"

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv" || die "python3 -m venv (Debian needs python3-venv)"
log "pip install $(basename "$wheel") jupyterlab==$OLDEST_JUPYTERLAB into a new virtual environment"
"$venv/bin/pip" install -q --disable-pip-version-check "$wheel" "jupyterlab==$OLDEST_JUPYTERLAB" \
  || die "pip install of the wheel"

# Captured first: `grep -q` would close the pipe early and, with pipefail, fail the check.
# The lists colour "enabled" and "OK" with escape codes even in a pipe: strip them.
plain() { sed 's/\x1b\[[0-9;]*m//g'; }
labext=$(cd "$venv" && "$venv/bin/jupyter" labextension list 2>&1 | plain)
echo "$labext" | grep -E "JupyterLab v|jupyterlab-lws" >&2
grep -q "JupyterLab v$OLDEST_JUPYTERLAB" <<<"$labext" || die "the venv does not run JupyterLab $OLDEST_JUPYTERLAB"
grep -Eq "jupyterlab-lws v[^ ]+ .*enabled.* OK" <<<"$labext" \
  || die "the prebuilt labextension is not listed enabled and OK"
if grep -q "not compatible" <<<"$labext"; then die "jupyter labextension list reports an incompatibility"; fi

serverext=$(cd "$venv" && "$venv/bin/jupyter" server extension list 2>&1 | plain)
echo "$serverext" | grep "jupyterlab_lws" >&2
grep -Eq "jupyterlab_lws .*enabled" <<<"$serverext" || die "the server extension is not enabled"
grep -Eq "jupyterlab_lws [^ ]+ .*OK" <<<"$serverext" || die "the server extension does not load"
# The command line for pip users runs with the Node on PATH.
rendered=$("$venv/bin/jupyterlab-lws" render "$root/examples/guide-vllm-70b.yaml") \
  || die "jupyterlab-lws render (the wheel's command line)"
grep -q "kind: LeaderWorkerSet" <<<"$rendered" || die "jupyterlab-lws render printed no LeaderWorkerSet"
log "the wheel installs into JupyterLab $OLDEST_JUPYTERLAB: labextension and server extension enabled and OK, jupyterlab-lws runs"
