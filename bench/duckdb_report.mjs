#!/usr/bin/env node
// bench/duckdb_report.mjs - the peer in `make bench`: DuckDB computing the
// survey report (see `survey` below) and the support report that `cxm report --metrics volume,frt,resolution_time,fcr,
// reopen_rate,sla_compliance --by week,channel --sla bench/sla.csv` computes,
// over the same tickets.csv, and a checker that compares the two outputs.
//
//   node bench/duckdb_report.mjs report FILE [--out PATH] [--threads N]
//        [--repeat R] [--as-of 2024-12-31T00:00:00Z]
//     Runs the query R times in one process (default 1), prints one line
//     "query_seconds=S" per run on stderr and writes the last result, in the
//     shape of `cxm report --format json`, to PATH (default: stdout).
//   node bench/duckdb_report.mjs compare DUCKDB.json CXM.json
//     Checks volume, the mean and median of frt and resolution_time, and the
//     fcr, reopen_rate and sla_compliance percentages on the largest groups; prints one line per check and "agree" or a WARNING.
//     Always exits 0 when both files parse (the harness only warns).
//   node bench/duckdb_report.mjs survey FILE [--out PATH] [--threads N] [--repeat R]
//     The survey workload: what `cxm report --responses FILE --metrics nps,csat
//     --by month,channel --format json` computes, over the same responses.csv
//     (surveySql below); output and timing lines as for `report`.
//   node bench/duckdb_report.mjs compare-survey DUCKDB.json CXM.json
//     Checks that both list the same groups, then value, n and the interval
//     of nps (and its bucket counts) and csat on the four largest groups and
//     the first; prints one line per mismatch and "agree" or a WARNING.
//   node bench/duckdb_report.mjs version
//     Prints the DuckDB library version.
//
// Definitions (the SQL below is the reference for the benchmark):
//   group            ISO week of created_at in UTC (Monday; date_trunc('week'))
//                    and channel
//   volume           count(*) of tickets created in the group
//   frt              first_response_at - created_at in seconds, over tickets
//                    with a first response: mean, median (quantile_cont 0.5),
//                    p90 (quantile_cont 0.9), n
//   resolution_time  resolved_at - created_at in seconds, likewise
//   fcr              percent of resolved tickets with agent_replies <= 1 and
//                    reopens = 0
//   reopen_rate      percent of resolved tickets with reopens > 0
//   sla_compliance   percent of eligible tickets answered within the target
//                    of their priority (urgent 1h, high 4h, normal 8h, low 24h,
//                    calendar time); eligible = not abandoned, and answered or
//                    unanswered with the due time (created_at + target) before
//                    the as-of instant (default: the latest of created_at,
//                    first_response_at, resolved_at, closed_at, answered_at in
//                    the file, as cxm does); unanswered and not yet due = pending
//
// Survey definitions (surveySql; docs/METRICS.md "Surveys"):
//   group            calendar month of `at` in UTC (date_trunc('month')) and channel
//   answers          rows with a score; survey names compared as written (the
//                    generated file is lower case)
//   nps              survey = 'nps', 0-10: promoters >= 9, detractors <= 6;
//                    value 100 (P - D) / n; 95% Wald interval
//                    100 (p - d) +- z 100 sqrt((p + d - (p - d)^2) / n), clamped
//                    to [-100, 100]
//   csat             survey = 'csat', 1-5, top-2-box: value 100 k / n with
//                    k = answers of 4 or 5; 95% Wilson interval (0 and 100 at
//                    k = 0 and k = n)
//   z                1.959963984540054 (the 0.975 normal quantile)
//
// Sizes: DuckDB streams the CSV; memory is the group states (weeks x channels)
// plus the values kept for the exact quantiles (two doubles per ticket).
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';
import { readFileSync, writeFileSync } from 'node:fs';

const COLUMNS = `{
  'ticket_id': 'VARCHAR', 'created_at': 'TIMESTAMP', 'first_response_at': 'TIMESTAMP',
  'first_resolved_at': 'TIMESTAMP', 'resolved_at': 'TIMESTAMP', 'closed_at': 'TIMESTAMP',
  'answered_at': 'TIMESTAMP', 'channel': 'VARCHAR', 'agent': 'VARCHAR', 'team': 'VARCHAR',
  'priority': 'VARCHAR', 'status': 'VARCHAR', 'customer_id': 'VARCHAR', 'reopens': 'INTEGER',
  'agent_replies': 'INTEGER', 'customer_replies': 'INTEGER', 'handle_seconds': 'BIGINT',
  'abandoned': 'BOOLEAN', 'complaint': 'BOOLEAN', 'tags': 'VARCHAR'}`;

