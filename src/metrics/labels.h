/*
 * labels.h - display labels for cxm metric ids and report words, in
 * English, Simplified Chinese, Traditional Chinese, Japanese and Malay.
 *
 * Source of the wording (see docs/SEEDS.md for the full analysis):
 *   Where one of the users' seed articles (/work/shared/seeds/) names the
 *   metric, the label uses that article's own wording:
 *     zh_hans from 000 (Simplified Chinese), ms from 001 (Malay),
 *     ja from 002 (Japanese), zh_hant from 003/004 (Traditional Chinese).
 *   Each entry's comment says which languages come from a seed, as
 *   "seed: <lang> <file>:<line>". All other strings are the standard
 *   industry term in that language ("std").
 *   Exceptions: the seeds are machine translations, and a seed term that
 *   is plainly a mistranslation is not used (e.g. 002 "最初の連絡先の解像度"
 *   for FCR, 003 "知識庫傳輸率", 003 "分辨率"). The comment then names the
 *   rejected seed term. Minor normalisations are noted too: the averaging
 *   word 平均/Purata is dropped because cxm reports the statistic
 *   separately, the simplified glyph 复 in 003 becomes 覆, and Malay is
 *   put in sentence case.
 *
 * Ids: the plain ids are cxm catalog ids. The first 20 are public contracts;
 * the rest are proposed in docs/SEEDS.md. Ids prefixed "w." are generic
 * report words. All strings are UTF-8.
 */
#ifndef CXM_METRICS_LABELS_H
#define CXM_METRICS_LABELS_H

typedef struct cxm_label_entry {
    const char *id, *en, *zh_hans, *zh_hant, *ja, *ms;
} cxm_label_entry;

