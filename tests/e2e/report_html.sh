#!/usr/bin/env bash
# `cxm report --format html` end to end (docs/DASHBOARD.md, static mode):
# the page is one self-contained file (no http(s) script, link or image, the
# bundle and the data inlined, no "<" of the data left raw), --help names
# the format, a bad output path fails cleanly; then chromium opens it from
# file:// with the network cut (tests/web/static.mjs) and finds the
# fixture's hand-worked numbers. Screenshots: $PWD/artifacts/.
# Usage: report_html.sh CXM
set -u
. "$(dirname "$0")/lib/check.sh"
cxm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${CXM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

html=$tmp/report.html
"$cxm" report --data "$src/tests/web/fixture" --from 2024-03-01 --to 2024-03-07 --where 'team!=<none>' \
  --format html -o "$html" --quiet
check "exit status" $? 0
[ -s "$html" ] && ok || bad "no page written"
check "one html document" "$(grep -c '<!doctype html>' "$html")" 1
check "no remote script, link or image" "$(grep -cE '(src|href)="(https?:)?//' "$html")" 0
check "no external script file" "$(grep -cE '<script[^>]* src=' "$html")" 0
check "no stylesheet link" "$(grep -c '<link rel="stylesheet"' "$html")" 0
check "the bundle inlined" "$(grep -c '<style>' "$html")" 1
check "the data embedded" "$(grep -c '<script type="application/json" id="cxm-data">' "$html")" 1
check "data's < escaped" "$(grep -c '<none>' "$html")" 0
check "data's < as \\u003c" "$(grep -c '\\u003cnone>' "$html")" 1
python3 - "$html" <<'PY' && ok || bad "embedded JSON"
import json, re, sys
page = open(sys.argv[1], encoding='utf-8').read()
m = re.search(r'<script type="application/json" id="cxm-data">(.*?)</script>', page, re.S)
d = json.loads(m.group(1))
assert d['mode'] == 'static', d['mode']
assert set(d['data']) == {'kpi', 'prev', 'trend'}, list(d['data'])
vol = [r for r in d['data']['kpi']['results'] if r['metric'] == 'volume' and not r['group']]
assert vol[0]['value'] == 6, vol
prev = [r for r in d['data']['prev']['results'] if r['metric'] == 'volume' and not r['group']]
assert prev[0]['value'] == 3, prev
assert d['labels']['ja']['volume'] == '問い合わせ件数'
assert d['filters']['where'] == {'team!': '<none>'}, d['filters']
PY
"$cxm" report --help | grep -q 'html' && ok || bad "--help names html"
"$cxm" report --data "$src/tests/web/fixture" --format html -o /nonexistent/dir/r.html --quiet 2>"$tmp/err"
check "unwritable output: exit 2" $? 2
"$cxm" tickets --data "$src/tests/web/fixture" --format html >/dev/null 2>&1
check "tickets has no html format" $? 1
# no period: no previous period, trend by month from --by
"$cxm" report --data "$src/tests/web/fixture" --by month,channel --format html --quiet >"$tmp/all.html"
check "no period: exit 0" $? 0
python3 - "$tmp/all.html" <<'PY' && ok || bad "page without a period"
import json, re, sys
page = open(sys.argv[1], encoding='utf-8').read()
d = json.loads(re.search(r'id="cxm-data">(.*?)</script>', page, re.S).group(1))
assert 'prev' not in d['data'], list(d['data'])
assert d['filters']['gran'] == 'month'
assert all('month' in r['group'] for r in d['data']['trend']['results'] if r['value'] is not None)
PY

if [ ! -x "${CXM_CHROMIUM:-/usr/bin/chromium}" ] || [ ! -d "$src/web/node_modules/playwright-core" ]; then
  echo "report_html.sh: chromium or web/node_modules missing: run scripts/install-deps.sh"; exit 1
fi
mkdir -p "$PWD/artifacts"
if CXM_SOURCE_DIR=$src CXM_HTML=$html CXM_ARTEFACTS=$PWD/artifacts timeout 300 node "$src/tests/web/static.mjs"; then
  ok
else
  bad "browser checks (tests/web/static.mjs)"
fi
echo "report_html.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
