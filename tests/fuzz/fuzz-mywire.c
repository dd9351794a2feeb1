/*
 * fuzz-mywire.c - libFuzzer target for what the MySQL protocol server
 * reads from a client (mywire-int.h).  The first byte picks the decoder,
 * the rest is its input:
 *   0  HandshakeResponse41
 *   1  COM_STMT_EXECUTE: the next byte is the parameter count, the one
 *      after says whether types were bound by an earlier execute
 *   2  statement text: split into statements, placeholders counted and
 *      bound, PREPARE / EXECUTE / DEALLOCATE recognised
 *   3  statement text answered by gt itself (SELECT @@var, SET, SHOW ...)
 * Each must accept, or refuse with GT_ECORRUPT / GT_EUNSUPP / GT_EINVAL
 * and (for the packet decoders) a "mysql: " message, never read outside
 * its input.  Statement splitting must cover the text exactly, and
 * binding as many literals as there are placeholders must succeed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mywire-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void refused_well(int rc, const struct gt_err *err)
{
	if (rc == 0)
		return;
	if ((rc != GT_ECORRUPT && rc != GT_EUNSUPP && rc != GT_EINVAL) || strncmp(err->msg, "mysql: ", 7))
		abort();
}

static void handshake(const uint8_t *p, size_t n)
{
	struct gt_err err = {0};
	struct my_hsresp h;

	refused_well(my_hsresp_decode(&h, p, n, &err), &err);
	if (strlen(h.user) >= sizeof(h.user) || h.authlen > sizeof(h.auth))
		abort();
}

static void execute(const uint8_t *p, size_t n)
{
	struct gt_err err = {0};
	struct my_exec x;
	uint16_t types[256] = {0};
	struct gt_buf lits = {0};
	bool bound;
	uint16_t nparams;

	if (n < 2)
		return;
	nparams = p[0];
	bound = p[1] & 1;
	for (unsigned k = 0; bound && k < nparams; k++)
		types[k] = (uint16_t)(p[1] >> 1 | (k & 1) << 15);
	gt_buf_init(&lits, 1u << 20);
	refused_well(my_exec_decode(&x, p + 2, n - 2, nparams, types, &bound, NULL, &lits, &err), &err);
	gt_buf_release(&lits);
}

static void text(const uint8_t *p, size_t n)
{
	const char *s = (const char *)p;
	struct gt_buf lits = {0}, arg = {0};
	struct gt_sql_param *v;
	uint32_t nparams = my_count_params(s, n), nargs;
	size_t at, end = 0;
	bool empty;
	char name[65];

	for (at = 0; at < n; at = end + 1) {
		end = my_stmt_end(s, n, at, &empty);
		if (end < at || end > n || (end < n && s[end] != ';'))
			abort();
	}
	for (uint32_t k = 0; k < nparams && k < 100000; k++)
		if ((k && gt_buf_addch(&lits, 0)) || gt_buf_addstr(&lits, "1"))
			abort();
	if (nparams <= 100000 && my_params(&lits, nparams, &v))
		abort();
	if (nparams <= 100000)
		free(v);
	my_text_prepare(s, n, name, sizeof(name), &arg, &nargs);
	if (strlen(name) >= sizeof(name))
		abort();
	gt_buf_release(&lits);
	gt_buf_release(&arg);
}

static void federated(const uint8_t *p, size_t n)
{
	struct gt_sql_session s;
	struct my_vars vars = {0};
	uint16_t status = MY_STATUS_AUTOCOMMIT;
	struct my_fed f = {.s = &s, .vars = &vars, .user = "fuzz", .conn_id = 1, .status = &status};
	struct gt_sql_result res = {0};
	struct gt_sql_error e = {0};
	struct gt_buf rewritten = {0};

	gt_sql_session_init(&s, NULL, "public");
	/* twice, so that a SET is read back */
	for (int k = 0; k < 2; k++) {
		int rc = my_fed_answer(&f, (const char *)p, n, &res, &rewritten, &e);
		if (rc == 1 && (res.n != 1 || res.outs[0].rows.ncols != res.outs[0].ncols))
			abort();
		gt_sql_result_release(&res);
		gt_buf_reset(&rewritten);
	}
	gt_buf_release(&rewritten);
	my_vars_release(&vars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0: handshake(data + 1, size - 1); break;
	case 1: execute(data + 1, size - 1); break;
	case 2: text(data + 1, size - 1); break;
	case 3: federated(data + 1, size - 1); break;
	}
	return 0;
}
