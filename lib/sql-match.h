/*
 * sql-match.h - full-text predicates of GreptimeDB's SQL: matches(text,
 * query) and text @@ term (matches_term).  See sql-match.c for the
 * query language.  A compiled query is immutable and owned by the
 * caller (sql_match_free); evaluation is thread-safe.
 */
#ifndef GT_SQL_MATCH_H
#define GT_SQL_MATCH_H

#include "gt.h"
#include <stdbool.h>

#define SQL_MATCH_MAX_NODES 256
#define SQL_MATCH_MAX_DEPTH 32

struct sql_match;

/* Compile query pat[0..n).  0 with *out set, or a negative GT_E* code with *err a static message. */
int sql_match_compile(const char *pat, size_t n, struct sql_match **out, const char **err);
bool sql_match_eval(const struct sql_match *m, const char *s, size_t n);
void sql_match_free(struct sql_match *m);
/* matches_term: t occurs in s, not glued to a letter or digit where t begins or ends with one. */
bool sql_match_term(const char *s, size_t n, const char *t, size_t tn);

#endif
