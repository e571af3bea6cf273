/*
 * ticket.c - parsing and validating ticket rows (see ticket.h). Called once
 * per input row (tens of millions): no allocation, hand-written parsers.
 */
#include "model/ticket.h"

#include <stdio.h>
#include <string.h>

#include "core/diag.h"

static const char *colname(const cxm_parse_ctx *c, int canon) {
    return c->map->stream->cols[canon].name;
}

/* The field readers run for up to ten columns of every row: inlined into
 * cxm_ticket_parse, with their messages built out of line (callgrind:
 * about 150 instructions a row of calls and argument passing saved). */
#define CXM_HOT_INLINE inline __attribute__((always_inline))

static int time_error(const cxm_parse_ctx *c, const cxm_field *v, int src, int canon, uint64_t line,
                      const char *why, cxm_diag *diag) __attribute__((noinline, cold));
static int time_error(const cxm_parse_ctx *c, const cxm_field *v, int src, int canon, uint64_t line,
                      const char *why, cxm_diag *diag) {
    return cxm_diag_set(diag, CXM_EPARSE, c->file, line, (uint32_t)src + 1, colname(c, canon),
                        "expected a timestamp such as 2024-03-05T14:07:00Z, found '%.*s'%s%s",
                        (int)(v->len > 80 ? 80 : v->len), v->ptr, why ? ": " : "", why ? why : "");
}

static int value_error(const cxm_parse_ctx *c, const cxm_field *v, int src, int canon, uint64_t line,
                       const char *expected, cxm_diag *diag) __attribute__((noinline, cold));
static int value_error(const cxm_parse_ctx *c, const cxm_field *v, int src, int canon, uint64_t line,
                       const char *expected, cxm_diag *diag) {
    return cxm_diag_set(diag, CXM_EPARSE, c->file, line, (uint32_t)src + 1, colname(c, canon),
                        "%s, found '%.*s'", expected, (int)(v->len > 80 ? 80 : v->len), v->ptr);
}


static CXM_HOT_INLINE int field_time(const cxm_parse_ctx *c, const cxm_field *f, size_t nf, int canon, uint64_t line,
                      cxm_time *out, cxm_diag *diag) {
    *out = CXM_TIME_NULL;
    if (!(c->need & (1u << canon))) return CXM_OK;
    int src = c->map->src[canon];
    if (src < 0 || (size_t)src >= nf || !f[src].ptr || !f[src].len) return CXM_OK;
    if (f[src].len == 20 && f[src].ptr[19] == 'Z' && cxm_parse_time_z(f[src].ptr, out)) return CXM_OK;
    const char *why = NULL;
    if (cxm_parse_time(f[src].ptr, f[src].len, c->naive_tz, c->order, out, &why) == CXM_OK) return CXM_OK;
    return time_error(c, &f[src], src, canon, line, why, diag);
}

static CXM_HOT_INLINE int field_int(const cxm_parse_ctx *c, const cxm_field *f, size_t nf, int canon, uint64_t line,
                     int32_t *out, cxm_diag *diag) {
    *out = -1;
    if (!(c->need & (1u << canon))) return CXM_OK;
    int src = c->map->src[canon];
    if (src < 0 || (size_t)src >= nf || !f[src].ptr || !f[src].len) return CXM_OK;
    /* counts are one or two plain digits: read them here (cxm_parse_int
     * trims, takes signs and checks overflow: ~55 instructions a call) */
    const char *p = f[src].ptr;
    size_t n = f[src].len;
    if (n <= 2) {
        unsigned d0 = (unsigned)(unsigned char)p[0] - '0', d1 = n == 2 ? (unsigned)(unsigned char)p[1] - '0' : 0;
        if (d0 <= 9 && d1 <= 9) {
            *out = (int32_t)(n == 2 ? d0 * 10 + d1 : d0);
            return CXM_OK;
        }
    }
    int64_t v;
    if (cxm_parse_int(f[src].ptr, f[src].len, &v) == CXM_OK && v >= 0 && v <= INT32_MAX) {
        *out = (int32_t)v;
        return CXM_OK;
    }
    return value_error(c, &f[src], src, canon, line, "expected a whole number >= 0", diag);
}

