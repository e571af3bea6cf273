/*
 * curl_dl.c - loading libcurl on first use (curl_dl.h says why).
 *
 * Invariants: `api` is filled completely or `why` holds the reason, both
 * once, under pthread_once; afterwards they are only read. The handle is
 * never closed (libcurl keeps global state; the process exits first).
 */
#include "curl_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define CURL_SONAME "libcurl.so.4"

static cxm_curl_api api;
static int loaded;
static char why[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* A symbol of h into *slot (dlsym returns void *, and ISO C has no cast
 * from it to a function pointer: the bytes are copied, as POSIX allows). */
static int sym(void *h, const char *name, void *slot, size_t size) {
    void *p = dlsym(h, name);
    if (!p) {
        snprintf(why, sizeof why, "%s has no %s (%s)", CURL_SONAME, name, dlerror());
        return -1;
    }
    memcpy(slot, &p, size);
    return 0;
}

#define SYM(field, name) sym(h, name, &api.field, sizeof api.field)

static void load(void) {
    void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, sizeof why, "cannot load %s (install Debian's libcurl4: apt-get install libcurl4): %s",
                 CURL_SONAME, e ? e : "unknown error");
        return;
    }
    if (SYM(global_init, "curl_global_init") || SYM(global_cleanup, "curl_global_cleanup") ||
        SYM(easy_init, "curl_easy_init") || SYM(easy_setopt, "curl_easy_setopt") ||
        SYM(easy_perform, "curl_easy_perform") || SYM(easy_getinfo, "curl_easy_getinfo") ||
        SYM(easy_cleanup, "curl_easy_cleanup") || SYM(easy_strerror, "curl_easy_strerror") ||
        SYM(slist_append, "curl_slist_append") || SYM(slist_free_all, "curl_slist_free_all"))
        return;
    loaded = 1;
}

const cxm_curl_api *cxm_curl_api_get(char *err, size_t cap) {
    pthread_once(&once, load);
    if (loaded) return &api;
    if (err && cap) snprintf(err, cap, "%s", why);
    return NULL;
}