// The SLA targets of bench/sla.csv, in seconds.
const TARGETS = { urgent: 3600, high: 4 * 3600, normal: 8 * 3600, low: 24 * 3600 };

function sqlString(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

function reportSql(file, asOf) {
  const targetCase = Object.entries(TARGETS)
    .map(([p, s]) => `WHEN ${sqlString(p)} THEN ${s}`)
    .join(' ');
  const asOfSql = asOf ? `TIMESTAMP ${sqlString(asOf)} AS as_of` : 'max(max_t) AS as_of FROM g';
  return `
WITH t AS (
  SELECT
    CAST(date_trunc('week', created_at) AS DATE) AS week,
    channel,
    created_at,
    reopens,
    agent_replies,
    coalesce(abandoned, false) AS abandoned,
    resolved_at IS NOT NULL AS resolved,
    date_diff('second', created_at, first_response_at) AS frt,
    date_diff('second', created_at, resolved_at) AS res,
    CASE priority ${targetCase} END AS target_s,
    greatest(created_at, first_response_at, resolved_at, closed_at, answered_at) AS last_t
  FROM read_csv(${sqlString(file)}, header = true, auto_detect = false, delim = ',',
                quote = '"', escape = '"', timestampformat = '%Y-%m-%dT%H:%M:%SZ',
                columns = ${COLUMNS})
), g AS (
  SELECT
    week,
    channel,
    count(*) AS volume,
    avg(frt) AS frt_mean,
    quantile_cont(frt, 0.5) AS frt_median,
    quantile_cont(frt, 0.9) AS frt_p90,
    count(frt) AS frt_n,
    avg(res) AS res_mean,
    quantile_cont(res, 0.5) AS res_median,
    quantile_cont(res, 0.9) AS res_p90,
    count(res) AS res_n,
    count(*) FILTER (WHERE resolved) AS resolved_n,
    count(*) FILTER (WHERE resolved AND agent_replies <= 1 AND reopens = 0) AS fcr_hits,
    count(*) FILTER (WHERE resolved AND reopens > 0) AS reopened,
    count(*) FILTER (WHERE NOT abandoned AND frt <= target_s) AS sla_met,
    count(*) FILTER (WHERE NOT abandoned AND frt IS NOT NULL) AS sla_answered,
    list(created_at + to_seconds(target_s)) FILTER (WHERE NOT abandoned AND frt IS NULL) AS sla_due,
    max(last_t) AS max_t
  FROM t
  GROUP BY ALL
), a AS (
  SELECT ${asOfSql}
)
SELECT
  strftime(week, '%Y-%m-%d') AS week,
  g.* EXCLUDE (week, sla_due, max_t),
  sla_answered + coalesce(len(list_filter(sla_due, lambda d: d < a.as_of)), 0) AS sla_n
FROM g, a
ORDER BY week, channel`;
}

const RESPONSE_COLUMNS = `{
  'response_id': 'VARCHAR', 'at': 'TIMESTAMP', 'survey': 'VARCHAR', 'score': 'INTEGER',
  'ticket_id': 'VARCHAR', 'channel': 'VARCHAR', 'agent': 'VARCHAR', 'comment': 'VARCHAR'}`;
const Z95 = 1.959963984540054;

// NPS and CSAT (top-2-box) by month and channel, intervals included: the
// whole computation is in SQL so that DuckDB does what cxm does.
function surveySql(file) {
  return `
WITH r AS (
  SELECT CAST(date_trunc('month', "at") AS DATE) AS month, channel, survey, score
  FROM read_csv(${sqlString(file)}, header = true, auto_detect = false, delim = ',',
                quote = '"', escape = '"', timestampformat = '%Y-%m-%dT%H:%M:%SZ',
                columns = ${RESPONSE_COLUMNS})
  WHERE score IS NOT NULL
), g AS (
  SELECT
    month,
    channel,
    count(*) FILTER (WHERE survey = 'nps') AS nps_n,
    count(*) FILTER (WHERE survey = 'nps' AND score >= 9) AS promoters,
    count(*) FILTER (WHERE survey = 'nps' AND score BETWEEN 7 AND 8) AS passives,
    count(*) FILTER (WHERE survey = 'nps' AND score <= 6) AS detractors,
    count(*) FILTER (WHERE survey = 'csat') AS csat_n,
    count(*) FILTER (WHERE survey = 'csat' AND score >= 4) AS csat_k
  FROM r
  GROUP BY ALL
), s AS (
  SELECT *,
    promoters / nps_n::DOUBLE AS p,
    detractors / nps_n::DOUBLE AS d,
    csat_k / csat_n::DOUBLE AS c,
    ${Z95} * ${Z95} / csat_n AS z2n
  FROM g
)
SELECT
  strftime(month, '%Y-%m-%d') AS month,
  channel,
  nps_n, promoters, passives, detractors,
  100 * (p - d) AS nps,
  greatest(-100, 100 * (p - d - ${Z95} * sqrt(greatest(0, p + d - (p - d) ^ 2) / nps_n))) AS nps_lo,
  least(100, 100 * (p - d + ${Z95} * sqrt(greatest(0, p + d - (p - d) ^ 2) / nps_n))) AS nps_hi,
  csat_n,
  100 * c AS csat,
  CASE WHEN csat_k = 0 THEN 0 ELSE greatest(0, 100 * ((c + z2n / 2) / (1 + z2n)
    - ${Z95} / (1 + z2n) * sqrt(c * (1 - c) / csat_n + z2n / 4 / csat_n))) END AS csat_lo,
  CASE WHEN csat_k = csat_n THEN 100 ELSE least(100, 100 * ((c + z2n / 2) / (1 + z2n)
    + ${Z95} / (1 + z2n) * sqrt(c * (1 - c) / csat_n + z2n / 4 / csat_n))) END AS csat_hi
FROM s
ORDER BY month, channel`;
}

const num = (v) => (v === null || v === undefined ? null : Number(v));
const pct = (hits, n) => (n > 0 ? (100 * hits) / n : null);

// Rows of the query -> the shape of `cxm report --format json`.
function toResults(rows) {
  const results = [];
  for (const r of rows) {
    const group = { week: r.week, channel: r.channel };
    const add = (metric, stat, value, unit, n) =>
      results.push({ metric, stat, group, value: num(value), unit, n: num(n) });
    add('volume', 'count', r.volume, 'tickets', r.volume);
    add('frt', 'mean', r.frt_mean, 'seconds', r.frt_n);
    add('frt', 'median', r.frt_median, 'seconds', r.frt_n);
    add('frt', 'p90', r.frt_p90, 'seconds', r.frt_n);
    add('resolution_time', 'mean', r.res_mean, 'seconds', r.res_n);
    add('resolution_time', 'median', r.res_median, 'seconds', r.res_n);
    add('resolution_time', 'p90', r.res_p90, 'seconds', r.res_n);
    add('fcr', 'rate', pct(num(r.fcr_hits), num(r.resolved_n)), 'percent', r.resolved_n);
    add('reopen_rate', 'rate', pct(num(r.reopened), num(r.resolved_n)), 'percent', r.resolved_n);
    add('sla_compliance', 'rate', pct(num(r.sla_met), num(r.sla_n)), 'percent', r.sla_n);
  }
  return { results, warnings: [] };
}

// Survey rows -> the shape of `cxm report --format json` (groups without
// answers to a survey are left out, as cxm does).
function toSurveyResults(rows) {
  const results = [];
  for (const r of rows) {
    const group = { month: r.month, channel: r.channel };
    if (num(r.nps_n) > 0)
      results.push({
        metric: 'nps', variant: 'nps', group, value: num(r.nps), unit: 'score', n: num(r.nps_n),
        ci: [num(r.nps_lo), num(r.nps_hi)],
        buckets: { promoters: num(r.promoters), passives: num(r.passives), detractors: num(r.detractors) },
      });
    if (num(r.csat_n) > 0)
      results.push({
        metric: 'csat', variant: 'top_box', group, value: num(r.csat), unit: 'percent', n: num(r.csat_n),
        ci: [num(r.csat_lo), num(r.csat_hi)],
      });
  }
  return { results, warnings: [] };
}

function parseArgs(argv) {
  const opts = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      opts[a.slice(2)] = argv[++i];
    } else {
      opts.positional.push(a);
    }
  }
  return opts;
}

