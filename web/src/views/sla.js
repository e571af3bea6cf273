// views/sla.js - SLA compliance per target (first response, next reply,
// resolution): the period's share met with its interval, and its trend.
// Needs SLA targets (cxm serve --sla FILE, or cxm report --sla FILE).
import { h } from '../dom.js';
import { t, has } from '../i18n.js';
import * as fmt from '../format.js';
import { chart } from '../charts.js';
import { series } from '../queries.js';

const TARGETS = ['first_response', 'next_reply', 'resolution'];

export default {
  id: 'sla',
  title: 'view.sla',
  queries: ['kpi', 'trend'],
  render(el, data, ctx) {
    const rows = data.kpi
      ? data.kpi.results.filter((r) => r.metric === 'sla_compliance' && Object.keys(r.group || {}).length === 0)
      : [];
    if (!rows.length) {
      el.append(h('p', { class: 'muted', text: t('no_sla') }));
      return;
    }
    const targets = TARGETS.filter((x) => rows.some((r) => r.target === x));
    const name = (ctx.labels.sla_compliance || {}).name || 'SLA';
    const tl = (x) => (has(x) ? t(x) : x);
    const table = h(
      'table',
      { class: 'mini' },
      h('caption', { class: 'sr-only', text: name }),
      h('tr', null, h('th', { scope: 'col', text: '' }), h('th', { scope: 'col', text: t('met_share') }), h('th', { scope: 'col', text: 'n' }), h('th', { scope: 'col', text: '95%' })),
      targets.map((x) => {
        const r = rows.find((q) => q.target === x);
        return h(
          'tr',
          { 'data-target': x },
          h('th', { scope: 'row', text: tl(x) }),
          h('td', { text: fmt.value(r.value, 'percent') }),
          h('td', { text: fmt.count(r.n) }),
          h('td', { text: r.ci ? fmt.value(r.ci[0], 'percent') + ' – ' + fmt.value(r.ci[1], 'percent') : '' }),
        );
      }),
    );
    const grid = h('div', { class: 'charts' });
    el.append(grid);
    const box = h('div', { class: 'chart', role: 'img', 'aria-label': name, 'data-metric': 'sla_compliance' });
    grid.append(h('figure', { class: 'card' }, h('figcaption', { text: name }), box, h('div', { class: 'table-wrap' }, table)));
    chart(box, {
      xAxis: { type: 'category', data: targets.map(tl) },
      yAxis: { type: 'value', max: 100, name: '%' },
      tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => fmt.value(v, 'percent') },
      series: [{ name, type: 'bar', data: targets.map((x) => rows.find((r) => r.target === x).value) }],
    });
    const gran = ctx.filters.gran || 'week';
    const lines = targets
      .map((x) => ({ x, rows: series(data.trend, 'sla_compliance', { by: gran, target: x }) }))
      .filter((s) => s.rows.length);
    if (lines.length) {
      const days = [...new Set(lines.flatMap((s) => s.rows.map((r) => r.group[gran])))].sort();
      const box2 = h('div', { class: 'chart', role: 'img', 'aria-label': name, 'data-metric': 'sla_trend' });
      grid.append(h('figure', { class: 'card' }, h('figcaption', { text: name + ' · ' + t(gran) }), box2));
      chart(box2, {
        legend: { top: 0 },
        xAxis: { type: 'category', data: days },
        yAxis: { type: 'value', max: 100, name: '%' },
        tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => fmt.value(v, 'percent') },
        series: lines.map((s) => ({
          name: tl(s.x),
          type: 'line',
          data: days.map((d) => {
            const r = s.rows.find((q) => q.group[gran] === d);
            return r ? r.value : null;
          }),
        })),
      });
    }
  },
};
