#!/usr/bin/env bash
# The dashboard end to end (docs/DASHBOARD.md): starts the real `cxm serve`
# on 127.0.0.1 (a free port, read from the "listening" log line), ingests
# the fixture tests/web/fixture (numbers worked by hand in
# tests/web/dashboard.mjs) over HTTP, checks the embedded files (content
# types, ETag, 304, no token needed) and GET /v1/tickets, /v1/comments,
# /v1/dimensions with curl, then drives Debian's chromium with
# playwright-core (tests/web/dashboard.mjs): tiles, charts, languages,
# drill-down, filters (a channel, then tags), a phone viewport. Screenshots: $PWD/artifacts/
# (ctest runs in the build directory). Usage: dashboard.sh CXM
set -u
. "$(dirname "$0")/lib/serve.sh"
. "$(dirname "$0")/lib/check.sh"
cxm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${CXM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
pass=0 fail=0
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill -9 $srv 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tmpdir"
export TMPDIR=$tmp/tmpdir

for need in curl node; do
  command -v $need >/dev/null 2>&1 || { echo "dashboard.sh: $need is needed (scripts/install-deps.sh)"; exit 1; }
done
if [ ! -x "${CXM_CHROMIUM:-/usr/bin/chromium}" ] || [ ! -d "$src/web/node_modules/playwright-core" ]; then
  echo "dashboard.sh: chromium or web/node_modules missing: run scripts/install-deps.sh"; exit 1
fi

# req NAME WANT_STATUS CURL_ARGS...: body -> $tmp/body, headers -> $tmp/head
req() {
  local name=$1 want=$2; shift 2
  local code
  code=$(curl -s --max-time 60 -D "$tmp/head" -o "$tmp/body" -w '%{http_code}' "$@")
  if [ "$code" = "$want" ]; then ok; else bad "$name: HTTP $code, expected $want"; head -c 400 "$tmp/body"; echo; fi
}
header() { grep -i "^$1:" "$tmp/head" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

db=$tmp/cx.db
READ=$("$cxm" token create --store "$db" --scopes read 2>/dev/null)
INGEST=$("$cxm" token create --store "$db" --scopes ingest 2>/dev/null)
log=$tmp/log
"$cxm" serve --store "$db" --listen 127.0.0.1:0 2>"$log" &
srv=$!
serve_wait "$log" $srv
url=$U

# ---- ingest the fixture -----------------------------------------------------------
for s in tickets responses; do
  req "ingest $s" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
    --data-binary @"$src/tests/web/fixture/$s.csv" "$url/v1/$s"
done

# ---- the embedded files ----------------------------------------------------------------
req "GET / without a token" 200 "$url/"
check "page content type" "$(header Content-Type)" "text/html; charset=utf-8"
has "page names the bundle" "$tmp/body" 'src="assets/app.js"'
check "page revalidated" "$(header Cache-Control)" "no-cache"
req "app.js" 200 "$url/assets/app.js"
check "js content type" "$(header Content-Type)" "text/javascript; charset=utf-8"
etag=$(header ETag)
check "etag is a strong quoted tag" "$(echo "$etag" | grep -cE '^"[0-9a-f]{16}"$')" 1
req "app.js unchanged: 304" 304 -H "If-None-Match: $etag" "$url/assets/app.js"
req "app.css" 200 "$url/assets/app.css"
check "css content type" "$(header Content-Type)" "text/css; charset=utf-8"
req "unknown asset" 404 "$url/assets/nope.js"
req "no path climbing" 404 "$url/assets/..%2F..%2Fetc%2Fpasswd"
req "POST / refused" 405 -X POST --data x "$url/"
if grep -qE '(src|href)="https?://' "$tmp/body"; then bad "css names a remote file"; else ok; fi

# ---- the data endpoints -------------------------------------------------------------------
req "tickets without a token" 401 "$url/v1/tickets"
req "tickets with an ingest token" 403 -H "Authorization: Bearer $INGEST" "$url/v1/tickets"
req "tickets" 200 -H "Authorization: Bearer $READ" \
  "$url/v1/tickets?from=2024-03-01&to=2024-03-07&where=channel%3Demail&limit=2"
check "tickets: total of the window" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$tmp/body")" 3
check "tickets: first page" "$(python3 -c 'import json,sys; print(",".join(r["ticket_id"] for r in json.load(open(sys.argv[1]))["rows"]))' "$tmp/body")" "T1,T2"
req "tickets, second page" 200 -H "Authorization: Bearer $READ" \
  "$url/v1/tickets?from=2024-03-01&to=2024-03-07&where=channel%3Demail&limit=2&offset=2"
check "tickets: second page" "$(python3 -c 'import json,sys; print(",".join(r["ticket_id"] for r in json.load(open(sys.argv[1]))["rows"]))' "$tmp/body")" "T6"
req "tickets has=frt_seconds" 200 -H "Authorization: Bearer $READ" "$url/v1/tickets?from=2024-03-01&to=2024-03-07&has=frt_seconds"
check "tickets: with a first response" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$tmp/body")" 5
req "tickets missing=resolved_at" 200 -H "Authorization: Bearer $READ" "$url/v1/tickets?missing=resolved_at"
check "tickets: unresolved" "$(python3 -c 'import json,sys; print(",".join(r["ticket_id"] for r in json.load(open(sys.argv[1]))["rows"]))' "$tmp/body")" "T4,T5"
req "tickets: bad limit" 400 -H "Authorization: Bearer $READ" "$url/v1/tickets?limit=5000"
req "tickets: unknown parameter" 400 -H "Authorization: Bearer $READ" "$url/v1/tickets?metrics=frt"
req "tickets: bad zone" 400 -H "Authorization: Bearer $READ" "$url/v1/tickets?tz=Mars/Olympus"
req "comments" 200 -H "Authorization: Bearer $READ" "$url/v1/comments?survey=csat&from=2024-03-01&to=2024-03-07"
check "comments: the period's" "$(python3 -c 'import json,sys; print(",".join(r["response_id"] for r in json.load(open(sys.argv[1]))["rows"]))' "$tmp/body")" "R3,R4,R5,R6"
req "dimensions" 200 -H "Authorization: Bearer $READ" "$url/v1/dimensions"
check "dimensions: channels by count, ties by value" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join("%s:%d" % (v["value"], v["n"]) for v in d["streams"]["tickets"]["dimensions"]["channel"]))' "$tmp/body")" "chat:4,email:4,phone:1"
check "dimensions: no ids or instants" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(d["streams"]["tickets"]["dimensions"]))' "$tmp/body")" "['agent', 'channel', 'priority', 'status', 'tags', 'team']"
check "dimensions: ticket rows" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["streams"]["tickets"]["rows"])' "$tmp/body")" 9
# tags one by one, trimmed, case kept, once a ticket (by hand from the fixture):
# billing P1 T1 T6, login P3 T3 T4, vip T4 T5 T6, refund T1 T2, Billing T3
check "dimensions: tags by tickets having each" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join("%s:%d" % (v["value"], v["n"]) for v in d["streams"]["tickets"]["dimensions"]["tags"]))' "$tmp/body")" "billing:3,login:3,vip:3,refund:2,Billing:1"
check "dimensions: tags are multi-valued" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["streams"]["tickets"]["multi"])' "$tmp/body")" "['tags']"
req "tickets with any of two tags" 200 -H "Authorization: Bearer $READ" \
  "$url/v1/tickets?from=2024-03-01&to=2024-03-07&where=tags%3Dvip%2Crefund"
