#!/usr/bin/env bash
# Alerts end to end (docs/ALERTS.md): a webhook receiver on loopback
# (tests/e2e/webhook_receiver.py, python3), `cxm serve --alerts` on a free
# port; tickets that break a threshold are ingested and the receiver gets
# one "firing" payload whose value is worked out by hand below; tickets
# that clear it bring "resolved"; a rule whose webhook is down logs
# alert_post_failed after its retries; a receiver that accepts and never
# answers delays neither an ingest nor SIGTERM; `cxm alerts check
# --dry-run` gives the same firing payload statelessly; rules-file errors
# name file:line; SIGTERM stops the server (and its watcher) promptly. Every wait is bounded; the processes are killed on any
# exit. Usage: alerts.sh CXM
set -u
. "$(dirname "$0")/lib/serve.sh"
. "$(dirname "$0")/lib/check.sh"
cxm=$1
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
tmp=$(mktemp -d)
srv= rcv=
trap '[ -n "$srv" ] && kill -9 $srv 2>/dev/null; [ -n "$rcv" ] && kill -9 $rcv 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tmpdir"
export TMPDIR=$tmp/tmpdir # report --store snapshots

for t in curl python3; do
  command -v $t >/dev/null 2>&1 || { echo "alerts.sh: $t is needed (scripts/install-deps.sh installs it)"; exit 1; }
done

