#!/usr/bin/env bash
# `cxm serve` end to end (docs/SERVER.md): starts the real server on
# 127.0.0.1 (loopback only) on a free port the server picks (--listen
# 127.0.0.1:0, announced in its first log line), then: /healthz without a
# token; 401 without or with a wrong token; 403 with a token lacking the
# scope (read-only on POST, ingest-only on GET); the catalog equal to `cxm
# metrics --format json`; CSV and NDJSON ingest with counts, idempotent
# re-ingest; /v1/metrics equal byte for byte to `cxm report --store FILE
# --format json` with the same options; a malformed body -> 400 with line
# numbers; an oversized body -> 413 (with Content-Length and chunked); one
# JSON log line per request; SIGTERM -> exit 0. Every wait is bounded; the
# server is killed on any exit. Usage: serve.sh CXM
set -u
. "$(dirname "$0")/lib/serve.sh"
. "$(dirname "$0")/lib/check.sh"
cxm=$1
pass=0 fail=0
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill -9 $srv 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tmpdir"
export TMPDIR=$tmp/tmpdir # where report --store writes its snapshots

if ! command -v curl >/dev/null 2>&1; then
  echo "serve.sh: curl is needed (scripts/install-deps.sh installs it)"; exit 1
fi

check_int() { # name, got, want
  if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', expected '$3'"; fi
}
# req NAME WANT_STATUS CURL_ARGS...: body -> $tmp/body, status checked
req() {
  local name=$1 want=$2; shift 2
  local code
  code=$(curl -s --max-time 30 -o "$tmp/body" -w '%{http_code}' "$@")
  if [ "$code" = "$want" ]; then ok; else bad "$name: HTTP $code, expected $want"; head -c 400 "$tmp/body"; echo; fi
}

# ---- a store with tokens ------------------------------------------------------
"$cxm" sample --tickets 400 --responses 120 --out "$tmp/d" >/dev/null 2>&1 || { echo "sample failed"; exit 1; }
db=$tmp/cx.db
tok() { "$cxm" token create --store "$db" --scopes "$1" 2>/dev/null; }
READ=$(tok read); INGEST=$(tok ingest); BOTH=$(tok ingest,read)
check_int "token length" "${#READ}" 68

# ---- start: a free port on loopback, announced in the first log line ------------
log=$tmp/log
"$cxm" serve --store "$db" --listen 127.0.0.1:0 --max-body 1000000 --max-rows 5000 --rate 500 2>"$log" &
srv=$!
serve_wait "$log" $srv
nreq=0 # requests made, for the log check

# ---- health, authentication, scopes ----------------------------------------------
req "healthz" 200 "$U/healthz"; nreq=$((nreq+1))
has "healthz body" "$tmp/body" '{"status":"ok"}'
req "catalog without token" 401 "$U/v1/catalog"; nreq=$((nreq+1))
has "401 is JSON" "$tmp/body" '{"error":'
req "catalog with a wrong token" 401 -H "Authorization: Bearer cxm_0000000000000000000000000000000000000000000000000000000000000000" "$U/v1/catalog"; nreq=$((nreq+1))
req "catalog with a malformed header" 401 -H "Authorization: Basic abc" "$U/v1/catalog"; nreq=$((nreq+1))
req "catalog with an ingest-only token" 403 -H "Authorization: Bearer $INGEST" "$U/v1/catalog"; nreq=$((nreq+1))
has "403 is JSON" "$tmp/body" '{"error":'
req "metrics with an ingest-only token" 403 -H "Authorization: Bearer $INGEST" "$U/v1/metrics"; nreq=$((nreq+1))
req "POST without token" 401 -H 'Content-Type: text/csv' --data-binary @"$tmp/d/tickets.csv" "$U/v1/tickets"; nreq=$((nreq+1))
req "POST with a read-only token" 403 -H "Authorization: Bearer $READ" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/d/tickets.csv" "$U/v1/tickets"; nreq=$((nreq+1))
req "unknown endpoint" 404 -H "Authorization: Bearer $READ" "$U/v1/nothing"; nreq=$((nreq+1))
req "GET on an ingest endpoint" 405 -H "Authorization: Bearer $READ" "$U/v1/messages"; nreq=$((nreq+1)) # GET /v1/tickets: drill-down rows (dashboard.sh)

