/*
 * comments.c - cxm_comments_run: the verbatims behind a theme, a score
 * bucket or a survey, or the key phrases over them (RAKE-like, src/text).
 * Streams the responses once; one ICU segmenter for the whole run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/limits.h"
#include "io/rows.h"
#include "metrics/survey.h"
#include "model/schema.h"
#include "text/text.h"
#include "time/civil.h"
#include "time/parse.h"

static void put_csv(FILE *o, const char *s, size_t n) {
    int q = memchr(s, ',', n) || memchr(s, '"', n) || memchr(s, '\n', n) || memchr(s, '\r', n);
    if (q) fputc('"', o);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', o);
        fputc(s[i], o);
    }
    if (q) fputc('"', o);
}

static void put_json(FILE *o, const char *s, size_t n) {
    fputc('"', o);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') fprintf(o, "\\%c", ch);
        else if (ch == '\n') fputs("\\n", o);
        else if (ch < 0x20) fprintf(o, "\\u%04x", ch);
        else fputc(ch, o);
    }
    fputc('"', o);
}

static int ieq(const cxm_field *f, const char *s) {
    size_t n = strlen(s);
    if (!f->ptr || f->len != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char a = f->ptr[i], b = s[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

/* bucket: promoters|passives|detractors, N or N-M -> [lo, hi] on a score. */
static int parse_bucket(const char *b, int *lo, int *hi, cxm_diag *diag) {
    if (!strcmp(b, "promoters")) { *lo = 9; *hi = 10; return CXM_OK; }
    if (!strcmp(b, "passives")) { *lo = 7; *hi = 8; return CXM_OK; }
    if (!strcmp(b, "detractors")) { *lo = 0; *hi = 6; return CXM_OK; }
    char tail;
    if (sscanf(b, "%d-%d%c", lo, hi, &tail) == 2 && *lo <= *hi) return CXM_OK;
    if (sscanf(b, "%d%c", lo, &tail) == 1) { *hi = *lo; return CXM_OK; }
    return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                        "--bucket '%s': expected promoters, passives, detractors, a score N or a range N-M", b);
}

