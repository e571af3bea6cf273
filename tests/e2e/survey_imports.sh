#!/usr/bin/env bash
# Survey exports end to end through the command line (docs/IMPORT.md
# "Survey exports"): `cxm convert --profile delighted|typeform` on the
# committed fixtures (tests/golden/convert_delighted/export.json,
# tests/golden/convert_typeform/typeform.csv), then `cxm report` on what it
# wrote, alone and joined to tickets; and a generic long file read directly
# with --map. Every number is worked out by hand in the fixtures' READMEs or
# beside it here. The output must also be byte for byte the committed
# responses.csv and rejected_responses.csv.
# Usage: survey_imports.sh CXM   (env: CXM_SOURCE_DIR, JSONCMP)
set -u
. "$(dirname "$0")/lib/check.sh"
cxm=$1
src=${CXM_SOURCE_DIR:?}
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
same() { # name, expected file, actual file
  if cmp -s "$2" "$3"; then ok; else bad "$1: $3 differs from $2"; diff "$2" "$3" | head -10; fi
}
json() { # name, expected JSON text; compares with $tmp/out ("..." matches anything)
  printf '%s\n' "$2" >"$tmp/want.json"
  if "$jsoncmp" "$tmp/want.json" "$tmp/out"; then ok; else bad "$1"; head -c 3000 "$tmp/out"; echo; fi
}

# ---- delighted: two API pages (NPS, then Smileys) in one file ---------------
dg=$src/tests/golden/convert_delighted
run "convert delighted" 0 "$cxm" convert --profile delighted --in "$dg/export.json" --out "$tmp/dl"
has "delighted summary" "$tmp/err" "cxm convert: delighted: 20 rows read, 16 responses written, 4 bad rows left out, 0 warnings"
has "delighted names the bad record" "$tmp/err" \
  "export.json:35: column 'score': expected a whole number from 0 to 10 (the nps scale), found '11' (response 11 of the array) (row skipped)"
has "delighted second array" "$tmp/err" "(response 7 of array 2)"
same "delighted responses.csv" "$dg/responses.csv" "$tmp/dl/responses.csv"
same "delighted rejected_responses.csv" "$dg/rejected_responses.csv" "$tmp/dl/rejected_responses.csv"
# standard input gives the same rows
run "convert delighted from stdin" 0 sh -c "\"$cxm\" convert --profile delighted --in - --out \"$tmp/dl_stdin\" < \"$dg/export.json\""
same "delighted from stdin" "$dg/responses.csv" "$tmp/dl_stdin/responses.csv"
# all ten NPS answers: promoters 101 102 103 108 110, passives 104 105,
# detractors 106 107 109 -> (5 - 3) / 10 = 20; six Smileys answers 5 4 4 3 2 5
# read as CSAT on 1-5 -> 4 of 6 in the top two boxes = 66.67 %
run "report delighted" 0 "$cxm" report --data "$tmp/dl" --metrics nps,csat --min-n 5 --format json
json "delighted numbers" '{"results":[
 {"metric":"nps","variant":"nps","group":{},"value":20,"unit":"score","n":10,"ci":"...",
  "buckets":{"promoters":5,"passives":2,"detractors":3}},
 {"metric":"csat","variant":"top_box","group":{},"value":66.666666666666667,"unit":"percent","n":6,"ci":"..."}
],"warnings":[],"bad_rows":0}'
# --strict: the first bad record (line 35) stops it and nothing is written
run "convert delighted strict" 2 "$cxm" convert --profile delighted --in "$dg/export.json" --out "$tmp/dl_strict" --strict
has "delighted strict names line and column" "$tmp/err" "export.json:35: column 'score'"
if [ -e "$tmp/dl_strict/responses.csv" ]; then bad "strict wrote responses.csv"; else ok; fi
# a 5-point CES project read on the default scale, then with --scale ces=1-5
for i in $(seq 1 20); do
  printf '{"id":"c%d","survey_type":"ces","score":%d,"created_at":1709251200}\n' "$i" $(( (i % 5) + 1 ))
