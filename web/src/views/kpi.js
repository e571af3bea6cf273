// views/kpi.js - the key figures: one tile per metric with its value, the
// change against the previous period (survey metrics: the engine's test
// and p-value from compare=previous; support metrics: the "prev" query,
// no test), n and the interval. A tile opens the records behind it.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as fmt from '../format.js';
import { pick, previousPeriod } from '../queries.js';

// What each tile shows and which records are behind it (drill).
const TILES = [
  { id: 'volume', drill: {} },
  // backlog: created up to the period's end (whenever it started) and never resolved;
  // tickets resolved after the period's end, open at its end, are not listed
  { id: 'backlog', drill: { missing: 'resolved_at', from: '' } },
  { id: 'frt', stat: 'p50', drill: { has: 'frt_seconds' }, field: 'frt_seconds' },
  { id: 'resolution_time', stat: 'p50', drill: { has: 'resolution_seconds' }, field: 'resolution_seconds' },
  { id: 'fcr', drill: { has: 'fcr' }, field: 'fcr' },
  { id: 'resolution_rate', drill: {} },
  { id: 'reopen_rate', drill: { has: 'resolution_seconds' }, field: 'reopens' },
  { id: 'csat', survey: 'csat' },
  { id: 'nps', survey: 'nps' },
  { id: 'ces', survey: 'ces' },
];

function trendClass(delta, hib) {
  if (!delta || hib === null || hib === undefined || hib === -1) return 'neutral';
  return (delta > 0) === !!hib ? 'better' : 'worse';
}

function tile(spec, data, ctx) {
  const r = pick(data.kpi, spec.id, spec.stat ? { stat: spec.stat } : {});
  if (!r || (r.value === null && !r.n)) return null;
  const meta = ctx.labels[spec.id] || {};
  const name = meta.name || spec.id;
  const label = spec.stat ? name + ' (' + t('median') + ')' : name;
  // change: the engine's compare, else the previous period's query
  let prevVal = null;
  let delta = null;
  let sig = null;
  if (r.previous !== undefined && r.previous !== null) {
    prevVal = r.previous;
    delta = r.change;
    if (r.p_value !== undefined && r.p_value !== null)
      sig = t(r.significant ? 'significant' : 'not_significant', { p: fmt.pvalue(r.p_value) });
  } else if (data.prev) {
    const p = pick(data.prev, spec.id, spec.stat ? { stat: spec.stat } : {});
    if (p && p.value !== null && r.value !== null) {
      prevVal = p.value;
      delta = r.value - p.value;
    }
  }
  const hasPeriod = !!previousPeriod(ctx.filters.from, ctx.filters.to);
  const changeLine =
    delta !== null
      ? h(
          'p',
          { class: 'change ' + trendClass(delta, meta.higher_is_better) },
          h('span', { class: 'delta', text: fmt.change(delta, r.unit) }),
          ' ',
          h('span', { class: 'muted', text: t('vs_prev') }),
        )
      : h('p', { class: 'change muted', text: hasPeriod ? '' : t('no_prev') });
  const details = [h('span', { class: 'n', text: 'n = ' + fmt.count(r.n) })];
  if (r.ci) details.push(h('span', { text: t('ci', { lo: fmt.value(r.ci[0], r.unit), hi: fmt.value(r.ci[1], r.unit) }) }));
  if (prevVal !== null) details.push(h('span', { text: t('previous', { v: fmt.value(prevVal, r.unit) }) }));
  if (sig) details.push(h('span', { class: 'sig', text: sig }));
  if (r.below_min_n) details.push(h('span', { class: 'warn', text: t('low_n') }));
  const body = [
    h('span', { class: 'tile-label', text: label }),
    h('span', { class: 'tile-value', text: r.value === null ? '—' : fmt.value(r.value, r.unit), title: r.reason || null }),
    changeLine,
    h('p', { class: 'tile-details' }, details),
  ];
  const canDrill = ctx.source.canDrill;
  const el = canDrill
    ? h('button', { type: 'button', class: 'tile', 'data-metric': spec.id, 'aria-label': t('show_records', { what: label }) + ': ' + (r.value === null ? '—' : fmt.value(r.value, r.unit)) }, body)
    : h('div', { class: 'tile', 'data-metric': spec.id }, body);
  if (canDrill)
    el.addEventListener('click', () =>
      spec.survey
        ? ctx.drill({ kind: 'comments', title: label, params: { survey: spec.survey } })
        : ctx.drill({ kind: 'tickets', title: label, params: spec.drill, field: spec.field }),
    );
  return el;
}

export default {
  id: 'kpi',
  title: 'view.kpi',
  queries: ['kpi', 'prev'],
  render(el, data, ctx) {
    if (!data.kpi) {
      el.append(h('p', { class: 'muted', text: t('not_in_report') }));
      return;
    }
    const tiles = TILES.map((s) => tile(s, data, ctx)).filter(Boolean);
    if (!tiles.length) el.append(h('p', { class: 'muted', text: t('no_data') }));
    el.append(h('div', { class: 'tiles' }, tiles));
  },
};
