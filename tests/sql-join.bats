#!/usr/bin/env bats
# sql-join.bats - joins in SELECT (lib/sql-rel.c): INNER, LEFT, RIGHT,
# FULL, CROSS and comma lists, ON and USING, aliases, NULL keys, joins
# against derived tables and CTEs, WHERE conditions pushed into one
# side's scan (never into a side an outer join fills with NULLs), answers
# checked against sqlite3 on the same rows; the exact tables and errors a user sees over /v1/sql.
load helper

# a(k, x) and b(k, y), each with a NULL key, in gt and sqlite3.
load_ab() {
	local rows_a="(1,'a1',1),(2,'a2',2),(NULL,'an',3),(1,'a4',4)" rows_b="(1,'b1',1),(3,'b3',2),(NULL,'bn',3)"
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE a (k BIGINT NULL, x STRING, ts TIMESTAMP TIME INDEX); CREATE TABLE b (k BIGINT NULL, y STRING, ts TIMESTAMP TIME INDEX);
INSERT INTO a VALUES $rows_a; INSERT INTO b VALUES $rows_b"
	sqlite3 "$T/s.db" "CREATE TABLE a (k INTEGER, x TEXT, ts INTEGER); CREATE TABLE b (k INTEGER, y TEXT, ts INTEGER);
INSERT INTO a VALUES $rows_a; INSERT INTO b VALUES $rows_b"
}

@test "inner, outer, cross and comma joins agree with sqlite3, NULL keys never matching" {
	load_ab
	compare <<'Q'
SELECT a.x, b.y FROM a JOIN b ON a.k = b.k
SELECT a.x, b.y FROM a INNER JOIN b ON b.k = a.k AND a.x <> 'a4'
SELECT a.x, b.y FROM a LEFT JOIN b ON a.k = b.k
SELECT a.x, b.y FROM a LEFT OUTER JOIN b ON a.k = b.k AND b.y = 'zz'
SELECT a.x, b.y FROM a RIGHT JOIN b ON a.k = b.k
SELECT a.x, b.y FROM a FULL OUTER JOIN b ON a.k = b.k
SELECT a.x, b.y FROM a CROSS JOIN b
SELECT a.x, b.y FROM a, b WHERE a.k = b.k
SELECT a.x, b.y FROM a JOIN b ON a.k < b.k
SELECT p.x, q.y FROM a AS p JOIN b q ON p.k = q.k
SELECT a1.x, a2.x FROM a a1 JOIN a a2 ON a1.k = a2.k AND a1.x < a2.x
SELECT a.x, b.y, c.x FROM a JOIN b ON a.k = b.k LEFT JOIN a c ON c.k = b.k + 1
SELECT a.k, count(*), count(b.y) FROM a LEFT JOIN b ON a.k = b.k GROUP BY a.k
SELECT t.x, b.y FROM (SELECT * FROM a WHERE k > 1) t JOIN b ON t.k < b.k
WITH c AS (SELECT k, y FROM b WHERE k IS NOT NULL) SELECT a.x, c.y FROM a JOIN c ON a.k = c.k
SELECT a.x || b.y FROM a JOIN b USING (k)
SELECT a.x, b.y FROM a JOIN b ON a.k IS NOT DISTINCT FROM b.k
SELECT a.x, b.y FROM a JOIN b ON a.k = b.k WHERE a.x = 'a4' AND b.y > 'a' AND a.k + b.k = 2
SELECT a.x, b.y FROM a LEFT JOIN b ON a.k = b.k WHERE a.x <> 'a1' OR b.y IS NULL
SELECT a.x, b.y FROM a LEFT JOIN b ON a.k = b.k WHERE b.y IS NULL
SELECT a.x, b.y FROM a RIGHT JOIN b ON a.k = b.k WHERE a.x IS NULL
SELECT a.x, b.y, c.x FROM a JOIN b ON a.k = b.k FULL JOIN a c ON c.k = b.k WHERE c.x IS NULL OR a.x IS NULL
SELECT a.x, b.y FROM a LEFT JOIN b ON a.k IS DISTINCT FROM b.k AND b.k IS NOT NULL
Q
}

# pick EXPR FILE: EXPR (Python, over the JSON answer as d) printed as
# compact JSON, or as is when it is a string (jq is not a dependency)
pick() {
	/usr/bin/python3 -c 'import json, sys
v = eval(sys.argv[1], {"d": json.load(open(sys.argv[2]))})
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))' "$1" "$2"
}

@test "/v1/sql: USING, SELECT *, an ambiguous name and a join too large" {
	load_ab
	start_front
	curl -sS -G "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT * FROM a JOIN b USING (k) WHERE a.x = '\''a1'\''' > "$T/body"
	run pick '[c["name"] for c in d["output"][0]["records"]["schema"]["column_schemas"]] + [d["output"][0]["records"]["rows"]]' "$T/body"
	assert_output '["x","ts","k","y","ts",[["a1",1,1,"b1",1]]]'
	curl -sS -G "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT k FROM a JOIN b ON a.k = b.k' > "$T/body"
	run pick 'd["error"]' "$T/body"
	assert_output 'Failed to plan SQL: Ambiguous reference to unqualified field k'
	curl -sS -G "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT count(*) FROM numbers x, numbers y, numbers z, numbers w' > "$T/body"
	run pick 'd["error"]' "$T/body"
	assert_output --partial 'exceeds'
	# the same join answers when WHERE narrows each side's scan first
	curl -sS -G "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT count(*) FROM numbers x, numbers y, numbers z, numbers w WHERE x.number < 2 AND y.number < 2 AND w.number + z.number < 10' > "$T/body"
	run pick 'd["output"][0]["records"]["rows"]' "$T/body"
	assert_output '[[220]]'
	curl -sS -G "http://$ADDR/v1/sql" --data-urlencode 'sql=SELECT q.y FROM a JOIN b ON a.k = b.k' > "$T/body"
	run pick 'd["error"]' "$T/body"
	assert_output --partial 'No field named q.y.'
	stop_front
}
