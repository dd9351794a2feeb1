/*
 * buf.h - a growable byte buffer with a ceiling (after git's strbuf and
 * curl's dynbuf).
 *
 * A zeroed struct gt_buf is an empty buffer with no ceiling beyond
 * GT_BUF_MAX.  Every buffer that grows from input must be given a
 * ceiling with gt_buf_init(); growth past it fails with GT_ETOOBIG and
 * leaves the contents as they were.  The buffer owns p; gt_buf_release()
 * frees it.  Not thread-safe.
 */
#ifndef GT_BUF_H
#define GT_BUF_H

#include "gt.h"

#define GT_BUF_MAX ((size_t)1 << 34)   /* 16 GiB: nothing may grow past it */

struct gt_buf {
	char *p;        /* contents; NUL-terminated when cap > 0 */
	size_t len;     /* bytes used, excluding the terminator */
	size_t cap;     /* bytes allocated */
	size_t max;     /* ceiling for len; 0 = GT_BUF_MAX */
};

void gt_buf_init(struct gt_buf *b, size_t max);
void gt_buf_release(struct gt_buf *b);
/* Make room for at least n more bytes. */
int gt_buf_grow(struct gt_buf *b, size_t n);
int gt_buf_add(struct gt_buf *b, const void *p, size_t n);
int gt_buf_addstr(struct gt_buf *b, const char *s);
int gt_buf_addch(struct gt_buf *b, int c);
/* Decimal text of an integer (what "%" PRId64 / PRIu64 print, without printf). */
int gt_buf_add_i64(struct gt_buf *b, int64_t v);
int gt_buf_add_u64(struct gt_buf *b, uint64_t v);
int gt_buf_addf(struct gt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gt_buf_reset(struct gt_buf *b);
/* Move the contents out; the buffer becomes empty.  Caller frees. */
char *gt_buf_detach(struct gt_buf *b, size_t *len);

#endif