done >"$tmp/ces.json"
run "convert ces" 0 "$cxm" convert --profile delighted --in "$tmp/ces.json" --out "$tmp/ces"
has "ces five-point warning" "$tmp/err" "all 20 CES answers are 5 or under on the default 1-7 scale"
run "convert ces 1-5" 0 "$cxm" convert --profile delighted --in "$tmp/ces.json" --out "$tmp/ces" --scale ces=1-5
has "ces 1-5 summary" "$tmp/err" "20 responses written, 0 bad rows left out, 0 warnings"
# scores 1..5 four times each: agree = 4 and 5 on 1-5 -> 8 of 20 = 40 %
run "report ces 1-5" 0 "$cxm" report --data "$tmp/ces" --metrics ces --format json
json "ces on 1-5" '{"results":[
 {"metric":"ces","variant":"agree_pct","group":{},"value":40,"unit":"percent","n":20,"ci":"...","below_min_n":true}
],"warnings":"...","bad_rows":0}'

# ---- typeform: a wide CSV, one column per question ------------------------
tg=$src/tests/golden/convert_typeform
tq=(--question "nps=How likely are you to recommend Acme to a friend?"
    --question "csat=How satisfied are you with our support?" --comment "What could we do better?")
run "convert typeform" 0 "$cxm" convert --profile typeform --in "$tg/typeform.csv" --out "$tmp/tf" "${tq[@]}"
has "typeform summary" "$tmp/err" "cxm convert: typeform: 12 rows read, 14 responses written, 4 bad rows left out, 2 warnings"
has "typeform skipped nps" "$tmp/err" "1 submissions left question 'nps' (How likely are you to recommend Acme to a friend?) empty: no row written for them"
has "typeform partial response" "$tmp/err" "typeform.csv:13:8: column 'Submit Date (UTC)': expected the submission's instant, found an empty field"
same "typeform responses.csv" "$tg/responses.csv" "$tmp/tf/responses.csv"
same "typeform rejected_responses.csv" "$tg/rejected_responses.csv" "$tmp/tf/rejected_responses.csv"
# NPS 10 9 7 3 8 6 10: promoters 3, detractors 2 of 7 -> 14.29;
# CSAT 5 4 3 1 5 2 5: 4 of 7 in 4-5 -> 57.14 %
run "report typeform" 0 "$cxm" report --data "$tmp/tf" --metrics nps,csat --min-n 5 --format json
json "typeform numbers" '{"results":[
 {"metric":"nps","variant":"nps","group":{},"value":14.285714285714286,"unit":"score","n":7,"ci":"...",
  "buckets":{"promoters":3,"passives":2,"detractors":2}},
 {"metric":"csat","variant":"top_box","group":{},"value":57.142857142857143,"unit":"percent","n":7,"ci":"..."}
],"warnings":[],"bad_rows":0}'
# joined to tickets converted into the same directory (by the hidden field
# ticket_id): T-1 T-2 T-5 Ann, T-3 T-4 T-8 Bob, T-6 T-7 Cy
#   NPS  Ann 10 9 8 -> (2 - 0) / 3 = 66.67; Bob 7 3 10 -> 0; Cy 6 -> -100
#   CSAT Ann 5 4 -> 100 %; Bob 3 1 5 -> 33.33 %; Cy 5 2 -> 50 %
{
  echo "ticket_id,created_at,agent"
  for t in 1:Ann 2:Ann 3:Bob 4:Bob 5:Ann 6:Cy 7:Cy 8:Bob; do echo "T-${t%%:*},2024-03-01T08:00:00Z,${t#*:}"; done
} >"$tmp/tf/tickets.csv"
run "report typeform by agent" 0 "$cxm" report --data "$tmp/tf" --metrics nps,csat --by agent --min-n 1 --format json
json "typeform joined to tickets" '{"results":[
 {"metric":"nps","variant":"nps","group":{"agent":"Ann"},"value":66.666666666666667,"unit":"score","n":3,"ci":"...",
  "buckets":{"promoters":2,"passives":1,"detractors":0}},
 {"metric":"nps","variant":"nps","group":{"agent":"Bob"},"value":0,"unit":"score","n":3,"ci":"...",
  "buckets":{"promoters":1,"passives":1,"detractors":1}},
 {"metric":"nps","variant":"nps","group":{"agent":"Cy"},"value":-100,"unit":"score","n":1,"ci":"...",
  "buckets":{"promoters":0,"passives":0,"detractors":1}},
 {"metric":"csat","variant":"top_box","group":{"agent":"Ann"},"value":100,"unit":"percent","n":2,"ci":"..."},
 {"metric":"csat","variant":"top_box","group":{"agent":"Bob"},"value":33.333333333333333,"unit":"percent","n":3,"ci":"..."},
 {"metric":"csat","variant":"top_box","group":{"agent":"Cy"},"value":50,"unit":"percent","n":2,"ci":"..."}
],"warnings":[],"bad_rows":0}'
# converting again into that directory keeps the tickets and their list
printf 'file,source_line,column,rows,reason\n' >"$tmp/tf/rejected.csv"
run "convert typeform again" 0 "$cxm" convert --profile typeform --in "$tg/typeform.csv" --out "$tmp/tf" "${tq[@]}"
if [ -e "$tmp/tf/tickets.csv" ] && [ -e "$tmp/tf/rejected.csv" ]; then ok; else bad "typeform rerun removed the tickets' files"; fi
# usage errors name what is missing
run "typeform without --question" 1 "$cxm" convert --profile typeform --in "$tg/typeform.csv" --out "$tmp/x"
has "typeform needs --question" "$tmp/err" "needs at least one --question SURVEY=COLUMN"
run "typeform unknown column" 1 "$cxm" convert --profile typeform --in "$tg/typeform.csv" --out "$tmp/x" --question nps=Score
has "typeform names the header" "$tmp/err" "--question nps: no column 'Score'; the header has: '#',"
run "question on a ticket profile" 1 "$cxm" convert --profile callcentre --in "$tg/typeform.csv" --out "$tmp/x" --question nps=Q
has "ticket profiles take no settings" "$tmp/err" "profile 'callcentre' takes no settings"
run "convert help" 0 "$cxm" convert --help
has "help lists delighted" "$tmp/out" "  delighted"
has "help lists typeform" "$tmp/out" "--question SURVEY=COLUMN"

