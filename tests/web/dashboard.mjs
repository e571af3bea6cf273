// dashboard.mjs - the live dashboard in chromium (run by tests/e2e/dashboard.sh
// with CXM_URL, CXM_TOKEN). The fixture (tests/web/fixture) and its numbers,
// worked by hand for 2024-03-01..2024-03-07 (previous: 2024-02-23..29):
//   volume 6 (T1-T6), previous 3 (P1-P3): +3
//   backlog 2 (T4, T5 unresolved), previous 0: +2
//   FRT median of 300, 600, 1800, 3600, 7200 s = 30 min (n = 5; T5 has no
//     response), previous median of 3600, 600, 1200 = 20 min: +10 min
//   CSAT top box: 5, 4, 2, 5 -> 3/4 = 75%, previous 5, 1 -> 50%: +25 pp
//   channel=email: volume 3 (T1, T2, T6), FRT median of 1800, 3600, 7200 = 60 min
// Tags (the fixture's last column; a ticket has a tag when a ';'-piece,
// spaces trimmed, is it):
//   P1 billing, P2 -, P3 login, T1 billing;refund, T2 refund,
//   T3 login;;Billing, T4 "login ; vip", T5 vip;vip, T6 billing;vip
//   the list: billing 3, login 3, vip 3, refund 2, Billing 1 (case kept)
//   tags=vip: T4, T5, T6: volume 3 (previous 0: +3), FRT median of 600
//     (T4) and 7200 (T6) = 3900 s = 65 min (n = 2; T5 none), backlog 2 (T4, T5)
//   tags=vip,refund (any of): T1, T2, T4, T5, T6: volume 5, FRT median of
//     1800, 3600, 600, 7200 = 2700 s = 45 min (n = 4), backlog 2
//   (CSAT under a tags filter is not checked: the answers' join to their
//   tickets compares the whole tag list, src/metrics/surveys.c where_keep)
import { launch, watch, ready, check, eq, tileText, canvases, overflow, shot, summary } from './lib.mjs';

const base = process.env.CXM_URL;
const token = process.env.CXM_TOKEN;
const period = '#from=2024-03-01&to=2024-03-07&tz=UTC&gran=day';
const local = (u) => u.startsWith(base) || u.startsWith('data:');

async function drillIds(page) {
  await page.waitForFunction(() => {
    const t = document.getElementById('drill-table');
    return !document.getElementById('drill').hidden && t.dataset.total !== undefined && t.querySelector('tbody');
  });
  return page.evaluate(() => ({
    total: document.getElementById('drill-table').dataset.total,
    ids: [...document.querySelectorAll('#drill-table tbody tr td:first-child')].map((td) => td.textContent),
  }));
}

async function openDrill(page, metric) {
  await page.evaluate(() => {
    const t = document.getElementById('drill-table');
    delete t.dataset.total;
    while (t.firstChild) t.removeChild(t.firstChild);
  });
  await page.click(`.tile[data-metric="${metric}"]`);
  return drillIds(page);
}

// Applies the filter form and waits for the views drawn with volume `volume`.
async function apply(page, volume) {
  await page.click('#f-apply');
  await page.waitForFunction(
    (v) => document.body.dataset.ready === '1' && document.querySelector('.tile[data-metric="volume"] .tile-value').textContent === v,
    volume,
  );
}

