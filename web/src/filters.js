// filters.js - the filter bar: period (from, to), time zone, interval and
// one select per dimension of the store (GET /v1/dimensions: channel, team,
// agent, priority, status, survey and any extra column). The state lives in
// the URL's hash (#from=..&to=..&tz=..&gran=..&lang=..&w=channel%3Demail),
// so a view can be linked and reloaded. Static pages show the fixed filters.
import { h, clear } from './dom.js';
import { t, has } from './i18n.js';

const ZONES = ['UTC', 'Asia/Singapore', 'Asia/Kuala_Lumpur', 'Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Tokyo', 'Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Australia/Sydney'];
const GRANS = ['day', 'week', 'month', 'quarter'];

export function defaults() {
  return { from: '', to: '', tz: 'UTC', gran: 'week', where: {} };
}

export function fromHash(hash) {
  const f = defaults();
  const q = new URLSearchParams((hash || '').replace(/^#/, ''));
  for (const k of ['from', 'to', 'tz', 'gran']) if (q.get(k)) f[k] = q.get(k);
  for (const w of q.getAll('w')) {
    const i = w.indexOf('=');
    if (i > 0) f.where[w.slice(0, i)] = w.slice(i + 1);
  }
  return { filters: f, lang: q.get('lang') };
}

export function toHash(f, lang) {
  const q = new URLSearchParams();
  for (const k of ['from', 'to', 'tz', 'gran']) if (f[k]) q.set(k, f[k]);
  for (const [k, v] of Object.entries(f.where)) if (v) q.append('w', k + '=' + v);
  if (lang) q.set('lang', lang);
  return '#' + q.toString();
}

function dimLabel(col) {
  return has(col) ? t(col) : col;
}

function field(id, label, input) {
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
}

// Draws the live filter form into form; onApply(filters) on submit.
export function renderLive(form, f, dims, onApply) {
  clear(form);
  form.append(h('h2', { id: 'filters-title', class: 'sr-only', text: t('filters') }));
  const from = h('input', { id: 'f-from', name: 'from', type: 'date', value: f.from });
  const to = h('input', { id: 'f-to', name: 'to', type: 'date', value: f.to });
  const tz = h('input', { id: 'f-tz', name: 'tz', list: 'f-zones', value: f.tz, autocomplete: 'off', spellcheck: 'false' });
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = h('datalist', { id: 'f-zones' }, [...new Set([local, ...ZONES])].filter(Boolean).map((z) => h('option', { value: z })));
  const gran = h('select', { id: 'f-gran', name: 'gran' }, GRANS.map((g) => h('option', { value: g, selected: g === f.gran, text: t(g) })));
  form.append(field('f-from', t('from'), from), field('f-to', t('to'), to), field('f-tz', t('tz'), tz), zones, field('f-gran', t('interval'), gran));
  const selects = [];
  for (const [stream, s] of Object.entries((dims && dims.streams) || {})) {
    if (stream !== 'tickets') continue; // report filters apply to ticket columns
    for (const [col, values] of Object.entries(s.dimensions || {})) {
      if (!values.length) continue;
      const id = 'f-dim-' + col.replace(/[^A-Za-z0-9_-]/g, '_');
      const sel = h(
        'select',
        { id, 'data-col': col },
        h('option', { value: '', text: t('all') }),
        values.map((v) => h('option', { value: v.value, selected: f.where[col] === v.value, text: v.value + ' (' + v.n + ')' })),
      );
      selects.push(sel);
      form.append(field(id, dimLabel(col), sel));
    }
  }
  const apply = h('button', { type: 'submit', id: 'f-apply', text: t('apply') });
  const reset = h('button', { type: 'button', id: 'f-reset', class: 'secondary', text: t('reset') });
  form.append(h('div', { class: 'field buttons' }, apply, reset));
  form.onsubmit = (e) => {
    e.preventDefault();
    const where = {};
    for (const s of selects) if (s.value) where[s.dataset.col] = s.value;
    onApply({ from: from.value, to: to.value, tz: tz.value.trim() || 'UTC', gran: gran.value, where });
  };
  reset.onclick = () => onApply(defaults());
}

// The fixed filters of a static page, as text.
export function renderStatic(form, f) {
  clear(form);
  const period = f.from || f.to ? (f.from || '…') + ' – ' + (f.to || '…') : t('all_data');
  const parts = [h('span', null, h('strong', { text: t('period') + ': ' }), period), h('span', null, h('strong', { text: t('tz') + ': ' }), f.tz || 'UTC')];
  for (const [k, v] of Object.entries(f.where || {})) parts.push(h('span', null, h('strong', { text: dimLabel(k) + ': ' }), v));
  form.append(h('h2', { id: 'filters-title', class: 'sr-only', text: t('filters') }), h('p', { class: 'fixed' }, parts));
}
