#!/usr/bin/env bash
# `cxm serve` live reports end to end (docs/SERVER.md "Freshness and
# caching", src/server/qcache.h "Live reports"): the real server on
# 127.0.0.1 with --max-staleness 0, then
#  - tickets ingested in six batches: after each, three queries (volume and
#    durations by month; by week and channel with a filter; backlog and
#    rates) are answered byte for byte as `cxm report --store` answers them;
#    from their second computation on, each keeps a live report and takes
#    the new rows (the stopped line of the log counts the builds and adds);
#  - answers ingested in three batches, a survey query the same way;
#  - a batch that updates rows (a changed ticket) and an import by another
#    process: the state is dropped and the answers stay exact;
#  - the snapshot directories are gone at exit.
# Every wait is bounded; the server is killed on any exit. Usage: serve_live.sh CXM
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
  echo "serve_live.sh: curl is needed (scripts/install-deps.sh installs it)"; exit 1
fi

get() { # NAME QUERY OUT
  local code
  code=$(curl -s --max-time 60 -D "$3.h" -o "$3" -w '%{http_code}' -H "Authorization: Bearer $READ" "$U/v1/metrics?$2")
  if [ "$code" = 200 ]; then ok; else bad "$1: HTTP $code"; head -c 400 "$3"; echo; fi
}
post() { # STREAM FILE
  local code
  code=$(curl -s --max-time 60 -o "$tmp/post" -w '%{http_code}' -H "Authorization: Bearer $INGEST" \
    -H 'Content-Type: text/csv' --data-binary @"$2" "$U/v1/$1")
  if [ "$code" = 200 ]; then ok; else bad "POST $2: HTTP $code"; head -c 400 "$tmp/post"; echo; fi
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
# piece FILE FROM TO OUT: the header and records FROM..TO (1-based) of FILE
piece() { head -1 "$1" >"$4"; sed -n "$(($2 + 1)),$(($3 + 1))p" "$1" >>"$4"; }

# ---- data: 1,200 tickets in six batches, 300 answers in three ---------------------------
"$cxm" sample --tickets 1200 --responses 300 --unanswered --no-messages --out "$tmp/d" >/dev/null 2>&1 ||
  { echo "sample failed"; exit 1; }
for i in 0 1 2 3 4 5; do piece "$tmp/d/tickets.csv" $((i * 200 + 1)) $((i * 200 + 200)) "$tmp/t$i.csv"; done
for i in 0 1 2; do piece "$tmp/d/responses.csv" $((i * 100 + 1)) $((i * 100 + 100)) "$tmp/r$i.csv"; done
db=$tmp/cx.db
READ=$("$cxm" token create --store "$db" --scopes read 2>/dev/null)
INGEST=$("$cxm" token create --store "$db" --scopes ingest 2>/dev/null)

# the queries and their `cxm report --store` twins
Q1='metrics=volume,frt,resolution_time&by=month'
A1=(--metrics volume,frt,resolution_time --by month)
Q2='metrics=frt,fcr,resolution_rate&by=week,channel&where=channel!=phone&stats=mean,p50,p99'
A2=(--metrics frt,fcr,resolution_rate --by week,channel --where 'channel!=phone' --stats mean,p50,p99)
Q3='metrics=backlog,reopen_rate,aht&by=priority'
A3=(--metrics backlog,reopen_rate,aht --by priority)
Q4='metrics=csat,nps,response_rate&by=month'
A4=(--metrics csat,nps,response_rate --by month)
round() { # LABEL: every query equals the report on the store now
  local k
  for k in 1 2 3; do
    local q a
    eval "q=\$Q$k"
    eval "a=(\"\${A$k[@]}\")"
    get "$1: query $k" "$q" "$tmp/got$k"
    "$cxm" report --store "$db" --format json --quiet "${a[@]}" >"$tmp/want$k" 2>/dev/null
    same "$1: query $k = cxm report --store" "$tmp/got$k" "$tmp/want$k"
  done
}
survey_round() {
  get "$1: survey query" "$Q4" "$tmp/got4"
  "$cxm" report --store "$db" --format json --quiet "${A4[@]}" >"$tmp/want4" 2>/dev/null
  same "$1: survey query = cxm report --store" "$tmp/got4" "$tmp/want4"
}

start --max-staleness 0
for i in 0 1 2 3 4 5; do
  post tickets "$tmp/t$i.csv"
  round "after tickets batch $i"
done
for i in 0 1 2; do
  post responses "$tmp/r$i.csv"
  survey_round "after answers batch $i"
  round "tickets after answers batch $i"
done
# an update: a ticket of the first batch changes (its priority and status)
head -1 "$tmp/t0.csv" >"$tmp/upd.csv"
sed -n 2p "$tmp/t0.csv" | sed 's/,normal,/,urgent,/; s/,low,/,urgent,/; s/,high,/,urgent,/' >>"$tmp/upd.csv"
post tickets "$tmp/upd.csv"
grep -q '"updated":1' "$tmp/post" && ok || bad "the update batch: $(cat "$tmp/post")"
round "after an update"
# more inserts after the rebuild
piece "$tmp/d/tickets.csv" 1 1 "$tmp/none.csv" # (a repeat: unchanged, nothing new)
post tickets "$tmp/none.csv"
round "after an unchanged batch"
# another process writes
"$cxm" sample --tickets 50 --seed 9 --no-messages --out "$tmp/o" >/dev/null 2>&1
sed -i 's/^T0/X0/' "$tmp/o/tickets.csv"
"$cxm" import tickets "$tmp/o/tickets.csv" --store "$db" --quiet >/dev/null 2>&1 || bad "cxm import"
round "after an outside import"
stop
builds=$(sed -n 's/.*"event":"stopped".*"live_builds":\([0-9]*\).*/\1/p' "$tmp/log")
adds=$(sed -n 's/.*"event":"stopped".*"live_adds":\([0-9]*\).*/\1/p' "$tmp/log")
[ "${builds:-0}" -ge 4 ] && ok || bad "live reports built: '$builds' (expected one per query, and rebuilds)"
[ "${adds:-0}" -ge 15 ] && ok || bad "refreshes that added rows: '$adds'"
left=$(ls "$tmp/tmpdir" | grep -c cxm-snapshot)
check "snapshots removed at exit" "$left" 0

echo "serve_live.sh: $pass passed, $fail failed (live reports built $builds, rows added $adds times)"
[ $fail -eq 0 ]
