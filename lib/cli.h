/*
 * cli.h - what the thin mains share: the program name in messages,
 * a log callback for the library, number parsing with range checks.
 * Messages follow STYLE.md: "gt-data: cannot open 'x': reason".
 */
#ifndef GT_CLI_H
#define GT_CLI_H

#include "gt.h"

extern const char *gt_prog;

void gt_cli_init(const char *argv0);
/* Print "prog: message" to stderr. */
void gt_cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: "prog: message" (fmt with its one argument), then the
 * usage text, on stderr; returns GT_EXIT_PERM for main to exit with. */
int gt_cli_usage_error(const char *usage, const char *fmt, const char *arg);
/* A server's readiness: "prog: " and the formatted line on stderr and,
 * when fd >= 0 (--ready-fd), on fd, which is then closed. */
void gt_cli_ready(int64_t fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Library log callback: "prog: message" on stderr. */
void gt_cli_log(void *ctx, const char *msg);
/* Parse a whole decimal integer; 0 or GT_EINVAL. */
int gt_parse_i64(const char *s, int64_t *out);
int gt_parse_u64(const char *s, uint64_t *out);
/* Parse a size with an optional K/M/G suffix (powers of 1024). */
int gt_parse_size(const char *s, uint64_t *out);

#endif
