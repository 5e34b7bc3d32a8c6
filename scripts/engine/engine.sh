#!/usr/bin/env bash
# A real OpenAI-compatible engine on this machine, for the chat tests and the local demo:
# llama-cpp-python's server (llama.cpp built from source by scripts/setup.sh) serving a tiny
# random-weight model that make_tiny_model.py writes (no model hub is reached).
#
#   engine.sh run      serve in the foreground (Playwright's webServer runs this)
#   engine.sh start    serve in the background; returns once /v1/models answers; idempotent
#   engine.sh stop     stop the engine that `start` began
#   engine.sh status   exit 0 when the engine answers
#
# It listens on 127.0.0.1:$LWS_ENGINE_PORT (default 18080) and serves the model as
# $LWS_ENGINE_MODEL (default tiny-chat). A Service of the local cluster whose port is that same
# number reaches it through the endpoint proxy (tests use `http://127.0.0.1:{port}` as the
# endpoint URL template).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=${LWS_ENGINE_PORT:-18080}
model_name=${LWS_ENGINE_MODEL:-tiny-chat}
dir=${LWS_ENGINE_DIR:-$HOME/.cache/jupyterlab-lws/engine}
model=$dir/tiny.gguf
pidfile=$dir/engine-$port.pid
logfile=$dir/engine-$port.log

log() { printf '[engine %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

answers() { curl -sf --max-time 2 "http://127.0.0.1:$port/v1/models" >/dev/null; }

ensure_model() {
  [ -s "$model" ] || python3 "$here/make_tiny_model.py" "$model" >/dev/null
}

serve() {
  # One thread: the machine is shared. interrupt_requests off: by default a new request
  # interrupts the one being generated, which would break concurrent streams (the load probe).
  exec python3 -m llama_cpp.server --model "$model" --model_alias "$model_name" \
    --host 127.0.0.1 --port "$port" --n_ctx 4096 --n_threads 1 --n_threads_batch 1 \
    --interrupt_requests False --verbose True
}

case "${1:-}" in
  run)
    ensure_model
    serve
    ;;
  start)
    if answers; then log "already serving on 127.0.0.1:$port"; exit 0; fi
    ensure_model
    mkdir -p "$dir"
    (serve >"$logfile" 2>&1 &
      echo $! >"$pidfile")
    deadline=$((SECONDS + 60))
    until answers; do
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        tail -n 20 "$logfile" >&2; log "the engine exited; log: $logfile"; exit 1
      fi
      [ $SECONDS -lt $deadline ] || { log "no answer within 60 s; log: $logfile"; exit 1; }
      sleep 0.3
    done
    log "serving $model_name on http://127.0.0.1:$port/v1 (log: $logfile)"
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    fi
    ;;
  status)
    answers
    ;;
  *)
    echo "usage: $0 run|start|stop|status" >&2
    exit 2
    ;;
esac
