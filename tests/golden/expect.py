#!/usr/bin/env python3
"""Writes the expected.json of golden cases from values worked out by hand
(listed below per case) with an independent implementation of the
statistics (numpy-style linear quantiles, t and Wilson intervals).
Run from tests/golden: python3 expect.py. Not run by the tests."""
import json, math, os
Z = 1.959963984540054
T975 = {1: 12.706204736174698, 2: 4.302652729749464, 3: 3.182446305284263,
        4: 2.7764451051977987, 5: 2.5705818356363146, 6: 2.4469118511449692}

def wilson(k, n):
    p = k / n; d = 1 + Z * Z / n; c = (p + Z * Z / (2 * n)) / d
    m = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d
    return [100 * (c - m), 100 * (c + m)]

def quant(v, p):
    v = sorted(v); h = (len(v) - 1) * p; lo = math.floor(h)
    return v[lo] if lo + 1 >= len(v) else v[lo] + (h - lo) * (v[lo + 1] - v[lo])

def qci(vals, p):
    """Order-statistic interval for the p-quantile at 95% (exact binomial
    sums in rationals): indices j <= k of the sorted values with
    P(B <= j) <= 2.5% (largest j) and P(B <= k) >= 97.5% (smallest k),
    B ~ Binomial(n, p); None when no such pair exists."""
    from fractions import Fraction
    n = len(vals); v = sorted(vals); P = Fraction(p).limit_denominator(1000)
    F = Fraction(0); j = k = None
    for i in range(n):
        F += math.comb(n, i) * P ** i * (1 - P) ** (n - i)
        if F <= Fraction(1, 40): j = i
        if F >= Fraction(39, 40): k = i; break
    return None if j is None or k is None else [v[j], v[k]]

def dist(metric, vals, group=None, stats=("mean", "median", "p90"), reason=None):
    out = []; n = len(vals); group = group or {}
    for s in stats:
        r = {"metric": metric, "stat": s, "group": group}
        if n == 0:
            r.update(value=None, reason=reason, unit="seconds", n=0); out.append(r); continue
        if s == "mean":
            m = sum(vals) / n; r.update(value=m, unit="seconds", n=n)
            if n >= 2:
                sd = math.sqrt(sum((x - m) ** 2 for x in vals) / (n - 1))
                h = T975[n - 1] * sd / math.sqrt(n); r["ci"] = [m - h, m + h]
        else:
            p = {"median": .5, "p50": .5, "p90": .9, "p25": .25, "p75": .75, "p95": .95,
                 "p99": .99, "min": 0, "max": 1}[s]
            r.update(value=quant(vals, p), unit="seconds", n=n)
            if 0 < p < 1 and qci(vals, p): r["ci"] = qci(vals, p)
        out.append(r)
    return out

def rate(metric, k, n, group=None, target=None, reason=None):
    r = {"metric": metric}
    if target: r["target"] = target
    r["group"] = group or {}
    if n == 0: r.update(value=None, reason=reason, unit="percent", n=0)
    else: r.update(value=100 * k / n, unit="percent", n=n, ci=wilson(k, n))
    return [r]

def count(metric, v, group=None):
    return [{"metric": metric, "group": group or {}, "value": v, "unit": "count", "n": v}]

def write(case, results, warnings=(), bad_rows=0):
    with open(os.path.join(case, "expected.json"), "w") as f:
        json.dump({"results": results, "warnings": list(warnings), "bad_rows": bad_rows}, f, indent=1)
        f.write("\n")

H = 3600
# support_basic: six tickets (tickets.csv); values in seconds.
# frt: T1 600, T2 1800, T3 60, T5 7200, T6 1200 (T4 abandoned, never answered)
# first resolution: T1 3600, T2 7200, T3 300, T6 2400; full: T2 26 h
# fcr one_touch: T1 yes, T2 no (3 replies, reopened), T3 yes, T6 no (2 replies) -> 2/4
# resolution rate: 4 resolved of 5 not abandoned; reopen rate 1/4; abandonment 1/3
# backlog at the latest instant (T6 resolved, 2024-03-11T09:40Z): T5 only (T4 abandoned)
write("support_basic",
      count("volume", 6) + count("backlog", 1)
      + dist("frt", [600, 1800, 60, 7200, 1200])
      + dist("first_resolution_time", [3600, 7200, 300, 2400])
      + dist("resolution_time", [3600, 26 * H, 300, 2400])
      + dist("complaint_resolution_time", [26 * H])
      + dist("aht", [300, 600, 120, 900])
      + dist("asa", [30, 20])
      + rate("fcr", 2, 4) + rate("resolution_rate", 4, 5) + rate("reopen_rate", 1, 4)
      + rate("abandonment_rate", 1, 3))

