#!/usr/bin/env bash
# Instructions the load tool's client executes per streamed event, warm: callgrind counts a run of
# 600 `create_partial` streams and one of 200, and the difference is divided by 400 streams and
# by the events each stream has, so start-up and one-time work cancel out.
#
#   scripts/canned-server.sh start
#   scripts/instructions-per-event.sh                       # team-1k-tools over h2c, 274 events
#   scripts/instructions-per-event.sh team-80k-tools 20492  # another canned stream
#
# Extra arguments after those two go to examples/loadgen.rs. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
deployment="${1:-team-1k-tools}"
events="${2:-274}"
cargo build --release --example loadgen >&2
bin="${CARGO_TARGET_DIR:-target}/release/examples/loadgen"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --requests "$1" \
    --concurrency 16 --threads 1 --warmup 20 --endpoint http://127.0.0.1:18281 --http2 \
    --stream --partial --deployment "$deployment" --events-per-stream "$events" "${@:2}" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
small=$(count 200 "${@:3}")
large=$(count 600 "${@:3}")
echo "$(( (large - small) / 400 / events )) instructions per event ($deployment)"
