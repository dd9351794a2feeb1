/*
 * fuzz-lp.c - libFuzzer target for the line protocol parser.
 *
 * The input is copied into an exactly sized heap buffer (no terminator,
 * so AddressSanitizer sees any read past len) and parsed; the callback
 * reads every byte of every name and string it is given and checks the
 * pointers lie inside the buffer, so an out-of-bounds pointer or length
 * crashes here rather than in a caller.  The first byte picks the
 * precision, so every conversion path gets exercised.  Each float is
 * also checked against gt_parse_f64 on its own text when it is short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lp.h"

struct ctx {
	const char *lo, *hi;
	uint64_t sum;
};

static void touch(struct ctx *c, const struct gt_lp_str *s)
{
	if (s->n && (s->p < c->lo || s->p + s->n > c->hi))
		abort();
	for (uint32_t i = 0; i < s->n; i++)
		c->sum += (unsigned char)s->p[i];
}

static int cb(void *arg, const struct gt_lp_point *pt)
{
	struct ctx *c = arg;

	if (!pt->measurement.n || !pt->nfields || pt->ntags > GT_LP_MAX_TAGS ||
	    pt->nfields > GT_LP_MAX_FIELDS)
		abort();
	touch(c, &pt->measurement);
	for (uint32_t i = 0; i < pt->ntags; i++) {
		if (!pt->tags[i].key.n || !pt->tags[i].val.n)
			abort();
		touch(c, &pt->tags[i].key);
		touch(c, &pt->tags[i].val);
	}
	for (uint32_t i = 0; i < pt->nfields; i++) {
		const struct gt_lp_field *f = &pt->fields[i];
		if (!f->key.n)
			abort();
		touch(c, &f->key);
		switch (f->type) {
		case GT_STRING:
			touch(c, &f->s);
			break;
		case GT_F64:
			if (f->v.f64 != f->v.f64 || f->v.f64 - f->v.f64 != 0)
				abort();   /* NaN or infinity */
			break;
		case GT_I64:
		case GT_U64:
		case GT_BOOL:
			c->sum += f->v.u64;
			break;
		default:
			abort();
		}
	}
	c->sum += (uint64_t)pt->ts_ns + pt->lineno;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int precs[] = {
		GT_UNIT_NS, GT_UNIT_US, GT_UNIT_MS, GT_UNIT_S, GT_LP_PREC_MINUTE, GT_LP_PREC_HOUR,
	};
	struct gt_err err = {0};
	struct ctx c = {0};
	int prec = GT_UNIT_NS;
	char *buf;
	long rc;

	if (size && data[0] >= 0xf0) {
		prec = precs[data[0] % 6];
		data++;
		size--;
	}
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	c.lo = buf;
	c.hi = buf + size;
	rc = gt_lp_parse(buf, size, (enum gt_unit)prec, 0, 1, cb, &c, &err);
	if (rc < 0 && (rc != GT_EINVAL || strncmp(err.msg, "line ", 5)))
		abort();
	free(buf);

	/* The float parser on the raw input, compared with strtod. */
	if (size < 64) {
		char tmp[64], *e;
		double a, b;
		memcpy(tmp, data, size);
		tmp[size] = '\0';
		if (gt_parse_f64((const char *)data, size, &a) == 0) {
			b = strtod(tmp, &e);
			if (e != tmp + size || memcmp(&a, &b, sizeof(a)))
				abort();
		}
	}
	return c.sum == 42 ? 0 : 0;
}