# by_week_channel: weeks start Monday 2024-03-04 and 2024-03-11 (UTC).
# backlog at the end of each week (or the latest instant): week 1: created
# T1 T2 T3 T5 (T4 abandoned), resolved T1 T2 T3 -> 1 (email: T5); week 2: 1.
wk1, wk2 = "2024-03-04", "2024-03-11"
g = lambda w, c: {"week": w, "channel": c}
write("by_week_channel",
      count("volume", 2, g(wk1, "chat")) + count("volume", 3, g(wk1, "email")) + count("volume", 1, g(wk2, "phone"))
      # backlog groups are channels, each evaluated at both week ends
      + count("backlog", 0, g(wk1, "chat")) + count("backlog", 0, g(wk2, "chat"))
      + count("backlog", 1, g(wk1, "email")) + count("backlog", 1, g(wk2, "email"))
      + count("backlog", 0, g(wk1, "phone")) + count("backlog", 0, g(wk2, "phone"))
      + dist("frt", [60], g(wk1, "chat"), ("median",))
      + dist("frt", [600, 1800, 7200], g(wk1, "email"), ("median",))
      + dist("frt", [1200], g(wk2, "phone"), ("median",)))

# messages_derived: A's bot reply and private note do not respond; the first
# public agent reply at 09:30 does (1800 s). Turns: A 09:00->09:30 (1800),
# 10:00->11:00 (3600; the 10:10 message joins the open turn), reopen at
# 2024-05-07 09:00 -> 09:45 (2700); B 120 (rows out of order in the file).
# A: first resolution 11:00 (7200), latest 2024-05-07 09:45 (89100), 1 reopen,
# 3 agent replies -> not first contact; B: 120 s everything, one touch. C: open.
write("messages_derived",
      count("volume", 3) + count("backlog", 1)
      + dist("frt", [1800, 120]) + dist("reply_time", [1800, 3600, 2700, 120])
      + dist("first_resolution_time", [7200, 120]) + dist("resolution_time", [89100, 120])
      + rate("fcr", 1, 2) + rate("resolution_rate", 2, 3) + rate("reopen_rate", 1, 2))

# business_hours: Mon-Fri 09-12, 13-17 Berlin, Easter Monday 2024-04-01 off.
# X: Fri 15:00 CET -> Tue 10:30 CEST across the DST change: Fri 2 h + Tue 1.5 h.
# Y: Mon 11:30 -> 13:30 (naive, Berlin): 30 min before and 30 min after lunch.
# Z: Sat 10:00 -> Tue 09:00: weekend, holiday, opening time: 0.
write("business_hours", dist("frt", [3.5 * H, 1 * H, 0]))

# sla_targets: first response within 30 min: T1 600 met, T2 1800 met (the
# boundary counts as met), T3 met, T5 7200 breached, T6 met; T4 abandoned has
# no target -> 4/5. Resolution within 2 h: T1 3600 met, T2 26 h breached, T3
# met, T6 met, T5 unresolved and past due at the latest instant -> 3/5.
write("sla_targets", rate("sla_compliance", 4, 5, target="first_response")
      + rate("sla_compliance", 3, 5, target="resolution"))

# preset_zendesk: resolution metrics are reported under the solved date:
# 2024-03-04 T1 3600; 2024-03-05 T2 26 h and T3 300; 2024-03-11 T6 2400.
d = lambda day: {"day": day}
write("preset_zendesk", dist("resolution_time", [3600], d("2024-03-04"), ("mean",))
      + dist("resolution_time", [26 * H, 300], d("2024-03-05"), ("mean",))
      # T5, created 2024-03-06 and unresolved, makes a group with no value
      + dist("resolution_time", [], d("2024-03-06"), ("mean",), reason="no ticket in this group is resolved")
      + dist("resolution_time", [2400], d("2024-03-11"), ("mean",)))

# empty_input: a header and no rows: counts are 0, everything else null;
# fcr cannot be computed at all without agent_replies and reopens.
write("empty_input", count("volume", 0)
      + dist("frt", [], reason="no ticket in this group has a first response")
      + rate("fcr", 0, 0, reason="needs resolved_at with agent_replies and reopens columns (or messages)")
      + rate("resolution_rate", 0, 0, reason="no ticket in this group"),
      warnings=["fcr: needs resolved_at with agent_replies and reopens columns (or messages)"])

# bad_rows: only G1 and G8 are good (see expected_stderr for the rest):
# volume 2, frt 1800 and 600.
write("bad_rows", count("volume", 2) + dist("frt", [1800, 600], stats=("mean",))
      + dist("resolution_time", [7200], stats=("mean",)),
      warnings=["..."] * 8, bad_rows=7)

# lazy_columns: a report reads only the columns its metrics use: volume and
# frt do not read resolved_at, so G3 and G6 (bad only there) count.
write("lazy_columns", count("volume", 4) + dist("frt", [1800, 3600, 600], stats=("mean",)),
      warnings=["..."] * 6, bad_rows=5)

