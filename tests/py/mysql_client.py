"""mysql_client.py - gt's MySQL protocol driven by pymysql (Debian's
python3-pymysql), the way Python programs reach GreptimeDB.

Usage: mysql_client.py CASE MYSQL_PORT HTTP_ADDR [USER PASSWORD]
Each CASE prints what it checked and exits 0, or raises (exit 1).
Run by tests/mysql.bats.
"""
import datetime
import json
import sys
import urllib.parse
import urllib.request

import pymysql


def connect(port, user="root", password="", **kw):
    return pymysql.connect(host="127.0.0.1", port=int(port), user=user,
                           password=password, database="public", **kw)


def http_sql(addr, sql):
    body = urllib.parse.urlencode({"sql": sql}).encode()
    with urllib.request.urlopen("http://%s/v1/sql?db=public" % addr, body) as r:
        return json.load(r)


def case_params(port, addr):
    """Parameterised queries: pymysql escapes values into the text."""
    conn = connect(port)
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (ts TIMESTAMP(3) TIME INDEX, host STRING PRIMARY KEY, v DOUBLE, n BIGINT)")
    rows = [
        (datetime.datetime(2024, 1, 2, 3, 4, 5, 678000), "it's", 1.5, 7),
        (datetime.datetime(2024, 1, 2, 3, 4, 6), 'back\\slash "q"', -0.25, -9),
        (datetime.datetime(2024, 1, 2, 3, 4, 7), "ünïcode 雪", 1e300, None),
    ]
    n = cur.executemany("INSERT INTO t (ts, host, v, n) VALUES (%s, %s, %s, %s)", rows)
    assert n == 3, n
    conn.commit()
    cur.execute("SELECT ts, host, v, n FROM t WHERE host = %s", ("it's",))
    got = cur.fetchall()
    assert got == (rows[0],), got
    cur.execute("SELECT ts, host, v, n FROM t ORDER BY ts")
    got = cur.fetchall()
    assert list(got) == rows, got
    # the column descriptions: TIMESTAMP 7, VAR_STRING 253, DOUBLE 5, LONGLONG 8
    assert [d[1] for d in cur.description] == [7, 253, 5, 8], cur.description
    cur.execute("SELECT count(*) FROM t WHERE v > %s AND n < %s", (0, 100))
    assert cur.fetchone() == (1,)
    print("params ok")


def case_many(port, addr):
    """Thousands of rows through one result set, against the HTTP answer."""
    conn = connect(port)
    cur = conn.cursor()
    cur.execute("CREATE TABLE m (ts TIMESTAMP TIME INDEX, k STRING PRIMARY KEY, v DOUBLE)")
    values = ",".join("(%d, 'k%d', %d.5)" % (i, i % 7, i) for i in range(5000))
    cur.execute("INSERT INTO m VALUES " + values)
    assert cur.rowcount == 5000, cur.rowcount
    sql = "SELECT ts, k, v FROM m ORDER BY ts"
    cur.execute(sql)
    got = cur.fetchall()
    assert len(got) == 5000, len(got)
    epoch = datetime.datetime(1970, 1, 1)
    over_http = http_sql(addr, sql)["output"][0]["records"]["rows"]
    mine = [[int((ts - epoch) / datetime.timedelta(milliseconds=1)), k, v] for ts, k, v in got]
    assert mine == over_http, (mine[:3], over_http[:3])
    # the same through an unbuffered cursor, row by row
    cur = conn.cursor(pymysql.cursors.SSCursor)
    cur.execute("SELECT v FROM m")
    total = sum(r[0] for r in cur)
    assert total == sum(i + 0.5 for i in range(5000)), total
    print("many ok")


def case_errors(port, addr):
    """Errors arrive as pymysql's exception classes with MySQL's numbers."""
    conn = connect(port)
    cur = conn.cursor()
    cur.execute("CREATE TABLE e (ts TIMESTAMP TIME INDEX, v DOUBLE)")
    checks = [
        ("SELECT * FROM nosuch", pymysql.err.ProgrammingError, 1146),
        ("SELEC 1", pymysql.err.ProgrammingError, 1064),
        ("SELECT 1 +", pymysql.err.ProgrammingError, 1064),
        ("SELECT nocol FROM e", pymysql.err.OperationalError, 1054),
        ("CREATE TABLE e (ts TIMESTAMP TIME INDEX)", pymysql.err.OperationalError, 1050),
        ("SELECT @@no_such_variable", pymysql.err.OperationalError, 1193),
    ]
    for sql, cls, code in checks:
        try:
            cur.execute(sql)
        except cls as e:
            assert e.args[0] == code, (sql, e.args)
        else:
            raise AssertionError("no error for " + sql)
    # the connection goes on after every error
    cur.execute("SELECT 1")
    assert cur.fetchone() == (1,)
    print("errors ok")


def case_session(port, addr):
    """What drivers ask on connect, USE, and several statements at once."""
    conn = connect(port, client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
    cur = conn.cursor()
    cur.execute("SELECT @@session.auto_increment_increment AS auto_increment_increment, "
                "@@character_set_client, @@version_comment, DATABASE()")
    assert cur.fetchone() == (1, "utf8mb4", "GreptimeDB", "public")
    assert [d[0] for d in cur.description] == ["auto_increment_increment", "@@character_set_client",
                                               "@@version_comment", "DATABASE()"]
    cur.execute("SET NAMES utf8mb4")
    cur.execute("SET autocommit = 0")
    assert not conn.get_autocommit()
    cur.execute("SET autocommit = 1")
    assert conn.get_autocommit()
    cur.execute("SET time_zone = '+08:00'")
    cur.execute("SELECT @@time_zone")
    assert cur.fetchone() == ("+08:00",)
    cur.execute("CREATE DATABASE other")
    conn.select_db("other")
    cur.execute("SELECT DATABASE()")
    assert cur.fetchone() == ("other",)
    cur.execute("USE public")
    cur.execute("SELECT 1; SELECT 'two'")
    assert cur.fetchall() == ((1,),)
    assert cur.nextset()
    assert cur.fetchall() == (("two",),)
    assert not cur.nextset()
    conn.ping()
    print("session ok")


def case_auth(port, addr, user, password):
    """The right password gets in; a wrong one is refused with 1045."""
    conn = connect(port, user=user, password=password)
    cur = conn.cursor()
    cur.execute("SELECT 1")
    assert cur.fetchone() == (1,)
    try:
        connect(port, user=user, password=password + "x")
    except pymysql.err.OperationalError as e:
        assert e.args[0] == 1045, e.args
    else:
        raise AssertionError("a wrong password got in")
    print("auth ok")


if __name__ == "__main__":
    case = globals()["case_" + sys.argv[1]]
    case(*sys.argv[2:])