static CXM_HOT_INLINE int field_bool(const cxm_parse_ctx *c, const cxm_field *f, size_t nf, int canon, uint64_t line,
                      int8_t *out, cxm_diag *diag) {
    *out = -1;
    if (!(c->need & (1u << canon))) return CXM_OK;
    int src = c->map->src[canon];
    if (src < 0 || (size_t)src >= nf || !f[src].ptr || !f[src].len) return CXM_OK;
    /* the canonical spellings first (cxm_parse_bool tries ten, case-blind) */
    if (f[src].len == 5 && !memcmp(f[src].ptr, "false", 5)) {
        *out = 0;
        return CXM_OK;
    }
    if (f[src].len == 4 && !memcmp(f[src].ptr, "true", 4)) {
        *out = 1;
        return CXM_OK;
    }
    int v;
    if (cxm_parse_bool(f[src].ptr, f[src].len, &v) == CXM_OK) {
        *out = (int8_t)v;
        return CXM_OK;
    }
    return value_error(c, &f[src], src, canon, line, "expected true/false, yes/no, y/n or 1/0", diag);
}

static int order_check(const cxm_parse_ctx *c, uint64_t line, cxm_time early, int early_col,
                       cxm_time late, int late_col, cxm_diag *diag) {
    if (early == CXM_TIME_NULL || late == CXM_TIME_NULL || late >= early) return CXM_OK;
    int src = c->map->src[late_col];
    return cxm_diag_set(diag, CXM_EPARSE, c->file, line, src >= 0 ? (uint32_t)src + 1 : 0,
                        colname(c, late_col), "%s is %.3f hours before %s: expected it at or after",
                        colname(c, late_col), (double)(early - late) / 3600000.0, colname(c, early_col));
}

/* 1 if late is before early, both known (CXM_TIME_NULL is INT64_MIN). */
static inline int before(cxm_time early, cxm_time late) {
    return early != CXM_TIME_NULL && late != CXM_TIME_NULL && late < early;
}

static int check_order(const cxm_ticket *t, const cxm_parse_ctx *c, uint64_t line, cxm_diag *diag) {
    /* Nearly every row is in order: one branch-light test first, the
     * checks that name the offending column only when it fails. */
    cxm_time fr0 = t->first_resolved != CXM_TIME_NULL ? t->first_resolved : t->resolved;
    if (!(before(t->created, t->first_response) | before(t->created, t->first_resolved) |
          before(t->created, t->resolved) | before(t->created, t->closed) | before(t->created, t->answered) |
          before(t->first_resolved, t->resolved) | before(t->first_response, fr0)))
        return CXM_OK;
    int rc;
    if ((rc = order_check(c, line, t->created, TK_CREATED_AT, t->first_response, TK_FIRST_RESPONSE_AT, diag)) ||
        (rc = order_check(c, line, t->created, TK_CREATED_AT, t->first_resolved, TK_FIRST_RESOLVED_AT, diag)) ||
        (rc = order_check(c, line, t->created, TK_CREATED_AT, t->resolved, TK_RESOLVED_AT, diag)) ||
        (rc = order_check(c, line, t->created, TK_CREATED_AT, t->closed, TK_CLOSED_AT, diag)) ||
        (rc = order_check(c, line, t->created, TK_CREATED_AT, t->answered, TK_ANSWERED_AT, diag)) ||
        (rc = order_check(c, line, t->first_resolved, TK_FIRST_RESOLVED_AT, t->resolved, TK_RESOLVED_AT, diag)))
        return rc;
    /* A first resolution before the first response: the record contradicts
     * itself (common in synthetic exports); never average it in silently. */
    cxm_time fr = t->first_resolved != CXM_TIME_NULL ? t->first_resolved : t->resolved;
    int frcol = t->first_resolved != CXM_TIME_NULL ? TK_FIRST_RESOLVED_AT : TK_RESOLVED_AT;
    if ((rc = order_check(c, line, t->first_response, TK_FIRST_RESPONSE_AT, fr, frcol, diag))) return rc;
    return CXM_OK;
}

