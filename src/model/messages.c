/*
 * messages.c - reading messages and deriving per-ticket facts (see
 * messages.h and docs/METRICS.md, "What counts as a response").
 *
 * Rules, in event-time order per ticket (ties keep file order):
 *  - a public customer message opens a turn if none is open;
 *  - a public reply by a responder (an agent; a bot too when the preset
 *    counts bots) closes the open turn, giving one reply time; the first
 *    such reply after the first customer message is the first response
 *    (with no customer message at all, the first responder reply);
 *  - private notes, system events and (by default) bots never respond;
 *  - status solved/closed enters the resolved state (first time: first
 *    resolution; each entry: the latest resolution); open/pending/hold/new
 *    after a resolved state is a reopen; the resolution stands only if the
 *    ticket ends resolved; closed sets closed_at once;
 *  - teammates: the distinct non-empty `agent` values of the public agent
 *    messages (bots, system events and private notes never count), and
 *    the number of public agent messages with an empty one (unnamed);
 *    with no agent column, teammates is -1 for every ticket.
 *
 * Agents are interned in a dictionary local to the load (a few thousand
 * names); a stamp per agent code (the last ticket that counted it) makes
 * the distinct count O(1) per event.
 */
#include "model/messages.h"

#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"

enum { AU_CUSTOMER = CXM_AUTHOR_CUSTOMER, AU_AGENT = CXM_AUTHOR_AGENT, AU_BOT = CXM_AUTHOR_BOT,
       AU_SYSTEM = CXM_AUTHOR_SYSTEM };
enum { ST_NONE = CXM_STATUS_NONE, ST_OPEN = CXM_STATUS_OPEN, ST_RESOLVED = CXM_STATUS_RESOLVED,
       ST_CLOSED = CXM_STATUS_CLOSED };

/* 24 bytes: the agent code fits the padding of the old 19-byte layout */
typedef struct event {
    int64_t at;
    uint32_t code, seq;
    uint32_t agent; /* code in the load's agent dict; AG_UNNAMED: empty or no column */
    uint8_t author, pub, status;
} event;

#define AG_UNNAMED UINT32_MAX

static int ieq(const char *a, size_t n, const char *b) {
    size_t m = strlen(b);
    if (n != m) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != b[i]) return 0;
    }
    return 1;
}

int cxm_msg_author(const cxm_field *f, uint8_t *out) {
    static const char *const names[][4] = {{"customer", "end-user", "end_user", "requester"},
                                           {"agent", "admin", "user", "staff"},
                                           {"bot", "automation", "ai", "assistant"},
                                           {"system", "trigger", "", ""}};
    for (uint8_t k = 0; k < 4; k++)
        for (int j = 0; j < 4; j++)
            if (names[k][j][0] && ieq(f->ptr, f->len, names[k][j])) {
                *out = k;
                return 0;
            }
    return -1;
}

int cxm_msg_status(const cxm_field *f, uint8_t *out) {
    if (!f->ptr || !f->len) { *out = ST_NONE; return 0; }
    if (ieq(f->ptr, f->len, "solved") || ieq(f->ptr, f->len, "resolved")) { *out = ST_RESOLVED; return 0; }
    if (ieq(f->ptr, f->len, "closed")) { *out = ST_CLOSED; return 0; }
    if (ieq(f->ptr, f->len, "open") || ieq(f->ptr, f->len, "pending") || ieq(f->ptr, f->len, "hold") ||
        ieq(f->ptr, f->len, "on-hold") || ieq(f->ptr, f->len, "new") || ieq(f->ptr, f->len, "reopened") ||
        ieq(f->ptr, f->len, "snoozed")) { *out = ST_OPEN; return 0; }
    return -1;
}

void cxm_msgset_free(cxm_msgset *ms) {
    if (!ms) return;
    free(ms->facts);
    free(ms->replies);
    memset(ms, 0, sizeof *ms);
}

