/*
 * catalog.c - every metric cxm computes, as data. Adding a metric means an
 * entry here and a kernel in its family's file. The seeds column points at
 * the articles in ../shared/seeds (docs/SEEDS.md quotes them).
 */
#include "metrics/catalog.h"

#include <string.h>

static const cxm_metric_info catalog[] = {
    [M_VOLUME] = {"volume", "support", "Request volume", CXM_KIND_COUNT, CXM_UNIT_COUNT, -1,
        "tickets", "created_at",
        "count of tickets created in the period (by channel: contact volume by channel)",
        "", "report date is created_at in every preset",
        "003:29-33 (客戶請求量, customer request volume); 002:45,47 (チャンネル別の接触量, contact volume by channel)"},
    [M_BACKLOG] = {"backlog", "support", "Backlog at period end", CXM_KIND_COUNT, CXM_UNIT_COUNT, 0,
        "tickets", "created_at,resolved_at",
        "tickets created before the end of the period and not resolved by then (abandoned calls and chats excluded) "
        "(end of each time bucket; without a time bucket, at --as-of)",
        "", "", "none (the seeds do not define it; cxm reports it because volume without backlog misleads)"},
    [M_FRT] = {"frt", "support", "First response time", CXM_KIND_DISTRIBUTION, CXM_UNIT_SECONDS, 0,
        "tickets", "created_at,first_response_at (or messages)",
        "first_response_at - created_at over tickets that have a first response; "
        "unanswered tickets are excluded from the values and counted in n of volume",
        "calendar (default) or business time (--time business); with messages, responders are agents "
        "(bots count under presets that count them) and only public replies count",
        "zendesk: created to first public agent reply, median first; intercom: from the first customer message, "
        "median first; helpscout: from the first customer message, under the reply date; chatwoot: under the "
        "reply date, mean; freshdesk: under the reply date, mean, business hours when a calendar is given",
        "000:19 (首次响应时间, FRT; its formula was lost); 001:22-26 (Masa Tindak Balas Pertama: average over interactions, agent replies only); 003:34 (平均首次回复時間)"},
    [M_REPLY_TIME] = {"reply_time", "support", "Reply time", CXM_KIND_DISTRIBUTION, CXM_UNIT_SECONDS, 0,
        "messages", "ticket_id,at,author,public",
        "for every customer turn (the first public customer message after the last public responder reply), "
        "the time until the next public responder reply; needs messages",
        "calendar or business time", "", "003:39 (平均回复時間: every reply, not only the first)"},
    [M_FIRST_RESOLUTION_TIME] = {"first_resolution_time", "support", "First resolution time",
        CXM_KIND_DISTRIBUTION, CXM_UNIT_SECONDS, 0, "tickets", "created_at,first_resolved_at",
        "first_resolved_at - created_at; when first_resolved_at is missing it is resolved_at for tickets never reopened",
        "calendar or business time", "zendesk: under the solved date; helpscout, chatwoot, freshdesk: under the resolution date",
        "none directly; 000:25-34 ART reads as the first resolution when a ticket is never reopened"},
    [M_RESOLUTION_TIME] = {"resolution_time", "support", "Full resolution time", CXM_KIND_DISTRIBUTION,
        CXM_UNIT_SECONDS, 0, "tickets", "created_at,resolved_at",
        "resolved_at - created_at, resolved_at being the latest resolution; unresolved tickets excluded",
        "calendar or business time",
        "zendesk: under the solved date; helpscout: the first resolution (resolved once), under the resolution "
        "date; chatwoot, freshdesk: under the resolution date",
        "000:25 (平均解决时间, ART); 001:27-30 (Masa Penyelesaian Purata: over all interactions); 002:33 (解決時間: over resolved cases, the cxm default); 003:42; 004:181-192 (ART, defined there like handle time)"},
    [M_COMPLAINT_RESOLUTION_TIME] = {"complaint_resolution_time", "support", "Complaint resolution time",
        CXM_KIND_DISTRIBUTION, CXM_UNIT_SECONDS, 0, "tickets", "created_at,resolved_at,complaint",
        "resolved_at - created_at over tickets with complaint = true", "calendar or business time", "",
        "001:70-73 (Masa Penyelesaian Aduan Pelanggan: until resolved and the customer is satisfied)"},
    [M_AHT] = {"aht", "support", "Average handle time", CXM_KIND_DISTRIBUTION, CXM_UNIT_SECONDS, 0,
        "tickets", "handle_seconds",
        "handle_seconds (talk + hold + after-call work as recorded) over tickets that have it",
        "", "", "001:50-53 (Purata Masa Pengendalian: talk + hold + after-interaction work, per interaction)"},
    [M_ASA] = {"asa", "support", "Speed of answer", CXM_KIND_DISTRIBUTION, CXM_UNIT_SECONDS, 0,
        "tickets", "created_at,answered_at",
        "answered_at - created_at over answered calls and chats (abandoned ones have no answer)",
        "", "", "none (a call-centre standard; the seeds mention waiting time only, 001:49)"},
    [M_FCR] = {"fcr", "support", "First contact resolution", CXM_KIND_RATE, CXM_UNIT_PERCENT, 1,
        "tickets", "resolved_at,agent_replies,reopens",
        "100 * tickets resolved on first contact / resolved tickets; first contact (default one_touch): "
        "resolved with at most one public agent reply and never reopened",
        "--fcr-rule one_touch (default) | no_reopen | replies:N | no_followup (at most one public customer "
        "message: the customer never wrote again, whatever the agents sent) | one_teammate (never reopened and "
        "exactly one teammate sent public replies, however many: needs messages with an agent column, else fcr "
        "is null with the reason; a reply with an empty agent leaves the ticket out unless it cannot change the "
        "answer); --fcr-denominator resolved "
        "(default) | contacts "
        "(every contact not abandoned: unresolved ones count as not resolved at first contact, as 002 and 003 "
        "read it); tickets whose replies or reopens are unknown are left out of n and counted in a warning",
        "zendesk, chatwoot: one_touch; freshdesk: no_followup; intercom: one_teammate (closed once with one "
        "participating teammate); helpscout: replies:1, reopens ignored",
        "003:10-20 (首次聯繫解決率: share of requests solved at first contact); 002:35-37 (share of all calls); 004:165-177 (solved at first contact / unique customers who called)"},
    [M_RESOLUTION_RATE] = {"resolution_rate", "support", "Resolution rate", CXM_KIND_RATE, CXM_UNIT_PERCENT, 1,
        "tickets", "created_at,resolved_at",
        "100 * tickets resolved (resolved_at set) / tickets created in the period, abandoned calls excluded",
        "", "", "003:50-54 (解決率: share of requests the team resolves); 001:54-56 (Kadar Resolusi, defined there like FCR)"},
    [M_REOPEN_RATE] = {"reopen_rate", "support", "Reopen rate", CXM_KIND_RATE, CXM_UNIT_PERCENT, 0,
        "tickets", "resolved_at,reopens",
        "100 * resolved tickets reopened at least once / resolved tickets with a known reopen count",
        "", "", "none (a helpdesk standard)"},
    [M_ABANDONMENT_RATE] = {"abandonment_rate", "support", "Abandonment rate", CXM_KIND_RATE, CXM_UNIT_PERCENT, 0,
        "tickets", "abandoned",
        "100 * abandoned contacts / contacts whose abandoned flag is known (calls, chats)",
        "", "", "001:46 (Kadar Pengabaian); not 002:53, which is shopping-cart abandonment (cart_abandonment)"},
    [M_SLA_COMPLIANCE] = {"sla_compliance", "support", "SLA compliance", CXM_KIND_RATE, CXM_UNIT_PERCENT, 1,
        "tickets", "created_at,first_response_at,resolved_at,priority,channel (and messages for next_reply)",
        "for each target (first_response, next_reply, resolution): 100 * targets met / targets met or breached; "
        "a target still open at --as-of is breached once its due time has passed, else pending (not counted)",
        "targets per priority and channel from --sla FILE, in calendar or business time per rule",
        "", "001:42-45 (Pematuhan SLA: share of interactions within the agreed response and resolution times)"},
    [M_CSAT] = {"csat", "survey", "Customer satisfaction", CXM_KIND_RATE, CXM_UNIT_PERCENT, 1,
        "responses", "survey=csat,score",
        "top_box (default): 100 * answers in the satisfied boxes / answers (1-5: 4,5; 7-point: 6,7; "
        "10- and 11-point: 9,10); mean: the mean score; pct_of_max: 100 * total score / (answers * scale max)",
        "--csat-variant top_box|mean|pct_of_max; --csat-boxes 4,5; Wilson interval for shares, t for the mean",
        "", "000:43-49 (客户满意度分数: mean or top-2 boxes, 9-10 on 10 points); 001:11-16 (top boxes 4,5); "
        "002:27 (mean); 003:57-76 (share of satisfied and very satisfied; example 3,4,2,5,3 -> 40); "
        "004:46-54 (total score / maximum possible x 100)"},
    [M_CES] = {"ces", "survey", "Customer effort", CXM_KIND_RATE, CXM_UNIT_PERCENT, 1,
        "responses", "survey=ces,score",
        "agree_pct (default): 100 * answers above the scale's midpoint / answers on an agreement scale "
        "('it was easy', 1-7: 5,6,7), or at or below the low threshold on an effort scale; mean: the mean score "
        "(on an effort scale lower is better, and it is labelled so)",
        "--ces-variant agree_pct|mean; --ces-polarity agreement|effort; --ces-threshold N",
        "", "000:51-61 (share answering 4-5 on 1-5); 001:36-40 (share of low effort); 002:21 (effort scale); "
        "003:78-84 (mean of a 1-7 agreement scale); 004:106-114 (mean)"},
    [M_NPS] = {"nps", "survey", "Net Promoter Score", CXM_KIND_SCORE, CXM_UNIT_SCORE, 1,
        "responses", "survey=nps,score",
        "100 * (promoters - detractors) / answers on 0-10; promoters 9-10, passives 7-8, detractors 0-6; "
        "interval from SE = sqrt((p + d - (p - d)^2) / n)",
        "--nps-buckets 6,9 (detractors up to 6, promoters from 9); --nps-ci wald|adjusted_wald",
        "", "001:17-20 (0-10, promoters 9-10, passives 7-8, detractors 0-6); 003:85-94; 004:56-76; "
        "000:62-66 mislabels the buckets (1-3 and 8-10) and is not followed"},
    [M_ENPS] = {"enps", "survey", "Employee Net Promoter Score", CXM_KIND_SCORE, CXM_UNIT_SCORE, 1,
        "responses", "survey=enps,score", "as nps, over employees' answers", "as nps", "", "none"},
    [M_ESAT] = {"esat", "survey", "Employee satisfaction", CXM_KIND_RATE, CXM_UNIT_PERCENT, 1,
        "responses", "survey=esat,score", "as csat, over employees' answers", "as csat", "",
        "002:19 (従業員の満足度)"},
    [M_RESPONSE_RATE] = {"response_rate", "survey", "Survey response rate", CXM_KIND_RATE, CXM_UNIT_PERCENT, 1,
        "responses", "survey,score,sent",
        "100 * answers / surveys sent, where the number sent is known (a sent column: one row per survey sent, "
        "answered when score is present)",
        "", "", "none"},
    [M_DISTRIBUTION] = {"distribution", "survey", "Score distribution", CXM_KIND_RATE, CXM_UNIT_PERCENT, -1,
        "responses", "survey,score",
        "for each survey (target) and score (stat): 100 * answers with that score / answers, with a Wilson "
        "interval; n is the survey's answers in the group",
        "", "", "003:62-76 (the five boxes)"},
    [M_THEME_SHARE] = {"theme_share", "survey", "Theme share", CXM_KIND_RATE, CXM_UNIT_PERCENT, -1,
        "responses", "comment (and --themes FILE)",
        "for each theme (target): 100 * answers whose comment mentions it / answers with a comment; words and "
        "phrases match on word boundaries after ICU segmentation (Chinese, Japanese) and normalisation",
        "--themes FILE (examples/themes.ini)", "", "none (the issue's 'what customers write')"},
    [M_THEME_SCORE] = {"theme_score", "survey", "Score of a theme", CXM_KIND_SCORE, CXM_UNIT_SCORE, -1,
        "responses", "comment, score (and --themes FILE)",
        "for each theme (target) and survey (stat): the survey's metric (csat, ces, nps...) over the answers "
        "mentioning the theme", "the survey's variant", "", "none"},
    [M_THEME_IMPACT] = {"theme_impact", "survey", "Impact of a theme", CXM_KIND_SCORE, CXM_UNIT_SCORE, -1,
        "responses", "comment, score (and --themes FILE)",
        "for each theme (target) and survey (stat): the metric over all answers minus the metric over the answers "
        "that do not mention the theme (negative: the theme pulls the score down); it equals w (M_with - M_without), "
        "w the share of answers mentioning the theme, so its interval is +- z w sqrt(SE_with^2 + SE_without^2) "
        "(disjoint samples, w held fixed)",
        "the survey's variant", "", "none"},
};

