// queries.js - the named queries the views share, as GET /v1/metrics
// parameters built from the filters. A view names the queries it needs;
// two views asking for "trend" get one request. `cxm report --format html`
// embeds result sets under the same names (src/cli/report_html.c), so a
// view reads live and static data alike.
//   kpi:   the period's figures, percentile profiles, survey compare=previous
//   prev:  the same support figures over the previous period (for change)
//   trend: figures by day/week/month/quarter

export const PROFILE = ['min', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99', 'max'];
export const SUPPORT = ['volume', 'backlog', 'frt', 'resolution_time', 'fcr', 'resolution_rate', 'reopen_rate'];
export const SURVEY = ['csat', 'nps', 'ces'];

// The period just before [from, to] (YYYY-MM-DD, inclusive) and as long,
// or null (src/server/web.c cxm_web_previous_period does the same in C).
export function previousPeriod(from, to) {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  if (!re.test(from || '') || !re.test(to || '')) return null;
  const a = Date.parse(from + 'T00:00:00Z');
  const b = Date.parse(to + 'T00:00:00Z');
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return null;
  const day = 86400000;
  const len = Math.round((b - a) / day) + 1;
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(a - len * day), to: iso(a - day) };
}

function base(ctx) {
  const f = ctx.filters;
  return {
    from: f.from,
    to: f.to,
    tz: f.tz,
    where: Object.entries(f.where || {})
      .filter(([, v]) => v)
      .map(([k, v]) => k + '=' + v),
    // no lang: names come from the catalog, and one cached answer serves every language
  };
}

function metricsFor(ctx, list) {
  return list.filter((m) => (SURVEY.includes(m) || m === 'distribution' ? ctx.hasResponses : ctx.hasTickets));
}

export const QUERIES = {
  kpi(ctx) {
    const m = metricsFor(ctx, [...SUPPORT, ...SURVEY, 'distribution']);
    if (ctx.sla) m.push('sla_compliance');
    const p = { ...base(ctx), metrics: m.join(','), stats: ['mean', ...PROFILE].join(',') };
    // the engine's comparison (previous value, change, test) over the period before
    if (previousPeriod(ctx.filters.from, ctx.filters.to)) p.compare = 'previous';
    return p;
  },
  prev(ctx) {
    const pp = previousPeriod(ctx.filters.from, ctx.filters.to);
    if (!pp || !ctx.hasTickets) return null;
    return { ...base(ctx), ...pp, metrics: SUPPORT.join(','), stats: 'p50' };
  },
  trend(ctx) {
    const m = metricsFor(ctx, ['volume', 'backlog', 'frt', 'fcr', 'csat', 'nps']);
    if (ctx.sla) m.push('sla_compliance');
    return { ...base(ctx), metrics: m.join(','), by: ctx.filters.gran || 'week', stats: 'p50' };
  },
};

// Results of a set: find one (metric, stat, target, no group by default).
export function pick(rs, metric, opts = {}) {
  if (!rs) return null;
  return (
    rs.results.find(
      (r) =>
        r.metric === metric &&
        (opts.stat === undefined || r.stat === opts.stat) &&
        (opts.target === undefined || r.target === opts.target) &&
        Object.keys(r.group || {}).length === 0,
    ) || null
  );
}

// Rows of a by-time set for metric (and stat/target), sorted by bucket.
export function series(rs, metric, opts = {}) {
  if (!rs) return [];
  const key = opts.by || 'week';
  return rs.results
    .filter(
      (r) =>
        r.metric === metric &&
        (opts.stat === undefined || r.stat === opts.stat) &&
        (opts.target === undefined || r.target === opts.target) &&
        r.group &&
        key in r.group,
    )
    .sort((a, b) => (a.group[key] < b.group[key] ? -1 : a.group[key] > b.group[key] ? 1 : 0));
}

// The last day of a bucket starting on day (YYYY-MM-DD) of granularity gran.
export function bucketEnd(day, gran) {
  const d = new Date(day + 'T00:00:00Z');
  if (gran === 'day') return day;
  if (gran === 'week') d.setUTCDate(d.getUTCDate() + 6);
  else if (gran === 'month') d.setUTCMonth(d.getUTCMonth() + 1, 0);
  else if (gran === 'quarter') d.setUTCMonth(d.getUTCMonth() + 3, 0);
  else if (gran === 'year') d.setUTCFullYear(d.getUTCFullYear() + 1, 0, 0);
  return d.toISOString().slice(0, 10);
}
