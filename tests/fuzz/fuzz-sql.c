/*
 * fuzz-sql.c - libFuzzer target for the SQL lexer and parser: any bytes
 * must parse or fail with an error, never crash, leak or recurse without
 * bound.  Parse only; nothing is executed.
 */
#include "sql-ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_parse p;
	struct gt_sql_error e;
	/* An exactly sized copy, so AddressSanitizer sees any read past size. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	if (sql_parse(&p, buf, size, &e) < 0 && e.status == 0)
		abort();   /* every failure must say why */
	sql_parse_free(&p);
	free(buf);
	return 0;
}
