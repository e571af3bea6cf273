/*
 * idset.c - fingerprint set for duplicate ids (see idset.h).
 */
#include "core/idset.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
/* XXH3 compiled in here: ids are short, and the library call cost about
 * as much as the hash itself (same function, same fingerprints). */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* Tables of millions of slots are probed at random: with 4 KiB pages every
 * probe also misses the TLB. Large tables are mapped with transparent huge
 * pages requested (madvise), which measured 2x faster inserts here; mmap'd
 * memory is zero, like calloc's. */
enum { HUGE_MIN = 4u << 20 };

static cxm_idslot *slots_alloc(size_t n) {
    size_t bytes = n * sizeof(cxm_idslot);
    if (bytes < HUGE_MIN) return calloc(n, sizeof(cxm_idslot));
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

static void slots_free(cxm_idslot *p, size_t n) {
    if (!p) return;
    size_t bytes = n * sizeof(cxm_idslot);
    if (bytes < HUGE_MIN) free(p);
    else munmap(p, bytes);
}

void cxm_idset_init(cxm_idset *s, size_t max) {
    memset(s, 0, sizeof *s);
    s->max = max;
    s->ascending = 1;
}

void cxm_idset_expect(cxm_idset *s, size_t n) { s->expect = n; }

/* Eight bytes at p as a big-endian number, so that comparing two such
 * words compares the bytes as memcmp does. */
static inline uint64_t load_be8(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t load_be4(const char *p) {
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

/* memcmp's sign for a[0..m), b[0..m), by words (ids are short: the
 * library call cost more than the comparison). A last word overlaps the
 * one before, whose bytes are then known equal. */
static inline int bytes_cmp(const char *a, const char *b, size_t m) {
    if (m >= 8) {
        for (size_t i = 0;; i += 8) {
            size_t at = i + 8 <= m ? i : m - 8;
            uint64_t x = load_be8(a + at), y = load_be8(b + at);
            if (x != y) return x > y ? 1 : -1;
            if (at + 8 >= m) return 0;
        }
    }
    if (m >= 4) {
        uint32_t x = load_be4(a), y = load_be4(b);
        if (x == y) {
            x = load_be4(a + m - 4);
            y = load_be4(b + m - 4);
        }
        return x > y ? 1 : x < y ? -1 : 0;
    }
    for (size_t i = 0; i < m; i++)
        if (a[i] != b[i]) return (unsigned char)a[i] > (unsigned char)b[i] ? 1 : -1;
    return 0;
}

/* dst[0..n) = src[0..n) by overlapping words. */
static inline void copy_short(char *dst, const char *src, size_t n) {
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) memcpy(dst + i, src + i, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++) dst[i] = src[i];
    }
}

int cxm_idset_ascends(cxm_idset *s, const char *id, size_t n) {
    if (!s->ascending) return 0;
    if (s->lastlen || s->nlist) {
        size_t m = n < s->lastlen ? n : s->lastlen;
        int cmp = bytes_cmp(id, s->last, m);
        if (!(cmp > 0 || (cmp == 0 && n > s->lastlen))) {
            s->ascending = 0;
            return 0;
        }
    }
    if (n > s->lastcap) {
        size_t cap = s->lastcap ? s->lastcap : 64;
        while (cap < n) cap *= 2;
        char *p = realloc(s->last, cap);
        if (!p) {
            s->ascending = 0; /* no memory for the fast path: use the table */
            return 0;
        }
        s->last = p;
        s->lastcap = cap;
    }
    copy_short(s->last, id, n);
    s->lastlen = n;
    return 1;
}

/* Leaves the fast path: the listed ids go into the table. */
int cxm_idset_add(cxm_idset *s, cxm_idkey k, uint64_t line, uint64_t *first_line);
static int leave_list(cxm_idset *s) {
    cxm_idslot *list = s->list;
    size_t n = s->nlist;
    s->list = NULL;
    s->nlist = s->listcap = 0;
    s->ascending = 0;
    int rc = cxm_idset_reserve(s, s->expect > n ? s->expect : n + 1);
    for (size_t i = 0; !rc && i < n; i++) {
        uint64_t first;
        cxm_idkey k = {list[i].lo, list[i].hi};
        rc = cxm_idset_add(s, k, list[i].line, &first);
    }
    free(list);
    return rc;
}

int cxm_idset_add_ordered(cxm_idset *s, cxm_idkey k, uint64_t line, int asc, uint64_t *first_line) {
    if (asc) {
        *first_line = 0;
        if (s->count + s->nlist >= s->max) return CXM_ELIMIT;
        if (s->nlist == s->listcap) {
            /* Past the first 4096, room for the expected count at once
             * (malloc maps a large block: only the pages written cost
             * anything, and nothing is copied unless the estimate was
             * short). Huge pages were tried here: the kernel then spent
             * 6x longer zeroing pages (20M answers: 28% of the run). */
            size_t cap = s->listcap ? s->listcap * 2 : 4096;
            if (s->listcap && s->expect > cap && s->expect < ((size_t)1 << 36)) cap = s->expect + 4096;
            cxm_idslot *p = realloc(s->list, cap * sizeof *p);
            if (!p) return CXM_ENOMEM;
            s->list = p;
            s->listcap = cap;
        }
        s->list[s->nlist].lo = k.lo;
        s->list[s->nlist].hi = k.hi;
        s->list[s->nlist].line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
        s->nlist++;
        return CXM_OK;
    }
    return cxm_idset_add(s, k, line, first_line);
}

static int empty(const cxm_idslot *e) { return !e->lo && !e->hi; }

/* The home slot of a fingerprint among n (any n <= 2^32): the high 32 bits
 * of lo scaled to [0, n) by a multiply and shift (Lemire's fast range
 * reduction), so that the table need not be a power of two. */
static inline size_t home(uint64_t lo, size_t n) { return (size_t)(((lo >> 32) * (uint64_t)n) >> 32); }

/* Most ids are new: the table may be 5/8 full (linear probing then takes
 * about 2.3 probes on a miss, within one or two cache lines). */
static inline int too_full(size_t count, size_t nslots) { return count * 8 > nslots * 5; }

static int rehash(cxm_idset *s, size_t n) {
    if (n > ((size_t)1 << 32)) return CXM_ELIMIT;
    cxm_idslot *ns = slots_alloc(n);
    if (!ns) return CXM_ENOMEM;
    for (size_t i = 0; i < s->nslots; i++) {
        const cxm_idslot *o = &s->slots[i];
        if (empty(o)) continue;
        size_t j = home(o->lo, n);
        while (!empty(&ns[j])) j = j + 1 == n ? 0 : j + 1;
        ns[j] = *o;
    }
    slots_free(s->slots, s->nslots);
    s->slots = ns;
    s->nslots = n;
    return CXM_OK;
}

int cxm_idset_reserve(cxm_idset *s, size_t n) {
    if (n > s->max) n = s->max;
    size_t want = n / 5 * 8 + 1024; /* n ids at most 5/8 full */
    return want > s->nslots ? rehash(s, want) : CXM_OK;
}

cxm_idkey cxm_idset_key(const char *id, size_t n) {
    XXH128_hash_t h = XXH3_128bits(id, n);
    cxm_idkey k = {h.low64, (uint32_t)h.high64};
    if (!k.lo && !k.hi) k.lo = 1; /* keep the empty marker free */
    return k;
}

void cxm_idset_prefetch(const cxm_idset *s, cxm_idkey k) {
    if (s->ascending) return; /* no table is probed on the fast path */
    if (s->nslots) __builtin_prefetch(&s->slots[home(k.lo, s->nslots)], 1, 1);
}

int cxm_idset_add(cxm_idset *s, cxm_idkey k, uint64_t line, uint64_t *first_line) {
    *first_line = 0;
    if (s->nlist) { /* a caller left the ordered path: the listed ids first */
        int rc = leave_list(s);
        if (rc) return rc;
    }
    if (!s->nslots || too_full(s->count + 1, s->nslots)) {
        if (s->count >= s->max) return CXM_ELIMIT;
        size_t grow = s->nslots ? s->nslots * 2 : 1024;
        if (grow > ((size_t)1 << 32)) grow = (size_t)1 << 32;
        if (grow <= s->nslots) return CXM_ELIMIT;
        int rc = rehash(s, grow);
        if (rc) return rc;
    }
    size_t n = s->nslots, j = home(k.lo, n);
    while (!empty(&s->slots[j])) {
        if (s->slots[j].lo == k.lo && s->slots[j].hi == k.hi) {
            *first_line = s->slots[j].line;
            return CXM_OK;
        }
        j = j + 1 == n ? 0 : j + 1;
    }
    s->slots[j].lo = k.lo;
    s->slots[j].hi = k.hi;
    s->slots[j].line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    s->count++;
    return CXM_OK;
}

int cxm_idset_absorb(cxm_idset *s, const cxm_idset *o, int *dup) {
    uint64_t first;
    *dup = 0;
    /* Room for both first: o's table is walked in slot order, which is the
     * order of home slots here too, and linear probing fed sorted homes
     * into a table already 5/8 full piles them into one growing cluster
     * (2.5M ids into 2.5M: 6.9 s, against 0.3 s with the room made). */
    int rrc = cxm_idset_reserve(s, s->count + s->nlist + o->count + o->nlist);
    if (rrc) return rrc;
    for (size_t i = 0; i < o->nlist; i++) {
        cxm_idkey k = {o->list[i].lo, o->list[i].hi};
        int rc = cxm_idset_add(s, k, o->list[i].line, &first);
        if (rc) return rc;
        if (first) {
            *dup = 1;
            return CXM_OK;
        }
    }
    for (size_t i = 0; i < o->nslots; i++) {
        if (empty(&o->slots[i])) continue;
        cxm_idkey k = {o->slots[i].lo, o->slots[i].hi};
        int rc = cxm_idset_add(s, k, o->slots[i].line, &first);
        if (rc) return rc;
        if (first) {
            *dup = 1;
            return CXM_OK;
        }
    }
    return CXM_OK;
}

static int holds(const cxm_idset *s, uint64_t lo, uint32_t hi) {
    if (!s->nslots) return 0;
    size_t n = s->nslots, j = home(lo, n);
    while (!empty(&s->slots[j])) {
        if (s->slots[j].lo == lo && s->slots[j].hi == hi) return 1;
        j = j + 1 == n ? 0 : j + 1;
    }
    return 0;
}

int cxm_idset_meets(const cxm_idset *s, const cxm_idset *o) {
    for (size_t i = 0; i < o->nlist; i++)
        if (holds(s, o->list[i].lo, o->list[i].hi)) return 1;
    for (size_t i = 0; i < o->nslots; i++)
        if (!empty(&o->slots[i]) && holds(s, o->slots[i].lo, o->slots[i].hi)) return 1;
    return 0;
}

int cxm_idset_before(const cxm_idset *s, const char *id, size_t n) {
    if (!s->ascending) return 0;
    if (!s->lastlen && !s->nlist) return 1;
    size_t m = n < s->lastlen ? n : s->lastlen;
    int cmp = bytes_cmp(id, s->last, m);
    return cmp > 0 || (cmp == 0 && n > s->lastlen);
}

void cxm_idset_free(cxm_idset *s) {
    if (!s) return;
    slots_free(s->slots, s->nslots);
    free(s->list);
    free(s->last);
    memset(s, 0, sizeof *s);
}
