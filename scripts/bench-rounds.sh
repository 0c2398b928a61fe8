#!/usr/bin/env bash
# Interleaved rounds against the canned server: in each round the raw ceiling (wrk for HTTP/1.1,
# h2load for HTTP/2), the HTTP client alone (loadgen --raw: reqwest built as the SDK builds it)
# and the SDK (loadgen: create::<User>), one after the other, so that the three share the
# machine's load of the moment. Prints one line per round: requests per second of each, client
# CPU per request of the two Rust clients, and the SDK's share of the ceiling.
#
#   scripts/canned-server.sh start
#   scripts/bench-rounds.sh [--proto h1|h2c|tls-h1|tls-h2] [--rounds 5] [--requests 60000]
#                           [--threads N] [--concurrency 64]
#
# --threads: tokio worker threads of the load tool (default: tokio's default, one per core, as
# #[tokio::main] gives). Needs wrk and h2load (Debian: wrk, nghttp2-client).
set -euo pipefail
cd "$(dirname "$0")/.."
PROTO=h1
ROUNDS=5
REQUESTS=60000
CONCURRENCY=64
THREADS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --proto) PROTO="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --threads) THREADS=(--threads "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

read -r H1 H2C TLS <<<"$(scripts/canned-server.sh url | sed 's|[a-z]*://127.0.0.1:||g')"
CA=target/canned/tls/ca.pem
PATH_Q='/openai/deployments/user-tools/chat/completions?api-version=2024-10-21'
case "$PROTO" in
  h1) URL="http://127.0.0.1:$H1"; LOADGEN=(--http1) ;;
  h2c) URL="http://127.0.0.1:$H2C"; LOADGEN=(--http2) ;;
  tls-h1) URL="https://127.0.0.1:$TLS"; LOADGEN=(--http1 --ca "$CA") ;;
  tls-h2) URL="https://127.0.0.1:$TLS"; LOADGEN=(--ca "$CA") ;;
  *) echo "unknown protocol $PROTO" >&2; exit 2 ;;
esac

cargo build --release --example loadgen >&2
BIN="${CARGO_TARGET_DIR:-target}/release/examples/loadgen"
BODY=target/canned/bodies/request.json

ceiling() {
  case "$PROTO" in
    h1 | tls-h1)
      wrk -t1 -c"$CONCURRENCY" -d5s -s scripts/canned/post.lua "$URL$PATH_Q" |
        sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'
      ;;
    h2c | tls-h2)
      # One connection carrying CONCURRENCY streams, as the SDK's one lane does.
      h2load -n "$REQUESTS" -c 1 -m "$CONCURRENCY" -t 1 -d "$BODY" \
        -H 'content-type: application/json' -H 'api-key: canned' -H 'accept: application/json' \
        "$URL$PATH_Q" | sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p'
      ;;
  esac
}

client() {
  local out
  out="$("$BIN" --endpoint "$URL" --requests "$REQUESTS" --concurrency "$CONCURRENCY" \
    "${THREADS[@]}" "${LOADGEN[@]}" "$@")"
  local rps cpu
  rps="$(sed -n 's/^requests\/s: \([0-9]*\)/\1/p' <<<"$out")"
  cpu="$(sed -n 's/.*, \([0-9.]*\) us per request/\1/p' <<<"$out")"
  echo "$rps $cpu"
}

echo "proto $PROTO, $REQUESTS requests at concurrency $CONCURRENCY, load tool ${THREADS[*]:-default runtime}"
echo "round | load | ceiling req/s | reqwest alone req/s, us CPU | SDK req/s, us CPU | SDK/ceiling | SDK CPU/reqwest CPU"
for r in $(seq "$ROUNDS"); do
  load="$(cut -d' ' -f1 /proc/loadavg)"
  c="$(ceiling)"
  read -r raw_rps raw_cpu <<<"$(client --raw)"
  read -r sdk_rps sdk_cpu <<<"$(client)"
  awk -v r="$r" -v l="$load" -v c="$c" -v rr="$raw_rps" -v rc="$raw_cpu" -v sr="$sdk_rps" -v sc="$sdk_cpu" \
    'BEGIN { printf "%d | %s | %.0f | %d, %.1f | %d, %.1f | %.0f%% | %.2fx\n", r, l, c, rr, rc, sr, sc, 100 * sr / c, sc / rc }'
done
