#!/usr/bin/env bash
# A canned Azure OpenAI on loopback for the load tool and wrk: nginx serving fixed completions and
# SSE streams (scripts/canned/). Not our code on the server side, so the figures are the SDK's.
#
#   scripts/canned-server.sh start [--port 18080] [--workers 1] [--sizes 1,80]
#   scripts/canned-server.sh stop | status | url
#
# Runtime files (config, bodies, pid, error log) go to target/canned/ (git-ignored).
# Needs nginx (Debian: apt-get install nginx-light; wrk for the raw ceiling).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PREFIX="$ROOT/target/canned"
PORT=18080
WORKERS=1
SIZES=1,80
cmd="${1:-}"
shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --sizes) SIZES="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
running() { [ -f "$PREFIX/nginx.pid" ] && kill -0 "$(cat "$PREFIX/nginx.pid")" 2>/dev/null; }
port_of() { sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$PREFIX/nginx.conf" 2>/dev/null | head -1; }

case "$cmd" in
  start)
    if running; then echo "already running on 127.0.0.1:$(port_of) (pid $(cat "$PREFIX/nginx.pid"))"; exit 0; fi
    [ -x "$NGINX" ] || { echo "nginx not found: apt-get install -y nginx-light" >&2; exit 1; }
    mkdir -p "$PREFIX/bodies" "$PREFIX/tmp"
    python3 scripts/canned/gen_bodies.py "$PREFIX/bodies" --sizes "$SIZES"
    # Room for 10,000+ concurrent streams: as many descriptors as the hard limit allows.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    NOFILE="$(ulimit -n)"
    CONNS=$(( NOFILE - 64 ))
    sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@PORT@|$PORT|g" -e "s|@WORKERS@|$WORKERS|g" \
      -e "s|@NOFILE@|$NOFILE|g" -e "s|@CONNS@|$CONNS|g" \
      scripts/canned/nginx.conf.template > "$PREFIX/nginx.conf"
    "$NGINX" -t -q -p "$PREFIX" -c "$PREFIX/nginx.conf"
    nohup "$NGINX" -p "$PREFIX" -c "$PREFIX/nginx.conf" >"$PREFIX/nginx.out" 2>&1 &
    for _ in $(seq 50); do
      if curl -fs -o /dev/null -X POST "http://127.0.0.1:$PORT/openai/deployments/user-tools/chat/completions?api-version=2024-10-21"; then
        echo "canned server on http://127.0.0.1:$PORT (pid $(cat "$PREFIX/nginx.pid"), $WORKERS worker(s), $CONNS connections per worker)"
        exit 0
      fi
      sleep 0.1
    done
    echo "nginx did not come up; see $PREFIX/error.log and $PREFIX/nginx.out" >&2
    exit 1
    ;;
  stop)
    if running; then
      pid="$(cat "$PREFIX/nginx.pid")"
      kill -QUIT "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "stopped"
    else
      echo "not running"
    fi
    ;;
  status)
    if running; then echo "running on 127.0.0.1:$(port_of) (pid $(cat "$PREFIX/nginx.pid"))"; else echo "not running"; exit 1; fi
    ;;
  url)
    echo "http://127.0.0.1:$(port_of)"
    ;;
  *)
    echo "usage: $0 start [--port P] [--workers N] [--sizes 1,80] | stop | status | url" >&2
    exit 2
    ;;
esac
