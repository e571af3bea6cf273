#!/usr/bin/env bash
# Runs one golden case: tests/golden/NAME/{args,expected.json|expected.out,
# expected_exit,expected_stderr}. args holds the cxm arguments, one line,
# interpreted by the shell from inside the case's directory (so input files
# are named relatively). Usage: run.sh CXM CASE_DIR JSONCMP
set -u
cxm=$1 dir=$2 jsoncmp=$3
cd "$dir" || exit 1
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
eval "\"$cxm\" $(cat args)" >"$out" 2>"$err"
rc=$?
want_rc=0
[ -f expected_exit ] && want_rc=$(cat expected_exit)
fail=0
if [ "$rc" != "$want_rc" ]; then
  echo "exit status $rc, expected $want_rc"; fail=1
fi
if [ -f expected.json ]; then
  "$jsoncmp" expected.json "$out" || fail=1
elif [ -f expected.out ]; then
  diff -u expected.out "$out" || fail=1
fi
if [ -f expected_stderr ]; then
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    grep -qF -- "$line" "$err" || { echo "stderr lacks: $line"; fail=1; }
  done < expected_stderr
fi
if [ $fail -ne 0 ]; then
  echo "--- args: $(cat args)"; echo "--- stdout:"; head -c 4000 "$out"; echo "--- stderr:"; head -c 2000 "$err"
fi
exit $fail
