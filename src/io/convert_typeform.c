/*
 * convert_typeform.c - the `typeform` import profile: a wide CSV export
 * (Typeform's "Download responses" as CSV, or any form tool's like it) with
 * one row per submission and one column per question, into responses.csv
 * with one row per answered question the user names.
 *
 * Settings (cxm convert options, docs/IMPORT.md "typeform"):
 *   question=SURVEY=COLUMN   the column holding the answers to survey SURVEY
 *                            (one or more; a survey at most once);
 *   comment=[SURVEY=]COLUMN  the column whose text goes in the comment of
 *                            SURVEY's rows; without SURVEY=, in the row of
 *                            the first question the submission answered
 *                            that has no comment column of its own (so a
 *                            comment is not lost when a question is
 *                            skipped); once per survey, one without;
 *   id=COLUMN, at=COLUMN     the submission id and instant; by default the
 *                            first of '#', 'Response ID', 'response_id',
 *                            'Token' and of 'Submit Date (UTC)',
 *                            'Submitted At', 'submitted_at', 'Submit Date';
 *   scale=SURVEY=MIN-MAX     SURVEY's scale; needed for names other than
 *                            csat, esat (1-5), ces (1-7), nps, enps (0-10).
 * Column names match case-insensitively, surrounding spaces ignored; a name
 * that appears twice in the header is refused (which one would it be?).
 *
 * Mapping, per submission and answered question:
 *   response_id = submission id + ':' + SURVEY (unique per answer);
 *   at = the submission instant (naive times are UTC, as Typeform's column
 *   names say); survey = SURVEY; score; scale_min, scale_max; comment;
 *   submission_id = the submission id; every other column a dimension,
 *   named by cxm_cvt_names_add (lower case, '_' for spaces and punctuation;
 *   hidden fields ticket_id, customer_id, agent, channel are the canonical
 *   columns, so ticket_id links answers to tickets); a column whose name
 *   becomes one of the columns above gets the prefix field_.
 *
 * A question left empty is a question skipped, not a survey sent and left
 * unanswered (the export holds submissions, not invitations): no row is
 * written for it, and the skips are counted in one warning per question.
 * response_rate cannot be read from this export.
 *
 * Defects: a submission is bad (left out with all its answers, listed in
 * rejected_responses.csv with its line and the column at fault) when its id
 * is empty or seen before, its instant empty or unreadable (a partial
 * response has no Submit Date), an answer is not a whole number on its
 * survey's scale, or it answers none of the named questions; a record that
 * is not valid CSV is bad too. rows_read counts submissions.
 *
 * One pass, constant memory per row plus the ids seen (about 26 bytes per
 * submission). Exports hold hundreds to hundreds of thousands of rows.
 */
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/idset.h"
#include "core/limits.h"
#include "io/convert.h"
#include "metrics/survey.h"
#include "time/parse.h"

typedef struct question {
    cxm_cvt_scale sc;    /* survey name and scale */
    const char *column;  /* borrowed from the settings */
    int idx;             /* its header index */
    const char *comment; /* the comment column, or NULL */
    int cidx;
    cxm_cvt_tally skipped;
} question;

typedef struct tstate {
    cxm_cvt *c;
    question q[CXM_MAX_SURVEY_QUESTIONS];
    size_t nq;
    const char *id_col, *at_col; /* NULL: the defaults */
    int id_idx, at_idx;
    int any_comment;
    const char *bare_comment; /* comment=COLUMN without a survey, or NULL */
    int bare_cidx;
    cxm_cvt_names dims;
    int *dim_src; /* header index of each dimension */
    cxm_idset seen;
    cxm_buf rid; /* the response id being written */
} tstate;

static const char *const RESERVED[] = {CXM_CVT_RESPONSE_COLS, "comment", "submission_id", "source_line", NULL};

static const char *const ID_DEFAULTS[] = {"#", "Response ID", "response_id", "Token", NULL};
static const char *const AT_DEFAULTS[] = {"Submit Date (UTC)", "Submitted At", "submitted_at", "Submit Date", NULL};

static question *find_question(tstate *s, const char *survey, size_t n) {
    for (size_t i = 0; i < s->nq; i++)
        if (strlen(s->q[i].sc.survey) == n && !strncmp(s->q[i].sc.survey, survey, n)) return &s->q[i];
    return NULL;
}

