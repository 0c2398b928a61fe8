#!/usr/bin/env bash
# The demo: install and start the local model (unless AZURE_OPENAI_ENDPOINT points at Azure), then
# run every example of the guide against it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

started_here=0
if [ -z "${AZURE_OPENAI_ENDPOINT:-}" ]; then
    scripts/local-model.sh install
    if ! scripts/local-model.sh status >/dev/null 2>&1; then
        scripts/local-model.sh start
        started_here=1
    fi
fi
stop() { if [ "$started_here" = 1 ]; then scripts/local-model.sh stop; fi; }
trap stop EXIT

cargo build --quiet --examples
for example in basic async nested partial iterable modes; do
    printf '\n=== cargo run --example %s\n' "$example"
    cargo run --quiet --example "$example"
done
# A batch job takes up to 24 hours on Azure; on the local model, seconds.
if [ -z "${AZURE_OPENAI_ENDPOINT:-}" ]; then
    printf '\n=== cargo run --example batch\n'
    BATCH_POLL_SECS="${BATCH_POLL_SECS:-1}" cargo run --quiet --example batch
fi

cat <<'MSG'

=== The UIs: a live web page and a terminal form (they run until you stop them)
  scripts/local-model.sh start      # the local model, unless AZURE_OPENAI_ENDPOINT is set
  cargo run --example web           # open http://127.0.0.1:3000/?text=Jason+is+25+years+old (PORT=… for another port)
  cargo run --example tui           # q quits
MSG
