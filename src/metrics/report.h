/*
 * report.h - the report's internals shared by its metric families
 * (report.c: orchestration, groups and the support kernels; surveys.c: the
 * survey family). Not part of the public API.
 *
 * A group is keyed by the --by terms: a time bucket's first local day, or
 * the dictionary code of a column's value (KEY_MISSING when empty). Keys
 * are interned in a gtable whose slots hold each metric's mergeable state.
 */
#ifndef CXM_REPORT_H
#define CXM_REPORT_H
#include "core/limits.h"
#include "metrics/catalog.h"
#include "metrics/engine.h"

#define KEY_MISSING UINT64_MAX

typedef struct dvec {
    double *v;
    size_t n, cap;
    int sorted;     /* set once sorted for output */
    size_t nsorted; /* v[0, nsorted) in order since the last sort (a live report appends behind) */
} dvec;

typedef struct slot {
    int64_t k, n;
    dvec d, pend;
} slot;

typedef struct gtable {
    cxm_dict keys;     /* key bytes -> group code */
    slot *slots;       /* groups x nslots */
    size_t cap;        /* groups allocated */
    size_t nslots;
} gtable;

enum { NSTATS_MAX = 16 };

enum { GMEMO = 256 }; /* group_code's memo entries, a power of two */

typedef struct gmemo {
    uint64_t key[CXM_MAX_GROUP_KEYS];
    uint32_t code; /* NO_GROUP when empty */
} gmemo;

typedef struct report {
    cxm_ctx c;
    int want[M_NALL];            /* requested (in order: order[]) */
    int order[M_NALL];
    size_t norder;
    int slot_of[M_NSUPPORT];     /* first slot index, -1 */
    const char *unsupported[M_NALL];
    struct cxm_surveys *sv;      /* the survey family's state (surveys.c), or NULL */
    gtable g;                    /* groups of the full --by key */
    gtable bl;                   /* backlog groups (no time term) */
    int stats[NSTATS_MAX];       /* quantile in per-mille, or special codes */
    const char *stat_names[NSTATS_MAX];
    size_t nstats;
    int64_t min_bucket, max_bucket; /* range of time buckets seen (created) */
    int64_t tb_lo, tb_hi, tb_day;   /* bucket_of's last bucket: local seconds [lo, hi) */
    cxm_bucket tb_bucket;
    gmemo gm[GMEMO];
    struct { int m, anchor; } plan[M_NSUPPORT]; /* support kernels a ticket feeds, in order */
    size_t nplan;
    cxm_result_set *rs;
    const char *keyname[CXM_MAX_GROUP_KEYS]; /* --by names copied into rs */
    int live;                    /* a live report (live.c): streams are read file by file */
} report;

typedef struct gref {
    uint32_t code;
    const uint64_t *key;
} gref;

/* ---- a report's steps (report.c; cxm_report_run runs them in order, the
 * live report of live.c reads file by file and finishes many times) ---- */
struct cxm_compare_spec;
/* R zeroed (calloc): options into R (context, metrics, stats, groups,
 * surveys' settings, kernels); *cmp gets --compare's period. warnings and
 * diag borrowed for R's life. Free with cxm_report_release either way. */
int cxm_report_setup(report *R, const cxm_report_opts *o, cxm_buf *warnings, struct cxm_compare_spec *cmp,
                     cxm_diag *diag) CXM_WUR;
/* 1 if the report reads the tickets (a support metric, or the answers' join). */
int cxm_report_reads_tickets(const report *R);
/* One more tickets file into R (cxm_ctx_read_file with the report's kernels). */
int cxm_report_read_file(report *R) CXM_WUR;
/* Once the data is read: the metrics the data cannot support (warned and
 * dropped from R->order), the fcr warning, the results into R->rs, and
 * --compare. Changes R->order, R->unsupported and R->keyname. */
int cxm_report_finish(report *R, const cxm_report_opts *o, const struct cxm_compare_spec *cmp,
                      cxm_diag *diag) CXM_WUR;
/* Frees everything R holds (not R itself). */
void cxm_report_release(report *R);

/* ---- the survey family (surveys.c) ---- */
struct cxm_surveys;
/* Prepares the survey side when survey metrics are requested (or, with no
 * --metrics, when responses are given): options, the responses header, and
 * which --by/--where columns come from the tickets through ticket_id. */
int cxm_surveys_init(report *R) CXM_WUR;
/* 1 if the tickets must be read for the join. */
int cxm_surveys_need_tickets(const report *R);
/* Called for every ticket kept (before support kernels): records joined values. */
int cxm_surveys_note_ticket(report *R, const cxm_ticket *t, const cxm_field *f, size_t nf) CXM_WUR;
/* Reads the responses and aggregates. */
int cxm_surveys_run(report *R) CXM_WUR;
/* Live reports (R->live: cxm_surveys_init read no header): one more CSV
 * file of responses (c->read_path, lines + c->line_offset) in order into
 * the kept state; CXM_EUSAGE if a --by/--where column would come from the
 * tickets (the join needs every ticket before the answers). No summary. */
int cxm_surveys_read_file(report *R) CXM_WUR;
/* The responses' bad-row summary (cxm_surveys_run's last warning). */
void cxm_surveys_warn_bad_rows(report *R);
/* Forgets the strings copied into R->rs (before results into a new set). */
void cxm_surveys_forget_kept(report *R);
/* 1 if the responses hold answers metric m reads (for the default metric list). */
int cxm_surveys_has_data(const report *R, int m);
/* Emits the results of survey metric m (in the report's group order). */
int cxm_surveys_emit(report *R, int m) CXM_WUR;
void cxm_surveys_free(report *R);
/* 1 if metric m is a survey metric. */
static inline int cxm_is_survey_metric(int m) { return m >= M_CSAT && m < M_NALL; }

int cxm_dvec_push(dvec *v, double x) CXM_WUR;
/* Sorts v for output (cxm_sort_doubles' order) unless v->sorted; when its
 * first nsorted values are still in order, sorts only the rest and merges
 * it in (the same array). */
int cxm_dvec_sort(dvec *v) CXM_WUR;
void cxm_gtable_init(gtable *g, size_t nslots);
void cxm_gtable_free(gtable *g);
int cxm_gtable_code(gtable *g, const uint64_t *key, size_t nkey, uint32_t *out) CXM_WUR;
/* The first local day of the time bucket holding instant t. */
int64_t cxm_report_bucket(report *R, cxm_bucket b, cxm_time t);
int64_t cxm_next_bucket(cxm_bucket b, int64_t day);
int cxm_report_in_window(const cxm_ctx *c, cxm_time t);
/* The --by key for one record: vals[i] is the value of term i (ignored for
 * the time term, which takes anchor); with_time 0 leaves the time term out. */
int cxm_report_key(report *R, const cxm_field *vals, cxm_time anchor, uint64_t *key, int with_time) CXM_WUR;
/* The groups of g sorted for output (time ascending, values by bytes, missing last). */
int cxm_report_sorted_groups(const report *R, const gtable *g, int skip_time, gref **out) CXM_WUR;
/* Fills res's group from key (or, skip_time, from key without the time term and time_day). */
int cxm_report_set_group(report *R, cxm_result *res, const uint64_t *key, int skip_time, int64_t time_day) CXM_WUR;

#endif
