#!/usr/bin/env bash
# Runs every test: unit, doc, mock-server and end-to-end tests against the real local model
# (SmolLM2-135M served by llama.cpp on 127.0.0.1), which this script installs and starts first;
# then the fidelity table (examples/fidelity), which fails when a cell of
# docs/fidelity-baseline.txt is no longer right. FIDELITY=0 skips the table.
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

if [ "${FIDELITY:-1}" != 0 ]; then
    # The table runs the local model as the examples do (temperature 0, bounded replies):
    # AZURE_OPENAI_ENDPOINT left empty means "not Azure" to them.
    port="${AZURE_OPENAI_ENDPOINT##*:}"
    AZURE_OPENAI_ENDPOINT= LOCAL_MODEL_PORT="$port" \
        cargo run --quiet --example fidelity -- --check docs/fidelity-baseline.txt
fi
