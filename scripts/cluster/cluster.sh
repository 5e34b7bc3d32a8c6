#!/usr/bin/env bash
# The local Kubernetes control plane for tests and the demo: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler run by kwokctl's binary runtime, fake GPU nodes owned
# by kwok, and the real LeaderWorkerSet controller with its CRD and webhooks.
#
#   cluster.sh up       build (cached) and start; idempotent; prints how to use it
#   cluster.sh status   exit 0 only if every component answers; says which one does not
#   cluster.sh down     stop everything and delete the cluster's state
#   cluster.sh env      print shell exports (KUBECONFIG, KUBECTL, ...) for this cluster
#
# Everything binds to 127.0.0.1. State lives in $LWS_CLUSTER_RUN (default
# ~/.cache/jupyterlab-lws/run); cluster.json there describes the cluster for tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.sh"

run=${LWS_CLUSTER_RUN:-$HOME/.cache/jupyterlab-lws/run}
name=jupyterlab-lws
export KWOK_WORKDIR=$run/kwok
kwok_dir=$KWOK_WORKDIR/clusters/$name
kubeconfig=$kwok_dir/kubeconfig.yaml
webhook_port=${LWS_WEBHOOK_PORT:-19443}
probe_port=${LWS_PROBE_PORT:-19444}
user_namespace=project-user-alice
restricted_namespace=project-user-bob

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cache_dir() { "$here/build.sh" | tail -n 1; }

k() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "timed out after ${deadline}s waiting for $what"
    sleep 0.5
  done
}