const b = await launch();
try {
  const page = await b.ctx.newPage();
  watch(page, 'live', local);

  // no token yet: the page asks for one
  await page.goto(base + '/' + period + '&lang=en');
  await page.waitForSelector('#token-panel:not([hidden])');
  check('asks for a token', await page.isVisible('#token-input'));
  await page.fill('#token-input', token);
  await page.click('#token-save');
  await ready(page);
  eq('token kept in localStorage', await page.evaluate(() => localStorage.getItem('cxm.token')), token);

  // tiles
  eq('volume', await tileText(page, 'volume', '.tile-value'), '6');
  eq('volume change', await tileText(page, 'volume', '.delta'), '+3');
  eq('volume n', await tileText(page, 'volume', '.n'), 'n = 6');
  eq('backlog', await tileText(page, 'backlog', '.tile-value'), '2');
  eq('backlog change', await tileText(page, 'backlog', '.delta'), '+2');
  eq('frt median', await tileText(page, 'frt', '.tile-value'), '30 min');
  eq('frt change', await tileText(page, 'frt', '.delta'), '+10 min');
  eq('frt n', await tileText(page, 'frt', '.n'), 'n = 5');
  eq('csat', await tileText(page, 'csat', '.tile-value'), '75%');
  eq('csat change', await tileText(page, 'csat', '.delta'), '+25 pp');
  eq('csat significance', await tileText(page, 'csat', '.sig'), 'not significant (p = 0.54)');
  check('csat interval shown', /95% interval 30(\.1)?% – 95\.4%/.test(await page.locator('.tile[data-metric="csat"]').textContent()));

  // accessibility basics: every control has a label, tiles are named buttons, charts are named images
  const a11y = await page.evaluate(() => ({
    unlabelled: [...document.querySelectorAll('input, select')].filter((e) => !e.labels || !e.labels.length || !e.labels[0].textContent.trim()).map((e) => e.id),
    unnamedTiles: [...document.querySelectorAll('button.tile')].filter((e) => !e.getAttribute('aria-label')).length,
    unnamedCharts: [...document.querySelectorAll('.chart')].filter((e) => e.getAttribute('role') !== 'img' || !e.getAttribute('aria-label')).length,
  }));
  eq('every control labelled', a11y.unlabelled, []);
  eq('tiles named', a11y.unnamedTiles, 0);
  eq('charts named', a11y.unnamedCharts, 0);

  // charts
  const cv = await canvases(page);
  check('charts drawn (at least 5 canvases)', cv.total >= 5, cv);
  eq('every canvas has pixels', cv.drawn, cv.total);
  check('percentile profile chart', (await page.locator('.chart[data-metric="frt"]').count()) === 2);
  check('survey distribution chart', (await page.locator('.chart[data-metric="distribution-csat"]').count()) === 1);
  check('backlog chart', (await page.locator('.chart[data-metric="backlog"] canvas').count()) === 1);
  await shot(page, 'dashboard-en');

  // languages: the page's words (own table) and the metric names (engine)
  await page.selectOption('#lang', 'zh-Hans');
  await page.waitForFunction(() => document.getElementById('h-kpi') && document.getElementById('h-kpi').textContent === '关键指标');
  eq('zh-Hans heading', await page.textContent('#h-kpi'), '关键指标');
  eq('zh-Hans metric name', await tileText(page, 'volume', '.tile-label'), '客户请求量');
  eq('zh-Hans html lang', await page.getAttribute('html', 'lang'), 'zh-Hans');
  await shot(page, 'dashboard-zh-Hans');
  await page.selectOption('#lang', 'ja');
  await page.waitForFunction(() => document.getElementById('h-kpi').textContent === '主要指標');
  eq('ja heading', await page.textContent('#h-kpi'), '主要指標');
  eq('ja metric name', await tileText(page, 'volume', '.tile-label'), '問い合わせ件数');
  eq('ja apply button', await page.textContent('#f-apply'), '適用');
  eq('ja tags filter label', await page.textContent('#f-dim-tags-label'), 'タグ（いずれかを含む）');
  await shot(page, 'dashboard-ja');
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.getElementById('h-kpi').textContent === 'Key figures');

  // drill-down: the records behind a number
  let d = await openDrill(page, 'volume');
  eq('volume drill total', d.total, '6');
  eq('volume drill rows', d.ids.join(','), 'T1,T2,T3,T4,T5,T6');
  d = await openDrill(page, 'frt');
  eq('frt drill total (n)', d.total, '5');
  eq('frt drill rows', d.ids.join(','), 'T1,T2,T3,T4,T6');
  d = await openDrill(page, 'backlog');
  eq('backlog drill: open at the end', d.ids.join(','), 'T4,T5');
    d = await openDrill(page, 'csat');
  eq('csat drill: the period comments', d.total, '4');
  eq('csat drill rows', d.ids.join(','), 'R3,R4,R5,R6');
  const r5 = await page.evaluate(() => {
    const row = [...document.querySelectorAll('#drill-table tbody tr')].find((tr) => tr.firstChild.textContent === 'R5');
    return { text: row.lastChild.textContent, elements: row.lastChild.querySelectorAll('*').length };
  });
  eq('comment text kept as text', r5.text, 'Not <b>helpful</b> <img src=x onerror=alert(1)>');
  eq('comment made no elements', r5.elements, 0);
  await shot(page, 'dashboard-drill');

  // drill-down from a chart: click the first day's bar of the volume chart
  // (found by its colour on the canvas): that day's tickets only
  const bar = await page.evaluate(() => {
    const c = document.querySelector('.chart[data-metric="volume"] canvas');
    c.scrollIntoView({ block: 'center' }); /* the drill panel scrolled the page down */
    const g = c.getContext('2d');
    const d = g.getImageData(0, 0, c.width, c.height).data;
    for (let x = 0; x < c.width; x++)
      for (let y = Math.floor(c.height / 2); y < c.height; y++) {
        const i = (y * c.width + x) * 4;
        if (d[i] === 31 && d[i + 1] === 95 && d[i + 2] === 168) {
          const r = c.getBoundingClientRect();
          return { x: r.left + (x + 4) * (r.width / c.width), y: r.top + (y + 4) * (r.height / c.height) };
        }
      }
    return null;
  });
  check('volume bar found on the canvas', !!bar);
  if (bar) {
    await page.evaluate(() => {
      const t = document.getElementById('drill-table');
      delete t.dataset.total;
      while (t.firstChild) t.removeChild(t.firstChild);
    });
    await page.mouse.click(bar.x, bar.y);
    d = await drillIds(page);
    eq('chart drill: the first day', d.ids.join(','), 'T1');
    eq('chart drill title', await page.textContent('#drill-title'), 'Records: Contact volume · 2024-03-01');
  }

  // a dimension filter
  await page.selectOption('#f-dim-channel', 'email');
  await apply(page, '3');
  eq('email volume', await tileText(page, 'volume', '.tile-value'), '3');
  eq('email frt median', await tileText(page, 'frt', '.tile-value'), '60 min');
  check('filter in the URL', page.url().includes('w=channel%3Demail'), page.url());
  d = await openDrill(page, 'volume');
  eq('email drill rows', d.ids.join(','), 'T1,T2,T6');

  // tags: a list of checkboxes, most tickets first; one tag, then any of two
  await page.selectOption('#f-dim-channel', '');
  eq('tags filter label', await page.textContent('#f-dim-tags-label'), 'Tags (any of)');
  eq('tags filter shows all', await page.textContent('#f-dim-tags summary'), 'All');
  await page.click('#f-dim-tags summary');
  eq('tag choices with counts', await page.$$eval('#f-dim-tags .multi-list label', (ls) => ls.map((l) => l.textContent.trim())), [
    'billing (3)',
    'login (3)',
    'vip (3)',
    'refund (2)',
    'Billing (1)',
  ]);
  await page.check('#f-dim-tags input[value="vip"]');
  eq('tags summary names the choice', await page.textContent('#f-dim-tags summary'), 'vip');
  await shot(page, 'dashboard-tags-list');
  await apply(page, '3');
  eq('vip volume', await tileText(page, 'volume', '.tile-value'), '3');
  eq('vip volume change', await tileText(page, 'volume', '.delta'), '+3');
  eq('vip frt median', await tileText(page, 'frt', '.tile-value'), '65 min');
  eq('vip frt n', await tileText(page, 'frt', '.n'), 'n = 2');
  eq('vip backlog', await tileText(page, 'backlog', '.tile-value'), '2');
  check('tag in the URL', page.url().includes('w=tags%3Dvip') && !page.url().includes('channel'), page.url());
  d = await openDrill(page, 'volume');
  eq('vip drill rows', d.ids.join(','), 'T4,T5,T6');
  d = await openDrill(page, 'frt');
  eq('vip frt drill rows', d.ids.join(','), 'T4,T6');
  await shot(page, 'dashboard-tags');

  await page.click('#f-dim-tags summary');
  await page.check('#f-dim-tags input[value="refund"]');
  await apply(page, '5');
  eq('vip or refund volume', await tileText(page, 'volume', '.tile-value'), '5');
  eq('vip or refund frt median', await tileText(page, 'frt', '.tile-value'), '45 min');
  eq('vip or refund frt n', await tileText(page, 'frt', '.n'), 'n = 4');
  eq('vip or refund backlog', await tileText(page, 'backlog', '.tile-value'), '2');
  check('both tags in the URL', page.url().includes('w=tags%3Dvip%2Crefund'), page.url());
  d = await openDrill(page, 'volume');
  eq('vip or refund drill rows', d.ids.join(','), 'T1,T2,T4,T5,T6');

  // the URL alone brings the choice back
  const linked = await b.ctx.newPage();
  watch(linked, 'linked', local);
  await linked.goto(page.url());
  await ready(linked);
  eq('linked: volume', await tileText(linked, 'volume', '.tile-value'), '5');
  eq('linked: tags checked', await linked.$$eval('#f-dim-tags input:checked', (bs) => bs.map((x) => x.value)), ['vip', 'refund']);
  eq('linked: summary', await linked.textContent('#f-dim-tags summary'), 'vip, refund');
  await linked.close();

  // a phone
  const phone = await b.ctx.newPage();
  watch(phone, 'phone', local);
  await phone.setViewportSize({ width: 375, height: 812 });
  await phone.goto(base + '/' + period + '&lang=en');
  await ready(phone);
  eq('phone: volume', await tileText(phone, 'volume', '.tile-value'), '6');
  const o = await overflow(phone);
  check('phone: no horizontal overflow', o.scroll <= 375, o);
  const pc = await canvases(phone);
  check('phone: charts drawn', pc.total >= 5 && pc.drawn === pc.total, pc);
  await shot(phone, 'dashboard-phone');
} catch (e) {
  check('no exception', false, String(e && e.stack ? e.stack : e));
} finally {
  await b.close();
}
process.exit(summary('dashboard'));
