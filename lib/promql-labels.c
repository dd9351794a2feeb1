/*
 * promql-labels.c - the evaluator's label sets, dense vectors and the
 * output builder that merges an operator's results by label set (see
 * promql-eval-int.h).
 */
#include <math.h>

#include "dtoa.h"
#include "promql-eval-int.h"

void pq_labels_release(struct gt_pq_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->l[i].name);
		free(l->l[i].value);
	}
	free(l->l);
	l->l = NULL;
	l->n = 0;
}

int pq_labels_copy(struct gt_pq_labels *dst, const struct gt_pq_labels *src)
{
	dst->n = 0;
	dst->l = NULL;
	if (!src->n)
		return 0;
	dst->l = gt_calloc(src->n, sizeof(*dst->l));
	if (!dst->l)
		return GT_ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		dst->l[i].name = gt_strdup(src->l[i].name);
		dst->l[i].value = gt_strdup(src->l[i].value);
		dst->n = i + 1;
		if (!dst->l[i].name || !dst->l[i].value) {
			pq_labels_release(dst);
			return GT_ENOMEM;
		}
	}
	return 0;
}

static size_t labels_find(const struct gt_pq_labels *l, const char *name, int *found)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->l[mid].name, name);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

const char *pq_labels_get(const struct gt_pq_labels *l, const char *name)
{
	int f;
	size_t i = labels_find(l, name, &f);
	return f ? l->l[i].value : NULL;
}

void pq_labels_del(struct gt_pq_labels *l, const char *name)
{
	int f;
	size_t i = labels_find(l, name, &f);
	if (!f)
		return;
	free(l->l[i].name);
	free(l->l[i].value);
	memmove(&l->l[i], &l->l[i + 1], (l->n - i - 1) * sizeof(*l->l));
	l->n--;
}

int pq_labels_set(struct gt_pq_labels *l, const char *name, const char *value)
{
	if (!*value) {
		pq_labels_del(l, name);
		return 0;
	}
	int f;
	size_t i = labels_find(l, name, &f);
	char *v = gt_strdup(value);
	if (!v)
		return GT_ENOMEM;
	if (f) {
		free(l->l[i].value);
		l->l[i].value = v;
		return 0;
	}
	char *n = gt_strdup(name);
	struct gt_pq_label *nl = gt_reallocarray(l->l, l->n + 1, sizeof(*nl));
	if (!n || !nl) {
		free(n);
		free(v);
		if (nl)
			l->l = nl;
		return GT_ENOMEM;
	}
	l->l = nl;
	memmove(&l->l[i + 1], &l->l[i], (l->n - i) * sizeof(*l->l));
	l->l[i].name = n;
	l->l[i].value = v;
	l->n++;
	return 0;
}

static int name_listed(const char *name, char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

void pq_labels_keep(struct gt_pq_labels *l, char *const *names, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (name_listed(l->l[i].name, names, n)) {
			l->l[j++] = l->l[i];
		} else {
			free(l->l[i].name);
			free(l->l[i].value);
		}
	}
	l->n = j;
}

int gt_pq_labels_cmp_by(const struct gt_pq_labels *a, const struct gt_pq_labels *b, const char *const *names,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *va = pq_labels_get(a, names[i]), *vb = pq_labels_get(b, names[i]);
		int c = strcmp(va ? va : "", vb ? vb : "");
		if (c)
			return c;
	}
	return 0;
}

/* labels.Compare: name by name, then value, then length. */
int pq_labels_cmp(const struct gt_pq_labels *a, const struct gt_pq_labels *b)
{
	size_t n = GT_MIN(a->n, b->n);
	for (size_t i = 0; i < n; i++) {
		int c = strcmp(a->l[i].name, b->l[i].name);
		if (c)
			return c;
		c = strcmp(a->l[i].value, b->l[i].value);
		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

int pq_labels_key(struct gt_buf *b, const struct gt_pq_labels *l, char *const *names, size_t n, int on,
		  int drop_name)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *nm = l->l[i].name;
		int listed = name_listed(nm, names, n);
		if (on ? !listed : (listed || (drop_name && !strcmp(nm, "__name__"))))
			continue;
		if (gt_buf_addstr(b, nm) || gt_buf_addch(b, 0xff) || gt_buf_addstr(b, l->l[i].value) ||
		    gt_buf_addch(b, 0xff))
			return GT_ENOMEM;
	}
	return 0;
}

