#!/usr/bin/env bash
# Serves a site of 10,000 articles and measures with wrk, in one run on this machine:
#   - the article page and the home page from Midad's page cache,
#   - the same pages with the cache turned off (every request renders),
#   - the same bytes served as a static file by nginx,
# and prints requests/s, p99 latency, the ratio to nginx and Midad's memory (RSS) under load.
#
#   bench/site.sh [N] [SECONDS] [CONNECTIONS]
#
# Needs wrk and nginx (Debian packages). N defaults to 10000, SECONDS to 15, CONNECTIONS to 64.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
SECS="${2:-15}"
CONNS="${3:-64}"
THREADS=2
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/midad-target}"
for tool in wrk nginx; do
  command -v "$tool" > /dev/null || { echo "$tool is missing: apt-get install wrk nginx" >&2; exit 2; }
done

cargo build --release --quiet -p midad
BIN="$CARGO_TARGET_DIR/release/midad"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export MIDAD_LOG__LEVEL=warn

python3 bench/gen_articles.py "$N" > "$WORK/articles.jsonl"
"$BIN" --data-dir "$WORK/data" import "$WORK/articles.jsonl" > /dev/null
# The search index is built now, so that no server builds it while it is being measured.
"$BIN" --data-dir "$WORK/data" reindex > /dev/null 2>&1
echo "site: $N articles imported and indexed for search"

start() { # port, cache MiB
  MIDAD_SERVER__CACHE_MB="$2" "$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$1" \
    > "$WORK/serve-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz" && return; sleep 0.1; done
  echo "midad did not start on $1" >&2; cat "$WORK/serve-$1.log" >&2; exit 1
}
start 18081 64
start 18082 0
CACHED_PID="${PIDS[0]}"

ARTICLE="$(curl -fsS http://127.0.0.1:18081/ | grep -o 'href="/article/[^"]*"' | sed -n 1p | cut -d'"' -f2)"
[ -n "$ARTICLE" ] || { echo "no article link on the home page" >&2; exit 1; }
# wrk wants the Arabic slug percent-encoded.
ARTICLE="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$ARTICLE")"

# nginx serves the very bytes Midad sends (no compression on either side: wrk asks for none).
mkdir -p "$WORK/www"
curl -fsS "http://127.0.0.1:18081$ARTICLE" -o "$WORK/www/article.html"
curl -fsS "http://127.0.0.1:18081/" -o "$WORK/www/home.html"
cat > "$WORK/nginx.conf" << EOF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { text/html html; }
  server {
    listen 127.0.0.1:18083;
    root $WORK/www;
  }
}
EOF
nginx -c "$WORK/nginx.conf"
sleep 0.3

RSS_MAX=0
watch_rss() {
  while kill -0 "$CACHED_PID" 2> /dev/null; do
    local kb
    kb=$(awk '/VmRSS/ {print $2}' "/proc/$CACHED_PID/status" 2> /dev/null || echo 0)
    [ "${kb:-0}" -gt "$(cat "$WORK/rss" 2> /dev/null || echo 0)" ] && echo "$kb" > "$WORK/rss"
    sleep 0.2
  done
}
echo 0 > "$WORK/rss"
watch_rss &
PIDS+=($!)

declare -A RPS P99
measure() { # label, url
  local out rps p99
  # A few seconds first, unmeasured, so that every server is measured warm.
  wrk -t"$THREADS" -c"$CONNS" -d3s "$2" > /dev/null
  out="$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "$2")"
  rps="$(awk '/Requests\/sec/ {print $2}' <<< "$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<< "$out")"
  RPS[$1]="$rps"
  P99[$1]="$p99"
  printf "%-28s %10s req/s   p99 %8s\n" "$1" "$rps" "$p99"
}

echo "wrk: $THREADS threads, $CONNS connections, ${SECS}s each, on $(nproc) cores shared with the server"
measure "article, midad cache" "http://127.0.0.1:18081$ARTICLE"
measure "article, no cache" "http://127.0.0.1:18082$ARTICLE"
measure "article, nginx static" "http://127.0.0.1:18083/article.html"
measure "home, midad cache" "http://127.0.0.1:18081/"
measure "home, no cache" "http://127.0.0.1:18082/"
measure "home, nginx static" "http://127.0.0.1:18083/home.html"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "cached article / nginx: $(ratio "${RPS[article, midad cache]}" "${RPS[article, nginx static]}")x"
echo "cached home / nginx:    $(ratio "${RPS[home, midad cache]}" "${RPS[home, nginx static]}")x"
echo "page sizes: article $(wc -c < "$WORK/www/article.html") B, home $(wc -c < "$WORK/www/home.html") B"
echo "midad (cached) peak RSS under load: $(( $(cat "$WORK/rss") / 1024 )) MiB"
