#!/usr/bin/env bats
# gt-front --user-provider: GreptimeDB's static user provider (file and
# cmd forms); HTTP basic auth on every endpoint but /health, against the
# real server with curl; the same users on MySQL and PostgreSQL with the
# real clients.  Passwords never reach the log.

load helper

# req CURL-ARGS...: prints the HTTP status; the body is in $T/body, the headers in $T/headers.
req() {
	curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@"
}

users_file() {
	cat > "$T/users" <<'USERS'
# who may use this server
root=Sup3r secret

  # indented comment, then a blank line

greptime_user=p@ss=word
USERS
}

@test "the right user and password pass; SQL runs" {
	users_file
	start_front --user-provider "static_user_provider:file:$T/users"
	run req -u 'root:Sup3r secret' "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT 1+1 AS two'
	assert_output 200
	run grep -c '"two"' "$T/body"
	assert_output 1
	run req -u 'greptime_user:p@ss=word' "http://$ADDR/v1/sql?sql=SELECT%201"
	assert_output 200
	stop_front
}

@test "a wrong password is refused with 401, WWW-Authenticate and GreptimeDB's error 7002" {
	users_file
	start_front --user-provider "static_user_provider:file:$T/users"
	run req -u 'root:Sup3r secreT' "http://$ADDR/v1/sql?sql=SELECT%201"
	assert_output 401
	run grep -ci '^WWW-Authenticate: Basic realm="greptime"' "$T/headers"
	assert_output 1
	run cat "$T/body"
	assert_output --regexp '^\{"code":7002,"error":"Username and password does not match, username: root","execution_time_ms":[0-9]+\}$'
	stop_front
	run grep -c 'secreT\|Sup3r' "$T/front.log"
	assert_output 0
}

@test "an unknown user is refused with 7000" {
	start_front --user-provider static_user_provider:cmd:root=pw
	run req -u 'nobody:pw' "http://$ADDR/v1/sql?sql=SELECT%201"
	assert_output 401
	run cat "$T/body"
	assert_output --regexp '^\{"code":7000,"error":"User not found, username: nobody"'
	stop_front
}

@test "no credentials: 401 with 7003 on every endpoint but /health" {
	start_front --user-provider static_user_provider:cmd:root=pw
	run req "http://$ADDR/health"
	assert_output 200
	for path in /v1/sql?sql=SELECT%201 /metrics /ping /v1/influxdb/ping "/query?q=SHOW%20DATABASES"; do
		run req "http://$ADDR$path"
		assert_output 401
		run grep -ci '^WWW-Authenticate: Basic' "$T/headers"
		assert_output 1
	done
	run req "http://$ADDR/v1/sql?sql=SELECT%201"
	run cat "$T/body"
	assert_output --regexp '^\{"code":7003,"error":"Not found http or grpc authorization header"'
	run req -X POST "http://$ADDR/v1/influxdb/write?db=public" --data-binary 'm v=1 1'
	assert_output 401
	run cat "$T/body"
	assert_output --regexp '^\{"code":7003,"error":"Not found influx http authorization info"'
	stop_front
}

@test "a malformed or foreign Authorization header is 7004" {
	start_front --user-provider static_user_provider:cmd:root=pw
	run req -H 'Authorization: Basic !!!!' "http://$ADDR/v1/sql?sql=SELECT%201"
	assert_output 401
	run cat "$T/body"
	assert_output --regexp '^\{"code":7004,"error":"Invalid http authorization header"'
	# base64("rootpw"): no colon
	run req -H 'Authorization: Basic cm9vdHB3' "http://$ADDR/v1/sql?sql=SELECT%201"
	assert_output 401
	run req -H 'Authorization: Digest abc' "http://$ADDR/v1/sql?sql=SELECT%201"
	assert_output 401
	run cat "$T/body"
	assert_output --regexp '^\{"code":7004,"error":"Unsupported http auth scheme, name: Digest"'
	stop_front
}

@test "InfluxDB endpoints also take u/p arguments and Token user:pw; the write lands" {
	start_front --user-provider static_user_provider:cmd:root=pw
	run req -X POST "http://$ADDR/v1/influxdb/write?db=public&u=root&p=pw" --data-binary 'm v=1 1000000000'
	assert_output 204
	run req -X POST "http://$ADDR/api/v2/write?bucket=public" -H 'Authorization: Token root:pw' --data-binary 'm v=2 2000000000'
	assert_output 204
	run req -X POST "http://$ADDR/write?db=public&u=root&p=nope" --data-binary 'm v=3 3000000000'
	assert_output 401
	run req -X POST "http://$ADDR/write?db=public&u=root" --data-binary 'm v=3 3000000000'
	assert_output 400
	run req -u root:pw "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT count(*) AS n FROM m'
	assert_output 200
	run grep -o '"rows":\[\[[0-9]*\]\]' "$T/body"
	assert_output '"rows":[[2]]'
	stop_front
}

@test "without --user-provider access is open" {
	start_front
	run req "http://$ADDR/v1/sql?sql=SELECT%201"
	assert_output 200
	stop_front
}

@test "a bad --user-provider is a usage error naming the problem" {
	printf 'root=pw\nno equals sign here\n' > "$T/users"
	run -100 gt-front --standalone --data-home "$T/d" --http-addr 127.0.0.1:0 \
		--user-provider "static_user_provider:file:$T/users"
	assert_line --partial "gt-front: --user-provider: $T/users:2: expected user=password"
	run -100 gt-front --standalone --data-home "$T/d" --user-provider "static_user_provider:file:$T/missing"
	assert_line --partial "cannot open '$T/missing'"
	run -100 gt-front --standalone --data-home "$T/d" --user-provider ldap:x
	assert_line --partial "unknown user provider 'ldap'"
	run -100 gt-front --standalone --data-home "$T/d" --user-provider static_user_provider:cmd:root
	assert_line --partial "entry 1: expected user=password"
	run -100 gt-front --standalone --data-home "$T/d" --user-provider static_user_provider:cmd:root=secretpw,root=x
	assert_line --partial "user 'root' is given twice"
	refute_output --partial secretpw
}

@test "one --user-provider guards every protocol: HTTP, MySQL, PostgreSQL take the right password and refuse a wrong one" {
	users_file
	start_front --user-provider "static_user_provider:file:$T/users"
	run req -u 'greptime_user:p@ss=word' "http://$ADDR/v1/sql?sql=SELECT%2042"
	assert_output 200
	run -0 mysql -h 127.0.0.1 -P "$MY_PORT" -u greptime_user -p'p@ss=word' --batch --skip-column-names -e 'SELECT 42'
	assert_output 42
	run -0 env PGPASSWORD='p@ss=word' psql -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U greptime_user -d public -c 'SELECT 42'
	assert_output 42

	run req -u 'greptime_user:wrong-pw-9' "http://$ADDR/v1/sql?sql=SELECT%2042"
	assert_output 401
	run -1 mysql -h 127.0.0.1 -P "$MY_PORT" -u greptime_user -p'wrong-pw-9' --batch -e 'SELECT 42'
	assert_output --partial "ERROR 1045 (28000)"
	run -2 env PGPASSWORD='wrong-pw-9' psql -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U greptime_user -d public -c 'SELECT 42'
	assert_output --partial 'password authentication failed for user "greptime_user"'
	run -2 env PGPASSWORD='p@ss=word' psql -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U nobody -d public -c 'SELECT 42'
	assert_output --partial 'password authentication failed for user "nobody"'
	stop_front
	run grep -c 'p@ss=word\|wrong-pw-9' "$T/front.log"
	assert_output 0
}