/* strconv.Quote for the text Prometheus puts in its error messages. */
static int quote(struct gt_buf *b, const char *s)
{
	int rc = gt_buf_addch(b, '"');
	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': rc = gt_buf_addstr(b, "\\\""); break;
		case '\\': rc = gt_buf_addstr(b, "\\\\"); break;
		case '\n': rc = gt_buf_addstr(b, "\\n"); break;
		case '\t': rc = gt_buf_addstr(b, "\\t"); break;
		case '\r': rc = gt_buf_addstr(b, "\\r"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				rc = gt_buf_addf(b, "\\x%02x", c);
			else
				rc = gt_buf_addch(b, c);
		}
	}
	return rc ? rc : gt_buf_addch(b, '"');
}

int pq_labels_str(struct gt_buf *b, const struct gt_pq_labels *l)
{
	int rc = gt_buf_addch(b, '{');
	for (size_t i = 0; i < l->n && !rc; i++) {
		if (i)
			rc = gt_buf_addstr(b, ", ");
		if (!rc)
			rc = gt_buf_addstr(b, l->l[i].name);
		if (!rc)
			rc = gt_buf_addch(b, '=');
		if (!rc)
			rc = quote(b, l->l[i].value);
	}
	return rc ? rc : gt_buf_addch(b, '}');
}

int pq_fmt_float(struct gt_buf *b, double v)
{
	if (isnan(v))
		return gt_buf_addstr(b, "NaN");
	if (isinf(v))
		return gt_buf_addstr(b, v > 0 ? "+Inf" : "-Inf");
	if (v == 0)
		return gt_buf_addstr(b, signbit(v) ? "-0" : "0");
	char d[24];
	int e10, nd = gt_dtoa_digits(v, false, d, &e10);
	int rc = 0;
	if (v < 0)
		rc = gt_buf_addch(b, '-');
	if (e10 < 0) {
		rc = rc ? rc : gt_buf_addstr(b, "0.");
		for (int i = 0; i < -e10 - 1 && !rc; i++)
			rc = gt_buf_addch(b, '0');
		return rc ? rc : gt_buf_add(b, d, (size_t)nd);
	}
	for (int i = 0; i <= e10 && !rc; i++)
		rc = gt_buf_addch(b, i < nd ? d[i] : '0');
	if (!rc && nd > e10 + 1) {
		rc = gt_buf_addch(b, '.');
		if (!rc)
			rc = gt_buf_add(b, d + e10 + 1, (size_t)(nd - e10 - 1));
	}
	return rc;
}

int pq_fmt_float_v(struct gt_buf *b, double v)
{
	if (isnan(v) || isinf(v) || v == 0)
		return pq_fmt_float(b, v);
	char d[24];
	int e10, nd = gt_dtoa_digits(v, false, d, &e10);
	if (e10 >= -4 && e10 < 21)
		return pq_fmt_float(b, v);
	int rc = v < 0 ? gt_buf_addch(b, '-') : 0;
	if (!rc)
		rc = gt_buf_addch(b, d[0]);
	if (!rc && nd > 1)
		rc = gt_buf_addf(b, ".%.*s", nd - 1, d + 1);
	return rc ? rc : gt_buf_addf(b, "e%c%02d", e10 < 0 ? '-' : '+', e10 < 0 ? -e10 : e10);
}

/* --- vectors --- */

void pq_vec_release(struct pq_vec *v)
{
	for (size_t i = 0; i < v->n; i++) {
		pq_labels_release(&v->s[i].lb);
		free(v->s[i].v);
		free(v->s[i].has);
	}
	free(v->s);
	memset(v, 0, sizeof(*v));
}

int pq_vec_add(struct pq_vec *v, size_t nsteps, struct gt_pq_labels *lb, size_t *idx, struct gt_err *err)
{
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 8;
		struct pq_vs *ns = gt_reallocarray(v->s, nc, sizeof(*ns));
		if (!ns)
			return gt_errf(err, GT_ENOMEM, "out of memory");
		v->s = ns;
		v->cap = nc;
	}
	struct pq_vs *s = &v->s[v->n];
	s->v = gt_malloc(nsteps * sizeof(double));
	s->has = gt_calloc(nsteps, 1);
	if (!s->v || !s->has) {
		free(s->v);
		free(s->has);
		return gt_errf(err, GT_ENOMEM, "out of memory");
	}
	s->lb = *lb;
	lb->l = NULL;
	lb->n = 0;
	*idx = v->n++;
	return 0;
}

