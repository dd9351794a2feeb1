/*
 * gt.h - what every module of libgt shares: error codes, the error
 * message carrier, a few helper macros.
 *
 * Error convention (STYLE.md): a library function returns 0 (or a
 * non-negative count) on success and a negative GT_E* code on failure.
 * When it fails and the caller passed a struct gt_err, the message says
 * what went wrong and where, ready for a program to print after its own
 * name.  The library never prints and never exits.
 */
#ifndef GT_H
#define GT_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GT_VERSION "0.1.0"

enum gt_errcode {
	GT_OK = 0,
	GT_EIO = -1,       /* the operating system refused a read or write */
	GT_ECORRUPT = -2,  /* bytes on disk or on the wire are damaged */
	GT_ENOMEM = -3,    /* out of memory */
	GT_ETOOBIG = -4,   /* input over a ceiling */
	GT_ENOTFOUND = -5, /* no such object */
	GT_EEXIST = -6,    /* object exists already */
	GT_EINVAL = -7,    /* bad input from the caller or the user */
	GT_ELOCKED = -8,   /* another process holds the lock */
	GT_EAGAIN = -9,    /* temporary: try again later */
	GT_EUNSUPP = -10,  /* valid but not implemented */
	GT_ECLOSED = -11,  /* object is shutting down */
};

/* Where a failing call explains itself.  Zero-initialise; may be NULL. */
struct gt_err {
	int code;
	char msg[512];
};

/* Name of an error code, e.g. "corrupt". */
const char *gt_strerror(int code);

/*
 * Record an error and return its code, so that callers can write
 * `return gt_errf(err, GT_EIO, "cannot open '%s': %s", p, strerror(errno));`.
 * A NULL err is allowed.  The first message set wins only if
 * gt_err_keep() is used; gt_errf always overwrites.
 */
int gt_errf(struct gt_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the current message with context ("region 4398046511104: ..."). */
int gt_err_prefix(struct gt_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Program exit codes, one table for every program (STYLE.md). */
enum gt_exit {
	GT_EXIT_OK = 0,
	GT_EXIT_NO = 1,        /* a negative answer: verify found damage */
	GT_EXIT_PERM = 100,    /* usage or permanent error */
	GT_EXIT_TEMP = 111,    /* temporary error: retry may succeed */
};

/* Map a library error code to the exit table. */
int gt_exit_code(int code);

#define GT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GT_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GT_MAX(a, b) ((a) > (b) ? (a) : (b))
#define GT_LIKELY(x) __builtin_expect(!!(x), 1)
#define GT_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Allocation wrappers: fail-able (NULL), but counted so that tests can
 * make the Nth allocation fail (GT_FAIL_ALLOC=N in the environment of
 * a test binary that calls gt_alloc_fault_init()). */
void *gt_malloc(size_t n);
void *gt_calloc(size_t n, size_t sz);
void *gt_realloc(void *p, size_t n);
/* realloc for arrays, checking n * sz for overflow. */
void *gt_reallocarray(void *p, size_t n, size_t sz);
char *gt_strdup(const char *s);
char *gt_strndup(const char *s, size_t n);
void gt_alloc_fault_init(void);

/* Monotonic and wall clocks. */
int64_t gt_now_ns(void);       /* CLOCK_REALTIME, nanoseconds since epoch */
int64_t gt_mono_ns(void);      /* CLOCK_MONOTONIC */

/* Last, so that the system headers above are not affected. */
#include "banned.h"

#endif
