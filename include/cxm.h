/*
 * cxm.h - the public API of the cxm customer-experience metrics engine.
 *
 * Everything a front end (the cxm command, the HTTP server, a user's program)
 * may call is declared here; every other header under src/ is internal.
 *
 * Conventions (see docs/internals/conventions.md):
 *  - Fallible functions return int: 0 (CXM_OK) or a negative CXM_E* code, and
 *    give results through out-parameters. Detail (file, line, column, what was
 *    expected) is left in a cxm_diag the caller passes or on the handle.
 *  - Handles are opaque. Destructors accept NULL.
 *  - Ownership is written on every function: "borrowed" pointers stay owned
 *    by the callee's handle, "owned" results are freed by the named _free.
 *  - Instants are int64 milliseconds since 1970-01-01T00:00:00Z (cxm_time);
 *    CXM_TIME_NULL marks a missing instant.
 *  - The library never prints and never exits.
 */
#ifndef CXM_H
#define CXM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CXM_VERSION_MAJOR 0
#define CXM_VERSION_MINOR 1
#define CXM_VERSION_PATCH 0
#define CXM_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define CXM_WUR __attribute__((warn_unused_result))
#define CXM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CXM_WUR
#define CXM_PRINTF(a, b)
#endif

/* ---- errors --------------------------------------------------------- */
enum {
    CXM_OK = 0,
    CXM_ENOMEM = -1,    /* allocation failed */
    CXM_EIO = -2,       /* a file could not be opened, read or written */
    CXM_EPARSE = -3,    /* input text is not what was expected */
    CXM_EUSAGE = -4,    /* a caller's option or argument is invalid */
    CXM_ELIMIT = -5,    /* a named limit (src/core/limits.h) was reached */
    CXM_ENOTFOUND = -6, /* a named thing (zone, column, metric) does not exist */
    CXM_EDATA = -7,     /* input is well formed but its values are inconsistent */
    CXM_EINVAL = -8     /* an argument is out of range (programming error) */
};

/* A short English name for an error code ("parse error"). Borrowed, static. */
const char *cxm_strerror(int code);

/*
 * Where and why something failed. Filled by the function that reports the
 * error; line and column are 1-based, 0 when not applicable.
 */
typedef struct cxm_diag {
    char file[256];
    uint64_t line;
    uint32_t column;
    char column_name[64]; /* the column's header name, "" if none */
    char msg[512];        /* what was found and what was expected */
} cxm_diag;

/* Formats "file:line:column: msg" (omitting absent parts) into buf. */
void cxm_diag_format(const cxm_diag *d, char *buf, size_t cap);
/* What failed, for a message: d formatted when it holds one (d may be
 * NULL), else cxm_strerror(rc). */
void cxm_diag_explain(const cxm_diag *d, int rc, char *buf, size_t cap);

/* ---- time ----------------------------------------------------------- */
typedef int64_t cxm_time; /* ms since the Unix epoch, UTC */
#define CXM_TIME_NULL INT64_MIN

/* ---- the metric catalog --------------------------------------------- */
typedef enum cxm_unit { CXM_UNIT_COUNT, CXM_UNIT_SECONDS, CXM_UNIT_PERCENT,
                        CXM_UNIT_SCORE, CXM_UNIT_MONEY, CXM_UNIT_RATIO } cxm_unit;
typedef enum cxm_kind { CXM_KIND_COUNT,        /* a count per group */
                        CXM_KIND_DISTRIBUTION, /* mean/median/percentiles of values */
                        CXM_KIND_RATE,         /* share in percent, with a Wilson interval */
                        CXM_KIND_SCORE } cxm_kind;

typedef struct cxm_metric_info {
    const char *id;        /* catalog id, e.g. "frt" (public contract) */
    const char *family;    /* "support", "survey", ... */
    const char *name;      /* English name */
    cxm_kind kind;
    cxm_unit unit;
    int higher_is_better;  /* 1, 0 (lower is better) or -1 (neither) */
    const char *stream;    /* the stream it reads: "tickets" */
    const char *inputs;    /* columns it needs, e.g. "created_at,first_response_at" */
    const char *formula;   /* the definition in words and symbols */
    const char *variants;  /* named variants and the default, "" if none */
    const char *presets;   /* how presets change it, "" if they don't */
    const char *seeds;     /* where the seed articles define it */
} cxm_metric_info;

