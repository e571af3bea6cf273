#!/usr/bin/env bash
# bench/serve.sh - the serving benchmark of issue 4: with N tickets and N
# survey responses in a store, sustained ingest over HTTP in batches with
# the store's durability as shipped (WAL, synchronous=FULL: an answer
# counts only committed records), while 50 dashboard readers query
# GET /v1/metrics; the load comes from two wrk processes on loopback,
# bounded in time. Target: at least 50,000 records a second accepted and a
# read p99 under 100 ms at 10,000,000 + 10,000,000 records.
#
# Usage: bash bench/serve.sh [path/to/cxm]              (default build/cxm)
# Environment (defaults in brackets):
#   SERVE_N=N            tickets and responses in the store [10000000]
#   SERVE_SECONDS=S      length of the measured window [30]
#   SERVE_READERS=C      concurrent reader connections [50]; 0: ingest alone
#   SERVE_WRITERS=C      concurrent ingest connections [2]
#   SERVE_BATCH=B        records per POST [2000]
#   SERVE_QUERIES=Q      the dashboard queries, ';'-separated [volume,frt,fcr by
#                        week,channel; csat,nps by month; resolution_time,
#                        reopen_rate by priority]
#   SERVE_TIMEOUT=S      a request slower than this counts as a timeout error [10]
#   SERVE_STALENESS=S    pass --max-staleness S to cxm serve [its default]
#   SERVE_WAIT=S         pass --max-wait S to cxm serve [its default]
#   SERVE_THINK_MS=T     each reader pauses T ms before each request [0: closed loop]
#   SERVE_MAX_STALE=0    readers send plain requests [1: Cache-Control: max-stale, as the dashboard]
#   SERVE_COMMIT=C       the commit to name when the cxm binary was not built from HEAD
#   SERVE_APPEND=1       add this run to bench/out/serve.md as a variant (its
#                        settings as a heading) instead of replacing it [0]
#   SERVE_DOC=1          also replace the serving section of docs/PERFORMANCE.md
#                        (between its serve:begin/serve:end markers; appended
#                        when it has none) [0]
#
# Steps: (1) the store: bench/data/serve-N/store.db, cached while N, the
# store's schema version and the sample generator's source are the same
# (.stamp); else built with `cxm sample` (N tickets without messages, N
# standalone responses, seed 1) and `cxm import --store`, timed (the CLI
# import rate is reported too), the CSV files deleted afterwards. (2) a
# working copy in bench/out/serve/ (every run starts from exactly N + N
# records; synced to disk first so that write-back of the copy does not
# slow the fsyncs of the run), an ingest token and a read token. (3) `cxm
# serve` on 127.0.0.1, a port it picks (--listen 127.0.0.1:0), with
# --warm QUERIES when this cxm has the option; one request of each query
# before the window (its time is reported as the first answer). (4) the
# window: wrk -s bench/serve/ingest.lua (SERVE_WRITERS connections POSTing
# SERVE_BATCH new records each, tickets and responses in turn) and wrk -s
# bench/serve/read.lua --latency (SERVE_READERS connections cycling the
# queries), started together, each for SERVE_SECONDS. (5) rows counted in
# the store before and after, SIGTERM to the server, bench/out/serve.md.
#
# Accepted records a second = the sum of "accepted" in the 2xx answers wrk
# received / wrk's measured duration (the server counts a record accepted
# only once its batch committed). The store's row count after minus before
# is the cross-check: it equals the sum of "accepted" over every ingest
# line of the server's log (requests cut off by the end of the window
# included), never less than what wrk saw.
# Sizes: 10M + 10M: ~2.5 GB of CSV while building (deleted), a ~3.5 GB
# store plus its working copy; building takes a few minutes on 2 cores
# (cached afterwards), a run about SERVE_SECONDS plus the copy.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CXM_ARG=${1:-build/cxm}
case $CXM_ARG in /*) CXM=$CXM_ARG ;; *) CXM=$PWD/$CXM_ARG ;; esac
cd "$ROOT" || exit 1

N=${SERVE_N:-10000000}
SECONDS_RUN=${SERVE_SECONDS:-30}
READERS=${SERVE_READERS:-50}
WRITERS=${SERVE_WRITERS:-2}
BATCH=${SERVE_BATCH:-2000}
QUERIES=${SERVE_QUERIES:-"metrics=volume,frt,fcr&by=week,channel;metrics=csat,nps&by=month;metrics=resolution_time,reopen_rate&by=priority"}
TIMEOUT=${SERVE_TIMEOUT:-10}
OUT=bench/out
WORK=$OUT/serve
DATA=bench/data/serve-$N
STORE=$DATA/store.db
FRAG=$OUT/serve.md
DOC=docs/PERFORMANCE.md
TARGET_RATE=50000
TARGET_P99_MS=100

say() { printf 'bench-serve: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
for v in N SECONDS_RUN READERS WRITERS BATCH TIMEOUT; do
  case ${!v} in '' | *[!0-9]*) die "$v='${!v}': expected a whole number" ;; esac
done
[ -x "$CXM" ] || die "no cxm binary at $CXM (run make first)"
command -v wrk >/dev/null 2>&1 || die "wrk is needed (scripts/install-deps.sh --bench installs it)"
command -v curl >/dev/null 2>&1 || die "curl is needed"
mkdir -p "$OUT" "$WORK" "$DATA"
[ "${SERVE_APPEND:-0}" = 1 ] || rm -f "$FRAG"

SRV=
cleanup() {
  [ -n "$SRV" ] && kill -9 "$SRV" 2>/dev/null
  rm -f "$WORK"/work.db "$WORK"/work.db-wal "$WORK"/work.db-shm
}
trap cleanup EXIT

GIT=${SERVE_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# row counts: tickets responses (python3's sqlite3, else the sqlite3 shell, else cxm import --check)
count_rows() {
  local db=$1
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$db" <<'EOF' 2>/dev/null && return 0
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=60)
print(c.execute("SELECT count(*) FROM tickets").fetchone()[0], c.execute("SELECT count(*) FROM responses").fetchone()[0])
EOF
  fi
  if command -v sqlite3 >/dev/null 2>&1; then
    printf '%s %s\n' "$(sqlite3 "$db" 'SELECT count(*) FROM tickets')" "$(sqlite3 "$db" 'SELECT count(*) FROM responses')"
    return 0
  fi
  "$CXM" import --check --store "$db" | awk '$1 == "tickets" { t = $2 } $1 == "responses" { r = $2 } END { print t, r }'
}

# ---- (1) the store -------------------------------------------------------------
SCHEMA=$(sed -n 's/^#define CXM_STORE_SCHEMA_VERSION *\([0-9]*\).*/\1/p' src/store/store.h 2>/dev/null)
GEN_ID=$(sha1sum src/model/sample.c 2>/dev/null | cut -c1-12)
STAMP="n=$N schema=${SCHEMA:-?} generator=${GEN_ID:-?} seed=1"
if [ -f "$STORE" ] && [ "$(cat "$DATA/.stamp" 2>/dev/null)" = "$STAMP" ]; then
  say "using the cached store $STORE ($STAMP)"
