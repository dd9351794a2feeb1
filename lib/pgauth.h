/*
 * pgauth.h - the server side of SCRAM-SHA-256 for the PostgreSQL
 * protocol (pgwire.c), with the password known in clear (auth.h's static
 * users).  One exchange per struct; the caller frames the replies as
 * AuthenticationSASLContinue and AuthenticationSASLFinal.  Error messages
 * never contain the password.
 */
#ifndef GT_PGAUTH_H
#define GT_PGAUTH_H

#include "buf.h"

struct gt_pg_scram {
	char client_first[512];   /* client-first-message-bare */
	char server_first[256];
	char nonce[128];          /* client nonce + server nonce */
	uint8_t salted[32];       /* SaltedPassword */
};

/* The client-first message (gs2 header included): reply gets the server-first message. */
int gt_pg_scram_start(struct gt_pg_scram *sc, const char *password, const uint8_t *first, size_t n,
		      struct gt_buf *reply, struct gt_err *err);
/* The client-final message: 0 with the server-final message in reply when the
 * proof is right; GT_EINVAL when the password is wrong or the message malformed. */
int gt_pg_scram_finish(struct gt_pg_scram *sc, const uint8_t *final, size_t n, struct gt_buf *reply,
		       struct gt_err *err);

#endif