size_t cxm_catalog_count(void);
const cxm_metric_info *cxm_catalog_get(size_t i);          /* borrowed, static */
const cxm_metric_info *cxm_catalog_find(const char *id);   /* NULL if unknown */
const char *cxm_unit_name(cxm_unit u);                     /* "seconds", ... */
const char *cxm_kind_name(cxm_kind k);                     /* "rate", ... */
/* The label of a catalog id or report word ("w.mean") in lang (en, zh-Hans,
 * zh-Hant, ja, ms); falls back to English, then to the id. Borrowed, static. */
const char *cxm_label(const char *id, const char *lang);
/* 1 if lang is one of the supported label languages. */
int cxm_lang_supported(const char *lang);

/* ---- reports -------------------------------------------------------- */
/* Progress and diagnostics reach the front end through callbacks; the
 * library never prints. */
typedef void (*cxm_progress_fn)(void *ud, const char *what, uint64_t done, uint64_t total);
typedef void (*cxm_log_fn)(void *ud, const char *msg);

typedef struct cxm_report_opts {
    const char *tickets;     /* path ("-" = stdin) or NULL */
    const char *messages;    /* path or NULL */
    const char *data_dir;    /* a directory holding tickets.csv, messages.csv... or NULL */
    char delimiter;          /* CSV delimiter, 0 = ',' */
    const char *const *map;  /* "canonical=source" column renames */
    size_t nmap;
    const char *metrics;     /* comma list of catalog ids; NULL = all the data supports */
    const char *by;          /* comma list: day,week,month,quarter,year or columns; NULL */
    const char *const *where;/* "COL=VALUE" or "COL!=VALUE" filters, ANDed */
    size_t nwhere;
    const char *from, *to;   /* date or instant bounds on the report date; NULL = open */
    const char *as_of;       /* instant that "now" means (SLA breaches, backlog); NULL = latest in data */
    const char *tz;          /* report zone for buckets and business hours; NULL = UTC */
    const char *input_tz;    /* zone of naive timestamps; NULL = UTC */
    const char *date_order;  /* "ymd" (default), "dmy", "mdy" for slashed dates */
    const char *calendar;    /* calendar file or NULL */
    const char *sla;         /* SLA file or NULL */
    const char *preset;      /* NULL = "cxm" */
    const char *stats;       /* comma list; NULL = mean,median,p90 */
    const char *time_basis;  /* "calendar" (default) or "business" */
    const char *fcr_rule;    /* override: one_touch, no_reopen, replies:N */
    const char *fcr_denominator; /* resolved (default) or contacts (every contact not abandoned) */
    double confidence;       /* 0 = 0.95 */
    int strict;              /* first bad row is an error */
    /* survey metrics (the responses stream) */
    const char *responses;   /* path or NULL (or responses.csv in data_dir) */
    const char *csat_variant;/* top_box (default), mean, pct_of_max */
    const char *csat_boxes;  /* e.g. "4,5"; NULL = the scale's top two */
    const char *ces_variant; /* agree_pct (default), mean */
    const char *ces_polarity;/* agreement (default), effort */
    int ces_threshold;       /* 0 = the scale's default */
    const char *nps_buckets; /* "6,9": detractors <= 6, promoters >= 9 (default) */
    const char *nps_ci;      /* wald (default), adjusted_wald */
    int64_t min_n;           /* below it a value is flagged; 0 = 30, -1 = off */
    const char *compare;     /* "previous" or "FROM..TO": adds previous, change, p-value */
    const char *themes;      /* theme file for comments (cxm comments) or NULL */
    cxm_progress_fn progress;
    cxm_log_fn log;          /* each bad-row message (capped), warnings */
    void *ud;
    const char *store;       /* a cxm store (cxm import) to read every stream from instead of
                                files (excludes tickets, messages, responses, data_dir), or NULL */
} cxm_report_opts;

