#!/usr/bin/env bash
# Instructions the partial-JSON parser executes per KB of the benchmark document in 4-byte
# pieces, beside one serde_json parse of the whole document (callgrind; independent of the
# machine's load): each mode's count minus the count of building the document alone.
#
#   scripts/partial-json-instructions.sh [KB ...]     # default 5 80 320
#
# Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p instructor-core --example partial_json_instructions >&2
bin="${CARGO_TARGET_DIR:-target}/release/examples/partial_json_instructions"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
[ $# -gt 0 ] || set -- 5 80 320
for kb in "$@"; do
  bytes=$("$bin" none "$kb" 2>&1 | sed -n 's/^\([0-9]*\) bytes/\1/p')
  base=$(count none "$kb")
  inc=$(($(count incremental "$kb") - base))
  conv=$(($(count to_value "$kb") - base))
  serde=$(($(count serde "$kb") - base))
  awk -v kb="$kb" -v b="$bytes" -v i="$inc" -v c="$conv" -v s="$serde" 'BEGIN {
    printf "%d KB (%d bytes): incremental %.0f instructions/KB (ratio %.2f), then to_value %.0f/KB (ratio %.2f), serde_json once %.0f/KB\n",
      kb, b, i * 1024 / b, i / s, c * 1024 / b, c / s, s * 1024 / b }'
done
