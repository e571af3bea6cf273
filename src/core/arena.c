/*
 * arena.c - bump allocator (see arena.h).
 */
#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

struct cxm_arena_block {
    cxm_arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void cxm_arena_init(cxm_arena *a) { a->head = NULL; a->total = 0; }

void *cxm_arena_alloc(cxm_arena *a, size_t n) {
    n = (n + 7u) & ~(size_t)7u;
    cxm_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = b ? b->cap * 2 : 4096;
        if (cap > (1u << 20)) cap = 1u << 20;
        if (cap < n) cap = n;
        cxm_arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

char *cxm_arena_strndup(cxm_arena *a, const char *s, size_t n) {
    char *p = cxm_arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void cxm_arena_free(cxm_arena *a) {
    if (!a) return;
    cxm_arena_block *b = a->head;
    while (b) {
        cxm_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