size_t cxm_catalog_count(void) { return sizeof catalog / sizeof catalog[0]; }

const cxm_metric_info *cxm_catalog_get(size_t i) {
    return i < cxm_catalog_count() ? &catalog[i] : NULL;
}

int cxm_catalog_index(const char *id) {
    for (size_t i = 0; i < cxm_catalog_count(); i++)
        if (!strcmp(catalog[i].id, id)) return (int)i;
    return -1;
}

const cxm_metric_info *cxm_catalog_find(const char *id) {
    int i = cxm_catalog_index(id);
    return i < 0 ? NULL : &catalog[i];
}

const char *cxm_kind_name(cxm_kind k) {
    switch (k) {
    case CXM_KIND_COUNT: return "count";
    case CXM_KIND_DISTRIBUTION: return "distribution";
    case CXM_KIND_RATE: return "rate";
    case CXM_KIND_SCORE: return "score";
    }
    return "";
}

const char *cxm_unit_name(cxm_unit u) {
    switch (u) {
    case CXM_UNIT_COUNT: return "count";
    case CXM_UNIT_SECONDS: return "seconds";
    case CXM_UNIT_PERCENT: return "percent";
    case CXM_UNIT_SCORE: return "score";
    case CXM_UNIT_MONEY: return "money";
    case CXM_UNIT_RATIO: return "ratio";
    }
    return "count";
}
