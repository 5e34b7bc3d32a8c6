#!/usr/bin/env bash
# The local demo: sets everything up, starts the local cluster, and opens JupyterLab with the
# extension talking to it through the `default-editor` service account, as in a PCAI notebook pod.
#
#   scripts/demo.sh [--port 8888] [extra jupyter lab arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/setup.sh --no-browser
bash scripts/cluster/cluster.sh up
run=${LWS_CLUSTER_RUN:-$HOME/.cache/jupyterlab-lws/run}
server=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["server"])' "$run/cluster.json")
mkdir -p "$root/.demo"
cp -n examples/*.yaml "$root/.demo/" 2>/dev/null || true

echo
echo "JupyterLab with jupyterlab-lws, as default-editor in project-user-alice on $server"
echo "Stop with Ctrl-C; stop the cluster with: bash scripts/cluster/cluster.sh down"
root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)
exec jupyter lab --no-browser "${root_flag[@]}" --ServerApp.root_dir="$root/.demo" \
  --LwsServing.service_account_dir="$run/sa/editor" \
  --LwsServing.api_server="$server" \
  "$@"