static int push_reply(cxm_msgset *ms, size_t *cap, int64_t a, int64_t b) {
    if (ms->nreplies == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        int64_t *p = realloc(ms->replies, nc * 2 * sizeof *p);
        if (!p) return CXM_ENOMEM;
        ms->replies = p;
        *cap = nc;
    }
    ms->replies[2 * ms->nreplies] = a;
    ms->replies[2 * ms->nreplies + 1] = b;
    ms->nreplies++;
    return CXM_OK;
}

int cxm_msg_one_teammate(const cxm_msg_facts *f) {
    if (!f || !f->present || f->teammates < 0) return -1;
    int32_t named = f->teammates, unnamed = f->unnamed_replies;
    if (named >= 2) return 0;                      /* two already, whoever wrote the rest */
    if (named + unnamed == 0) return 0;            /* nobody replied in public */
    if (named + unnamed == 1) return 1;            /* one reply, or one name and no unnamed reply */
    return -1;                                     /* an unnamed reply may or may not be the other one */
}

/* stamp[agent] = 1 + the code of the last ticket that counted the agent
 * (NULL: no agent column). */
static int derive(cxm_msgset *ms, const event *ev, size_t n, int bots_respond, uint32_t *stamp, size_t *rcap) {
    size_t i = 0;
    while (i < n) {
        uint32_t code = ev[i].code;
        cxm_msg_facts *f = &ms->facts[code];
        f->present = 1;
        f->teammates = stamp ? 0 : -1;
        f->first_customer = f->first_response = f->first_resolved = f->resolved = f->closed = CXM_TIME_NULL;
        f->open_turn = CXM_TIME_NULL;
        f->reply_off = (uint32_t)ms->nreplies;
        int resolved_state = 0;
        cxm_time last_resolved = CXM_TIME_NULL, first_responder = CXM_TIME_NULL;
        for (; i < n && ev[i].code == code; i++) {
            const event *e = &ev[i];
            int responder = e->author == AU_AGENT || (bots_respond && e->author == AU_BOT);
            if (e->pub && e->author == AU_CUSTOMER) {
                f->customer_replies++;
                if (f->first_customer == CXM_TIME_NULL) f->first_customer = e->at;
                if (f->open_turn == CXM_TIME_NULL) f->open_turn = e->at;
            } else if (e->pub && responder) {
                f->agent_replies++;
                if (stamp && e->author == AU_AGENT) {
                    if (e->agent == AG_UNNAMED)
                        f->unnamed_replies++;
                    else if (stamp[e->agent] != code + 1) {
                        stamp[e->agent] = code + 1;
                        f->teammates++;
                    }
                }
                if (first_responder == CXM_TIME_NULL) first_responder = e->at;
                if (f->first_response == CXM_TIME_NULL && f->first_customer != CXM_TIME_NULL)
                    f->first_response = e->at;
                if (f->open_turn != CXM_TIME_NULL) {
                    int rc = push_reply(ms, rcap, f->open_turn, e->at);
                    if (rc) return rc;
                    f->nreplies++;
                    f->open_turn = CXM_TIME_NULL;
                }
            }
            if (e->status == ST_RESOLVED || e->status == ST_CLOSED) {
                if (!resolved_state) {
                    resolved_state = 1;
                    last_resolved = e->at;
                    if (f->first_resolved == CXM_TIME_NULL) f->first_resolved = e->at;
                }
                if (e->status == ST_CLOSED && f->closed == CXM_TIME_NULL) f->closed = e->at;
            } else if (e->status == ST_OPEN && resolved_state) {
                resolved_state = 0;
                f->reopens++;
            }
        }
        if (f->first_customer == CXM_TIME_NULL) f->first_response = first_responder;
        f->resolved = resolved_state ? last_resolved : CXM_TIME_NULL;
        if (resolved_state) f->open_turn = CXM_TIME_NULL; /* a solved ticket awaits nobody */
    }
    return CXM_OK;
}

