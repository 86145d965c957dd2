#!/usr/bin/env bash
# The newsletter at scale: N confirmed subscribers (100,000 by default), the time to queue
# one digest for all of them, the delivery rate to a local SMTP sink with no rate limit,
# and that the default rate (50 messages a second) is held.
#
#   bench/newsletter.sh [N] [CONCURRENCY] [CONNECTIONS]
#
# Needs aiosmtpd: python3 -m pip install -r tests/smtp/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
CONCURRENCY="${2:-32}"
CONNECTIONS="${3:-16}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/midad-target}"

cargo build --release --quiet -p midad
BIN="$CARGO_TARGET_DIR/release/midad"
WORK="$(mktemp -d)"
SINK_PID=""
cleanup() {
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export MIDAD_LOG__LEVEL=warn

start_sink() { # folder → sets SINK_PORT
  mkdir -p "$1"
  python3 tests/smtp/sink.py --port 0 --out "$1" --count-only > "$1/stdout" 2> "$1/stderr" &
  SINK_PID=$!
  for _ in $(seq 1 100); do
    grep -q listening "$1/stdout" 2>/dev/null && break
    sleep 0.1
  done
  SINK_PORT="$(sed -n 's/listening 127.0.0.1://p' "$1/stdout")"
}
delivered() { # folder → deliveries so far
  if [ -f "$1/log.jsonl" ]; then wc -l < "$1/log.jsonl"; else echo 0; fi
}

# Subscribers and a few stories.
python3 - "$N" > "$WORK/subscribers.csv" <<'EOF'
import sys
n = int(sys.argv[1])
out = sys.stdout
out.write("email,digest,alerts\n")
for i in range(n):
    out.write(f"reader{i:06d}@example.com,yes,{'yes' if i % 3 == 0 else 'no'}\n")
EOF
python3 - > "$WORK/stories.jsonl" <<'EOF'
import json, datetime
now = datetime.datetime.now(datetime.timezone.utc)
sections = ["سياسة", "اقتصاد", "رياضة", "ثقافة"]
for i in range(12):
    print(json.dumps({
        "title": f"خبر رقم {i + 1} في نشرة اليوم",
        "section": sections[i % 4],
        "excerpt": "ملخص قصير للخبر يظهر في النشرة اليومية.",
        "body_html": "<p>" + "نص الخبر. " * 80 + "</p>",
        "status": "published",
        "published_at": (now - datetime.timedelta(minutes=i)).isoformat(),
        "external_id": f"bench-{i}",
    }, ensure_ascii=False))
EOF

site() { # data folder, smtp port, rate ("default": the configuration's default), command…
  local data="$1" port="$2" rate="$3"; shift 3
  local vars=(
    "MIDAD_MAIL__SMTP_URL=smtp://127.0.0.1:$port?connections=$CONNECTIONS"
    "MIDAD_MAIL__FROM=bench@news.example"
    "MIDAD_MAIL__CONCURRENCY=$CONCURRENCY"
    "MIDAD_SITE__DIGEST_TIME="
    "MIDAD_SERVER__BASE_URL=https://news.example"
  )
  [ "$rate" != default ] && vars+=("MIDAD_MAIL__RATE_PER_SECOND=$rate")
  env "${vars[@]}" "$BIN" --data-dir "$data" "$@"
}

echo "== $N subscribers, no rate limit, concurrency $CONCURRENCY, $CONNECTIONS connections"
start_sink "$WORK/sink1"
t0=$(date +%s.%N)
site "$WORK/site1" "$SINK_PORT" 0 newsletter import "$WORK/subscribers.csv"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "import of the subscribers: %.1f s\n", b - a }'
site "$WORK/site1" "$SINK_PORT" 0 import "$WORK/stories.jsonl" > /dev/null
# The command queues the digest, then sends it (no site is running): it prints both times.
site "$WORK/site1" "$SINK_PORT" 0 newsletter digest --now
echo "sink received: $(delivered "$WORK/sink1") messages"
kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=""

echo
echo "== the default rate (50 messages/s) held by a running site"
start_sink "$WORK/sink2"
head -n 2001 "$WORK/subscribers.csv" > "$WORK/some.csv"
site "$WORK/site2" "$SINK_PORT" default newsletter import "$WORK/some.csv" > /dev/null
site "$WORK/site2" "$SINK_PORT" default import "$WORK/stories.jsonl" > /dev/null
site "$WORK/site2" "$SINK_PORT" default serve --listen 127.0.0.1:0 > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
sleep 2
site "$WORK/site2" "$SINK_PORT" default newsletter digest --now
sleep 3
before=$(delivered "$WORK/sink2"); tb=$(date +%s.%N)
sleep 20
after=$(delivered "$WORK/sink2"); ta=$(date +%s.%N)
awk -v n=$((after - before)) -v a="$tb" -v b="$ta" \
  'BEGIN { printf "delivered %d messages in %.1f s: %.1f messages/s (limit 50)\n", n, b - a, n / (b - a) }'
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