# ---- the catalog ---------------------------------------------------------------
req "catalog" 200 -H "Authorization: Bearer $READ" "$U/v1/catalog"; nreq=$((nreq+1))
"$cxm" metrics --format json >"$tmp/catalog.json"
same "catalog = cxm metrics --format json" "$tmp/body" "$tmp/catalog.json"

# ---- ingest: CSV, NDJSON, idempotent -----------------------------------------------
req "POST tickets (CSV)" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/d/tickets.csv" "$U/v1/tickets"; nreq=$((nreq+1))
has "tickets accepted" "$tmp/body" '{"accepted":400,"inserted":400,"updated":0,"unchanged":0,"rejected":0,"errors":[]}'
req "POST messages (CSV)" 200 -H "Authorization: Bearer $BOTH" -H 'Content-Type: text/csv; charset=utf-8' \
  --data-binary @"$tmp/d/messages.csv" "$U/v1/messages"; nreq=$((nreq+1))
has "messages accepted" "$tmp/body" '"rejected":0,"errors":[]}'
req "POST responses (CSV)" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/d/responses.csv" "$U/v1/responses"; nreq=$((nreq+1))
has "responses accepted" "$tmp/body" '{"accepted":120,"inserted":120,'
req "POST tickets again" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/d/tickets.csv" "$U/v1/tickets"; nreq=$((nreq+1))
has "same tickets unchanged" "$tmp/body" '{"accepted":400,"inserted":0,"updated":0,"unchanged":400,"rejected":0,"errors":[]}'
printf '%s\n' '{"ticket_id":"N1","created_at":"2024-06-03T09:00:00Z","first_response_at":"2024-06-03T10:00:00Z","channel":"chat"}' \
  '{"ticket_id":"N2","created_at":"2024-06-04T09:00:00Z","channel":"chat"}' >"$tmp/t.ndjson"
req "POST tickets (NDJSON)" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$tmp/t.ndjson" "$U/v1/tickets"; nreq=$((nreq+1))
has "NDJSON accepted" "$tmp/body" '{"accepted":2,"inserted":2,'
req "NDJSON as application/jsonlines" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: Application/JSONLines; charset=utf-8' \
  --data-binary @"$tmp/t.ndjson" "$U/v1/tickets"; nreq=$((nreq+1))
has "NDJSON again: unchanged" "$tmp/body" '{"accepted":2,"inserted":0,"updated":0,"unchanged":2,'

# ---- malformed bodies: 400 with line numbers; a partly bad body: the good rows ------
printf '%s\n' '{"ticket_id":"B1","created_at":"never"}' '{"ticket_id":"B2", oops' >"$tmp/bad.ndjson"
req "malformed NDJSON" 400 -H "Authorization: Bearer $INGEST" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$tmp/bad.ndjson" "$U/v1/tickets"; nreq=$((nreq+1))
has "malformed: nothing accepted" "$tmp/body" '{"accepted":0,'
has "malformed: line 1" "$tmp/body" '{"line":1,'
has "malformed: line 2" "$tmp/body" '{"line":2,'
printf '%s\n' 'not json at all' '{"ticket_id":"B3"}' >"$tmp/garbage.ndjson"
req "NDJSON garbage from line 1" 400 -H "Authorization: Bearer $INGEST" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$tmp/garbage.ndjson" "$U/v1/tickets"; nreq=$((nreq+1))
has "garbage: line 1" "$tmp/body" '"line":1'
printf '%s\n' '{"ticket_id":"P1","created_at":"2024-06-05T09:00:00Z"}' '{"ticket_id":"P2","created_at":"yesterday"}' >"$tmp/part.ndjson"
req "partly bad NDJSON" 200 -H "Authorization: Bearer $INGEST" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$tmp/part.ndjson" "$U/v1/tickets"; nreq=$((nreq+1))
has "partly bad: counts" "$tmp/body" '{"accepted":1,"inserted":1,"updated":0,"unchanged":0,"rejected":1,'
has "partly bad: where" "$tmp/body" '{"line":2,"column":2,"field":"created_at",'
printf 'ticket_id,created_at\n"T9,2024-01-01\n' >"$tmp/bad.csv"
req "malformed CSV" 400 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/bad.csv" "$U/v1/tickets"; nreq=$((nreq+1))
has "malformed CSV: line" "$tmp/body" '"line":2'
printf 'a,b\n1,2\n' >"$tmp/nocol.csv"
req "CSV without ticket_id" 400 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/nocol.csv" "$U/v1/tickets"; nreq=$((nreq+1))
has "missing column named" "$tmp/body" "ticket_id"
req "empty body" 400 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' --data-binary '' "$U/v1/tickets"; nreq=$((nreq+1))
req "wrong Content-Type" 415 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/plain' \
  --data-binary @"$tmp/t.ndjson" "$U/v1/tickets"; nreq=$((nreq+1))

