#!/usr/bin/env bash
# Times `midad import` of 10,000 articles on SQLite and on PostgreSQL, then the same import
# again (nothing changes: the idempotent path), and prints the figures.
#
#   bench/import.sh [N] [POSTGRES_URL]
#
# N defaults to 10000; POSTGRES_URL defaults to TEST_POSTGRES_URL or
# postgres://postgres@127.0.0.1:5432/postgres (a database midad_bench is created there).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
PG="${2:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/midad-target}"

cargo build --release --quiet -p midad
BIN="$CARGO_TARGET_DIR/release/midad"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 bench/gen_articles.py "$N" > "$WORK/articles.jsonl"
echo "file: $N articles, $(du -h "$WORK/articles.jsonl" | cut -f1)"

now() { date +%s.%N; }
timed() { # label, command…
  local label="$1"; shift
  local t0 t1
  t0=$(now)
  "$@" > /dev/null
  t1=$(now)
  awk -v l="$label" -v a="$t0" -v b="$t1" -v n="$N" \
    'BEGIN { s = b - a; printf "%-34s %7.2f s  %8.0f articles/s\n", l, s, n / s }'
}

export MIDAD_LOG__LEVEL=warn
timed "sqlite: import (new)" "$BIN" --data-dir "$WORK/sqlite" import "$WORK/articles.jsonl"
timed "sqlite: import again (unchanged)" "$BIN" --data-dir "$WORK/sqlite" import "$WORK/articles.jsonl"

base="${PG%%\?*}"; base="${base%/*}"
psql "$PG" -q -c "DROP DATABASE IF EXISTS midad_bench" -c "CREATE DATABASE midad_bench"
DB="$base/midad_bench"
"$BIN" --data-dir "$WORK/pg" --database-url "$DB" migrate > /dev/null
timed "postgres: import (new)" "$BIN" --data-dir "$WORK/pg" --database-url "$DB" import "$WORK/articles.jsonl"
timed "postgres: import again (unchanged)" "$BIN" --data-dir "$WORK/pg" --database-url "$DB" import "$WORK/articles.jsonl"
psql "$PG" -q -c "DROP DATABASE IF EXISTS midad_bench"
