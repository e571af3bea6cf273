#!/usr/bin/env bash
# bench/run.sh - the benchmark behind `make bench`: two workloads, each cxm
# against DuckDB running the equivalent SQL on the same file, plus the floor
# (reading the file with cat):
#   support  the support report over tickets.csv (6 metrics by week, channel)
#   survey   NPS and CSAT with intervals by month and channel over
#            responses.csv (issue 3's target: cxm at least 5x faster)
# Regenerates docs/PERFORMANCE.md whole.
#
# Usage: bash bench/run.sh [path/to/cxm]          (default build/cxm)
# Environment:
#   BENCH_FULL=1        10,000,000 tickets instead of 2,000,000, and
#                       50,000,000 responses instead of 5,000,000
#   BENCH_TICKETS=N     any other ticket count (wins over BENCH_FULL)
#   BENCH_RESPONSES=N   any other response count (wins over BENCH_FULL)
#   BENCH_WORKLOADS=W   "support survey" (default), or one of them; a
#                       workload not run is marked so in the document
#   BENCH_RUNS=R        timed runs per command (default 5; medians reported)
#   BENCH_NO_DOC=1      do not rewrite docs/PERFORMANCE.md (results stay in bench/out/)
#   BENCH_SERVE=1       also run bench/serve.sh (ingest + dashboard latency over
#                       HTTP, 10M + 10M records: minutes; SERVE_* variables
#                       pass through). Without it the serving section of
#                       docs/PERFORMANCE.md is kept as it stands
#
# Steps: install the peers if missing (scripts/install-deps.sh --bench);
# generate bench/data/N/tickets.csv and bench/data/responses-N/responses.csv
# with `cxm sample` unless copies made by the same generator source are
# cached there (the responses only when the disk has room: `df` is checked
# first); for each workload time `cat` (the floor), the cxm report, DuckDB
# with all cores and with one thread, each R times after one warm-up
# (hyperfine when installed, else a bash loop), and the DuckDB query alone
# in-process; record peak RSS with /usr/bin/time; compare cxm's and DuckDB's
# numbers on a few groups (warns only, prints the mismatches); write
# docs/PERFORMANCE.md. Intermediate files go to bench/out/ (ignored).
# Sizes: 2M tickets is ~380 MB of CSV, 10M ~1.9 GB; 5M responses ~0.27 GB,
# 50M ~2.8 GB (generated in ~15 s). A default run takes a few minutes on 2
# cores; BENCH_FULL=1 about 20 minutes.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CXM_ARG=${1:-build/cxm}
case $CXM_ARG in /*) CXM=$CXM_ARG ;; *) CXM=$PWD/$CXM_ARG ;; esac
cd "$ROOT" || exit 1

N=2000000
[ "${BENCH_FULL:-0}" = 1 ] && N=10000000
[ -n "${BENCH_TICKETS:-}" ] && N=$BENCH_TICKETS
NR=5000000
[ "${BENCH_FULL:-0}" = 1 ] && NR=50000000
[ -n "${BENCH_RESPONSES:-}" ] && NR=$BENCH_RESPONSES
WORKLOADS=" ${BENCH_WORKLOADS:-support survey} "
RUN_SUPPORT=0
RUN_SURVEY=0
case $WORKLOADS in *" support "*) RUN_SUPPORT=1 ;; esac
case $WORKLOADS in *" survey "*) RUN_SURVEY=1 ;; esac
RUNS=${BENCH_RUNS:-5}
DATA=bench/data/$N
FILE=$DATA/tickets.csv
RDATA=bench/data/responses-$NR
RFILE=$RDATA/responses.csv
OUT=bench/out
SLA=bench/sla.csv
DOC=docs/PERFORMANCE.md
METRICS=volume,frt,resolution_time,fcr,reopen_rate,sla_compliance
SURVEY_METRICS=nps,csat
SURVEY_TARGET=5 # issue 3: cxm at least 5x faster than DuckDB on the survey workload
mkdir -p "$OUT"
rm -f "$OUT"/*.stats "$OUT"/*.rss "$OUT"/*.times # no stale numbers from an earlier run

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
GIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown) # at the start: others may commit meanwhile
say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$CXM" ] || die "no cxm binary at $CXM (run make first)"

# ---- peers ---------------------------------------------------------------
if ! command -v node >/dev/null 2>&1 || [ ! -d bench/node_modules/@duckdb/node-api ]; then
  say "installing the benchmark peers (scripts/install-deps.sh --bench)"
  bash scripts/install-deps.sh --bench || say "peer installation failed; DuckDB will be skipped"
fi
HAVE_DUCKDB=0
if command -v node >/dev/null 2>&1 && [ -d bench/node_modules/@duckdb/node-api ]; then
  HAVE_DUCKDB=1
fi
HAVE_HYPERFINE=0
command -v hyperfine >/dev/null 2>&1 && HAVE_HYPERFINE=1
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1

# ---- data ----------------------------------------------------------------
if [ -f src/model/sample.c ]; then
  GEN_ID=$(sha1sum src/model/sample.c | cut -c1-12)
else
  GEN_ID=$(sha1sum "$CXM" | cut -c1-12)
fi
# generate DIR FILE STAMP ARGS...: runs `cxm sample ARGS --out DIR` unless
# DIR/.stamp says FILE was made by the same generator with the same
# arguments; leaves the seconds it took in DIR/.gen_seconds.
generate() {
  local dir=$1 file=$2 stamp=$3
  shift 3
  mkdir -p "$dir"
  if [ -f "$file" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    say "using cached $file"
    return 0
  fi
  say "generating $file: cxm sample $*"
  rm -f "$dir/.stamp"
  local t0 t1
  t0=$(date +%s%N)
  "$CXM" sample "$@" --out "$dir" >/dev/null || { say "cxm sample failed"; return 1; }
  t1=$(date +%s%N)
  [ -f "$file" ] || { say "cxm sample wrote no $file"; return 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) / 1e9 }' >"$dir/.gen_seconds"
  echo "$stamp" >"$dir/.stamp"
}
free_bytes() { df -P -B1 "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }

GEN_SECONDS=
BYTES=
MB=
ROWS=$N
if [ "$RUN_SUPPORT" = 1 ]; then
  generate "$DATA" "$FILE" "tickets=$N seed=1 generator=$GEN_ID" --tickets "$N" --seed 1 --no-messages ||
    die "cannot generate the tickets"
  GEN_SECONDS=$(cat "$DATA/.gen_seconds" 2>/dev/null || true)
  BYTES=$(stat -c %s "$FILE")
  MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
fi

# the responses: ~56 bytes a row; check the disk first (the file plus 10%)
SURVEY_SKIP=
RGEN_SECONDS=
RBYTES=
RMB=
RSTAMP="responses=$NR tickets=0 seed=1 generator=$GEN_ID"
if [ "$RUN_SURVEY" = 1 ]; then
  mkdir -p bench/data
  need=$((NR * 62))
  have=$(free_bytes bench/data)
  if [ -f "$RFILE" ] && [ "$(cat "$RDATA/.stamp" 2>/dev/null)" = "$RSTAMP" ]; then
    :
  elif [ -n "$have" ] && [ "$have" -lt "$need" ]; then
    SURVEY_SKIP="not enough disk for $NR responses: $((need / 1000000)) MB needed, $((have / 1000000)) MB free under bench/data (df -h)"
    say "$SURVEY_SKIP"
  fi
  if [ -z "$SURVEY_SKIP" ]; then
    if generate "$RDATA" "$RFILE" "$RSTAMP" --tickets 0 --responses "$NR" --seed 1; then
      RGEN_SECONDS=$(cat "$RDATA/.gen_seconds" 2>/dev/null || true)
      RBYTES=$(stat -c %s "$RFILE")
      RMB=$(awk -v b="$RBYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
    else
      SURVEY_SKIP="cxm sample could not write $RFILE (does this cxm know --responses?)"
    fi
  fi
else
  SURVEY_SKIP="not run (BENCH_WORKLOADS=${BENCH_WORKLOADS:-})"
fi
[ "$RUN_SUPPORT" = 1 ] || say "support workload not run (BENCH_WORKLOADS=${BENCH_WORKLOADS:-})"

# ---- timing --------------------------------------------------------------
# measure NAME 'shell command': fills $OUT/NAME.stats with "median min max"
# (seconds) and $OUT/NAME.rss with the peak RSS in KiB ("" if unknown).
median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print ""; exit }
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'; }

measure() {
  local name=$1 cmd=$2
  say "timing $name ($RUNS runs): $cmd"
  rm -f "$OUT/$name.stats" "$OUT/$name.rss" "$OUT/$name.times"
  if [ "$HAVE_HYPERFINE" = 1 ]; then
    if hyperfine --warmup 1 --runs "$RUNS" --shell=bash --style=none \
        --export-json "$OUT/$name.hyperfine.json" "$cmd" >/dev/null 2>"$OUT/$name.err"; then
      # the "times" array of the one command, one number a line
      tr -d ' \n\t' <"$OUT/$name.hyperfine.json" | sed -n 's/.*"times":\[\([^]]*\)\].*/\1/p' |
        tr ',' '\n' >"$OUT/$name.times"
    fi
  else
    bash -c "$cmd" >/dev/null 2>"$OUT/$name.err" # warm-up
    local i t0 t1
    for ((i = 0; i < RUNS; i++)); do
      t0=$(date +%s%N)
      bash -c "$cmd" >/dev/null 2>>"$OUT/$name.err" || { say "$name failed"; rm -f "$OUT/$name.times"; return 1; }
      t1=$(date +%s%N)
      awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }' >>"$OUT/$name.times"
    done
  fi
  [ -s "$OUT/$name.times" ] || { say "$name failed: $(tail -3 "$OUT/$name.err")"; return 1; }
  median_of <"$OUT/$name.times" >"$OUT/$name.stats"
  if [ "$HAVE_TIME" = 1 ]; then
    /usr/bin/time -f %M -o "$OUT/$name.rss" bash -c "exec $cmd" >/dev/null 2>&1 || : >"$OUT/$name.rss"
  fi
  return 0
}
stat_of() { # stat_of NAME FIELD(1 median, 2 min, 3 max)
  [ -s "$OUT/$1.stats" ] && awk -v f="$2" '{ print $f }' "$OUT/$1.stats" || echo ""
}
rss_mib() { [ -s "$OUT/$1.rss" ] && awk '{ printf "%.0f", $1 / 1024 }' "$OUT/$1.rss" || echo ""; }

