#!/usr/bin/env bash
# The real support data sets (../shared/datasets, README.md there) read end
# to end: `cxm convert` where --map cannot express the export, then
# `cxm report --format json`, checked against numbers computed independently
# of cxm (the awk/python one-offs are quoted beside each number). Defects
# must show up as bad rows or warnings with line and column, never averaged
# in silently. docs/IMPORT.md explains each data set and these numbers.
# Usage: datasets.sh CXM   (env: CXM_DATASETS, JSONCMP; skipped without data)
set -u
. "$(dirname "$0")/lib/check.sh"
cxm=$1
ds=${CXM_DATASETS:-}
if [ -z "$ds" ] || [ ! -d "$ds" ]; then echo "skipped: no datasets"; exit 0; fi
jsoncmp=${JSONCMP:-$(dirname "$cxm")/jsoncmp}
[ -x "$jsoncmp" ] || { echo "FAIL: no jsoncmp (set JSONCMP)"; exit 1; }
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # name, expected status, command... (stdout -> $tmp/out, stderr -> $tmp/err)
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else bad "$name: exit $rc, expected $want"; head -5 "$tmp/err"; fi
}
json() { # name, expected JSON text; compares with $tmp/out ("..." matches anything)
  printf '%s\n' "$2" >"$tmp/want.json"
  if "$jsoncmp" "$tmp/want.json" "$tmp/out"; then ok; else bad "$1"; head -c 3000 "$tmp/out"; echo; fi
}

# ---- callcentre_pwc: 5,000 synthetic calls --------------------------------
# Independent numbers (awk on the raw file; CRLF only touches the last field):
#   awk -F, 'NR>1{n++; if($6=="N")ab++; else {a++; s+=$8; split($9,t,":");
#     h+=t[1]*3600+t[2]*60+t[3]; if($7=="Y"){r++; rt+=$8+t[1]*3600+t[2]*60+t[3]}}}
#     END{print n, ab, 100*ab/n, a, s/a, h/a, r, 100*r/a, rt/r}'
#   -> 5000 calls, 946 abandoned (18.92 %), 4054 answered, ASA 67.5207202762704 s,
#      talk 224.922792303897 s, 3646 resolved = 89.9358658115441 % of answered,
#      speed + talk of resolved calls 292.775095995612 s
cc=$ds/callcentre_pwc/call_center_dataset.csv
run "convert callcentre" 0 "$cxm" convert --profile callcentre --in "$cc" --out "$tmp/cc"
has "callcentre summary" "$tmp/err" "callcentre: 5000 rows read, 5000 tickets and 0 messages written, 0 bad rows left out, 0 warnings"
run "report callcentre" 0 "$cxm" report --data "$tmp/cc" --format json --stats mean \
  --metrics volume,abandonment_rate,asa,aht,resolution_rate,resolution_time,fcr
json "callcentre numbers" '{"results":[
 {"metric":"volume","group":{},"value":5000,"unit":"count","n":5000},
 {"metric":"abandonment_rate","group":{},"value":18.92,"unit":"percent","n":5000,"ci":"..."},
 {"metric":"asa","stat":"mean","group":{},"value":67.5207202762704,"unit":"seconds","n":4054,"ci":"..."},
 {"metric":"aht","stat":"mean","group":{},"value":224.922792303897,"unit":"seconds","n":4054,"ci":"..."},
 {"metric":"resolution_rate","group":{},"value":89.9358658115441,"unit":"percent","n":4054,"ci":"..."},
 {"metric":"resolution_time","stat":"mean","group":{},"value":292.775095995612,"unit":"seconds","n":3646,"ci":"..."},
 {"metric":"fcr","group":{},"value":100,"unit":"percent","n":3646,"ci":"..."}
],"warnings":[],"bad_rows":0}'
# ASA per agent, Jim: awk -F, 'NR>1 && $2=="Jim" && $6=="Y"{n++; s+=$8} END{print n, s/n}' -> 536 66.3432835820896
run "report callcentre by agent" 0 "$cxm" report --data "$tmp/cc" --format csv --metrics asa --stats mean --by agent
has "callcentre ASA of Jim" "$tmp/out" "asa,mean,,Jim,66.34328358208"