# ndjson_input: keys appear late (region on line 2, tags on line 4), a blank
# line, epoch seconds (1709625600 = 2024-03-05T08:00:00Z), null, numbers and
# arrays. region: T1 none (null), T2 EU, T3 APAC, T4 EU. fcr: T1 yes (1 reply,
# no reopen), T2 no; T3/T4 unresolved.
rg = lambda v: {"region": v}
write("ndjson_input",
      count("volume", 1, rg("APAC")) + count("volume", 2, rg("EU")) + count("volume", 1, rg(None))
      + dist("frt", [60], rg("APAC"), ("median",)) + dist("frt", [1800], rg("EU"), ("median",))
      + dist("frt", [600], rg(None), ("median",))
      + rate("fcr", 0, 0, rg("APAC"), reason="no resolved ticket in this group with known replies and reopens")
      + rate("fcr", 0, 1, rg("EU")) + rate("fcr", 1, 1, rg(None)))

# where_tags: tags contain billing (T3, T4) and region is not APAC: T4 only.
write("where_tags", count("volume", 1))

# ---- FCR one_teammate: an independent reading of the rule ----
# (docs/DATA.md "Teammates of a ticket", docs/METRICS.md fcr): a resolved
# ticket is first contact when it was never reopened and exactly one
# teammate sent public replies (bots, system events and private notes never
# count); unnamed public agent replies leave it undetermined (left out and
# warned) unless they cannot change the answer. Read straight from the CSV
# files with the csv module, nothing shared with the engine.
import csv
from datetime import datetime
RESOLVED_WORDS = {"solved", "resolved", "closed"}
OPEN_WORDS = {"open", "pending", "hold", "on-hold", "new", "reopened", "snoozed"}
TRUE_WORDS = {"", "true", "yes", "y", "1"}
ONE_TEAMMATE_WHY = "their reopens or teammates are unknown (no messages, or public agent replies with an empty agent)"

def one_teammate(case, tickets="tickets.csv", messages="messages.csv"):
    """{ticket_id: (created_at, outcome)}, outcome 1 / 0 / -1 (undetermined)
    / None (not resolved: outside the denominator)."""
    when = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))
    events = {}
    with open(os.path.join(case, messages), newline="") as f:
        rows = csv.DictReader(f)
        has_agent = "agent" in rows.fieldnames
        for i, e in enumerate(rows):
            events.setdefault(e["ticket_id"], []).append((when(e["at"]), i, e))
    out = {}
    with open(os.path.join(case, tickets), newline="") as f:
        for t in csv.DictReader(f):
            evs = [e for _, _, e in sorted(events.get(t["ticket_id"], []), key=lambda x: x[:2])]
            resolved, reopens = False, 0
            for e in evs:
                st = e["status"].lower()
                if st in RESOLVED_WORDS: resolved = True
                elif st in OPEN_WORDS and resolved: resolved, reopens = False, reopens + 1
            if not (resolved or t.get("resolved_at")):
                outcome = None
            elif not evs or not has_agent:
                outcome = -1
            elif reopens:
                outcome = 0
            else:
                public = [e for e in evs if e["author"] == "agent" and e["public"].lower() in TRUE_WORDS]
                named = {e["agent"] for e in public if e["agent"]}
                unnamed = sum(1 for e in public if not e["agent"])
                if len(named) >= 2 or len(named) + unnamed == 0: outcome = 0
                elif len(named) + unnamed == 1: outcome = 1
                else: outcome = -1
            out[t["ticket_id"]] = (t["created_at"], outcome)
    return out

def one_teammate_rate(outcomes, group=None):
    """rate() of the decided outcomes, and the number left out."""
    v = [o for _, o in outcomes if o is not None]
    k, n = sum(1 for o in v if o == 1), sum(1 for o in v if o in (0, 1))
    return rate("fcr", k, n, group, reason="no resolved ticket in this group with known replies and reopens"), \
        sum(1 for o in v if o == -1)

# fcr_one_teammate: one ticket per behaviour (A1 one teammate, two replies;
# A2 two teammates; A3 reopened; A4 a bot and another teammate's private
# note ignored; A5 one unnamed reply; A6 a named and an unnamed reply:
# undetermined; A7 two named and an unnamed; A8 only a private note; A9 a
# system event naming someone; A10 unresolved; A11 resolved, no messages;
# A12 two unnamed replies; A13 reopened, unnamed replies).
r, left = one_teammate_rate(one_teammate("fcr_one_teammate").values())
write("fcr_one_teammate", r, warnings=["fcr: %d resolved tickets left out: %s" % (left, ONE_TEAMMATE_WHY)])
# fcr_one_teammate_preset: the same files under --preset intercom, by
# creation day (Intercom dates FCR by conversation start).
days = {}
for created, o in one_teammate("fcr_one_teammate").values(): days.setdefault(created[:10], []).append((created, o))
res, left = [], 0
for d in sorted(days):
    rr, l = one_teammate_rate(days[d], {"day": d}); res += rr; left += l