# ---- the support workload ----------------------------------------------------
CXM_OK=0
CXM_FAIL=
DUCK_OK=0
AGREE="not checked (needs both cxm report and DuckDB)"
if [ "$RUN_SUPPORT" = 1 ]; then
# the floor: reading the bytes
measure floor "cat '$FILE' > /dev/null"

# cxm: check once that the report runs and keep its JSON for the comparison
CXM_REPORT="'$CXM' report --tickets '$FILE' --metrics $METRICS --by week,channel --sla '$SLA' --format json"
if bash -c "$CXM_REPORT -o '$OUT/cxm.json'" >/dev/null 2>"$OUT/cxm.err" && [ -s "$OUT/cxm.json" ]; then
  CXM_OK=1
  measure cxm "$CXM_REPORT -o /dev/null" || CXM_OK=0
  measure cxm_scan "'$CXM' report --tickets '$FILE' --metrics volume --by week,channel --format json -o /dev/null" || true
else
  CXM_FAIL=$(tail -2 "$OUT/cxm.err" | tr '\n' ' ' | cut -c1-200)
  say "cxm report is not available: ${CXM_FAIL:-no output}"
fi

# DuckDB: the report with every core and with one thread, and the query alone
if [ "$HAVE_DUCKDB" = 1 ]; then
  DUCK="node bench/duckdb_report.mjs report '$FILE'"
  if bash -c "$DUCK --out '$OUT/duckdb.json'" >/dev/null 2>"$OUT/duckdb.err"; then
    DUCK_OK=1
    measure duckdb "$DUCK --out /dev/null" || DUCK_OK=0
    measure duckdb_1t "$DUCK --threads 1 --out /dev/null" || true
    bash -c "$DUCK --repeat $RUNS --out /dev/null" 2>&1 >/dev/null |
      sed -n 's/^query_seconds=//p' | median_of >"$OUT/duckdb_query.stats" || true
  else
    say "DuckDB failed: $(tail -3 "$OUT/duckdb.err")"
  fi