check "tickets: tags=vip,refund" "$(python3 -c 'import json,sys; print(",".join(r["ticket_id"] for r in json.load(open(sys.argv[1]))["rows"]))' "$tmp/body")" "T1,T2,T4,T5,T6"
req "POST /v1/tickets still ingests" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$src/tests/web/fixture/tickets.csv" "$url/v1/tickets"
has "re-ingest unchanged" "$tmp/body" '"unchanged":9'

# ---- the browser -----------------------------------------------------------------------
mkdir -p "$PWD/artifacts"
if CXM_SOURCE_DIR=$src CXM_URL=$url CXM_TOKEN=$READ CXM_ARTEFACTS=$PWD/artifacts \
   timeout 300 node "$src/tests/web/dashboard.mjs"; then ok; else bad "browser checks (tests/web/dashboard.mjs)"; fi

# ---- /v1/dimensions' kept answer (src/server/dims_cache.h), after the browser: its
# age is a header; a small store is passed over again after a change, so an
# import shows at once
req "dimensions again" 200 -H "Authorization: Bearer $READ" "$url/v1/dimensions"
check "dimensions: age header" "$(header X-Cxm-Data-Age-Ms | grep -cE '^[0-9]+$')" 1
printf 'ticket_id,created_at,channel\nT90,2023-01-05T10:00:00Z,sms\n' > "$tmp/one.csv"
req "ingest one more ticket" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/one.csv" "$url/v1/tickets"
req "dimensions after it" 200 -H "Authorization: Bearer $READ" "$url/v1/dimensions"
check "dimensions: the new channel at once" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["streams"]["tickets"]["rows"], [v["n"] for v in d["streams"]["tickets"]["dimensions"]["channel"] if v["value"] == "sms"])' "$tmp/body")" "10 [1]"

# ---- stop -------------------------------------------------------------------------------
kill -TERM $srv
st=0
wait $srv || st=$?
srv=
check "SIGTERM: exit 0" "$st" 0
echo "dashboard.sh: $pass passed, $fail failed (screenshots in $PWD/artifacts)"
[ "$fail" -eq 0 ]
