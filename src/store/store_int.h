/*
 * store_int.h - what the files of src/store share and nobody else sees: the
 * handle's layout, the streams as the store lays them out, SQLite error
 * mapping. The API is store.h.
 */
#ifndef CXM_STORE_INT_H
#define CXM_STORE_INT_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "model/schema.h"
#include "store/store.h"

#define CXM_STORE_NSTREAMS 3

/* A stream's table: name (= cxm_store_streams[i]), canonical columns, key
 * column, key_canon: the canonical index of the key (0), or -1 when the key
 * is computed (messages: msg_key, a hash of the canonical fields), and the
 * columns of its PRIMARY KEY (the upsert's conflict target). */
typedef struct cxm_store_stream {
    const char *name;
    const cxm_stream_def *def;
    const char *key;
    int key_canon;
    const char *conflict;
} cxm_store_stream;
extern const cxm_store_stream cxm_store_stream_defs[CXM_STORE_NSTREAMS];

struct cxm_store {
    sqlite3 *db;                              /* owned */
    char *path;                               /* owned */
    int version;                              /* schema version after open */
    sqlite3_stmt *upsert[CXM_STORE_NSTREAMS]; /* prepared on first use, owned */
    sqlite3_stmt *colreg;                     /* INSERT into columns, owned */
};

/* Fills diag from SQLite result src ("what: sqlite's message") and returns
 * the CXM_E* code for it (NOMEM -> ENOMEM; NOTADB, CORRUPT -> EDATA; else EIO). */
int cxm_store_fail(cxm_store *s, int src, const char *what, cxm_diag *diag);
/* sqlite3_exec without callbacks; errors through cxm_store_fail. */
int cxm_store_exec(cxm_store *s, const char *sql, const char *what, cxm_diag *diag);
/* Index of a stream name in cxm_store_streams, or -1. */
int cxm_store_stream_index(const char *name);
/* 1 if p[0..n) is well-formed UTF-8. */
int cxm_store_utf8_valid(const char *p, size_t n);
/* Rows of stream si. */
int cxm_store_count(cxm_store *s, int si, uint64_t *n, cxm_diag *diag);

/* 1 if a[0..n) == b[0..n), in time that depends on n only (CRYPTO_memcmp). */
int cxm_store_ct_equal(const void *a, const void *b, size_t n);

#endif
