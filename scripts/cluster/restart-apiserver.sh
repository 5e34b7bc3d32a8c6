#!/usr/bin/env bash
# Stops the local cluster's kube-apiserver and starts it again, for the fault tests
# (ui-tests/tests/fault-apiserver-restart.spec.ts). kwokctl's binary runtime runs each
# component as a plain process with a pid file and has no per-component stop, so `stop` ends
# the process and `start` runs the component again from kwokctl's own description of it
# (kwok.yaml: binary, args, workDir), logging and writing its pid where kwokctl does (so
# `cluster.sh down` still stops it). etcd keeps running: no object is lost.
#
# kube-controller-manager and kube-scheduler exit when they cannot renew their leader lease
# (the API server away for more than about 10 s), and kwokctl does not restart them: `start`
# starts every component of the cluster that is not running.
#
# Usage: bash scripts/cluster/restart-apiserver.sh [stop|start|restart]   (default: restart)
set -euo pipefail

run=${LWS_CLUSTER_RUN:-$HOME/.cache/jupyterlab-lws/run}
info=$run/cluster.json
die() { echo "restart-apiserver: $*" >&2; exit 1; }
[ -f "$info" ] || die "$info is missing: start the cluster with bash scripts/cluster/cluster.sh up"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$info" "$1"; }
kubeconfig=$(field adminKubeconfig)
kubectl=$(field kubectl)
dir=$(dirname "$kubeconfig")
pidfile=$dir/pids/kube-apiserver.pid

running_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] \
    && tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1 | grep -q 'kube-apiserver$'; then
    echo "$pid"
  fi
}

gone_within() { # pid, tenths of a second
  for _ in $(seq 1 "$2"); do
    [ -d "/proc/$1" ] || return 0
    sleep 0.1
  done
  return 1
}

stop() {
  local pid
  pid=$(running_pid)
  [ -n "$pid" ] || { echo "kube-apiserver is not running"; return 0; }
  # A graceful stop waits up to 60 s for open watches; after 10 s it is killed, as in a crash.
  kill "$pid"
  gone_within "$pid" 100 || { kill -KILL "$pid" 2>/dev/null || true; gone_within "$pid" 100; } \
    || die "kube-apiserver (pid $pid) did not stop"
  echo "kube-apiserver stopped (pid $pid)"
}

start() {
  python3 - "$dir" <<'PY'
import os
import subprocess
import sys

import yaml  # PyYAML, a dependency of jupyter_events

folder = sys.argv[1]
with open(f"{folder}/kwok.yaml") as description:
    documents = list(yaml.safe_load_all(description))
for document in documents:
    for component in (document or {}).get("components") or []:
        name, binary = component["name"], component["binary"]
        pidfile = f"{folder}/pids/{name}.pid"
        try:
            with open(pidfile) as saved:
                pid = int(saved.read().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                running = cmdline.read().split(b"\0")[0].decode()
            if os.path.basename(running) == os.path.basename(binary):
                continue
        except (OSError, ValueError):
            pass
        # In a session of its own: a test runner that ends does not take it along.
        with open(f"{folder}/logs/{name}.log", "ab") as log:
            process = subprocess.Popen(
                [binary, *component.get("args", [])],
                cwd=component.get("workDir") or folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        with open(pidfile, "w") as saved:
            saved.write(str(process.pid))
        print(f"started {name} (pid {process.pid})")
PY
  local since
  since=$(date -u +%s)
  for _ in $(seq 1 180); do
    if "$kubectl" --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; then
      echo "kube-apiserver ready (pid $(cat "$pidfile"))"
      leaders_renewed "$since"
      return 0
    fi
    sleep 0.5
  done
  die "kube-apiserver did not become ready within 90 s (see $dir/logs/kube-apiserver.log)"
}

# Pods are scheduled and garbage collected again only once the controller manager and the
# scheduler (restarted, or reconnected) hold their leader leases: wait until both were renewed.
leaders_renewed() {
  local since=$1 lease renewed
  for lease in kube-controller-manager kube-scheduler; do
    for _ in $(seq 1 120); do
      renewed=$("$kubectl" --kubeconfig "$kubeconfig" get lease "$lease" -n kube-system \
        -o jsonpath='{.spec.renewTime}' 2>/dev/null || true)
      if [ -n "$renewed" ] && [ "$(date -u -d "$renewed" +%s)" -ge "$since" ]; then
        break
      fi
      sleep 0.5
    done
    [ -n "$renewed" ] && [ "$(date -u -d "$renewed" +%s)" -ge "$since" ] \
      || die "$lease did not renew its leader lease within 60 s (see $dir/logs/$lease.log)"
  done
  echo "kube-controller-manager and kube-scheduler lead again"
}

case "${1:-restart}" in
  stop) stop ;;
  start) start ;;
  restart) stop && start ;;
  *) die "usage: $0 [stop|start|restart]" ;;
esac
