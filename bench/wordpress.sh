#!/usr/bin/env bash
# Times `midad import-wordpress` (release build) and prints its peak memory: the fixture
# export (tests/fixtures/wordpress) with its uploads, then a generated export of N posts
# with 200 image attachments (bench/gen_wxr.py) into a new SQLite site, the same import
# again (everything already there and unchanged), and a --dry-run into another new site.
#
#   bench/wordpress.sh [N [GENERATOR OPTIONS…]]
#
# N defaults to 50000; options after it go to bench/gen_wxr.py (`--no-shortcodes`, `--seed`).
# BENCH_BIN=PATH times that binary instead of building one. Goal: 50,000 posts in under a
# minute, under 300 MB of memory.
#
# Peak memory is the largest resident set of the midad process: from GNU time when
# /usr/bin/time is there, otherwise (or with BENCH_RSS=python) from Python's
# resource.getrusage.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-50000}"
shift || true
GEN_OPTIONS=("$@")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/midad-target}"

if [ -n "${BENCH_BIN:-}" ]; then
  BIN="$BENCH_BIN"
else
  cargo build --release --quiet -p midad
  BIN="$CARGO_TARGET_DIR/release/midad"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export MIDAD_LOG__LEVEL=warn

# GNU time if it works here (-f and -o are GNU options), else a few lines of Python.
if [ "${BENCH_RSS:-}" != python ] && [ -x /usr/bin/time ] \
  && /usr/bin/time -f %M -o /dev/null true 2> /dev/null; then
  RSS_TOOL="GNU time"
else
  RSS_TOOL="python3 resource.getrusage"
fi

# measured OUT ERR COMMAND…: runs COMMAND with its output in OUT and ERR, and sets SECONDS_
# (wall time), CPU_ (user + system seconds of the command: on a shared machine the wall
# time grows with the other work, this much less) and RSS_KIB (its peak resident set, KiB).
measured() {
  local out="$1" err="$2"; shift 2
  local rc=0 t0 t1
  if [ "$RSS_TOOL" = "GNU time" ]; then
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$WORK/rss" "$@" > "$out" 2> "$err" || rc=$?
    t1=$(date +%s.%N)
    SECONDS_=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    read -r RSS_KIB CPU_ < <(tail -n 1 "$WORK/rss" | awk '{ print $1, $2 + $3 }')
  else
    python3 - "$WORK/rss" "$out" "$err" "$@" <<'PY' || rc=$?
import resource, subprocess, sys, time
report, out, err, *command = sys.argv[1:]
with open(out, "wb") as o, open(err, "wb") as e:
    t0 = time.monotonic()
    rc = subprocess.call(command, stdout=o, stderr=e)
    seconds = time.monotonic() - t0
# Over the waited-for children (the one child here); ru_maxrss is in KiB on Linux.
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(report, "w") as f:
    f.write(f"{seconds:.2f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.2f}\n")
sys.exit(rc)
PY
    read -r SECONDS_ RSS_KIB CPU_ < "$WORK/rss"
  fi
  if [ "$rc" -ne 0 ]; then
    echo "failed (exit $rc): $*" >&2
    cat "$out" "$err" >&2
    exit 1
  fi
}

# line LABEL [POSTS]: one line of figures for the last measured run.
line() {
  awk -v l="$1" -v s="$SECONDS_" -v c="$CPU_" -v k="$RSS_KIB" -v n="${2:-0}" 'BEGIN {
    rate = (n > 0 && s > 0) ? sprintf("%6.0f posts/s", n / s) : sprintf("%13s", "")
    printf "%-36s %6.2f s  %s  cpu %6.2f s  peak RSS %5.1f MiB\n", l, s, rate, c, k / 1024 }'
}

# report OUT ERR: midad's report (long lines cut) and anything it logged.
report() {
  python3 - "$1" "$2" <<'PY'
import sys
for path in sys.argv[1:]:
    for text in open(path, encoding="utf-8", errors="replace").read().splitlines():
        if text.strip():
            print("    | " + (text if len(text) <= 150 else text[:150] + " …"))
PY
}

echo "peak memory from: $RSS_TOOL"
echo

# ----- the fixture -----
FIXTURE=tests/fixtures/wordpress
measured "$WORK/out" "$WORK/err" \
  "$BIN" --data-dir "$WORK/fixture" import-wordpress "$FIXTURE/export.xml" \
  --uploads "$FIXTURE/uploads"
line "fixture: import (new)"
report "$WORK/out" "$WORK/err"
echo

# ----- N generated posts -----
t0=$(date +%s.%N)
python3 bench/gen_wxr.py "$N" --images "$WORK/uploads" "${GEN_OPTIONS[@]}" > "$WORK/export.xml"
t1=$(date +%s.%N)
awk -v n="$N" -v b="$(stat -c %s "$WORK/export.xml")" -v a="$t0" -v c="$t1" \
  -v u="$(du -sk "$WORK/uploads" | cut -f1)" 'BEGIN {
  printf "generated: %d posts, 20 pages, 200 attachments: %.0f MB of XML, %.1f MB of uploads",
    n, b / 1e6, u / 1024
  printf " (%.1f s)\n", c - a }'
echo

measured "$WORK/out" "$WORK/err" \
  "$BIN" --data-dir "$WORK/site" import-wordpress "$WORK/export.xml" --uploads "$WORK/uploads"
line "generated: import (new)" "$N"
report "$WORK/out" "$WORK/err"
echo "    data folder after the import: $(du -sh "$WORK/site" | cut -f1)"
echo

measured "$WORK/out" "$WORK/err" \
  "$BIN" --data-dir "$WORK/site" import-wordpress "$WORK/export.xml" --uploads "$WORK/uploads"
line "generated: import again (unchanged)" "$N"
report "$WORK/out" "$WORK/err"
echo

measured "$WORK/out" "$WORK/err" \
  "$BIN" --data-dir "$WORK/dry" import-wordpress "$WORK/export.xml" --uploads "$WORK/uploads" \
  --dry-run
line "generated: --dry-run (new site)" "$N"
report "$WORK/out" "$WORK/err"
