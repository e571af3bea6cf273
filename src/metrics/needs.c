/*
 * needs.c - the streams a report reads (needs.h has the rule and why it is
 * a superset of what cxm_report_run reads). Pure functions of the options:
 * a --metrics list of at most a few dozen ids, --by of at most
 * CXM_MAX_GROUP_KEYS terms, --where of at most CXM_MAX_WHERE terms.
 */
#include "metrics/needs.h"

#include <string.h>

/* 1 if the n bytes at s are one of the names. */
static int among(const char *s, size_t n, const char *const *names, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (names[i] && strlen(names[i]) == n && !memcmp(names[i], s, n)) return 1;
    return 0;
}

/* 1 if a survey answer may need a column of its ticket: a --by term that
 * is not a time bucket, or a --where column, that the responses lack. */
static int needs_join(const cxm_report_opts *o, const char *const *cols, size_t ncols) {
    static const char *const buckets[] = {"day", "week", "month", "quarter", "year"};
    for (const char *v = o->by; v && *v;) {
        size_t len = strcspn(v, ",");
        if (len && !among(v, len, buckets, 5) && !among(v, len, cols, ncols)) return 1;
        v += len;
        if (*v == ',') v++;
    }
    for (size_t i = 0; i < o->nwhere; i++) {
        const char *w = o->where[i];
        if (!w) continue;
        size_t len = strcspn(w, "=");
        if (len && w[len - 1] == '!') len--;
        if (!among(w, len, cols, ncols)) return 1;
    }
    return 0;
}

unsigned cxm_needs_streams(const cxm_report_opts *o, unsigned have, const char *const *resp_cols, size_t n) {
    int support = 0, survey = 0;
    if (!o->metrics) {
        support = 1;
        survey = 1;
    } else {
        for (const char *v = o->metrics; *v;) {
            size_t len = strcspn(v, ",");
            char id[64];
            if (!len || len >= sizeof id) return have; /* the report says what is wrong */
            memcpy(id, v, len);
            id[len] = '\0';
            const cxm_metric_info *m = cxm_catalog_find(id);
            if (!m || !m->stream) return have;
            if (!strcmp(m->stream, "responses"))
                survey = 1;
            else
                support = 1;
            v += len;
            if (*v == ',') v++;
        }
    }
    unsigned need = 0;
    if (survey && (have & CXM_NEED_RESPONSES)) {
        need |= CXM_NEED_RESPONSES;
        if (needs_join(o, resp_cols, n)) support = 1;
    }
    if (support && (have & CXM_NEED_TICKETS)) need |= CXM_NEED_TICKETS | (have & CXM_NEED_MESSAGES);
    /* a report needs one input to start (its metrics are then null with a
     * reason, as with every stream): the smaller one present */
    if (!(need & (CXM_NEED_TICKETS | CXM_NEED_RESPONSES)))
        need |= have & CXM_NEED_RESPONSES ? CXM_NEED_RESPONSES : have & CXM_NEED_TICKETS;
    return need;
}