# ---- a generic long file: one row per answer, read directly with --map ----
# NPS 10 and 6 answered, L5 sent and not answered -> NPS (1 - 1) / 2 = 0,
# response rate 2 of 3; CES 6 and 2 on 1-7, agree at 5 and up -> 50 %
cat >"$tmp/long.csv" <<'EOF'
Answer ID,Answered,Question,Rating,Ticket,Why
L1,2024-03-01 10:00,NPS,10,T-1,great
L2,2024-03-01 11:00,NPS,6,T-2,slow
L3,2024-03-02 10:00,CES,6,T-3,
L4,2024-03-02 11:00,CES,2,T-4,hard
L5,2024-03-03 10:00,NPS,,T-5,
EOF
run "report long format" 0 "$cxm" report --responses "$tmp/long.csv" --map 'response_id=Answer ID' --map at=Answered \
  --map survey=Question --map score=Rating --map ticket_id=Ticket --map comment=Why \
  --metrics nps,ces,response_rate --min-n 1 --format json
json "long format numbers" '{"results":[
 {"metric":"nps","variant":"nps","group":{},"value":0,"unit":"score","n":2,"ci":"...",
  "buckets":{"promoters":1,"passives":0,"detractors":1}},
 {"metric":"ces","variant":"agree_pct","group":{},"value":50,"unit":"percent","n":2,"ci":"..."},
 {"metric":"response_rate","target":"nps","group":{},"value":66.666666666666667,"unit":"percent","n":3,"ci":"..."},
 {"metric":"response_rate","target":"ces","group":{},"value":100,"unit":"percent","n":2,"ci":"..."}
],"warnings":[],"bad_rows":0}'

echo "survey imports: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
