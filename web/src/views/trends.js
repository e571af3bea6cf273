// views/trends.js - metrics by day/week/month/quarter: one small chart per
// metric (readable on a phone). Clicking a bucket opens its records.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as fmt from '../format.js';
import { chart } from '../charts.js';
import { series, bucketEnd } from '../queries.js';

const METRICS = [
  { id: 'volume', type: 'bar' },
  { id: 'frt', stat: 'p50', field: 'frt_seconds' },
  { id: 'fcr', field: 'fcr' },
  { id: 'csat', survey: 'csat' },
  { id: 'nps', survey: 'nps' },
];

export default {
  id: 'trends',
  title: 'view.trends',
  queries: ['trend'],
  render(el, data, ctx) {
    const gran = ctx.filters.gran || 'week';
    const grid = h('div', { class: 'charts' });
    el.append(grid);
    let drawn = 0;
    for (const m of METRICS) {
      const rows = series(data.trend, m.id, { by: gran, ...(m.stat ? { stat: m.stat } : {}) });
      if (!rows.length || rows.every((r) => r.value === null)) continue;
      const unit = rows[0].unit;
      const name = (ctx.labels[m.id] || {}).name || m.id;
      const title = m.stat ? name + ' (' + t('median') + ')' : name;
      const box = h('div', { class: 'chart', role: 'img', 'aria-label': title, 'data-metric': m.id });
      grid.append(h('figure', { class: 'card' }, h('figcaption', { text: title }), box));
      const scale = unit === 'seconds' ? 3600 : 1;
      const x = rows.map((r) => r.group[gran]);
      chart(
        box,
        {
          xAxis: { type: 'category', data: x },
          yAxis: { type: 'value', name: unit === 'seconds' ? t('hours_axis') : unit === 'percent' ? '%' : '' },
          tooltip: {
            trigger: 'axis',
            confine: true,
            valueFormatter: (v) => (v === null || v === undefined ? '—' : fmt.value(v * scale, unit)),
          },
          series: [
            {
              name: title,
              type: m.type || 'line',
              data: rows.map((r) => (r.value === null ? null : r.value / scale)),
              connectNulls: false,
              showSymbol: rows.length < 60,
            },
          ],
        },
        ctx.source.canDrill
          ? (p) => {
              const day = x[p.dataIndex];
              const params = { from: day, to: bucketEnd(day, gran) };
              const what = title + ' · ' + day;
              if (m.survey) ctx.drill({ kind: 'comments', title: what, params: { ...params, survey: m.survey } });
              else ctx.drill({ kind: 'tickets', title: what, params: { ...params, ...(m.field ? { has: m.field } : {}) }, field: m.field });
            }
          : null,
      );
      drawn++;
    }
    if (!drawn) el.append(h('p', { class: 'muted', text: t(data.trend ? 'no_data' : 'not_in_report') }));
  },
};