async function report(opts, workload = 'report') {
  const file = opts.positional[0];
  if (!file) throw new Error(`${workload}: missing FILE`);
  const repeat = Math.max(1, parseInt(opts.repeat ?? '1', 10) || 1);
  // --as-of 2024-12-31T00:00:00Z; default: the latest instant in the file (as cxm)
  const asOf = opts['as-of'] ? opts['as-of'].replace('T', ' ').replace(/Z$/, '') : null;
  const config = {};
  if (opts.threads) config.threads = String(parseInt(opts.threads, 10));
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  const sql = workload === 'survey' ? surveySql(file) : reportSql(file, asOf);
  let rows = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    const reader = await conn.runAndReadAll(sql);
    rows = reader.getRowObjectsJS();
    const t1 = process.hrtime.bigint();
    process.stderr.write(`query_seconds=${(Number(t1 - t0) / 1e9).toFixed(4)}\n`);
  }
  conn.closeSync();
  instance.closeSync?.();
  const shaped = workload === 'survey' ? toSurveyResults(rows) : toResults(rows);
  const json = JSON.stringify(shaped, null, 1) + '\n';
  if (opts.out && opts.out !== '-') writeFileSync(opts.out, json);
  else process.stdout.write(json);
}

// ---- compare ------------------------------------------------------------

