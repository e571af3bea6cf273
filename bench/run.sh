#!/usr/bin/env bash
# bench/run.sh - the benchmark behind `make bench`: cxm's support report
# against DuckDB running the equivalent SQL on the same tickets.csv, plus the
# floor (reading the file with cat). Regenerates docs/PERFORMANCE.md whole.
#
# Usage: bash bench/run.sh [path/to/cxm]          (default build/cxm)
# Environment:
#   BENCH_FULL=1        10,000,000 tickets instead of 2,000,000
#   BENCH_TICKETS=N     any other ticket count (wins over BENCH_FULL)
#   BENCH_RUNS=R        timed runs per command (default 5; medians reported)
#   BENCH_NO_DOC=1      do not rewrite docs/PERFORMANCE.md (results stay in bench/out/)
#
# Steps: install the peers if missing (scripts/install-deps.sh --bench);
# generate bench/data/N/tickets.csv with `cxm sample` unless a copy made by
# the same generator source is cached there; time `cat` (the floor), the cxm
# report, cxm with the volume metric alone (about a CSV scan), DuckDB with all
# cores and with one thread, each R times after one warm-up (hyperfine when
# installed, else a bash loop); record peak RSS with /usr/bin/time; compare
# cxm's and DuckDB's volume, mean and median on a few groups (warns only);
# write docs/PERFORMANCE.md. Intermediate files go to bench/out/ (ignored).
# Sizes: 2M tickets is ~380 MB of CSV, 10M ~1.9 GB; a default run takes a
# few minutes on 2 cores.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CXM_ARG=${1:-build/cxm}
case $CXM_ARG in /*) CXM=$CXM_ARG ;; *) CXM=$PWD/$CXM_ARG ;; esac
cd "$ROOT" || exit 1

N=2000000
[ "${BENCH_FULL:-0}" = 1 ] && N=10000000
[ -n "${BENCH_TICKETS:-}" ] && N=$BENCH_TICKETS
RUNS=${BENCH_RUNS:-5}
DATA=bench/data/$N
FILE=$DATA/tickets.csv
OUT=bench/out
SLA=bench/sla.csv
DOC=docs/PERFORMANCE.md
METRICS=volume,frt,resolution_time,fcr,reopen_rate,sla_compliance
mkdir -p "$OUT" "$DATA"

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
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
STAMP="tickets=$N seed=1 generator=$GEN_ID"
GEN_SECONDS=
if [ -f "$FILE" ] && [ "$(cat "$DATA/.stamp" 2>/dev/null)" = "$STAMP" ]; then
  say "using cached $FILE"
  GEN_SECONDS=$(cat "$DATA/.gen_seconds" 2>/dev/null || true)
else
  say "generating $N tickets into $DATA"
  rm -f "$DATA/.stamp"
  t0=$(date +%s%N)
  "$CXM" sample --tickets "$N" --seed 1 --no-messages --out "$DATA" >/dev/null ||
    die "cxm sample failed"
  t1=$(date +%s%N)
  [ -f "$FILE" ] || die "cxm sample wrote no $FILE"
  GEN_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  echo "$GEN_SECONDS" >"$DATA/.gen_seconds"
  echo "$STAMP" >"$DATA/.stamp"
fi
BYTES=$(stat -c %s "$FILE")
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }')
ROWS=$N

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

# the floor: reading the bytes
measure floor "cat '$FILE' > /dev/null"

# cxm: check once that the report runs and keep its JSON for the comparison
CXM_REPORT="'$CXM' report --tickets '$FILE' --metrics $METRICS --by week,channel --sla '$SLA' --format json"
CXM_OK=0
CXM_FAIL=
if bash -c "$CXM_REPORT -o '$OUT/cxm.json'" >/dev/null 2>"$OUT/cxm.err" && [ -s "$OUT/cxm.json" ]; then
  CXM_OK=1
  measure cxm "$CXM_REPORT -o /dev/null" || CXM_OK=0
  measure cxm_scan "'$CXM' report --tickets '$FILE' --metrics volume --by week,channel --format json -o /dev/null" || true
else
  CXM_FAIL=$(tail -2 "$OUT/cxm.err" | tr '\n' ' ' | cut -c1-200)
  say "cxm report is not available: ${CXM_FAIL:-no output}"
fi

# DuckDB: the report with every core and with one thread, and the query alone
DUCK_OK=0
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

# ---- agreement -----------------------------------------------------------
AGREE="not checked (needs both cxm report and DuckDB)"
if [ "$CXM_OK" = 1 ] && [ "$DUCK_OK" = 1 ]; then
  node bench/duckdb_report.mjs compare "$OUT/duckdb.json" "$OUT/cxm.json" >"$OUT/compare.txt" 2>&1
  AGREE=$(tail -1 "$OUT/compare.txt")
  case $AGREE in WARNING*) say "$AGREE (details: $OUT/compare.txt)" ;; esac
fi

# ---- the report ------------------------------------------------------------
ratio() { # ratio A B -> A/B with 2 decimals, "" if either is missing
  [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }' || echo ""
}
row() { # row LABEL NAME
  local med mn mx rss tput
  med=$(stat_of "$2" 1)
  if [ -z "$med" ]; then
    printf '| %s | n/a | | | | | |\n' "$1"
    return
  fi
  mn=$(stat_of "$2" 2)
  mx=$(stat_of "$2" 3)
  rss=$(rss_mib "$2")
  tput=$(awk -v b="$BYTES" -v s="$med" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s }')
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$med" "$mn" "$mx" "$tput" "${rss:-n/a}" \
    "$(ratio "$med" "$(stat_of floor 1)")"
}

NPROC=$(nproc 2>/dev/null || echo '?')
CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
OS=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
KERNEL=$(uname -sr)
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
GIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
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

{
  cat <<EOF
# Performance

Generated by \`make bench\` (bench/run.sh) on $NOW. Do not edit by hand:
rerun the benchmark (\`BENCH_FULL=1 make bench\` for 10 million tickets).
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
} >"$OUT/PERFORMANCE.md"

if [ "${BENCH_NO_DOC:-0}" = 1 ]; then
  say "results in $OUT/PERFORMANCE.md (docs/ left alone)"
else
  mkdir -p docs
  cp "$OUT/PERFORMANCE.md" "$DOC"
  say "wrote $DOC"
fi
cat "$OUT/PERFORMANCE.md" | sed -n '/^## Results/,$p'
exit 0
