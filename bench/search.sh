#!/usr/bin/env bash
# Search benchmark: indexes N generated Arabic articles (default 100,000, ~600 words each),
# prints the indexing time and the index size, then runs 1,000 queries at concurrency 8 and
# prints p50/p99 latency.   bench/search.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/midad-target}"
cargo bench --quiet -p midad-search --bench search -- "${1:-100000}"
