#!/usr/bin/env bash
# `cxm serve` query cache end to end (docs/SERVER.md "Freshness and
# caching"): the real server on 127.0.0.1 (loopback only, a free port it
# picks), then
#  - --max-staleness 0: a miss, then a fresh hit with the same body; after an
#    ingest the next answer reflects the new data at once (and equals `cxm
#    report --store`); a write by another process (`cxm import` into the same
#    store) is seen too (PRAGMA data_version);
#  - --max-staleness 60 with --warm: the warm query is computed at start; after
#    an ingest the cached answer comes back at once marked stale with its
#    generation and age headers, then the background refresh arrives;
#  - 12 identical queries in parallel all get 200 and the same body;
#  - a bad parameter is 400; on SIGTERM the snapshots are removed;
#  - snapshots hold only what a query reads: a survey query's has only
#    responses.csv, a ticket query's only tickets.csv; after the server
#    ingests responses, the next ticket snapshot hard-links tickets.csv
#    (same inode) instead of exporting it; after another process writes,
#    it is exported again; answers equal `cxm report --store` throughout;
#  - --max-wait 0 with a bound of 1 ms: an answer past the bound comes at
#    once, stale, with a Warning header saying how stale;
#  - Cache-Control: max-stale: the same for that request, whatever --max-wait.
# Every wait is bounded; the server is killed on any exit. Usage: serve_cache.sh CXM
set -u
. "$(dirname "$0")/lib/serve.sh"
. "$(dirname "$0")/lib/check.sh"
cxm=$1
pass=0 fail=0
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill -9 $srv 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tmpdir"
export TMPDIR=$tmp/tmpdir # where the server writes its snapshots

if ! command -v curl >/dev/null 2>&1; then
  echo "serve_cache.sh: curl is needed (scripts/install-deps.sh installs it)"; exit 1
fi

differ() { # name, file a, file b
  if cmp -s "$2" "$3"; then bad "$1: $2 and $3 are the same"; else ok; fi
}
# get NAME QUERY OUT: GET /v1/metrics?QUERY -> OUT (body), OUT.h (headers); status checked (200)
get() {
  local code
  code=$(curl -s --max-time 60 -D "$3.h" -o "$3" -w '%{http_code}' -H "Authorization: Bearer $READ" "$U/v1/metrics?$2")
  if [ "$code" = 200 ]; then ok; else bad "$1: HTTP $code"; head -c 400 "$3"; echo; fi
}
hdr() { # file.h, header name -> value
  tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -1
}
post() { # file: tickets CSV
  local code
  code=$(curl -s --max-time 60 -o "$tmp/post" -w '%{http_code}' -H "Authorization: Bearer $INGEST" \
    -H 'Content-Type: text/csv' --data-binary @"$1" "$U/v1/tickets")
  if [ "$code" = 200 ]; then ok; else bad "POST $1: HTTP $code"; head -c 400 "$tmp/post"; echo; fi
}
start() { # server options...
  "$cxm" serve --store "$db" --listen 127.0.0.1:0 "$@" 2>"$tmp/log" &
  srv=$!
  serve_wait "$tmp/log" $srv
}
stop() {
  kill -TERM $srv
  local st=0
  wait $srv || st=$?
  check "exit status after SIGTERM" "$st" 0
  srv=
}

# ---- data: 600 tickets in three parts -------------------------------------------------
"$cxm" sample --tickets 600 --no-messages --out "$tmp/d" >/dev/null 2>&1 || { echo "sample failed"; exit 1; }
t=$tmp/d/tickets.csv
head -1 "$t" >"$tmp/p1.csv"; sed -n '2,201p' "$t" >>"$tmp/p1.csv"
head -1 "$t" >"$tmp/p2.csv"; sed -n '202,401p' "$t" >>"$tmp/p2.csv"
head -1 "$t" >"$tmp/p3.csv"; sed -n '402,601p' "$t" >>"$tmp/p3.csv"
db=$tmp/cx.db
READ=$("$cxm" token create --store "$db" --scopes read 2>/dev/null)
INGEST=$("$cxm" token create --store "$db" --scopes ingest 2>/dev/null)
Q='metrics=volume,resolution_time&by=month'
want() { "$cxm" report --store "$db" --format json --quiet --metrics volume,resolution_time --by month >"$tmp/want.json" 2>/dev/null; }