fi

# agreement
if [ "$CXM_OK" = 1 ] && [ "$DUCK_OK" = 1 ]; then
  node bench/duckdb_report.mjs compare "$OUT/duckdb.json" "$OUT/cxm.json" >"$OUT/compare.txt" 2>&1
  AGREE=$(tail -1 "$OUT/compare.txt")
  case $AGREE in WARNING*) say "$AGREE (details: $OUT/compare.txt)" ;; esac
fi
fi # RUN_SUPPORT

# ---- the survey workload ------------------------------------------------------
# NPS and CSAT (top-2-box) with their intervals by month and channel; names
# are prefixed s_ in bench/out.
S_CXM_OK=0
S_CXM_FAIL=
S_DUCK_OK=0
S_AGREE="not checked (needs both cxm report and DuckDB)"
if [ -z "$SURVEY_SKIP" ]; then
  measure s_floor "cat '$RFILE' > /dev/null"
  S_CXM_REPORT="'$CXM' report --responses '$RFILE' --metrics $SURVEY_METRICS --by month,channel --format json"
  if bash -c "$S_CXM_REPORT -o '$OUT/s_cxm.json'" >/dev/null 2>"$OUT/s_cxm.err" && [ -s "$OUT/s_cxm.json" ]; then
    S_CXM_OK=1
    measure s_cxm "$S_CXM_REPORT -o /dev/null" || S_CXM_OK=0
  else
    S_CXM_FAIL=$(tail -2 "$OUT/s_cxm.err" | tr '\n' ' ' | cut -c1-200)
    say "cxm survey report is not available: ${S_CXM_FAIL:-no output}"
  fi
  if [ "$HAVE_DUCKDB" = 1 ]; then
    S_DUCK="node bench/duckdb_report.mjs survey '$RFILE'"
    if bash -c "$S_DUCK --out '$OUT/s_duckdb.json'" >/dev/null 2>"$OUT/s_duckdb.err"; then
      S_DUCK_OK=1
      measure s_duckdb "$S_DUCK --out /dev/null" || S_DUCK_OK=0
      measure s_duckdb_1t "$S_DUCK --threads 1 --out /dev/null" || true
      bash -c "$S_DUCK --repeat $RUNS --out /dev/null" 2>&1 >/dev/null |
        sed -n 's/^query_seconds=//p' | median_of >"$OUT/s_duckdb_query.stats" || true
    else
      say "DuckDB (survey) failed: $(tail -3 "$OUT/s_duckdb.err")"
    fi
  fi
  if [ "$S_CXM_OK" = 1 ] && [ "$S_DUCK_OK" = 1 ]; then
    node bench/duckdb_report.mjs compare-survey "$OUT/s_duckdb.json" "$OUT/s_cxm.json" >"$OUT/s_compare.txt" 2>&1
    S_AGREE=$(tail -1 "$OUT/s_compare.txt")
    case $S_AGREE in
    WARNING*)
      say "$S_AGREE (details: $OUT/s_compare.txt):"
      grep -E '^ *(DIFF|missing)' "$OUT/s_compare.txt" | head -20 >&2
      ;;
    esac
  fi
