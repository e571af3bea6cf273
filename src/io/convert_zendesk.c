/*
 * convert_zendesk.c - the `zendesk` import profile: a directory of Zendesk
 * tables as Fivetran syncs them (the dbt_zendesk seed files) into
 * tickets.csv and messages.csv.
 *
 * Reads DIR/ticket_data.csv (required), DIR/user_data.csv,
 * DIR/ticket_comment_data.csv and DIR/ticket_field_history_data.csv
 * (each optional). Mapping (docs/IMPORT.md):
 *   tickets: ticket_id = id, created_at, channel = via_channel, agent =
 *     assignee_id, team = group_id, priority, status, customer_id =
 *     requester_id, dimensions type, organization_id, brand_id.
 *   messages from comments: at = created, author from the commenter's role
 *     in user_data (end-user -> customer, agent/admin -> agent; a commenter
 *     missing there is the customer if they are the ticket's requester, an
 *     agent if its assignee), public, agent = the commenter's user_id when
 *     the author is an agent (the same id space as tickets' agent =
 *     assignee_id, so the two join; user names are not unique in Zendesk).
 *     The agent column is written only when ticket_comment_data.csv is
 *     there: without comments nobody is known to have replied, and an empty
 *     column would read as "no teammate replied".
 *   messages from the field history rows whose field_name is status: at =
 *     updated, author = system, public = false, status = value (on-hold ->
 *     hold), agent empty. Other fields' history is not read (tickets carry their current
 *     values).
 *   Resolutions, reopens, first responses and replies are derived from the
 *   messages; tickets.csv does not carry them.
 *
 * Defects. Left out, reported with file, line and column: a ticket with an
 * empty or duplicate id or an unreadable created_at; a deleted ticket
 * (Zendesk leaves them out of its metrics); a solved or closed ticket with
 * no status history (its resolution instant is unknown: the two tables
 * contradict each other); a comment or status row for a ticket missing from
 * ticket_data (or left out), with an unreadable instant or public flag, an
 * unknown status value, or an author who cannot be placed. A left-out
 * ticket takes its messages with it (counted in its rows). Warnings: users
 * with an unknown role; commenters missing from user_data; a ticket whose
 * current status disagrees with the end of its status history; a ticket
 * with no comment when the comment table is there (every Zendesk ticket has
 * at least its description: the table is incomplete for it).
 *
 * rows_read counts ticket rows, comment rows and status-history rows (the
 * user table and other fields' history are lookups, not records written).
 * Memory: one block of values per ticket, 32 bytes per message and the
 * distinct agent commenters' ids.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/dict.h"
#include "core/limits.h"
#include "io/convert.h"
#include "time/parse.h"

/* ticket_data.csv */
enum { TD_ID, TD_CREATED, TD_STATUS, TD_CHANNEL, TD_ASSIGNEE, TD_GROUP, TD_PRIORITY, TD_REQUESTER, TD_TYPE,
       TD_ORG, TD_BRAND, TD_N };
static const char *const TD_COLS[TD_N] = {"id", "created_at", "status", "via_channel", "assignee_id", "group_id",
                                          "priority", "requester_id", "type", "organization_id", "brand_id"};
#define TD_REQUIRED ((1u << TD_ID) | (1u << TD_CREATED) | (1u << TD_STATUS))
/* values kept per ticket: TD_COLS[TD_CHANNEL..TD_N) */
#define NKEEP (TD_N - TD_CHANNEL)

enum { US_ID, US_ROLE, US_N };
static const char *const US_COLS[US_N] = {"id", "role"};
enum { CM_TICKET, CM_CREATED, CM_USER, CM_PUBLIC, CM_N };
static const char *const CM_COLS[CM_N] = {"ticket_id", "created", "user_id", "public"};
enum { FH_FIELD, FH_TICKET, FH_UPDATED, FH_VALUE, FH_N };
static const char *const FH_COLS[FH_N] = {"field_name", "ticket_id", "updated", "value"};

static const char *const TICKET_OUT[] = {"ticket_id", "created_at", "channel", "agent", "team",
                                         "priority", "status", "customer_id", "type", "organization_id",
                                         "brand_id", "source_line"};
/* the canonical order (model/schema.c), then the profile's own columns; agent
 * only when the comment table is there (MESSAGE_OUT_NO_AGENT otherwise) */
static const char *const MESSAGE_OUT[] = {"ticket_id", "at", "author", "public", "status", "agent", "source",
                                          "source_line"};
