// units.mjs - the dashboard's plain functions under node (no browser): the
// translation table is complete (five non-empty entries a key), the
// previous period agrees with the C side's examples (tests/unit/test_web.c),
// buckets end where the engine's next one starts, and numbers read right.
// Run by tests/e2e/web_units.sh.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const src = join(process.env.CXM_SOURCE_DIR, 'web', 'src');
globalThis.document = { documentElement: {} }; // setLang sets <html lang>
const i18n = await import(pathToFileURL(join(src, 'i18n.js')));
const q = await import(pathToFileURL(join(src, 'queries.js')));
const fmt = await import(pathToFileURL(join(src, 'format.js')));
const filters = await import(pathToFileURL(join(src, 'filters.js')));
const source = await import(pathToFileURL(join(src, 'source.js')));

let pass = 0;
let fail = 0;
function eq(name, got, want) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g === w) pass++;
  else {
    fail++;
    console.log(`FAIL ${name}: got ${g}, expected ${w}`);
  }
}

eq('every string in five languages', i18n.missing(), []);
eq('languages', i18n.LANGS, ['en', 'zh-Hans', 'zh-Hant', 'ja', 'ms']);
i18n.setLang('ja');
eq('ja word', i18n.t('view.kpi'), '主要指標');
eq('placeholders', i18n.t('drill_summary', { total: 6, a: 1, b: 6 }), '全 6 件中 1–6 件を表示');
eq('behind the data: ja', i18n.t('updated_behind', { time: '12:00', behind: 15 }), '12:00 に更新、最新データより 15 秒遅れ（更新中）');
// X-Cxm-Stale-Ms of a load's answers: the largest; absent or -1 (unknown) counts as current
eq('behind: the worst answer', source.behindMs(['0', '15045', '200']), 15045);
eq('behind: none stale', source.behindMs(['0', null, '-1', '']), 0);
eq('behind: no answers', source.behindMs([]), 0);
i18n.setLang('xx');
eq('unknown language falls back to en', i18n.getLang(), 'en');
eq('unknown key is itself', i18n.t('no.such.key'), 'no.such.key');

eq('previous of March', q.previousPeriod('2024-03-01', '2024-03-31'), { from: '2024-01-30', to: '2024-02-29' });
eq('previous of a week', q.previousPeriod('2024-03-01', '2024-03-07'), { from: '2024-02-23', to: '2024-02-29' });
eq('previous across a year', q.previousPeriod('2024-01-01', '2024-01-07'), { from: '2023-12-25', to: '2023-12-31' });
eq('previous of one day', q.previousPeriod('2023-03-01', '2023-03-01'), { from: '2023-02-28', to: '2023-02-28' });
eq('no previous when reversed', q.previousPeriod('2024-03-07', '2024-03-01'), null);
eq('no previous without dates', q.previousPeriod('', '2024-03-01'), null);
eq('no previous of instants', q.previousPeriod('2024-03-01T00:00:00Z', '2024-03-02'), null);

eq('day bucket', q.bucketEnd('2024-03-05', 'day'), '2024-03-05');
eq('ISO week bucket', q.bucketEnd('2024-02-26', 'week'), '2024-03-03');
eq('February bucket (leap)', q.bucketEnd('2024-02-01', 'month'), '2024-02-29');
eq('quarter bucket', q.bucketEnd('2024-10-01', 'quarter'), '2024-12-31');
eq('year bucket', q.bucketEnd('2024-01-01', 'year'), '2024-12-31');

const ctx = { filters: { from: '2024-03-01', to: '2024-03-07', tz: 'UTC', gran: 'day', where: { channel: 'email', team: '' } }, lang: 'en', hasTickets: true, hasResponses: false, sla: false };
const kpi = q.QUERIES.kpi(ctx);
eq('kpi: no survey metrics without responses', kpi.metrics, 'volume,backlog,frt,resolution_time,fcr,resolution_rate,reopen_rate');
eq('kpi: compare with a period', kpi.compare, 'previous');
eq('kpi: percentile profile', kpi.stats, 'mean,min,p25,p50,p75,p90,p95,p99,max');
eq('kpi: empty filters left out', kpi.where, ['channel=email']);
eq('prev: the period before', [q.QUERIES.prev(ctx).from, q.QUERIES.prev(ctx).to], ['2024-02-23', '2024-02-29']);
eq('trend: by the interval', q.QUERIES.trend(ctx).by, 'day');
eq('no prev without a period', q.QUERIES.prev({ ...ctx, filters: { ...ctx.filters, from: '' } }), null);
eq('sla asked only with targets', q.QUERIES.kpi({ ...ctx, sla: true }).metrics.endsWith(',sla_compliance'), true);

// tags: several chosen tags are one where term, COL=A,B, which the engine
// reads as "has any of them"; the label says so in every language
eq('tags in the kpi query', q.QUERIES.kpi({ ...ctx, filters: { ...ctx.filters, where: { tags: 'vip,refund' } } }).where, ['tags=vip,refund']);
const tagged = { from: '2024-03-01', to: '', tz: 'UTC', gran: 'week', where: { channel: 'email', tags: 'vip,refund' } };
eq('tags in the URL', filters.toHash(tagged, 'ja'), '#from=2024-03-01&tz=UTC&gran=week&w=channel%3Demail&w=tags%3Dvip%2Crefund&lang=ja');
eq('tags from the URL', filters.fromHash('#from=2024-03-01&tz=UTC&gran=week&w=channel%3Demail&w=tags%3Dvip%2Crefund&lang=ja'), { filters: tagged, lang: 'ja' });
const tagLabels = i18n.LANGS.map((l) => (i18n.setLang(l), i18n.t('tags')));
eq('tags label: any of, in five languages', tagLabels, ['Tags (any of)', '标签（含任一）', '標籤（含任一）', 'タグ（いずれかを含む）', 'Tag (mana-mana satu)']);

i18n.setLang('en');
eq('seconds', fmt.duration(45), '45 s');
eq('minutes', fmt.duration(1800), '30 min');
eq('hours', fmt.duration(5 * 3600), '5 h');
eq('days', fmt.duration(3 * 86400), '3 d');
eq('percent', fmt.value(75, 'percent'), '75%');
eq('count', fmt.value(12345, 'count'), '12,345');
eq('null', fmt.value(null, 'count'), '—');
eq('change in points', fmt.change(25, 'percent'), '+25 pp');
eq('negative change', fmt.change(-4, 'count'), '−4');
eq('duration change', fmt.change(600, 'seconds'), '+10 min');
eq('small p', fmt.pvalue(0.0001), '< 0.001');
i18n.setLang('zh-Hans');
eq('zh minutes', fmt.duration(1800), '30 分钟');

console.log(`web units: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