fi

# ---- the serving benchmark (issue 4) ---------------------------------------
# bench/serve.sh writes bench/out/serve.md; it is slow (a 10M + 10M store),
# so it runs only with BENCH_SERVE=1 (or alone: make bench-serve).
SERVE_FRAG=$OUT/serve.md
SERVE_NOTE=
if [ "${BENCH_SERVE:-0}" = 1 ]; then
  bash bench/serve.sh "$CXM" >/dev/null || say "bench/serve.sh failed"
  [ -s "$SERVE_FRAG" ] || SERVE_NOTE="bench/serve.sh failed in this run: no results."
elif [ -s "$SERVE_FRAG" ]; then
  SERVE_NOTE="Not rerun by this \`make bench\` (BENCH_SERVE=1 or \`make bench-serve\` runs it): the results of the last \`make bench-serve\` (date and commit below)."
else
  SERVE_NOTE="Not run: \`make bench-serve\` (or \`BENCH_SERVE=1 make bench\`) measures it; see bench/README.md."
fi

# ---- the report ------------------------------------------------------------
ratio() { # ratio A B -> A/B with 2 decimals, "" if either is missing
  [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }' || echo ""
}
row() { # row LABEL NAME [BYTES FLOOR]: one line of a results table
  local med mn mx rss tput bytes=${3:-$BYTES} floor=${4:-floor}
  med=$(stat_of "$2" 1)
  if [ -z "$med" ]; then
    printf '| %s | n/a | | | | | |\n' "$1"
    return
  fi
  mn=$(stat_of "$2" 2)
  mx=$(stat_of "$2" 3)
  rss=$(rss_mib "$2")
  tput=$(awk -v b="$bytes" -v s="$med" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s }')
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$med" "$mn" "$mx" "$tput" "${rss:-n/a}" \
    "$(ratio "$med" "$(stat_of "$floor" 1)")"
}

