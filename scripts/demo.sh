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

# A real OpenAI-compatible engine (tiny model) and a Ready deployment whose Service reaches it,
# so the chat works at once. Stop the engine with: bash scripts/engine/engine.sh stop
bash scripts/engine/engine.sh start
kubectl_bin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kubectl"])' "$run/cluster.json")
admin=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["adminKubeconfig"])' "$run/cluster.json")
"$kubectl_bin" --kubeconfig "$admin" apply --server-side -n project-user-alice \
  -f scripts/engine/demo-deployment.yaml >/dev/null
# The demo's kernels run on this machine: code inserted from the chat calls the local engine.
settings="$root/.demo/.settings/jupyterlab-lws"
mkdir -p "$settings"
[ -f "$settings/plugin.jupyterlab-settings" ] \
  || echo '{"notebookEndpointUrlTemplate": "http://127.0.0.1:{port}"}' >"$settings/plugin.jupyterlab-settings"

echo
echo "JupyterLab with jupyterlab-lws, as default-editor in project-user-alice on $server"
echo "Stop with Ctrl-C; stop the cluster with: bash scripts/cluster/cluster.sh down"
root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)
exec jupyter lab --no-browser "${root_flag[@]}" --ServerApp.root_dir="$root/.demo" \
  --LwsServing.service_account_dir="$run/sa/editor" \
  --LwsServing.api_server="$server" \
  --LwsServing.endpoint_url_template='http://127.0.0.1:{port}' \
  --LabApp.user_settings_dir="$root/.demo/.settings" \
  "$@"
