// drill.js - the records behind a number: the tickets (GET /v1/tickets,
// with the page's filters, the clicked bucket's dates and the metric's
// `has` field) or the survey comments (GET /v1/comments), 50 a page.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import * as fmt from './format.js';

const PAGE = 50;
const TICKET_COLS = ['ticket_id', 'created_at', 'channel', 'team', 'agent', 'priority', 'status'];
const COMMENT_COLS = ['response_id', 'at', 'survey', 'score', 'comment'];
let cur = null;

function cell(col, v) {
  if (v === null || v === undefined) return '';
  if (col.endsWith('_seconds') && typeof v === 'number') return fmt.duration(v);
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

async function show() {
  const { spec, ctx, offset } = cur;
  const panel = document.getElementById('drill');
  const table = clear(document.getElementById('drill-table'));
  const summary = document.getElementById('drill-summary');
  document.getElementById('drill-title').textContent = t('drill_title', { what: spec.title });
  panel.hidden = false;
  summary.textContent = t('loading');
  const f = ctx.filters;
  let ans;
  try {
    if (spec.kind === 'comments') {
      ans = await ctx.source.comments({ from: f.from, to: f.to, tz: f.tz, ...spec.params, limit: PAGE, offset });
    } else {
      const where = Object.entries(f.where || {})
        .filter(([, v]) => v)
        .map(([k, v]) => k + '=' + v);
      ans = await ctx.source.tickets({ from: f.from, to: f.to, tz: f.tz, where, ...spec.params, limit: PAGE, offset });
    }
  } catch (e) {
    summary.textContent = t('load_error', { msg: e.message });
    return;
  }
  const cols = spec.kind === 'comments' ? COMMENT_COLS : [...TICKET_COLS, ...(spec.field && !TICKET_COLS.includes(spec.field) ? [spec.field] : [])];
  summary.textContent = ans.total
    ? t('drill_summary', { total: fmt.count(ans.total), a: fmt.count(offset + 1), b: fmt.count(offset + ans.rows.length) })
    : t('drill_none');
  table.dataset.total = String(ans.total);
  table.append(h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col', text: c })))));
  table.append(h('tbody', null, ans.rows.map((r) => h('tr', null, cols.map((c) => h('td', { text: cell(c, r[c]) }))))));
  const prev = document.getElementById('drill-prev');
  const next = document.getElementById('drill-next');
  prev.disabled = offset === 0;
  next.disabled = offset + ans.rows.length >= ans.total;
  panel.focus();
}

export function openDrill(spec, ctx) {
  cur = { spec, ctx, offset: 0 };
  return show();
}

export function initDrill() {
  document.getElementById('drill-close').addEventListener('click', () => {
    document.getElementById('drill').hidden = true;
    cur = null;
  });
  document.getElementById('drill-prev').addEventListener('click', () => {
    if (!cur) return;
    cur.offset = Math.max(0, cur.offset - PAGE);
    show();
  });
  document.getElementById('drill-next').addEventListener('click', () => {
    if (!cur) return;
    cur.offset += PAGE;
    show();
  });
}

// The drill panel's words in the current language.
export function labelDrill() {
  document.getElementById('drill-close').textContent = t('close');
  document.getElementById('drill-prev').textContent = t('prev_page');
  document.getElementById('drill-next').textContent = t('next_page');
  if (cur) document.getElementById('drill-title').textContent = t('drill_title', { what: cur.spec.title });
}
