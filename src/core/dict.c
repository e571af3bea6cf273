/*
 * dict.c - string interning (see dict.h).
 */
#include "core/dict.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

uint64_t cxm_hash(const void *p, size_t n) {
    uint64_t h = XXH3_64bits(p, n);
    return h ? h : 0x9e3779b97f4a7c15ull;
}

void cxm_dict_init(cxm_dict *d, size_t max) {
    memset(d, 0, sizeof *d);
    d->max = max;
    cxm_arena_init(&d->arena);
}

static int rehash(cxm_dict *d, size_t nslots) {
    uint64_t *h = calloc(nslots, sizeof *h);
    uint32_t *c = malloc(nslots * sizeof *c);
    if (!h || !c) {
        free(h);
        free(c);
        return CXM_ENOMEM;
    }
    size_t mask = nslots - 1;
    for (size_t i = 0; i < d->nslots; i++) {
        if (!d->hashes[i]) continue;
        size_t j = d->hashes[i] & mask;
        while (h[j]) j = (j + 1) & mask;
        h[j] = d->hashes[i];
        c[j] = d->codes[i];
    }
    free(d->hashes);
    free(d->codes);
    d->hashes = h;
    d->codes = c;
    d->nslots = nslots;
    return CXM_OK;
}

int cxm_dict_find(const cxm_dict *d, const char *s, size_t n, uint32_t *code) {
    if (!d->nslots) return 0;
    uint64_t h = cxm_hash(s, n);
    size_t mask = d->nslots - 1, j = h & mask;
    while (d->hashes[j]) {
        if (d->hashes[j] == h) {
            uint32_t c = d->codes[j];
            if (d->lens[c] == n && memcmp(d->strs[c], s, n) == 0) {
                *code = c;
                return 1;
            }
        }
        j = (j + 1) & mask;
    }
    return 0;
}

int cxm_dict_intern(cxm_dict *d, const char *s, size_t n, uint32_t *code, int *added) {
    if (added) *added = 0;
    if ((d->count + 1) * 2 > d->nslots) {
        int rc = rehash(d, d->nslots ? d->nslots * 2 : 64);
        if (rc) return rc;
    }
    uint64_t h = cxm_hash(s, n);
    size_t mask = d->nslots - 1, j = h & mask;
    while (d->hashes[j]) {
        if (d->hashes[j] == h) {
            uint32_t c = d->codes[j];
            if (d->lens[c] == n && memcmp(d->strs[c], s, n) == 0) {
                *code = c;
                return CXM_OK;
            }
        }
        j = (j + 1) & mask;
    }
    if (d->count >= d->max || n > UINT32_MAX) return CXM_ELIMIT;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        const char **ns = realloc((void *)d->strs, cap * sizeof *ns);
        if (!ns) return CXM_ENOMEM;
        d->strs = ns;
        uint32_t *nl = realloc(d->lens, cap * sizeof *nl);
        if (!nl) return CXM_ENOMEM;
        d->lens = nl;
        d->cap = cap;
    }
    char *copy = cxm_arena_strndup(&d->arena, s, n);
    if (!copy) return CXM_ENOMEM;
    uint32_t c = (uint32_t)d->count++;
    d->strs[c] = copy;
    d->lens[c] = (uint32_t)n;
    d->hashes[j] = h;
    d->codes[j] = c;
    *code = c;
    if (added) *added = 1;
    return CXM_OK;
}

void cxm_dict_free(cxm_dict *d) {
    if (!d) return;
    free(d->hashes);
    free(d->codes);
    free((void *)d->strs);
    free(d->lens);
    cxm_arena_free(&d->arena);
    memset(d, 0, sizeof *d);
}