else
  need=$((N * 1000)) # CSV while building + the store + its working copy
  have=$(df -P -B1 "$DATA" | awk 'NR == 2 { print $4 }')
  [ -n "$have" ] && [ "$have" -lt "$need" ] &&
    die "not enough disk under $DATA: about $((need / 1000000)) MB needed, $((have / 1000000)) MB free"
  rm -f "$DATA/.stamp" "$STORE" "$STORE-wal" "$STORE-shm"
  say "building $STORE: $N tickets and $N responses (cxm sample, cxm import)"
  t0=$(now_ns)
  "$CXM" sample --tickets "$N" --seed 1 --no-messages --out "$DATA/src-t" >/dev/null || die "cxm sample (tickets) failed"
  "$CXM" sample --tickets 0 --responses "$N" --seed 1 --out "$DATA/src-r" >/dev/null || die "cxm sample (responses) failed"
  t1=$(now_ns)
  "$CXM" import tickets "$DATA/src-t/tickets.csv" --store "$STORE" --quiet >"$DATA/import.log" || die "importing the tickets failed"
  t2=$(now_ns)
  "$CXM" import responses "$DATA/src-r/responses.csv" --store "$STORE" --quiet >>"$DATA/import.log" || die "importing the responses failed"
  t3=$(now_ns)
  rm -rf "$DATA/src-t" "$DATA/src-r"
  printf 'sample_s=%s import_tickets_s=%s import_responses_s=%s\n' "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" \
    "$(secs "$t2" "$t3")" >"$DATA/build.times"
  echo "$STAMP" >"$DATA/.stamp"