# ---- --max-staleness 0: always exact ----------------------------------------------------
start --max-staleness 0
grep -q '"max_staleness_ms":0' "$tmp/log" && ok || bad "listening line without max_staleness_ms"
post "$tmp/p1.csv"
get "exact: first" "$Q" "$tmp/a1"
check "exact: first is a miss" "$(hdr "$tmp/a1.h" X-Cxm-Cache)" miss
want; same "exact: first = cxm report --store" "$tmp/a1" "$tmp/want.json"
get "exact: again" "by=month&metrics=volume,resolution_time" "$tmp/a2" # same query, other order
check "exact: again is fresh" "$(hdr "$tmp/a2.h" X-Cxm-Cache)" fresh
same "exact: the hit is the same answer" "$tmp/a1" "$tmp/a2"
g1=$(hdr "$tmp/a2.h" X-Cxm-Generation)
post "$tmp/p2.csv"
get "exact: after ingest" "$Q" "$tmp/a3"
check "exact: after ingest is computed" "$(hdr "$tmp/a3.h" X-Cxm-Cache)" miss
g3=$(hdr "$tmp/a3.h" X-Cxm-Generation)
[ "${g3:-0}" -gt "${g1:-0}" ] && ok || bad "generation did not grow: $g1 -> $g3"
differ "exact: the new data shows" "$tmp/a2" "$tmp/a3"
want; same "exact: after ingest = cxm report --store" "$tmp/a3" "$tmp/want.json"
# another process writes into the store while the server runs
"$cxm" import tickets "$tmp/p3.csv" --store "$db" --quiet >/dev/null 2>&1 || bad "cxm import"
get "exact: after an outside import" "$Q" "$tmp/a4"
check "exact: outside import is seen" "$(hdr "$tmp/a4.h" X-Cxm-Cache)" miss
want; same "exact: after outside import = cxm report --store" "$tmp/a4" "$tmp/want.json"
# a bad parameter is refused before the cache
code=$(curl -s -o "$tmp/e" -w '%{http_code}' -H "Authorization: Bearer $READ" "$U/v1/metrics?bogus=1")
check "unknown parameter" "$code" 400
grep -q 'unknown parameter' "$tmp/e" && ok || bad "400 body: $(cat "$tmp/e")"
stop
left=$(ls "$tmp/tmpdir" | grep -c cxm-snapshot)
check "snapshots removed at exit" "$left" 0

# ---- --max-staleness 60 with a warm query ---------------------------------------------
rm -f "$db" "$db"-wal "$db"-shm
READ=$("$cxm" token create --store "$db" --scopes read 2>/dev/null)
INGEST=$("$cxm" token create --store "$db" --scopes ingest 2>/dev/null)
"$cxm" import tickets "$tmp/p1.csv" --store "$db" --quiet >/dev/null 2>&1
printf '# the dashboard\n%s\n' "by=month&metrics=volume,resolution_time" >"$tmp/warm.txt"
start --max-staleness 60 --warm "$tmp/warm.txt"
grep -q '"warm":1' "$tmp/log" && ok || bad "listening line without warm:1"
h=
for _ in $(seq 100); do # the warm query is computed in the background: fresh within 10 s
  get "warm: poll" "$Q" "$tmp/b1"; pass=$((pass-1))
  h=$(hdr "$tmp/b1.h" X-Cxm-Cache)
  [ "$h" = fresh ] && break
  sleep 0.1
done
check "warm: the query never misses once computed" "$h" fresh
want; same "warm: = cxm report --store" "$tmp/b1" "$tmp/want.json"
post "$tmp/p2.csv"
get "stale: right after ingest" "$Q" "$tmp/b2"
h=$(hdr "$tmp/b2.h" X-Cxm-Cache)
if [ "$h" = stale ]; then
  ok
  same "stale: the cached answer" "$tmp/b1" "$tmp/b2"
  gen=$(hdr "$tmp/b2.h" X-Cxm-Generation); cur=$(hdr "$tmp/b2.h" X-Cxm-Current-Generation)
  [ "${cur:-0}" -gt "${gen:-0}" ] && ok || bad "stale: generation $gen, current $cur"
  [ -n "$(hdr "$tmp/b2.h" Age)" ] && ok || bad "stale: no Age header"
  [ -n "$(hdr "$tmp/b2.h" X-Cxm-Data-Age-Ms)" ] && ok || bad "stale: no X-Cxm-Data-Age-Ms header"
