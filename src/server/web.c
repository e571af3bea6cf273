/*
 * web.c - the dashboard's side of the cxm executable (web.h;
 * docs/DASHBOARD.md): embedded files, the drill-down and filter endpoints'
 * work, and the static page of `cxm report --format html`.
 *
 * Invariants: nothing here touches a socket; answers are written to a FILE
 * the caller owns. The tickets and comments exports are spooled to an
 * anonymous temporary file (tmpfile) and read back line by line, so a large
 * store costs disk, not memory; only the window of rows is kept.
 * Sizes: CXM_WEB_MAX_LIMIT rows of up to CXM_MAX_RECORD_BYTES each in an
 * answer at most (in practice about 1 KiB a row).
 */
#include "web.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/dims.h"
#include "../store/store.h"

/* ---- embedded files ------------------------------------------------------------ */

const cxm_web_file *cxm_web_file_find(const char *name) {
    if (!name) return NULL;
    for (const cxm_web_file *f = cxm_web_files; f->name; f++)
        if (!strcmp(f->name, name)) return f;
    return NULL;
}

const cxm_web_file *cxm_web_asset_for_path(const char *path) {
    if (!path || strstr(path, "..")) return NULL;
    if (!strcmp(path, "/") || !strcmp(path, "/index.html")) return cxm_web_file_find("index.html");
    if (!strncmp(path, "/assets/", 8) && path[8] && !strchr(path + 8, '/')) {
        if (!strcmp(path + 8, "index.html")) return NULL; /* the page has one address */
        return cxm_web_file_find(path + 8);
    }
    return NULL;
}

const char *cxm_web_content_type(const char *name) {
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".json", "application/json"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".ico", "image/x-icon"},
                 {".txt", "text/plain; charset=utf-8"}};
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

const char *cxm_web_cache_control(const char *name) {
    if (name && !strcmp(name, "index.html")) return "no-cache";
    return "public, max-age=3600";
}

int cxm_web_etag_matches(const char *inm, const char *etag) {
    if (!inm || !etag) return 0;
    size_t elen = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p) break;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *q = end;
        while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
            q--;
        if (q - p == 1 && *p == '*') return 1;
        const char *tag = p;
        if (q - tag > 2 && tag[0] == 'W' && tag[1] == '/') tag += 2;
        if ((size_t)(q - tag) == elen && !memcmp(tag, etag, elen)) return 1;
        p = end;
    }
    return 0;
}

/* ---- small helpers ----------------------------------------------------------------- */