NPROC=$(nproc 2>/dev/null || echo '?')
CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
OS=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
KERNEL=$(uname -sr)
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
CXM_VERSION=$("$CXM" --version 2>/dev/null | head -1)
[ -n "$CXM_VERSION" ] || CXM_VERSION="(no --version)"
NODE_VERSION=$(node --version 2>/dev/null || echo 'not installed')
DUCK_VERSION=$([ "$HAVE_DUCKDB" = 1 ] && node bench/duckdb_report.mjs version 2>/dev/null || echo 'not installed')
DUCK_PKG=$(sed -n 's/.*"@duckdb\/node-api": *"\([^"]*\)".*/\1/p' bench/package.json | head -1)
TIMER=$([ "$HAVE_HYPERFINE" = 1 ] && echo "$(hyperfine --version | head -1), /usr/bin/time for RSS" || echo "bash loop (date +%s%N), /usr/bin/time for RSS")

CXM_MED=$(stat_of cxm 1)
DUCK_MED=$(stat_of duckdb 1)
DUCK1_MED=$(stat_of duckdb_1t 1)
CXM_RSS=$(rss_mib cxm)
RATIO_N=$(ratio "$DUCK_MED" "$CXM_MED")
RATIO_1=$(ratio "$DUCK1_MED" "$CXM_MED")
if [ -n "$CXM_RSS" ]; then
  if [ "$N" -ge 10000000 ]; then
    if [ "$CXM_RSS" -lt 1024 ]; then MEMNOTE="cxm peak RSS $CXM_RSS MiB on $N tickets: within the 1 GiB target."
    else MEMNOTE="cxm peak RSS $CXM_RSS MiB on $N tickets: OVER the 1 GiB target."; fi
  else
    MEMNOTE="cxm peak RSS $CXM_RSS MiB on $N tickets (the 1 GiB target is for 10,000,000 tickets: BENCH_FULL=1)."
  fi
else
  MEMNOTE="cxm peak RSS: not measured."
fi
if [ "$CXM_OK" = 1 ]; then
  CXM_STATE="measured"
else
  CXM_STATE="NOT MEASURED: \`cxm report\` failed on this build (${CXM_FAIL:-no output}); rerun \`make bench\` once it works"
fi

# the survey workload's summary lines
S_CXM_MED=$(stat_of s_cxm 1)
S_DUCK_MED=$(stat_of s_duckdb 1)
S_DUCK1_MED=$(stat_of s_duckdb_1t 1)
S_DUCKQ_MED=$(stat_of s_duckdb_query 1)
S_CXM_RSS=$(rss_mib s_cxm)
S_RATIO_N=$(ratio "$S_DUCK_MED" "$S_CXM_MED")
S_RATIO_1=$(ratio "$S_DUCK1_MED" "$S_CXM_MED")
S_RATIO_Q=$(ratio "$S_DUCKQ_MED" "$S_CXM_MED")
if [ -z "$S_RATIO_N" ]; then
  S_TARGET="not checked (needs both timings)"
elif awk -v r="$S_RATIO_N" -v t="$SURVEY_TARGET" 'BEGIN { exit !(r >= t) }'; then
  S_TARGET="met (${S_RATIO_N}x >= ${SURVEY_TARGET}x)"
else
  S_TARGET="NOT MET (${S_RATIO_N}x < ${SURVEY_TARGET}x)"
fi
if [ "$S_CXM_OK" = 1 ]; then
  S_CXM_STATE="measured"
else
  S_CXM_STATE="NOT MEASURED: \`cxm report\` failed on this build (${S_CXM_FAIL:-no output})"
