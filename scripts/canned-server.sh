#!/usr/bin/env bash
# A canned Azure OpenAI on loopback for the load tool, wrk and h2load: nginx serving fixed
# completions and SSE streams (scripts/canned/). Not our code on the server side, so the figures
# are the SDK's.
#
#   scripts/canned-server.sh start [--port 18080] [--workers 1] [--sizes 1,80] [--h2-streams 128]
#   scripts/canned-server.sh stop | status | url
#
# Listeners: http://127.0.0.1:PORT (HTTP/1.1), http://127.0.0.1:PORT+1 (HTTP/2 with prior
# knowledge, h2c) and https://127.0.0.1:PORT+2 (TLS, h2 or http/1.1 by ALPN, as Azure). The TLS
# certificate is signed by a CA made at start: pass target/canned/tls/ca.pem to the client
# (loadgen --ca, h2load/wrk do not check). --h2-streams: the streams one HTTP/2 connection may
# carry at once (SETTINGS_MAX_CONCURRENT_STREAMS).
#
# Runtime files (config, bodies, certificates, pid, error log) go to target/canned/ (git-ignored).
# Needs nginx and openssl (Debian: apt-get install nginx-light openssl; wrk and nghttp2-client
# (h2load) for the raw ceilings).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PREFIX="$ROOT/target/canned"
PORT=18080
WORKERS=1
SIZES=1,80
H2_STREAMS=128
cmd="${1:-}"
shift || true
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --sizes) SIZES="$2"; shift 2 ;;
    --h2-streams) H2_STREAMS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# A CA and a certificate for 127.0.0.1 and localhost signed by it (rustls refuses a self-signed
# end-entity certificate as its own root).
make_certificates() {
  local dir="$1"
  [ -f "$dir/cert.pem" ] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=canned test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/cert.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 3650 -extfile "$dir/ext.cnf" -out "$dir/cert.pem" 2>/dev/null
}
running() { [ -f "$PREFIX/nginx.pid" ] && kill -0 "$(cat "$PREFIX/nginx.pid")" 2>/dev/null; }
port_of() { sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$PREFIX/nginx.conf" 2>/dev/null | head -1; }

case "$cmd" in
  start)
    if running; then echo "already running on 127.0.0.1:$(port_of) (pid $(cat "$PREFIX/nginx.pid"))"; exit 0; fi
    [ -x "$NGINX" ] || { echo "nginx not found: apt-get install -y nginx-light" >&2; exit 1; }
    mkdir -p "$PREFIX/bodies" "$PREFIX/tmp" "$PREFIX/tls"
    python3 scripts/canned/gen_bodies.py "$PREFIX/bodies" --sizes "$SIZES"
    make_certificates "$PREFIX/tls"
    # Room for 10,000+ concurrent streams: as many descriptors as the hard limit allows.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    NOFILE="$(ulimit -n)"
    CONNS=$(( NOFILE - 64 ))
    sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@PORT@|$PORT|g" -e "s|@WORKERS@|$WORKERS|g" \
      -e "s|@NOFILE@|$NOFILE|g" -e "s|@CONNS@|$CONNS|g" \
      -e "s|@H2C_PORT@|$((PORT + 1))|g" -e "s|@TLS_PORT@|$((PORT + 2))|g" \
      -e "s|@H2_STREAMS@|$H2_STREAMS|g" \
      scripts/canned/nginx.conf.template > "$PREFIX/nginx.conf"
    "$NGINX" -t -q -p "$PREFIX" -c "$PREFIX/nginx.conf"
    nohup "$NGINX" -p "$PREFIX" -c "$PREFIX/nginx.conf" >"$PREFIX/nginx.out" 2>&1 &
    for _ in $(seq 50); do
      if curl -fs -o /dev/null -X POST "http://127.0.0.1:$PORT/openai/deployments/user-tools/chat/completions?api-version=2024-10-21"; then
        echo "canned server on http://127.0.0.1:$PORT, h2c http://127.0.0.1:$((PORT + 1)), https://127.0.0.1:$((PORT + 2)) (CA $PREFIX/tls/ca.pem); pid $(cat "$PREFIX/nginx.pid"), $WORKERS worker(s), $CONNS connections per worker, $H2_STREAMS streams per HTTP/2 connection"
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
    p="$(port_of)"
    echo "http://127.0.0.1:$p http://127.0.0.1:$((p + 1)) https://127.0.0.1:$((p + 2))"
    ;;
  *)
    echo "usage: $0 start [--port P] [--workers N] [--sizes 1,80] [--h2-streams N] | stop | status | url" >&2
    exit 2
    ;;
esac
