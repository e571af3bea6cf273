// views/backlog.js - the backlog (tickets open at the end of each interval)
// as a line over the tickets created in each interval (bars).
import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as fmt from '../format.js';
import { chart } from '../charts.js';
import { series, bucketEnd } from '../queries.js';

export default {
  id: 'backlog',
  title: 'view.backlog',
  queries: ['trend'],
  render(el, data, ctx) {
    const gran = ctx.filters.gran || 'week';
    const open = series(data.trend, 'backlog', { by: gran });
    const created = series(data.trend, 'volume', { by: gran });
    if (!open.length) {
      el.append(h('p', { class: 'muted', text: t(data.trend ? 'no_data' : 'not_in_report') }));
      return;
    }
    const days = [...new Set([...open, ...created].map((r) => r.group[gran]))].sort();
    const at = (rows, d) => {
      const r = rows.find((q) => q.group[gran] === d);
      return r ? r.value : null;
    };
    const nb = (ctx.labels.backlog || {}).name || 'backlog';
    const nv = (ctx.labels.volume || {}).name || 'volume';
    const box = h('div', { class: 'chart wide', role: 'img', 'aria-label': nb, 'data-metric': 'backlog' });
    el.append(h('figure', { class: 'card' }, h('figcaption', { text: t('backlog_note') }), box));
    chart(
      box,
      {
        legend: { top: 0 },
        xAxis: { type: 'category', data: days },
        yAxis: { type: 'value' },
        tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => (v === null ? '—' : fmt.count(v)) },
        series: [
          { name: nv, type: 'bar', data: days.map((d) => at(created, d)), itemStyle: { color: '#9fb8d6' } },
          { name: nb, type: 'line', data: days.map((d) => at(open, d)), itemStyle: { color: '#c0392b' } },
        ],
      },
      ctx.source.canDrill
        ? (p) => {
            const day = days[p.dataIndex];
            ctx.drill({ kind: 'tickets', title: nv + ' · ' + day, params: { from: day, to: bucketEnd(day, gran) } });
          }
        : null,
    );
  },
};
