#!/usr/bin/env bash
# Runs every test: unit, doc, mock-server and end-to-end tests against the real local model
# (SmolLM2-135M served by llama.cpp on 127.0.0.1), which this script installs and starts first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

scripts/local-model.sh install
started_here=0
if ! scripts/local-model.sh status >/dev/null 2>&1; then
    scripts/local-model.sh start
    started_here=1
fi
stop() { if [ "$started_here" = 1 ]; then scripts/local-model.sh stop; fi; }
trap stop EXIT

eval "$(scripts/local-model.sh env)"
export INSTRUCTOR_LOCAL_MODEL=1
cargo test --workspace --all-features "$@"