static int cmp_event(const void *a, const void *b) {
    const event *x = a, *y = b;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int cxm_msgset_load(const cxm_msg_opts *o, cxm_dict *ids, cxm_msgset *ms, cxm_diag *diag) {
    memset(ms, 0, sizeof *ms);
    ms->max_time = CXM_TIME_NULL;
    cxm_rows *r = NULL;
    int rc = cxm_rows_open(&r, o->path, cxm_rows_guess_format(o->path), o->delimiter ? o->delimiter : ',', diag);
    if (rc) return rc;
    const cxm_field *names;
    size_t ncols;
    cxm_rows_header(r, &names, &ncols);
    cxm_colmap map;
    rc = cxm_colmap_resolve(&map, &cxm_stream_messages, o->path, names, ncols, o->map, o->nmap, diag);
    ms->has_agent = !rc && map.src[MS_AGENT] >= 0;
    cxm_dict agents;
    cxm_dict_init(&agents, CXM_MAX_DICT_VALUES);
    event *ev = NULL;
    size_t nev = 0, cap = 0;
    const cxm_field *f;
    size_t nf;
    cxm_diag rowdiag;
    while (!rc) {
        int got = cxm_rows_next(r, &f, &nf, &rowdiag);
        if (got == 0) break;
        uint64_t line = cxm_rows_line(r);
        int bad = 0;
        if (got < 0 && got != CXM_EPARSE) {
            *diag = rowdiag;
            rc = got;
            break;
        }
        event e = {0};
        if (got == CXM_EPARSE) bad = 1;
        if (!bad && nf != map.nsrc) {
            /* NDJSON header grew: a new key; messages need no extra columns */
        }
#define SRC(k) (map.src[k] >= 0 && (size_t)map.src[k] < nf ? &f[map.src[k]] : NULL)
        if (!bad) {
            const cxm_field *fid = SRC(MS_TICKET_ID), *fat = SRC(MS_AT), *fau = SRC(MS_AUTHOR),
                            *fpub = SRC(MS_PUBLIC), *fst = SRC(MS_STATUS), *fag = SRC(MS_AGENT);
            const char *why = NULL;
            int pubv = 1;
            if (!fid || !fid->ptr || !fid->len) {
                bad = 1;
                cxm_diag_set(&rowdiag, CXM_EPARSE, o->path, line, (uint32_t)map.src[MS_TICKET_ID] + 1,
                             "ticket_id", "expected a ticket id, found an empty field");
            } else if (!fat || !fat->ptr || !fat->len ||
                       cxm_parse_time(fat->ptr, fat->len, o->naive_tz, o->order, &e.at, &why)) {
                bad = 1;
                cxm_diag_set(&rowdiag, CXM_EPARSE, o->path, line, (uint32_t)map.src[MS_AT] + 1, "at",
                             "expected a timestamp such as 2024-03-05T14:07:00Z, found '%.*s'%s%s",
                             fat && fat->ptr ? (int)(fat->len > 80 ? 80 : fat->len) : 0,
                             fat && fat->ptr ? fat->ptr : "", why ? ": " : "", why ? why : "");
            } else if (!fau || !fau->ptr || cxm_msg_author(fau, &e.author)) {
                bad = 1;
                cxm_diag_set(&rowdiag, CXM_EPARSE, o->path, line, (uint32_t)map.src[MS_AUTHOR] + 1, "author",
                             "expected customer, agent, bot or system, found '%.*s'",
                             fau && fau->ptr ? (int)(fau->len > 80 ? 80 : fau->len) : 0,
                             fau && fau->ptr ? fau->ptr : "");
            } else if (fpub && fpub->ptr && fpub->len && cxm_parse_bool(fpub->ptr, fpub->len, &pubv)) {
                bad = 1;
                cxm_diag_set(&rowdiag, CXM_EPARSE, o->path, line, (uint32_t)map.src[MS_PUBLIC] + 1, "public",
                             "expected true/false, yes/no or 1/0, found '%.*s'",
                             (int)(fpub->len > 80 ? 80 : fpub->len), fpub->ptr);
            } else if (fst && cxm_msg_status(fst, &e.status)) {
                bad = 1;
                cxm_diag_set(&rowdiag, CXM_EPARSE, o->path, line, (uint32_t)map.src[MS_STATUS] + 1, "status",
                             "expected open, pending, hold, solved or closed, found '%.*s'",
                             (int)(fst->len > 80 ? 80 : fst->len), fst->ptr);
            } else {
                e.pub = (uint8_t)(pubv != 0);
                e.agent = AG_UNNAMED;
                rc = cxm_dict_intern(ids, fid->ptr, fid->len, &e.code, NULL);
                if (rc) {
                    cxm_diag_set(diag, rc, o->path, line, 0, NULL, "too many distinct ticket ids");
                    break;
                }
                /* only a public agent message's teammate is ever counted */
                if (e.author == AU_AGENT && e.pub && fag && fag->ptr && fag->len &&
                    (rc = cxm_dict_intern(&agents, fag->ptr, fag->len, &e.agent, NULL))) {
                    cxm_diag_set(diag, rc, o->path, line, (uint32_t)map.src[MS_AGENT] + 1, "agent",
                                 "too many distinct agents (more than %u)", (unsigned)CXM_MAX_DICT_VALUES);
                    break;
                }
            }
        }
#undef SRC
        if (bad) {
            ms->bad_rows++;
            if (o->strict) {
                *diag = rowdiag;
                rc = CXM_EDATA;
                break;
            }
            if (o->bad_row) o->bad_row(o->ud, &rowdiag);
            continue;
        }
        if (nev == cap) {
            cap = cap ? cap * 2 : 4096;
            event *ne = realloc(ev, cap * sizeof *ne);
            if (!ne) {
                rc = CXM_ENOMEM;
                break;
            }
            ev = ne;
        }
        e.seq = (uint32_t)nev;
        if (ms->max_time == CXM_TIME_NULL || e.at > ms->max_time) ms->max_time = e.at;
        ev[nev++] = e;
    }
    cxm_colmap_free(&map);
    cxm_rows_free(r);
    ms->events = nev;
    size_t nagents = agents.count;
    cxm_dict_free(&agents); /* the codes are all derive needs */
    if (rc) {
        free(ev);
        return rc;
    }
    /* counting sort by ticket code, then by time within each ticket */
    size_t ncodes = ids->count;
    uint32_t *start = calloc(ncodes + 1, sizeof *start);
    event *sorted = malloc((nev ? nev : 1) * sizeof *sorted);
    ms->facts = calloc(ncodes ? ncodes : 1, sizeof *ms->facts);
    if (!start || !sorted || !ms->facts) {
        free(start);
        free(sorted);
        free(ev);
        return CXM_ENOMEM;
    }
    ms->nfacts = ncodes;
    for (size_t i = 0; i < nev; i++) start[ev[i].code + 1]++;
    for (size_t c = 0; c < ncodes; c++) start[c + 1] += start[c];
    for (size_t i = 0; i < nev; i++) sorted[start[ev[i].code]++] = ev[i];
    free(ev);
    /* start[c] is now the end of code c; sort each run by (at, seq) */
    size_t b = 0;
    for (size_t c = 0; c < ncodes; c++) {
        size_t e = start[c];
        if (e - b > 1) qsort(sorted + b, e - b, sizeof *sorted, cmp_event);
        b = e;
    }
    free(start);
    size_t rcap = 0;
    uint32_t *stamp = NULL;
    if (ms->has_agent && !(stamp = calloc(nagents ? nagents : 1, sizeof *stamp))) {
        free(sorted);
        return CXM_ENOMEM;
    }
    rc = derive(ms, sorted, nev, o->bots_respond, stamp, &rcap);
    free(stamp);
    free(sorted);
    return rc;
}
