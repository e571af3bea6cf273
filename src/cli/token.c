/*
 * token.c - `cxm token create|list|revoke|verify`: the HTTP service's bearer
 * tokens, kept hashed in a store (src/store/tokens.c, docs/STORE.md).
 *
 * `create` prints the new token alone on stdout (it is shown once: the
 * store keeps only its SHA-256); `list` prints one line per token (id,
 * scopes, created, revoked), never a token; `revoke ID` makes a token
 * invalid for good; `verify` reads a token from standard input (never from
 * the command line, where ps would show it) and says whether it is valid.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/store.h"
#include "cli.h"

static void help(void) {
    printf("usage: cxm token create --store FILE --scopes LIST\n"
           "       cxm token list --store FILE\n"
           "       cxm token revoke --store FILE ID\n"
           "       cxm token verify --store FILE [--scope SCOPE] < TOKEN\n"
           "\n"
           "Bearer tokens for the HTTP service (cxm serve), kept in the store as SHA-256\n"
           "hashes: a token is shown once, by 'create', and cannot be recovered.\n"
           "  --store FILE    the store ('create' makes it if missing)\n"
           "  --scopes LIST   comma list of ingest (POST records), read (metrics,\n"
           "                  catalog), admin\n"
           "  --scope SCOPE   verify: also require this scope\n"
           "'create' prints the token alone on stdout; 'list' prints id, scopes,\n"
           "created and revoked (UTC) per token; 'verify' exits 0 for a valid token\n"
           "(with the scope), 2 otherwise.\n"
           "\n"
           "example:\n"
           "  TOKEN=$(cxm token create --store cx.db --scopes ingest,read)\n"
           "  cxm token list --store cx.db\n"
           "  cxm token revoke --store cx.db 1\n"
           "\n"
           "docs: docs/STORE.md\n"
           "exit status: 0 success, 1 usage error, 2 data error, 3 internal error\n");
}

/* An instant (ms) as RFC 3339 UTC, or "-" for 0. */
static void fmt_ms(int64_t ms, char *buf, size_t cap) {
    if (!ms) {
        snprintf(buf, cap, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm)) snprintf(buf, cap, "%lld", (long long)ms);
}

static int do_create(cxm_store *s, const char *scopes) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    unsigned bits;
    int rc = cxm_token_scopes_parse(scopes, &bits, &d);
    if (rc) return cli_fail("token", rc, &d);
    char tok[CXM_TOKEN_LEN + 1];
    int64_t id = 0;
    rc = cxm_store_token_create(s, bits, tok, sizeof tok, &id, &d);
    if (rc) return cli_fail("token", rc, &d);
    printf("%s\n", tok);
    memset(tok, 0, sizeof tok);
    if (fflush(stdout) != 0) return cli_fail("token", CXM_EIO, NULL);
    if (!cli_quiet) {
        char sc[32];
        cxm_token_scopes_format(bits, sc, sizeof sc);
        fprintf(stderr, "cxm token: created token %lld (%s); it is shown only this once\n", (long long)id, sc);
    }
    return EXIT_OK;
}

static int do_list(cxm_store *s) {
    cxm_diag d;
    memset(&d, 0, sizeof d);
    cxm_token_info *v = NULL;
    size_t n = 0;
    int rc = cxm_store_token_list(s, &v, &n, &d);
    if (rc) return cli_fail("token", rc, &d);
    printf("id\tscopes\tcreated\trevoked\n");
    for (size_t i = 0; i < n; i++) {
        char sc[32], cr[40], rv[40];
        cxm_token_scopes_format(v[i].scopes, sc, sizeof sc);
        fmt_ms(v[i].created_ms, cr, sizeof cr);
        fmt_ms(v[i].revoked_ms, rv, sizeof rv);
        printf("%lld\t%s\t%s\t%s\n", (long long)v[i].id, sc[0] ? sc : "-", cr, rv);
    }
    free(v);
    return EXIT_OK;
}