write("fcr_one_teammate_preset", res, warnings=["fcr: %d resolved tickets left out: %s" % (left, ONE_TEAMMATE_WHY)])
# without an agent column in the messages, or without messages, the rule
# cannot be computed: fcr is null with the reason, never 0.
NOAGENT = "needs an agent column in the messages (who wrote each reply): one_teammate counts teammates"
NOMSG = "needs messages with an agent column (--messages FILE): one_teammate counts teammates"
write("fcr_one_teammate_no_agent", rate("fcr", 0, 0, reason=NOAGENT), warnings=["fcr: " + NOAGENT])
write("fcr_one_teammate_no_messages", rate("fcr", 0, 0, reason=NOMSG), warnings=["fcr: " + NOMSG])

# preset_msg_*: presets_data. P1 was opened by an agent at 08:00; the
# customer wrote at 09:00, the agent answered and solved at 09:30; the
# customer reopened on 05-08 10:00, solved 11:00 (3 agent replies, 1 reopen).
# P2: 12:00 customer, 12:30 reply, solved 05-07 12:00 (2 replies, no reopen).
# P3: 05-07 09:00 customer, 09:10 reply+solved, 10:00 reopened, 12:00 closed
# by the system (1 reply, 1 reopen).
# frt from creation: P1 5400, P2 1800, P3 600; from the first customer
#   message (intercom, helpscout): P1 1800.
# resolution (latest): P1 51 h = 183600, P2 86400, P3 3 h = 10800;
#   first resolution (helpscout): P1 5400, P2 86400, P3 600.
# fcr one_touch: none; replies:1 (helpscout): P3; no_followup (freshdesk):
# P2; one_teammate (intercom): from the oracle above (P2: one teammate, two
# replies; P1 and P3 reopened).
D = lambda d: {"day": "2024-05-%02d" % d}
M = ("mean",)
NOFRT = "no ticket in this group has a first response"
NORES = "no ticket in this group is resolved"
NOFCR = "no resolved ticket in this group with known replies and reopens"
def preset_case(name, frt, res, fcr):
    days = sorted(set(frt) | set(res) | set(fcr))
    out = []
    for d in days: out += dist("frt", frt.get(d, []), D(d), M, reason=NOFRT)
    for d in days: out += dist("resolution_time", res.get(d, []), D(d), M, reason=NORES)
    for d in days:
        k, n = fcr.get(d, (0, 0)); out += rate("fcr", k, n, D(d), reason=NOFCR)
    write("preset_msg_" + name, out)
# cxm: everything under the creation date
preset_case("cxm", {6: [5400, 1800], 7: [600]}, {6: [183600, 86400], 7: [10800]}, {6: (0, 2), 7: (0, 1)})
# zendesk: resolution metrics under the (latest) solved date
preset_case("zendesk", {6: [5400, 1800], 7: [600]}, {8: [183600], 7: [86400, 10800]}, {8: (0, 1), 7: (0, 2)})
# intercom: creation date; FRT from the customer's first message; FCR = closed once, one teammate
ic = {}
for created, o in one_teammate("presets_data").values():
    k, n = ic.get(int(created[8:10]), (0, 0)); ic[int(created[8:10])] = (k + (o == 1), n + (o in (0, 1)))
preset_case("intercom", {6: [1800, 1800], 7: [600]}, {6: [183600, 86400], 7: [10800]}, ic)
# helpscout: FRT (from the customer's message) under the reply date; resolution
# is the first one, under its date; FCR = one reply, reopens ignored
preset_case("helpscout", {6: [1800, 1800], 7: [600]}, {6: [5400], 7: [86400, 600]}, {6: (0, 1), 7: (1, 2)})
# chatwoot and freshdesk: FRT under the reply date, resolution under the latest resolution date.
# FCR chatwoot one_touch: none; freshdesk no_followup (one customer message at
# most): P2 only (P1 and P3 each have a second customer message) -> 05-07 1/2.
preset_case("chatwoot", {6: [5400, 1800], 7: [600]}, {8: [183600], 7: [86400, 10800]}, {8: (0, 1), 7: (0, 2)})
preset_case("freshdesk", {6: [5400, 1800], 7: [600]}, {8: [183600], 7: [86400, 10800]}, {8: (0, 1), 7: (1, 2)})

# sla_next_reply (messages_derived, as-of = the latest event, 2024-05-07 09:45):
# next reply within 1 h: A's turns 1800, 3600 (the boundary meets), 2700 and
# B's 120 met; C's turn waiting since 05-06 13:00 is past due -> 4/5.
# first response within 30 min: A 1800 met, B 120 met, C never answered and
# past due -> 2/3. resolution within 1 day: A 89100 s breached, B met, C due
# 05-07 13:00 is after as-of: pending, not counted -> 1/2.
write("sla_next_reply", rate("sla_compliance", 2, 3, target="first_response")
      + rate("sla_compliance", 4, 5, target="next_reply") + rate("sla_compliance", 1, 2, target="resolution"))
