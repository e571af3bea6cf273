/*
 * web.h - the dashboard's side of the cxm executable (docs/DASHBOARD.md):
 * the files embedded at build time (web/ bundled by esbuild, turned into
 * build/generated/web_assets.c by web/cmake/embed.cmake), their lookup,
 * content types and ETags for `GET /` and `GET /assets/...`; the query and
 * the answer of `GET /v1/tickets` (drill-down rows), `GET /v1/comments`
 * (survey verbatims) and `GET /v1/dimensions` (filter choices); and the
 * self-contained page of `cxm report --format html`.
 *
 * Nothing here uses libmicrohttpd: server.c routes and answers, these
 * functions compute (and are unit-tested without a socket).
 *
 * Invariants: the embedded table ends with a {NULL} entry; every file's
 * bytes are followed by a NUL (data[len] == 0) so text files are strings;
 * an asset path never contains "..". Rows of /v1/tickets come in the
 * engine's export order (the input order of the store), a window of at most
 * CXM_WEB_MAX_LIMIT rows.
 * Sizes: the bundle is a few hundred KiB; a tickets answer holds up to
 * CXM_WEB_MAX_LIMIT rows (about 1 KiB each); the export behind it is
 * spooled to a temporary file, not memory.
 */
#ifndef CXM_SERVER_WEB_H
#define CXM_SERVER_WEB_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cxm.h"

#define CXM_WEB_DEFAULT_LIMIT  100u  /* rows of /v1/tickets without limit= */
#define CXM_WEB_MAX_LIMIT      1000u /* most rows of one /v1/tickets answer */
#define CXM_WEB_MAX_WHERE      32u   /* where= parameters (as CXM_MAX_WHERE) */
#define CXM_WEB_MAX_DIM_VALUES 200u  /* values listed per dimension in /v1/dimensions */

/* One embedded file (generated table; static). */
typedef struct cxm_web_file {
    const char *name;          /* "index.html", "app.js", "app.css" */
    const unsigned char *data; /* len bytes, then a NUL */
    size_t len;
    const char *etag; /* "\"<16 hex digits>\"" (quotes included) */
} cxm_web_file;
extern const cxm_web_file cxm_web_files[]; /* ends with {NULL, NULL, 0, NULL} */

/* The embedded file by name ("app.js"), or NULL. Borrowed, static. */
const cxm_web_file *cxm_web_file_find(const char *name);
/* The file a URL path names: "/" and "/index.html" -> index.html,
 * "/assets/NAME" -> NAME; NULL for anything else (and any ".."). */
const cxm_web_file *cxm_web_asset_for_path(const char *path);
/* Content-Type for a file name by its extension (html, js, css, json, svg,
 * png, ico, txt; else application/octet-stream). Static. */
const char *cxm_web_content_type(const char *name);
/* Cache-Control for a file: index.html "no-cache" (always revalidated:
 * it names the current bundle), others "public, max-age=3600". */
const char *cxm_web_cache_control(const char *name);
/* 1 if an If-None-Match header value (NULL: none) matches etag: "*", the
 * tag itself, or a list holding it (weak W/ prefixes compare equal). */
int cxm_web_etag_matches(const char *if_none_match, const char *etag);

/* ---- GET /v1/tickets -------------------------------------------------------- */
typedef struct cxm_web_tickets_query {
    cxm_report_opts o; /* from, to, tz, as_of, preset, time_basis, fcr_rule, where */
    const char *where[CXM_WEB_MAX_WHERE];
    size_t limit, offset; /* window of rows: limit in 1..CXM_WEB_MAX_LIMIT */
    const char *has;      /* keep rows whose field HAS is present and not null, or NULL */
    const char *missing;  /* keep rows whose field MISSING is absent or null, or NULL */
    char bad[256];        /* the first problem, "" if none */
} cxm_web_tickets_query;
/* Clears q and sets the defaults (limit CXM_WEB_DEFAULT_LIMIT); q->o.store = store (borrowed). */
void cxm_web_tickets_query_init(cxm_web_tickets_query *q, const char *store);
/* Takes one query parameter (key and value borrowed: they must outlive q).
 * Known: where (repeatable), from, to, tz, as_of, preset, time_basis,
 * fcr_rule, limit, offset, has, missing. Returns 0, or -1 with q->bad set (the first
 * problem only: an unknown key, a missing value, a bad number). */
