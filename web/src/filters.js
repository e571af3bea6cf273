// filters.js - the filter bar: period (from, to), time zone, interval and
// one select per dimension of the store (GET /v1/dimensions: channel, team,
// agent, priority, status, survey and any extra column). A multi-valued
// dimension (named in the stream's "multi": the tickets' tags) is a list of
// checkboxes instead; choosing several sends COL=A,B, which the engine reads
// as "has any of them" (a ticket with tag A or tag B). The state lives in
// the URL's hash (#from=..&to=..&tz=..&gran=..&lang=..&w=channel%3Demail
// &w=tags%3Dbilling%2Cvip), so a view can be linked and reloaded. Static
// pages show the fixed filters.
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

// An open list closes when a click lands outside it (one listener for the page).
let closer = false;
function installCloser() {
  if (closer) return;
  closer = true;
  document.addEventListener('click', (e) => {
    for (const d of document.querySelectorAll('details.multi[open]')) if (!d.contains(e.target)) d.open = false;
  });
}

// A multi-valued dimension: a disclosure holding one checkbox per value
// (values with a comma are left out: the comma separates where's values).
// The summary says what is chosen. Returns {el, value()}: value() is the
// chosen values joined with ',' ('' for none).
function multiField(id, col, values, current) {
  const chosen = new Set((current || '').split(',').filter(Boolean));
  const listed = values.filter((v) => !v.value.includes(','));
  // a value in the URL that the list does not show (past the first 200) stays chosen
  for (const c of chosen) if (!listed.some((v) => v.value === c)) listed.push({ value: c, n: null });
  const labelId = id + '-label';
  const summaryText = h('span', { id: id + '-chosen' });
  const boxes = listed.map((v, i) =>
    h('input', { type: 'checkbox', id: id + '-' + i, value: v.value, checked: chosen.has(v.value), 'data-col': col }),
  );
  const show = () => {
    const on = boxes.filter((b) => b.checked).map((b) => b.value);
    summaryText.textContent = on.length ? on.join(', ') : t('all');
  };
  boxes.forEach((b) => b.addEventListener('change', show));
  show();
  const label = h('span', { class: 'field-label', id: labelId, text: dimLabel(col) });
  const list = h(
    'fieldset',
    { class: 'multi-list' },
    h('legend', { class: 'sr-only', text: t('tags_any_help') }),
    boxes.map((b, i) => h('label', { for: b.id }, b, ' ' + listed[i].value + (listed[i].n === null ? '' : ' (' + listed[i].n + ')'))),
  );
  const details = h(
    'details',
    { id, class: 'multi', 'data-col': col },
    h('summary', { 'aria-labelledby': labelId + ' ' + summaryText.id, title: t('tags_any_help') }, summaryText),
    list,
  );
  installCloser();
  details.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && details.open) {
      details.open = false;
      details.querySelector('summary').focus();
    }
  });
  return {
    el: h('div', { class: 'field' }, label, details),
    col,
    value: () => boxes.filter((b) => b.checked).map((b) => b.value).join(','),
  };
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
  const multis = [];
  for (const [stream, s] of Object.entries((dims && dims.streams) || {})) {
    if (stream !== 'tickets') continue; // report filters apply to ticket columns
    const multi = new Set(s.multi || []);
    for (const [col, values] of Object.entries(s.dimensions || {})) {
      if (!values.length) continue;
      const id = 'f-dim-' + col.replace(/[^A-Za-z0-9_-]/g, '_');
      if (multi.has(col)) {
        const m = multiField(id, col, values, f.where[col]);
        multis.push(m);
        form.append(m.el);
        continue;
      }
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
    for (const m of multis) if (m.value()) where[m.col] = m.value();
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
