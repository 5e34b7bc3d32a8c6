#!/usr/bin/env bash
# Builds the local control plane from the Go module proxy into a cache outside the repository:
#   ~/.cache/jupyterlab-lws/k8s/<key>/{bin,lws-config}
# Idempotent: each binary is skipped when present, so an interrupted build resumes.
# Prints the cache folder on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.sh"

key=$(printf '%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" "$LWS_VERSION" "$(go env GOVERSION)" \
  | sha256sum | cut -c1-12)
cache=${LWS_CLUSTER_CACHE:-$HOME/.cache/jupyterlab-lws/k8s}/$key
bin=$cache/bin
work=$cache/src
mkdir -p "$bin" "$work"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# A throwaway consumer module per component, so Go's version selection never mixes the
# Kubernetes 0.34 libraries of the control plane with kwok's 0.36 or LWS's 0.33.
new_module() {
  local dir=$work/$1
  mkdir -p "$dir"
  if [ ! -f "$dir/go.mod" ]; then
    (cd "$dir" && go mod init "local.build/$1" >/dev/null 2>&1)
  fi
  echo "$dir"
}

build_etcd() {
  [ -x "$bin/etcd" ] && return
  log "etcd $ETCD_VERSION"
  local dir; dir=$(new_module etcd)
  (cd "$dir" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" \
    && go build -trimpath -o "$bin/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  [ -x "$bin/kwokctl" ] && [ -x "$bin/kwok" ] && return
  log "kwok $KWOK_VERSION"
  local ld="-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
  GOBIN=$bin go install -trimpath -ldflags "$ld" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
}

build_lws() {
  [ -x "$bin/lws-manager" ] && [ -f "$cache/lws-config/validating-patch.yaml" ] && return
  log "LWS manager $LWS_VERSION"
  local dir; dir=$(new_module lws)
  (cd "$dir" && go get "sigs.k8s.io/lws/cmd@$LWS_VERSION" \
    && go build -trimpath -o "$bin/lws-manager" sigs.k8s.io/lws/cmd)
  # The CRD and webhook configuration come from the same module version as the manager.
  local src; src=$(cd "$dir" && go list -m -f '{{.Dir}}' sigs.k8s.io/lws)
  rm -rf "$cache/lws-config" && mkdir -p "$cache/lws-config"
  cp "$src"/config/crd/bases/*.yaml "$src"/config/webhook/manifests.yaml \
    "$src"/config/webhook/mutating-patch.yaml "$src"/config/webhook/validating-patch.yaml "$cache/lws-config/"
  chmod -R u+w "$cache/lws-config"
}

build_kube() {
  local targets=() t
  for t in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [ -x "$bin/$t" ] || targets+=("$t")
  done
  [ ${#targets[@]} -eq 0 ] && return
  log "Kubernetes $K8S_VERSION: ${targets[*]}"
  local dir; dir=$(new_module kube)
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  if ! grep -q '^replace' "$dir/go.mod"; then
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with local
    # folders; a consumer must pin each one to the matching published v0.<minor>.<patch>.
    local upstream; upstream=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
      | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    {
      echo 'godebug default=go1.24'
      grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging' "$upstream" | awk '{print $1}' | sort -u \
        | while read -r m; do echo "replace $m => $m v0.${K8S_VERSION#v1.}"; done
    } >> "$dir/go.mod"
  fi
  # Naming the command packages (not just the module) records the go.sum entries of their imports.
  (cd "$dir" && go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" 2>/dev/null)
  local v=k8s.io/component-base/version c=k8s.io/client-go/pkg/version x=""
  for p in $v $c; do
    x+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    x+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for t in "${targets[@]}"; do
    log "  $t"
    (cd "$dir" && go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "-s -w $x" \
      -o "$bin/$t" "k8s.io/kubernetes/cmd/$t")
  done
}

build_etcd
build_kwok
build_lws
build_kube
"$bin/kube-apiserver" --version >&2
echo "$cache"
