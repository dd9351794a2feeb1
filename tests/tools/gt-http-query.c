/*
 * gt-http-query - times one HTTP query as the TSBS query runners do: over
 * one keep-alive connection, W warm-up requests and then N timed ones, each
 * from the request sent to the last byte of the answer (libcurl's total
 * time, connection set-up excluded after the first).  A compiled client,
 * so that what is measured is the server, not a command's start-up and
 * output handling (the curl command adds about 0.17 ms per request here).
 *
 *   gt-http-query --url URL [--form NAME=VALUE]... [--runs 5] [--warmup 1] [--show]
 *
 * --form fields are URL-encoded and POSTed as a form (none: GET).  Every
 * answer must be 2xx: the first that is not stops the run (exit 1) with
 * the status and the body.  Prints the median in milliseconds ("0.28"),
 * or with --show the last answer's body instead.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "cli.h"

static size_t sink(char *p, size_t sz, size_t n, void *ctx)
{
	gt_buf_add(ctx, p, sz * n);
	return sz * n;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"url", required_argument, NULL, 'u'},
		{"form", required_argument, NULL, 'f'},
		{"runs", required_argument, NULL, 'r'},
		{"warmup", required_argument, NULL, 'w'},
		{"show", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *url = NULL;
	struct gt_buf form = {0}, body = {0};
	int64_t runs = 5, warmup = 1, took[101];
	bool show = false;
	int c, rc = GT_EXIT_OK;

	gt_cli_init(argv[0]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *h = curl_easy_init();
	if (!h)
		return gt_cli_errorf("cannot start libcurl"), GT_EXIT_TEMP;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': url = optarg; break;
		case 'f': {
			const char *eq = strchr(optarg, '=');
			if (!eq)
				return gt_cli_errorf("--form wants NAME=VALUE, not '%s'", optarg), GT_EXIT_PERM;
			char *v = curl_easy_escape(h, eq + 1, 0);
			if (!v || (form.len && gt_buf_addch(&form, '&')) || gt_buf_add(&form, optarg, (size_t)(eq - optarg + 1)) ||
			    gt_buf_addstr(&form, v))
				return gt_cli_errorf("out of memory"), GT_EXIT_TEMP;
			curl_free(v);
			break;
		}
		case 'r':
			if (gt_parse_i64(optarg, &runs) || runs < 1 || runs > 100)
				return gt_cli_errorf("--runs must be 1 to 100"), GT_EXIT_PERM;
			break;
		case 'w':
			if (gt_parse_i64(optarg, &warmup) || warmup < 0 || warmup > 1000)
				return gt_cli_errorf("--warmup must be 0 to 1000"), GT_EXIT_PERM;
			break;
		case 's': show = true; break;
		case 'h':
			printf("usage: gt-http-query --url URL [--form NAME=VALUE]... [--runs N] [--warmup N] [--show]\n");
			return GT_EXIT_OK;
		default:
			return GT_EXIT_PERM;
		}
	}
	if (!url || optind != argc)
		return gt_cli_errorf("usage: gt-http-query --url URL [--form NAME=VALUE]... [--runs N] [--warmup N] [--show]"),
		       GT_EXIT_PERM;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (form.len) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.p);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
	}
	for (int64_t i = -warmup; i < runs; i++) {   /* i < 0: warm-up */
		long status = 0;
		curl_off_t us = 0;
		gt_buf_reset(&body);
		CURLcode cr = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (cr != CURLE_OK || status < 200 || status > 299) {
			gt_cli_errorf("%s: %s, HTTP %ld: %.500s", url, cr == CURLE_OK ? "refused" : curl_easy_strerror(cr),
				      status, body.p ? body.p : "");
			rc = GT_EXIT_NO;
			break;
		}
		curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us);
		if (i >= 0)
			took[i] = (int64_t)us;
	}
	if (rc == GT_EXIT_OK) {
		if (show) {
			fwrite(body.p ? body.p : "", 1, body.len, stdout);
			putchar('\n');
		} else {
			qsort(took, (size_t)runs, sizeof(took[0]), cmp_i64);
			printf("%.2f\n", (double)took[runs / 2] / 1000.0);
		}
	}
	curl_easy_cleanup(h);
	curl_global_cleanup();
	gt_buf_release(&form);
	gt_buf_release(&body);
	return rc;
}
