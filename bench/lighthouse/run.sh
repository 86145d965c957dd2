#!/usr/bin/env bash
# Lighthouse (mobile, the default profile: a slow 4G network and a throttled CPU) against
# Midad's home and article pages with the demo content, in Debian's Chromium. Prints the
# four category scores of each page; the full reports are left in $OUT (default
# bench/lighthouse/reports).
#
#   bench/lighthouse/run.sh
#
# Needs Node.js, npm and /usr/bin/chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")"
HERE="$PWD"
ROOT="$(cd ../.. && pwd)"
OUT="${OUT:-$HERE/reports}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/midad-target}"
[ -x /usr/bin/chromium ] || { echo "Chromium is missing: apt-get install chromium" >&2; exit 2; }
[ -d node_modules/lighthouse ] || npm ci --no-audit --no-fund > /dev/null

(cd "$ROOT" && cargo build --release --quiet -p midad)
BIN="$CARGO_TARGET_DIR/release/midad"
WORK="$(mktemp -d)"
PORT=18090
trap 'kill "$SERVER" 2> /dev/null || true; rm -rf "$WORK"' EXIT
MIDAD_LOG__LEVEL=warn "$BIN" --data-dir "$WORK/data" serve --demo --listen "127.0.0.1:$PORT" \
  > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
ARTICLE="$(curl -fsS "$BASE/" | grep -o 'href="/article/[^"]*"' | sed -n 1p | cut -d'"' -f2)"
mkdir -p "$OUT"

score() { # name, url
  local json="$OUT/$1.json"
  CHROME_PATH=/usr/bin/chromium node_modules/.bin/lighthouse "$2" \
    --quiet --output=json --output-path="$json" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$WORK/chrome-$1" \
    > /dev/null 2> "$WORK/lh-$1.log" || { cat "$WORK/lh-$1.log" >&2; return 1; }
  node -e '
    const r = require(process.argv[1]);
    const c = r.categories;
    const s = (k) => Math.round(c[k].score * 100);
    console.log(`${process.argv[2].padEnd(8)} performance ${s("performance")}  accessibility ${s("accessibility")}  best-practices ${s("best-practices")}  seo ${s("seo")}`);
    for (const [id, a] of Object.entries(r.audits)) {
      if (a.score !== null && a.score < 1 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "manual" && a.scoreDisplayMode !== "notApplicable")
        console.log(`         below full marks: ${id} (${a.displayValue || a.score})`);
    }
  ' "$json" "$1"
}

echo "Lighthouse $(node_modules/.bin/lighthouse --version), mobile profile, $(/usr/bin/chromium --version)"
score home "$BASE/"
score article "$BASE$ARTICLE"