# field FILE LINE_NO EXPR: a Python expression over the JSON object j on that line
field() {
  python3 -c 'import json,sys
lines=[l for l in open(sys.argv[1]) if l.strip()]
j=json.loads(lines[int(sys.argv[2])-1])
print(eval(sys.argv[3]))' "$1" "$2" "$3" 2>&1
}
# wait_lines FILE N SECONDS: until FILE has N lines
wait_lines() {
  for _ in $(seq $(($3 * 10))); do
    [ -f "$1" ] && [ "$(grep -c . "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# ---- the receiver, and a port where nothing listens ---------------------------------
# signed posts (docs/ALERTS.md): the receiver checks each with Python's hmac
export CXM_E2E_HOOK_SECRET=e2e-secret-0123456789abcdef
python3 "$here/webhook_receiver.py" "$tmp/hooks" "$tmp/rport" "$CXM_E2E_HOOK_SECRET" &
rcv=$!
for _ in $(seq 100); do [ -s "$tmp/rport" ] && break; sleep 0.1; done
[ -s "$tmp/rport" ] || { echo "FAIL receiver did not start"; exit 1; }
rport=$(cat "$tmp/rport")
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

# ---- rules ------------------------------------------------------------------------
cat >"$tmp/alerts.ini" <<EOF
# e2e rules: windows of 2 hours ending now
[defaults]
webhook = http://127.0.0.1:$rport/hook
window = 2h
min_n = 3

[slow-email-frt]
metric = frt
stat = mean
where = channel=email
by = team
above = 30m
secret = env:CXM_E2E_HOOK_SECRET

[dead-hook]            # the same condition, posted where nothing listens
metric = frt
stat = mean
where = channel=email
where = team=A
above = 30m
webhook = http://127.0.0.1:$dead/hook
EOF

# ---- errors in a rules file name the line ---------------------------------------------
printf '[r]\nmetric = frt\nstat = mean\nabove = 1h\nwindow = 2h\nwebhook = ftp://x\n' >"$tmp/bad.ini"
"$cxm" alerts check --store "$tmp/none.db" --rules "$tmp/bad.ini" --dry-run >/dev/null 2>"$tmp/err"
check "bad rules: exit status" "$?" 2
has "bad rules: file:line" "$tmp/err" "bad.ini:6: webhook 'ftp://x': expected an http:// or https:// URL"
"$cxm" serve --store "$tmp/x.db" --listen 127.0.0.1:0 --alerts "$tmp/bad.ini" 2>"$tmp/err"
check "serve with bad rules: exit status" "$?" 2
has "serve with bad rules: file:line" "$tmp/err" "bad.ini:6:"

# ---- the server --------------------------------------------------------------------
db=$tmp/cx.db
INGEST=$("$cxm" token create --store "$db" --scopes ingest 2>/dev/null)
log=$tmp/log
"$cxm" serve --store "$db" --listen 127.0.0.1:0 --alerts "$tmp/alerts.ini" --alert-interval 0.2 2>"$log" &
srv=$!
serve_wait "$log" $srv
has "watcher announced" "$log" '"event":"alerts","rules":2,"interval":0.2,"tick":60'

now=$(date -u +%s)
ts() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; } # epoch seconds -> RFC 3339
c0=$((now - 90 * 60)) # created 90 minutes ago: inside the 2 h window; replies before now
# ingest NAME BODY_FILE: POST tickets, prints the HTTP status and the time in s
ingest() {
  curl -s --max-time 30 -o "$tmp/body" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $INGEST" \
    -H 'Content-Type: text/csv' --data-binary @"$2" "$U/v1/tickets"
}

# Batch 1. Team A by email: first replies after 40, 50 and 60 minutes:
# mean (2400 + 3000 + 3600) / 3 = 3000 s > 1800 (30m) with n = 3: fires.
# Team B by email: 5, 10, 15 minutes: mean 600 s: ok. Team C by email:
# 90 and 100 minutes but n = 2 < min_n 3: no alert. Team A by chat: 120
# minutes, left out by where = channel=email.
{
  echo "ticket_id,created_at,first_response_at,channel,team"
  i=0
  for row in A:email:40 A:email:50 A:email:60 B:email:5 B:email:10 B:email:15 C:email:90 C:email:80 A:chat:85; do
    IFS=: read -r team ch mins <<<"$row"
    i=$((i+1))
    echo "E$i,$(ts $c0),$(ts $((c0 + mins * 60))),$ch,$team"
  done
} >"$tmp/batch1.csv"
read -r code secs <<<"$(ingest batch1 "$tmp/batch1.csv")"
check "batch 1 accepted" "$code" 200
has "batch 1 counts" "$tmp/body" '"accepted":9,'

if wait_lines "$tmp/hooks" 1 20; then ok; else bad "no webhook within 20 s"; cat "$log"; fi
sleep 0.5 # would a second (wrong) post follow?
check "one post for one firing group" "$(grep -c . "$tmp/hooks")" 1
check "payload: rule" "$(field "$tmp/hooks" 1 'j["rule"]')" slow-email-frt
check "payload: state" "$(field "$tmp/hooks" 1 'j["state"]')" firing
check "payload: metric and stat" "$(field "$tmp/hooks" 1 'j["metric"]+"/"+j["stat"]')" frt/mean
check "payload: group" "$(field "$tmp/hooks" 1 'json.dumps(j["group"])')" '{"team": "A"}'
check "payload: value (by hand: 3000 s)" "$(field "$tmp/hooks" 1 'j["value"]')" 3000
check "payload: threshold" "$(field "$tmp/hooks" 1 'j["condition"]+" "+str(j["threshold"])')" "above 1800"
check "payload: n" "$(field "$tmp/hooks" 1 'j["n"]')" 3
check "payload: ci around the value" "$(field "$tmp/hooks" 1 'j["ci"][0] < 3000 < j["ci"][1]')" True
check "payload: window of 2 h" \
  "$(field "$tmp/hooks" 1 'int(__import__("datetime").datetime.fromisoformat(j["window"]["to"].replace("Z","+00:00")).timestamp() - __import__("datetime").datetime.fromisoformat(j["window"]["from"].replace("Z","+00:00")).timestamp())')" 7200
check "payload: at = window end" "$(field "$tmp/hooks" 1 'j["at"] == j["window"]["to"]')" True
check "Content-Type" "$(head -1 "$tmp/hooks.types")" application/json
check "signature: HMAC-SHA256 of timestamp.body, checked by the receiver" "$(head -1 "$tmp/hooks.sig")" valid
check "the secret is not logged" "$(grep -c "$CXM_E2E_HOOK_SECRET" "$log")" 0
has "firing logged" "$log" '"event":"alert","rule":"slow-email-frt","state":"firing"'
has "post logged" "$log" '"event":"alert_posted","rule":"slow-email-frt","state":"firing","webhook":"http://127.0.0.1:'
# the state is kept next to the store for a restart (docs/ALERTS.md)
for _ in $(seq 50); do grep -q slow-email-frt "$db.alerts-state.json" 2>/dev/null && break; sleep 0.1; done
has "state kept for a restart" "$db.alerts-state.json" '"rule":"slow-email-frt"'

# the dead hook: retried, then a logged failure (connection refused: about 1.5 s of backoff)
for _ in $(seq 100); do grep -q alert_post_failed "$log" && break; sleep 0.1; done
has "down receiver: logged failure" "$log" '"event":"alert_post_failed","rule":"dead-hook","state":"firing"'
has "down receiver: 3 attempts" "$log" '"attempts":3'
has "empty store at start: one error line" "$log" '"event":"alert_error","rule":"slow-email-frt"'
check "the error is logged once, not every evaluation" "$(grep -c '"event":"alert_error","rule":"slow-email-frt"' "$log")" 1

# one-shot, stateless: the same decision (at the same window end)
at=$(field "$tmp/hooks" 1 'j["at"]')
"$cxm" alerts check --store "$db" --rules "$tmp/alerts.ini" --dry-run --now "$at" >"$tmp/check.out" 2>"$tmp/check.err"
check "alerts check: exit status" "$?" 0
check "alerts check: two firing lines (both rules)" "$(grep -c . "$tmp/check.out")" 2
check "alerts check = the posted payload" "$(head -1 "$tmp/check.out")" "$(head -1 "$tmp/hooks")"
check "dry run posted nothing" "$(grep -c . "$tmp/hooks")" 1

# Batch 2 clears it: three more team A email tickets answered in 1 minute:
# mean (2400 + 3000 + 3600 + 3 * 60) / 6 = 9180 / 6 = 1530 s < 1800.
{
  echo "ticket_id,created_at,first_response_at,channel,team"
  for i in 1 2 3; do echo "F$i,$(ts $c0),$(ts $((c0 + 60))),email,A"; done
} >"$tmp/batch2.csv"
read -r code secs <<<"$(ingest batch2 "$tmp/batch2.csv")"
check "batch 2 accepted" "$code" 200
if wait_lines "$tmp/hooks" 2 20; then ok; else bad "no resolved post within 20 s"; tail -5 "$log"; fi
check "resolved: state" "$(field "$tmp/hooks" 2 'j["state"]')" resolved
check "resolved: group" "$(field "$tmp/hooks" 2 'json.dumps(j["group"])')" '{"team": "A"}'
check "resolved: value (by hand: 1530 s)" "$(field "$tmp/hooks" 2 'j["value"]')" 1530
check "resolved: n" "$(field "$tmp/hooks" 2 'j["n"]')" 6
check "resolved: firing_since" "$(field "$tmp/hooks" 2 'j["firing_since"]')" "$at"
check "resolved: signed too" "$(sed -n 2p "$tmp/hooks.sig")" valid
sleep 1
check "no more posts" "$(grep -c . "$tmp/hooks")" 2
"$cxm" alerts check --store "$db" --rules "$tmp/alerts.ini" --dry-run >"$tmp/check.out" 2>/dev/null
check "alerts check after batch 2: nothing fires" "$(grep -c . "$tmp/check.out")" 0

# ---- SIGTERM: a clean, prompt stop ------------------------------------------------------
t0=$(date +%s%N)
kill -TERM $srv
for _ in $(seq 150); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
wait $srv; rc=$?
srv=
check "SIGTERM: exit 0" "$rc" 0
check "SIGTERM: stopped within 10 s" "$(( ($(date +%s%N) - t0) / 1000000000 < 10 ))" 1
has "stopped logged" "$log" '"event":"stopped"'
kill -TERM $rcv 2>/dev/null; wait $rcv 2>/dev/null; rcv=

# ---- a receiver that accepts connections and never answers: SIGTERM still stops at once --
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(16)
open(sys.argv[1]+".tmp","w").write(str(s.getsockname()[1]))
import os; os.replace(sys.argv[1]+".tmp",sys.argv[1])
time.sleep(120)' "$tmp/hport" &
rcv=$!
for _ in $(seq 100); do [ -s "$tmp/hport" ] && break; sleep 0.1; done
printf '[hang]\nmetric = frt\nstat = mean\nabove = 1m\nwindow = 2h\nmin_n = 1\nwebhook = http://127.0.0.1:%s/\n' \
  "$(cat "$tmp/hport")" >"$tmp/hang.ini"
log2=$tmp/log2
"$cxm" serve --store "$db" --listen 127.0.0.1:0 --alerts "$tmp/hang.ini" 2>"$log2" &
srv=$!
# the store already holds tickets that fire: the first evaluation posts at start
for _ in $(seq 100); do grep -q '"event":"alert",' "$log2" && break; sleep 0.1; done
has "hanging receiver: firing" "$log2" '"event":"alert","rule":"hang","state":"firing"'
sleep 1 # the post is waiting for an answer (5 s timeout, 3 attempts)
port2=$(sed -n 's/.*"event":"listening".*"port":\([0-9][0-9]*\).*/\1/p' "$log2" | head -1)
U=http://127.0.0.1:$port2
{ echo "ticket_id,created_at,first_response_at,channel,team"; echo "H1,$(ts $c0),$(ts $((c0 + 600))),email,A"; } >"$tmp/batch3.csv"
read -r code secs <<<"$(ingest batch3 "$tmp/batch3.csv")"
check "ingest while a post hangs: accepted" "$code" 200
check "ingest while a post hangs: answered at once (< 2 s)" "$(python3 -c "print($secs < 2.0)")" True
t0=$(date +%s%N)
kill -TERM $srv
for _ in $(seq 100); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
wait $srv; rc=$?
srv=
check "hanging receiver: SIGTERM exit 0" "$rc" 0
check "hanging receiver: stopped within 3 s" "$(( ($(date +%s%N) - t0) / 1000000 < 3000 ))" 1
has "hanging receiver: the aborted post is logged" "$log2" '"event":"alert_post_failed","rule":"hang","state":"firing"'
kill -9 $rcv 2>/dev/null; wait $rcv 2>/dev/null; rcv=

echo "alerts.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
