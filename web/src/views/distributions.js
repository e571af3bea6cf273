// views/distributions.js - how values spread: the percentile profile
// (min, p25, p50, p75, p90, p95, p99, max; GET /v1/metrics stats=) of first
// response and resolution times, and the survey score distributions (the
// `distribution` metric: share of answers per score) as bars.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as fmt from '../format.js';
import { chart } from '../charts.js';
import { pick, PROFILE } from '../queries.js';

const PROFILED = ['frt', 'resolution_time'];

export default {
  id: 'distributions',
  title: 'view.distributions',
  queries: ['kpi'],
  render(el, data, ctx) {
    const grid = h('div', { class: 'charts' });
    el.append(grid);
    let drawn = 0;
    for (const id of PROFILED) {
      const rows = PROFILE.map((s) => pick(data.kpi, id, { stat: s }));
      if (rows.some((r) => !r) || rows.every((r) => r.value === null)) continue;
      const name = (ctx.labels[id] || {}).name || id;
      const title = t('profile', { metric: name });
      const box = h('div', { class: 'chart', role: 'img', 'aria-label': title, 'data-metric': id });
      const table = h(
        'table',
        { class: 'mini' },
        h('caption', { class: 'sr-only', text: title }),
        h('tr', null, PROFILE.map((s) => h('th', { scope: 'col', text: s }))),
        h('tr', null, rows.map((r) => h('td', { text: fmt.value(r.value, 'seconds') }))),
      );
      grid.append(h('figure', { class: 'card' }, h('figcaption', { text: title + ' · n = ' + fmt.count(rows[0].n) }), box, h('div', { class: 'table-wrap' }, table)));
      // a log axis: the profile spans seconds to days; a zero (an instant
      // answer) is drawn at one second
      chart(box, {
        xAxis: { type: 'category', data: PROFILE },
        yAxis: { type: 'log', logBase: 10, min: 1, axisLabel: { formatter: (v) => fmt.duration(v) } },
        tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => fmt.value(v, 'seconds') },
        series: [{ name, type: 'bar', data: rows.map((r) => (r.value === null ? null : Math.max(1, r.value))) }],
      });
      drawn++;
    }
    // survey score distributions
    const dist = data.kpi ? data.kpi.results.filter((r) => r.metric === 'distribution' && Object.keys(r.group || {}).length === 0) : [];
    const surveys = [...new Set(dist.map((r) => r.target))];
    for (const s of surveys) {
      const rows = dist.filter((r) => r.target === s).sort((a, b) => Number(a.stat) - Number(b.stat));
      if (!rows.length || !rows[0].n) continue;
      const name = ((ctx.labels.distribution || {}).name || 'distribution') + ' · ' + ((ctx.labels[s] || {}).name || s);
      const box = h('div', { class: 'chart', role: 'img', 'aria-label': name, 'data-metric': 'distribution-' + s });
      grid.append(h('figure', { class: 'card' }, h('figcaption', { text: name + ' · n = ' + fmt.count(rows[0].n) }), box, h('p', { class: 'muted axis-note', text: t('share') })));
      chart(box, {
        xAxis: { type: 'category', data: rows.map((r) => r.stat), name: t('score') },
        yAxis: { type: 'value', name: '%', max: 100 },
        tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => fmt.value(v, 'percent') },
        series: [{ name, type: 'bar', data: rows.map((r) => r.value) }],
      });
      drawn++;
    }
    if (!drawn) el.append(h('p', { class: 'muted', text: t(data.kpi ? 'no_data' : 'not_in_report') }));
  },
};
