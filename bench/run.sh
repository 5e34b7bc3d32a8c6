#!/usr/bin/env bash
# Every benchmark of bench/, one after the other (npm run bench). Not part of scripts/test-all.sh:
# they take about 20 minutes and measure, they do not pass or fail. Each prints ratios against a
# baseline of its own run; the output is also kept in bench/results/<UTC time>/ (git-ignored).
#
# Needs the local cluster (bash scripts/cluster/cluster.sh up), the installed extension and
# the test engine's build (bash scripts/setup.sh), and Debian's Chromium. Stops at the first
# benchmark that fails. The browser benchmarks hold /tmp/lws-ui.lock (the Galata lock) while
# JupyterLab and Chromium run.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=${LWS_UI_LOCK:-/tmp/lws-ui.lock}
out=bench/results/$(date -u +%Y%m%dT%H%MZ)
mkdir -p "$out"

die() { echo "bench/run.sh: $*" >&2; exit 1; }
bash scripts/cluster/cluster.sh status >/dev/null \
  || die "the local cluster is not running: bash scripts/cluster/cluster.sh up"
command -v jupyter >/dev/null && jupyter labextension list 2>&1 | grep jupyterlab-lws >/dev/null \
  || die "JupyterLab with jupyterlab-lws is not installed: bash scripts/setup.sh"
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || die "no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}"
python3 -c 'import llama_cpp' 2>/dev/null \
  || die "the test engine (llama-cpp-python) is not built: bash scripts/setup.sh"

run() { # run NAME COMMAND...: print and keep its output
  echo "== $1: ${*:2}"
  "${@:2}" | tee "$out/$1.txt"
}

echo "bench/run.sh $(date -u '+%F %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run chat-proxy python3 bench/chat_proxy.py --runs 20 --streams 128
run startup flock "$lock" node bench/startup.mjs --runs 7
run responsiveness node bench/responsiveness.mjs --rounds 40
run log-connections flock "$lock" node bench/log-connections.mjs --rounds 20
run scale node bench/scale.mjs --deployments 100 --size 16 --rounds 20
run body-limit python3 bench/body_limit.py --requests 2
echo "results in $out/"
