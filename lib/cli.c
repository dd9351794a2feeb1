/* cli.c - helpers for the programs' mains. */
#include "cli.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

const char *gt_prog = "gt";

/*
 * glibc hands blocks over 128 KiB to mmap and gives a heap's free top
 * back past 128 KiB (or twice the adaptive mmap threshold): a query that
 * gathers a few MiB (a memtable's rows, a result's columns) then maps,
 * faults in and unmaps them every time.  Page faults are dear in a VM:
 * a PromQL query over 108,000 memtable rows took 19 ms that way and
 * 2 ms with these.  Blocks up to 32 MiB come from the heap, and up to
 * 64 MiB of free heap is kept for the next query.
 */
static void malloc_tune(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

void gt_cli_init(const char *argv0)
{
	const char *s = strrchr(argv0, '/');
	gt_prog = s ? s + 1 : argv0;
	gt_alloc_fault_init();
	malloc_tune();
}

void gt_cli_errorf(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", gt_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int gt_cli_usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", gt_prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return GT_EXIT_PERM;
}

void gt_cli_ready(int64_t fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "%s: ", gt_prog);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = 0;
	fputs(line, stderr);
	if (fd >= 0) {
		if (write((int)fd, line, (size_t)n) != n)
			gt_cli_errorf("cannot write to --ready-fd %d: %s", (int)fd, strerror(errno));
		close((int)fd);
	}
}

void gt_cli_log(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", gt_prog, msg);
}

int gt_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return GT_EINVAL;
	*out = v;
	return 0;
}

int gt_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	errno = 0;
	if (*s == '-')
		return GT_EINVAL;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno)
		return GT_EINVAL;
	*out = v;
	return 0;
}

int gt_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;
	errno = 0;
	if (*s == '-')
		return GT_EINVAL;
	v = strtoull(s, &end, 10);
	if (end == s || errno)
		return GT_EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end == 'i' && shift)
		end++;
	if ((*end == 'B' || *end == 'b') && shift)
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		return GT_EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}
