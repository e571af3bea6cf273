#!/usr/bin/env bash
# The dashboard's plain JavaScript functions under node (tests/web/units.mjs):
# the translation table, the previous period, bucket ends, the queries the
# views ask for, number formats. Usage: web_units.sh CXM (unused).
set -u
src=${CXM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v node >/dev/null 2>&1 || { echo "web_units.sh: node is needed (scripts/install-deps.sh)"; exit 1; }
CXM_SOURCE_DIR=$src node "$src/tests/web/units.mjs"
