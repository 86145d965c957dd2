#!/usr/bin/env bash
# What a page costs on a large archive, page cache off: generates N articles (twenty years,
# skewed tags, unequal sections: bench/gen_articles.py), imports them (time and peak RSS),
# builds the search index, then measures with wrk every kind of public page, the search
# page and API, and the back office's article list (signed in), with nginx serving the
# article's bytes in the same run as the reference line.
#
#   bench/scale.sh [N] [POSTGRES_URL]
#
# N defaults to 1,000,000 (100,000 also makes a fair run). With POSTGRES_URL (a database
# that may be emptied), the same is measured on PostgreSQL and printed beside SQLite.
# Needs wrk, nginx and GNU time (Debian packages wrk, nginx, time).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
PG_URL="${2:-}"
SECS="${SCALE_SECONDS:-10}"
CONNS=8
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/midad-target}"
for tool in wrk nginx /usr/bin/time curl python3; do
  command -v "$tool" > /dev/null || { echo "$tool is missing: apt-get install wrk nginx time curl" >&2; exit 2; }
done

WORK="${SCALE_WORK:-$(mktemp -d -p /var/tmp midad-scale.XXXXXX)}"
mkdir -p "$WORK"
# nginx's workers run as an unprivileged user: they must be able to read the page.
chmod 755 "$WORK"
# About 5 KB of JSON Lines, 9 KB of database and search index per article, twice over
# for the import's journal and slack.
NEED_KB=$(( N * 30 ))
FREE_KB=$(df -Pk "$WORK" | awk 'NR == 2 {print $4}')
if [ "$FREE_KB" -lt "$NEED_KB" ]; then
  echo "not enough disk in $WORK: $(( FREE_KB / 1024 )) MiB free, $(( NEED_KB / 1024 )) MiB needed for $N articles" >&2
  exit 2
fi

cargo build --release --quiet -p midad
BIN="$CARGO_TARGET_DIR/release/midad"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2> /dev/null || true
  [ -n "${SCALE_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
export MIDAD_LOG__LEVEL=warn
EMAIL=bench@example.com
PASSWORD=bench-password-123

if [ ! -s "$WORK/articles.jsonl" ]; then
  python3 bench/gen_articles.py "$N" > "$WORK/articles.jsonl"
fi
echo "scale: $N articles, $(( $(stat -c %s "$WORK/articles.jsonl") / 1048576 )) MiB of JSON Lines"

declare -A RESULT
ORDER=()
record() { # backend, label, value
  RESULT["$1|$2"]="$3"
  [[ " ${ORDER[*]} " == *" $2 "* ]] || ORDER+=("$2")
}

measure() { # backend, label, url, [cookie]
  local out rps p99
  curl -fsS -o /dev/null ${4:+-H "Cookie: $4"} "$3" || { record "$1" "$2" "failed"; return; }
  wrk -t1 -c"$CONNS" -d2s ${4:+-H "Cookie: $4"} "$3" > /dev/null
  out="$(wrk -t1 -c"$CONNS" -d"${SECS}s" --latency ${4:+-H "Cookie: $4"} "$3")"
  rps="$(awk '/Requests\/sec/ {printf "%d", $2}' <<< "$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<< "$out")"
  record "$1" "$2" "$rps req/s, p99 $p99"
}

# Pages of a list are numbered from 1; past the last one is 404: find the last by halving.
last_page() { # base url
  local lo=1 hi=1
  while [ "$(curl -s -o /dev/null -w '%{http_code}' "$1?page=$hi")" = 200 ]; do lo=$hi; hi=$(( hi * 2 )); done
  while [ $(( hi - lo )) -gt 1 ]; do
    local mid=$(( (lo + hi) / 2 ))
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1?page=$mid")" = 200 ]; then lo=$mid; else hi=$mid; fi
  done
  echo "$lo"
}

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/?=&:"))' "$1"; }

