/*
 * tokens.c - the HTTP service's bearer tokens, kept in the store (table
 * `tokens`, schema version 2; see store.h).
 *
 * A token is "cxm_" + 64 lowercase hex digits: 256 bits from getrandom(2).
 * The store keeps SHA-256(token) (OpenSSL libcrypto's EVP_Digest), never
 * the token, so a copy of the store file grants nothing. Checking a token
 * hashes it, looks the hash up through its UNIQUE index, and compares the
 * stored and computed hashes with CRYPTO_memcmp (constant time). The lookup
 * itself compares hashes, not tokens: what its timing could reveal is how
 * many leading bytes of SHA-256(guess) match a stored hash, which helps
 * nobody find a token (a preimage problem).
 *
 * Invariants: hash is 32 bytes (CHECK constraint); scopes is the canonical
 * text of cxm_token_scopes_format; revoked_at is NULL while valid and set
 * once (revoking again changes nothing); ids are never reused
 * (AUTOINCREMENT). Sizes: tens of tokens; one verification per request.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/diag.h"
#include "store/store_int.h"

#define TOKEN_PREFIX "cxm_"
#define TOKEN_BYTES  32

static const char *const scope_names[] = {"ingest", "read", "admin"};

int cxm_token_scopes_parse(const char *text, unsigned *out, cxm_diag *diag) {
    *out = 0;
    const char *p = text ? text : "";
    while (1) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *w = e;
        while (w > p && w[-1] == ' ')
            w--;
        size_t n = (size_t)(w - p);
        unsigned bit = 0;
        for (unsigned k = 0; k < 3; k++)
            if (strlen(scope_names[k]) == n && !memcmp(scope_names[k], p, n)) bit = 1u << k;
        if (!bit)
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL,
                                "--scopes: '%.*s' is not a scope: expected a list of ingest, read, admin",
                                (int)(n > 40 ? 40 : n), p);
        if (*out & bit)
            return cxm_diag_set(diag, CXM_EUSAGE, NULL, 0, 0, NULL, "--scopes: '%s' given twice",
                                scope_names[bit == 1   ? 0
                                            : bit == 2 ? 1
                                                       : 2]);
        *out |= bit;
        if (!*e) break;
        p = e + 1;
    }
    return CXM_OK;
}

void cxm_token_scopes_format(unsigned scopes, char *buf, size_t cap) {
    size_t n = 0;
    if (cap) buf[0] = 0;
    for (unsigned k = 0; k < 3; k++) {
        if (!(scopes & (1u << k))) continue;
        int w = snprintf(buf + n, cap > n ? cap - n : 0, "%s%s", n ? "," : "", scope_names[k]);
        if (w < 0 || n + (size_t)w >= cap) return;
        n += (size_t)w;
    }
}

int cxm_store_ct_equal(const void *a, const void *b, size_t n) {
    return CRYPTO_memcmp(a, b, n) == 0;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sha256(const char *p, size_t n, unsigned char out[32]) {
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32) return CXM_ENOMEM;
    return CXM_OK;
}

static int random_bytes(unsigned char *p, size_t n, cxm_diag *diag) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return cxm_diag_set(diag, CXM_EIO, NULL, 0, 0, NULL, "getrandom: %s", strerror(errno));
        }
        got += (size_t)r;
    }
    return CXM_OK;
}

int cxm_store_token_create(cxm_store *s, unsigned scopes, char *token_out, size_t cap, int64_t *id, cxm_diag *diag) {
    if (cap <= CXM_TOKEN_LEN || !scopes || scopes > 7) return CXM_EINVAL;
    unsigned char raw[TOKEN_BYTES], h[32];
    int rc = random_bytes(raw, sizeof raw, diag);
    if (rc) return rc;
    static const char hex[] = "0123456789abcdef";
    memcpy(token_out, TOKEN_PREFIX, 4);
    for (size_t i = 0; i < TOKEN_BYTES; i++) {
        token_out[4 + 2 * i] = hex[raw[i] >> 4];
        token_out[5 + 2 * i] = hex[raw[i] & 15];
    }
    token_out[CXM_TOKEN_LEN] = 0;
    memset(raw, 0, sizeof raw);
    if ((rc = sha256(token_out, CXM_TOKEN_LEN, h))) return rc;
    char sc[32];
    cxm_token_scopes_format(scopes, sc, sizeof sc);
    sqlite3_stmt *st = NULL;
    int src =
        sqlite3_prepare_v2(s->db, "INSERT INTO tokens(hash, scopes, created_at) VALUES(?1, ?2, ?3)", -1, &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, sc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now_ms());
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE) {
        memset(token_out, 0, cap);
        return cxm_store_fail(s, src, "storing the token", diag);
    }
    if (id) *id = sqlite3_last_insert_rowid(s->db);
    return CXM_OK;
}

static void row_info(sqlite3_stmt *st, int first, cxm_token_info *t, cxm_diag *diag) {
    t->id = sqlite3_column_int64(st, first);
    unsigned sc = 0;
    const char *text = (const char *)sqlite3_column_text(st, first + 1);
    if (cxm_token_scopes_parse(text, &sc, diag)) sc = 0; /* unreadable scopes grant nothing */
    t->scopes = sc;
    t->created_ms = sqlite3_column_int64(st, first + 2);
    t->revoked_ms = sqlite3_column_type(st, first + 3) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, first + 3);
}

