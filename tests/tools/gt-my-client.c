/*
 * gt-my-client - a server-side prepared statement through MariaDB's
 * Connector/C (libmariadb, what the `mysql` CLI links): COM_STMT_PREPARE,
 * COM_STMT_EXECUTE with binary parameters, binary result rows, as Go,
 * Java and C drivers use gt's MySQL protocol.  For tests/mysql.bats.
 *
 *   gt-my-client [-P PORT] [-u USER] [-p PASSWORD] [-D DB] [-n TIMES] [-l] SQL [PARAM...]
 *
 * PARAM is TYPE:VALUE: i:123 (BIGINT), d:1.5 (DOUBLE), s:text (string),
 * t:2024-01-02 03:04:05.678 (DATETIME), n: (NULL).  -l sends string
 * parameters with COM_STMT_SEND_LONG_DATA.  The statement runs TIMES
 * times (default 1); the rows of the last run print as `mysql -B` does
 * (a header line, tab-separated values, NULL for null), then a line
 * "rows: N".  Errors print "error NNNN (SQLSTATE): message" and exit 1.
 */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXP 16

/* File scope, so that an early exit on an error leaves them reachable
 * (not leaks) for LeakSanitizer. */
static MYSQL *my;
static MYSQL_STMT *st;

static int fail_stmt(MYSQL_STMT *s)
{
	printf("error %u (%s): %s\n", mysql_stmt_errno(s), mysql_stmt_sqlstate(s), mysql_stmt_error(s));
	return 1;
}

