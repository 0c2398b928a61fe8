#!/usr/bin/env bash
# Instructions the load tool's client executes per request, warm: callgrind counts a run of
# 6,000 requests and one of 2,000, and the difference is divided by 4,000, so start-up, warmup
# and one-time work (schema compilation, connection set-up) cancel out. Instruction counts do not
# depend on what else the machine is doing, unlike times.
#
#   scripts/canned-server.sh start
#   scripts/instructions-per-request.sh            # the SDK: create::<User>, Tools mode
#   scripts/instructions-per-request.sh --raw      # reqwest alone, the same POST
#   scripts/instructions-per-request.sh --raw-hyper  # hyper alone, the same POST
#
# Extra arguments go to examples/loadgen.rs. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --example loadgen >&2
bin="${CARGO_TARGET_DIR:-target}/release/examples/loadgen"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --requests "$1" \
    --concurrency 16 --threads 1 --warmup 100 "${@:2}" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
small=$(count 2000 "$@")
large=$(count 6000 "$@")
echo "$(( (large - small) / 4000 )) instructions per request ($*)"