fi
IMPORT_T=$(sed -n 's/.*import_tickets_s=\([0-9.]*\).*/\1/p' "$DATA/build.times" 2>/dev/null)
IMPORT_R=$(sed -n 's/.*import_responses_s=\([0-9.]*\).*/\1/p' "$DATA/build.times" 2>/dev/null)
rate_of() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s }'; }
STORE_MB=$(du -m "$STORE" | cut -f1)

# ---- (2) a working copy and tokens ----------------------------------------------
say "copying the store to $WORK/work.db"
cleanup
cp "$STORE" "$WORK/work.db" || die "cannot copy the store"
sync "$WORK/work.db" 2>/dev/null || sync
DB=$WORK/work.db
ING=$("$CXM" token create --store "$DB" --scopes ingest 2>/dev/null) || die "cxm token create failed"
RD=$("$CXM" token create --store "$DB" --scopes read 2>/dev/null) || die "cxm token create failed"
read -r T0 R0 < <(count_rows "$DB")

# ---- (3) the server ------------------------------------------------------------------
WARM_ARGS=()
WARM_NOTE="this cxm has no --warm option: the first request of each query computes it"
if "$CXM" serve --help 2>&1 | grep -q -- '--warm'; then
  printf '%s\n' "$QUERIES" | tr ';' '\n' >"$WORK/warm.txt"
  WARM_ARGS=(--warm "$WORK/warm.txt")
  WARM_NOTE="started with --warm (the reader queries, one a line)"
fi
if [ -n "${SERVE_STALENESS:-}" ]; then
  WARM_ARGS+=(--max-staleness "$SERVE_STALENESS")
  WARM_NOTE="$WARM_NOTE, --max-staleness $SERVE_STALENESS"
elif "$CXM" serve --help 2>&1 | grep -q -- '--max-staleness'; then
  WARM_NOTE="$WARM_NOTE, --max-staleness at its default"
fi
if [ -n "${SERVE_WAIT:-}" ]; then
  WARM_ARGS+=(--max-wait "$SERVE_WAIT")
  WARM_NOTE="$WARM_NOTE, --max-wait $SERVE_WAIT"
elif "$CXM" serve --help 2>&1 | grep -q -- '--max-wait'; then
  WARM_NOTE="$WARM_NOTE, --max-wait at its default"
fi
LOG=$WORK/server.log
"$CXM" serve --store "$DB" --listen 127.0.0.1:0 "${WARM_ARGS[@]}" 2>"$LOG" &
SRV=$!
PORT=
for _ in $(seq 300); do # up to 30 s
  PORT=$(sed -n 's/.*"event":"listening".*"port":\([0-9][0-9]*\).*/\1/p' "$LOG" | head -1)
  [ -n "$PORT" ] && break
  kill -0 "$SRV" 2>/dev/null || break
  sleep 0.1
done
[ -n "$PORT" ] || die "the server did not start: $(tail -3 "$LOG")"
U=http://127.0.0.1:$PORT
say "cxm serve on $U (pid $SRV); $WARM_NOTE"

# one request of each query before the window (bounded)
FIRST=
IFS=';' read -r -a QLIST <<<"$QUERIES"
for q in "${QLIST[@]}"; do
  r=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 600 -H "Authorization: Bearer $RD" "$U/v1/metrics?$q")
  FIRST="$FIRST| \`$q\` | ${r% *} | ${r#* } |"$'\n'
  say "first answer to $q: HTTP ${r% *} in ${r#* } s"
done
kill -0 "$SRV" 2>/dev/null || die "the server died before the window: $(tail -3 "$LOG")"

# ---- (4) the window ------------------------------------------------------------------
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
LOG_LINES0=$(wc -l <"$LOG")
C0=$(cpu_ticks "$SRV")
say "window: ${SECONDS_RUN}s, $WRITERS ingest connections x $BATCH records, $READERS readers"
CXM_TOKEN=$ING SERVE_BATCH=$BATCH SERVE_RUN=$(date +%s) \
  wrk -t1 -c"$WRITERS" -d"${SECONDS_RUN}s" --timeout "${TIMEOUT}s" -s bench/serve/ingest.lua "$U" \
  >"$WORK/wrk_ingest.txt" 2>&1 &
W1=$!
RT=2
[ "$READERS" -lt 2 ] && RT=1
W2=
if [ "$READERS" -gt 0 ]; then
  CXM_TOKEN=$RD SERVE_QUERIES=$QUERIES SERVE_THINK_MS=${SERVE_THINK_MS:-0} SERVE_MAX_STALE=${SERVE_MAX_STALE:-1} \
    wrk -t"$RT" -c"$READERS" -d"${SECONDS_RUN}s" --timeout "${TIMEOUT}s" --latency -s bench/serve/read.lua "$U" \
    >"$WORK/wrk_read.txt" 2>&1 &
  W2=$!
