/*
 * curl_dl.h - libcurl, loaded when the first webhook is about to be posted.
 *
 * Why not linked: libcurl brings 28 shared libraries (GnuTLS, Kerberos,
 * LDAP, SSH, ...) whose loading and relocation cost every `cxm` run about
 * 6 ms of its ~10 ms start-up (hyperfine: an empty program linked with
 * libcurl 7.5 ms against 0.8 ms), while only `cxm serve --alerts` and
 * `cxm alerts check` post anything. So the executable is built against
 * Debian's libcurl headers and dlopen()s the same library (libcurl.so.4,
 * package libcurl4) at that moment; a machine without it gets a message
 * naming the package instead of a binary that does not start.
 */
#ifndef CXM_SERVER_CURL_DL_H
#define CXM_SERVER_CURL_DL_H

#include <curl/curl.h>
#include <stddef.h>

/* The libcurl functions cxm calls (the same signatures as curl.h's). */
typedef struct cxm_curl_api {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
    void (*easy_cleanup)(CURL *c);
    const char *(*easy_strerror)(CURLcode e);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} cxm_curl_api;

/* The table, loaded once per process (thread-safe; the library stays loaded
 * until exit), or NULL with the reason in err[0, cap) (err may be NULL). */
const cxm_curl_api *cxm_curl_api_get(char *err, size_t cap);

#endif
