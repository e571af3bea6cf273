/*
 * render.c - a result set as JSON, CSV, Markdown or an aligned table.
 *
 * JSON and CSV are contracts (docs/METRICS.md, "Output"): ids, not labels,
 * and numbers in the shortest form that reads back to the same double.
 * The table and Markdown are for people: labels in --lang, durations
 * humanized (1h 02m), percents with one decimal, columns aligned by display
 * width (East Asian wide characters count two cells; the ranges below are
 * the Unicode EastAsianWidth W/F blocks, enough for CJK labels without
 * pulling ICU into the library).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "cxm.h"

int cxm_format_parse(const char *name, cxm_format *out) {
    if (!strcmp(name, "table")) *out = CXM_FORMAT_TABLE;
    else if (!strcmp(name, "csv")) *out = CXM_FORMAT_CSV;
    else if (!strcmp(name, "json")) *out = CXM_FORMAT_JSON;
    else if (!strcmp(name, "md")) *out = CXM_FORMAT_MD;
    else return CXM_EUSAGE;
    return CXM_OK;
}

/* Shortest "%.Ng" (N from 6 to 17) that reads back to the same double;
 * integers plain. Found by halving: the error of the N+1-digit rounding is
 * never larger than the N-digit one's, so once N digits read back, every
 * N' > N does too (4 tries instead of up to 12: this was most of the
 * instructions of a report with many groups; checked identical to the
 * linear search on 2e7 doubles of every kind). */
