#!/usr/bin/env bash
# `cxm serve --sla FILE --calendar FILE` end to end: the server's SLA targets
# and business hours reach every report. Starts the real server on loopback
# (port 0, read from the "listening" log line), ingests sample tickets and
# messages, and requires /v1/metrics to equal `cxm report --store ... --sla
# ... --calendar ... --format json` byte for byte (sla_compliance by
# priority; frt in business time); a bad SLA file stops the start with exit
# 2 and its file and line; a missing one likewise. Usage: serve_sla.sh CXM
set -u
. "$(dirname "$0")/lib/serve.sh"
. "$(dirname "$0")/lib/check.sh"
cxm=$1
src=${CXM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
pass=0 fail=0
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill -9 $srv 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tmpdir"
export TMPDIR=$tmp/tmpdir
sla=$src/examples/sla.csv cal=$src/examples/calendar.ini

# ---- bad files stop the start ----------------------------------------------------
db=$tmp/cx.db
printf 'priority,first_response\nurgent,1h\n' >"$tmp/bad_sla.csv"
"$cxm" serve --store "$db" --listen 127.0.0.1:0 --sla "$tmp/bad_sla.csv" >/dev/null 2>"$tmp/err"
st=$?
if [ $st = 2 ]; then ok; else bad "bad SLA file: exit $st, expected 2"; fi
has "bad SLA file named with its line" "$tmp/err" "bad_sla.csv:1:"
"$cxm" serve --store "$db" --listen 127.0.0.1:0 --calendar "$tmp/none.ini" >/dev/null 2>"$tmp/err"
st=$?
if [ $st = 2 ]; then ok; else bad "missing calendar: exit $st, expected 2"; fi
has "missing calendar named" "$tmp/err" "none.ini"

# ---- a store, the server with --sla and --calendar ---------------------------------
"$cxm" sample --tickets 300 --seed 3 --out "$tmp/d" >/dev/null 2>&1 || { echo "sample failed"; exit 1; }
INGEST=$("$cxm" token create --store "$db" --scopes ingest 2>/dev/null)
READ=$("$cxm" token create --store "$db" --scopes read 2>/dev/null)
log=$tmp/log
"$cxm" serve --store "$db" --listen 127.0.0.1:0 --max-staleness 0 --sla "$sla" --calendar "$cal" 2>"$log" &
srv=$!
serve_wait "$log" $srv
for s in tickets messages; do
  code=$(curl -s --max-time 30 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $INGEST" \
    -H 'Content-Type: text/csv' --data-binary @"$tmp/d/$s.csv" "$U/v1/$s")
  if [ "$code" = 200 ]; then ok; else bad "ingest $s: HTTP $code"; head -c 300 "$tmp/body"; fi
done

# ---- the same numbers as cxm report with the same files ------------------------------
get() { # query, out
  curl -s --max-time 60 -o "$2" -H "Authorization: Bearer $READ" "$U/v1/metrics?$1"
}
get 'metrics=sla_compliance&by=priority' "$tmp/a.json"
"$cxm" report --store "$db" --sla "$sla" --calendar "$cal" --metrics sla_compliance --by priority \
  --format json >"$tmp/b.json" 2>/dev/null
same "sla_compliance by priority as cxm report --sla" "$tmp/a.json" "$tmp/b.json"
has "targets present" "$tmp/a.json" '"target":"first_response"'
get 'metrics=frt&time_basis=business&stats=median' "$tmp/a.json"
"$cxm" report --store "$db" --sla "$sla" --calendar "$cal" --metrics frt --time business --stats median \
  --format json >"$tmp/b.json" 2>/dev/null
same "frt in business hours as cxm report --calendar" "$tmp/a.json" "$tmp/b.json"

kill -TERM $srv; wait $srv; st=$?; srv=
if [ $st = 0 ]; then ok; else bad "SIGTERM: exit $st"; fi
echo "serve_sla.sh: $pass passed, $fail failed"
[ $fail = 0 ]
