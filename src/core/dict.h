/*
 * dict.h - string interning: maps byte strings to dense uint32 codes
 * 0, 1, 2, ... in first-seen order, and codes back to strings.
 *
 * Used for dimension columns (channel, agent, ...: tens to millions of
 * distinct values) and for duplicate detection of ids (up to tens of
 * millions). Open addressing with linear probing on 64-bit xxh3 hashes;
 * strings live in an arena owned by the dict. Load factor <= 0.5.
 */
#ifndef CXM_DICT_H
#define CXM_DICT_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "core/arena.h"
#include "cxm.h"

typedef struct cxm_dict {
    uint64_t *hashes;  /* slot -> hash (0 = empty; a real 0 hash is remapped) */
    uint32_t *codes;   /* slot -> code */
    size_t nslots;     /* power of two */
    const char **strs; /* code -> NUL-terminated string (owned by arena) */
    uint32_t *lens;    /* code -> length */
    size_t count, cap; /* codes in use, capacity of strs/lens */
    size_t max;        /* limit on count (CXM_ELIMIT past it) */
    cxm_arena arena;
} cxm_dict;

void cxm_dict_init(cxm_dict *d, size_t max);
/* Interns s[0..n): *code receives its code; *added is 1 if new (may be NULL). */
int cxm_dict_intern(cxm_dict *d, const char *s, size_t n, uint32_t *code, int *added) CXM_WUR;
/* Looks s up without adding: returns 1 and sets *code if present, else 0. */
int cxm_dict_find(const cxm_dict *d, const char *s, size_t n, uint32_t *code);
static inline const char *cxm_dict_str(const cxm_dict *d, uint32_t code) { return d->strs[code]; }
void cxm_dict_free(cxm_dict *d); /* d may be NULL */

uint64_t cxm_hash(const void *p, size_t n);

/*
 * A cheap hash of a short string (dimension values: "email", "agent_058")
 * for the direct-mapped memos that sit in front of dictionaries on per-row
 * paths: the first and last eight bytes (overlapping when n < 16), the
 * length, one multiply-xorshift mix. Strings longer than 16 bytes hash on
 * those bytes only, which is fine for a memo (entries are verified by a full
 * comparison) but would not be for a table. About 20 instructions, against
 * about 80 for an XXH3 call plus a probe.
 */
static inline uint64_t cxm_hash_short(const char *p, size_t n) {
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
    } else if (n >= 4) { /* two overlapping words: no variable-length copy */
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        a = (uint64_t)hi << 32 | lo;
    } else if (n) {
        a = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
            (uint64_t)(unsigned char)p[n - 1] << 16;
    }
    /* Callers index memos by the low bits, so every input bit must reach
     * them: a multiply only carries bits upward, and the old fold
     * (h ^ h >> 32) left bits 0-7 blind to bytes 5-7 ("agent_000" ..
     * "agent_099" all met in one memo entry). Hence a full 64-bit mix. */
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ n) * 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

/* a == b over n bytes, for the short values memos hold (codes, channels,
 * agents): at most four loads per side and no loop up to 16 bytes (the
 * byte loop it replaced mispredicted its exit on every varying length),
 * memcmp beyond. Reads only [a, a+n) and [b, b+n). */
static inline int cxm_same_short(const char *a, const char *b, size_t n) {
    if (n >= 8) {
        if (n > 16) return !memcmp(a, b, n);
        uint64_t x0, y0, x1, y1;
        memcpy(&x0, a, 8);
        memcpy(&y0, b, 8);
        memcpy(&x1, a + n - 8, 8);
        memcpy(&y1, b + n - 8, 8);
        return !((x0 ^ y0) | (x1 ^ y1));
    }
    if (n >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, b, 4);
        memcpy(&x1, a + n - 4, 4);
        memcpy(&y1, b + n - 4, 4);
        return !((x0 ^ y0) | (x1 ^ y1));
    }
    if (!n) return 1;
    return a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]; /* every byte of 1-3 */
}

/* One entry of such a memo: a value (borrowed from its dictionary) and its
 * code. s == NULL marks an empty entry. */
typedef struct cxm_memo {
    const char *s;
    uint32_t len, code;
} cxm_memo;

#endif