typedef struct cxm_result {
    const char *metric;      /* catalog id */
    const char *stat;        /* "mean", "median", "p90"... for distributions, else NULL */
    const char *target;      /* sla_compliance: "first_response", "next_reply", "resolution"; else NULL */
    size_t ngroup;
    const char *const *group_keys;   /* --by terms, in order */
    const char *const *group_values; /* time buckets as YYYY-MM-DD of the bucket's first day */
    int is_null;             /* 1: value undefined, see null_reason */
    double value;
    const char *null_reason;
    cxm_unit unit;
    int64_t n;               /* sample size behind the value */
    int has_ci;
    double ci_low, ci_high;
    const char *variant;     /* survey metrics: top_box, mean, agree_pct, net...; else NULL */
    int below_min_n;         /* n is under --min-n: read the value with care */
    int has_buckets;         /* nps, enps: the answers in each bucket */
    int64_t promoters, passives, detractors;
    /* --compare: the same metric over the comparison period */
    int has_compare;
    double previous, change, p_value;
    int64_t previous_n;
    int significant;         /* p_value < 1 - confidence */
    const char *test;        /* "two_prop_z", "welch_t", "nps_z"; NULL (p_value NaN) when no test
                                applies: medians, percentiles, counts */
    double sd;               /* stat "mean" of a duration: the sample standard deviation (NaN if n < 2) */
} cxm_result;

typedef struct cxm_result_set cxm_result_set;

/* Runs a report. *out owned: free with cxm_result_set_free. Data errors in
 * --strict mode return CXM_EDATA; unreadable files CXM_EIO; bad options
 * CXM_EUSAGE; each with diag filled. Bad rows otherwise become warnings. */
int cxm_report_run(const cxm_report_opts *opts, cxm_result_set **out, cxm_diag *diag) CXM_WUR;
size_t cxm_result_count(const cxm_result_set *rs);
const cxm_result *cxm_result_get(const cxm_result_set *rs, size_t i);   /* borrowed */
size_t cxm_result_warning_count(const cxm_result_set *rs);
const char *cxm_result_warning(const cxm_result_set *rs, size_t i);    /* borrowed */
uint64_t cxm_result_bad_rows(const cxm_result_set *rs);
void cxm_result_set_free(cxm_result_set *rs);

typedef enum cxm_format { CXM_FORMAT_TABLE, CXM_FORMAT_CSV, CXM_FORMAT_JSON, CXM_FORMAT_MD } cxm_format;
int cxm_format_parse(const char *name, cxm_format *out) CXM_WUR;
/* Writes the catalog (or only metric `only`, NULL = all) as JSON (the array
 * of `cxm metrics --format json` and GET /v1/catalog) or Markdown (the
 * catalog section of docs/METRICS.md); names in lang (NULL = en). */
int cxm_catalog_render(FILE *out, cxm_format format, const char *lang, const char *only) CXM_WUR;
/* Writes rs to out in format, labels in lang (NULL = en). */
int cxm_result_render(const cxm_result_set *rs, cxm_format format, const char *lang, FILE *out) CXM_WUR;

/* Writes one row per ticket with every derived field (cxm tickets):
 * format CSV or JSON (NDJSON). Same options as a report (metrics/by ignored). */
int cxm_tickets_export(const cxm_report_opts *opts, cxm_format format, FILE *out,
                       uint64_t *bad_rows, cxm_diag *diag) CXM_WUR;

/* ---- comments (cxm comments) --------------------------------------- */
/* The verbatims behind a number: the survey comments of a theme, a score
 * bucket or a survey, or the key phrases over them. */
typedef struct cxm_comments_opts {
    const char *responses;   /* the responses file (or "-") */
    char delimiter;          /* 0 = ',' */
    const char *const *map;  /* "canonical=source" renames */
    size_t nmap;
    const char *themes;      /* theme file, or NULL */
    const char *theme;       /* only comments mentioning this theme, or NULL */
    const char *survey;      /* only this survey (csat, nps, ...), or NULL */
    const char *bucket;      /* promoters|passives|detractors (nps, enps), or N or N-M (scores) */
    const char *from, *to;   /* window on `at` (dates inclusive), or NULL */
    const char *tz;          /* zone of --from/--to dates; NULL = UTC */
    const char *input_tz;    /* zone of naive timestamps; NULL = UTC */
    size_t phrases;          /* > 0: the top key phrases instead of the comments */
    cxm_log_fn log;          /* bad rows */
    void *ud;
} cxm_comments_opts;
/* Writes comments (CSV or NDJSON: response_id, at, survey, score, themes,
 * lang, comment) or key phrases (phrase, count, docs, score) to out. */
