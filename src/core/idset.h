/*
 * idset.h - a set of record ids for duplicate detection, remembering the
 * line where each id was first seen.
 *
 * Ids are not stored: each is reduced to a 128-bit XXH3 fingerprint. Two
 * different ids share a fingerprint with probability about n^2 / 2^129
 * (3e-25 for ten million ids), far below the rate of undetected disk
 * errors, so a fingerprint match is reported as a duplicate. Storing the
 * strings instead (core/dict.h) costs 3-4 cache misses per insert and
 * about 60 bytes per id; this costs one miss and 24 bytes per slot at a
 * load factor of at most 1/2. Open addressing, linear probing.
 */
#ifndef CXM_IDSET_H
#define CXM_IDSET_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"

typedef struct cxm_idslot {
    uint64_t lo, hi; /* fingerprint; lo == hi == 0 marks an empty slot */
    uint64_t line;
} cxm_idslot;

typedef struct cxm_idset {
    cxm_idslot *slots;
    size_t nslots, count, max;
} cxm_idset;

void cxm_idset_init(cxm_idset *s, size_t max);
/* Adds id; *first_line gets 0 if it is new, else the line it was first seen on. */
int cxm_idset_add(cxm_idset *s, const char *id, size_t n, uint64_t line, uint64_t *first_line) CXM_WUR;
void cxm_idset_free(cxm_idset *s);

#endif