# sla_as_of: now 2024-05-08: C's resolution is past due as well -> 1/3.
write("sla_as_of", rate("sla_compliance", 2, 3, target="first_response")
      + rate("sla_compliance", 4, 5, target="next_reply") + rate("sla_compliance", 1, 3, target="resolution"))
# tz_quarters: Kuala Lumpur is UTC+8 all year. K1 is 2024-03-31 23:59:59
# local (Q1), K2 2024-04-01 00:00 (Q2), K3 2025-01-01 00:00 (Q1 2025),
# K4 Q2, K5 2024-02-29 10:00 (a leap day, Q1).
q = lambda d: {"quarter": d}
write("tz_quarters", count("volume", 2, q("2024-01-01")) + count("volume", 2, q("2024-04-01"))
      + count("volume", 1, q("2025-01-01")))
# tz_window: local days 2024-04-01 .. 2024-12-31 inclusive: K2 (04-01) and K4 (06-30).
dd = lambda d: {"day": d}
write("tz_window", count("volume", 1, dd("2024-04-01")) + count("volume", 1, dd("2024-06-30")))

# ---- surveys ----
def erfc_p(z): return math.erfc(abs(z) / math.sqrt(2))
def survey(metric, value, n, ci, variant=None, group=None, target=None, **extra):
    r = {"metric": metric}
    if target: r["target"] = target
    if variant: r["variant"] = variant
    r["group"] = group or {}
    r.update(value=value, unit=extra.pop("unit", "percent"), n=n)
    if ci is not None: r["ci"] = ci
    r.update(extra)
    return [r]
# seed 003: five answers 3,4,2,5,3 on 1-5. top_box: 4 and 5 -> 2/5 = 40%.
# mean 3.4, sd sqrt(5.2/4), t(0.975, 4) = 2.7764451051977987.
# pct_of_max: 17 / (5 x 5) = 68%, its interval the mean's x 100/5.
five = [3, 4, 2, 5, 3]
m = sum(five) / 5; sd = math.sqrt(sum((x - m) ** 2 for x in five) / 4); h = T975[4] * sd / math.sqrt(5)
write("survey_csat_top_box", survey("csat", 40, 5, wilson(2, 5), "top_box", below_min_n=True),
      warnings=["..."])
write("survey_csat_mean", survey("csat", 3.4, 5, [m - h, m + h], "mean", unit="score", below_min_n=True),
      warnings=["..."])
write("survey_csat_pct_of_max", survey("csat", 68, 5, [(m - h) * 20, (m + h) * 20], "pct_of_max"))
# survey_nps: 50 promoters (30 tens, 20 nines), 30 passives, 20 detractors
# -> NPS 30; SE = sqrt((0.5 + 0.2 - 0.3^2) / 100), interval 30 +- 1.96 SE x 100
se = math.sqrt((0.5 + 0.2 - 0.09) / 100)
write("survey_nps", survey("nps", 30, 100, [30 - Z * se * 100, 30 + Z * se * 100], "nps", unit="score",
                           buckets={"promoters": 50, "passives": 30, "detractors": 20}))
# survey_compare: week of 03-04: 5 of 10 satisfied; week of 03-11: 9 of 10.
# two-proportion z (pooled p = 0.7): z = 0.4 / sqrt(0.7 x 0.3 x 0.2) = 1.9518,
# p = 0.0510: not significant at 95%.
zc = 0.4 / math.sqrt(0.7 * 0.3 * 0.2)
write("survey_compare", survey("csat", 50, 10, wilson(5, 10), "top_box", {"week": "2024-03-04"})
      + survey("csat", 90, 10, wilson(9, 10), "top_box", {"week": "2024-03-11"}, previous=50, previous_n=10,
               change=40, p_value=erfc_p(zc), significant=False, test="..."))
# survey_bad_rows: G2 (6 off the scale), G3 (not a number), G4 (a decimal),
# G5 (unknown survey, no scale), the second G1 (duplicate), G7 (another
# scale) are bad; G8 is a custom survey on 1-5 (only in distribution).
# csat: G1 5 and G9 1 -> 1 of 2 in the top boxes. distribution: csat 1 and 5
# at 50% each, happiness 4 at 100%.
def dist_row(target, score, k, n):
    return survey("distribution", 100 * k / n, n, wilson(k, n), target=target, stat=str(score))