# ---- itsm_incident_log: 5,998 events of 890 incidents -----------------------
# Independent numbers (python one-off on the raw file: group rows by number,
# sort each incident's rows by (sys_updated_at, file order), walk the states:
# Resolved/Closed enter "resolved", anything else after that is a reopen):
#   890 incidents, all ending Closed; 11 with a reopen (the log's reopen_count
#   says 10: INC0000137 has a New event dated after its resolution);
#   latest resolution - opened_at: mean 1093136.7640449437 s, median 192390 s;
#   first resolution - opened_at: mean 1083717.5056179776 s, median 192060 s
it=$ds/itsm_incident_log/incident_event_log_first5998.csv
run "convert itsm" 0 "$cxm" convert --profile itsm --in "$it" --out "$tmp/it"
has "itsm summary" "$tmp/err" "itsm: 5998 rows read, 890 tickets and 5998 messages written, 0 bad rows left out, 4 warnings"
has "itsm reopen disagreement" "$tmp/err" "1 incidents whose reopens derived from the state history differ from the log's reopen_count (cxm uses the history) (first: INC0000137 derived 1, log 0)"
has "itsm missing resolved_at" "$tmp/err" "29 resolved incidents with no resolved_at in the log"
has "itsm resolved_at differs" "$tmp/err" "18 incidents whose log resolved_at differs from the derived latest resolution"
has "itsm events before opening" "$tmp/err" "5 incidents have events dated before their opened_at (kept) (first: INC0000130,"
run "report itsm" 0 "$cxm" report --data "$tmp/it" --format json --stats mean,median \
  --metrics volume,backlog,first_resolution_time,resolution_time,resolution_rate,reopen_rate
json "itsm numbers" '{"results":[
 {"metric":"volume","group":{},"value":890,"unit":"count","n":890},
 {"metric":"backlog","group":{},"value":0,"unit":"count","n":0},
 {"metric":"first_resolution_time","stat":"mean","group":{},"value":1083717.5056179776,"unit":"seconds","n":890,"ci":"..."},
 {"metric":"first_resolution_time","stat":"median","group":{},"value":192060,"unit":"seconds","n":890,"ci":"..."},
 {"metric":"resolution_time","stat":"mean","group":{},"value":1093136.7640449437,"unit":"seconds","n":890,"ci":"..."},
 {"metric":"resolution_time","stat":"median","group":{},"value":192390,"unit":"seconds","n":890,"ci":"..."},
 {"metric":"resolution_rate","group":{},"value":100,"unit":"percent","n":890,"ci":"..."},
 {"metric":"reopen_rate","group":{},"value":1.2359550561797752,"unit":"percent","n":890,"ci":"..."}
],"warnings":[],"bad_rows":0}'
# made_sla as a dimension: python: count of incidents whose latest row has made_sla FALSE -> 395 (495 TRUE)
run "report itsm by made_sla" 0 "$cxm" report --data "$tmp/it" --format csv --metrics volume --by made_sla
has "itsm made_sla FALSE" "$tmp/out" "volume,,,FALSE,395,"
# --strict: the first event of a broken copy stops the conversion, nothing is written
head -3 "$it" >"$tmp/broken.csv"
sed -n 4p "$it" | sed 's/,29-02-2016 \([0-9:]*\),Phone/,31-02-2016 \1,Phone/' >>"$tmp/broken.csv"
run "convert itsm strict" 2 "$cxm" convert --profile itsm --in "$tmp/broken.csv" --out "$tmp/strict" --strict
has "itsm strict names line and column" "$tmp/err" "broken.csv:4:14: column 'sys_updated_at'"
# every event is a system status change: no agent column, so the intercom
# rule (one_teammate) has no value and says why rather than 0 %
has "itsm messages have no agent column" "$tmp/it/messages.csv" "ticket_id,at,author,public,status,state,source_line"
run "report itsm intercom" 0 "$cxm" report --data "$tmp/it" --preset intercom --metrics fcr --format json
json "itsm one_teammate has no value" '{"results":[
 {"metric":"fcr","group":{},"value":null,"reason":"needs an agent column in the messages (who wrote each reply): one_teammate counts teammates","unit":"percent","n":0}
],"warnings":["fcr: needs an agent column in the messages (who wrote each reply): one_teammate counts teammates"],"bad_rows":0}'
if [ -e "$tmp/strict/tickets.csv" ]; then bad "strict wrote tickets.csv"; else ok; fi

# ---- support_tickets_kaggle: read with --map, no converter -----------------
# No creation instant exists ('Date of Purchase' is 1.4-3.4 years before any
# other date), so created_at = First Response Time and resolution time runs
# from the first response. Independent numbers (python csv module):
#   8469 tickets: 2769 Closed (both instants), 2881 Pending (first response
#   only), 2819 Open (no instant at all); of the Closed, 1365 resolve before
#   their first response, 2 at the same second; the other 1404 take
#   7.577932098765432 h = 27280.555555555555 s on average.
kg=$ds/support_tickets_kaggle/customer_support_tickets.csv
kmap=(--map 'ticket_id=Ticket ID' --map 'created_at=First Response Time' --map 'resolved_at=Time to Resolution'
      --map 'channel=Ticket Channel' --map 'priority=Ticket Priority' --map 'status=Ticket Status')
run "report kaggle" 0 "$cxm" report --tickets "$kg" "${kmap[@]}" --format json --stats mean \
  --metrics volume,resolution_time
