/*
 * engine.h - the shared machinery of a run (internal): options resolved
 * into a context, the tickets stream read row by row, each ticket parsed,
 * merged with its messages' facts and reduced to derived values, which a
 * consumer (the report's kernels, the tickets export) takes one at a time.
 *
 * Data flows one way: rows -> cxm_ticket -> cxm_derived -> consumer.
 */
#ifndef CXM_ENGINE_H
#define CXM_ENGINE_H
#include <math.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/dict.h"
#include "core/idset.h"
#include "cxm.h"
#include "metrics/preset.h"
#include "metrics/sla.h"
#include "model/messages.h"
#include "model/ticket.h"
#include "time/calendar.h"
#include "time/civil.h"

enum { SLA_NONE = -1, SLA_BREACHED = 0, SLA_MET = 1, SLA_OPEN = 2 };

/* Values derived from one ticket, in the report's time basis. NAN = none. */
typedef struct cxm_derived {
    double frt, first_res, res, asa, aht;            /* seconds, chosen basis */
    double frt_cal, first_res_cal, res_cal;          /* calendar seconds */
    double frt_bus, first_res_bus, res_bus;          /* business seconds (NAN without calendar) */
    cxm_time frt_start;                              /* created or first customer message */
    cxm_time res_at;                                 /* the resolution resolution metrics use */
    int fcr;                                         /* 1, 0, -1 unknown or not resolved */
    int sla[SLA_NTARGETS];                           /* SLA_* outcome of first_response, resolution */
    cxm_time sla_due[SLA_NTARGETS];                  /* due instant (open targets) */
    int nr_met, nr_breached;                         /* next_reply outcomes */
    cxm_time nr_open_due;                            /* open next-reply target, or NULL */
    const cxm_calendar *cal;                         /* calendar used, or NULL */
} cxm_derived;

/* 1 if the `;`-separated list f (the tickets' tags column) has tag: pieces
 * trimmed of spaces, compared byte for byte, empty pieces never match. */
int cxm_tags_contain(const cxm_field *f, const char *tag);

typedef struct cxm_where {
    char *col;         /* owned */
    char **values;     /* owned, nvalues alternatives */
    size_t nvalues;
    int negate;        /* COL!=V */
    int src;           /* source column, -1 unresolved */
    int tags;          /* the column is tags: contains rather than equals */
} cxm_where;

enum { CXM_BYTERM_MEMO = 256 }; /* entries, a power of two (20 keys in 64 direct-mapped entries missed 11%) */

typedef struct cxm_byterm {
    char *name;        /* owned: as given */
    int is_time;
    cxm_bucket bucket;
    int src;           /* source column, -1 unresolved */
    cxm_dict dict;     /* values of a column term */
    /* direct-mapped memo in front of dict (value -> code): dimension
     * columns repeat a few values, so nearly every row hits here */
    cxm_memo memo[CXM_BYTERM_MEMO];
} cxm_byterm;

typedef struct cxm_ctx cxm_ctx;
typedef int (*cxm_ticket_fn)(cxm_ctx *c, const cxm_ticket *t, const cxm_derived *d,
                             const cxm_field *f, size_t nf);

/* A consumer that can aggregate parts of the tickets file apart and merge
 * them (the report) gives these in cxm_ctx.parts; cxm_ctx_run may then
 * read a CSV file by byte ranges, one thread each (see ingest.c). */
typedef struct cxm_part_ops {
    /* A part's context: c's settings with its own state (the consumer's
     * and, through cxm_ctx_part_init, the run's). NULL: no memory. */
    cxm_ctx *(*part_new)(cxm_ctx *c);
    /* Adds a part's aggregates into c's; called for the parts in file
     * order, once every part read its range without an anomaly. */
    int (*part_merge)(cxm_ctx *c, cxm_ctx *part);
    void (*part_free)(cxm_ctx *part); /* part may be NULL */
} cxm_part_ops;