void pq_val_release(struct pq_val *v)
{
	free(v->sc);
	free(v->sc_has);
	pq_vec_release(&v->vec);
	gt_pq_series_free(v->mat, v->nmat);
	memset(v, 0, sizeof(*v));
}

int pq_scalar_new(struct pq_val *v, size_t n, struct gt_err *err)
{
	memset(v, 0, sizeof(*v));
	v->type = GT_PQ_T_SCALAR;
	v->sc = gt_malloc(n * sizeof(double));
	return v->sc ? 0 : gt_errf(err, GT_ENOMEM, "out of memory");
}

void pq_out_init(struct pq_out *o, size_t nsteps)
{
	memset(o, 0, sizeof(*o));
	o->nsteps = nsteps;
}

void pq_out_release(struct pq_out *o)
{
	pq_vec_release(&o->vec);
	gt_keymap_release(&o->map);
	gt_buf_release(&o->key);
}

int pq_out_series(struct pq_out *o, const struct gt_pq_labels *lb, size_t *idx, struct gt_err *err)
{
	bool isnew;
	gt_buf_reset(&o->key);
	if (pq_labels_key(&o->key, lb, NULL, 0, 0, 0))
		return gt_errf(err, GT_ENOMEM, "out of memory");
	int id = gt_keymap_get(&o->map, o->key.p ? o->key.p : "", o->key.len, &isnew);
	if (id < 0)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (isnew) {
		struct gt_pq_labels c;
		if (pq_labels_copy(&c, lb))
			return gt_errf(err, GT_ENOMEM, "out of memory");
		size_t at;
		int rc = pq_vec_add(&o->vec, o->nsteps, &c, &at, err);
		if (rc) {
			pq_labels_release(&c);
			return rc;
		}
	}
	*idx = (size_t)id;
	return 0;
}

int pq_err_same_labelset(struct gt_err *err)
{
	return gt_errf(err, GT_EINVAL, "vector cannot contain metrics with the same labelset");
}

int pq_out_set(struct pq_out *o, size_t idx, size_t step, double v, struct gt_err *err)
{
	struct pq_vs *s = &o->vec.s[idx];
	if (s->has[step])
		return pq_err_same_labelset(err);
	s->has[step] = 1;
	s->v[step] = v;
	return 0;
}

void pq_out_take(struct pq_out *o, struct pq_vec *dst)
{
	*dst = o->vec;
	memset(&o->vec, 0, sizeof(o->vec));
	pq_out_release(o);
}

void pq_vec_compact(struct pq_vec *v, size_t nsteps)
{
	size_t j = 0;
	for (size_t i = 0; i < v->n; i++) {
		struct pq_vs *s = &v->s[i];
		int any = 0;
		for (size_t k = 0; k < nsteps && !any; k++)
			any = s->has[k];
		if (any) {
			v->s[j++] = *s;
		} else {
			pq_labels_release(&s->lb);
			free(s->v);
			free(s->has);
		}
	}
	v->n = j;
}

int pq_vec_merge_same(struct pq_vec *v, size_t nsteps, struct gt_err *err)
{
	struct gt_keymap map = {0};
	struct gt_buf key = {0};
	int rc = 0;
	size_t j = 0;
	for (size_t i = 0; i < v->n; i++) {
		struct pq_vs *s = &v->s[i];
		bool isnew;
		gt_buf_reset(&key);
		int id = pq_labels_key(&key, &s->lb, NULL, 0, 0, 0) ? GT_ENOMEM
			: gt_keymap_get(&map, key.p ? key.p : "", key.len, &isnew);
		if (id < 0) {
			rc = gt_errf(err, GT_ENOMEM, "out of memory");
			for (size_t r = i; r < v->n; r++)
				v->s[j++] = v->s[r];
			break;
		}
		if (isnew) {
			v->s[j++] = *s;
			continue;
		}
		struct pq_vs *d = &v->s[id];
		for (size_t k = 0; k < nsteps && !rc; k++) {
			if (!s->has[k])
				continue;
			if (d->has[k])
				rc = pq_err_same_labelset(err);
			d->has[k] = 1;
			d->v[k] = s->v[k];
		}
		pq_labels_release(&s->lb);
		free(s->v);
		free(s->has);
		if (rc) {
			for (size_t r = i + 1; r < v->n; r++)
				v->s[j++] = v->s[r];
			break;
		}
	}
	v->n = j;
	gt_keymap_release(&map);
	gt_buf_release(&key);
	return rc;
}