elif [ "$h" = fresh ]; then
  ok # the refresh (of a 200-ticket store) was quicker than curl: fine, checked below
else
  bad "stale: X-Cxm-Cache '$h'"
fi
want
for _ in $(seq 100); do # the background refresh arrives
  get "refresh: poll" "$Q" "$tmp/b3"; pass=$((pass-1))
  [ "$(hdr "$tmp/b3.h" X-Cxm-Cache)" = fresh ] && cmp -s "$tmp/b3" "$tmp/want.json" && break
  sleep 0.1
done
check "refresh: fresh again" "$(hdr "$tmp/b3.h" X-Cxm-Cache)" fresh
same "refresh: = cxm report --store" "$tmp/b3" "$tmp/want.json"

# ---- identical queries in parallel: one computation, same answer --------------------------
P='metrics=volume&by=week,channel'
for i in $(seq 12); do
  curl -s --max-time 60 -o "$tmp/c$i" -w '%{http_code}\n' -H "Authorization: Bearer $READ" "$U/v1/metrics?$P" >"$tmp/c$i.code" &
done
wait_ok=1
for _ in $(seq 600); do
  n=$(cat "$tmp"/c*.code 2>/dev/null | grep -c .)
  [ "$n" -ge 12 ] && break
  sleep 0.1
done
for i in $(seq 12); do
  check "parallel $i: status" "$(cat "$tmp/c$i.code")" 200
  same "parallel $i: body" "$tmp/c$i" "$tmp/c1"
done
"$cxm" report --store "$db" --format json --quiet --metrics volume --by week,channel >"$tmp/wantp.json" 2>/dev/null
same "parallel = cxm report --store" "$tmp/c1" "$tmp/wantp.json"
stop
left=$(ls "$tmp/tmpdir" | grep -c cxm-snapshot)
check "snapshots removed at exit (warm)" "$left" 0

# ---- stream sets and reused files (--max-staleness 0) --------------------------------------
rm -f "$db" "$db"-wal "$db"-shm
READ=$("$cxm" token create --store "$db" --scopes read 2>/dev/null)
INGEST=$("$cxm" token create --store "$db" --scopes ingest 2>/dev/null)
"$cxm" import tickets "$tmp/p1.csv" --store "$db" --quiet >/dev/null 2>&1
"$cxm" sample --tickets 0 --responses 400 --out "$tmp/r" >/dev/null 2>&1 || bad "sample responses"
head -301 "$tmp/r/responses.csv" >"$tmp/r1.csv"
{ head -1 "$tmp/r/responses.csv"; sed -n '302,351p' "$tmp/r/responses.csv"; } >"$tmp/r2.csv"
{ head -1 "$tmp/r/responses.csv"; sed -n '352,401p' "$tmp/r/responses.csv"; } >"$tmp/r3.csv"
"$cxm" import responses "$tmp/r1.csv" --store "$db" --quiet >/dev/null 2>&1
snaps() { ls -d "$tmp/tmpdir"/cxm-snapshot-* 2>/dev/null; }
# which snapshot files exist now: "tickets responses" etc.
files() { for d in $(snaps); do ls "$d" | grep '\.csv$'; done | sed 's/\.csv$//' | sort | tr '\n' ' ' | sed 's/ $//'; }
tino() { for d in $(snaps); do [ -f "$d/tickets.csv" ] && stat -c %i "$d/tickets.csv"; done; }
S='metrics=csat,nps&by=month'
T='metrics=volume,resolution_time&by=month'
wants() { "$cxm" report --store "$db" --format json --quiet --metrics csat,nps --by month >"$tmp/wants.json" 2>/dev/null; }
start --max-staleness 0
get "sets: survey query" "$S" "$tmp/s1"
check "sets: a survey query snapshots only the responses" "$(files)" responses
wants; same "sets: survey = cxm report --store" "$tmp/s1" "$tmp/wants.json"
get "sets: ticket query" "$T" "$tmp/t1"
check "sets: a ticket query adds a snapshot of the tickets only" "$(files)" "responses tickets"
want; same "sets: tickets = cxm report --store" "$tmp/t1" "$tmp/want.json"
ino1=$(tino)
code=$(curl -s --max-time 60 -o "$tmp/post" -w '%{http_code}' -H "Authorization: Bearer $INGEST" \
  -H 'Content-Type: text/csv' --data-binary @"$tmp/r2.csv" "$U/v1/responses")
