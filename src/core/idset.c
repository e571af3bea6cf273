/*
 * idset.c - fingerprint set for duplicate ids (see idset.h).
 */
#include "core/idset.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void cxm_idset_init(cxm_idset *s, size_t max) {
    memset(s, 0, sizeof *s);
    s->max = max;
}

static int grow(cxm_idset *s) {
    size_t n = s->nslots ? s->nslots * 2 : 1024;
    cxm_idslot *ns = calloc(n, sizeof *ns);
    if (!ns) return CXM_ENOMEM;
    size_t mask = n - 1;
    for (size_t i = 0; i < s->nslots; i++) {
        const cxm_idslot *o = &s->slots[i];
        if (!o->lo && !o->hi) continue;
        size_t j = o->lo & mask;
        while (ns[j].lo || ns[j].hi) j = (j + 1) & mask;
        ns[j] = *o;
    }
    free(s->slots);
    s->slots = ns;
    s->nslots = n;
    return CXM_OK;
}

int cxm_idset_add(cxm_idset *s, const char *id, size_t n, uint64_t line, uint64_t *first_line) {
    *first_line = 0;
    if ((s->count + 1) * 2 > s->nslots) {
        if (s->count >= s->max) return CXM_ELIMIT;
        int rc = grow(s);
        if (rc) return rc;
    }
    XXH128_hash_t h = XXH3_128bits(id, n);
    if (!h.low64 && !h.high64) h.low64 = 1; /* keep the empty marker free */
    size_t mask = s->nslots - 1, j = h.low64 & mask;
    while (s->slots[j].lo || s->slots[j].hi) {
        if (s->slots[j].lo == h.low64 && s->slots[j].hi == h.high64) {
            *first_line = s->slots[j].line;
            return CXM_OK;
        }
        j = (j + 1) & mask;
    }
    s->slots[j].lo = h.low64;
    s->slots[j].hi = h.high64;
    s->slots[j].line = line;
    s->count++;
    return CXM_OK;
}

void cxm_idset_free(cxm_idset *s) {
    if (!s) return;
    free(s->slots);
    memset(s, 0, sizeof *s);
}