const STAT_ALIASES = { avg: 'mean', average: 'mean', p50: 'median', q50: 'median' };

// "2024-W01" -> "2024-01-01" (the Monday), dates pass through.
function normWeek(w) {
  const m = /^(\d{4})-W(\d{2})$/.exec(String(w));
  if (!m) return String(w).slice(0, 10);
  const y = Number(m[1]);
  const jan4 = Date.UTC(y, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  const monday = jan4 - dow * 86400000 + (Number(m[2]) - 1) * 7 * 86400000;
  return new Date(monday).toISOString().slice(0, 10);
}

function index(doc) {
  const map = new Map();
  for (const r of doc.results ?? []) {
    const g = r.group ?? {};
    let stat = String(r.stat ?? '');
    stat = STAT_ALIASES[stat] ?? stat;
    if (r.metric === 'volume') stat = 'count';
    else if (stat === '' || stat === 'value') stat = 'rate'; // a rate metric has one value
    map.set(`${r.metric}|${stat}|${normWeek(g.week)}|${g.channel}`, r);
  }
  return map;
}

function compare(opts) {
  const [duckPath, cxmPath] = opts.positional;
  if (!duckPath || !cxmPath) throw new Error('compare: need DUCKDB.json CXM.json');
  const duck = JSON.parse(readFileSync(duckPath, 'utf8'));
  const cxm = JSON.parse(readFileSync(cxmPath, 'utf8'));
  const d = index(duck);
  const c = index(cxm);
  // The four largest groups and the first one (a partial week).
  const vols = duck.results.filter((r) => r.metric === 'volume');
  const picked = [...vols].sort((a, b) => b.value - a.value).slice(0, 4);
  if (vols.length && !picked.includes(vols[0])) picked.push(vols[0]);
  const checks = [
    ['volume', 'count'],
    ['frt', 'mean'],
    ['frt', 'median'],
    ['resolution_time', 'mean'],
    ['resolution_time', 'median'],
    ['fcr', 'rate'],
    ['reopen_rate', 'rate'],
    ['sla_compliance', 'rate'],
  ];
  let bad = 0;
  let total = 0;
  for (const v of picked) {
    const gk = `${normWeek(v.group.week)}|${v.group.channel}`;
    for (const [metric, stat] of checks) {
      const key = `${metric}|${stat}|${gk}`;
      const a = d.get(key);
      const b = c.get(key);
      const label = `${metric} ${stat} week=${v.group.week} channel=${v.group.channel}`;
      total++;
      if (!a || !b) {
        console.log(`  missing in ${!a ? 'duckdb' : 'cxm'}: ${label}`);
        bad++;
        continue;
      }
      const x = num(a.value);
      const y = num(b.value);
      const tol = Math.max(1e-6 * Math.abs(x ?? 0), metric === 'volume' ? 0 : 1e-3);
      const ok = x === y || (x !== null && y !== null && Math.abs(x - y) <= tol);
      if (!ok) bad++;
      console.log(`  ${ok ? 'ok  ' : 'DIFF'} ${label}: duckdb ${x} cxm ${y}`);
    }
  }
  if (bad) console.log(`WARNING: cxm and DuckDB disagree on ${bad} of ${total} checks`);
  else console.log(`agree: ${total} checks on ${picked.length} groups`);
}

// The survey checker: same groups, then value, n, interval (and NPS buckets)
// on the four largest groups (by NPS answers) and the first.
function compareSurvey(opts) {
  const [duckPath, cxmPath] = opts.positional;
  if (!duckPath || !cxmPath) throw new Error('compare-survey: need DUCKDB.json CXM.json');
  const duck = JSON.parse(readFileSync(duckPath, 'utf8'));
  const cxm = JSON.parse(readFileSync(cxmPath, 'utf8'));
  const key = (r) => `${r.metric}|${String(r.group?.month ?? '').slice(0, 10)}|${r.group?.channel}`;
  const pick = (doc) => new Map((doc.results ?? []).filter((r) => r.metric === 'nps' || r.metric === 'csat')
    .map((r) => [key(r), r]));
  const d = pick(duck);
  const c = pick(cxm);
  let bad = 0;
  let total = 0;
  const miss = (a, b, side) => [...a.keys()].filter((k) => !b.has(k)).slice(0, 5)
    .map((k) => `  missing in ${side}: ${k}`);
  const lines = [...miss(d, c, 'cxm'), ...miss(c, d, 'duckdb')];
  total++;
  if (lines.length || d.size !== c.size) {
    bad++;
    console.log(`  DIFF groups: duckdb ${d.size} results, cxm ${c.size}`);
    lines.forEach((l) => console.log(l));
  } else {
    console.log(`  ok   groups: ${d.size} results in both`);
  }
  const npsRows = [...d.values()].filter((r) => r.metric === 'nps');
  const picked = [...npsRows].sort((a, b) => b.n - a.n).slice(0, 4);
  if (npsRows.length && !picked.includes(npsRows[0])) picked.push(npsRows[0]);
  const close = (x, y) => x === y || (x !== null && y !== null && x !== undefined && y !== undefined &&
    Math.abs(x - y) <= Math.max(1e-9 * Math.abs(x), 1e-9));
  for (const g of picked) {
    for (const metric of ['nps', 'csat']) {
      const k = `${metric}|${g.group.month}|${g.group.channel}`;
      const a = d.get(k);
      const b = c.get(k);
      const label = `${metric} month=${g.group.month} channel=${g.group.channel}`;
      const fields = [['value', (r) => num(r.value)], ['n', (r) => num(r.n)],
        ['ci_low', (r) => num(r.ci?.[0])], ['ci_high', (r) => num(r.ci?.[1])]];
      if (metric === 'nps')
        for (const b2 of ['promoters', 'passives', 'detractors']) fields.push([b2, (r) => num(r.buckets?.[b2])]);
      for (const [name, get] of fields) {
        total++;
        if (!a || !b) {
          bad++;
          console.log(`  missing in ${!a ? 'duckdb' : 'cxm'}: ${label}`);
          break;
        }
        const x = get(a);
        const y = get(b);
        const ok = close(x, y);
        if (!ok) bad++;
        console.log(`  ${ok ? 'ok  ' : 'DIFF'} ${label} ${name}: duckdb ${x} cxm ${y}`);
      }
    }
  }
  if (bad) console.log(`WARNING: cxm and DuckDB disagree on ${bad} of ${total} survey checks`);
  else console.log(`agree: ${total} survey checks on ${picked.length} groups`);
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const opts = parseArgs(rest);
  if (cmd === 'report') await report(opts);
  else if (cmd === 'survey') await report(opts, 'survey');
  else if (cmd === 'compare') compare(opts);
  else if (cmd === 'compare-survey') compareSurvey(opts);
  else if (cmd === 'version') console.log(duckdbVersion());
  else {
    process.stderr.write('usage: duckdb_report.mjs report FILE [--out PATH] [--threads N] [--repeat R] [--as-of T]\n' +
      '       duckdb_report.mjs survey FILE [--out PATH] [--threads N] [--repeat R]\n' +
      '       duckdb_report.mjs compare DUCKDB.json CXM.json\n' +
      '       duckdb_report.mjs compare-survey DUCKDB.json CXM.json\n       duckdb_report.mjs version\n');
    process.exit(2);
  }
}

main().catch((e) => {
  process.stderr.write(`duckdb_report: ${e.message}\n`);
  process.exit(1);
});