static const char *const MESSAGE_OUT_NO_AGENT[] = {"ticket_id", "at", "author", "public", "status", "source",
                                                   "source_line"};

enum { ST_NEW, ST_OPEN, ST_PENDING, ST_HOLD, ST_SOLVED, ST_CLOSED, ST_DELETED, ST_NONE };
static const char *const ST_NAME[] = {"new", "open", "pending", "hold", "solved", "closed", "deleted", ""};
enum { AU_CUSTOMER, AU_AGENT, AU_SYSTEM, AU_UNKNOWN };
static const char *const AU_NAME[] = {"customer", "agent", "system", ""};
enum { SRC_COMMENTS, SRC_HISTORY };
static const char *const SRC_NAME[] = {"ticket_comment_data.csv", "ticket_field_history_data.csv"};

typedef struct msg {
    int64_t at;
    uint64_t line;
    uint32_t ticket;
    uint32_t agent; /* 1 + code in zd.agents; 0: no agent (customer, system) */
    uint8_t author, pub, status, src;
} msg;

typedef struct ticket {
    uint64_t line;
    cxm_time created;
    uint8_t status;
    int bad;                 /* left out (reported) */
    uint64_t nmsgs;          /* messages kept for it */
    int has_comment;         /* one of them is a comment */
    cxm_time first_msg;      /* earliest message, CXM_TIME_NULL if none */
    cxm_time hist_at;        /* latest status-history event, CXM_TIME_NULL if none */
    uint64_t hist_line;
    uint8_t hist_status;
    uint32_t *keep;          /* owned: NKEEP + 1 offsets, then bytes */
} ticket;

typedef struct zd {
    cxm_cvt *c;
    char *paths[4];          /* owned: the four files */
    cxm_dict ids;            /* ticket ids -> index into t */
    cxm_dict users;          /* user ids -> index into roles */
    cxm_dict agents;         /* user ids of agent commenters (msg.agent - 1) */
    int have_comments;       /* ticket_comment_data.csv is there: messages.csv has an agent column */
    uint8_t *roles;
    size_t nroles, roles_cap;
    ticket *t;
    size_t nt, tcap;
    msg *m;
    size_t nm, mcap;
    cxm_cvt_tally bad_role, missing_user, status_disagrees, deleted, no_history, orphans, early, no_comment;
    uint32_t status_col; /* 1-based column of status in ticket_data.csv */
} zd;

static char *join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

