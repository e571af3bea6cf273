/*
 * schema.h - the canonical streams cxm reads, as data: column names, types
 * and whether they are required. docs/DATA.md documents the same tables and
 * tests/unit/test_schema.c checks the two agree.
 *
 * A reader's header is resolved against a stream's schema once per file
 * (cxm_schema_resolve): each canonical column gets the index of the source
 * column that feeds it (after --map renames), or -1 when absent. Columns
 * that match no canonical name are dimensions, usable in --by and --where.
 */
#ifndef CXM_SCHEMA_H
#define CXM_SCHEMA_H
#include <stddef.h>
#include "cxm.h"
#include "io/rows.h"

typedef enum cxm_coltype {
    CXM_COL_ID,       /* text identifier */
    CXM_COL_TIME,     /* instant (see time/parse.h) */
    CXM_COL_DIM,      /* text dimension, dictionary-coded when used */
    CXM_COL_INT,      /* non-negative integer count */
    CXM_COL_SECONDS,  /* duration: seconds or a clock/units form */
    CXM_COL_BOOL,     /* true/false, yes/no, y/n, 1/0 */
    CXM_COL_TAGS,     /* ';'-separated list */
    CXM_COL_AUTHOR,   /* customer | agent | bot | system */
    CXM_COL_NUMBER    /* a decimal number */
} cxm_coltype;

typedef struct cxm_coldef {
    const char *name;
    cxm_coltype type;
    int required;
    const char *doc; /* one line for docs/DATA.md */
} cxm_coldef;

typedef struct cxm_stream_def {
    const char *name;       /* "tickets" */
    const char *file;       /* default file name in --data DIR: "tickets.csv" */
    const cxm_coldef *cols;
    size_t ncols;
} cxm_stream_def;

/* Ticket columns, in this order (indexes are the TK_* values). */
enum {
    TK_TICKET_ID, TK_CREATED_AT, TK_FIRST_RESPONSE_AT, TK_FIRST_RESOLVED_AT,
    TK_RESOLVED_AT, TK_CLOSED_AT, TK_ANSWERED_AT, TK_CHANNEL, TK_AGENT, TK_TEAM,
    TK_PRIORITY, TK_STATUS, TK_CUSTOMER_ID, TK_REOPENS, TK_AGENT_REPLIES,
    TK_CUSTOMER_REPLIES, TK_HANDLE_SECONDS, TK_ABANDONED, TK_COMPLAINT, TK_TAGS,
    TK_NCOLS
};
/* Message columns. agent is last: the store's message key hashes the columns
 * before it (store.c, docs/internals/store.md "Message identity"). */
enum { MS_TICKET_ID, MS_AT, MS_AUTHOR, MS_PUBLIC, MS_STATUS, MS_AGENT, MS_NCOLS };
/* Survey response columns. */
enum { RS_RESPONSE_ID, RS_AT, RS_SURVEY, RS_SCORE, RS_SCALE_MIN, RS_SCALE_MAX, RS_TICKET_ID,
       RS_CUSTOMER_ID, RS_AGENT, RS_CHANNEL, RS_COMMENT, RS_SENT, RS_NCOLS };

extern const cxm_stream_def cxm_stream_tickets;
extern const cxm_stream_def cxm_stream_messages;
extern const cxm_stream_def cxm_stream_responses;

/* The result of matching a header to a stream. */
typedef struct cxm_colmap {
    const cxm_stream_def *stream;
    int src[64];            /* canonical index -> source column, -1 absent */
    size_t nsrc;            /* source columns */
    int *canon_of_src;      /* source column -> canonical index or -1 (owned) */
} cxm_colmap;

/*
 * Resolves header names to the stream's columns. map holds "canonical=source"
 * renames (borrowed). A rename naming an unknown canonical column or a
 * source column the header lacks, or a missing required column, is an error
 * (CXM_EUSAGE / CXM_EDATA) naming the file and the columns it has.
 */
int cxm_colmap_resolve(cxm_colmap *m, const cxm_stream_def *s, const char *file,
                       const cxm_field *names, size_t n, const char *const *map,
                       size_t nmap, cxm_diag *diag) CXM_WUR;
void cxm_colmap_free(cxm_colmap *m);
/* Index of the source column named name (after renames: a canonical name
 * finds its source), or -1. */
int cxm_colmap_find(const cxm_colmap *m, const cxm_field *names, size_t n, const char *name);

#endif
