#!/usr/bin/env bash
# The cxm command as a user meets it: help, exit statuses, formats, sample
# determinism, the tickets export, languages.
set -u
cxm=$1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { # name, expected status, command...
  local name=$1 want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAIL $name: exit $rc, expected $want"; head -5 "$tmp/err"; fi
}
has() { # name, file, text
  if grep -qF -- "$3" "$2"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: no '$3' in $2"; head -5 "$2"; fi
}
for c in report tickets metrics sample comments convert import token serve alerts; do
  check "$c --help" 0 "$cxm" $c --help
  has "$c --help text" "$tmp/out" "usage: cxm $c"
done
check "help" 0 "$cxm" help
check "version" 0 "$cxm" version
check "no command" 1 "$cxm"
check "unknown command" 1 "$cxm" frobnicate
check "report without input" 1 "$cxm" report
has "report without input says why" "$tmp/err" "no input"
check "unknown option" 1 "$cxm" report --tickets x --colour
check "bad format" 1 "$cxm" report --tickets x --format xml
check "bad lang" 1 "$cxm" report --tickets x --lang fr
check "missing file" 2 "$cxm" report --tickets "$tmp/nope.csv"
has "missing file named" "$tmp/err" "nope.csv"
check "unknown zone" 1 "$cxm" report --tickets x --tz Mars/Olympus
check "unknown preset" 1 "$cxm" report --tickets x --preset acme
check "business without calendar" 1 "$cxm" report --tickets x --time business

# sample: deterministic for a seed
check "sample a" 0 "$cxm" sample --tickets 300 --seed 5 --out "$tmp/a"
check "sample b" 0 "$cxm" sample --tickets 300 --seed 5 --out "$tmp/b"
if cmp -s "$tmp/a/tickets.csv" "$tmp/b/tickets.csv" && cmp -s "$tmp/a/messages.csv" "$tmp/b/messages.csv"; then
  pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL sample not deterministic"; fi

# every format renders the same report
for f in table csv json md; do
  check "format $f" 0 "$cxm" report --data "$tmp/a" --by month --format $f -o "$tmp/r.$f"
done
has "json results" "$tmp/r.json" '"results":['
has "csv header" "$tmp/r.csv" "metric,stat,target,month,value,unit,n,ci_low,ci_high,reason"
has "md table" "$tmp/r.md" "| Metric"
has "table title" "$tmp/r.table" "Customer experience report"
# volume rows in csv and json agree
v_csv=$(awk -F, '$1=="volume"{s+=$5} END{print s}' "$tmp/r.csv")
if [ "$v_csv" = 300 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL csv volume sum $v_csv"; fi

# languages: labels change, numbers do not
for l in zh-Hans zh-Hant ja ms; do
  check "lang $l" 0 "$cxm" report --data "$tmp/a" --metrics volume,frt --lang $l --format table -o "$tmp/l.$l"
done
has "ja label" "$tmp/l.ja" "初回"
has "zh-Hans label" "$tmp/l.zh-Hans" "首次响应时间"

# tickets export: one row per ticket plus a header
check "tickets csv" 0 "$cxm" tickets --data "$tmp/a" -o "$tmp/t.csv"
n=$(($(wc -l < "$tmp/t.csv") - 1))
if [ "$n" = 300 ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL tickets rows $n"; fi
check "tickets json" 0 "$cxm" tickets --data "$tmp/a" --format json -o "$tmp/t.json"
has "tickets json fields" "$tmp/t.json" '"frt_seconds":'

# stdin input
check "stdin" 0 sh -c "\"$cxm\" report --tickets - --metrics volume --format csv < \"$tmp/a/tickets.csv\""
has "stdin volume" "$tmp/out" "volume,,,300,count,300"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