rows = survey("csat", 50, 2, wilson(1, 2), "top_box")
rows += dist_row("csat", 1, 1, 2) + [r for r in []]
for sc in (2, 3, 4): rows += dist_row("csat", sc, 0, 2)
rows += dist_row("csat", 5, 1, 2)
for sc in (1, 2, 3): rows += dist_row("happiness", sc, 0, 1)
rows += dist_row("happiness", 4, 1, 1) + dist_row("happiness", 5, 0, 1)
write("survey_bad_rows", rows, warnings=["..."] * 7, bad_rows=6)
# survey_join: channel from each answer's ticket (support_basic): chat T3 1
# (and T4 sent, unanswered), email T1 5, T2 4, T5 2, phone T6 5.
ch = lambda c: {"channel": c}
write("survey_join", survey("csat", 0, 1, wilson(0, 1), "top_box", ch("chat"))
      + survey("csat", 200 / 3, 3, wilson(2, 3), "top_box", ch("email"))
      + survey("csat", 100, 1, wilson(1, 1), "top_box", ch("phone"))
      + survey("response_rate", 50, 2, wilson(1, 2), target="csat", group=ch("chat"))
      + survey("response_rate", 100, 3, wilson(3, 3), target="csat", group=ch("email"))
      + survey("response_rate", 100, 1, wilson(1, 1), target="csat", group=ch("phone")))

# survey_where_tags: --where on the tickets' tags for answers joined to their
# ticket: "has the tag", as on the tickets: T1 vip (5), T2 billing;vip (2),
# T3 " vip ;refund" (4, pieces trimmed); not T4 vipx, T5 none, T6 VIP (case).
# Top box (4-5): 5 and 4 of 5, 2, 4 -> 2 of 3.
write("survey_where_tags", survey("csat", 200 / 3, 3, wilson(2, 3), "top_box"))
# survey_where_join: channel email or phone (T1 T2 T5 T6) and no billing tag
# (drops T2): T1 5, T5 5, T6 1 -> 2 of 3 in the top boxes.
write("survey_where_join", survey("csat", 200 / 3, 3, wilson(2, 3), "top_box"))

# fcr_contacts: over every contact not abandoned (T1 T2 T3 T5 T6), resolved at
# first contact: T1 and T3 -> 2/5 (T5, unresolved, counts as not).
write("fcr_contacts", rate("fcr", 2, 5))

# survey_themes: seven NPS answers 2,9,3,10,0,8,10 -> 3 promoters, 1 passive,
# 3 detractors: NPS 0. Six have a comment: refund in English (T1), Chinese
# (T3, 退款申请) and Japanese (T4, 返金); delivery delay in Malay (T5, two
# phrases, counted once); price in Chinese (T7, 价格). Shares over the six.
# Scores over the mentioning answers: refund 2,3,10 -> -33.3; delivery 0 ->
# -100; price 10 -> 100. Impact = NPS(all) - NPS(without): refund 0 - NPS(9,0,8,10)
# = 0 - 25; delivery 0 - NPS(2,9,3,10,8,10) = -16.7; price 0 - NPS(2,9,3,10,0,8) = +16.7.
def nps_ci(p, d, n):
    se = math.sqrt((p / n + d / n - (p / n - d / n) ** 2) / n) * 100
    v = 100 * (p - d) / n
    return [max(-100, v - Z * se), min(100, v + Z * se)]
def nps_of(sc):
    n = len(sc); p = sum(1 for x in sc if x >= 9); d = sum(1 for x in sc if x <= 6)
    return 100 * (p - d) / n, math.sqrt((p / n + d / n - (p / n - d / n) ** 2) / n) * 100
def impact_ci(with_sc, without_sc):
    """theme_impact's interval: impact = w (NPS_with - NPS_without), w the
    share mentioning the theme; SE = w sqrt(SE_with^2 + SE_without^2)."""
    w = len(with_sc) / (len(with_sc) + len(without_sc))
    (_, s1), (_, s2) = nps_of(with_sc), nps_of(without_sc)
    v = nps_of(with_sc + without_sc)[0] - nps_of(without_sc)[0]
    return [v - Z * w * math.hypot(s1, s2), v + Z * w * math.hypot(s1, s2)]
TH = ["refund", "delivery delay", "price", "staff attitude"]
rows = survey("nps", 0, 7, nps_ci(3, 3, 7), "nps", unit="score", buckets={"promoters": 3, "passives": 1, "detractors": 3})
for t, k in zip(TH, (3, 1, 1, 0)):
    rows += survey("theme_share", 100 * k / 6, 6, wilson(k, 6), target=t)
for t, (p, d, n) in zip(TH, ((1, 2, 3), (0, 1, 1), (1, 0, 1), (0, 0, 0))):
    if n: rows += survey("theme_score", 100 * (p - d) / n, n, nps_ci(p, d, n), "nps", target=t, stat="nps", unit="score")
    else: rows += [{"metric": "theme_score", "stat": "nps", "target": t, "variant": "nps", "group": {}, "value": None,
                    "reason": "no answer mentions this theme", "unit": "score", "n": 0}]
ALL7 = [2, 9, 3, 10, 0, 8, 10]
WITH7 = {"refund": [2, 3, 10], "delivery delay": [0], "price": [10]}
for t, imp in zip(TH, (-25, -100 / 6, 100 / 6, None)):
    r = {"metric": "theme_impact", "stat": "nps", "target": t, "variant": "nps", "group": {}, "value": imp, "unit": "score", "n": 7}
    if imp is None: r["reason"] = "no answer mentions this theme"
    else:
        wt = WITH7[t]; rest = list(ALL7)
        for x in wt: rest.remove(x)
        r["ci"] = impact_ci(wt, rest)
    rows.append(r)