struct cxm_ctx {
    const cxm_report_opts *o;
    cxm_defs defs;
    cxm_tz *tz, *input_tz;           /* owned (may be the static UTC zone) */
    cxm_date_order order;
    cxm_calset *cals;                /* owned or NULL */
    cxm_sla *sla;                    /* owned or NULL */
    int business;                    /* time basis */
    int fcr_all_contacts;            /* --fcr-denominator contacts */
    double confidence;
    cxm_time from, to, as_of;        /* NULL when open; as_of resolved at the end */
    int to_given, as_of_given;
    char *tickets_path, *messages_path; /* owned; tickets_path NULL with responses only */
    char *responses_path;            /* owned or NULL */
    int columns_elsewhere;           /* --by/--where columns may be the responses' only */
    cxm_dict ids;                    /* ticket ids of messages (codes index their facts) */
    cxm_idset seen;                  /* ticket ids seen, for duplicates */
    cxm_msgset msgs;
    int have_msgs;
    cxm_colmap map;
    const cxm_field *names;          /* current header (borrowed from the reader) */
    size_t ncols;
    cxm_where *where;
    size_t nwhere;
    cxm_byterm *by;
    size_t nby;
    int time_term;                   /* index of the time term in by, -1 */
    /* SLA rule cache: "priority\0channel" -> rules */
    cxm_dict slakey;
    const cxm_sla_rule **slacache;   /* slakey code * 3 */
    cxm_memo slamemo[CXM_BYTERM_MEMO]; /* recent pairs -> slakey code */
    size_t slacache_cap;
    unsigned sla_keys; /* bit 0: some rule names a priority, bit 1: a channel */
    uint32_t need;                   /* ticket columns to parse (CXM_NEED_ALL by default) */
    int lean_fields;                 /* 1: the consumer reads no source column besides the --by
                                      * terms (the report); 0 (default): it also reads channel,
                                      * agent, team, priority and status (the export) */
    cxm_time max_time, min_created;
    uint64_t rows, kept, bad_rows, dup_rows; /* records read, kept after filters, skipped, duplicates */
    uint64_t fcr_unknown;
    cxm_buf *warnings;               /* borrowed from the caller: NUL-separated */
    size_t nwarn;
    size_t bad_logged;
    cxm_diag *diag;
    const cxm_part_ops *parts;       /* set by a consumer that can merge parts; NULL: ordered pipeline */
    cxm_diag part_diag;              /* a part's own diag (cxm_ctx_part_init) */
    /* A live report (live.c) reads its streams one file at a time: read_path
     * is the file read now (NULL: the stream's own path), line_offset what
     * its lines add to be the lines of the streams' concatenation; every
     * message names the stream's path (tickets_path, the responses'). */
    const char *read_path;           /* borrowed, or NULL */
    uint64_t line_offset;
    /* ... and when its columns come in another order than the stream's
     * first file's, column i + 1 of it is column col_remap[i] there (bad
     * rows name that one); NULL: the same order */
    const uint32_t *col_remap;       /* borrowed, ncol_remap entries */
    size_t ncol_remap;
};

/* Resolves options into c (files found, zones, calendar, SLA, filters). */
int cxm_ctx_init(cxm_ctx *c, const cxm_report_opts *o, cxm_buf *warnings, cxm_diag *diag) CXM_WUR;
/* Reads messages (if any) and streams tickets to fn. */
int cxm_ctx_run(cxm_ctx *c, cxm_ticket_fn fn) CXM_WUR;
/* Live reports (live.c): streams one more CSV file of tickets (c->read_path,
 * its lines shifted by c->line_offset) to fn in order (no ranges), on the
 * state c kept from the files before: ids seen, --by values, counters and
 * warnings. Reads no messages and writes no end-of-run summary
 * (cxm_ctx_warn_bad_rows). c->names is NULL again on return. */
int cxm_ctx_read_file(cxm_ctx *c, cxm_ticket_fn fn) CXM_WUR;
/* The end-of-run summary of the tickets' bad rows (those not listed, the
 * count), as warnings. */
void cxm_ctx_warn_bad_rows(cxm_ctx *c);
/* A reader's diagnostic of a bad record in c->read_path as the stream's:
 * file name (the stream's path) and line (+ c->line_offset). No-op when
 * c->read_path is NULL. */
void cxm_ctx_stream_diag(const cxm_ctx *c, const char *stream_path, cxm_diag *d);
void cxm_ctx_free(cxm_ctx *c);
/* part = c's settings, borrowed and only read (zones, calendars, SLA
 * rules, filters, columns, messages), with its own mutable state: ids
 * seen, --by dictionaries and memos, SLA rule cache, counters; no
 * warnings. Free with cxm_ctx_part_free (not cxm_ctx_free). */
int cxm_ctx_part_init(cxm_ctx *part, const cxm_ctx *c) CXM_WUR;
void cxm_ctx_part_free(cxm_ctx *part); /* part may be NULL */
/* A bad row: counted; under --strict the error (CXM_EDATA, diag copied);
 * else a warning (the first CXM_MAX_BAD_ROW_MESSAGES verbatim). */
int cxm_ctx_bad_row(cxm_ctx *c, const cxm_diag *d) CXM_WUR;
/* Adds a warning (printf-style), and logs it through o->log. */
void cxm_ctx_warn(cxm_ctx *c, const char *fmt, ...) CXM_PRINTF(2, 3);
/* Source-column values of a row for a by term (code) and its label. */
int cxm_ctx_time_bucket(const cxm_ctx *c, cxm_bucket b, cxm_time t, int64_t *day);
/* 1 if the metric's inputs are present in the data. reason gets why not. */
int cxm_ctx_supports(const cxm_ctx *c, int metric, const char **reason);

#endif