static int ieq(cxm_field f, const char *s) {
    size_t n = strlen(s);
    if (f.len != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = f.ptr[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (a != s[i]) return 0;
    }
    return 1;
}

static int parse_status(cxm_field f, uint8_t *out) {
    static const char *const names[] = {"new", "open", "pending", "hold", "solved", "closed", "deleted"};
    for (uint8_t k = 0; k < 7; k++)
        if (ieq(f, names[k])) {
            *out = k;
            return 0;
        }
    if (ieq(f, "on-hold") || ieq(f, "on hold")) {
        *out = ST_HOLD;
        return 0;
    }
    return -1;
}

static int resolved_status(uint8_t s) { return s == ST_SOLVED || s == ST_CLOSED; }

static int parse_when(cxm_field v, cxm_time *out, const char **why) {
    *why = NULL;
    if (cxm_cvt_empty(v)) return -1;
    return cxm_parse_time(v.ptr, v.len, NULL, CXM_DATE_YMD, out, why) ? -1 : 0;
}

/* Opens one of the tables; *r stays NULL (and 0 is returned) when an
 * optional table is absent. */
static int open_table(zd *s, int which, const char *const *cols, size_t ncols, uint64_t required, int *idx,
                      cxm_rows **r) {
    cxm_cvt *c = s->c;
    *r = NULL;
    c->in = s->paths[which];
    FILE *probe = fopen(c->in, "rb");
    if (!probe) {
        if (which == 0)
            return cxm_diag_set(c->diag, CXM_EIO, c->in, 0, 0, NULL,
                                "cannot read the ticket table (profile 'zendesk' reads --in DIR holding "
                                "ticket_data.csv)");
        return CXM_OK;
    }
    fclose(probe);
    if (which == 1) s->have_comments = 1;
    int rc = cxm_rows_open(r, c->in, CXM_ROWS_CSV, c->delim, c->diag);
    if (!rc) rc = cxm_cvt_columns(c, *r, cols, ncols, required, idx);
    return rc;
}

/* Next data record of r: 1 with f/nf, 0 at the end, < 0 on error. Records
 * that are not valid CSV are reported as bad when count is set. */
static int next_record(zd *s, cxm_rows *r, const cxm_field **f, size_t *nf, int count) {
    while (1) {
        cxm_diag rowdiag;
        int got = cxm_rows_next(r, f, nf, &rowdiag);
        if (got == 0) return 0;
        if (got < 0 && got != CXM_EPARSE) {
            if (s->c->diag) *s->c->diag = rowdiag;
            return got;
        }
        if (got == CXM_EPARSE) {
            if (count) {
                s->c->rows_read++;
                int rc = cxm_cvt_bad_diag(s->c, &rowdiag);
                if (rc) return rc;
            }
            continue;
        }
        return 1;
    }
}

#define COL(idx, names, k) ((uint32_t)(idx)[k] + 1), (names)[k]
#define BAD(...)                                                                                           \
    do {                                                                                                   \
        int rc_ = cxm_cvt_bad(c, __VA_ARGS__);                                                             \
        if (rc_) return rc_;                                                                               \
        return 0;                                                                                          \
    } while (0)

static int read_users(zd *s) {
    int idx[US_N];
    cxm_rows *r;
    int rc = open_table(s, 2, US_COLS, US_N, (1u << US_ID) | (1u << US_ROLE), idx, &r);
    const cxm_field *f;
    size_t nf;
    while (!rc && r && (rc = next_record(s, r, &f, &nf, 0)) == 1) {
        rc = 0;
        cxm_field id = cxm_cvt_field(f, nf, idx[US_ID]), role = cxm_cvt_field(f, nf, idx[US_ROLE]);
        if (cxm_cvt_empty(id)) continue;
        uint8_t au = ieq(role, "end-user") || ieq(role, "end_user") ? AU_CUSTOMER
                     : ieq(role, "agent") || ieq(role, "admin")     ? AU_AGENT
                                                                    : AU_UNKNOWN;
        if (au == AU_UNKNOWN) {
            char show[96];
            cxm_cvt_tally_add(&s->bad_role, "line %llu '%s'", (unsigned long long)cxm_rows_line(r),
                              cxm_cvt_show(role, show, sizeof show));
        }
        uint32_t code;
        int added;
        if ((rc = cxm_dict_intern(&s->users, id.ptr, id.len, &code, &added))) break;
        if (!added) continue; /* the first row of a user wins */
        if (s->nroles == s->roles_cap) {
            size_t cap = s->roles_cap ? s->roles_cap * 2 : 256;
            uint8_t *p = realloc(s->roles, cap);
            if (!p) {
                rc = CXM_ENOMEM;
                break;
            }
            s->roles = p;
            s->roles_cap = cap;
        }
        s->roles[s->nroles++] = au;
    }
    cxm_rows_free(r);
    return rc < 0 ? rc : CXM_OK;
}

static int keep_values(ticket *t, const cxm_field *f, size_t nf, const int *idx) {
    cxm_field v[NKEEP];
    size_t total = 0;
    for (int k = 0; k < NKEEP; k++) {
        v[k] = cxm_cvt_field(f, nf, idx[TD_CHANNEL + k]);
        total += v[k].len;
    }
    if (total > CXM_MAX_RECORD_BYTES) return CXM_ELIMIT;
    uint32_t *p = malloc((NKEEP + 1) * sizeof *p + total + 1);
    if (!p) return CXM_ENOMEM;
    char *base = (char *)(p + NKEEP + 1);
    uint32_t off = 0;
    for (int k = 0; k < NKEEP; k++) {
        p[k] = off;
        if (v[k].len) memcpy(base + off, v[k].ptr, v[k].len);
        off += (uint32_t)v[k].len;
    }
    p[NKEEP] = off;
    t->keep = p;
    return CXM_OK;
}

static cxm_field kept(const ticket *t, int col) {
    cxm_field r = {NULL, 0};
    if (!t->keep) return r;
    int k = col - TD_CHANNEL;
    r.ptr = (const char *)(t->keep + NKEEP + 1) + t->keep[k];
    r.len = t->keep[k + 1] - t->keep[k];
    return r;
}

/* One ticket row: 1 kept, 0 reported bad, < 0 error. */
static int read_ticket(zd *s, const cxm_field *f, size_t nf, const int *idx, uint64_t line) {
    cxm_cvt *c = s->c;
    char show[96];
    const char *why;
    cxm_field id = cxm_cvt_field(f, nf, idx[TD_ID]), cr = cxm_cvt_field(f, nf, idx[TD_CREATED]),
              st = cxm_cvt_field(f, nf, idx[TD_STATUS]);
    cxm_time created;
    uint8_t status = ST_NONE;
    if (cxm_cvt_empty(id)) BAD(line, COL(idx, TD_COLS, TD_ID), 1, "expected a ticket id, found an empty field");
    if (parse_when(cr, &created, &why))
        BAD(line, COL(idx, TD_COLS, TD_CREATED), 1, "expected a timestamp such as 2020-02-19 01:54:52, found '%s'%s%s",
            cxm_cvt_show(cr, show, sizeof show), why ? ": " : "", why ? why : "");
    if (!cxm_cvt_empty(st) && parse_status(st, &status))
        BAD(line, COL(idx, TD_COLS, TD_STATUS), 1, "expected new, open, pending, hold, solved, closed or deleted, found '%s'",
            cxm_cvt_show(st, show, sizeof show));
    uint32_t code;
    int added, rc;
    s->status_col = (uint32_t)idx[TD_STATUS] + 1;
    if ((rc = cxm_dict_intern(&s->ids, id.ptr, id.len, &code, &added)))
        return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "too many tickets");
    if (!added)
        BAD(line, COL(idx, TD_COLS, TD_ID), 1, "duplicate ticket id '%s' (first on line %llu): expected each ticket once",
            cxm_cvt_show(id, show, sizeof show), (unsigned long long)s->t[code].line);
    if (s->nt == s->tcap) {
        size_t cap = s->tcap ? s->tcap * 2 : 1024;
        ticket *p = realloc(s->t, cap * sizeof *p);
        if (!p) return CXM_ENOMEM;
        s->t = p;
        s->tcap = cap;
    }
    ticket *t = &s->t[s->nt++];
    memset(t, 0, sizeof *t);
    t->line = line;
    t->created = created;
    t->status = status;
    t->hist_at = t->first_msg = CXM_TIME_NULL;
    if ((rc = keep_values(t, f, nf, idx))) return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "cannot keep the ticket");
    t->bad = status == ST_DELETED; /* reported once its messages are counted */
    return 1;
}