fi
[ -n "$S_RATIO_N" ] && say "survey: DuckDB ($NPROC threads) / cxm = $S_RATIO_N, target ${SURVEY_TARGET}x: $S_TARGET"

{
  cat <<EOF
# Performance

Generated by \`make bench\` (bench/run.sh) on $NOW. Do not edit by hand:
rerun the benchmark (\`BENCH_FULL=1 make bench\` for 10 million tickets and
50 million survey responses).
How to run it and what it measures: [bench/README.md](../bench/README.md).

## Machine and versions

| | |
|---|---|
| CPU | $CPU, $NPROC cores (nproc) |
| memory | $MEM |
| load average at start | ${LOAD_AT_START:-?} (1, 5, 15 min; other work on the machine makes the times noisy) |
| system | $OS, $KERNEL |
| cxm | $CXM_VERSION, commit $GIT |
| DuckDB | $DUCK_VERSION (npm @duckdb/node-api $DUCK_PKG, Node $NODE_VERSION) |
| timer | $TIMER; $RUNS runs after one warm-up, medians |

EOF
  if [ "$RUN_SUPPORT" = 1 ]; then
    cat <<EOF
## Data

$ROWS tickets, $MB MB: \`cxm sample --tickets $N --seed 1 --no-messages --out $DATA\`
(generated in ${GEN_SECONDS:-?} s; cached while the generator's source is unchanged).
The file is in the page cache for every run, so the floor is memory bandwidth, not disk.

## Commands

- floor: \`cat $FILE > /dev/null\`
- cxm: \`cxm report --tickets $FILE --metrics $METRICS --by week,channel --sla $SLA --format json -o /dev/null\` ($CXM_STATE)
- cxm, volume only (about a CSV scan): \`cxm report --tickets $FILE --metrics volume --by week,channel --format json -o /dev/null\`
- DuckDB: \`node bench/duckdb_report.mjs report $FILE --out /dev/null\` (all cores; and \`--threads 1\`):
  \`read_csv\` with explicit types, grouped by \`date_trunc('week', created_at)\` and channel; the SQL is in bench/duckdb_report.mjs.
  Its times include starting Node and loading DuckDB (a few tenths of a second); "query only" is timed inside the process.

## Results

Wall-clock seconds; MB/s = file size / median; "x floor" = median / floor median.

| command | median s | min s | max s | MB/s | peak RSS MiB | x floor |
|---|---:|---:|---:|---:|---:|---:|
EOF
  row "floor: cat" floor
  row "cxm report (6 metrics, by week and channel)" cxm
  row "cxm report, volume only" cxm_scan
  row "DuckDB, $NPROC threads" duckdb
  row "DuckDB, 1 thread" duckdb_1t
  qmed=$(stat_of duckdb_query 1)
  if [ -n "$qmed" ]; then
    printf '| DuckDB query only, in-process, %s threads | %s | %s | %s | | | %s |\n' "$NPROC" "$qmed" \
      "$(stat_of duckdb_query 2)" "$(stat_of duckdb_query 3)" "$(ratio "$qmed" "$(stat_of floor 1)")"
  fi
  cat <<EOF

Ratios (DuckDB time / cxm time; above 1 means cxm is faster):
- DuckDB ($NPROC threads) / cxm: ${RATIO_N:-n/a}
- DuckDB (1 thread) / cxm: ${RATIO_1:-n/a}

Memory: $MEMNOTE

Agreement with DuckDB (volume; mean and median of frt and resolution_time; fcr, reopen_rate and sla_compliance; on the four largest groups and the first): $AGREE
EOF
  else
    printf '## Data, Commands, Results (support workload)\n\nNot run (BENCH_WORKLOADS=%s).\n' "${BENCH_WORKLOADS:-}"
  fi
  printf '\n## Survey workload\n\n'
  if [ -n "$SURVEY_SKIP" ]; then
    printf 'Not measured: %s.\n' "$SURVEY_SKIP"
  else
    cat <<EOF
NPS and CSAT with their 95% intervals, by month and channel, over survey
answers. Issue 3's target: cxm at least ${SURVEY_TARGET}x faster than DuckDB's
equivalent SQL on the same file in the same run.

### Survey data

$NR responses, $RMB MB: \`cxm sample --tickets 0 --responses $NR --seed 1 --out $RDATA\`
(standalone answers: nps ~50%, csat ~40%, ces ~10% of the rows, every row
answered, comments off; generated in ${RGEN_SECONDS:-?} s; cached while the
generator's source is unchanged). The file is in the page cache for every run.

### Survey commands

- floor: \`cat $RFILE > /dev/null\`
- cxm: \`cxm report --responses $RFILE --metrics $SURVEY_METRICS --by month,channel --format json -o /dev/null\` ($S_CXM_STATE)
- DuckDB: \`node bench/duckdb_report.mjs survey $RFILE --out /dev/null\` (all cores; and \`--threads 1\`):
  \`read_csv\` with explicit types, grouped by \`date_trunc('month', at)\` and channel; NPS = 100 (P - D) / n
  with its Wald interval and CSAT top-2-box with its Wilson interval, all computed in SQL (\`surveySql\` in
  bench/duckdb_report.mjs). Its times include starting Node and loading DuckDB; "query only" is timed inside the process.

### Survey results

Wall-clock seconds; MB/s = file size / median; "x floor" = median / floor median.

| command | median s | min s | max s | MB/s | peak RSS MiB | x floor |
|---|---:|---:|---:|---:|---:|---:|
EOF
    row "floor: cat" s_floor "$RBYTES" s_floor
    row "cxm report (nps, csat by month and channel)" s_cxm "$RBYTES" s_floor
    row "DuckDB, $NPROC threads" s_duckdb "$RBYTES" s_floor
    row "DuckDB, 1 thread" s_duckdb_1t "$RBYTES" s_floor
    if [ -n "$S_DUCKQ_MED" ]; then
      printf '| DuckDB query only, in-process, %s threads | %s | %s | %s | | | %s |\n' "$NPROC" "$S_DUCKQ_MED" \
        "$(stat_of s_duckdb_query 2)" "$(stat_of s_duckdb_query 3)" "$(ratio "$S_DUCKQ_MED" "$(stat_of s_floor 1)")"
    fi
    cat <<EOF

Ratios (DuckDB time / cxm time; above 1 means cxm is faster):
- DuckDB ($NPROC threads) / cxm: ${S_RATIO_N:-n/a}; target ${SURVEY_TARGET}x: $S_TARGET
- DuckDB (1 thread) / cxm: ${S_RATIO_1:-n/a}
- DuckDB query only ($NPROC threads, no Node start-up) / cxm: ${S_RATIO_Q:-n/a}

Memory: cxm peak RSS ${S_CXM_RSS:-n/a} MiB on $NR responses.

Agreement with DuckDB (the same groups; value, n and both interval bounds of nps and csat, and the NPS bucket counts, on the four largest groups and the first): $S_AGREE
EOF
  fi
  # the serving section, between markers that `make bench-serve` (SERVE_DOC=1)
  # replaces: unless BENCH_SERVE=1 reran it, kept as it stands in docs/
  # (with any notes after it), so that this benchmark never rewinds it
  printf '\n'
  if [ "${BENCH_SERVE:-0}" != 1 ] && grep -q '^<!-- serve:begin -->$' "$DOC" 2>/dev/null; then
    sed -n '/^<!-- serve:begin -->$/,$p' "$DOC"
  elif [ -s "$SERVE_FRAG" ]; then
    printf '<!-- serve:begin -->\n'
    # the note under the fragment's heading
    awk -v note="$SERVE_NOTE" 'NR == 2 && note != "" { print ""; print note } { print }' "$SERVE_FRAG"
    printf '<!-- serve:end -->\n'
  else
    printf '<!-- serve:begin -->\n## Serving: ingest and dashboard latency (issue 4)\n\n%s\n<!-- serve:end -->\n' "$SERVE_NOTE"
  fi
} >"$OUT/PERFORMANCE.md"

if [ "${BENCH_NO_DOC:-0}" = 1 ]; then
  say "results in $OUT/PERFORMANCE.md (docs/ left alone)"
else
  mkdir -p docs
  cp "$OUT/PERFORMANCE.md" "$DOC"
  say "wrote $DOC"
fi
sed -n -E '/^## (Results|Data, Commands|Survey workload)/,$p' "$OUT/PERFORMANCE.md"
exit 0