/* Lower-cases survey[0..n) into out (cap 32); -1 when empty or too long. */
static int survey_name(const char *survey, size_t n, char *out) {
    if (!n || n >= 32) return -1;
    for (size_t i = 0; i < n; i++) {
        char ch = survey[i];
        out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    out[n] = 0;
    return 0;
}

static int read_settings(tstate *s) {
    cxm_cvt *c = s->c;
    static const char *const keys[] = {"question", "comment", "id", "at", "scale", NULL};
    int rc = cxm_cvt_check_settings(c, keys);
    if (rc) return rc;
    size_t ns = c->o->nsettings;
    /* questions first: comments and scales name their surveys */
    for (size_t i = 0; i < ns; i++) {
        const char *v = cxm_cvt_setting(c, i, "question");
        if (!v) continue;
        const char *eq = strchr(v, '=');
        char name[32];
        if (!eq || !eq[1] || survey_name(v, (size_t)(eq - v), name))
            return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--question '%s': expected SURVEY=COLUMN, such as \"nps=How likely are you to "
                                "recommend us?\" (a survey name under 32 bytes)",
                                v);
        if (find_question(s, name, strlen(name)))
            return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--question '%s': survey '%s' is named twice (each answer row needs its own survey "
                                "name: call the other one e.g. %s_2 and give its --scale)",
                                v, name, name);
        if (s->nq == CXM_MAX_SURVEY_QUESTIONS)
            return cxm_diag_set(c->diag, CXM_ELIMIT, NULL, 0, 0, NULL,
                                "more than %u --question settings (CXM_MAX_SURVEY_QUESTIONS)",
                                (unsigned)CXM_MAX_SURVEY_QUESTIONS);
        question *q = &s->q[s->nq++];
        memset(q, 0, sizeof *q);
        memcpy(q->sc.survey, name, sizeof name);
        q->sc.min = q->sc.max = -1;
        q->column = eq + 1;
        q->idx = q->cidx = -1;
    }
    if (!s->nq)
        return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                            "profile 'typeform' needs at least one --question SURVEY=COLUMN naming the column of a "
                            "survey's answers, such as --question \"nps=How likely are you to recommend us?\"");
    for (size_t i = 0; i < ns; i++) {
        const char *v;
        if ((v = cxm_cvt_setting(c, i, "id")))
            s->id_col = v;
        else if ((v = cxm_cvt_setting(c, i, "at")))
            s->at_col = v;
        else if ((v = cxm_cvt_setting(c, i, "scale"))) {
            cxm_cvt_scale sc;
            if ((rc = cxm_cvt_parse_scale(c, v, &sc))) return rc;
            question *q = find_question(s, sc.survey, strlen(sc.survey));
            if (!q)
                return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                    "--scale '%s': no --question names survey '%s'", v, sc.survey);
            q->sc = sc;
        } else if ((v = cxm_cvt_setting(c, i, "comment"))) {
            const char *eq = strchr(v, '=');
            char name[32];
            question *q = NULL;
            if (eq && !survey_name(v, (size_t)(eq - v), name)) q = find_question(s, name, strlen(name));
            const char *col = q ? eq + 1 : v;
            const char **slot = q ? &q->comment : &s->bare_comment;
            if (!*col)
                return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--comment '%s': expected [SURVEY=]COLUMN",
                                    v);
            if (*slot)
                return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                    "--comment '%s': %s%s already has the comment column '%s'", v,
                                    q ? "survey " : "the comment without a survey", q ? q->sc.survey : "", *slot);
            *slot = col;
            s->any_comment = 1;
        }
    }
    for (size_t i = 0; i < s->nq; i++) {
        question *q = &s->q[i];
        if (q->sc.min >= 0) continue;
        cxm_survey_scale sc;
        if (cxm_survey_scale_default(q->sc.survey, &sc))
            return cxm_diag_set(c->diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "survey '%s' has no default scale (csat, esat 1-5, ces 1-7, nps, enps 0-10): give it "
                                "with --scale %s=MIN-MAX",
                                q->sc.survey, q->sc.survey);
        q->sc.min = sc.min;
        q->sc.max = sc.max;
    }
    return CXM_OK;
}