else
  echo "read requests=0 ok=0 non2xx=0 (no readers: SERVE_READERS=0)" >"$WORK/wrk_read.txt"
fi
wait "$W1" $W2
C1=$(cpu_ticks "$SRV")
LOAD_AT_END=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
SRV_ALIVE=1
kill -0 "$SRV" 2>/dev/null || { SRV_ALIVE=0; say "the server DIED during the window: $(tail -2 "$LOG")"; }
sleep 1 # requests cut off by the end of the window finish in the server
read -r T1 R1 < <(count_rows "$DB")
kill -TERM "$SRV" 2>/dev/null
for _ in $(seq 600); do
  kill -0 "$SRV" 2>/dev/null || break
  sleep 0.1
done
kill -9 "$SRV" 2>/dev/null
SRV=

# ---- (5) results ----------------------------------------------------------------------
ING_LINE=$(grep '^ingest ' "$WORK/wrk_ingest.txt" | tail -1)
READ_LINE=$(grep '^read ' "$WORK/wrk_read.txt" | tail -1)
[ -n "$ING_LINE" ] || say "no result from the ingest wrk: $(tail -3 "$WORK/wrk_ingest.txt")"
[ -n "$READ_LINE" ] || say "no result from the reader wrk: $(tail -3 "$WORK/wrk_read.txt")"
f() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
ACC=$(f "$ING_LINE" accepted)
IREJ=$(f "$ING_LINE" rejected)
IREQ=$(f "$ING_LINE" ok)
IBAD=$(f "$ING_LINE" non2xx)
IDUR=$(f "$ING_LINE" duration_us)
IP50=$(f "$ING_LINE" lat_p50_us)
IP99=$(f "$ING_LINE" lat_p99_us)
IMAX=$(f "$ING_LINE" lat_max_us)
IERR=$(grep -E 'Socket errors' "$WORK/wrk_ingest.txt" | sed 's/^ *//')
RREQ=$(f "$READ_LINE" requests)
ROK=$(f "$READ_LINE" ok)
RBAD=$(f "$READ_LINE" non2xx)
RDUR=$(f "$READ_LINE" duration_us)
RP50=$(f "$READ_LINE" p50_us)
RP90=$(f "$READ_LINE" p90_us)
RP99=$(f "$READ_LINE" p99_us)
RMAX=$(f "$READ_LINE" max_us)
RTO=$(f "$READ_LINE" errors_timeout)
RERR=$(grep -E 'Socket errors' "$WORK/wrk_read.txt" | sed 's/^ *//')
RLOST=$((${RREQ:-0} - ${ROK:-0} - ${RBAD:-0})) # sent, not answered within the window
CACHE_SEEN=$(f "$READ_LINE" cache | tr ',' ' ')
STALE_MAX=$(f "$READ_LINE" stale_max_ms)
STALE_MEAN=$(f "$READ_LINE" stale_mean_ms)
ms() { [ -n "$1" ] && awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
RATE=$(awk -v a="${ACC:-0}" -v d="${IDUR:-0}" 'BEGIN { if (d > 0) printf "%.0f", a / (d / 1e6) }')
RPS=$(awk -v a="${ROK:-0}" -v d="${RDUR:-0}" 'BEGIN { if (d > 0) printf "%.1f", a / (d / 1e6) }')
DT=$(((${T1:-0} - ${T0:-0})))
DR=$(((${R1:-0} - ${R0:-0})))
# the server's own view: every ingest line's "accepted", the metrics lines' times
LOGSUM=$(tail -n +"$((LOG_LINES0 + 1))" "$LOG" | grep '"route":"ingest"' |
  sed -n 's/.*"accepted":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
SRV_PCT=$(tail -n +"$((LOG_LINES0 + 1))" "$LOG" | grep '"route":"metrics"' | sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' |
  sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%s %s %s %s %d", v[int((NR - 1) * .5) + 1], v[int((NR - 1) * .9) + 1], v[int((NR - 1) * .99) + 1], v[NR], NR }')
read -r SP50 SP90 SP99 SMAX SN <<<"${SRV_PCT:-}"
CPU_CORES=$(awk -v a="$C0" -v b="$C1" -v hz="$HZ" -v d="${IDUR:-0}" 'BEGIN { if (d > 0) printf "%.2f", (b - a) / hz / (d / 1e6) }')
# answers past --max-staleness served stale after --max-wait ("late"), and the
# cache's own counts at shutdown (the stopped line: snapshots, stream files exported or hard-linked)
LATE=$(tail -n +"$((LOG_LINES0 + 1))" "$LOG" | grep '"route":"metrics"' | grep -c '"late":true')
CACHE_LINE=$(grep '"event":"stopped","cache"' "$LOG" | tail -1)
cf() { printf '%s\n' "$CACHE_LINE" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
CACHE_NOTE="n/a (this cxm does not log them)"
[ -n "$CACHE_LINE" ] && CACHE_NOTE="$(cf snapshots) snapshots writing $(cf files_written) stream files and hard-linking $(cf files_linked), $(cf computations) computations ($(cf refreshes) background refreshes) over the whole run"
STATUSES=$(tail -n +"$((LOG_LINES0 + 1))" "$LOG" | sed -n 's/.*"route":"\([a-z]*\)","status":\([0-9]*\).*/\1 \2/p' |
  sort | uniq -c | awk '{ printf "%s%s %s: %s", (NR > 1 ? ", " : ""), $2, $3, $1 }')

verdict_rate="NOT MET"
[ -n "$RATE" ] && [ "$RATE" -ge "$TARGET_RATE" ] && verdict_rate="met"
verdict_p99="NOT MET"
[ -n "$RP99" ] && [ "$RP99" -lt $((TARGET_P99_MS * 1000)) ] && [ "${RBAD:-1}" = 0 ] && [ "${RTO:-1}" = 0 ] &&
  [ "$RLOST" -le "$READERS" ] && verdict_p99="met"
# wrk leaves a request still unanswered at the end out of its latencies: more
# of them than connections means some waited longer than the window
[ "$RLOST" -gt "$READERS" ] && verdict_p99="NOT MET: $RLOST requests unanswered after ${SECONDS_RUN} s"
[ "${ROK:-0}" = 0 ] && verdict_p99="NOT MET: no read answered within the ${SECONDS_RUN} s window"
[ "$READERS" = 0 ] && verdict_p99="not measured (SERVE_READERS=0)"
CHECK="the store gained $DT tickets and $DR responses = $((DT + DR)) records; the server's log sums $LOGSUM accepted"
if [ "$((DT + DR))" = "$LOGSUM" ] && [ "$LOGSUM" -ge "${ACC:-0}" ]; then CHECK="$CHECK: consistent"; else CHECK="$CHECK: MISMATCH"; fi
NPROC=$(nproc 2>/dev/null || echo '?')
CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')

{
  cat <<EOF
## Serving: ingest and dashboard latency (issue 4)

Generated by \`bench/serve.sh\` (\`make bench-serve\`) on $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $GIT,
$CPU, $NPROC cores, load average ${LOAD_AT_START:-?} at the start and ${LOAD_AT_END:-?} at the end of the
window (1, 5, 15 min). The server, both load generators and whatever else runs share these cores.

Target: with 10,000,000 tickets and 10,000,000 responses in the store, at least
$TARGET_RATE records a second accepted over HTTP with durability on, while the
dashboard queries keep a p99 under $TARGET_P99_MS ms at 50 concurrent readers.

**This run: $N tickets and $N responses$([ "$N" -lt 10000000 ] && printf ' (scaled down: `SERVE_N`)').**

| | |
|---|---:|
| records accepted a second (durable) | **${RATE:-n/a}** (target $TARGET_RATE: $verdict_rate) |
| records accepted in the window | ${ACC:-n/a} in $(awk -v d="${IDUR:-0}" 'BEGIN { printf "%.1f", d / 1e6 }') s, $IREQ POSTs of $BATCH, ${IBAD:-?} non-2xx, ${IREJ:-?} rows rejected |
| POST latency p50 / p99 / max, ms | $(ms "$IP50") / $(ms "$IP99") / $(ms "$IMAX") |
| dashboard reads answered | ${ROK:-n/a} of ${RREQ:-n/a} sent ($RPS a second), ${RBAD:-?} non-2xx, ${RTO:-?} timeouts (> ${TIMEOUT} s) |
| read latency p50 / p90 / p99 / max, ms | $(ms "$RP50") / $(ms "$RP90") / **$(ms "$RP99")** / $(ms "$RMAX") (p99 target $TARGET_P99_MS ms: $verdict_p99) |
| read time in the server p50 / p90 / p99 / max, ms | ${SP50:-n/a} / ${SP90:-n/a} / ${SP99:-n/a} / ${SMAX:-n/a} (${SN:-0} requests, from its log) |
| server CPU during the window | ${CPU_CORES:-n/a} cores |
| answers by route and status | ${STATUSES:-n/a} |

- Exactness: $CHECK.$([ "$SRV_ALIVE" = 1 ] || printf '\n- **The server died during the window** (see %s).' "$LOG")
- Ingest: \`wrk -t1 -c$WRITERS -d${SECONDS_RUN}s -s bench/serve/ingest.lua\`: each POST carries $BATCH new
  records as CSV, \`/v1/tickets\` and \`/v1/responses\` in turn; "accepted" is summed from the
  answers (a record is accepted once its batch committed, fsync'ed: WAL with synchronous=FULL,
  the store as shipped) and divided by wrk's measured duration.
  ${IERR:-No socket errors.}
- Reads: \`wrk -t$RT -c$READERS -d${SECONDS_RUN}s --latency -s bench/serve/read.lua\`, the connections
  cycling through $(printf '`%s`, ' "${QLIST[@]}" | sed 's/, $//'); latencies as wrk measures
  them (send to answer), $([ "${SERVE_THINK_MS:-0}" -gt 0 ] && printf 'each connection pausing %s ms before each request (SERVE_THINK_MS)' "$SERVE_THINK_MS" || printf 'closed loop: each connection asks again as soon as it has its answer'); $([ "${SERVE_MAX_STALE:-1}" = 0 ] && printf 'plain requests (SERVE_MAX_STALE=0): past the bound they wait up to --max-wait' || printf 'each request sends `Cache-Control: max-stale` as the dashboard does: past the bound it gets the cached answer at once, marked'). ${RERR:-No socket errors.}
- Server: \`cxm serve --store COPY --listen 127.0.0.1:0 ${WARM_ARGS[*]}\`; $WARM_NOTE.
  Cache answers seen by the readers (X-Cxm-Cache): ${CACHE_SEEN:-n/a}; how stale they were
  (X-Cxm-Stale-Ms: time since the first change an answer lacks): mean ${STALE_MEAN:-n/a} ms, max ${STALE_MAX:-n/a} ms;
  ${LATE:-0} answers past the bound after --max-wait (Warning header). Cache: $CACHE_NOTE.
- Store: $STORE_MB MB for $N + $N records, cached in \`$DATA\`; built with \`cxm sample\` and
  \`cxm import --store\` (CLI import: tickets $(rate_of "$N" "$IMPORT_T") records/s, responses
  $(rate_of "$N" "$IMPORT_R") records/s, batches of 10,000; when it was built).

Earlier runs, and what changed between them: docs/internals/store.md, "Serving at 10M + 10M".

First answer to each query, before the window:

| query | status | seconds |
|---|---:|---:|
${FIRST}
EOF
} >"$FRAG.new"
if [ "${SERVE_APPEND:-0}" = 1 ] && [ -s "$FRAG" ]; then
  VARIANT="SERVE_WRITERS=$WRITERS SERVE_BATCH=$BATCH SERVE_READERS=$READERS SERVE_STALENESS=${SERVE_STALENESS:-default} SERVE_WAIT=${SERVE_WAIT:-default} SERVE_THINK_MS=${SERVE_THINK_MS:-0} SERVE_MAX_STALE=${SERVE_MAX_STALE:-1}"
  { echo; awk -v h="### Variant: $VARIANT" 'NR == 1 { print h; next } { print }' "$FRAG.new"; } >>"$FRAG"
  rm -f "$FRAG.new"
  say "added this run to $FRAG ($VARIANT)"
else
  mv "$FRAG.new" "$FRAG"
  say "wrote $FRAG"
fi

if [ "${SERVE_DOC:-0}" = 1 ] && [ -f "$DOC" ] && grep -q '<!-- serve:begin -->' "$DOC"; then
  awk -v frag="$FRAG" '
    /<!-- serve:begin -->/ { print; while ((getline l < frag) > 0) print l; skip = 1; next }
    /<!-- serve:end -->/ { skip = 0 }
    !skip { print }' "$DOC" >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
  say "replaced the serving section of $DOC"
elif [ "${SERVE_DOC:-0}" = 1 ] && [ -f "$DOC" ]; then
  { printf '\n<!-- serve:begin -->\n'; cat "$FRAG"; printf '<!-- serve:end -->\n'; } >>"$DOC"
  say "appended the serving section to $DOC (it had none)"
fi
cat "$FRAG"
exit 0