static int push_msg(zd *s, const msg *m) {
    if (s->nm == s->mcap) {
        if (s->nm >= CXM_MAX_RECORDS) return CXM_ELIMIT;
        size_t cap = s->mcap ? s->mcap * 2 : 1024;
        msg *p = realloc(s->m, cap * sizeof *p);
        if (!p) return CXM_ENOMEM;
        s->m = p;
        s->mcap = cap;
    }
    s->m[s->nm++] = *m;
    return CXM_OK;
}

/* The ticket a message names, or reports it bad (returns 0). */
static int find_ticket(zd *s, cxm_field id, const int *idx, int col, const char *const *names, uint64_t line,
                       uint32_t *code) {
    cxm_cvt *c = s->c;
    char show[96];
    if (cxm_cvt_empty(id)) BAD(line, COL(idx, names, col), 1, "expected a ticket id, found an empty field");
    if (!cxm_dict_find(&s->ids, id.ptr, id.len, code)) {
        cxm_cvt_tally_add(&s->orphans, "%s line %llu", cxm_cvt_show(id, show, sizeof show), (unsigned long long)line);
        BAD(line, COL(idx, names, col), 1, "ticket '%s' is not in ticket_data.csv", cxm_cvt_show(id, show, sizeof show));
    }
    return 1;
}