run() { # backend label, data dir, database url (empty: SQLite in the data dir)
  local backend="$1" data="$2" db="$3" port=18190 dbargs=()
  [ -n "$db" ] && dbargs=(--database-url "$db")
  /usr/bin/time -f "%e %M" -o "$WORK/import.time" \
    "$BIN" --data-dir "$data" "${dbargs[@]}" import "$WORK/articles.jsonl" > /dev/null
  read -r secs rss_kb < "$WORK/import.time"
  record "$backend" "import: time, peak RSS" "${secs} s, $(( rss_kb / 1024 )) MiB"
  "$BIN" --data-dir "$data" "${dbargs[@]}" reindex > /dev/null 2>&1
  printf '%s\n' "$PASSWORD" | "$BIN" --data-dir "$data" "${dbargs[@]}" user add \
    --email "$EMAIL" --name "Bench" --role editor --password-stdin > /dev/null
  record "$backend" "data folder" "$(du -sh "$data" | cut -f1)"

  MIDAD_SERVER__CACHE_MB=0 "$BIN" --data-dir "$data" "${dbargs[@]}" serve --listen "127.0.0.1:$port" \
    > "$WORK/serve.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 300); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  local site="http://127.0.0.1:$port"
  local cookie
  cookie="$(curl -s -D - -o /dev/null -H "Origin: $site" \
    --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" "$site/admin/login" \
    | awk -F'[ ;]' 'tolower($1) == "set-cookie:" {print $2; exit}')"

  local month article section tag last random
  month="$(curl -fsS "$site/sitemap.xml" | grep -o '<loc>[^<]*</loc>' | sed -n 2p | sed 's/<[^>]*>//g')"
  article="$(curl -fsS "$month" | grep -o '<loc>[^<]*</loc>' | sed -n 1p | sed 's/<[^>]*>//g')"
  section="$site/$(enc 'section/سياسة')"
  tag="$site/$(enc 'tag/وسم-رئيسي-0')"
  last="$(last_page "$section")"
  random=$(( (last * 37 / 100) + 1 ))
  record "$backend" "pages in the largest section" "$last"

  if [ "$backend" = SQLite ]; then
    mkdir -p "$WORK/www"
    curl -fsS "$(enc "$article")" -o "$WORK/www/article.html"
    cat > "$WORK/nginx.conf" << EOF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  types { text/html html; }
  server { listen 127.0.0.1:18199; root $WORK/www; }
}
EOF
    nginx -c "$WORK/nginx.conf"
    sleep 0.3
    measure "$backend" "nginx: the article's bytes" "http://127.0.0.1:18199/article.html"
  fi
  measure "$backend" "article" "$(enc "$article")"
  measure "$backend" "home" "$site/"
  measure "$backend" "section, page 1" "$section"
  measure "$backend" "section, page 500" "$section?page=500"
  measure "$backend" "section, page $random (random)" "$section?page=$random"
  measure "$backend" "section, last page ($last)" "$section?page=$last"
  measure "$backend" "largest tag, page 1" "$tag"
  measure "$backend" "/sitemap.xml" "$site/sitemap.xml"
  measure "$backend" "a monthly sitemap" "$month"
  measure "$backend" "/feed.xml" "$site/feed.xml"
  measure "$backend" "search page" "$site/$(enc 'search?q=الحكومة')"
  measure "$backend" "/api/v1/search" "$site/$(enc 'api/v1/search?q=الحكومة')"
  measure "$backend" "/admin/articles (signed in)" "$site/admin/articles" "$cookie"
  kill "$pid"
  wait "$pid" 2> /dev/null || true
}

run SQLite "$WORK/sqlite" ""
BACKENDS=(SQLite)
if [ -n "$PG_URL" ]; then
  psql "$PG_URL" -q -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' > /dev/null
  run PostgreSQL "$WORK/pg" "$PG_URL"
  BACKENDS+=(PostgreSQL)
fi

echo
echo "$N articles, page cache off, wrk -t1 -c$CONNS -d${SECS}s, $(nproc) cores shared by wrk and the server"
printf '%-36s' "what"
for b in "${BACKENDS[@]}"; do printf ' | %-30s' "$b"; done
echo
for label in "${ORDER[@]}"; do
  printf '%-36s' "$label"
  for b in "${BACKENDS[@]}"; do printf ' | %-30s' "${RESULT["$b|$label"]:-–}"; done
  echo
done