int cxm_comments_run(const cxm_comments_opts *o, cxm_format format, FILE *out, uint64_t *bad_rows,
                     cxm_diag *diag) CXM_WUR;

/* ---- converters (cxm convert) --------------------------------------- */
/* Converts an export whose shape --map cannot express (several columns make
 * one, events make tickets) into canonical streams in opts->out_dir:
 * tickets.csv (and messages.csv where the profile derives events), or
 * responses.csv for the survey profiles (delighted, typeform), with a
 * source_line column pointing back to the input. Bad source rows are
 * reported through log (file, line, column, what was expected), counted in
 * *bad_rows and left out. Profiles: see cxm_convert_profiles. */
typedef struct cxm_convert_counts {
    uint64_t rows_read;    /* source records read (header excluded), bad ones included */
    uint64_t tickets;      /* rows written to tickets.csv */
    uint64_t messages;     /* rows written to messages.csv (0 when the profile writes none) */
    uint64_t bad_rows;     /* source records left out */
    uint64_t warnings;     /* warnings sent to log */
    uint64_t responses;    /* rows written to responses.csv (survey profiles; else 0) */
} cxm_convert_counts;
typedef struct cxm_convert_opts {
    const char *profile;   /* e.g. "callcentre", "itsm" */
    const char *input;     /* the export file */
    const char *out_dir;   /* created if missing */
    char delimiter;        /* 0 = the profile's default */
    int strict;            /* first bad row is an error (CXM_EDATA) */
    cxm_log_fn log;
    void *ud;
    cxm_convert_counts *counts; /* optional (may be NULL): filled on return */
    /* Survey profiles' settings, each "KEY=VALUE", in order (NULL/0: none):
     * typeform: question=SURVEY=COLUMN (one or more), comment=[SURVEY=]COLUMN,
     * id=COLUMN, at=COLUMN; delighted and typeform: scale=SURVEY=MIN-MAX.
     * A key the profile does not take is CXM_EUSAGE. Borrowed. */
    const char *const *settings;
    size_t nsettings;
} cxm_convert_opts;
extern const char *const cxm_convert_profiles[]; /* NULL-terminated names */
/* One line describing a profile (what it reads and how it maps), or NULL. */
const char *cxm_convert_describe(const char *profile);
/* *rows_out gets the rows written to the profile's main stream (tickets.csv,
 * or responses.csv for survey profiles), *bad_rows the source records left
 * out (either may be NULL). */
int cxm_convert(const cxm_convert_opts *o, uint64_t *rows_out, uint64_t *bad_rows, cxm_diag *diag) CXM_WUR;

/* ---- synthetic data (cxm sample) ----------------------------------- */
typedef struct cxm_sample_opts {
    const char *dir;       /* output directory (created if missing) */
    uint64_t tickets;      /* number of tickets */
    uint64_t seed;         /* PRNG seed: same seed, same bytes */
    int messages;          /* also write messages.csv (1) or not (0) */
    int64_t start_day;     /* first creation day (days since 1970-01-01) */
    int days;              /* creation dates span this many days */
    /* progress callback (may be NULL): called about every 1% */
    void (*progress)(void *ud, uint64_t done, uint64_t total);
    void *ud;
    /* survey answers (DIR/responses.csv); appended, 0 in cxm_sample_defaults */
    uint64_t responses;    /* rows of responses.csv; 0 = no file. With tickets,
                              each answers a distinct resolved ticket (after its
                              resolution); with tickets = 0, standalone answers */
    int comments;          /* 1: short comments (en/ms/zh/ja) on some answers */
    int unanswered;        /* 1: ~10% of rows are surveys sent, not answered (empty score) */
} cxm_sample_opts;

/* Fills o with defaults: 1000 tickets, seed 1, messages on, 2024-01-01, 365 days,
 * no responses. */
void cxm_sample_defaults(cxm_sample_opts *o);
/* Writes DIR/tickets.csv (and DIR/messages.csv), and DIR/responses.csv when
 * o->responses > 0, in the canonical columns (docs/DATA.md). With tickets = 0
 * and responses > 0 only responses.csv is written. Deterministic for a given
 * seed. */
int cxm_sample_write(const cxm_sample_opts *o, cxm_diag *diag) CXM_WUR;

#ifdef __cplusplus
}
#endif
#endif /* CXM_H */