write("survey_themes", rows)

# survey_themes_rules: prefix items and exclusions. Six NPS answers 2,9,0,10,6,8
# -> 2 promoters, 1 passive, 3 detractors: NPS -16.7. refund* matches R1
# (refunded) and R3 (refunds); R4's "refund policy" is excluded. rude matches
# R3; R2's "Not rude" is excluded. "penghantaran lambat*" matches R5
# (lambatnya). Scores: refund 2,0 -> -100; staff 0 -> -100; delay 6 -> -100.
# Impact: refund -16.7 - NPS(9,10,6,8)=25 -> -41.7; staff -16.7 - NPS(2,9,10,6,8)=0;
# delay -16.7 - NPS(2,9,0,10,8)=0.
TH = ["refund", "staff attitude", "delivery delay"]
rows = survey("nps", -100 / 6, 6, nps_ci(2, 3, 6), "nps", unit="score", buckets={"promoters": 2, "passives": 1, "detractors": 3})
for t, k in zip(TH, (2, 1, 1)):
    rows += survey("theme_share", 100 * k / 6, 6, wilson(k, 6), target=t)
for t, (p, d, n) in zip(TH, ((0, 2, 2), (0, 1, 1), (0, 1, 1))):
    rows += survey("theme_score", 100 * (p - d) / n, n, nps_ci(p, d, n), "nps", target=t, stat="nps", unit="score")
ALL6 = {"R1": 2, "R2": 9, "R3": 0, "R4": 10, "R5": 6, "R6": 8}
WITH6 = {"refund": ["R1", "R3"], "staff attitude": ["R3"], "delivery delay": ["R5"]}
for t, imp in zip(TH, (-100 / 6 - 25, -100 / 6, -100 / 6)):
    wt = [ALL6[k] for k in WITH6[t]]; rest = [v for k, v in ALL6.items() if k not in WITH6[t]]
    rows.append({"metric": "theme_impact", "stat": "nps", "target": t, "variant": "nps", "group": {}, "value": imp,
                 "unit": "score", "n": 6, "ci": impact_ci(wt, rest)})
write("survey_themes_rules", rows)

# survey_ces_agreement: 7,6,5,4,2 on 1-7, agreement: answers above the
# midpoint 4 (5, 6, 7) -> 3/5. survey_ces_effort: the same answers read as
# effort, agreement at or below 3 (low effort) -> only 2 -> 1/5.
write("survey_ces_agreement", survey("ces", 60, 5, wilson(3, 5), "agree_pct"))
write("survey_ces_effort", survey("ces", 20, 5, wilson(1, 5), "agree_pct"))
# survey_nps_adjusted: 50/30/20 of 100; adjusted Wald: n + 3, P + 3/4,
# D + 3/4: p = 50.75/103, d = 20.75/103, centre 100 (p - d), SE from them.
pa, da = 50.75 / 103, 20.75 / 103
sea = math.sqrt((pa + da - (pa - da) ** 2) / 103) * 100
write("survey_nps_adjusted", survey("nps", 30, 100, [100 * (pa - da) - Z * sea, 100 * (pa - da) + Z * sea], "nps",
                                    unit="score", buckets={"promoters": 50, "passives": 30, "detractors": 20}))
# survey_nps_window: June (the window) 8 promoters, 2 passives -> 80; the
# previous 30 days (2024-05-02..05-31) 5 promoters, 5 detractors -> 0.
# z = 80 / sqrt(SE_june^2 + SE_may^2) in points = 80 / sqrt(160 + 1000).
se_j = math.sqrt((0.8 - 0.64) / 10) * 100; se_m = math.sqrt(1.0 / 10) * 100
z = 80 / math.sqrt(se_j ** 2 + se_m ** 2)
write("survey_nps_window", survey("nps", 80, 10, [80 - Z * se_j, min(100, 80 + Z * se_j)], "nps", unit="score",
                                  buckets={"promoters": 8, "passives": 2, "detractors": 0}, previous=0, previous_n=10,
                                  change=80, p_value=erfc_p(z), significant=True, test="..."))
