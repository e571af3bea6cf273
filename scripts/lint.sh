#!/usr/bin/env bash
# Bans functions that invite overflow, hidden global state or silent failure
# (after curl's checksrc). Use the named replacement instead.
set -u
cd "$(dirname "$0")/.."
status=0
banned='\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|atof|strtok|localtime|localtime_r|mktime|gets|tmpnam)[[:space:]]*\('
if out=$(grep -rnE "$banned" src include --include='*.c' --include='*.h' | grep -v 'lint: allow'); then
  echo "lint: banned functions (use snprintf, memcpy with a length, strtol, strtok_r, cxm_tz_*):" >&2
  echo "$out" >&2
  status=1
fi
exit $status