static int set_bad(cxm_web_tickets_query *q, const char *fmt, ...) CXM_PRINTF(2, 3);
static int set_bad(cxm_web_tickets_query *q, const char *fmt, ...) {
    if (!q->bad[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(q->bad, sizeof q->bad, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void diag_msg(cxm_diag *d, const char *fmt, ...) CXM_PRINTF(2, 3);
static void diag_msg(cxm_diag *d, const char *fmt, ...) {
    if (!d) return;
    memset(d, 0, sizeof *d);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

/* A whole number 0..max from text, or -1. */
static long long parse_count(const char *v, long long max) {
    if (!v || !*v) return -1;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    errno = 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n > max) return -1;
    return n;
}

/* ---- GET /v1/tickets ---------------------------------------------------------------- */

/* Limit and offset, shared by both queries: 1 if key was one of them
 * (then bad may be set), 0 otherwise. */
static int window_arg(const char *key, const char *value, size_t *limit, size_t *offset, char *bad, size_t cap) {
    if (!strcmp(key, "limit")) {
        long long n = parse_count(value, CXM_WEB_MAX_LIMIT);
        if (n < 1)
            snprintf(bad, cap, "limit '%.60s': expected a whole number from 1 to %u", value, CXM_WEB_MAX_LIMIT);
        else
            *limit = (size_t)n;
        return 1;
    }
    if (!strcmp(key, "offset")) {
        long long n = parse_count(value, (long long)1 << 40);
        if (n < 0)
            snprintf(bad, cap, "offset '%.60s': expected a whole number", value);
        else
            *offset = (size_t)n;
        return 1;
    }
    return 0;
}

void cxm_web_tickets_query_init(cxm_web_tickets_query *q, const char *store) {
    memset(q, 0, sizeof *q);
    q->o.where = q->where;
    q->o.store = store;
    q->limit = CXM_WEB_DEFAULT_LIMIT;
}

int cxm_web_tickets_arg(cxm_web_tickets_query *q, const char *key, const char *value) {
    if (q->bad[0]) return -1;
    if (!key) return set_bad(q, "a parameter without a name");
    if (!value) return set_bad(q, "parameter '%.60s' needs a value", key);
    cxm_report_opts *o = &q->o;
    if (!strcmp(key, "where")) {
        if (o->nwhere == CXM_WEB_MAX_WHERE) return set_bad(q, "more than %u where parameters", CXM_WEB_MAX_WHERE);
        q->where[o->nwhere++] = value;
    } else if (!strcmp(key, "from"))
        o->from = value;
    else if (!strcmp(key, "to"))
        o->to = value;
    else if (!strcmp(key, "tz"))
        o->tz = value;
    else if (!strcmp(key, "as_of"))
        o->as_of = value;
    else if (!strcmp(key, "preset"))
        o->preset = value;
    else if (!strcmp(key, "time_basis"))
        o->time_basis = value;
    else if (!strcmp(key, "fcr_rule"))
        o->fcr_rule = value;
    else if (!strcmp(key, "has") || !strcmp(key, "missing")) {
        if (!*value) return set_bad(q, "%s: expected a field name", key);
        for (const char *p = value; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
                return set_bad(q, "%s '%.60s': expected a field name of the rows (a-z, 0-9, _)", key, value);
        if (key[0] == 'h')
            q->has = value;
        else
            q->missing = value;
    } else if (window_arg(key, value, &q->limit, &q->offset, q->bad, sizeof q->bad)) {
        return q->bad[0] ? -1 : 0;
    } else {
        return set_bad(q,
                       "unknown parameter '%.60s' (expected where, from, to, tz, as_of, preset, time_basis, "
                       "fcr_rule, has, missing, limit, offset)",
                       key);
    }
    return 0;
}

/* 1 if the JSON object line passes: field `has` present and not null
 * (false counts: the FCR drill-down lists the tickets of the denominator),
 * field `missing` absent or null. NULL names pass. */
static int row_passes(const char *line, size_t len, const char *has, const char *missing) {
    if (!has && !missing) return 1;
    json_error_t err;
    json_t *row = json_loadb(line, len, 0, &err);
    if (!row) return 0;
    int ok = 1;
    if (has) {
        json_t *v = json_object_get(row, has);
        ok = v && !json_is_null(v);
    }
    if (ok && missing) {
        json_t *v = json_object_get(row, missing);
        ok = !v || json_is_null(v);
    }
    json_decref(row);
    return ok;
}

/* Reads NDJSON lines from spool (rewound here) and writes the answer
 * {"total":..,"offset":..,"limit":..,"rows":[..]} to out. */
static int write_window(FILE *spool, const char *has, const char *missing, size_t limit, size_t offset, FILE *out) {
    if (fseek(spool, 0, SEEK_SET)) return CXM_EIO;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t total = 0;
    size_t shown = 0;
    fputs("{\"rows\":[", out);
    while ((n = getline(&line, &cap, spool)) > 0) {
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (!len) continue;
        if (!row_passes(line, len, has, missing)) continue;
        if (total >= offset && shown < limit) {
            if (shown) fputc(',', out);
            fputc('\n', out);
            fwrite(line, 1, len, out);
            shown++;
        }
        total++;
    }
    free(line);
    if (ferror(spool)) return CXM_EIO;
    fprintf(out, "\n],\"total\":%llu,\"offset\":%zu,\"limit\":%zu}\n", (unsigned long long)total, offset, limit);
    return CXM_OK;
}

int cxm_web_tickets_run(const cxm_web_tickets_query *q, FILE *out, cxm_diag *diag) {
    FILE *spool = tmpfile();
    if (!spool) {
        diag_msg(diag, "cannot create a temporary file for the export");
        return CXM_EIO;
    }
    uint64_t bad = 0;
    int rc = cxm_tickets_export(&q->o, CXM_FORMAT_JSON, spool, &bad, diag);
    if (!rc) rc = write_window(spool, q->has, q->missing, q->limit, q->offset, out);
    fclose(spool);
    return rc;
}

/* ---- GET /v1/comments ------------------------------------------------------------------ */

void cxm_web_comments_query_init(cxm_web_comments_query *q) {
    memset(q, 0, sizeof *q);
    q->limit = CXM_WEB_DEFAULT_LIMIT;
}

int cxm_web_comments_arg(cxm_web_comments_query *q, const char *key, const char *value) {
    if (q->bad[0]) return -1;
    if (!key) {
        snprintf(q->bad, sizeof q->bad, "a parameter without a name");
        return -1;
    }
    if (!value) {
        snprintf(q->bad, sizeof q->bad, "parameter '%.60s' needs a value", key);
        return -1;
    }
    if (window_arg(key, value, &q->limit, &q->offset, q->bad, sizeof q->bad)) return q->bad[0] ? -1 : 0;
    if (!strcmp(key, "survey"))
        q->o.survey = value;
    else if (!strcmp(key, "bucket"))
        q->o.bucket = value;
    else if (!strcmp(key, "from"))
        q->o.from = value;
    else if (!strcmp(key, "to"))
        q->o.to = value;
    else if (!strcmp(key, "tz"))
        q->o.tz = value;
    else {
        snprintf(q->bad, sizeof q->bad,
                 "unknown parameter '%.60s' (expected survey, bucket, from, to, tz, limit, offset)", key);
        return -1;
    }
    return 0;
}

int cxm_web_comments_run(const char *store, const cxm_web_comments_query *q, FILE *out, cxm_diag *diag) {
    char dir[256];
    int rc = cxm_store_snapshot(store, dir, sizeof dir, diag);
    if (rc) return rc;
    char path[320];
    snprintf(path, sizeof path, "%s/responses.csv", dir);
    FILE *probe = fopen(path, "r");
    if (!probe) {
        cxm_store_snapshot_remove(dir);
        diag_msg(diag, "the store holds no survey answers (responses)");
        return CXM_EUSAGE;
    }
    fclose(probe);
    FILE *spool = tmpfile();
    if (!spool) {
        cxm_store_snapshot_remove(dir);
        diag_msg(diag, "cannot create a temporary file for the export");
        return CXM_EIO;
    }
    cxm_comments_opts o = q->o;
    o.responses = path;
    o.phrases = 0;
    uint64_t bad = 0;
    rc = cxm_comments_run(&o, CXM_FORMAT_JSON, spool, &bad, diag);
    if (!rc) rc = write_window(spool, NULL, NULL, q->limit, q->offset, out);
    fclose(spool);
    cxm_store_snapshot_remove(dir);
    return rc;
}

/* ---- GET /v1/dimensions ------------------------------------------------------------------ */

int cxm_web_dimensions_run(const char *store, int sla, FILE *out, cxm_diag *diag) {
    cxm_store *st = NULL;
    int rc = cxm_store_open(store, 0, &st, diag);
    if (rc) return rc;
    fputs("{\"streams\":", out);
    rc = cxm_store_dimensions_json(st, CXM_WEB_MAX_DIM_VALUES, out, diag);
    fprintf(out, ",\"sla\":%s}\n", sla ? "true" : "false");
    cxm_store_close(st);
    return rc;
}

/* ---- the previous period ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

/* YYYY-MM-DD (exactly) to days; -1 with ok = 0 on anything else. */
static int parse_date(const char *s, int64_t *days) {
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
    int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) return 0;
    *days = days_from_civil(y, m, d);
    return 1;
}

static void format_date(int64_t days, char *out, size_t cap) {
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

int cxm_web_previous_period(const char *from, const char *to, char *pf, char *pt, size_t cap) {
    int64_t a, b;
    if (cap < 11 || !parse_date(from, &a) || !parse_date(to, &b) || b < a) return CXM_EUSAGE;
    int64_t len = b - a + 1;
    if (a - len < days_from_civil(1, 1, 1)) return CXM_EUSAGE;
    format_date(a - len, pf, cap);
    format_date(a - 1, pt, cap);
    return CXM_OK;
}

/* ---- cxm report --format html ---------------------------------------------------------------- */

/* Writes s[0..len) with every "</script" (any case) as "<\/script". */
static void write_script_safe(FILE *out, const char *s, size_t len) {
    size_t i = 0, start = 0;
    while (i + 8 <= len) {
        if (s[i] == '<' && s[i + 1] == '/' && !strncasecmp(s + i + 2, "script", 6)) {
            fwrite(s + start, 1, i + 1 - start, out); /* up to and with '<' */
            fputc('\\', out);
            start = i + 1;
        }
        i++;
    }
    fwrite(s + start, 1, len - start, out);
}

/* Writes JSON text with '<' as \u003c (it only occurs in strings) and the
 * line and paragraph separators escaped (old script parsers). */
static void write_json_safe(FILE *out, const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '<')
            fputs("\\u003c", out);
        else if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
                 ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
            fputs((unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", out);
            i += 2;
        } else
            fputc((int)c, out);
    }
}

/* Copies text between markers: writes tpl[from..at(marker)) and returns the
 * position after the marker's end tag, or NULL if a marker is missing. */
static const char *copy_until(FILE *out, const char *p, const char *open_tag, const char *close_tag) {
    const char *a = strstr(p, open_tag);
    if (!a) return NULL;
    const char *b = strstr(a, close_tag);
    if (!b) return NULL;
    fwrite(p, 1, (size_t)(a - p), out);
    return b + strlen(close_tag);
}

/* ,"labels":{LANG:{id:name}},"meta":{id:{unit,kind,higher_is_better}}: the
 * catalog's names in every language, so a static page switches language
 * without the server. */
static int write_labels(FILE *out) {
    static const char *const langs[] = {"en", "zh-Hans", "zh-Hant", "ja", "ms"};
    json_t *labels = json_object(), *meta = json_object();
    if (!labels || !meta) {
        json_decref(labels);
        json_decref(meta);
        return CXM_ENOMEM;
    }
    for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++) {
        json_t *m = json_object();
        for (size_t i = 0; i < cxm_catalog_count(); i++) {
            const char *id = cxm_catalog_get(i)->id;
            json_object_set_new(m, id, json_string(cxm_label(id, langs[l])));
        }
        json_object_set_new(labels, langs[l], m);
    }
    for (size_t i = 0; i < cxm_catalog_count(); i++) {
        const cxm_metric_info *mi = cxm_catalog_get(i);
        json_t *hib = mi->higher_is_better < 0 ? json_null() : json_boolean(mi->higher_is_better);
        json_object_set_new(meta, mi->id,
                            json_pack("{s:s,s:s,s:o}", "unit", cxm_unit_name(mi->unit), "kind", cxm_kind_name(mi->kind),
                                      "higher_is_better", hib));
    }
    char *a = json_dumps(labels, JSON_COMPACT), *b = json_dumps(meta, JSON_COMPACT);
    json_decref(labels);
    json_decref(meta);
    int rc = a && b ? CXM_OK : CXM_ENOMEM;
    if (!rc) {
        fputs(",\"labels\":", out);
        write_json_safe(out, a, strlen(a));
        fputs(",\"meta\":", out);
        write_json_safe(out, b, strlen(b));
    }
    free(a);
    free(b);
    return rc;
}

int cxm_web_render_html(FILE *out, const cxm_web_dataset *sets, size_t nsets, const char *lang,
                        const char *filters_json, cxm_diag *diag) {
    const cxm_web_file *page = cxm_web_file_find("index.html");
    const cxm_web_file *js = cxm_web_file_find("app.js");
    const cxm_web_file *css = cxm_web_file_find("app.css");
    if (!page || !js || !css) {
        diag_msg(diag, "the dashboard's files are not in this build of cxm");
        return CXM_EIO;
    }
    const char *tpl = (const char *)page->data;
    const char *p = copy_until(out, tpl, "<!--cxm:css-->", "<!--/cxm:css-->");
    if (!p) {
        diag_msg(diag, "the dashboard was not built (run scripts/install-deps.sh, then rebuild cxm)");
        return CXM_EIO;
    }
    fputs("<style>\n", out);
    write_script_safe(out, (const char *)css->data, css->len);
    fputs("</style>", out);
    p = copy_until(out, p, "<!--cxm:js-->", "<!--/cxm:js-->");
    if (!p) {
        diag_msg(diag, "the dashboard page lacks its script marker");
        return CXM_EIO;
    }
    /* the data first, then the app that reads it */
    fputs("<script type=\"application/json\" id=\"cxm-data\">{\"mode\":\"static\",\"lang\":", out);
    json_t *l = json_string(lang ? lang : "en");
    char *ls = l ? json_dumps(l, JSON_ENCODE_ANY) : NULL;
    json_decref(l);
    if (!ls) return CXM_ENOMEM;
    write_json_safe(out, ls, strlen(ls));
    free(ls);
    fputs(",\"filters\":", out);
    if (filters_json)
        write_json_safe(out, filters_json, strlen(filters_json));
    else
        fputs("{}", out);
    int sla = 0;
    for (size_t i = 0; i < nsets && !sla; i++)
        for (size_t k = 0; sets[i].rs && k < cxm_result_count(sets[i].rs); k++)
            if (!strcmp(cxm_result_get(sets[i].rs, k)->metric, "sla_compliance")) sla = 1;
    fprintf(out, ",\"sla\":%s", sla ? "true" : "false");
    int rc0 = write_labels(out);
    if (rc0) return rc0;
    fputs(",\"data\":{", out);
    int first = 1;
    for (size_t i = 0; i < nsets; i++) {
        if (!sets[i].rs) continue;
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m) return CXM_ENOMEM;
        int rc = cxm_result_render(sets[i].rs, CXM_FORMAT_JSON, lang, m);
        if (fclose(m) || rc) {
            free(buf);
            diag_msg(diag, "cannot render the %s data", sets[i].name);
            return rc ? rc : CXM_ENOMEM;
        }
        fprintf(out, "%s\"%s\":", first ? "" : ",", sets[i].name);
        first = 0;
        write_json_safe(out, buf, len);
        free(buf);
    }
    fputs("}}</script>\n<script>\n", out);
    write_script_safe(out, (const char *)js->data, js->len);
    fputs("\n</script>", out);
    fputs(p, out);
    return ferror(out) ? CXM_EIO : CXM_OK;
}
