/* buf.c - growable byte buffer with a ceiling. */
#include "buf.h"
#include "dtoa.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gt_buf_init(struct gt_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void gt_buf_release(struct gt_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int gt_buf_grow(struct gt_buf *b, size_t n)
{
	size_t max = b->max ? b->max : GT_BUF_MAX;
	size_t want, cap;
	char *p;

	if (n > max || b->len > max - n)
		return GT_ETOOBIG;
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap < (SIZE_MAX / 2) ? cap * 2 : want;
	p = gt_realloc(b->p, cap);
	if (!p)
		return GT_ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int gt_buf_add(struct gt_buf *b, const void *p, size_t n)
{
	int rc = gt_buf_grow(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int gt_buf_addstr(struct gt_buf *b, const char *s)
{
	return gt_buf_add(b, s, strlen(s));
}

int gt_buf_addch(struct gt_buf *b, int c)
{
	char ch = (char)c;
	return gt_buf_add(b, &ch, 1);
}

int gt_buf_addf(struct gt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return GT_EINVAL;
	rc = gt_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void gt_buf_reset(struct gt_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

char *gt_buf_detach(struct gt_buf *b, size_t *len)
{
	char *p = b->p;
	if (len)
		*len = b->len;
	if (!p)
		p = gt_strdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

int gt_buf_add_u64(struct gt_buf *b, uint64_t v)
{
	char t[24];
	return gt_buf_add(b, t, (size_t)gt_utoa(v, t));
}

int gt_buf_add_i64(struct gt_buf *b, int64_t v)
{
	char t[24];
	if (v >= 0)
		return gt_buf_add(b, t, (size_t)gt_utoa((uint64_t)v, t));
	t[0] = '-';
	return gt_buf_add(b, t, 1 + (size_t)gt_utoa(-(uint64_t)v, t + 1));
}
