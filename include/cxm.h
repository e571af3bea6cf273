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

/* ---- time ----------------------------------------------------------- */
typedef int64_t cxm_time; /* ms since the Unix epoch, UTC */
#define CXM_TIME_NULL INT64_MIN

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
} cxm_sample_opts;

/* Fills o with defaults: 1000 tickets, seed 1, messages on, 2024-01-01, 365 days. */
void cxm_sample_defaults(cxm_sample_opts *o);
/* Writes DIR/tickets.csv (and DIR/messages.csv) in the canonical columns
 * (docs/DATA.md). Deterministic for a given seed. */
int cxm_sample_write(const cxm_sample_opts *o, cxm_diag *diag) CXM_WUR;

#ifdef __cplusplus
}
#endif
#endif /* CXM_H */
