/*
 * idset.h - a set of record ids for duplicate detection, remembering the
 * line where each id was first seen.
 *
 * Ids are not stored: each is reduced to a 96-bit XXH3 fingerprint (the
 * 64-bit low half and 32 bits of the high half). Two different ids share a
 * fingerprint with probability about n^2 / 2^97 (6e-16 for ten million
 * ids), far below the rate of undetected disk errors, so a fingerprint
 * match is reported as a duplicate. Storing the strings instead
 * (core/dict.h) costs 3-4 cache misses per insert and about 60 bytes per
 * id; this costs one miss (hidden by cxm_idset_prefetch when the caller
 * knows the next ids) and 16 bytes per slot at a load factor of at most
 * 5/8 (any table size, not a power of two: 26 bytes per id once reserved,
 * against up to 64 before, which at ten million ids was 512 MiB). Open
 * addressing, linear probing. Lines past 2^32-1 are remembered as
 * 4294967295.
 */
#ifndef CXM_IDSET_H
#define CXM_IDSET_H
#include <stddef.h>
#include <stdint.h>
#include "cxm.h"

typedef struct cxm_idslot {
    uint64_t lo;   /* fingerprint low half; 0 with hi 0 marks an empty slot */
    uint32_t hi;   /* 32 bits of the high half */
    uint32_t line; /* where first seen */
} cxm_idslot;

typedef struct cxm_idkey {
    uint64_t lo;
    uint32_t hi;
} cxm_idkey;

typedef struct cxm_idset {
    cxm_idslot *slots;
    size_t nslots, count, max;
    /* The ascending fast path: exports usually list records by ascending
     * id, and while every id is bytewise greater than the one before none
     * can repeat an earlier one. Callers that know the ids in file order ask
     * cxm_idset_ascends (which latches off at the first id out of order) and
     * pass its answer to cxm_idset_add_ordered: ascending ids are appended
     * to a list (sequential writes, no table, no cache misses); the first
     * other id moves the list into the table, which from then on checks
     * every id. Answers are the same as with the table alone. */
    int ascending;
    cxm_idslot *list;
    size_t nlist, listcap;
    size_t expect;              /* the table's size estimate, for when it is built */
    char *last;                 /* the previous id while ascending */
    size_t lastlen, lastcap;
} cxm_idset;

void cxm_idset_init(cxm_idset *s, size_t max);
/* Makes room for n ids without growing (an estimate; more still fit). */
int cxm_idset_reserve(cxm_idset *s, size_t n) CXM_WUR;
cxm_idkey cxm_idset_key(const char *id, size_t n);
/* Hints that k will be added soon (a cache prefetch of its slot). */
void cxm_idset_prefetch(const cxm_idset *s, cxm_idkey k);
/* The estimated number of ids: the table is sized for it when built. */
void cxm_idset_expect(cxm_idset *s, size_t n);
/* Whether id (in file order) is greater than every earlier one; once it
 * answers 0 it always does. */
int cxm_idset_ascends(cxm_idset *s, const char *id, size_t n);
/* cxm_idset_add for ids in file order: asc is cxm_idset_ascends's answer
 * for this id. */
int cxm_idset_add_ordered(cxm_idset *s, cxm_idkey k, uint64_t line, int asc, uint64_t *first_line) CXM_WUR;
/* Adds k; *first_line gets 0 if it is new, else the line it was first seen on. */
int cxm_idset_add(cxm_idset *s, cxm_idkey k, uint64_t line, uint64_t *first_line) CXM_WUR;
/* Adds every id of o to s (o unchanged; each keeps the line o has for
 * it), for sets filled apart (parts of one file read in parallel). *dup
 * gets 1, and the adding stops, at the first id s already holds. */
int cxm_idset_absorb(cxm_idset *s, const cxm_idset *o, int *dup) CXM_WUR;
/* 1 if some id of o is in s (both unchanged; s without a pending list,
 * s->nlist == 0): read-only lookups, for parts checked against each other. */
int cxm_idset_meets(const cxm_idset *s, const cxm_idset *o);
/* 1 if id, in the order cxm_idset_ascends checks, comes after every id of
 * s (s ascending so far). */
int cxm_idset_before(const cxm_idset *s, const char *id, size_t n);
void cxm_idset_free(cxm_idset *s);

#endif