json "kaggle numbers" '{"results":[
 {"metric":"volume","group":{},"value":4285,"unit":"count","n":4285},
 {"metric":"resolution_time","stat":"mean","group":{},"value":27280.555555555555,"unit":"seconds","n":1404,"ci":"..."}
],"warnings":"...","bad_rows":4184}'
has "kaggle bad row names line and column" "$tmp/out" "customer_support_tickets.csv:19:16: column 'resolved_at': resolved_at is 5.533 hours before created_at"
has "kaggle open ticket named" "$tmp/out" "customer_support_tickets.csv:26:15: column 'created_at': expected a timestamp, found an empty field"
has "kaggle bad row total" "$tmp/out" "4184 of 8469 rows were bad and skipped"
run "report kaggle closed" 0 "$cxm" report --tickets "$kg" "${kmap[@]}" --where 'Ticket Status=Closed' \
  --format json --stats mean --metrics volume,resolution_time
json "kaggle: 1365 resolve before their first response" '{"results":[
 {"metric":"volume","group":{},"value":1404,"unit":"count","n":1404},
 {"metric":"resolution_time","stat":"mean","group":{},"value":27280.555555555555,"unit":"seconds","n":1404,"ci":"..."}
],"warnings":"...","bad_rows":1365}'
run "report kaggle open" 0 "$cxm" report --tickets "$kg" "${kmap[@]}" --where 'Ticket Status=Open' \
  --format json --metrics volume
has "kaggle: 2819 open tickets without any instant" "$tmp/out" '"bad_rows":2819'
run "report kaggle strict" 2 "$cxm" report --tickets "$kg" "${kmap[@]}" --strict --metrics volume,resolution_time
has "kaggle strict names the first bad row" "$tmp/err" "customer_support_tickets.csv:19:16: column 'resolved_at'"

# ---- zendesk_fivetran_seeds: the dbt_zendesk fixtures ------------------------
# Fixture tables that do not reference each other consistently. Independent
# numbers (python csv module): 10 tickets + 30 status-history rows + 20
# comments = 60 records; tickets 1595 and 11013 are deleted; 7 solved/closed
# tickets have no status history; 37 comments and status rows name tickets
# missing from ticket_data.csv; only 11071 remains, with 13 status changes;
# its first 'solved' is 6713691 s after created_at. Comments:
#   python3 -c "import csv; c=list(csv.DictReader(open('ticket_comment_data.csv')));
#     print(sorted({r['ticket_id'] for r in c}))"
#   -> 1077 13057 13095 13628 14352 7367 7636: none is 11071, so its messages
#      are its 13 status changes with an empty agent; it was closed once and
#      never reopened, with no public reply: one_teammate (the intercom
#      preset) 0 of 1, no_reopen 1 of 1.
zd=$ds/zendesk_fivetran_seeds
run "convert zendesk" 0 "$cxm" convert --profile zendesk --in "$zd" --out "$tmp/zd"
has "zendesk summary" "$tmp/err" "zendesk: 60 rows read, 1 tickets and 13 messages written, 46 bad rows left out, 5 warnings"
has "zendesk ticket without comments" "$tmp/err" "1 tickets have no comment in ticket_comment_data.csv, though every Zendesk ticket starts with one (its description)"
has "zendesk messages agent column" "$tmp/zd/messages.csv" "ticket_id,at,author,public,status,agent,source,source_line"
n=$(awk -F, 'NR>1 && $3=="system" && $6==""' "$tmp/zd/messages.csv" | wc -l)
if [ "$n" -eq 13 ]; then ok; else bad "zendesk: $n system messages with an empty agent, expected 13"; fi
has "zendesk deleted" "$tmp/err" "2 deleted tickets left out, with their comments and status changes (first: 1595, 11013)"
has "zendesk without history" "$tmp/err" "7 solved or closed tickets left out: no status change in ticket_field_history_data.csv"
has "zendesk orphans" "$tmp/err" "37 comments and status changes left out: their ticket is not in ticket_data.csv"
has "zendesk rejected list" "$tmp/zd/rejected.csv" "ticket_data.csv,3,status,1,ticket 16988 is solved but ticket_field_history_data.csv has no status change for it"
run "report zendesk" 0 "$cxm" report --data "$tmp/zd" --format json --stats mean --metrics volume,resolution_time,reopen_rate
json "zendesk numbers" '{"results":[
 {"metric":"volume","group":{},"value":1,"unit":"count","n":1},
 {"metric":"resolution_time","stat":"mean","group":{},"value":6713691,"unit":"seconds","n":1},
 {"metric":"reopen_rate","group":{},"value":0,"unit":"percent","n":1,"ci":"..."}
],"warnings":[],"bad_rows":0}'
run "report zendesk intercom" 0 "$cxm" report --data "$tmp/zd" --preset intercom --metrics fcr --format json
json "zendesk one_teammate" '{"results":[
 {"metric":"fcr","group":{},"value":0,"unit":"percent","n":1,"ci":"..."}
],"warnings":[],"bad_rows":0}'
run "report zendesk intercom no_reopen" 0 "$cxm" report --data "$tmp/zd" --preset intercom --fcr-rule no_reopen --metrics fcr --format json
json "zendesk no_reopen" '{"results":[
 {"metric":"fcr","group":{},"value":100,"unit":"percent","n":1,"ci":"..."}
],"warnings":[],"bad_rows":0}'

echo "datasets: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