check "sets: POST responses" "$code" 200
get "sets: ticket query after a responses ingest" "$T" "$tmp/t2"
check "sets: a new generation" "$(hdr "$tmp/t2.h" X-Cxm-Cache)" miss
check "sets: tickets.csv hard-linked, not exported" "$(tino)" "$ino1"
same "sets: tickets answer unchanged" "$tmp/t1" "$tmp/t2"
get "sets: survey query after the ingest" "$S" "$tmp/s2"
wants; same "sets: survey after ingest = cxm report --store" "$tmp/s2" "$tmp/wants.json"
differ "sets: the new responses show" "$tmp/s1" "$tmp/s2"
"$cxm" import responses "$tmp/r3.csv" --store "$db" --quiet >/dev/null 2>&1 || bad "cxm import responses"
get "sets: ticket query after an outside write" "$T" "$tmp/t3"
ino3=$(tino)
[ -n "$ino3" ] && [ "$ino3" != "$ino1" ] && ok || bad "sets: after an outside write tickets.csv was not exported again ($ino1 -> $ino3)"
want; same "sets: tickets after outside write = cxm report --store" "$tmp/t3" "$tmp/want.json"
stop
check "snapshots removed at exit (sets)" "$(snaps | grep -c .)" 0

# ---- --max-wait 0: past the bound, the stale answer at once with a Warning ----------------------
start --max-staleness 0.001 --max-wait 0
grep -q '"max_wait_ms":0' "$tmp/log" && ok || bad "listening line without max_wait_ms"
get "late: first" "$T" "$tmp/l1"
post "$tmp/p2.csv"
sleep 0.1
get "late: past the bound" "$T" "$tmp/l2"
check "late: served from the cache" "$(hdr "$tmp/l2.h" X-Cxm-Cache)" stale
same "late: the previous answer" "$tmp/l1" "$tmp/l2"
w=$(hdr "$tmp/l2.h" Warning)
case $w in '110 cxm "Response is Stale: '*' ms behind the data, past the bound of 1 ms"') ok ;; *) bad "late: Warning '$w'" ;; esac
st=$(hdr "$tmp/l2.h" X-Cxm-Stale-Ms)
[ "${st:-0}" -ge 100 ] && ok || bad "late: X-Cxm-Stale-Ms '$st' (slept 100 ms)"
grep -q '"late":true' "$tmp/log" && ok || bad "late: not in the request log"
want
for _ in $(seq 100); do # the refresh it scheduled arrives
  get "late: poll" "$T" "$tmp/l3"; pass=$((pass-1))
  cmp -s "$tmp/l3" "$tmp/want.json" && break
  sleep 0.1
done
same "late: then the refreshed answer" "$tmp/l3" "$tmp/want.json"
stop

# ---- Cache-Control: max-stale (the dashboard): this request never waits -----------------------
start --max-staleness 0.001 --max-wait 30
get "max-stale: first" "$T" "$tmp/m1"
# a write by another process: nothing refreshes until a request notices it
{ head -1 "$t"; sed -n '2,21p' "$t" | sed 's/^/MS/'; } >"$tmp/p9.csv" # 20 new ids
"$cxm" import tickets "$tmp/p9.csv" --store "$db" --quiet >/dev/null 2>&1 || bad "cxm import tickets"
sleep 0.2
get "max-stale: another query notices the write" "metrics=volume" "$tmp/m0"
sleep 0.2 # the first answer is now past the bound (1 ms) by 200 ms
code=$(curl -s --max-time 60 -D "$tmp/m2.h" -o "$tmp/m2" -w '%{http_code}' -H "Authorization: Bearer $READ" \
  -H 'Cache-Control: no-transform, Max-Stale' "$U/v1/metrics?$T")
check "max-stale: HTTP" "$code" 200
check "max-stale: served from the cache at once" "$(hdr "$tmp/m2.h" X-Cxm-Cache)" stale
same "max-stale: the previous answer" "$tmp/m1" "$tmp/m2"
w=$(hdr "$tmp/m2.h" Warning)
case $w in '110 cxm "Response is Stale: '*) ok ;; *) bad "max-stale: Warning '$w'" ;; esac
want
get "max-stale: without it the request waits for the refresh" "$T" "$tmp/m3"
same "max-stale: then exact" "$tmp/m3" "$tmp/want.json"
stop

echo "serve_cache.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