static const cxm_label_entry cxm_labels[] = {
    /* ---- catalog ids that are public contracts ------------------------ */
    /* seed: zh_hant 003:30 (客戶請求量). std: zh_hans, ms; ja (002:45 接触量 / 002:47 連絡先ボリューム rejected as calques) */
    {"volume", "Contact volume", "客户请求量", "客戶請求量", "問い合わせ件数", "Jumlah permintaan pelanggan"},
    /* std: all */
    {"backlog", "Backlog", "积压工单", "積壓工單", "未処理件数", "Tunggakan tiket"},
    /* seed: zh_hans 000:19, zh_hant 003:34 (首次回复時間, 复->覆), ms 001:22. std: ja */
    {"frt", "First response time", "首次响应时间", "首次回覆時間", "初回応答時間", "Masa tindak balas pertama"},
    /* seed: zh_hant 003:39 (平均回复時間). std: zh_hans, ja, ms */
    {"reply_time", "Reply time", "回复时间", "回覆時間", "返信時間", "Masa balasan"},
    /* std: all */
    {"first_resolution_time", "First resolution time", "首次解决时间", "首次解決時間", "初回解決時間", "Masa penyelesaian pertama"},
    /* seed: zh_hans 000:6 (平均解决时间), zh_hant 003:42, ja 002:33 (body 解決時間; heading 平均時間分解能 rejected), ms 001:27 (Masa Penyelesaian Purata) */
    {"resolution_time", "Resolution time", "解决时间", "解決時間", "解決時間", "Masa penyelesaian"},
    /* seed: ms 001:70 (Masa Penyelesaian Aduan Pelanggan). std: zh_hans, zh_hant, ja */
    {"complaint_resolution_time", "Complaint resolution time", "投诉解决时间", "投訴解決時間", "苦情解決時間", "Masa penyelesaian aduan"},
    /* seed: ms 001:50. std: zh_hans, zh_hant, ja */
    {"aht", "Average handle time", "平均处理时间", "平均處理時間", "平均処理時間", "Purata masa pengendalian"},
    /* std: all */
    {"asa", "Average speed of answer", "平均应答速度", "平均應答速度", "平均応答速度", "Purata kelajuan menjawab"},
    /* seed: zh_hant 003:11, 004:171 (首次聯繫解決率). std: zh_hans, ms; ja (002:35 最初の連絡先の解像度 rejected) */
    {"fcr", "First contact resolution", "首次联系解决率", "首次聯繫解決率", "初回接触解決率", "Penyelesaian hubungan pertama"},
    /* seed: zh_hant 003:51 (heading 分辨率 rejected), ms 001:54. std: zh_hans, ja */
    {"resolution_rate", "Resolution rate", "解决率", "解決率", "解決率", "Kadar resolusi"},
    /* std: all */
    {"reopen_rate", "Reopen rate", "重开率", "重開率", "再オープン率", "Kadar pembukaan semula"},
    /* seed: ms 001:46. std: zh_hans, zh_hant, ja */
    {"abandonment_rate", "Abandonment rate", "放弃率", "放棄率", "放棄率", "Kadar pengabaian"},
    /* seed: ms 001:43 (Pematuhan SLA). std: zh_hans, zh_hant, ja */
    {"sla_compliance", "SLA compliance", "SLA 达成率", "SLA 達成率", "SLA遵守率", "Pematuhan SLA"},
    /* seed: zh_hans 000:34, zh_hant 004:13, ja 002:27, ms 001:11 */
    {"csat", "Customer satisfaction score", "客户满意度分数", "客戶滿意度得分", "顧客満足度", "Kepuasan pelanggan"},
    /* seed: zh_hans 000:8, zh_hant 003:78 / 004:17, ja 002:21, ms 001:36 */
    {"ces", "Customer effort score", "客户努力分数", "客戶努力分數", "顧客の努力スコア", "Skor usaha pelanggan"},
    /* seed: zh_hans 000:9, zh_hant 003:85 / 004:14, ja 002:9, ms 001:17 */
    {"nps", "Net Promoter Score", "净推荐值", "淨推薦值", "ネットプロモータースコア", "Skor Promoter Bersih"},
    /* std: all */
    {"enps", "Employee Net Promoter Score", "员工净推荐值", "員工淨推薦值", "従業員ネットプロモータースコア", "Skor Promoter Bersih pekerja"},
    /* seed: ja 002:19, zh_hant 003:19 (mentioned). std: zh_hans, ms */
    {"esat", "Employee satisfaction", "员工满意度", "員工滿意度", "従業員の満足度", "Kepuasan pekerja"},
    /* std: all */
    {"distribution", "Score distribution", "评分分布", "評分分佈", "スコア分布", "Taburan skor"},
    /* theme metrics (std in every language) */
    {"theme_share", "Theme share", "主题占比", "主題占比", "テーマの割合", "Bahagian tema"},
    {"theme_score", "Score of a theme", "主题得分", "主題得分", "テーマのスコア", "Skor tema"},
    {"theme_impact", "Impact of a theme", "主题影响", "主題影響", "テーマの影響", "Kesan tema"},
    {"response_rate", "Survey response rate", "调查回复率", "調查回覆率", "アンケート回答率", "Kadar respons tinjauan"},

    /* ---- catalog ids proposed in docs/SEEDS.md ------------------------- */
    /* seed: zh_hans 000:72, zh_hant 004:38, ja 002:29, ms 001:58 */
    {"churn_rate", "Customer churn rate", "客户流失率", "客戶流失率", "解約率", "Kadar churn"},
    /* seed: zh_hans 000:73 (留存率), zh_hant 004:100 (保留率), ja 002:31 (維持率), ms 001:31 */
    {"retention_rate", "Customer retention rate", "客户留存率", "客戶保留率", "顧客維持率", "Kadar pengekalan pelanggan"},
    /* seed: zh_hant 004:16 (續訂率). std: zh_hans, ja, ms */
    {"renewal_rate", "Renewal rate", "续订率", "續訂率", "契約更新率", "Kadar pembaharuan"},
    /* seed: zh_hant 004:94. std: zh_hans, ja, ms */
    {"upsell_rate", "Upsell rate", "追加销售率", "追加銷售率", "アップセル率", "Kadar jualan tambahan"},
    /* seed: zh_hant 004:20. std: zh_hans, ja, ms */
    {"mrr_churn", "MRR churn rate", "MRR 流失率", "MRR 流失率", "MRR解約率", "Kadar churn MRR"},
    /* seed: zh_hans 000:11, zh_hant 004:19, ja 002:25, ms 001:63 */
    {"clv", "Customer lifetime value", "客户生命周期价值", "客戶終身價值", "顧客生涯価値", "Nilai sepanjang hayat pelanggan"},
    /* seed: zh_hant 004:18, ms 001:66. std: zh_hans, ja */
    {"retention_cost", "Customer retention cost", "客户保留成本", "客戶保留成本", "顧客維持コスト", "Kos pengekalan pelanggan"},
    /* seed: ja 002:23 (顧客獲得 / 獲得費用). std: zh_hans, zh_hant, ms */
    {"cac", "Customer acquisition cost", "客户获取成本", "客戶獲取成本", "顧客獲得コスト", "Kos pemerolehan pelanggan"},
    /* seed: zh_hant 004:21. std: zh_hans, ja, ms */
    {"arpa", "Average revenue per account", "每账户平均收入", "每個賬戶的平均收入", "アカウントあたりの平均収益", "Purata hasil setiap akaun"},
    /* seed: zh_hant 004:163. std: zh_hans, ja, ms */
    {"dau_mau", "DAU/MAU ratio", "DAU/MAU 比率", "DAU/MAU 比率", "DAU/MAU比率", "Nisbah DAU/MAU"},
    /* seed: zh_hant 004:15 (客戶健康指數). std: zh_hans, ja, ms */
    {"health_score", "Customer health score", "客户健康指数", "客戶健康指數", "カスタマーヘルススコア", "Skor kesihatan pelanggan"},
    /* seed: ja 002:11 (販売 / 売上高). std: zh_hans, zh_hant, ms */
    {"sales", "Sales", "销售额", "銷售額", "売上高", "Jualan"},
    /* std: all (002:13 calls this measure 顧客の忠誠心, "customer loyalty") */
    {"purchase_frequency", "Repeat purchase frequency", "复购频率", "回購頻率", "リピート購入頻度", "Kekerapan pembelian berulang"},
    /* seed: ja 002:15. std: zh_hans, zh_hant, ms */
    {"engagement", "Customer engagement", "客户参与度", "客戶參與度", "顧客エンゲージメント", "Penglibatan pelanggan"},
    /* seed: ja 002:39. std: zh_hans, zh_hant, ms */
    {"visitor_intent", "Visitor intent", "访客意图", "訪客意圖", "訪問者の意図", "Niat pelawat"},
    /* seed: ja 002:41 (タスクの完了, + 率). std: zh_hans, zh_hant, ms */
    {"task_completion_rate", "Task completion rate", "任务完成率", "任務完成率", "タスク完了率", "Kadar penyiapan tugas"},
    /* seed: ja 002:45. std: zh_hans, zh_hant, ms */
    {"stock_price", "Share price", "股价", "股價", "株価", "Harga saham"},
    /* seed: ja 002:51. std: zh_hans, zh_hant, ms */
    {"referral_rate", "Referral rate", "转介绍率", "轉介紹率", "紹介率", "Kadar rujukan"},
    /* seed: ja 002:53. std: zh_hans, zh_hant, ms */
    {"cart_abandonment", "Cart abandonment rate", "购物车放弃率", "購物車放棄率", "カートの放棄率", "Kadar pengabaian troli"},
    /* std: all (003:21 知識庫傳輸率 rejected: 傳輸 = data transmission) */
    {"kb_transfer_rate", "Knowledge base transfer rate", "知识库转人工率", "知識庫轉人工率", "ナレッジベース転送率", "Kadar pemindahan pangkalan pengetahuan"},
    /* seed: ms 001:74 (Sentimen Media Sosial). std: zh_hans, zh_hant, ja */
    {"sentiment", "Sentiment", "情感倾向", "情感傾向", "センチメント", "Sentimen"},
    /* seed: ja 002:49 (言及の数), ms 001:76 (sebutan). std: zh_hans, zh_hant */
    {"social_mentions", "Social media mentions", "社交媒体提及量", "社交媒體提及量", "ソーシャルメディアでの言及数", "Sebutan media sosial"},
    /* seed: zh_hant 004:25. std: zh_hans, ja, ms */
    {"qualitative_feedback", "Qualitative feedback", "定性反馈", "定性反饋", "定性的フィードバック", "Maklum balas kualitatif"},

    /* ---- generic report words ------------------------------------------ */
    /* seed: zh_hans 000:15, zh_hant 003:3, ja 002:11, ms 001:3 */
    {"w.metric", "Metric", "指标", "指標", "指標", "Metrik"},
    {"w.stat", "Statistic", "统计量", "統計量", "統計量", "Statistik"},
    {"w.value", "Value", "数值", "數值", "値", "Nilai"},
    {"w.n", "N", "样本数", "樣本數", "サンプル数", "Saiz sampel"},
    {"w.group", "Group", "分组", "分組", "グループ", "Kumpulan"},
    {"w.ci", "Confidence interval", "置信区间", "信賴區間", "信頼区間", "Selang keyakinan"},
    /* seed: ms 001:29 (purata) */
    {"w.mean", "Mean", "平均值", "平均值", "平均値", "Purata"},
    {"w.median", "Median", "中位数", "中位數", "中央値", "Median"},
    {"w.min", "Minimum", "最小值", "最小值", "最小値", "Minimum"},
    {"w.max", "Maximum", "最大值", "最大值", "最大値", "Maksimum"},
    {"w.p25", "25th percentile", "第25百分位数", "第25百分位數", "25パーセンタイル", "Persentil ke-25"},
    {"w.p50", "50th percentile", "第50百分位数", "第50百分位數", "50パーセンタイル", "Persentil ke-50"},
    {"w.p75", "75th percentile", "第75百分位数", "第75百分位數", "75パーセンタイル", "Persentil ke-75"},
    {"w.p90", "90th percentile", "第90百分位数", "第90百分位數", "90パーセンタイル", "Persentil ke-90"},
    {"w.p95", "95th percentile", "第95百分位数", "第95百分位數", "95パーセンタイル", "Persentil ke-95"},
    {"w.p99", "99th percentile", "第99百分位数", "第99百分位數", "99パーセンタイル", "Persentil ke-99"},
    /* seed: ms 001:14 (jumlah) */
    {"w.total", "Total", "合计", "合計", "合計", "Jumlah"},
    {"w.warnings", "Warnings", "警告", "警告", "警告", "Amaran"},
    {"w.seconds", "seconds", "秒", "秒", "秒", "saat"},
    /* seed: ms 001:19 (peratus-an) */
    {"w.percent", "percent", "百分比", "百分比", "パーセント", "peratus"},
    /* seed: ms 001:14 (bilangan) */
    {"w.count", "Count", "数量", "數量", "件数", "Bilangan"},
    {"w.none", "no data", "无数据", "無數據", "データなし", "tiada data"},
    /* seed wording for "customer experience": zh_hans 000:4 (客户体验), zh_hant 004:5 (客戶體驗), ja 002:11 (顧客体験), ms 001:2 (pengalaman pelanggan) */
    {"w.report_title", "Customer experience report", "客户体验报告", "客戶體驗報告", "顧客体験レポート", "Laporan pengalaman pelanggan"},
    /* seed: ja 002:31 (期間), ms 001:32 (tempoh) */
    {"w.period", "Period", "期间", "期間", "期間", "Tempoh"},
    /* seed: zh_hant 003:25 (渠道), ja 002:47 (チャネル) */
    {"w.channel", "Channel", "渠道", "渠道", "チャネル", "Saluran"},
    /* seed: ja 002:47 (エージェント), ms 001:23 (ejen). std: zh (003:5 代理 rejected: "proxy/agency") */
    {"w.agent", "Agent", "客服人员", "客服人員", "エージェント", "Ejen"},
    /* seed: zh_hans 000:1 (团队), zh_hant 003:5 (團隊), ms 001:23 (pasukan) */
    {"w.team", "Team", "团队", "團隊", "チーム", "Pasukan"},
    {"w.priority", "Priority", "优先级", "優先級", "優先度", "Keutamaan"},
};

#define CXM_LABELS_COUNT (sizeof cxm_labels / sizeof cxm_labels[0])

#endif /* CXM_METRICS_LABELS_H */
