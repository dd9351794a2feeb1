/*
 * auth.h - users and passwords: GreptimeDB's static user provider.
 *
 * A spec names where the users come from, as GreptimeDB's
 * --user-provider does:
 *   static_user_provider:file:PATH     one "user=password" a line; blank
 *                                      lines and lines starting with '#'
 *                                      are skipped
 *   static_user_provider:cmd:u=p,u2=p2 the users on the command line
 * The user name is trimmed of blanks; the password is everything after
 * the first '=', verbatim.  A malformed entry, a duplicate user or an
 * empty list is an error naming the file line (or the entry).
 *
 * A NULL struct gt_auth * means open access: every caller must treat it
 * so (no --user-provider given).  After gt_auth_open the object is
 * read-only and may be shared by any number of threads.  The protocols
 * that need the stored password itself (MySQL's native password and
 * PostgreSQL's MD5/SCRAM hash a challenge with it) use gt_auth_password;
 * the ones that receive it in clear (HTTP basic, PostgreSQL cleartext)
 * use gt_auth_check.  Nothing here logs a password, and error messages
 * never contain one.
 */
#ifndef GT_AUTH_H
#define GT_AUTH_H

#include <stdbool.h>

#include "gt.h"

struct gt_auth;

#define GT_AUTH_MAX_FILE (1u << 20)   /* a users file larger than this is refused */

/* Read the users a spec names.  0, or GT_EINVAL/GT_EIO/GT_ETOOBIG with a message. */
int gt_auth_open(struct gt_auth **out, const char *spec, struct gt_err *err);
void gt_auth_free(struct gt_auth *a);
/* The password of user, or NULL when there is no such user.  Owned by a. */
const char *gt_auth_password(const struct gt_auth *a, const char *user);
/* Whether user exists and pw is its password.  Takes the same time whether
 * the user exists or not and wherever the passwords differ. */
bool gt_auth_check(const struct gt_auth *a, const char *user, const char *pw);

#endif
