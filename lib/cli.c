/* cli.c - helpers for the programs' mains. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

const char *gt_prog = "gt";

void gt_cli_init(const char *argv0)
{
	const char *s = strrchr(argv0, '/');
	gt_prog = s ? s + 1 : argv0;
	gt_alloc_fault_init();
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