static int read_comment(zd *s, const cxm_field *f, size_t nf, const int *idx, uint64_t line) {
    cxm_cvt *c = s->c;
    char show[96];
    const char *why;
    msg m;
    memset(&m, 0, sizeof m);
    m.line = line;
    m.src = SRC_COMMENTS;
    m.status = ST_NONE;
    int ok = find_ticket(s, cxm_cvt_field(f, nf, idx[CM_TICKET]), idx, CM_TICKET, CM_COLS, line, &m.ticket);
    if (ok <= 0) return ok;
    cxm_field at = cxm_cvt_field(f, nf, idx[CM_CREATED]), user = cxm_cvt_field(f, nf, idx[CM_USER]),
              pub = cxm_cvt_field(f, nf, idx[CM_PUBLIC]);
    if (parse_when(at, &m.at, &why))
        BAD(line, COL(idx, CM_COLS, CM_CREATED), 1, "expected a timestamp such as 2020-02-19 01:54:52, found '%s'%s%s",
            cxm_cvt_show(at, show, sizeof show), why ? ": " : "", why ? why : "");
    int p = 1;
    if (!cxm_cvt_empty(pub) && cxm_parse_bool(pub.ptr, pub.len, &p))
        BAD(line, COL(idx, CM_COLS, CM_PUBLIC), 1, "expected TRUE or FALSE, found '%s'", cxm_cvt_show(pub, show, sizeof show));
    m.pub = (uint8_t)(p != 0);
    uint32_t u;
    const ticket *t = &s->t[m.ticket];
    if (!cxm_cvt_empty(user) && cxm_dict_find(&s->users, user.ptr, user.len, &u) && s->roles[u] != AU_UNKNOWN) {
        m.author = s->roles[u];
    } else {
        cxm_field req = kept(t, TD_REQUESTER), asg = kept(t, TD_ASSIGNEE);
        if (!cxm_cvt_empty(user) && req.len == user.len && !memcmp(req.ptr, user.ptr, user.len)) m.author = AU_CUSTOMER;
        else if (!cxm_cvt_empty(user) && asg.len == user.len && !memcmp(asg.ptr, user.ptr, user.len)) m.author = AU_AGENT;
        else
            BAD(line, COL(idx, CM_COLS, CM_USER), 1,
                "author '%s' has no role in user_data.csv and is neither the ticket's requester nor its assignee",
                cxm_cvt_show(user, show, sizeof show));
        cxm_cvt_tally_add(&s->missing_user, "line %llu user %s", (unsigned long long)line,
                          cxm_cvt_show(user, show, sizeof show));
    }
    int rc;
    if (m.author == AU_AGENT) { /* user is not empty here: it was found in user_data or on the ticket */
        uint32_t a;
        if ((rc = cxm_dict_intern(&s->agents, user.ptr, user.len, &a, NULL)))
            return cxm_diag_set(c->diag, rc, c->in, line, (uint32_t)idx[CM_USER] + 1, "user_id", "too many agents");
        m.agent = a + 1;
    }
    rc = push_msg(s, &m);
    if (rc) return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "too many comments");
    return 1;
}

static int read_history(zd *s, const cxm_field *f, size_t nf, const int *idx, uint64_t line) {
    cxm_cvt *c = s->c;
    char show[96];
    const char *why;
    msg m;
    memset(&m, 0, sizeof m);
    m.line = line;
    m.src = SRC_HISTORY;
    m.author = AU_SYSTEM;
    int ok = find_ticket(s, cxm_cvt_field(f, nf, idx[FH_TICKET]), idx, FH_TICKET, FH_COLS, line, &m.ticket);
    if (ok <= 0) return ok;
    cxm_field at = cxm_cvt_field(f, nf, idx[FH_UPDATED]), v = cxm_cvt_field(f, nf, idx[FH_VALUE]);
    if (parse_when(at, &m.at, &why))
        BAD(line, COL(idx, FH_COLS, FH_UPDATED), 1, "expected a timestamp such as 2020-02-19 01:54:52, found '%s'%s%s",
            cxm_cvt_show(at, show, sizeof show), why ? ": " : "", why ? why : "");
    if (parse_status(v, &m.status) || m.status == ST_DELETED)
        BAD(line, COL(idx, FH_COLS, FH_VALUE), 1, "expected new, open, pending, hold, solved or closed, found '%s'",
            cxm_cvt_show(v, show, sizeof show));
    ticket *t = &s->t[m.ticket];
    if (t->hist_at == CXM_TIME_NULL || m.at >= t->hist_at) {
        t->hist_at = m.at;
        t->hist_line = line;
        t->hist_status = m.status;
    }
    int rc = push_msg(s, &m);
    if (rc) return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "too many status changes");
    return 1;
}

