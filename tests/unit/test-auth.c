/* test-auth.c - the static user provider: both spec forms, errors naming the line, checks. */
#include <unistd.h>

#include "auth.h"
#include "tap.h"

static char dir[] = "/tmp/gt-test-auth-XXXXXX";

/* Write text to a file in dir; return its path (static storage, one at a time). */
static const char *file(const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/users", dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Open spec; on failure copy the message into msg. */
static int open_spec(struct gt_auth **a, const char *spec, char *msg, size_t n)
{
	struct gt_err err = {0};
	int rc = gt_auth_open(a, spec, &err);
	snprintf(msg, n, "%s", rc ? err.msg : "");
	return rc;
}

static void test_cmd(void)
{
	struct gt_auth *a = NULL;
	char msg[512];
	ok(!open_spec(&a, "static_user_provider:cmd:root=pw1, bob =b=c,eve=", msg, sizeof(msg)),
	   "cmd form opens (%s)", msg);
	ok(a && gt_auth_check(a, "root", "pw1"), "right password");
	ok(a && !gt_auth_check(a, "root", "pw2"), "wrong password refused");
	ok(a && !gt_auth_check(a, "root", "pw1 "), "a longer password refused");
	ok(a && !gt_auth_check(a, "root", ""), "an empty password refused");
	ok(a && !gt_auth_check(a, "nobody", "pw1"), "unknown user refused");
	ok(a && gt_auth_check(a, "bob", "b=c"), "user name trimmed, password after the first '='");
	ok(a && gt_auth_check(a, "eve", ""), "an empty password is a password");
	ok(a && gt_auth_password(a, "bob") && !strcmp(gt_auth_password(a, "bob"), "b=c"), "password lookup");
	ok(a && !gt_auth_password(a, "nobody"), "no password for an unknown user");
	gt_auth_free(a);
	gt_auth_free(NULL);
}

static void test_file(void)
{
	struct gt_auth *a = NULL;
	char spec[300], msg[512];
	snprintf(spec, sizeof(spec), "static_user_provider:file:%s",
		 file("# users of the test\n\n  # indented comment\nroot=secret\r\nalice=a b \n"));
	ok(!open_spec(&a, spec, msg, sizeof(msg)), "file form opens (%s)", msg);
	ok(a && gt_auth_check(a, "root", "secret"), "CRLF line read");
	ok(a && gt_auth_check(a, "alice", "a b "), "password kept verbatim");
	ok(a && !gt_auth_password(a, "# users of the test"), "comments are not users");
	gt_auth_free(a);
}

static void test_errors(void)
{
	struct gt_auth *a = NULL;
	char spec[300], msg[512];
	const char *path;

	path = file("root=x\n# fine\nbroken line\n");
	snprintf(spec, sizeof(spec), "static_user_provider:file:%s", path);
	ok(open_spec(&a, spec, msg, sizeof(msg)) == GT_EINVAL && strstr(msg, ":3: expected user=password"),
	   "a line without '=' is named: %s", msg);
	path = file("root=x\nroot=pw-second\n");
	ok(open_spec(&a, spec, msg, sizeof(msg)) == GT_EINVAL && strstr(msg, ":2: user 'root' is given twice")
	   && !strstr(msg, "pw-second"), "a duplicate user is named, not its password: %s", msg);
	path = file("=secret\n");
	ok(open_spec(&a, spec, msg, sizeof(msg)) == GT_EINVAL && strstr(msg, ":1: empty user name")
	   && !strstr(msg, "secret"), "an empty user name: %s", msg);
	path = file("# only a comment\n");
	ok(open_spec(&a, spec, msg, sizeof(msg)) == GT_EINVAL && strstr(msg, "no user=password line"),
	   "a file without users: %s", msg);
	ok(open_spec(&a, "static_user_provider:file:/nonexistent/users", msg, sizeof(msg)) == GT_EIO
	   && strstr(msg, "'/nonexistent/users'"), "a missing file is named: %s", msg);
	ok(open_spec(&a, "static_user_provider:cmd:a=1,,b=2", msg, sizeof(msg)) == GT_EINVAL
	   && strstr(msg, "entry 2"), "an empty cmd entry is named: %s", msg);
	ok(open_spec(&a, "static_user_provider:cmd:", msg, sizeof(msg)) == GT_EINVAL, "an empty cmd list: %s", msg);
	ok(open_spec(&a, "static_user_provider:env:X", msg, sizeof(msg)) == GT_EINVAL
	   && strstr(msg, "file:PATH or cmd:"), "an unknown form: %s", msg);
	ok(open_spec(&a, "ldap_user_provider:x", msg, sizeof(msg)) == GT_EINVAL
	   && strstr(msg, "'ldap_user_provider'"), "an unknown provider is named: %s", msg);
	(void)path;
}

int main(void)
{
	char path[300];
	if (!mkdtemp(dir))
		return 1;
	test_cmd();
	test_file();
	test_errors();
	snprintf(path, sizeof(path), "%s/users", dir);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