int main(int argc, char **argv)
{
	const char *user = "root", *pw = "", *db = "public";
	unsigned port = 4002, times = 1;
	int opt, rc = 0, nparams, longdata = 0;
	MYSQL_BIND pb[MAXP];
	long long ival[MAXP];
	double dval[MAXP];
	MYSQL_TIME tval[MAXP];
	char is_null[MAXP];

	while ((opt = getopt(argc, argv, "P:u:p:D:n:l")) != -1) {
		switch (opt) {
		case 'P': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': user = optarg; break;
		case 'p': pw = optarg; break;
		case 'D': db = optarg; break;
		case 'n': times = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': longdata = 1; break;
		default:
			fprintf(stderr, "usage: gt-my-client [-P PORT] [-u USER] [-p PASSWORD] [-D DB] [-n TIMES] [-l] SQL [PARAM...]\n");
			return 100;
		}
	}
	if (optind >= argc || argc - optind - 1 > MAXP) {
		fprintf(stderr, "gt-my-client: need SQL and at most %d parameters\n", MAXP);
		return 100;
	}
	nparams = argc - optind - 1;
	if (!(my = mysql_init(NULL)) || !mysql_real_connect(my, "127.0.0.1", user, pw, db, port, NULL, 0)) {
		printf("error %u (%s): %s\n", mysql_errno(my), mysql_sqlstate(my), mysql_error(my));
		return 1;
	}
	st = mysql_stmt_init(my);
	if (mysql_stmt_prepare(st, argv[optind], (unsigned long)strlen(argv[optind])))
		return fail_stmt(st);
	if ((int)mysql_stmt_param_count(st) != nparams) {
		printf("error: the statement has %lu parameters, %d given\n", mysql_stmt_param_count(st), nparams);
		return 1;
	}
	memset(pb, 0, sizeof(pb));
	for (int k = 0; k < nparams; k++) {
		char *a = argv[optind + 1 + k], *v = a + 2;
		if (strlen(a) < 2 || a[1] != ':') {
			fprintf(stderr, "gt-my-client: parameter '%s' is not TYPE:VALUE\n", a);
			return 100;
		}
		switch (a[0]) {
		case 'i':
			ival[k] = strtoll(v, NULL, 10);
			pb[k].buffer_type = MYSQL_TYPE_LONGLONG;
			pb[k].buffer = &ival[k];
			break;
		case 'd':
			dval[k] = strtod(v, NULL);
			pb[k].buffer_type = MYSQL_TYPE_DOUBLE;
			pb[k].buffer = &dval[k];
			break;
		case 's':
			pb[k].buffer_type = MYSQL_TYPE_STRING;
			pb[k].buffer = v;
			pb[k].buffer_length = (unsigned long)strlen(v);
			break;
		case 't': {
			unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, frac = 0;
			memset(&tval[k], 0, sizeof(tval[k]));
			sscanf(v, "%u-%u-%u %u:%u:%u.%u", &y, &mo, &d, &h, &mi, &s, &frac);
			tval[k].year = y; tval[k].month = mo; tval[k].day = d;
			tval[k].hour = h; tval[k].minute = mi; tval[k].second = s;
			/* the digits after the point, as microseconds */
			const char *dot = strchr(v, '.');
			if (dot) {
				unsigned long us = 0;
				int nd = 0;
				for (const char *p = dot + 1; *p >= '0' && *p <= '9' && nd < 6; p++, nd++)
					us = us * 10 + (unsigned long)(*p - '0');
				for (; nd < 6; nd++)
					us *= 10;
				tval[k].second_part = us;
			}
			tval[k].time_type = MYSQL_TIMESTAMP_DATETIME;
			pb[k].buffer_type = MYSQL_TYPE_DATETIME;
			pb[k].buffer = &tval[k];
			break;
		}
		case 'n':
			is_null[k] = 1;
			pb[k].buffer_type = MYSQL_TYPE_NULL;
			pb[k].is_null = &is_null[k];
			break;
		default:
			fprintf(stderr, "gt-my-client: unknown parameter type '%c'\n", a[0]);
			return 100;
		}
	}
	if (nparams && mysql_stmt_bind_param(st, pb))
		return fail_stmt(st);
	for (unsigned run = 0; run < times; run++) {
		MYSQL_RES *meta;
		unsigned nf;
		unsigned long rows = 0;

		if (longdata) {
			for (int k = 0; k < nparams; k++) {
				if (pb[k].buffer_type != MYSQL_TYPE_STRING)
					continue;
				/* in two pieces, so that the server must append */
				unsigned long n = pb[k].buffer_length, half = n / 2;
				if (mysql_stmt_send_long_data(st, (unsigned)k, pb[k].buffer, half) ||
				    mysql_stmt_send_long_data(st, (unsigned)k, (char *)pb[k].buffer + half, n - half))
					return fail_stmt(st);
			}
		}
		if (mysql_stmt_execute(st))
			return fail_stmt(st);
		nf = mysql_stmt_field_count(st);
		if (!nf) {
			if (run + 1 == times)
				printf("affected: %llu\n", (unsigned long long)mysql_stmt_affected_rows(st));
			continue;
		}
		meta = mysql_stmt_result_metadata(st);
		MYSQL_FIELD *f = mysql_fetch_fields(meta);
		MYSQL_BIND *rb = calloc(nf, sizeof(*rb));
		char (*buf)[256] = calloc(nf, 256);
		unsigned long *len = calloc(nf, sizeof(*len));
		char *nul = calloc(nf, 1);
		for (unsigned k = 0; k < nf; k++) {
			/* every value converted to text by the driver, from its binary form */
			rb[k].buffer_type = MYSQL_TYPE_STRING;
			rb[k].buffer = buf[k];
			rb[k].buffer_length = 255;
			rb[k].length = &len[k];
			rb[k].is_null = (void *)&nul[k];
		}
		if (mysql_stmt_bind_result(st, rb))
			return fail_stmt(st);
		if (run + 1 == times) {
			for (unsigned k = 0; k < nf; k++)
				printf("%s%s", k ? "\t" : "", f[k].name);
			printf("\n");
		}
		while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
			rows++;
			if (run + 1 < times)
				continue;
			for (unsigned k = 0; k < nf; k++)
				printf("%s%.*s", k ? "\t" : "", nul[k] ? 4 : (int)len[k], nul[k] ? "NULL" : buf[k]);
			printf("\n");
		}
		if (rc != MYSQL_NO_DATA)
			return fail_stmt(st);
		rc = 0;
		if (run + 1 == times)
			printf("rows: %lu\n", rows);
		mysql_free_result(meta);
		free(rb);
		free(buf);
		free(len);
		free(nul);
	}
	mysql_stmt_close(st);
	mysql_close(my);
	return rc;
}