static int do_revoke(cxm_store *s, const char *arg) {
    char *end;
    long long id = strtoll(arg, &end, 10);
    if (end == arg || *end || id < 1) {
        cli_usage_error("token", "revoke '%s': expected a token id (see 'cxm token list')", arg);
        return EXIT_USAGE;
    }
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_store_token_revoke(s, (int64_t)id, &d);
    if (rc) return cli_fail("token", rc, &d);
    if (!cli_quiet) fprintf(stderr, "cxm token: token %lld revoked\n", id);
    return EXIT_OK;
}

static int do_verify(cxm_store *s, const char *scope) {
    unsigned need = 0;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    if (scope) {
        int rc = cxm_token_scopes_parse(scope, &need, &d);
        if (rc) return cli_fail("token", rc, &d);
    }
    char line[256];
    if (!fgets(line, sizeof line, stdin)) line[0] = 0;
    size_t n = strcspn(line, "\r\n");
    cxm_token_info t;
    int rc = cxm_store_token_verify(s, line, n, &t);
    memset(line, 0, sizeof line);
    if (rc == CXM_ENOTFOUND) {
        printf("invalid\n");
        return EXIT_DATA;
    }
    if (rc) return cli_fail("token", rc, NULL);
    char sc[32];
    cxm_token_scopes_format(t.scopes, sc, sizeof sc);
    if ((t.scopes & need) != need) {
        printf("forbidden: token %lld has scopes %s\n", (long long)t.id, sc);
        return EXIT_DATA;
    }
    printf("valid: token %lld, scopes %s\n", (long long)t.id, sc);
    return EXIT_OK;
}

int cmd_token(int argc, char **argv) {
    enum { O_STORE = 256, O_SCOPES, O_SCOPE, O_QUIET };
    static const struct option longopts[] = {{"store", required_argument, 0, O_STORE},
                                             {"scopes", required_argument, 0, O_SCOPES},
                                             {"scope", required_argument, 0, O_SCOPE},
                                             {"quiet", no_argument, 0, O_QUIET},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *store = NULL, *scopes = NULL, *scope = NULL;
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_STORE: store = optarg; break;
        case O_SCOPES: scopes = optarg; break;
        case O_SCOPE: scope = optarg; break;
        case O_QUIET: cli_quiet = 1; break;
        case 'h': help(); return EXIT_OK;
        case ':': cli_usage_error("token", "option '%s' needs a value", argv[optind - 1]); return EXIT_USAGE;
        default: cli_usage_error("token", "unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_usage_error("token", "expected create, list, revoke or verify");
        return EXIT_USAGE;
    }
    const char *verb = argv[optind];
    int nargs = argc - optind - 1;
    int create = !strcmp(verb, "create"), list = !strcmp(verb, "list"), revoke = !strcmp(verb, "revoke"),
        verify = !strcmp(verb, "verify");
    if (!create && !list && !revoke && !verify) {
        cli_usage_error("token", "'%s': expected create, list, revoke or verify", verb);
        return EXIT_USAGE;
    }
    if (!store) {
        cli_usage_error("token", "--store FILE is required");
        return EXIT_USAGE;
    }
    if (nargs != (revoke ? 1 : 0)) {
        if (revoke)
            cli_usage_error("token", "revoke takes one token id");
        else
            cli_usage_error("token", "%s takes no arguments", verb);
        return EXIT_USAGE;
    }
    if (create != (scopes != NULL)) {
        cli_usage_error("token",
                        create ? "create needs --scopes LIST (ingest, read, admin)" : "--scopes goes with create");
        return EXIT_USAGE;
    }
    if (scope && !verify) {
        cli_usage_error("token", "--scope goes with verify");
        return EXIT_USAGE;
    }
    if (create) { /* check the scopes before creating a store */
        unsigned bits;
        cxm_diag d;
        memset(&d, 0, sizeof d);
        int rc = cxm_token_scopes_parse(scopes, &bits, &d);
        if (rc) return cli_fail("token", rc, &d);
    }
    cxm_store *s = NULL;
    cxm_diag d;
    memset(&d, 0, sizeof d);
    int rc = cxm_store_open(store, create ? CXM_STORE_CREATE : 0, &s, &d);
    if (rc) return cli_fail("token", rc, &d);
    int status = create   ? do_create(s, scopes)
                 : list   ? do_list(s)
                 : revoke ? do_revoke(s, argv[optind + 1])
                          : do_verify(s, scope);
    cxm_store_close(s);
    return status;
}