static void fmt_num(double v, char *buf, size_t cap) {
    if (v == 0) v = 0; /* no "-0" */
    if (fabs(v) < 1e15 && v == floor(v)) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    int lo = 6, hi = 17; /* 17 digits always read back (non-finite values print as such) */
    while (lo < hi && isfinite(v)) {
        int mid = (lo + hi) / 2;
        snprintf(buf, cap, "%.*g", mid, v);
        if (strtod(buf, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(buf, cap, "%.*g", isfinite(v) ? lo : 17, v);
}

static int render_json(const cxm_result_set *rs, const char *lang, FILE *o) {
    char nb[64];
    int labels = lang && strcmp(lang, "en");
    fputs("{\"results\":[", o);
    size_t n = cxm_result_count(rs);
    for (size_t i = 0; i < n; i++) {
        const cxm_result *r = cxm_result_get(rs, i);
        fputs(i ? ",\n{" : "\n{", o);
        fputs("\"metric\":", o);
        cxm_json_fputs(o, r->metric);
        if (labels) {
            fputs(",\"label\":", o);
            cxm_json_fputs(o, cxm_label(r->metric, lang));
        }
        if (r->stat) {
            fputs(",\"stat\":", o);
            cxm_json_fputs(o, r->stat);
        }
        if (r->target) {
            fputs(",\"target\":", o);
            cxm_json_fputs(o, r->target);
        }
        if (r->variant) {
            fputs(",\"variant\":", o);
            cxm_json_fputs(o, r->variant);
        }
        fputs(",\"group\":{", o);
        for (size_t g = 0; g < r->ngroup; g++) {
            if (g) fputc(',', o);
            cxm_json_fputs(o, r->group_keys[g]);
            fputc(':', o);
            if (r->group_values[g]) cxm_json_fputs(o, r->group_values[g]);
            else fputs("null", o);
        }
        fputs("},\"value\":", o);
        if (r->is_null) fputs("null", o);
        else {
            fmt_num(r->value, nb, sizeof nb);
            fputs(nb, o);
        }
        if (r->is_null && r->null_reason) {
            fputs(",\"reason\":", o);
            cxm_json_fputs(o, r->null_reason);
        }
        fputs(",\"unit\":", o);
        cxm_json_fputs(o, cxm_unit_name(r->unit));
        fprintf(o, ",\"n\":%lld", (long long)r->n);
        if (r->has_ci) {
            fmt_num(r->ci_low, nb, sizeof nb);
            fprintf(o, ",\"ci\":[%s,", nb);
            fmt_num(r->ci_high, nb, sizeof nb);
            fprintf(o, "%s]", nb);
        }
        if (r->below_min_n) fputs(",\"below_min_n\":true", o);
        if (r->has_buckets)
            fprintf(o, ",\"buckets\":{\"promoters\":%lld,\"passives\":%lld,\"detractors\":%lld}",
                    (long long)r->promoters, (long long)r->passives, (long long)r->detractors);
        if (r->has_compare) {
            fmt_num(r->previous, nb, sizeof nb);
            fprintf(o, ",\"previous\":%s,\"previous_n\":%lld", nb, (long long)r->previous_n);
            fmt_num(r->change, nb, sizeof nb);
            fprintf(o, ",\"change\":%s", nb);
            if (isnan(r->p_value)) { /* no test applies (medians, counts) */
                fputs(",\"p_value\":null,\"significant\":null", o);
            } else {
                fmt_num(r->p_value, nb, sizeof nb);
                fprintf(o, ",\"p_value\":%s,\"significant\":%s", nb, r->significant ? "true" : "false");
            }
            if (r->test) {
                fputs(",\"test\":", o);
                cxm_json_fputs(o, r->test);
            }
        }
        fputc('}', o);
    }
    fputs("\n],\"warnings\":[", o);
    for (size_t i = 0; i < cxm_result_warning_count(rs); i++) {
        fputs(i ? ",\n" : "\n", o);
        cxm_json_fputs(o, cxm_result_warning(rs, i));
    }
    fprintf(o, "%s],\"bad_rows\":%llu}\n", cxm_result_warning_count(rs) ? "\n" : "",
            (unsigned long long)cxm_result_bad_rows(rs));
    return ferror(o) ? CXM_EIO : CXM_OK;
}

static void csv_str(FILE *o, const char *s) {
    if (!s) return;
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', o);
        for (; *s; s++) {
            if (*s == '"') fputc('"', o);
            fputc(*s, o);
        }
        fputc('"', o);
    } else {
        fputs(s, o);
    }
}

/* The --by keys of the first row (every row of a report has the same). */
static size_t group_keys(const cxm_result_set *rs, const char *const **keys) {
    for (size_t i = 0; i < cxm_result_count(rs); i++) {
        const cxm_result *r = cxm_result_get(rs, i);
        if (r->ngroup) {
            *keys = r->group_keys;
            return r->ngroup;
        }
    }
    *keys = NULL;
    return 0;
}

static int render_csv(const cxm_result_set *rs, FILE *o) {
    const char *const *keys;
    size_t nk = group_keys(rs, &keys);
    char nb[64];
    fputs("metric,stat,target", o);
    for (size_t k = 0; k < nk; k++) {
        fputc(',', o);
        csv_str(o, keys[k]);
    }
    fputs(",value,unit,n,ci_low,ci_high,reason,variant,previous,change,p_value\n", o);
    for (size_t i = 0; i < cxm_result_count(rs); i++) {
        const cxm_result *r = cxm_result_get(rs, i);
        csv_str(o, r->metric);
        fputc(',', o);
        csv_str(o, r->stat);
        fputc(',', o);
        csv_str(o, r->target);
        for (size_t k = 0; k < nk; k++) {
            fputc(',', o);
            csv_str(o, k < r->ngroup ? r->group_values[k] : NULL);
        }
        fputc(',', o);
        if (!r->is_null) {
            fmt_num(r->value, nb, sizeof nb);
            fputs(nb, o);
        }
        fprintf(o, ",%s,%lld,", cxm_unit_name(r->unit), (long long)r->n);
        if (r->has_ci) {
            fmt_num(r->ci_low, nb, sizeof nb);
            fputs(nb, o);
            fputc(',', o);
            fmt_num(r->ci_high, nb, sizeof nb);
            fputs(nb, o);
        } else {
            fputc(',', o);
        }
        fputc(',', o);
        csv_str(o, r->is_null ? r->null_reason : NULL);
        fputc(',', o);
        csv_str(o, r->variant);
        if (r->has_compare) {
            fmt_num(r->previous, nb, sizeof nb);
            fprintf(o, ",%s,", nb);
            fmt_num(r->change, nb, sizeof nb);
            fprintf(o, "%s,", nb);
            if (!isnan(r->p_value)) {
                fmt_num(r->p_value, nb, sizeof nb);
                fputs(nb, o);
            }
        } else {
            fputs(",,,", o);
        }
        fputc('\n', o);
    }
    return ferror(o) ? CXM_EIO : CXM_OK;
}

/* ---- human formats ----------------------------------------------------- */

static size_t display_width(const char *s) {
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int len;
        if (*p < 0x80) { cp = *p; len = 1; }
        else if ((*p & 0xe0) == 0xc0) { cp = *p & 0x1fu; len = 2; }
        else if ((*p & 0xf0) == 0xe0) { cp = *p & 0x0fu; len = 3; }
        else { cp = *p & 0x07u; len = 4; }
        for (int k = 1; k < len; k++) {
            if ((p[k] & 0xc0) != 0x80) { len = k; break; }
            cp = (cp << 6) | (p[k] & 0x3fu);
        }
        p += len;
        int wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                   (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                   (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                   (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
        w += wide ? 2 : 1;
    }
    return w;
}

static void human_duration(double s, char *buf, size_t cap) {
    double a = fabs(s);
    const char *sign = s < 0 ? "-" : "";
    if (a < 60) snprintf(buf, cap, "%s%.1fs", sign, a);
    else if (a < 3600) snprintf(buf, cap, "%s%dm %02ds", sign, (int)(a / 60), (int)fmod(a, 60));
    else if (a < 86400) snprintf(buf, cap, "%s%dh %02dm", sign, (int)(a / 3600), (int)fmod(a / 60, 60));
    else snprintf(buf, cap, "%s%dd %02dh", sign, (int)(a / 86400), (int)fmod(a / 3600, 24));
}

static void human_value(const cxm_result *r, double v, char *buf, size_t cap) {
    switch (r->unit) {
    case CXM_UNIT_SECONDS: human_duration(v, buf, cap); break;
    case CXM_UNIT_PERCENT: snprintf(buf, cap, "%.1f%%", v); break;
    case CXM_UNIT_COUNT: snprintf(buf, cap, "%.0f", v); break;
    default: snprintf(buf, cap, "%.4g", v); break;
    }
}

typedef struct cell { char *s; } cell;

static char *xdup(const char *s) {
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

static int render_human(const cxm_result_set *rs, const char *lang, FILE *o, int md) {
    const char *const *keys;
    size_t nk = group_keys(rs, &keys);
    size_t ncol = 2 + nk + 3, nrow = cxm_result_count(rs) + 1;
    char **cells = calloc(ncol * nrow, sizeof *cells);
    size_t *w = calloc(ncol, sizeof *w);
    if (!cells || !w) {
        free(cells);
        free(w);
        return CXM_ENOMEM;
    }
    char conf[32];
    snprintf(conf, sizeof conf, "%s", cxm_label("w.ci", lang));
    cells[0] = xdup(cxm_label("w.metric", lang));
    cells[1] = xdup(cxm_label("w.stat", lang));
    for (size_t k = 0; k < nk; k++) cells[2 + k] = xdup(cxm_label(keys[k], lang));
    cells[2 + nk] = xdup(cxm_label("w.value", lang));
    cells[3 + nk] = xdup(cxm_label("w.n", lang));
    cells[4 + nk] = xdup(conf);
    int rc = CXM_OK;
    for (size_t i = 1; i < nrow; i++) {
        const cxm_result *r = cxm_result_get(rs, i - 1);
        char **row = &cells[i * ncol], b1[64], b2[64], b3[160];
        row[0] = xdup(cxm_label(r->metric, lang));
        if (r->stat) {
            char sid[32];
            snprintf(sid, sizeof sid, "w.%s", r->stat);
            row[1] = xdup(cxm_label(sid, lang));
        } else if (r->target && r->variant) {
            snprintf(b3, sizeof b3, "%s %s", r->target, r->variant);
            row[1] = xdup(b3);
        } else {
            row[1] = xdup(r->target ? r->target : r->variant ? r->variant : "");
        }
        for (size_t k = 0; k < nk; k++)
            row[2 + k] = xdup(k < r->ngroup && r->group_values[k] ? r->group_values[k] : "-");
        if (r->is_null) row[2 + nk] = xdup(cxm_label("w.none", lang));
        else {
            human_value(r, r->value, b1, sizeof b1);
            row[2 + nk] = xdup(b1);
        }
        snprintf(b1, sizeof b1, "%lld", (long long)r->n);
        row[3 + nk] = xdup(b1);
        if (r->has_ci) {
            human_value(r, r->ci_low, b1, sizeof b1);
            human_value(r, r->ci_high, b2, sizeof b2);
            snprintf(b3, sizeof b3, "%s - %s", b1, b2);
            row[4 + nk] = xdup(b3);
        } else {
            row[4 + nk] = xdup("");
        }
    }
    for (size_t i = 0; i < ncol * nrow; i++)
        if (!cells[i]) rc = CXM_ENOMEM;
    if (!rc) {
        for (size_t i = 0; i < nrow; i++)
            for (size_t k = 0; k < ncol; k++) {
                size_t dw = display_width(cells[i * ncol + k]);
                if (dw > w[k]) w[k] = dw;
            }
        if (!md) fprintf(o, "%s\n\n", cxm_label("w.report_title", lang));
        for (size_t i = 0; i < nrow; i++) {
            if (md) fputs("| ", o);
            for (size_t k = 0; k < ncol; k++) {
                const char *s = cells[i * ncol + k];
                size_t pad = w[k] - display_width(s);
                int right = i > 0 && k >= 2 + nk;
                if (right) fprintf(o, "%*s", (int)pad, "");
                fputs(s, o);
                if (!right && (k + 1 < ncol || md)) fprintf(o, "%*s", (int)pad, "");
                if (k + 1 < ncol) fputs(md ? " | " : "  ", o);
            }
            fputs(md ? " |\n" : "\n", o);
            if (i == 0) {
                if (md) fputs("|", o);
                for (size_t k = 0; k < ncol; k++) {
                    if (md) {
                        fputs(k >= 2 + nk ? " " : " ", o);
                        for (size_t x = 0; x < w[k]; x++) fputc('-', o);
                        fputs(k >= 2 + nk ? ":|" : " |", o);
                    } else {
                        for (size_t x = 0; x < w[k]; x++) fputc('-', o);
                        if (k + 1 < ncol) fputs("  ", o);
                    }
                }
                fputc('\n', o);
            }
        }
        size_t nw = cxm_result_warning_count(rs);
        if (nw) {
            fprintf(o, "\n%s (%zu):\n", cxm_label("w.warnings", lang), nw);
            for (size_t i = 0; i < nw; i++) fprintf(o, "%s %s\n", md ? "-" : " ", cxm_result_warning(rs, i));
        }
    }
    for (size_t i = 0; i < ncol * nrow; i++) free(cells[i]);
    free(cells);
    free(w);
    if (!rc && ferror(o)) rc = CXM_EIO;
    return rc;
}

/* ---- the catalog ---------------------------------------------------------- */

static void md_cell(FILE *o, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", o);
        else fputc(*s, o);
    }
}

static const char *better_word(int h) { return h < 0 ? "neither" : h ? "higher" : "lower"; }

int cxm_catalog_render(FILE *o, cxm_format format, const char *lang, const char *only) {
    if (format != CXM_FORMAT_JSON && format != CXM_FORMAT_MD) return CXM_EUSAGE;
    if (lang && !cxm_lang_supported(lang)) return CXM_EUSAGE;
    int json = format == CXM_FORMAT_JSON, first = 1;
    if (json) fputc('[', o);
    for (size_t i = 0; i < cxm_catalog_count(); i++) {
        const cxm_metric_info *m = cxm_catalog_get(i);
        if (only && strcmp(only, m->id)) continue;
        if (json) {
            fprintf(o, "%s\n{\"id\":", first ? "" : ",");
            cxm_json_fputs(o, m->id);
            fputs(",\"family\":", o);
            cxm_json_fputs(o, m->family);
            fputs(",\"name\":", o);
            cxm_json_fputs(o, cxm_label(m->id, lang));
            fprintf(o, ",\"kind\":\"%s\",\"unit\":\"%s\",\"higher_is_better\":%s,\"stream\":", cxm_kind_name(m->kind),
                    cxm_unit_name(m->unit), m->higher_is_better < 0 ? "null" : m->higher_is_better ? "true" : "false");
            cxm_json_fputs(o, m->stream);
            static const char *const keys[] = {"inputs", "formula", "variants", "presets", "seeds"};
            const char *vals[] = {m->inputs, m->formula, m->variants, m->presets, m->seeds};
            for (int k = 0; k < 5; k++) {
                fprintf(o, ",\"%s\":", keys[k]);
                cxm_json_fputs(o, vals[k]);
            }
            fputc('}', o);
        } else {
            fprintf(o, "### `%s`: %s\n\n| | |\n|---|---|\n", m->id, cxm_label(m->id, lang));
            fprintf(o, "| family | %s |\n| kind | %s |\n| unit | %s |\n| better | %s |\n", m->family,
                    cxm_kind_name(m->kind), cxm_unit_name(m->unit), better_word(m->higher_is_better));
            fprintf(o, "| reads | %s: ", m->stream);
            md_cell(o, m->inputs);
            fputs(" |\n| formula | ", o);
            md_cell(o, m->formula);
            fputs(" |\n", o);
            if (m->variants[0]) {
                fputs("| variants | ", o);
                md_cell(o, m->variants);
                fputs(" |\n", o);
            }
            if (m->presets[0]) {
                fputs("| presets | ", o);
                md_cell(o, m->presets);
                fputs(" |\n", o);
            }
            fputs("| seeds | ", o);
            md_cell(o, m->seeds);
            fputs(" |\n\n", o);
        }
        first = 0;
    }
    if (json) fputs("\n]\n", o);
    return ferror(o) ? CXM_EIO : CXM_OK;
}

int cxm_result_render(const cxm_result_set *rs, cxm_format format, const char *lang, FILE *out) {
    if (lang && !cxm_lang_supported(lang)) return CXM_EUSAGE;
    switch (format) {
    case CXM_FORMAT_JSON: return render_json(rs, lang, out);
    case CXM_FORMAT_CSV: return render_csv(rs, out);
    case CXM_FORMAT_MD: return render_human(rs, lang, out, 1);
    case CXM_FORMAT_TABLE: return render_human(rs, lang, out, 0);
    }
    return CXM_EINVAL;
}
