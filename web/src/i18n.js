// i18n.js - the dashboard's own words in en, zh-Hans, zh-Hant, ja and ms.
// Metric names are not here: they come from the engine (GET /v1/catalog?lang=,
// or the labels embedded by `cxm report --format html`), so the CLI, the API
// and the dashboard name a metric the same way. Placeholders: {name}.

export const LANGS = ['en', 'zh-Hans', 'zh-Hant', 'ja', 'ms'];

const S = {
  title: ['Customer experience dashboard', '客户体验仪表板', '客戶體驗儀表板', '顧客体験ダッシュボード', 'Papan pemuka pengalaman pelanggan'],
  skip: ['Skip to content', '跳到内容', '跳至內容', 'コンテンツへ移動', 'Langkau ke kandungan'],
  language: ['Language', '语言', '語言', '言語', 'Bahasa'],
  filters: ['Filters', '筛选条件', '篩選條件', 'フィルター', 'Penapis'],
  from: ['From', '开始日期', '開始日期', '開始日', 'Dari'],
  to: ['To', '结束日期', '結束日期', '終了日', 'Hingga'],
  tz: ['Time zone', '时区', '時區', 'タイムゾーン', 'Zon waktu'],
  interval: ['Interval', '时间间隔', '時間間隔', '集計間隔', 'Selang'],
  day: ['Day', '日', '日', '日', 'Hari'],
  week: ['Week', '周', '週', '週', 'Minggu'],
  month: ['Month', '月', '月', '月', 'Bulan'],
  quarter: ['Quarter', '季度', '季度', '四半期', 'Suku tahun'],
  all: ['All', '全部', '全部', 'すべて', 'Semua'],
  apply: ['Apply', '应用', '套用', '適用', 'Guna'],
  reset: ['Reset', '重置', '重設', 'リセット', 'Set semula'],
  channel: ['Channel', '渠道', '管道', 'チャネル', 'Saluran'],
  team: ['Team', '团队', '團隊', 'チーム', 'Pasukan'],
  agent: ['Agent', '客服人员', '客服人員', '担当者', 'Ejen'],
  priority: ['Priority', '优先级', '優先級', '優先度', 'Keutamaan'],
  status: ['Status', '状态', '狀態', 'ステータス', 'Status'],
  survey: ['Survey', '调查', '調查', 'アンケート', 'Tinjauan'],
  // the engine's where tags=A,B keeps a ticket that has A or B (or both)
  tags: ['Tags (any of)', '标签（含任一）', '標籤（含任一）', 'タグ（いずれかを含む）', 'Tag (mana-mana satu)'],
  tags_any_help: [
    'Tickets that have at least one of the chosen tags',
    '至少包含一个所选标签的工单',
    '至少包含一個所選標籤的工單',
    '選択したタグのうち少なくとも 1 つを含むチケット',
    'Tiket yang mempunyai sekurang-kurangnya satu daripada tag yang dipilih',
  ],
  token_title: ['Sign in with a read token', '使用读取令牌登录', '使用讀取權杖登入', '読み取りトークンでサインイン', 'Log masuk dengan token baca'],
  token_label: ['Read token', '读取令牌', '讀取權杖', '読み取りトークン', 'Token baca'],
  token_save: ['Save', '保存', '儲存', '保存', 'Simpan'],
  token_help: [
    'Create one with: cxm token create --store FILE --scopes read. It is kept in this browser only.',
    '用以下命令创建：cxm token create --store FILE --scopes read。令牌只保存在此浏览器中。',
    '用以下指令建立：cxm token create --store FILE --scopes read。權杖只保存在此瀏覽器中。',
    '次のコマンドで作成します: cxm token create --store FILE --scopes read。トークンはこのブラウザーにのみ保存されます。',
    'Cipta dengan: cxm token create --store FILE --scopes read. Token disimpan dalam pelayar ini sahaja.',
  ],
  token_change: ['Change token', '更换令牌', '更換權杖', 'トークンを変更', 'Tukar token'],
  token_refused: [
    'The token was refused: enter a read token.',
    '令牌被拒绝：请输入读取令牌。',
    '權杖被拒絕：請輸入讀取權杖。',
    'トークンが拒否されました。読み取りトークンを入力してください。',
    'Token ditolak: masukkan token baca.',
  ],
  empty_store: [
    'The store holds no data yet: import tickets or survey answers (cxm import, or POST /v1/tickets).',
    '存储中还没有数据：请先导入工单或调查回复（cxm import，或 POST /v1/tickets）。',
    '儲存區中還沒有資料：請先匯入工單或調查回覆（cxm import，或 POST /v1/tickets）。',
    'ストアにはまだデータがありません。チケットまたはアンケート回答を取り込んでください（cxm import または POST /v1/tickets）。',
    'Stor belum mempunyai data: import tiket atau jawapan tinjauan dahulu (cxm import, atau POST /v1/tickets).',
  ],
  loading: ['Loading…', '加载中…', '載入中…', '読み込み中…', 'Memuatkan…'],
  updated: ['Updated {time}', '更新于 {time}', '更新於 {time}', '{time} に更新', 'Dikemas kini {time}'],
  // the server answered from its cache while a refresh runs: how far behind the data
  updated_behind: [
    'Updated {time}, {behind} s behind the latest data (refreshing)',
    '更新于 {time}，落后最新数据 {behind} 秒（正在刷新）',
    '更新於 {time}，落後最新資料 {behind} 秒（正在重新整理）',
    '{time} に更新、最新データより {behind} 秒遅れ（更新中）',
    'Dikemas kini {time}, {behind} saat di belakang data terkini (sedang dikemas kini)',
  ],
  load_error: ['Could not load: {msg}', '无法加载：{msg}', '無法載入：{msg}', '読み込めませんでした: {msg}', 'Tidak dapat dimuatkan: {msg}'],
  'view.kpi': ['Key figures', '关键指标', '關鍵指標', '主要指標', 'Angka utama'],
  'view.trends': ['Trends', '趋势', '趨勢', '推移', 'Trend'],
  'view.distributions': ['Distributions', '分布', '分佈', '分布', 'Taburan'],
  'view.sla': ['Service levels (SLA)', '服务水平 (SLA)', '服務水準 (SLA)', 'サービスレベル (SLA)', 'Tahap perkhidmatan (SLA)'],
  'view.backlog': ['Backlog', '积压工单', '積壓工單', '未処理チケット', 'Tunggakan'],
  vs_prev: ['vs previous period', '较上一期', '較上一期', '前期間比', 'berbanding tempoh sebelumnya'],
  previous: ['previous: {v}', '上期：{v}', '上期：{v}', '前期間: {v}', 'sebelumnya: {v}'],
  no_prev: [
    'choose From and To to compare',
    '选择开始和结束日期以进行比较',
    '選擇開始與結束日期以進行比較',
    '比較するには開始日と終了日を選択',
    'pilih Dari dan Hingga untuk membandingkan',
  ],
  significant: ['significant (p = {p})', '显著 (p = {p})', '顯著 (p = {p})', '有意 (p = {p})', 'signifikan (p = {p})'],
  not_significant: ['not significant (p = {p})', '不显著 (p = {p})', '不顯著 (p = {p})', '有意差なし (p = {p})', 'tidak signifikan (p = {p})'],
  ci: ['95% interval {lo} – {hi}', '95% 置信区间 {lo} – {hi}', '95% 信賴區間 {lo} – {hi}', '95% 信頼区間 {lo} – {hi}', 'Selang keyakinan 95% {lo} – {hi}'],
  low_n: ['few answers: read with care', '样本较少，请谨慎解读', '樣本較少，請審慎解讀', '回答数が少ないため参考値', 'sedikit jawapan: baca dengan berhati-hati'],
  no_data: ['No data for these filters', '当前筛选条件下无数据', '目前篩選條件下無資料', 'この条件に該当するデータはありません', 'Tiada data untuk penapis ini'],
  median: ['median', '中位数', '中位數', '中央値', 'median'],
  show_records: ['Show the records behind {what}', '查看 {what} 的明细记录', '查看 {what} 的明細記錄', '{what} の明細を表示', 'Tunjukkan rekod di sebalik {what}'],
  drill_title: ['Records: {what}', '明细记录：{what}', '明細記錄：{what}', '明細: {what}', 'Rekod: {what}'],
  drill_summary: ['{total} records; showing {a}–{b}', '共 {total} 条记录，显示第 {a}–{b} 条', '共 {total} 筆記錄，顯示第 {a}–{b} 筆', '全 {total} 件中 {a}–{b} 件を表示', '{total} rekod; memaparkan {a}–{b}'],
  drill_none: ['No records', '没有记录', '沒有記錄', '該当する記録はありません', 'Tiada rekod'],
  close: ['Close', '关闭', '關閉', '閉じる', 'Tutup'],
  prev_page: ['Previous', '上一页', '上一頁', '前へ', 'Sebelumnya'],
  next_page: ['Next', '下一页', '下一頁', '次へ', 'Seterusnya'],
  static_note: [
    'Static report made by cxm report --format html: the filters are fixed and the records behind a number need the live dashboard (cxm serve).',
    '由 cxm report --format html 生成的静态报告：筛选条件固定；查看明细记录需要使用在线仪表板（cxm serve）。',
    '由 cxm report --format html 產生的靜態報告：篩選條件固定；查看明細記錄需要使用線上儀表板（cxm serve）。',
    'cxm report --format html で作成した静的レポートです。フィルターは固定で、明細の表示にはライブ版ダッシュボード（cxm serve）が必要です。',
    'Laporan statik daripada cxm report --format html: penapis adalah tetap dan rekod terperinci memerlukan papan pemuka langsung (cxm serve).',
  ],
  live_note: ['Live data from the cxm service', '来自 cxm 服务的实时数据', '來自 cxm 服務的即時資料', 'cxm サービスのライブデータ', 'Data langsung daripada perkhidmatan cxm'],
  period: ['Period', '期间', '期間', '期間', 'Tempoh'],
  all_data: ['all data', '全部数据', '全部資料', '全期間', 'semua data'],
  profile: ['{metric}: percentile profile', '{metric}：百分位分布', '{metric}：百分位分佈', '{metric}: パーセンタイル分布', '{metric}: profil persentil'],
  share: ['Share of answers (%)', '回答占比 (%)', '回答占比 (%)', '回答の割合 (%)', 'Bahagian jawapan (%)'],
  score: ['Score', '分数', '分數', 'スコア', 'Skor'],
  first_response: ['First response', '首次响应', '首次回應', '初回応答', 'Respons pertama'],
  next_reply: ['Next reply', '后续回复', '後續回覆', '次回返信', 'Balasan seterusnya'],
  resolution: ['Resolution', '解决', '解決', '解決', 'Penyelesaian'],
  met_share: ['Met within target (%)', '在目标内达成 (%)', '在目標內達成 (%)', '目標内の達成率 (%)', 'Dicapai dalam sasaran (%)'],
  no_sla: [
    'No SLA targets were given: start cxm serve (or cxm report) with --sla FILE.',
    '未提供 SLA 目标：请以 --sla FILE 启动 cxm serve（或运行 cxm report）。',
    '未提供 SLA 目標：請以 --sla FILE 啟動 cxm serve（或執行 cxm report）。',
    'SLA 目標が指定されていません。cxm serve（または cxm report）を --sla FILE 付きで実行してください。',
    'Tiada sasaran SLA diberi: mulakan cxm serve (atau cxm report) dengan --sla FILE.',
  ],
  backlog_note: [
    'Open tickets at the end of each interval, and tickets created in it',
    '每个时间段结束时的未解决工单，以及该时间段内新建的工单',
    '每個時間段結束時的未解決工單，以及該時間段內新建的工單',
    '各期間末の未解決チケットと、その期間に作成されたチケット',
    'Tiket terbuka pada akhir setiap selang, dan tiket yang dicipta dalamnya',
  ],
  not_in_report: ['Not in this report', '本报告中没有此项', '本報告中沒有此項', 'このレポートには含まれていません', 'Tiada dalam laporan ini'],
  sec: ['{v} s', '{v} 秒', '{v} 秒', '{v} 秒', '{v} saat'],
  min: ['{v} min', '{v} 分钟', '{v} 分鐘', '{v} 分', '{v} minit'],
  hour: ['{v} h', '{v} 小时', '{v} 小時', '{v} 時間', '{v} jam'],
  dayu: ['{v} d', '{v} 天', '{v} 天', '{v} 日', '{v} hari'],
  hours_axis: ['hours', '小时', '小時', '時間', 'jam'],
};

let current = 'en';

export function setLang(lang) {
  current = LANGS.includes(lang) ? lang : 'en';
  document.documentElement.lang = current;
}

export function getLang() {
  return current;
}

// The word for key in the current language, placeholders filled from vars.
export function t(key, vars) {
  const row = S[key];
  let s = row ? row[LANGS.indexOf(current)] || row[0] : key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// 1 if there is a word for key (dimension names, targets).
export function has(key) {
  return Object.prototype.hasOwnProperty.call(S, key);
}

// For tests of the table: every key has five non-empty entries.
export function missing() {
  return Object.entries(S)
    .filter(([, v]) => v.length !== LANGS.length || v.some((x) => !x))
    .map(([k]) => k);
}