int cxm_web_tickets_arg(cxm_web_tickets_query *q, const char *key, const char *value);
/* Runs the export (cxm_tickets_export, NDJSON) and writes
 * {"rows":[...],"total":N,"offset":M,"limit":L} to out: total counts the
 * rows that pass `has` and `missing`, rows the window of them. Errors as
 * cxm_tickets_export (CXM_EUSAGE for a bad option, with diag). */
int cxm_web_tickets_run(const cxm_web_tickets_query *q, FILE *out, cxm_diag *diag) CXM_WUR;

/* ---- GET /v1/comments --------------------------------------------------------- */
typedef struct cxm_web_comments_query {
    cxm_comments_opts o;  /* survey, bucket, from, to, tz (responses filled by the run) */
    size_t limit, offset; /* as for tickets */
    char bad[256];        /* the first problem, "" if none */
} cxm_web_comments_query;
void cxm_web_comments_query_init(cxm_web_comments_query *q);
/* Known keys: survey, bucket, from, to, tz, limit, offset. As cxm_web_tickets_arg. */
int cxm_web_comments_arg(cxm_web_comments_query *q, const char *key, const char *value);
/* The survey verbatims of the store's responses (read from a snapshot):
 * {"rows":[{response_id, at, survey, score, themes, lang, comment}...],
 * "total":N,"offset":M,"limit":L}. CXM_EUSAGE when the store holds no
 * responses or an option is bad (diag says which). */
int cxm_web_comments_run(const char *store, const cxm_web_comments_query *q, FILE *out, cxm_diag *diag) CXM_WUR;

/* ---- GET /v1/dimensions ------------------------------------------------------- */
/* {"streams":{"tickets":{"rows":N,"columns":[...],"dimensions":{"channel":
 * [{"value":"email","n":12},...],...}},...},"sla":B} for the store at path:
 * the columns each stream was given, and for its dimension columns (text
 * columns that are not ids, instants, numbers or free text) their values,
 * most frequent first, up to CXM_WEB_MAX_DIM_VALUES ("truncated":true when
 * there are more). sla: whether the server was given an SLA file. */
int cxm_web_dimensions_run(const char *store, int sla, FILE *out, cxm_diag *diag) CXM_WUR;

/* ---- cxm report --format html --------------------------------------------------- */
/* One data set of the static page: a name the app knows ("kpi", "prev",
 * "trend") and its result set (borrowed; NULL: absent). */
typedef struct cxm_web_dataset {
    const char *name;
    const cxm_result_set *rs;
} cxm_web_dataset;
/* Writes the self-contained dashboard: index.html with app.css and app.js
 * inlined and {"mode":"static","lang":..,"filters":{..},"data":{name:
 * result JSON,...}} in <script type="application/json" id="cxm-data">.
 * filters_json: a JSON object (the period and filters shown), or NULL.
 * Every "<" inside the JSON is written as \u003c and "</script" in the
 * scripts as "<\/script", so no data can close the script elements. */
int cxm_web_render_html(FILE *out, const cxm_web_dataset *sets, size_t nsets, const char *lang,
                        const char *filters_json, cxm_diag *diag) CXM_WUR;

/* The period just before [from, to] (dates YYYY-MM-DD, inclusive) and as
 * long: e.g. 2024-03-01..2024-03-31 -> 2024-01-30..2024-02-29. Writes
 * YYYY-MM-DD into pf and pt (cap >= 11). CXM_EUSAGE when a bound is not a
 * date or to < from. */
int cxm_web_previous_period(const char *from, const char *to, char *pf, char *pt, size_t cap) CXM_WUR;

#endif
