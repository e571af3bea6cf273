// source.js - where the dashboard's numbers come from. Two modes:
//   live:   the cxm service (GET /v1/metrics, /v1/catalog, /v1/dimensions,
//           /v1/tickets, /v1/comments) with a bearer read token kept in
//           localStorage;
//   static: the data `cxm report --format html` embedded in
//           <script type="application/json" id="cxm-data">: named result
//           sets ("kpi", "prev", "trend"), metric labels and meta; no
//           filters, no drill-down.
// A query is a name and its URL parameters; views ask for names (views/*.js).

const TOKEN_KEY = 'cxm.token';

export class AuthError extends Error {}

function toSearch(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.append(k, v);
  }
  return q.toString();
}

// How far behind the data the slowest answer of a load was, in ms, from
// X-Cxm-Stale-Ms (0: every answer current). The dashboard asks for metrics
// with `Cache-Control: max-stale`: the server answers at once from its cache
// instead of waiting for a refresh (docs/SERVER.md), and the status line
// says how far behind that answer is.
export function behindMs(headerValues) {
  let worst = 0;
  for (const v of headerValues) {
    const n = Number(v);
    if (v !== null && v !== '' && Number.isFinite(n) && n > worst) worst = n;
  }
  return worst;
}

export function liveSource() {
  const labelCache = new Map();
  let stale = [];
  async function get(path, params, extra) {
    const token = localStorage.getItem(TOKEN_KEY) || '';
    const url = path + (params ? '?' + toSearch(params) : '');
    const headers = Object.assign(token ? { Authorization: 'Bearer ' + token } : {}, extra || {});
    const res = await fetch(url, { headers });
    if (extra) stale.push(res.headers.get('X-Cxm-Stale-Ms'));
    let body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    if (res.status === 401 || res.status === 403) throw new AuthError((body && body.error) || String(res.status));
    if (!res.ok) throw new Error((body && body.error) || 'HTTP ' + res.status);
    return body;
  }
  return {
    mode: 'live',
    hasToken: () => !!localStorage.getItem(TOKEN_KEY),
    setToken: (tok) => localStorage.setItem(TOKEN_KEY, tok.trim()),
    embeddedFilters: () => null,
    embeddedLang: () => null,
    dimensions: () => get('/v1/dimensions'),
    metrics: (params) => get('/v1/metrics', params, { 'Cache-Control': 'max-stale' }),
    // the largest staleness of the metrics answers since the last call
    takeBehindMs() {
      const b = behindMs(stale);
      stale = [];
      return b;
    },
    // {id: {name, unit, kind, higher_is_better}} in lang, from the catalog
    async labels(lang) {
      if (!labelCache.has(lang)) {
        const cat = await get('/v1/catalog', { lang });
        const map = {};
        for (const m of cat) map[m.id] = { name: m.name, unit: m.unit, kind: m.kind, higher_is_better: m.higher_is_better };
        labelCache.set(lang, map);
      }
      return labelCache.get(lang);
    },
    tickets: (params) => get('/v1/tickets', params),
    comments: (params) => get('/v1/comments', params),
    canDrill: true,
  };
}

export function staticSource(doc) {
  const data = doc;
  return {
    mode: 'static',
    hasToken: () => true,
    setToken: () => {},
    embeddedFilters: () => data.filters || {},
    embeddedLang: () => data.lang || 'en',
    dimensions: async () => data.dimensions || { streams: {}, sla: !!data.sla },
    // the embedded result set of that name, whatever the parameters
    metrics: async (params, name) => (data.data && data.data[name]) || null,
    async labels(lang) {
      const names = (data.labels && (data.labels[lang] || data.labels.en)) || {};
      const meta = data.meta || {};
      const map = {};
      for (const id of Object.keys(meta)) map[id] = { ...meta[id], name: names[id] || id };
      return map;
    },
    tickets: async () => null,
    comments: async () => null,
    canDrill: false,
  };
}

// The source for this page: static when the data is embedded.
export function pageSource(doc = document) {
  const el = doc.getElementById('cxm-data');
  if (el) {
    try {
      return staticSource(JSON.parse(el.textContent));
    } catch (e) {
      console.error('cxm: embedded data unreadable', e);
    }
  }
  return liveSource();
}
