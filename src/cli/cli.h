/*
 * cli.h - shared pieces of the cxm command (a front end: it includes only
 * the public header, cxm.h). One file per subcommand.
 *
 * Exit status (docs/CLI.md): 0 success; 1 usage error (bad option, unknown
 * metric, column or zone); 2 data error (unreadable or malformed input, a
 * bad row under --strict, a bad calendar or SLA file); 3 internal error
 * (out of memory, output not writable).
 */
#ifndef CXM_CLI_H
#define CXM_CLI_H
#include "cxm.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_DATA = 2, EXIT_INTERNAL = 3 };

int cmd_report(int argc, char **argv);
int cmd_tickets(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_comments(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_alerts(int argc, char **argv);

/* Exit status for a library error code. */
int cli_exit_code(int rc);
/* Prints "cxm: <what>: <diag or strerror>" on stderr; returns the exit code. */
int cli_fail(const char *what, int rc, const cxm_diag *d);
void cli_usage_error(const char *cmd, const char *fmt, ...) CXM_PRINTF(2, 3);
/* Progress on stderr when it is a terminal (throttled to 10 per second). */
void cli_progress(void *ud, const char *what, uint64_t done, uint64_t total);
void cli_progress_end(void);
/* Warnings on stderr as they happen. */
void cli_log(void *ud, const char *msg);
extern int cli_quiet;

#endif