static int read_table(zd *s, int which, const char *const *cols, size_t ncols, uint64_t required,
                      int (*row)(zd *, const cxm_field *, size_t, const int *, uint64_t)) {
    int idx[16];
    cxm_rows *r;
    int rc = open_table(s, which, cols, ncols, required, idx, &r);
    const cxm_field *f;
    size_t nf;
    int fh = which == 3 ? 1 : 0;
    while (!rc && r && (rc = next_record(s, r, &f, &nf, 1)) == 1) {
        if (fh && !ieq(cxm_cvt_field(f, nf, idx[FH_FIELD]), "status")) {
            rc = 0;
            continue; /* other fields' history: not read */
        }
        s->c->rows_read++;
        int ok = row(s, f, nf, idx, cxm_rows_line(r));
        rc = ok < 0 ? ok : 0;
    }
    cxm_rows_free(r);
    return rc < 0 ? rc : CXM_OK;
}

static int write_ticket(zd *s, const ticket *t, uint32_t code) {
    cxm_cvt_out *w = &s->c->tickets;
    cxm_cvt_put(w, cxm_dict_str(&s->ids, code), s->ids.lens[code]);
    cxm_cvt_put_time(w, t->created);
    static const int cols[] = {TD_CHANNEL, TD_ASSIGNEE, TD_GROUP, TD_PRIORITY};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        cxm_field v = kept(t, cols[i]);
        cxm_cvt_put(w, v.ptr, v.len);
    }
    cxm_cvt_puts(w, ST_NAME[t->status]);
    static const int cols2[] = {TD_REQUESTER, TD_TYPE, TD_ORG, TD_BRAND};
    for (size_t i = 0; i < sizeof cols2 / sizeof cols2[0]; i++) {
        cxm_field v = kept(t, cols2[i]);
        cxm_cvt_put(w, v.ptr, v.len);
    }
    cxm_cvt_put_int(w, (int64_t)t->line);
    return cxm_cvt_write_row(s->c, w);
}

static int write_msg(zd *s, const msg *m) {
    cxm_cvt_out *w = &s->c->messages;
    cxm_cvt_put(w, cxm_dict_str(&s->ids, m->ticket), s->ids.lens[m->ticket]);
    cxm_cvt_put_time(w, m->at);
    cxm_cvt_puts(w, AU_NAME[m->author]);
    cxm_cvt_puts(w, m->pub ? "true" : "false");
    cxm_cvt_puts(w, ST_NAME[m->status]);
    if (s->have_comments) {
        if (m->agent) cxm_cvt_put(w, cxm_dict_str(&s->agents, m->agent - 1), s->agents.lens[m->agent - 1]);
        else cxm_cvt_put(w, NULL, 0);
    }
    cxm_cvt_puts(w, SRC_NAME[m->src]);
    cxm_cvt_put_int(w, (int64_t)m->line);
    return cxm_cvt_write_row(s->c, w);
}

