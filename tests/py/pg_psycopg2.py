"""pg_psycopg2.py PG_PORT HTTP_ADDR - psycopg2 against gt's PostgreSQL server
(run by tests/pg.bats with Debian's python3 and python3-psycopg2).

Parameterised inserts and queries (psycopg2 binds client side and sends
simple queries, inside BEGIN/COMMIT), thousands of rows fetched whole and
through fetchmany, Python types of every column, errors raised as
psycopg2.errors classes by SQLSTATE, and the same rows over HTTP.
Prints "ok NAME" per check; any failure raises (non-zero exit)."""
import datetime
import json
import sys
import urllib.parse
import urllib.request

import psycopg2
import psycopg2.errors

port, http = sys.argv[1], sys.argv[2]
conn = psycopg2.connect(host="127.0.0.1", port=port, dbname="public", user="greptime")
cur = conn.cursor()


def check(name, got, want):
    if got != want:
        raise AssertionError(f"{name}: got {got!r}, want {want!r}")
    print("ok", name)


cur.execute("CREATE TABLE py (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, v DOUBLE, n BIGINT, ok BOOLEAN)")
conn.commit()
base = datetime.datetime(2024, 1, 1)
rows = [(base + datetime.timedelta(seconds=i), "h%d" % (i % 7), i / 4, i, i % 2 == 0) for i in range(5000)]
cur.executemany("INSERT INTO py VALUES (%s, %s, %s, %s, %s)", rows[:100])
args = ",".join(cur.mogrify("(%s,%s,%s,%s,%s)", r).decode() for r in rows[100:])
cur.execute("INSERT INTO py VALUES " + args)
check("rowcount of a multi-row insert", cur.rowcount, 4900)
conn.commit()
check("status after commit", conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_IDLE)

cur.execute("SELECT ts, host, v, n, ok FROM py ORDER BY ts")
got = cur.fetchall()
check("5000 rows back with their Python types", got, [(t, h, v, n, ok) for t, h, v, n, ok in
                                                      sorted(rows, key=lambda r: r[0])])
check("column type codes", [d.type_code for d in cur.description], [1114, 25, 701, 20, 16])

cur.execute("SELECT n FROM py WHERE host = %s AND n < %s ORDER BY n", ("h3", 40))
check("parameters", cur.fetchall(), [(3,), (10,), (17,), (24,), (31,), (38,)])
cur.execute("SELECT host FROM py WHERE host = %s", ("it's",))
check("a quote in a parameter", cur.fetchall(), [])

cur.execute("SELECT n FROM py ORDER BY n")
total = 0
while True:
    part = cur.fetchmany(777)
    if not part:
        break
    total += len(part)
check("fetchmany over 5000 rows", total, 5000)

named = conn.cursor(name="c1")  # a server-side cursor: DECLARE ... is not supported
try:
    named.execute("SELECT 1")
    named.fetchall()
    print("ok server-side cursor")
except psycopg2.Error:
    conn.rollback()
    print("ok server-side cursor refused")

for sql, cls in [("SELECT * FROM nope", psycopg2.errors.UndefinedTable),
                 ("SELECT nope FROM py", psycopg2.errors.UndefinedColumn),
                 ("SELEC 1", psycopg2.errors.SyntaxError),
                 ("CREATE TABLE py (ts TIMESTAMP TIME INDEX)", psycopg2.errors.DuplicateTable)]:
    try:
        cur.execute(sql)
        raise AssertionError(f"{sql}: no error")
    except cls:
        conn.rollback()
        print("ok", cls.__name__)

# The same query gives the same rows over HTTP (GreptimeDB's JSON).
q = "SELECT host, count(*), sum(v), max(n), min(ok) FROM py GROUP BY host ORDER BY host"
body = urllib.parse.urlencode({"sql": q}).encode()
with urllib.request.urlopen(f"http://{http}/v1/sql?db=public", data=body) as r:
    j = json.load(r)
hrows = [tuple(x) for x in j["output"][0]["records"]["rows"]]
cur.execute(q)
check("the same rows over HTTP and PostgreSQL", [tuple(r) for r in cur.fetchall()], hrows)
q = "SELECT ts, n FROM py WHERE n % 1000 = 0 ORDER BY ts"
body = urllib.parse.urlencode({"sql": q}).encode()
with urllib.request.urlopen(f"http://{http}/v1/sql?db=public", data=body) as r:
    j = json.load(r)
hrows = [(datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=t), n)
         for t, n in j["output"][0]["records"]["rows"]]
cur.execute(q)
check("timestamps over HTTP and PostgreSQL", cur.fetchall(), hrows)
conn.close()