int cxm_store_token_list(cxm_store *s, cxm_token_info **out, size_t *n, cxm_diag *diag) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int src =
        sqlite3_prepare_v2(s->db, "SELECT id, scopes, created_at, revoked_at FROM tokens ORDER BY id", -1, &st, NULL);
    if (src != SQLITE_OK) return cxm_store_fail(s, src, "listing tokens", diag);
    size_t cap = 0;
    int rc = CXM_OK;
    cxm_token_info *v = NULL;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            cxm_token_info *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                rc = CXM_ENOMEM;
                break;
            }
            v = nv;
        }
        cxm_diag ignored;
        row_info(st, 0, &v[(*n)++], &ignored);
    }
    if (!rc && src != SQLITE_DONE) rc = cxm_store_fail(s, src, "listing tokens", diag);
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return CXM_OK;
}

int cxm_store_token_revoke(cxm_store *s, int64_t id, cxm_diag *diag) {
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db, "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1", -1,
                                 &st, NULL);
    if (src == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now_ms());
        src = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE) return cxm_store_fail(s, src, "revoking the token", diag);
    if (sqlite3_changes(s->db) == 0)
        return cxm_diag_set(diag, CXM_ENOTFOUND, s->path, 0, 0, NULL, "no token with id %lld", (long long)id);
    return CXM_OK;
}

int cxm_store_token_verify(cxm_store *s, const char *token, size_t len, cxm_token_info *info) {
    if (info) memset(info, 0, sizeof *info);
    if (!s || !token || len != CXM_TOKEN_LEN || memcmp(token, TOKEN_PREFIX, 4) != 0) return CXM_ENOTFOUND;
    unsigned char h[32];
    if (sha256(token, len, h)) return CXM_ENOMEM;
    sqlite3_stmt *st = NULL;
    int src = sqlite3_prepare_v2(s->db, "SELECT hash, id, scopes, created_at, revoked_at FROM tokens WHERE hash = ?1",
                                 -1, &st, NULL);
    int rc = CXM_ENOTFOUND;
    if (src == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
            const void *stored = sqlite3_column_blob(st, 0);
            cxm_token_info t;
            cxm_diag ignored;
            row_info(st, 1, &t, &ignored);
            if (stored && cxm_store_ct_equal(stored, h, 32) && t.revoked_ms == 0 && t.scopes) {
                if (info) *info = t;
                rc = CXM_OK;
            }
        }
    } else {
        rc = CXM_EIO;
    }
    sqlite3_finalize(st);
    return rc;
}
