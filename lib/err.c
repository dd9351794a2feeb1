/* err.c - error codes and messages, allocation wrappers, clocks. */
#include "gt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const names[] = {
	"ok", "I/O error", "corrupt", "out of memory", "too big",
	"not found", "exists", "invalid", "locked", "try again",
	"unsupported", "closed",
};

const char *gt_strerror(int code)
{
	if (code > 0 || -code >= (int)GT_ARRAY_LEN(names))
		return "unknown error";
	return names[-code];
}

int gt_errf(struct gt_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int gt_err_prefix(struct gt_err *err, const char *fmt, ...)
{
	char pre[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return 0;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	size_t n = strlen(pre);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, pre, n);
	memcpy(err->msg + n, ": ", 2);
	n += 2;
	size_t m = strlen(old);
	if (m > sizeof(err->msg) - 1 - n)
		m = sizeof(err->msg) - 1 - n;
	memcpy(err->msg + n, old, m);
	err->msg[n + m] = '\0';
	return err->code;
}

int gt_exit_code(int code)
{
	switch (code) {
	case GT_OK:
		return GT_EXIT_OK;
	case GT_EIO:
	case GT_ENOMEM:
	case GT_ELOCKED:
	case GT_EAGAIN:
		return GT_EXIT_TEMP;
	default:
		return GT_EXIT_PERM;
	}
}

/* Fault injection: GT_FAIL_ALLOC=N makes the Nth allocation fail. */
static long fail_at = -1;
static long alloc_count;

void gt_alloc_fault_init(void)
{
	const char *s = getenv("GT_FAIL_ALLOC");
	if (s)
		fail_at = strtol(s, NULL, 10);
}

static int should_fail(void)
{
	if (GT_LIKELY(fail_at < 0))
		return 0;
	return __atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED) == fail_at;
}

void *gt_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n ? n : 1);
}

void *gt_calloc(size_t n, size_t sz)
{
	return should_fail() ? NULL : calloc(n ? n : 1, sz ? sz : 1);
}

void *gt_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void *gt_reallocarray(void *p, size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz)
		return NULL;
	return gt_realloc(p, n * sz);
}

char *gt_strdup(const char *s)
{
	return gt_strndup(s, strlen(s));
}

char *gt_strndup(const char *s, size_t n)
{
	char *p = gt_malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

int64_t gt_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t gt_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