static int finish(zd *s) {
    cxm_cvt *c = s->c;
    int rc = CXM_OK;
    for (size_t i = 0; i < s->nm; i++) {
        ticket *t = &s->t[s->m[i].ticket];
        t->nmsgs++;
        if (s->m[i].src == SRC_COMMENTS) t->has_comment = 1;
        if (t->first_msg == CXM_TIME_NULL || s->m[i].at < t->first_msg) t->first_msg = s->m[i].at;
    }
    c->in = s->paths[0];
    uint32_t col_status = s->status_col;
    for (size_t k = 0; k < s->nt && !rc; k++) {
        ticket *t = &s->t[k];
        const char *id = cxm_dict_str(&s->ids, (uint32_t)k);
        if (t->status == ST_DELETED) {
            cxm_cvt_tally_add(&s->deleted, "%s", id);
            rc = cxm_cvt_bad(c, t->line, col_status, "status", 1 + t->nmsgs,
                             "ticket %s is deleted: Zendesk leaves deleted tickets out of its metrics", id);
            continue;
        }
        if (resolved_status(t->status) && t->hist_at == CXM_TIME_NULL) {
            t->bad = 1;
            cxm_cvt_tally_add(&s->no_history, "%s line %llu", id, (unsigned long long)t->line);
            rc = cxm_cvt_bad(c, t->line, col_status, "status", 1 + t->nmsgs,
                             "ticket %s is %s but ticket_field_history_data.csv has no status change for it: "
                             "expected the history of its resolution",
                             id, ST_NAME[t->status]);
            continue;
        }
        if (t->hist_at != CXM_TIME_NULL && t->status != ST_NONE &&
            resolved_status(t->status) != resolved_status(t->hist_status))
            cxm_cvt_tally_add(&s->status_disagrees, "%s is %s, history ends %s", id, ST_NAME[t->status],
                              ST_NAME[t->hist_status]);
        if (t->first_msg != CXM_TIME_NULL && t->first_msg < t->created) cxm_cvt_tally_add(&s->early, "%s", id);
        if (s->have_comments && !t->has_comment) cxm_cvt_tally_add(&s->no_comment, "%s", id);
    }
    if (!rc) rc = cxm_cvt_open(c, &c->tickets, "tickets.csv", TICKET_OUT, sizeof TICKET_OUT / sizeof TICKET_OUT[0]);
    if (!rc)
        rc = s->have_comments
                 ? cxm_cvt_open(c, &c->messages, "messages.csv", MESSAGE_OUT, sizeof MESSAGE_OUT / sizeof MESSAGE_OUT[0])
                 : cxm_cvt_open(c, &c->messages, "messages.csv", MESSAGE_OUT_NO_AGENT,
                                sizeof MESSAGE_OUT_NO_AGENT / sizeof MESSAGE_OUT_NO_AGENT[0]);
    for (size_t k = 0; k < s->nt && !rc; k++)
        if (!s->t[k].bad) rc = write_ticket(s, &s->t[k], (uint32_t)k);
    for (size_t i = 0; i < s->nm && !rc; i++)
        if (!s->t[s->m[i].ticket].bad) rc = write_msg(s, &s->m[i]);
    c->in = c->o->input;
    if (!rc) {
        cxm_cvt_tally_warn(c, &s->deleted, "deleted tickets left out, with their comments and status changes");
        cxm_cvt_tally_warn(c, &s->no_history,
                           "solved or closed tickets left out: no status change in ticket_field_history_data.csv "
                           "says when they were resolved");
        cxm_cvt_tally_warn(c, &s->orphans,
                           "comments and status changes left out: their ticket is not in ticket_data.csv");
        cxm_cvt_tally_warn(c, &s->bad_role, "users in user_data.csv have a role other than end-user, agent or admin");
        cxm_cvt_tally_warn(c, &s->missing_user,
                           "comments by users without a role in user_data.csv: the author is taken from the "
                           "ticket (requester -> customer, assignee -> agent)");
        cxm_cvt_tally_warn(c, &s->early, "tickets have comments or status changes dated before their created_at (kept)");
        cxm_cvt_tally_warn(c, &s->no_comment,
                           "tickets have no comment in ticket_comment_data.csv, though every Zendesk ticket starts "
                           "with one (its description): who replied is unknown, and first-contact rules read them "
                           "as unanswered (one_teammate: not resolved at first contact)");
        cxm_cvt_tally_warn(c, &s->status_disagrees,
                           "tickets whose current status disagrees with the end of their status history (cxm "
                           "uses the history)");
    }
    return rc;
}

int cxm_convert_zendesk(cxm_cvt *c) {
    zd s;
    memset(&s, 0, sizeof s);
    s.c = c;
    cxm_dict_init(&s.ids, CXM_MAX_DICT_VALUES);
    cxm_dict_init(&s.users, CXM_MAX_DICT_VALUES);
    cxm_dict_init(&s.agents, CXM_MAX_DICT_VALUES);
    const char *dir = c->o->input;
    static const char *const names[4] = {"ticket_data.csv", "ticket_comment_data.csv", "user_data.csv",
                                         "ticket_field_history_data.csv"};
    int rc = CXM_OK;
    for (int i = 0; i < 4 && !rc; i++)
        if (!(s.paths[i] = join(dir, names[i]))) rc = CXM_ENOMEM;
    if (!rc) rc = read_users(&s);
    if (!rc) rc = read_table(&s, 0, TD_COLS, TD_N, TD_REQUIRED, read_ticket);
    if (!rc)
        rc = read_table(&s, 3, FH_COLS, FH_N, (1u << FH_FIELD) | (1u << FH_TICKET) | (1u << FH_UPDATED) | (1u << FH_VALUE),
                        read_history);
    if (!rc)
        rc = read_table(&s, 1, CM_COLS, CM_N, (1u << CM_TICKET) | (1u << CM_CREATED) | (1u << CM_USER), read_comment);
    if (!rc) rc = finish(&s);
    c->in = dir;
    for (size_t k = 0; k < s.nt; k++) free(s.t[k].keep);
    free(s.t);
    free(s.m);
    free(s.roles);
    for (int i = 0; i < 4; i++) free(s.paths[i]);
    cxm_dict_free(&s.ids);
    cxm_dict_free(&s.users);
    cxm_dict_free(&s.agents);
    return rc;
}
