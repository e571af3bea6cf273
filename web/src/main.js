// main.js - the cxm dashboard (docs/DASHBOARD.md). Runs live (served by
// `cxm serve` at /, numbers from the API with a read token) or static (the
// page `cxm report --format html` writes, numbers embedded). Draws the views
// of views/index.js from the named queries they ask for.
import './style.css';
import { pageSource, AuthError } from './source.js';
import { t, setLang, getLang, LANGS } from './i18n.js';
import { VIEWS } from './views/index.js';
import { QUERIES } from './queries.js';
import { disposeAll } from './charts.js';
import { h, clear } from './dom.js';
import { openDrill, initDrill, labelDrill } from './drill.js';
import { fromHash, toHash, renderLive, renderStatic } from './filters.js';

const source = pageSource();
const $ = (id) => document.getElementById(id);
const state = { filters: null, dims: null, labels: {}, data: {}, loaded: false };

function status(msg, isError) {
  const el = $('status');
  el.textContent = msg || '';
  el.classList.toggle('error', !!isError);
}

function ctx() {
  const streams = (state.dims && state.dims.streams) || {};
  return {
    filters: state.filters,
    lang: getLang(),
    labels: state.labels,
    hasTickets: source.mode === 'static' || !!streams.tickets,
    hasResponses: source.mode === 'static' || !!streams.responses,
    sla: !!(state.dims && state.dims.sla),
    source,
    drill: (spec) => openDrill(spec, ctx()),
  };
}

// The page's fixed words in the current language.
function labelPage() {
  document.title = t('title');
  $('title').textContent = t('title');
  document.querySelector('.skip').textContent = t('skip');
  $('lang-label').textContent = t('language');
  $('token-title').textContent = t('token_title');
  $('token-label').textContent = t('token_label');
  $('token-save').textContent = t('token_save');
  $('token-help').textContent = t('token_help');
  $('token-btn').textContent = t('token_change');
  $('foot-text').textContent = source.mode === 'static' ? t('static_note') : t('live_note');
  labelDrill();
}

function drawFilters() {
  if (source.mode === 'static') renderStatic($('filters'), state.filters);
  else
    renderLive($('filters'), state.filters, state.dims, (f) => {
      state.filters = f;
      history.replaceState(null, '', toHash(f, getLang()));
      load();
    });
}

function drawViews() {
  disposeAll();
  const main = clear($('main'));
  const c = ctx();
  for (const v of VIEWS) {
    const body = h('div', { class: 'view-body' });
    main.append(h('section', { class: 'view', id: 'view-' + v.id, 'aria-labelledby': 'h-' + v.id }, h('h2', { id: 'h-' + v.id, text: t(v.title) }), body));
    try {
      v.render(body, state.data, c);
    } catch (e) {
      console.error(e);
      body.append(h('p', { class: 'error', text: t('load_error', { msg: e.message }) }));
    }
  }
  document.body.dataset.ready = '1';
}

function askToken(refused) {
  $('token-panel').hidden = false;
  $('token-help').textContent = refused ? t('token_refused') + ' ' + t('token_help') : t('token_help');
  $('token-input').focus();
}

async function load() {
  document.body.dataset.ready = '0';
  status(t('loading'));
  try {
    if (!state.dims) {
      state.dims = await source.dimensions();
      drawFilters();
    }
    state.labels = await source.labels(getLang());
    const c = ctx();
    if (!c.hasTickets && !c.hasResponses) {
      $('token-panel').hidden = true;
      $('token-btn').hidden = false;
      clear($('main'));
      status(t('empty_store'));
      document.body.dataset.ready = '1';
      return;
    }
    const names = [...new Set(VIEWS.flatMap((v) => v.queries || []))];
    const data = {};
    if (source.takeBehindMs) source.takeBehindMs(); /* this load's answers only */
    await Promise.all(
      names.map(async (n) => {
        const params = QUERIES[n] ? QUERIES[n](c) : null;
        data[n] = params || source.mode === 'static' ? await source.metrics(params, n) : null;
      }),
    );
    state.data = data;
    state.loaded = true;
    $('token-panel').hidden = true;
    $('token-btn').hidden = source.mode === 'static';
    const behind = source.takeBehindMs ? source.takeBehindMs() : 0;
    const time = new Date().toLocaleTimeString(getLang());
    status(
      source.mode !== 'live'
        ? ''
        : behind >= 1000
          ? t('updated_behind', { time, behind: Math.round(behind / 1000) })
          : t('updated', { time }),
    );
    drawViews();
  } catch (e) {
    if (e instanceof AuthError) {
      status(t('token_refused'), true);
      askToken(true);
    } else {
      status(t('load_error', { msg: e.message }), true);
    }
  }
}

async function switchLang(lang) {
  setLang(lang);
  labelPage();
  drawFilters();
  if (source.mode === 'live') history.replaceState(null, '', toHash(state.filters, getLang()));
  if (!state.loaded) return;
  try {
    state.labels = await source.labels(getLang());
  } catch (e) {
    status(t('load_error', { msg: e.message }), true);
  }
  status('');
  drawViews();
}

function start() {
  const fromUrl = fromHash(location.hash);
  state.filters = source.mode === 'static' ? { ...fromUrl.filters, ...source.embeddedFilters() } : fromUrl.filters;
  if (!state.filters.where) state.filters.where = {};
  const navLang = (navigator.language || 'en').toLowerCase();
  const guess = navLang.startsWith('zh') ? (/(tw|hk|mo|hant)/.test(navLang) ? 'zh-Hant' : 'zh-Hans') : navLang.startsWith('ja') ? 'ja' : navLang.startsWith('ms') ? 'ms' : 'en';
  const lang = LANGS.includes(fromUrl.lang) ? fromUrl.lang : source.embeddedLang() || guess;
  setLang(lang);
  $('lang').value = getLang();
  $('lang').addEventListener('change', (e) => switchLang(e.target.value));
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    source.setToken($('token-input').value);
    $('token-input').value = '';
    load();
  });
  $('token-btn').addEventListener('click', () => askToken(false));
  initDrill();
  labelPage();
  if (source.mode === 'static') drawFilters();
  if (!source.hasToken()) {
    askToken(false);
    return;
  }
  load();
}

start();