# survey_welch: CSAT means by week: 5,5,4,4,3 (4.2) then 2,3,3,4,2 (2.8),
# both sd sqrt(0.7); Welch t = -1.4 / sqrt(0.28), df = 8; two-sided p from
# the closed form for even df (Abramowitz & Stegun 26.7.3).
tw = -1.4 / math.sqrt(0.28); th = math.atan(abs(tw) / math.sqrt(8)); cc = math.cos(th) ** 2
A = math.sin(th) * (1 + cc / 2 + 3 / 8 * cc ** 2 + 15 / 48 * cc ** 3)
sd7 = math.sqrt(0.7); h5 = T975[4] * sd7 / math.sqrt(5)
write("survey_welch", survey("csat", 4.2, 5, [4.2 - h5, 4.2 + h5], "mean", {"week": "2024-03-04"}, unit="score")
      + survey("csat", 2.8, 5, [2.8 - h5, 2.8 + h5], "mean", {"week": "2024-03-11"}, unit="score",
               previous=4.2, previous_n=5, change=-1.4, p_value=1 - A, significant=True, test="..."))
# survey_enps_esat: eNPS 10,9,8,6,3,10 -> 3 promoters, 1 passive, 2 detractors
# of 6 -> 16.67; ESAT 5,4,4,2 on 1-5 -> 3 of 4 satisfied.
write("survey_enps_esat", survey("enps", 100 / 6, 6, nps_ci(3, 2, 6), "nps", unit="score",
                                 buckets={"promoters": 3, "passives": 1, "detractors": 2})
      + survey("esat", 75, 4, wilson(3, 4), "top_box"))

# duplicate_after_order_break: ids ascend (A2, A3), break (A1), then A2 and
# A3 repeat: both found, with the lines of their first sighting. 5 kept.
write("duplicate_after_order_break", count("volume", 5), warnings=["..."] * 3, bad_rows=2)

# ---- --compare on support metrics -------------------------------------------
# support_compare_bucket: week of 03-04: A1..A6, FRT 600, 1800, 1200, 300,
# 900, 2400 s (mean 1200, median 1050), resolved A1 A2 A4 A6 (4 of 6); week
# of 03-11: B1..B5, FRT 3600, 7200, 5400, 1800, 600 (mean 3720, median 3600),
# resolved B1..B4 (4 of 5). The second week against the first: volume 5 vs 6
# and the medians with no test (p null); the means by Welch's t, the p-value
# from the t density integrated numerically (Simpson, 200,000 panels); the
# resolution rates by the pooled two-proportion z test. The window case
# (--from 03-11 --to 03-17 --compare previous) compares the same two weeks.
def t_two_sided(t, df):
    """2 P(T > |t|) = 1 - 2 * integral_0^|t| of the t density (Simpson)."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    f = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)
    N = 200000; a = abs(t); h = a / N
    s = f(0) + f(a) + sum((4 if i % 2 else 2) * f(i * h) for i in range(1, N))
    return 1 - 2 * s * h / 3
def welch(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    vx = sum((v - mx) ** 2 for v in x) / (len(x) - 1) / len(x)
    vy = sum((v - my) ** 2 for v in y) / (len(y) - 1) / len(y)
    t = (mx - my) / math.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx ** 2 / (len(x) - 1) + vy ** 2 / (len(y) - 1))
    return t_two_sided(t, df)
def two_prop(k1, n1, k2, n2):
    p = (k1 + k2) / (n1 + n2)
    return erfc_p((k1 / n1 - k2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2)))
w1 = [600, 1800, 1200, 300, 900, 2400]; w2 = [3600, 7200, 5400, 1800, 600]
def cmp_rows(group, with_first):
    g1, g2 = {"week": "2024-03-04"}, {"week": "2024-03-11"}
    if not with_first: g2 = {}
    def mean_row(v, g):
        r = dist("frt", v, g, ("mean",))[0]; return r
    rows = []
    if with_first: rows += count("volume", 6, g1)
    rows += [dict(count("volume", 5, g2)[0], previous=6, previous_n=6, change=-1, p_value=None, significant=None)]
    if with_first: rows += dist("frt", w1, g1, ("mean", "median"))
    pw = welch(w2, w1)
    rows += [dict(dist("frt", w2, g2, ("mean",))[0], previous=1200, previous_n=6, change=2520, p_value=pw,
                  significant=pw < 0.05, test="welch_t"),
             dict(dist("frt", w2, g2, ("median",))[0], previous=1050, previous_n=6, change=2550, p_value=None,
                  significant=None)]
    if with_first: rows += rate("resolution_rate", 4, 6, g1)
    pz = two_prop(4, 5, 4, 6)
    rows += [dict(rate("resolution_rate", 4, 5, g2)[0], previous=400 / 6, previous_n=6, change=80 - 400 / 6,
                  p_value=pz, significant=pz < 0.05, test="two_prop_z")]
    return rows
write("support_compare_bucket", cmp_rows("week", True))
write("support_compare_window", cmp_rows(None, False))

# fcr_no_followup: --fcr-rule no_followup over resolved tickets: F1 (1
# customer message: the opening one) and F5 (0) qualify whatever the agent
# replies; F2 (3) does not; F3's customer_replies is unknown (left out,
# warned); F4 is not resolved -> 2 of 3.
write("fcr_no_followup", rate("fcr", 2, 3), warnings=["fcr: 1 resolved tickets left out: their customer_replies are unknown"])
