/*
 * opts.h - the options `cxm report` and `cxm tickets` share.
 */
#ifndef CXM_CLI_OPTS_H
#define CXM_CLI_OPTS_H
#include <stdio.h>

#include "cxm.h"

typedef struct cli_opts {
    cxm_report_opts r;
    const char *map[64];
    const char *where[32];
    cxm_format format;
    const char *lang;
    const char *output;
    int help;
    int html; /* report --format html: the dashboard page (report_html.c); format is then JSON */
} cli_opts;

/* Parses argv into o. Returns -1 on a usage error (already printed), 0 ok. */
int cli_parse_opts(const char *cmd, int argc, char **argv, cli_opts *o, int is_report);
extern const char cli_data_help[];
/* `cxm report --format html`: writes the self-contained dashboard to out;
 * returns the exit status (errors already printed). */
int cli_report_html(const cli_opts *o, FILE *out);
#endif
