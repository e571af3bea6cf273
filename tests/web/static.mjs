// static.mjs - the page of `cxm report --format html` in chromium, from
// file:// with the network cut (run by tests/e2e/report_html.sh with
// CXM_HTML). Same fixture and hand-worked numbers as dashboard.mjs
// (2024-03-01..07: volume 6 (+3), backlog 2, FRT median 30 min (+10 min),
// CSAT 75% (+25 pp)); the page was made with --where 'team!=<none>', whose
// text must show as text.
import { launch, watch, ready, check, eq, tileText, canvases, overflow, shot, summary } from './lib.mjs';

const file = 'file://' + process.env.CXM_HTML;
const b = await launch();
try {
  await b.ctx.setOffline(true);
  await b.ctx.route(/^(https?|wss?):/, (route) => {
    check('no network request: ' + route.request().url(), false);
    route.abort();
  });
  const page = await b.ctx.newPage();
  watch(page, 'static', (u) => u.startsWith('file:') || u.startsWith('data:'));
  await page.goto(file);
  await ready(page);
  check('no token asked', await page.isHidden('#token-panel'));
  eq('volume', await tileText(page, 'volume', '.tile-value'), '6');
  eq('volume change', await tileText(page, 'volume', '.delta'), '+3');
  eq('backlog', await tileText(page, 'backlog', '.tile-value'), '2');
  eq('frt median', await tileText(page, 'frt', '.tile-value'), '30 min');
  eq('frt change', await tileText(page, 'frt', '.delta'), '+10 min');
  eq('csat', await tileText(page, 'csat', '.tile-value'), '75%');
  eq('csat change', await tileText(page, 'csat', '.delta'), '+25 pp');
  eq('tiles are not buttons (no drill-down offline)', await page.locator('button.tile').count(), 0);
  const fixed = await page.textContent('#filters');
  check('fixed filters shown', fixed.includes('2024-03-01 – 2024-03-07'), fixed);
  check('a filter value with < shown as text', fixed.includes('<none>'), fixed);
  eq('filter made no element', await page.locator('#filters b, #filters none').count(), 0);
  const cv = await canvases(page);
  check('charts drawn', cv.total >= 5 && cv.drawn === cv.total, cv);
  await shot(page, 'report-html-en');
  await page.selectOption('#lang', 'zh-Hant');
  await page.waitForFunction(() => document.getElementById('h-kpi').textContent === '關鍵指標');
  eq('zh-Hant metric name offline', await tileText(page, 'volume', '.tile-label'), '客戶請求量');
  await page.selectOption('#lang', 'ms');
  await page.waitForFunction(() => document.getElementById('h-kpi').textContent === 'Angka utama');
  eq('ms metric name offline', await tileText(page, 'volume', '.tile-label'), 'Jumlah permintaan pelanggan');

  const phone = await b.ctx.newPage();
  await phone.setViewportSize({ width: 375, height: 812 });
  await phone.goto(file);
  await ready(phone);
  const o = await overflow(phone);
  check('phone: no horizontal overflow', o.scroll <= 375, o);
  await shot(phone, 'report-html-phone');
} catch (e) {
  check('no exception', false, String(e && e.stack ? e.stack : e));
} finally {
  await b.close();
}
process.exit(summary('report --format html'));
