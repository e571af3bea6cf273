/*
 * arena.h - bump allocation for data that dies together (a batch's strings,
 * a dictionary's values, a parsed config). Blocks grow geometrically up to
 * 1 MiB; freeing the arena frees everything allocated from it.
 */
#ifndef CXM_ARENA_H
#define CXM_ARENA_H
#include <stddef.h>

typedef struct cxm_arena_block cxm_arena_block;
typedef struct cxm_arena {
    cxm_arena_block *head;
    size_t total; /* bytes handed out, for limits and reports */
} cxm_arena;

void cxm_arena_init(cxm_arena *a);
/* Returns n bytes aligned to 8, or NULL when out of memory. Owned by a. */
void *cxm_arena_alloc(cxm_arena *a, size_t n);
/* Copies s[0..n) and a NUL terminator into a. Owned by a. */
char *cxm_arena_strndup(cxm_arena *a, const char *s, size_t n);
void cxm_arena_free(cxm_arena *a); /* a may be NULL; a is reusable after */

#endif
