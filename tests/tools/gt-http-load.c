/*
 * gt-http-load - a compiled HTTP loader for benchmarks: sends a file of
 * line protocol to a write endpoint in batches of N lines from S
 * keep-alive senders, and reports rows/s and its own CPU, so that the
 * loader is never the bottleneck it measures.
 *
 *   gt-http-load --url URL [--senders 4] [--batch-lines 5000] FILE
 *
 * Every batch must get a 2xx answer; the first failure stops the run
 * (exit 1) with the status and the body.  Output, one line:
 *   rows=N batches=B seconds=S rows_per_s=R loader_cpu_s=C
 */
#include <curl/curl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>

#include "buf.h"
#include "cli.h"
#include "objstore.h"

struct batch {
	const char *p;
	size_t n;
	uint64_t rows;
};

struct shared {
	const char *url;
	struct batch *batches;
	size_t nbatches;
	size_t next;          /* atomic */
	int failed;           /* atomic */
	uint64_t rows;        /* atomic */
};

static size_t sink(char *p, size_t sz, size_t n, void *ctx)
{
	struct gt_buf *b = ctx;
	if (b->len < 4096)
		gt_buf_add(b, p, GT_MIN(sz * n, 4096 - b->len));
	return sz * n;
}

static void *sender(void *arg)
{
	struct shared *s = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
	struct gt_buf body = {0};

	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	for (;;) {
		size_t i = __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED);
		long status = 0;
		if (i >= s->nbatches || __atomic_load_n(&s->failed, __ATOMIC_RELAXED))
			break;
		gt_buf_reset(&body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->batches[i].p);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->batches[i].n);
		CURLcode rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK || status < 200 || status > 299) {
			if (!__atomic_exchange_n(&s->failed, 1, __ATOMIC_SEQ_CST))
				gt_cli_errorf("batch %zu: %s, HTTP %ld: %.300s", i,
					      rc == CURLE_OK ? "refused" : curl_easy_strerror(rc), status,
					      body.p ? body.p : "");
			break;
		}
		__atomic_add_fetch(&s->rows, s->batches[i].rows, __ATOMIC_RELAXED);
	}
	gt_buf_release(&body);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"url", required_argument, NULL, 'u'},
		{"senders", required_argument, NULL, 's'},
		{"batch-lines", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct shared s = {0};
	struct gt_buf file = {0};
	struct gt_err err = {0};
	int64_t senders = 4, lines = 5000;
	pthread_t th[64];
	int c, n = 0;

	gt_cli_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': s.url = optarg; break;
		case 's':
			if (gt_parse_i64(optarg, &senders) || senders < 1 || senders > 64)
				return gt_cli_errorf("--senders must be 1 to 64"), GT_EXIT_PERM;
			break;
		case 'b':
			if (gt_parse_i64(optarg, &lines) || lines < 1)
				return gt_cli_errorf("--batch-lines must be positive"), GT_EXIT_PERM;
			break;
		case 'h':
			printf("usage: gt-http-load --url URL [--senders N] [--batch-lines N] FILE\n");
			return GT_EXIT_OK;
		default:
			return GT_EXIT_PERM;
		}
	}
	if (!s.url || optind + 1 != argc)
		return gt_cli_errorf("usage: gt-http-load --url URL [--senders N] [--batch-lines N] FILE"),
		       GT_EXIT_PERM;
	if (gt_read_file(argv[optind], (size_t)1 << 34, &file, &err))
		return gt_cli_errorf("%s", err.msg), GT_EXIT_PERM;
	/* cut the file into batches of whole lines */
	for (size_t off = 0; off < file.len;) {
		struct batch b = {file.p + off, 0, 0};
		size_t end = off;
		while (end < file.len && b.rows < (uint64_t)lines) {
			char *nl = memchr(file.p + end, '\n', file.len - end);
			end = nl ? (size_t)(nl - file.p) + 1 : file.len;
			b.rows++;
		}
		b.n = end - off;
		off = end;
		struct batch *nb = realloc(s.batches, (s.nbatches + 1) * sizeof(*nb));
		if (!nb)
			return gt_cli_errorf("out of memory"), GT_EXIT_TEMP;
		s.batches = nb;
		s.batches[s.nbatches++] = b;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int64_t t0 = gt_mono_ns();
	for (int i = 0; i < senders; i++)
		if (!pthread_create(&th[n], NULL, sender, &s))
			n++;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	double secs = (double)(gt_mono_ns() - t0) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     ru.ru_stime.tv_usec / 1e6;
	printf("rows=%" PRIu64 " batches=%zu seconds=%.3f rows_per_s=%.0f loader_cpu_s=%.2f\n", s.rows,
	       s.nbatches, secs, (double)s.rows / secs, cpu);
	curl_global_cleanup();
	free(s.batches);
	gt_buf_release(&file);
	return s.failed ? GT_EXIT_NO : GT_EXIT_OK;
}