# ---- oversized bodies: 413 (limit 1,000,000 bytes here) -----------------------------
head -c 1200000 /dev/zero | tr '\0' 'x' >"$tmp/big"
req "oversized body" 413 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/big" "$U/v1/tickets"; nreq=$((nreq+1))
has "413 is JSON" "$tmp/body" '{"error":'
req "oversized chunked body" 413 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big" "$U/v1/tickets"; nreq=$((nreq+1))
seq 5000 | sed 's/^/R/' | { echo ticket_id; cat; } >"$tmp/rows.csv" # 5001 lines
req "too many lines" 413 -H "Authorization: Bearer $INGEST" -H 'Content-Type: text/csv' \
  --data-binary @"$tmp/rows.csv" "$U/v1/tickets"; nreq=$((nreq+1))
has "too many lines: said" "$tmp/body" '5001 lines'
req "still healthy" 200 "$U/healthz"; nreq=$((nreq+1))

# ---- /v1/metrics = cxm report --store FILE --format json, byte for byte -------------
q() { # name, query string, cxm report options...
  local name=$1 qs=$2; shift 2
  req "$name" 200 -H "Authorization: Bearer $READ" "$U/v1/metrics$qs"; nreq=$((nreq+1))
  "$cxm" report --store "$db" --format json --quiet "$@" >"$tmp/want.json" 2>/dev/null
  same "$name = cxm report" "$tmp/body" "$tmp/want.json"
}
q "metrics (defaults)" ""
q "metrics by month" "?metrics=frt,fcr,resolution_time&by=month" --metrics frt,fcr,resolution_time --by month
q "metrics with zone, window, stats" "?metrics=frt&by=week,channel&from=2024-02-01&to=2024-05-31&tz=Asia/Singapore&stats=mean,p90,p99" \
  --metrics frt --by week,channel --from 2024-02-01 --to 2024-05-31 --tz Asia/Singapore --stats mean,p90,p99
q "metrics with a preset" "?preset=zendesk&metrics=frt" --preset zendesk --metrics frt
q "survey metrics" "?metrics=csat,nps&by=quarter" --metrics csat,nps --by quarter
has "survey metrics computed" "$tmp/body" '"metric":"nps"'
req "unknown metric" 400 -H "Authorization: Bearer $READ" "$U/v1/metrics?metrics=nope"; nreq=$((nreq+1))
has "unknown metric named" "$tmp/body" "nope"
req "unknown parameter" 400 -H "Authorization: Bearer $READ" "$U/v1/metrics?bogus=1"; nreq=$((nreq+1))
req "bad zone" 400 -H "Authorization: Bearer $READ" "$U/v1/metrics?tz=Mars/Base"; nreq=$((nreq+1))