int cxm_comments_run(const cxm_comments_opts *o, cxm_format format, FILE *out, uint64_t *bad_rows, cxm_diag *diag) {
    int json = format == CXM_FORMAT_JSON, rc;
    if (format != CXM_FORMAT_JSON && format != CXM_FORMAT_CSV) return CXM_EUSAGE;
    if (bad_rows) *bad_rows = 0;
    int lo = -1, hi = -1;
    if (o->bucket && (rc = parse_bucket(o->bucket, &lo, &hi, diag))) return rc;
    cxm_tz *tz = NULL, *itz = NULL;
    cxm_text *text = NULL;
    cxm_themes *themes = NULL;
    cxm_corpus *corpus = NULL;
    cxm_rows *r = NULL;
    cxm_colmap map;
    memset(&map, 0, sizeof map);
    uint32_t *ids = NULL, want_theme = UINT32_MAX;
    cxm_time from = CXM_TIME_NULL, to = CXM_TIME_NULL;
    uint64_t bad = 0;
    if ((rc = cxm_tz_load(o->tz ? o->tz : "UTC", &tz, diag)) ||
        (rc = cxm_tz_load(o->input_tz ? o->input_tz : "UTC", &itz, diag)))
        goto done;
    const char *why = NULL;
    if (o->from && cxm_parse_time(o->from, strlen(o->from), tz, CXM_DATE_YMD, &from, &why)) {
        rc = cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--from '%s': %s", o->from, why ? why : "");
        goto done;
    }
    if (o->to) {
        if (cxm_parse_time(o->to, strlen(o->to), tz, CXM_DATE_YMD, &to, &why)) {
            rc = cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--to '%s': %s", o->to, why ? why : "");
            goto done;
        }
        if (strlen(o->to) == 10) {
            int64_t local = cxm_tz_to_local(tz, cxm_floordiv(to, 1000));
            to = cxm_tz_from_local(tz, (cxm_floordiv(local, 86400) + 1) * 86400) * 1000;
        }
    }
    if ((rc = cxm_text_new(&text, diag))) goto done;
    if (o->themes) {
        if ((rc = cxm_themes_load(text, o->themes, &themes, diag))) goto done;
        if (!(ids = malloc((cxm_themes_count(themes) + 1) * sizeof *ids))) {
            rc = CXM_ENOMEM;
            goto done;
        }
    }
    if (o->theme) {
        if (!themes) {
            rc = cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--theme needs --themes FILE");
            goto done;
        }
        if (!cxm_themes_find(themes, o->theme, strlen(o->theme), &want_theme)) {
            rc = cxm_diag_set(diag, CXM_EUSAGE, o->themes, 0, 0, NULL, "no theme named '%s'", o->theme);
            goto done;
        }
    }
    if (o->phrases) {
        cxm_corpus_opts co = {0, 0, CXM_RANK_WEIGHTED};
        if ((rc = cxm_corpus_new(&co, themes, &corpus, diag))) goto done;
    }
    if ((rc = cxm_rows_open(&r, o->responses, cxm_rows_guess_format(o->responses), o->delimiter ? o->delimiter : ',',
                            diag)))
        goto done;
    const cxm_field *names, *f;
    size_t ncols, nf;
    cxm_rows_header(r, &names, &ncols);
    if ((rc = cxm_colmap_resolve(&map, &cxm_stream_responses, o->responses, names, ncols, o->map, o->nmap, diag)))
        goto done;
    if (map.src[RS_COMMENT] < 0) {
        rc = cxm_diag_set(diag, CXM_EDATA, o->responses, 1, 0, NULL, "the responses have no comment column");
        goto done;
    }
    if (!o->phrases && !json) fputs("response_id,at,survey,score,themes,lang,comment\n", out);
    cxm_diag rowdiag;
    while ((rc = cxm_rows_next(r, &f, &nf, &rowdiag)) != 0) {
        if (rc == CXM_EPARSE) {
            bad++;
            if (o->log) {
                char msg[1024];
                cxm_diag_format(&rowdiag, msg, sizeof msg);
                o->log(o->ud, msg);
            }
            continue;
        }
        if (rc < 0) {
            *diag = rowdiag;
            goto done;
        }
        rc = CXM_OK;
#define FLD(k) (map.src[k] >= 0 && (size_t)map.src[k] < nf ? &f[map.src[k]] : NULL)
        const cxm_field *cm = FLD(RS_COMMENT), *sv = FLD(RS_SURVEY), *sc = FLD(RS_SCORE), *at = FLD(RS_AT),
                        *id = FLD(RS_RESPONSE_ID);
#undef FLD
        if (!cm || !cm->ptr || !cm->len) continue;
        if (o->survey && !(sv && ieq(sv, o->survey))) continue;
        if (lo >= 0) {
            double x;
            int s;
            if (!sc || !sc->ptr || cxm_parse_double(sc->ptr, sc->len, &x) || cxm_survey_score_from_double(x, &s) ||
                s < lo || s > hi)
                continue;
        }
        if (from != CXM_TIME_NULL || to != CXM_TIME_NULL) {
            cxm_time t;
            if (!at || !at->ptr || cxm_parse_time(at->ptr, at->len, itz, CXM_DATE_YMD, &t, NULL)) continue;
            if ((from != CXM_TIME_NULL && t < from) || (to != CXM_TIME_NULL && t >= to)) continue;
        }
        size_t nids = 0;
        cxm_segmented seg;
        if ((rc = cxm_text_segment(text, cm->ptr, cm->len, CXM_TEXT_AUTO, &seg, &rowdiag))) {
            if (rc == CXM_ENOMEM) goto done;
            rc = CXM_OK;
            continue;
        }
        if (themes) nids = cxm_themes_match_segmented(themes, &seg, ids);
        if (want_theme != UINT32_MAX) {
            int hit = 0;
            for (size_t i = 0; i < nids; i++) hit |= ids[i] == want_theme;
            if (!hit) continue;
        }
        if (corpus) {
            if ((rc = cxm_corpus_add_segmented(corpus, &seg, diag))) goto done;
            continue;
        }
        static const cxm_field none = {"", 0};
        const cxm_field *cols[4] = {id ? id : &none, at ? at : &none, sv ? sv : &none, sc ? sc : &none};
        static const char *const keys[4] = {"response_id", "at", "survey", "score"};
        if (json) fputc('{', out);
        for (int k = 0; k < 4; k++) {
            const cxm_field *v = cols[k]->ptr ? cols[k] : &none;
            if (json) {
                fprintf(out, "%s\"%s\":", k ? "," : "", keys[k]);
                put_json(out, v->ptr, v->len);
            } else {
                if (k) fputc(',', out);
                put_csv(out, v->ptr, v->len);
            }
        }
        fputs(json ? ",\"themes\":[" : ",", out);
        for (size_t i = 0; i < nids; i++) {
            const char *tn = cxm_themes_name(themes, ids[i]);
            if (json) {
                if (i) fputc(',', out);
                put_json(out, tn, strlen(tn));
            } else {
                if (i) fputc(';', out);
                put_csv(out, tn, strlen(tn));
            }
        }
        const char *ln = cxm_text_lang_name(seg.lang);
        if (json) {
            fprintf(out, "],\"lang\":\"%s\",\"comment\":", ln);
            put_json(out, cm->ptr, cm->len);
            fputs("}\n", out);
        } else {
            fprintf(out, ",%s,", ln);
            put_csv(out, cm->ptr, cm->len);
            fputc('\n', out);
        }
    }
    if (corpus) {
        const cxm_phrase *top;
        size_t n;
        if ((rc = cxm_corpus_top(corpus, o->phrases, &top, &n, diag))) goto done;
        if (!json) fputs("phrase,count,docs,score\n", out);
        for (size_t i = 0; i < n; i++) {
            if (json) {
                fputs("{\"phrase\":", out);
                put_json(out, top[i].text, strlen(top[i].text));
                fprintf(out, ",\"count\":%llu,\"docs\":%llu,\"score\":%.6g}\n", (unsigned long long)top[i].count,
                        (unsigned long long)top[i].docs, top[i].score);
            } else {
                put_csv(out, top[i].text, strlen(top[i].text));
                fprintf(out, ",%llu,%llu,%.6g\n", (unsigned long long)top[i].count, (unsigned long long)top[i].docs,
                        top[i].score);
            }
        }
    }
    if (ferror(out)) rc = CXM_EIO;
done:
    if (bad_rows) *bad_rows = bad;
    cxm_rows_free(r);
    cxm_colmap_free(&map);
    cxm_corpus_free(corpus);
    cxm_themes_free(themes);
    cxm_text_free(text);
    free(ids);
    cxm_tz_free(tz);
    cxm_tz_free(itz);
    return rc;
}