/* 1 if header field h is name (case-insensitive, surrounding spaces ignored). */
static int same_name(const cxm_field *h, const char *name) {
    cxm_field t = cxm_cvt_field(h, 1, 0);
    size_t n = strlen(name);
    while (n && (name[0] == ' ' || name[0] == '\t')) {
        name++;
        n--;
    }
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
        n--;
    if (t.len != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = t.ptr[i], b = name[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

/* The header index of column name (-1 when absent); a name found twice is
 * a usage error. what names the setting ("--question nps"). */
static int find_column(tstate *s, const cxm_field *h, size_t nh, const char *name, const char *what, int *idx) {
    *idx = -1;
    for (size_t i = 0; i < nh; i++) {
        if (!same_name(&h[i], name)) continue;
        if (*idx >= 0)
            return cxm_diag_set(s->c->diag, CXM_EUSAGE, s->c->in, 1, (uint32_t)i + 1, NULL,
                                "%s: the header has column '%s' twice (columns %d and %zu): rename one in the file",
                                what, name, *idx + 1, i + 1);
        *idx = (int)i;
    }
    return CXM_OK;
}

static int header_list(const cxm_field *h, size_t nh, char *cols, size_t cap) {
    size_t len = 0;
    cols[0] = 0;
    for (size_t i = 0; i < nh && len + 40 < cap; i++) {
        int w = snprintf(cols + len, cap - len, "%s'%.*s'", i ? ", " : "", (int)(h[i].len > 40 ? 40 : h[i].len),
                         h[i].ptr ? h[i].ptr : "");
        if (w > 0) len += (size_t)w;
    }
    return 0;
}

/* Finds every column the settings name (or the defaults) and makes the
 * rest dimensions. */
static int map_columns(tstate *s, const cxm_rows *r) {
    cxm_cvt *c = s->c;
    const cxm_field *h;
    size_t nh;
    cxm_rows_header(r, &h, &nh);
    char cols[700], what[64];
    int rc;
    const char *const *cands[2] = {ID_DEFAULTS, AT_DEFAULTS};
    const char *given[2] = {s->id_col, s->at_col};
    int *out[2] = {&s->id_idx, &s->at_idx};
    static const char *const opt[2] = {"--id", "--at"};
    static const char *const role[2] = {"a submission id", "a submission instant"};
    for (int k = 0; k < 2; k++) {
        if (given[k]) {
            if ((rc = find_column(s, h, nh, given[k], opt[k], out[k]))) return rc;
            if (*out[k] < 0) {
                header_list(h, nh, cols, sizeof cols);
                return cxm_diag_set(c->diag, CXM_EUSAGE, c->in, 1, 0, NULL,
                                    "%s '%s': no such column; the header has: %s", opt[k], given[k], cols);
            }
            continue;
        }
        for (size_t i = 0; cands[k][i] && *out[k] < 0; i++)
            if ((rc = find_column(s, h, nh, cands[k][i], opt[k], out[k]))) return rc;
        if (*out[k] < 0) {
            header_list(h, nh, cols, sizeof cols);
            return cxm_diag_set(c->diag, CXM_EUSAGE, c->in, 1, 0, NULL,
                                "no column holds %s (looked for %s, ...): name it with %s COLUMN; the header has: %s",
                                role[k], k ? "'Submit Date (UTC)', 'Submitted At'" : "'#', 'Response ID'", opt[k],
                                cols);
        }
    }
    for (size_t i = 0; i < s->nq; i++) {
        question *q = &s->q[i];
        for (int k = 0; k < 2; k++) {
            const char *name = k ? q->comment : q->column;
            if (!name) continue;
            snprintf(what, sizeof what, "%s %s", k ? "--comment" : "--question", q->sc.survey);
            int *idx = k ? &q->cidx : &q->idx;
            if ((rc = find_column(s, h, nh, name, what, idx))) return rc;
            if (*idx < 0) {
                header_list(h, nh, cols, sizeof cols);
                return cxm_diag_set(c->diag, CXM_EUSAGE, c->in, 1, 0, NULL, "%s: no column '%s'; the header has: %s",
                                    what, name, cols);
            }
        }
    }
    if (s->bare_comment) {
        if ((rc = find_column(s, h, nh, s->bare_comment, "--comment", &s->bare_cidx))) return rc;
        if (s->bare_cidx < 0) {
            header_list(h, nh, cols, sizeof cols);
            return cxm_diag_set(c->diag, CXM_EUSAGE, c->in, 1, 0, NULL, "--comment: no column '%s'; the header has: %s",
                                s->bare_comment, cols);
        }
    }
    /* each column has one role */
    char *used = calloc(nh ? nh : 1, 1);
    if (!used) return CXM_ENOMEM;
    used[s->id_idx] = 1;
    rc = used[s->at_idx] ? cxm_diag_set(c->diag, CXM_EUSAGE, c->in, 1, (uint32_t)s->at_idx + 1, NULL,
                                        "column '%.*s' is both the submission id and its instant",
                                        (int)h[s->at_idx].len, h[s->at_idx].ptr)
                         : CXM_OK;
    used[s->at_idx] = 1;
    for (size_t i = 0; i <= s->nq && !rc; i++) {
        question *q = i < s->nq ? &s->q[i] : NULL;
        int idxs[2] = {q ? q->idx : -1, q ? q->cidx : s->bare_cidx};
        for (int k = 0; k < 2 && !rc; k++) {
            if (idxs[k] < 0) continue;
            if (used[idxs[k]])
                rc = cxm_diag_set(c->diag, CXM_EUSAGE, c->in, 1, (uint32_t)idxs[k] + 1, NULL,
                                  "column '%.*s' is named for two roles (the %s of survey %s and another)",
                                  (int)(h[idxs[k]].len > 80 ? 80 : h[idxs[k]].len), h[idxs[k]].ptr,
                                  k ? "comment" : "answers", q ? q->sc.survey : "(any)");
            used[idxs[k]] = 1;
        }
    }
    /* the rest are dimensions */
    if (!rc && !(s->dim_src = calloc(nh ? nh : 1, sizeof *s->dim_src))) rc = CXM_ENOMEM;
    for (size_t i = 0; i < nh && !rc; i++) {
        if (used[i]) continue;
        size_t idx;
        cxm_field t = cxm_cvt_field(h, nh, (int)i);
        if ((rc = cxm_cvt_names_add(&s->dims, t.ptr ? t.ptr : "", t.len, RESERVED, "field_", &idx))) break;
        s->dim_src[idx] = (int)i;
    }
    free(used);
    return rc;
}

static int open_output(tstate *s) {
    size_t n = CXM_CVT_NRESPONSE_COLS + (size_t)s->any_comment + 1 + s->dims.n + 1, k = 0;
    const char **hdr = calloc(n, sizeof *hdr);
    if (!hdr) return CXM_ENOMEM;
    for (size_t i = 0; i < CXM_CVT_NRESPONSE_COLS; i++)
        hdr[k++] = RESERVED[i];
    if (s->any_comment) hdr[k++] = "comment";
    hdr[k++] = "submission_id";
    for (size_t i = 0; i < s->dims.n; i++)
        hdr[k++] = s->dims.name[i];
    hdr[k++] = "source_line";
    int rc = cxm_cvt_open(s->c, &s->c->responses, "responses.csv", hdr, k);
    free(hdr);
    return rc;
}

#define BAD(idx, name, ...) ((rc = cxm_cvt_bad(c, line, (uint32_t)(idx) + 1, name, 1, __VA_ARGS__)) ? rc : 0)

/* Checks one submission and writes its answers. Returns 0 (written or
 * reported as bad) or a negative error. */
static int convert_row(tstate *s, const cxm_rows *r, const cxm_field *f, size_t nf, uint64_t line) {
    cxm_cvt *c = s->c;
    const cxm_field *h;
    size_t nh;
    cxm_rows_header(r, &h, &nh);
    char show[96], name[64];
    int rc;
#define HNAME(i) (snprintf(name, sizeof name, "%.*s", (int)h[i].len, h[i].ptr ? h[i].ptr : ""), name)
    cxm_field id = cxm_cvt_field(f, nf, s->id_idx), atf = cxm_cvt_field(f, nf, s->at_idx);
    if (cxm_cvt_empty(id)) return BAD(s->id_idx, HNAME(s->id_idx), "expected a submission id, found an empty field");
    cxm_time at;
    const char *why = NULL;
    if (cxm_cvt_empty(atf))
        return BAD(s->at_idx, HNAME(s->at_idx),
                   "expected the submission's instant, found an empty field (a partial response has no submit "
                   "date: --at names another column)");
    if (cxm_parse_time(atf.ptr, atf.len, NULL, CXM_DATE_YMD, &at, &why))
        return BAD(s->at_idx, HNAME(s->at_idx), "expected an instant such as 2024-03-05 14:07:00, found '%s'%s%s",
                   cxm_cvt_show(atf, show, sizeof show), why ? ": " : "", why ? why : "");
    int64_t score[CXM_MAX_SURVEY_QUESTIONS];
    size_t answered = 0;
    for (size_t i = 0; i < s->nq; i++) {
        const question *q = &s->q[i];
        cxm_field v = cxm_cvt_field(f, nf, q->idx);
        score[i] = -1;
        if (cxm_cvt_empty(v)) continue;
        if (cxm_parse_int(v.ptr, v.len, &score[i]) || score[i] < q->sc.min || score[i] > q->sc.max)
            return BAD(q->idx, HNAME(q->idx), "expected a whole number from %d to %d (the %s scale), found '%s'",
                       q->sc.min, q->sc.max, q->sc.survey, cxm_cvt_show(v, show, sizeof show));
        answered++;
    }
    if (!answered) {
        char list[200];
        size_t len = 0;
        list[0] = 0;
        for (size_t i = 0; i < s->nq && len + 40 < sizeof list; i++) {
            int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", s->q[i].sc.survey);
            if (w > 0) len += (size_t)w;
        }
        return BAD(s->q[0].idx, HNAME(s->q[0].idx),
                   "the submission answers none of the questions named with --question (%s): nothing to write", list);
    }
    uint64_t first = 0;
    if ((rc = cxm_idset_add(&s->seen, cxm_idset_key(id.ptr, id.len), line, &first)))
        return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "too many submissions (limit %llu)",
                            (unsigned long long)CXM_MAX_RECORDS);
    if (first)
        return BAD(s->id_idx, HNAME(s->id_idx),
                   "duplicate submission id '%s' (first on line %llu): expected each "
                   "submission once",
                   cxm_cvt_show(id, show, sizeof show), (unsigned long long)first);
#undef HNAME
    cxm_cvt_out *w = &c->responses;
    int bare_done = s->bare_cidx < 0;
    for (size_t i = 0; i < s->nq; i++) {
        question *q = &s->q[i];
        if (score[i] < 0) {
            cxm_cvt_tally_add(&q->skipped, "line %llu", (unsigned long long)line);
            continue;
        }
        cxm_buf_reset(&s->rid);
        if ((rc = cxm_buf_append(&s->rid, id.ptr, id.len)) || (rc = cxm_buf_putc(&s->rid, ':')) ||
            (rc = cxm_buf_append(&s->rid, q->sc.survey, strlen(q->sc.survey))))
            return cxm_diag_set(c->diag, rc, c->in, line, 0, NULL, "a submission id longer than %u bytes",
                                (unsigned)CXM_MAX_FIELD_BYTES);
        cxm_cvt_put(w, s->rid.data, s->rid.len);
        cxm_cvt_put_time(w, at);
        cxm_cvt_puts(w, q->sc.survey);
        cxm_cvt_put_int(w, score[i]);
        cxm_cvt_put_int(w, q->sc.min);
        cxm_cvt_put_int(w, q->sc.max);
        if (s->any_comment) {
            int cidx = q->cidx;
            if (cidx < 0 && !bare_done) {
                cidx = s->bare_cidx;
                bare_done = 1;
            }
            cxm_field cm = cxm_cvt_field(f, nf, cidx);
            cxm_cvt_put(w, cm.ptr, cm.len);
        }
        cxm_cvt_put(w, id.ptr, id.len);
        for (size_t d = 0; d < s->dims.n; d++) {
            cxm_field v = cxm_cvt_field(f, nf, s->dim_src[d]);
            cxm_cvt_put(w, v.ptr, v.len);
        }
        cxm_cvt_put_int(w, (int64_t)line);
        if ((rc = cxm_cvt_write_row(c, w))) return rc;
    }
    return CXM_OK;
}

#undef BAD

int cxm_convert_typeform(cxm_cvt *c) {
    tstate s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.id_idx = s.at_idx = s.bare_cidx = -1;
    cxm_idset_init(&s.seen, CXM_MAX_RECORDS);
    cxm_buf_init(&s.rid, CXM_MAX_FIELD_BYTES);
    cxm_rows *r = NULL;
    int rc = read_settings(&s);
    if (!rc) rc = cxm_rows_open(&r, c->in, CXM_ROWS_CSV, c->delim, c->diag);
    if (!rc) rc = map_columns(&s, r);
    if (!rc) rc = open_output(&s);
    while (!rc) {
        const cxm_field *f;
        size_t nf;
        cxm_diag rowdiag;
        int got = cxm_rows_next(r, &f, &nf, &rowdiag);
        if (got == 0) break;
        if (got < 0 && got != CXM_EPARSE) {
            if (c->diag) *c->diag = rowdiag;
            rc = got;
            break;
        }
        c->rows_read++;
        if (got == CXM_EPARSE) {
            rc = cxm_cvt_bad_diag(c, &rowdiag);
            continue;
        }
        rc = convert_row(&s, r, f, nf, cxm_rows_line(r));
    }
    for (size_t i = 0; !rc && i < s.nq; i++) {
        char what[320];
        snprintf(what, sizeof what,
                 "submissions left question '%s' (%.80s) empty: no row written for them (a skipped question is not "
                 "an unanswered survey)",
                 s.q[i].sc.survey, s.q[i].column);
        cxm_cvt_tally_warn(c, &s.q[i].skipped, what);
    }
    cxm_rows_free(r);
    cxm_idset_free(&s.seen);
    cxm_buf_free(&s.rid);
    cxm_cvt_names_free(&s.dims);
    free(s.dim_src);
    return rc;
}