# ---- parallel ingest and reads --------------------------------------------------------
for i in 1 2 3 4; do
  printf '{"ticket_id":"C%d","created_at":"2024-07-0%dT09:00:00Z"}\n' "$i" "$i" >"$tmp/c$i.ndjson"
  curl -s --max-time 30 -o "$tmp/c$i.out" -H "Authorization: Bearer $INGEST" -H 'Content-Type: application/x-ndjson' \
    --data-binary @"$tmp/c$i.ndjson" "$U/v1/tickets" &
  curl -s --max-time 30 -o "$tmp/r$i.out" -H "Authorization: Bearer $READ" "$U/v1/metrics?metrics=frt" &
done
wait_jobs() { local t=0; while [ -n "$(jobs -rp | grep -v "^$srv\$")" ] && [ $t -lt 300 ]; do sleep 0.1; t=$((t+1)); done; }
wait_jobs
nreq=$((nreq+8))
for i in 1 2 3 4; do
  has "parallel ingest $i" "$tmp/c$i.out" '{"accepted":1,"inserted":1,'
  has "parallel read $i" "$tmp/r$i.out" '"metric":"frt"'
done

# ---- logs: one JSON line per request ----------------------------------------------------
sleep 0.2
check_int "one log line per request" "$(grep -c '"event":"request"' "$log")" "$nreq"
bad_lines=$(grep -vc '^{"ts":"[0-9T:.-]*Z","event":"[a-z]*".*}$' "$log")
check_int "every log line is a JSON object" "$bad_lines" 0
has "log names the status" "$log" '"path":"/v1/tickets","route":"ingest","status":413'

# ---- a token revoked while serving: refused within a second (the recent-token cache) -----
REV=$(tok read)
req "new token works" 200 -H "Authorization: Bearer $REV" "$U/v1/catalog"
"$cxm" token revoke --store "$db" "$("$cxm" token list --store "$db" | awk 'END{print $1}')" >/dev/null 2>&1
sleep 1.2
req "revoked token refused" 401 -H "Authorization: Bearer $REV" "$U/v1/catalog"
req "other tokens still work" 200 -H "Authorization: Bearer $READ" "$U/v1/catalog"

# ---- SIGTERM: stops, exit 0 -------------------------------------------------------------
kill -TERM $srv
for _ in $(seq 100); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
if kill -0 $srv 2>/dev/null; then
  bad "server still running 10 s after SIGTERM"
else
  wait $srv; rc=$?; srv=
  check_int "exit status after SIGTERM" "$rc" 0
fi
has "stop logged" "$log" '"event":"stopped"'
"$cxm" import --check --store "$db" >"$tmp/check" 2>&1
has "store intact" "$tmp/check" "ok"

# ---- SIGTERM during an ingest: the request finishes, nothing accepted is lost ------------
"$cxm" sample --tickets 20000 --out "$tmp/large" >/dev/null 2>&1
db2=$tmp/cx2.db
T2=$("$cxm" token create --store "$db2" --scopes ingest 2>/dev/null)
T3=$("$cxm" token create --store "$db2" --scopes read 2>/dev/null)
"$cxm" serve --store "$db2" --listen 127.0.0.1:0 --rate 2 2>"$tmp/log2" &
srv=$!
serve_port "$tmp/log2" $srv
if [ -z "$port" ]; then
  bad "second server did not start"
