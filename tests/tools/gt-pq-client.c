/*
 * gt-pq-client - drive a PostgreSQL server through libpq the way drivers
 * and Grafana do (the extended protocol), for tests/pg.bats.
 *
 *   gt-pq-client [-b] [-c] [-p NAME] [-n TIMES] CONNINFO SQL [PARAM...]
 *
 * Without -p the statement goes through PQexecParams (Parse/Bind/
 * Describe/Execute/Sync with the unnamed statement); with -p NAME through
 * PQprepare once, PQdescribePrepared, then PQexecPrepared TIMES times
 * (-n, default 1).  PARAM: "NULL", a typed binary value "int2:N",
 * "int4:N", "int8:N", "float4:X", "float8:X", "bool:t|f", "ts:YYYY-MM-DD
 * HH:MM:SS" (microseconds since 2000 on the wire), or any other text as a
 * text parameter of unspecified type.  -b asks for every result column in
 * binary and decodes it here.
 *
 * Output: a header "name:oid|..." then one line per row, values "|"-
 * separated (NULL as "NULL"), then "status: TAG"; with -c, only
 * "rows: N" for the row count.  An error prints "error: SQLSTATE message"
 * and exits 1; a connection failure exits 111.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXP 64
#define PG_EPOCH_S 946684800LL

struct param {
	uint32_t oid;
	const char *val;
	int len, fmt;
	unsigned char bin[8];
};

static void be(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

static uint64_t unbe(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int parse_param(const char *s, struct param *p)
{
	const char *v = strchr(s, ':');
	memset(p, 0, sizeof(*p));
	if (!strcmp(s, "NULL"))
		return 0;
	p->val = s;
	p->len = (int)strlen(s);
	if (!v)
		return 0;
	v++;
	p->fmt = 1;
	p->val = (const char *)p->bin;
	if (!strncmp(s, "int2:", 5)) {
		p->oid = 21, p->len = 2;
		be(p->bin, (uint64_t)strtoll(v, NULL, 10), 2);
	} else if (!strncmp(s, "int4:", 5)) {
		p->oid = 23, p->len = 4;
		be(p->bin, (uint64_t)strtoll(v, NULL, 10), 4);
	} else if (!strncmp(s, "int8:", 5)) {
		p->oid = 20, p->len = 8;
		be(p->bin, (uint64_t)strtoll(v, NULL, 10), 8);
	} else if (!strncmp(s, "float4:", 7)) {
		float f = strtof(v, NULL);
		uint32_t u;
		memcpy(&u, &f, 4);
		p->oid = 700, p->len = 4;
		be(p->bin, u, 4);
	} else if (!strncmp(s, "float8:", 7)) {
		double d = strtod(v, NULL);
		uint64_t u;
		memcpy(&u, &d, 8);
		p->oid = 701, p->len = 8;
		be(p->bin, u, 8);
	} else if (!strncmp(s, "bool:", 5)) {
		p->oid = 16, p->len = 1;
		p->bin[0] = *v == 't';
	} else if (!strncmp(s, "ts:", 3)) {
		struct tm tm = {0};
		const char *end = strptime(v, "%Y-%m-%d %H:%M:%S", &tm);
		if (!end || *end)
			return -1;
		p->oid = 1114, p->len = 8;
		be(p->bin, (uint64_t)(((int64_t)timegm(&tm) - PG_EPOCH_S) * 1000000), 8);
	} else {
		p->fmt = 0;
		p->val = s;
	}
	return 0;
}

/* A binary result value as text. */
static void print_binary(Oid oid, const unsigned char *p, int n)
{
	switch (oid) {
	case 16: printf("%s", p[0] ? "t" : "f"); break;
	case 21: printf("%d", (int16_t)unbe(p, 2)); break;
	case 23: printf("%d", (int32_t)unbe(p, 4)); break;
	case 20: printf("%lld", (long long)(int64_t)unbe(p, 8)); break;
	case 700: {
		uint32_t u = (uint32_t)unbe(p, 4);
		float f;
		memcpy(&f, &u, 4);
		printf("%.9g", f);
		break;
	}
	case 701: {
		uint64_t u = unbe(p, 8);
		double d;
		memcpy(&d, &u, 8);
		printf("%.17g", d);
		break;
	}
	case 1114: {
		int64_t us = (int64_t)unbe(p, 8);
		time_t s = (time_t)(us / 1000000 + PG_EPOCH_S - (us % 1000000 < 0));
		long frac = (long)(((us % 1000000) + 1000000) % 1000000);
		struct tm tm;
		char buf[64];
		gmtime_r(&s, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%s.%06ld", buf, frac);
		break;
	}
	case 1700: {                   /* numeric: ndigits, weight, sign, dscale, base-10000 digits */
		int nd = (int16_t)unbe(p, 2), w = (int16_t)unbe(p + 2, 2);
		if (unbe(p + 4, 2) == 0x4000)
			printf("-");
		if (nd == 0)
			printf("0");
		for (int i = 0; i <= w; i++) {
			int d = i < nd ? (int)unbe(p + 8 + 2 * i, 2) : 0;
			printf(i ? "%04d" : "%d", d);
		}
		break;
	}
	default:
		fwrite(p, 1, (size_t)n, stdout);
	}
}

static int show(PGresult *r, int count)
{
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		printf("error: %s %s\n", state ? state : "-", PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
		return 1;
	}
	if (count) {
		printf("rows: %d\n", PQntuples(r));
		return 0;
	}
	if (PQnfields(r)) {
		for (int c = 0; c < PQnfields(r); c++)
			printf("%s%s:%u", c ? "|" : "", PQfname(r, c), PQftype(r, c));
		printf("\n");
	}
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < PQnfields(r); c++) {
			if (c)
				printf("|");
			if (PQgetisnull(r, i, c))
				printf("NULL");
			else if (PQfformat(r, c))
				print_binary(PQftype(r, c), (const unsigned char *)PQgetvalue(r, i, c), PQgetlength(r, i, c));
			else
				printf("%s", PQgetvalue(r, i, c));
		}
		printf("\n");
	}
	printf("status: %s\n", PQcmdStatus(r));
	return 0;
}

