# tests/e2e/lib/check.sh - the e2e scripts' checks, sourced (a subdirectory,
# so CMake's tests/e2e/*.sh glob does not take it for a test). The script
# sets pass=0 fail=0 and reports them at its end.

ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL $*"; }
check() { # name, got, want
  if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', expected '$3'"; fi
}
has() { # name, file, text
  if grep -qF -- "$3" "$2"; then ok; else bad "$1: no '$3' in $2"; head -c 1500 "$2"; echo; fi
}
same() { # name, file a, file b
  if cmp -s "$2" "$3"; then ok; else bad "$1: $2 and $3 differ"; diff "$2" "$3" | head -10; fi
}