crd_established() {
  [ "$(k get crd "$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" = True ]
}

lws_manager_alive() {
  [ -f "$run/lws-manager.pid" ] && kill -0 "$(cat "$run/lws-manager.pid")" 2>/dev/null
}

apiserver_ready() { k get --raw /readyz >/dev/null 2>&1; }

lws_ready() { curl -sf "http://127.0.0.1:$probe_port/readyz" >/dev/null; }

cmd_status() {
  local ok=0
  [ -f "$run/cluster.json" ] || { echo "not started (no $run/cluster.json): run $0 up"; return 1; }
  bin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bin"])' "$run/cluster.json")
  if apiserver_ready; then echo "kube-apiserver: ready ($(k config view -o jsonpath='{.clusters[0].cluster.server}'))"
  else echo "kube-apiserver: NOT READY"; ok=1; fi
  if [ $ok -eq 0 ]; then
    local components
    components=$(k get --raw '/readyz?verbose' 2>/dev/null | grep -c '^\[+\]' || true)
    echo "  readyz checks passing: $components"
    local nodes
    nodes=$(k get nodes --no-headers 2>/dev/null | grep -c ' Ready' || true)
    echo "fake GPU nodes Ready: $nodes"
    [ "$nodes" -ge 1 ] || ok=1
  fi
  if lws_manager_alive && lws_ready; then echo "LWS manager $LWS_VERSION: ready (pid $(cat "$run/lws-manager.pid"))"
  else
    echo "LWS manager: DOWN — its log: $run/lws-manager.log"; tail -n 20 "$run/lws-manager.log" 2>/dev/null | sed 's/^/  /'
    ok=1
  fi
  return $ok
}

start_lws_manager() {
  local certs=$run/lws-certs
  mkdir -p "$certs"
  # The webhook server reuses kwok's admin certificate: it is signed by the cluster CA and names
  # 127.0.0.1, which is where the API server calls the webhooks (registered by URL below).
  cp "$kwok_dir/pki/admin.crt" "$certs/tls.crt"
  cp "$kwok_dir/pki/admin.key" "$certs/tls.key"
  cat >"$run/lws-config.yaml" <<EOF
apiVersion: config.lws.x-k8s.io/v1alpha1
kind: Configuration
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
webhook:
  host: 127.0.0.1
  port: $webhook_port
  certDir: $certs
metrics:
  bindAddress: "0"
health:
  healthProbeBindAddress: 127.0.0.1:$probe_port
EOF
  log "starting LWS manager $LWS_VERSION (webhooks on 127.0.0.1:$webhook_port)"
  nohup "$bin/lws-manager" --kubeconfig "$kubeconfig" --config "$run/lws-config.yaml" \
    --zap-log-level=info >"$run/lws-manager.log" 2>&1 &
  echo $! >"$run/lws-manager.pid"
  local deadline=$((SECONDS + 60))
  until lws_ready; do
    lws_manager_alive || { tail -n 30 "$run/lws-manager.log" >&2; die "the LWS manager exited at start"; }
    [ $SECONDS -lt $deadline ] || die "the LWS manager did not become ready; see $run/lws-manager.log"
    sleep 0.5
  done
}

register_webhooks() {
  python3 "$here/webhooks.py" "$cache/lws-config" "https://127.0.0.1:$webhook_port" \
    "$kwok_dir/pki/ca.crt" | k apply --server-side --force-conflicts -f - >/dev/null
}

setup_namespace() { # setup_namespace NAMESPACE CLUSTERROLE
  sed "s/NAMESPACE/$1/g; s/ROLE/$2/g" "$here/manifests/user-namespace.yaml" \
    | k apply --server-side --force-conflicts -f - >/dev/null
}

write_account() { # write_account KEY NAMESPACE: files laid out like a pod's service account mount
  local dir=$run/sa/$1
  mkdir -p "$dir"
  k create token default-editor -n "$2" --duration=48h >"$dir/token.new"
  mv "$dir/token.new" "$dir/token"
  cp "$kwok_dir/pki/ca.crt" "$dir/ca.crt"
  printf '%s' "$2" >"$dir/namespace"
}

write_cluster_json() {
  local server; server=$(k config view -o jsonpath='{.clusters[0].cluster.server}')
  python3 - "$run/cluster.json" "$server" "$kubeconfig" "$bin" "$run" "$user_namespace" \
    "$restricted_namespace" "$LWS_VERSION" "$K8S_VERSION" <<'EOF'
import json, sys, urllib.parse
path, server, kubeconfig, bin_dir, run, user_ns, restricted_ns, lws, k8s = sys.argv[1:]
url = urllib.parse.urlparse(server)
json.dump({
    "server": server, "host": url.hostname, "port": url.port,
    "adminKubeconfig": kubeconfig, "bin": bin_dir, "kubectl": f"{bin_dir}/kubectl",
    "lwsVersion": lws, "kubernetesVersion": k8s,
    "accounts": {
        "editor": {"namespace": user_ns, "serviceAccount": "default-editor", "dir": f"{run}/sa/editor"},
        "restricted": {"namespace": restricted_ns, "serviceAccount": "default-editor",
                       "dir": f"{run}/sa/restricted"},
    },
}, open(path, "w"), indent=2)
EOF
}

cmd_up() {
  local started=$SECONDS
  cache=$(cache_dir)
  bin=$cache/bin
  mkdir -p "$run"
  if [ -f "$run/cluster.json" ] && cmd_status >/dev/null 2>&1; then
    log "already running"
    write_account editor "$user_namespace"
    write_account restricted "$restricted_namespace"
    print_usage
    return
  fi
  [ -d "$kwok_dir" ] && cmd_down_quiet

  cat >"$run/kwokctl.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeVersion: $K8S_VERSION
  kubeAuthorization: true
  kubeAdmission: true
  securePort: true
  enableCRDs: [Stage, Logs, ClusterLogs]
  etcdBinary: $bin/etcd
  kubeApiserverBinary: $bin/kube-apiserver
  kubeControllerManagerBinary: $bin/kube-controller-manager
  kubeSchedulerBinary: $bin/kube-scheduler
  kubectlBinary: $bin/kubectl
  kwokControllerBinary: $bin/kwok
EOF
  log "creating the control plane (kwokctl $KWOK_VERSION, Kubernetes $K8S_VERSION)"
  "$bin/kwokctl" create cluster --name "$name" --config "$run/kwokctl.yaml" --wait 120s >"$run/kwokctl.log" 2>&1 \
    || { tail -n 40 "$run/kwokctl.log" >&2; die "kwokctl could not create the cluster"; }
  wait_for 60 "the API server" apiserver_ready

  log "stages, fake GPU nodes, LWS CRD"
  wait_for 60 "kwok's Stage CRD" k get crd stages.kwok.x-k8s.io
  k apply --server-side -f "$here/manifests/stages.yaml" >/dev/null
  k apply --server-side -f "$here/manifests/nodes.yaml" >/dev/null
  # The LWS CRD is over 1 MB: only server-side apply takes it (client-side apply's annotation is too big).
  k apply --server-side -f "$cache/lws-config/leaderworkerset.x-k8s.io_leaderworkersets.yaml" >/dev/null
  wait_for 60 "the LWS CRD to be established" crd_established leaderworkersets.leaderworkerset.x-k8s.io
  k create namespace lws-system --dry-run=client -o yaml | k apply --server-side -f - >/dev/null

  start_lws_manager
  register_webhooks

  log "user namespaces and service accounts"
  setup_namespace "$user_namespace" edit
  setup_namespace "$restricted_namespace" view
  # The guide's Step 1.3, verbatim: what a PCAI admin runs so the notebook may manage LWS.
  k create role lws-manager --verb=create,update,patch,delete,get,list,watch \
    --resource=leaderworkersets -n "$user_namespace" --dry-run=client -o yaml | k apply --server-side -f - >/dev/null
  k create rolebinding lws-manager-binding --role=lws-manager \
    --serviceaccount="$user_namespace:default-editor" -n "$user_namespace" --dry-run=client -o yaml \
    | k apply --server-side -f - >/dev/null
  wait_for 60 "the default-editor service accounts" k get sa default-editor -n "$restricted_namespace"
  write_account editor "$user_namespace"
  write_account restricted "$restricted_namespace"
  wait_for 60 "fake GPU nodes to be Ready" \
    sh -c "'$bin/kubectl' --kubeconfig '$kubeconfig' get nodes --no-headers | grep -q ' Ready'"
  write_cluster_json
  log "up in $((SECONDS - started)) s"
  print_usage
}

print_usage() {
  cat <<EOF
Local cluster is up: $(k config view -o jsonpath='{.clusters[0].cluster.server}')
  admin:        export KUBECONFIG=$kubeconfig; $bin/kubectl get nodes
  user account: $run/sa/editor  (namespace $user_namespace, service account default-editor)
  restricted:   $run/sa/restricted  (namespace $restricted_namespace, read-only)
  described in: $run/cluster.json
EOF
}

cmd_down_quiet() {
  if [ -f "$run/lws-manager.pid" ]; then
    kill "$(cat "$run/lws-manager.pid")" 2>/dev/null || true
    rm -f "$run/lws-manager.pid"
  fi
  local kwokctl
  kwokctl=$(ls "$HOME"/.cache/jupyterlab-lws/k8s/*/bin/kwokctl 2>/dev/null | head -n 1 || true)
  if [ -n "$kwokctl" ] && [ -d "$kwok_dir" ]; then
    "$kwokctl" delete cluster --name "$name" >/dev/null 2>&1 || true
  fi
  rm -rf "$kwok_dir" "$run/cluster.json" "$run/sa"
}

cmd_down() { cmd_down_quiet; log "stopped"; }

cmd_env() {
  [ -f "$run/cluster.json" ] || die "not started: run $0 up"
  bin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bin"])' "$run/cluster.json")
  echo "export KUBECONFIG=$kubeconfig"
  echo "export KUBECTL=$bin/kubectl"
  echo "export LWS_CLUSTER_RUN=$run"
  echo "export PATH=$bin:\$PATH"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  down) cmd_down ;;
  env) cmd_env ;;
  build) cache_dir ;;
  *) echo "usage: $0 up|status|down|env|build" >&2; exit 2 ;;
esac