else
  # --rate 2: bursts of 2 requests a token, then 429 with Retry-After
  U2=http://127.0.0.1:$port
  req "rate: 1st" 200 -H "Authorization: Bearer $T3" "$U2/v1/catalog"
  req "rate: 2nd" 200 -H "Authorization: Bearer $T3" "$U2/v1/catalog"
  code=$(curl -s --max-time 30 -D "$tmp/hdr" -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $T3" "$U2/v1/catalog")
  check_int "rate: 3rd refused" "$code" 429
  has "rate: Retry-After" "$tmp/hdr" "Retry-After: 1"
  has "rate: JSON error" "$tmp/body" '{"error":'
  req "rate: /healthz is not limited" 200 -H "Authorization: Bearer $T3" "$U2/healthz"
  # a slow upload (about 2 s) still under way when SIGTERM comes
  curl -s --max-time 60 --limit-rate 2M -o "$tmp/slow.out" -w '%{http_code}' -H "Authorization: Bearer $T2" \
    -H 'Content-Type: text/csv' --data-binary @"$tmp/large/tickets.csv" "http://127.0.0.1:$port/v1/tickets" >"$tmp/slow.code" &
  cpid=$!
  sleep 0.5
  kill -TERM $srv
  for _ in $(seq 300); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
  for _ in $(seq 100); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
  if kill -0 $srv 2>/dev/null; then
    bad "second server still running after SIGTERM"
  else
    wait $srv; rc=$?; srv=
    check_int "exit status after SIGTERM during ingest" "$rc" 0
  fi
  check_int "in-flight ingest answered" "$(cat "$tmp/slow.code")" 200
  has "in-flight ingest accepted" "$tmp/slow.out" '{"accepted":20000,"inserted":20000,'
  "$cxm" import --check --store "$db2" >"$tmp/check2" 2>&1
  has "accepted rows stored" "$tmp/check2" "20000"
  order=$(grep -o '"event":"[a-z]*"' "$tmp/log2" | tr '\n' ' ')
  check_int "the request was under way at SIGTERM" "$order" '"event":"listening" "event":"request" "event":"request" "event":"request" "event":"request" "event":"stopping" "event":"request" "event":"stopped" '
fi

# ---- kill -9 in the middle of an ingest, restart: nothing acknowledged lost ----------------
# Whatever the moment of the kill: an answered request has all its rows; the
# store is intact; posting the same body again after a restart completes it.
start_server() { # store, log file -> $srv, $port
  "$cxm" serve --store "$1" --listen 127.0.0.1:0 2>"$2" &
  srv=$!
  serve_port "$2" $srv
}
count_tickets() { "$cxm" import --check --store "$1" 2>/dev/null | sed -n 's/^tickets \([0-9]*\)$/\1/p'; }
"$cxm" sample --tickets 100000 --out "$tmp/huge" >/dev/null 2>&1
db3=$tmp/cx3.db
T4=$("$cxm" token create --store "$db3" --scopes ingest 2>/dev/null)
start_server "$db3" "$tmp/log3"
if [ -z "$port" ]; then
  bad "third server did not start"
else
  curl -s --max-time 60 -o "$tmp/k.out" -w '%{http_code}' -H "Authorization: Bearer $T4" -H 'Content-Type: text/csv' \
    --data-binary @"$tmp/huge/tickets.csv" "http://127.0.0.1:$port/v1/tickets" >"$tmp/k.code" &
  cpid=$!
  sleep 0.$((RANDOM % 4 + 1)) # 0.1 .. 0.4 s: the whole ingest takes about 0.6 s
  kill -9 $srv; wait $srv 2>/dev/null; srv=
  for _ in $(seq 300); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
  got=$(count_tickets "$db3")
  echo "serve.sh: kill -9 during ingest: HTTP $(cat "$tmp/k.code"), $got of 100000 tickets stored"
  if [ "$(cat "$tmp/k.code")" = 200 ]; then
    check_int "killed after the answer: every row stored" "$got" 100000
  elif [ -n "$got" ] && [ "$got" -le 100000 ]; then ok
  else bad "after kill -9: tickets '$got'"; fi
  "$cxm" import --check --store "$db3" >"$tmp/check3" 2>&1
  has "after kill -9: store intact" "$tmp/check3" "integrity ok"
  start_server "$db3" "$tmp/log3b"
  req "after restart: the same body again" 200 -H "Authorization: Bearer $T4" -H 'Content-Type: text/csv' \
    --data-binary @"$tmp/huge/tickets.csv" "http://127.0.0.1:$port/v1/tickets"
  has "after restart: all accepted" "$tmp/body" '{"accepted":100000,'
  kill -TERM $srv; for _ in $(seq 100); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
  wait $srv; srv=
  check_int "after restart: every ticket once" "$(count_tickets "$db3")" 100000
fi

echo "serve.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
