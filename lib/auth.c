/* auth.c - the static user provider (auth.h). */
#include "auth.h"
#include "buf.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

struct user {
	char *name, *pw;
};

struct gt_auth {
	struct user *v;
	size_t n, cap;
};

#define PREFIX "static_user_provider:"

void gt_auth_free(struct gt_auth *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].name);
		OPENSSL_cleanse(a->v[i].pw, strlen(a->v[i].pw));
		free(a->v[i].pw);
	}
	free(a->v);
	free(a);
}

static const struct user *find(const struct gt_auth *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].name, name))
			return &a->v[i];
	return NULL;
}

/*
 * Add one "user=password" entry of n bytes; where names it in errors
 * ("users.txt:3" or "entry 2").  Never puts the password in a message.
 */
static int add(struct gt_auth *a, const char *s, size_t n, const char *where, struct gt_err *err)
{
	const char *eq = memchr(s, '=', n), *u = s, *ue;
	struct user us;

	if (!eq)
		return gt_errf(err, GT_EINVAL, "%s: expected user=password", where);
	ue = eq;
	while (u < ue && (*u == ' ' || *u == '\t'))
		u++;
	while (ue > u && (ue[-1] == ' ' || ue[-1] == '\t'))
		ue--;
	if (u == ue)
		return gt_errf(err, GT_EINVAL, "%s: empty user name", where);
	if (memchr(s, '\0', n))
		return gt_errf(err, GT_EINVAL, "%s: a NUL byte", where);
	us.name = strndup(u, (size_t)(ue - u));
	us.pw = strndup(eq + 1, (size_t)(s + n - eq - 1));
	if (!us.name || !us.pw)
		goto nomem;
	if (find(a, us.name)) {
		int rc = gt_errf(err, GT_EINVAL, "%s: user '%s' is given twice", where, us.name);
		free(us.name);
		free(us.pw);
		return rc;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		struct user *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			goto nomem;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = us;
	return 0;
nomem:
	free(us.name);
	free(us.pw);
	return gt_errf(err, GT_ENOMEM, "out of memory");
}

static int read_cmd(struct gt_auth *a, const char *list, struct gt_err *err)
{
	const char *p = list;
	for (unsigned i = 1;; i++) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char where[32];
		int rc;
		snprintf(where, sizeof(where), "entry %u", i);
		if ((rc = add(a, p, n, where, err)))
			return rc;
		if (!e)
			return 0;
		p = e + 1;
	}
}

static int read_file(struct gt_auth *a, const char *path, struct gt_err *err)
{
	struct gt_buf b;
	char chunk[4096], where[300];
	FILE *f = fopen(path, "r");
	size_t r;
	int rc = 0;

	if (!f)
		return gt_errf(err, GT_EIO, "cannot open '%s': %s", path, strerror(errno));
	gt_buf_init(&b, GT_AUTH_MAX_FILE);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((rc = gt_buf_add(&b, chunk, r))) {
			rc = gt_errf(err, rc, "'%s': larger than %u bytes", path, GT_AUTH_MAX_FILE);
			goto out;
		}
	if (ferror(f)) {
		rc = gt_errf(err, GT_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	const char *p = b.p ? b.p : "", *end = p + b.len;
	for (unsigned line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *q = p;
		size_t n;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (q < p + n && *q != '#') {
			snprintf(where, sizeof(where), "%s:%u", path, line);
			if ((rc = add(a, p, n, where, err)))
				goto out;
		}
		p = e + 1;
	}
	if (!a->n)
		rc = gt_errf(err, GT_EINVAL, "'%s': no user=password line", path);
out:
	if (b.p)
		OPENSSL_cleanse(b.p, b.len);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	gt_buf_release(&b);
	fclose(f);
	return rc;
}

int gt_auth_open(struct gt_auth **out, const char *spec, struct gt_err *err)
{
	struct gt_auth *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return gt_errf(err, GT_ENOMEM, "out of memory");
	if (strncmp(spec, PREFIX, strlen(PREFIX))) {
		const char *colon = strchr(spec, ':');
		rc = gt_errf(err, GT_EINVAL, "unknown user provider '%.*s' (expected static_user_provider)",
			     colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	} else if (!strncmp(spec + strlen(PREFIX), "file:", 5)) {
		rc = read_file(a, spec + strlen(PREFIX) + 5, err);
	} else if (!strncmp(spec + strlen(PREFIX), "cmd:", 4)) {
		rc = read_cmd(a, spec + strlen(PREFIX) + 4, err);
	} else {
		rc = gt_errf(err, GT_EINVAL, "static_user_provider: expected file:PATH or cmd:USER=PASSWORD,...");
	}
	if (rc) {
		gt_auth_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

const char *gt_auth_password(const struct gt_auth *a, const char *user)
{
	const struct user *u = find(a, user);
	return u ? u->pw : NULL;
}

bool gt_auth_check(const struct gt_auth *a, const char *user, const char *pw)
{
	/* Compare digests, so that neither the length nor the first differing
	 * byte shows in the time; an unknown user costs the same as a known one. */
	const struct user *u = find(a, user);
	unsigned char want[SHA256_DIGEST_LENGTH], got[SHA256_DIGEST_LENGTH];
	const char *stored = u ? u->pw : "\x01 no such user";

	SHA256((const unsigned char *)stored, strlen(stored), want);
	SHA256((const unsigned char *)pw, strlen(pw), got);
	return !CRYPTO_memcmp(want, got, sizeof(want)) && u;
}