int cxm_ticket_parse(const cxm_parse_ctx *c, const cxm_field *f, size_t nf, uint64_t line,
                     cxm_ticket *t, cxm_diag *diag) {

    /* every other field is set below (the field_* helpers set "unknown"
     * first): no memset of the whole record (26 instructions a row) */
    t->first_customer_msg = t->open_turn = CXM_TIME_NULL;
    t->replies = NULL;
    t->nreplies = 0;
    t->has_messages = 0;
    t->facts = NULL;
    int src = c->map->src[TK_TICKET_ID];
    if (src < 0 || (size_t)src >= nf || !f[src].ptr || !f[src].len)
        return cxm_diag_set(diag, CXM_EPARSE, c->file, line, src >= 0 ? (uint32_t)src + 1 : 0, "ticket_id",
                            "expected a ticket id, found an empty field");
    t->id = f[src].ptr;
    t->idlen = f[src].len;
    int rc;
    int created_src = c->map->src[TK_CREATED_AT];
    if (created_src >= 0 && (size_t)created_src < nf && f[created_src].ptr && f[created_src].len) {
        const char *why = NULL;
        if ((f[created_src].len != 20 || f[created_src].ptr[19] != 'Z' ||
             !cxm_parse_time_z(f[created_src].ptr, &t->created)) &&
            cxm_parse_time(f[created_src].ptr, f[created_src].len, c->naive_tz, c->order, &t->created, &why))
            return cxm_diag_set(diag, CXM_EPARSE, c->file, line, (uint32_t)created_src + 1, "created_at",
                                "expected a timestamp such as 2024-03-05T14:07:00Z, found '%.*s'%s%s",
                                (int)(f[created_src].len > 80 ? 80 : f[created_src].len), f[created_src].ptr,
                                why ? ": " : "", why ? why : "");
    } else {
        t->created = CXM_TIME_NULL;
    }
    if (t->created == CXM_TIME_NULL) {
        src = c->map->src[TK_CREATED_AT];
        return cxm_diag_set(diag, CXM_EPARSE, c->file, line, (uint32_t)src + 1, "created_at",
                            "expected a timestamp, found an empty field (created_at is required)");
    }
    if ((rc = field_time(c, f, nf, TK_FIRST_RESPONSE_AT, line, &t->first_response, diag)) ||
        (rc = field_time(c, f, nf, TK_FIRST_RESOLVED_AT, line, &t->first_resolved, diag)) ||
        (rc = field_time(c, f, nf, TK_RESOLVED_AT, line, &t->resolved, diag)) ||
        (rc = field_time(c, f, nf, TK_CLOSED_AT, line, &t->closed, diag)) ||
        (rc = field_time(c, f, nf, TK_ANSWERED_AT, line, &t->answered, diag)) ||
        (rc = field_int(c, f, nf, TK_REOPENS, line, &t->reopens, diag)) ||
        (rc = field_int(c, f, nf, TK_AGENT_REPLIES, line, &t->agent_replies, diag)) ||
        (rc = field_int(c, f, nf, TK_CUSTOMER_REPLIES, line, &t->customer_replies, diag)) ||
        (rc = field_bool(c, f, nf, TK_ABANDONED, line, &t->abandoned, diag)) ||
        (rc = field_bool(c, f, nf, TK_COMPLAINT, line, &t->complaint, diag)))
        return rc;
    t->handle_ms = -1;
    src = c->map->src[TK_HANDLE_SECONDS];
    if ((c->need & (1u << TK_HANDLE_SECONDS)) && src >= 0 && (size_t)src < nf && f[src].ptr && f[src].len) {
        if (cxm_parse_duration(f[src].ptr, f[src].len, &t->handle_ms) || t->handle_ms < 0)
            return cxm_diag_set(diag, CXM_EPARSE, c->file, line, (uint32_t)src + 1, "handle_seconds",
                                "expected a duration >= 0 (seconds, HH:MM:SS or 1h30m), found '%.*s'",
                                (int)(f[src].len > 80 ? 80 : f[src].len), f[src].ptr);
    }
    return check_order(t, c, line, diag);
}

int cxm_ticket_merge(cxm_ticket *t, const cxm_msg_facts *mf, const int64_t *replies,
                     const cxm_parse_ctx *c, uint64_t line, cxm_diag *diag) {
    if (!mf || !mf->present) return CXM_OK;
    t->has_messages = 1;
    t->facts = mf;
#define FILL(field, from) \
    if (t->field == CXM_TIME_NULL) t->field = mf->from
    FILL(first_response, first_response);
    FILL(first_resolved, first_resolved);
    FILL(resolved, resolved);
    FILL(closed, closed);
#undef FILL
    if (t->reopens < 0) t->reopens = mf->reopens;
    if (t->agent_replies < 0) t->agent_replies = mf->agent_replies;
    if (t->customer_replies < 0) t->customer_replies = mf->customer_replies;
    t->first_customer_msg = mf->first_customer;
    t->open_turn = mf->open_turn;
    t->replies = replies + 2 * (size_t)mf->reply_off;
    t->nreplies = mf->nreplies;
    return check_order(t, c, line, diag);
}