int main(int argc, char **argv)
{
	int binary = 0, count = 0, times = 1, np = 0, rc = 0, i = 1;
	const char *name = NULL, *vals[MAXP];
	int lens[MAXP], fmts[MAXP];
	Oid oids[MAXP];
	struct param ps[MAXP];
	PGconn *conn;
	PGresult *r;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-b"))
			binary = 1;
		else if (!strcmp(argv[i], "-c"))
			count = 1;
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			times = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i < 2 || argc - i - 2 > MAXP) {
		fprintf(stderr, "usage: gt-pq-client [-b] [-c] [-p NAME] [-n TIMES] CONNINFO SQL [PARAM...]\n");
		return 100;
	}
	for (int k = i + 2; k < argc; k++, np++) {
		if (parse_param(argv[k], &ps[np])) {
			fprintf(stderr, "gt-pq-client: bad parameter '%s'\n", argv[k]);
			return 100;
		}
		vals[np] = ps[np].val;
		lens[np] = ps[np].len;
		fmts[np] = ps[np].fmt;
		oids[np] = ps[np].oid;
	}
	conn = PQconnectdb(argv[i]);
	if (PQstatus(conn) != CONNECTION_OK) {
		printf("error: connect %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 111;
	}
	if (!name) {
		r = PQexecParams(conn, argv[i + 1], np, oids, vals, lens, fmts, binary);
		rc = show(r, count);
		PQclear(r);
	} else {
		r = PQprepare(conn, name, argv[i + 1], np, oids);
		rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : show(r, 0);
		PQclear(r);
		if (!rc) {
			r = PQdescribePrepared(conn, name);
			if (PQresultStatus(r) == PGRES_COMMAND_OK)
				printf("describe: %d params, %d columns\n", PQnparams(r), PQnfields(r));
			else
				rc = show(r, 0);
			PQclear(r);
		}
		for (int t = 0; !rc && t < times; t++) {
			r = PQexecPrepared(conn, name, np, vals, lens, fmts, binary);
			rc = show(r, count);
			PQclear(r);
		}
	}
	PQfinish(conn);
	return rc;
}
