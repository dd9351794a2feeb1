#!/usr/bin/env bats
# sql-ddl.bats - DDL and SHOW statements through gt-sql: table, column and
# database options kept across restarts (each gt-sql run reopens the data
# directory), SHOW COLUMNS / INDEX / CREATE / TABLE STATUS and their
# LIKE and WHERE filters.
load helper

@test "table options: WITH, database defaults, ALTER SET/UNSET survive a restart" {
	run -0 gt-sql --data-home "$T/d" "CREATE DATABASE mydb WITH (ttl='1h', 'memtable.type'='bulk');
CREATE TABLE mydb.t (h STRING, v DOUBLE, ts TIMESTAMP TIME INDEX, PRIMARY KEY(h)) WITH ('compaction.type'='twcs');
ALTER TABLE mydb.t SET 'max_row_group_row_count'='10'"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE mydb.t"
	assert_output --partial "|       | WITH(                             |
|       |   'compaction.override' = 'true', |
|       |   'compaction.type' = 'twcs',     |
|       |   max_row_group_row_count = '10', |
|       |   'memtable.type' = 'bulk',       |
|       |   ttl = '1h'                      |
|       | )                                 |"
	run -0 gt-sql --data-home "$T/d" "ALTER TABLE mydb.t UNSET 'max_row_group_row_count', 'memtable.type'"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE mydb.t"
	refute_output --partial "max_row_group_row_count"
	refute_output --partial "memtable.type"
	run -1 gt-sql --data-home "$T/d" "ALTER TABLE mydb.t SET 'max_row_group_row_count'='0'"
	assert_output "Error: 1004(InvalidArguments), Invalid set table option request: Invalid set region option request, key: max_row_group_row_count, value: 0"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE x (ts TIMESTAMP TIME INDEX) WITH (foo = 1)"
	assert_output "Error: 1004(InvalidArguments), Unrecognized table option key: foo"
}

@test "database options: SHOW CREATE DATABASE, SHOW FULL DATABASES, ALTER DATABASE" {
	run -0 gt-sql --data-home "$T/d" "CREATE DATABASE mydb WITH (ttl='2 days', 'compaction.type'='twcs')"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE DATABASE mydb; SHOW FULL DATABASES LIKE 'my%'"
	assert_output "+----------+------------------------------------+
| Database | Create Database                    |
+----------+------------------------------------+
| mydb     | CREATE DATABASE IF NOT EXISTS mydb |
|          | WITH(                              |
|          |   'compaction.type' = 'twcs',      |
|          |   ttl = '2days'                    |
|          | )                                  |
+----------+------------------------------------+

+----------+--------------------------+
| Database | Options                  |
+----------+--------------------------+
| mydb     | 'ttl'='2 days'           |
|          | 'compaction.type'='twcs' |
|          |                          |
+----------+--------------------------+"
	run -0 gt-sql --data-home "$T/d" "ALTER DATABASE mydb UNSET 'compaction.type'; ALTER DATABASE mydb SET ttl = '1h'"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE DATABASE mydb"
	assert_output --partial "|          |   ttl = '1h'                       |"
	refute_output --partial "compaction"
	run -1 gt-sql --data-home "$T/d" "SHOW CREATE DATABASE nope"
	assert_output "Error: 4004(DatabaseNotFound), Database not found: nope"
}

@test "column index options are kept and shown by SHOW CREATE TABLE and SHOW INDEX" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (a STRING INVERTED INDEX, b STRING SKIPPING INDEX WITH (granularity = '8192'), m STRING FULLTEXT INDEX WITH (case_sensitive = 'true'), ts TIMESTAMP TIME INDEX DEFAULT now(), PRIMARY KEY(a, b))"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE t"
	assert_output --partial '"a" STRING NULL INVERTED INDEX,'
	assert_output --partial "\"b\" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '8192', type = 'BLOOM'),"
	assert_output --partial "\"m\" STRING NULL FULLTEXT INDEX WITH(analyzer = 'English', backend = 'bloom', case_sensitive = 'true', false_positive_rate = '0.01', granularity = '10240'),"
	assert_output --partial '"ts" TIMESTAMP(3) NOT NULL DEFAULT now(),'
	run -0 gt-sql --data-home "$T/d" "SHOW INDEX FROM t WHERE Non_unique = '1'"
	assert_output "+-------+------------+------------------+--------------+-------------+-----------+-------------+----------+--------+------+------------+---------+---------------+---------+------------+
| Table | Non_unique | Key_name         | Seq_in_index | Column_name | Collation | Cardinality | Sub_part | Packed | Null | Index_type | Comment | Index_comment | Visible | Expression |
+-------+------------+------------------+--------------+-------------+-----------+-------------+----------+--------+------+------------+---------+---------------+---------+------------+
| t     | 1          | FULLTEXT_INDEX_m | 1            | m           | A         |             |          |        | YES  | FULLTEXT   |         |               | YES     |            |
| t     | 1          | INVERTED_INDEX_a | 1            | a           | A         |             |          |        | YES  | INVERTED   |         |               | YES     |            |
| t     | 1          | SKIPPING_INDEX_b | 1            | b           | A         |             |          |        | YES  | SKIPPING   |         |               | YES     |            |
| t     | 1          | TIME INDEX       | 1            | ts          | A         |             |          |        |      | TIME       |         |               | YES     |            |
+-------+------------+------------------+--------------+-------------+-----------+-------------+----------+--------+------+------------+---------+---------------+---------+------------+"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE bad (v DOUBLE FULLTEXT INDEX, ts TIMESTAMP TIME INDEX)"
	assert_output "Error: 1004(InvalidArguments), Invalid column option, column name: v, error: FULLTEXT index only supports string type"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE bad (v STRING SKIPPING INDEX WITH (nope = '1'), ts TIMESTAMP TIME INDEX)"
	assert_output "Error: 1004(InvalidArguments), Invalid column option, column name: v, error: invalid SKIPPING INDEX option: nope"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE bad (ts TIMESTAMP TIME INDEX DEFAULT now)"
	assert_output "Error: 1001(Unsupported), Unsupported default constraint for column: 'ts', reason: expr 'now' not supported"
}

@test "SHOW COLUMNS, SHOW TABLE STATUS, CREATE TABLE LIKE" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (host STRING PRIMARY KEY, cpu DOUBLE, ts TIMESTAMP TIME INDEX); CREATE TABLE u LIKE t"
	run -0 gt-sql --data-home "$T/d" "SHOW COLUMNS FROM u WHERE Key = 'PRI' OR Field = 'cpu'"
	assert_output "+-------+--------+------+-----+---------+-------+---------------+
| Field | Type   | Null | Key | Default | Extra | Greptime_type |
+-------+--------+------+-----+---------+-------+---------------+
| cpu   | double | YES  |     |         |       | Float64       |
| host  | string | YES  | PRI |         |       | String        |
+-------+--------+------+-----+---------+-------+---------------+"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE u LIKE t"
	assert_output "Error: 4000(TableAlreadyExists), Table already exists: \`greptime.public.u\`"
	run -1 gt-sql --data-home "$T/d" "SHOW COLUMNS"
	assert_output "Error: 2000(InvalidSyntax), Unexpected token while parsing SQL statement, expected: '{FROM | IN} table', found: ;"
	run -0 gt-sql --data-home "$T/d" "SHOW TABLE STATUS LIKE 'u'"
	assert_output --partial "| u    | mito   | 11      | Fixed      |"
	run -0 gt-sql --data-home "$T/d" "USE information_schema; SHOW TABLES LIKE 'col%'"
	assert_output "Affected Rows: 0

+---------------------------------------+
| Tables_in_information_schema          |
+---------------------------------------+
| collation_character_set_applicability |
| collations                            |
| column_privileges                     |
| column_statistics                     |
| columns                               |
+---------------------------------------+"
}

@test "information_schema tables answer ordinary SELECTs and refuse writes" {
	run -0 gt-sql --data-home "$T/d" "CREATE DATABASE abc WITH (ttl = '1h'); CREATE TABLE abc.t (h STRING PRIMARY KEY, m STRING SKIPPING INDEX, ts TIMESTAMP TIME INDEX)"
	run -0 gt-sql --data-home "$T/d" "SELECT table_schema, table_name, table_type, engine FROM information_schema.tables WHERE table_schema NOT IN ('information_schema') ORDER BY table_schema DESC"
	assert_output "+--------------+------------+-----------------+-------------+
| table_schema | table_name | table_type      | engine      |
+--------------+------------+-----------------+-------------+
| public       | numbers    | LOCAL TEMPORARY | test_engine |
| abc          | t          | BASE TABLE      | mito        |
+--------------+------------+-----------------+-------------+"
	run -0 gt-sql --data-home "$T/d" "SELECT index_name, seq_in_index, column_name, greptime_index_type FROM information_schema.statistics WHERE table_schema = 'abc' ORDER BY index_name"
	assert_output "+------------------+--------------+-------------+---------------------+
| index_name       | seq_in_index | column_name | greptime_index_type |
+------------------+--------------+-------------+---------------------+
| PRIMARY          | 1            | h           | dense               |
| SKIPPING_INDEX_m | 1            | m           | bloom_filter        |
| TIME INDEX       | 1            | ts          |                     |
+------------------+--------------+-------------+---------------------+"
	run -0 gt-sql --data-home "$T/d" "SELECT column_name, ordinal_position, column_key, semantic_type, data_type, greptime_data_type, is_nullable, character_maximum_length, datetime_precision FROM information_schema.columns WHERE table_schema = 'abc' AND table_name = 't' ORDER BY ordinal_position"
	assert_output "+-------------+------------------+------------+---------------+--------------+----------------------+-------------+--------------------------+--------------------+
| column_name | ordinal_position | column_key | semantic_type | data_type    | greptime_data_type   | is_nullable | character_maximum_length | datetime_precision |
+-------------+------------------+------------+---------------+--------------+----------------------+-------------+--------------------------+--------------------+
| h           | 1                | PRI        | TAG           | string       | String               | YES         | 2147483647               |                    |
| m           | 2                |            | FIELD         | string       | String               | YES         | 2147483647               |                    |
| ts          | 3                | TIME INDEX | TIMESTAMP     | timestamp(3) | TimestampMillisecond | NO          |                          | 3                  |
+-------------+------------------+------------+---------------+--------------+----------------------+-------------+--------------------------+--------------------+"
	run -0 gt-sql --data-home "$T/d" "SELECT schema_name, options FROM information_schema.schemata WHERE schema_name LIKE 'a%'"
	assert_output --partial "| abc         | 'ttl'='1h' |"
	run -1 gt-sql --data-home "$T/d" "DROP TABLE information_schema.tables"
	assert_output "Error: 1001(Unsupported), Schema \`information_schema\` is read-only"
	run -1 gt-sql --data-home "$T/d" "DELETE FROM information_schema.tables"
	assert_output "Error: 1001(Unsupported), Cannot change read-only table: tables"
}

@test "ADMIN's header is the call without the space before its parenthesis" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE t (ts TIMESTAMP TIME INDEX); ADMIN flush_table ('t')"
	assert_output --partial "| ADMIN flush_table('t') |"
}

@test "TRUNCATE ... FILE RANGE drops only the files inside the ranges, durably" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE m (ts TIMESTAMP TIME INDEX, h STRING PRIMARY KEY, v DOUBLE);
INSERT INTO m VALUES (1000, 'a', 1), (2000, 'b', 2); ADMIN flush_table('m');
INSERT INTO m VALUES (5000, 'c', 3); ADMIN flush_table('m');
INSERT INTO m VALUES (9000, 'd', 4)"
	run -0 gt-sql --data-home "$T/d" "TRUNCATE m FILE RANGE (0, 3000), (4000, 5000)"
	assert_output "Affected Rows: 0"
	run -0 gt-sql --data-home "$T/d" "SELECT h FROM m ORDER BY h"
	assert_output "+---+
| h |
+---+
| c |
| d |
+---+"
	run -1 gt-sql --data-home "$T/d" "TRUNCATE m FILE RANGE (0)"
	assert_output --partial "Error: 2000(InvalidSyntax)"
}

@test "ENGINE=metric: a physical metric table keeps its engine across a restart and refuses direct writes" {
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE phy (ts TIMESTAMP TIME INDEX, val DOUBLE, label STRING PRIMARY KEY) ENGINE=metric WITH (physical_metric_table = '')"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE phy"
	assert_output --partial "| ENGINE=metric                      |"
	assert_output --partial "|   physical_metric_table = ''       |"
	run -1 gt-sql --data-home "$T/d" "INSERT INTO phy VALUES (0, 1.0, 'a')"
	assert_output "Error: 1001(Unsupported), Write request to physical region is forbidden"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t2 (ts TIMESTAMP TIME INDEX) ENGINE=nope"
	assert_output "Error: 1004(InvalidArguments), Table engine not found: nope"
}

@test "ENGINE=metric: logical tables on a physical table, as GreptimeDB shows them" {
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t1 (ts TIMESTAMP TIME INDEX, val DOUBLE) ENGINE=metric WITH (on_physical_table = 'phy')"
	assert_output "Error: 4001(TableNotFound), Table not found: __table_name/greptime/public/phy"
	run -0 gt-sql --data-home "$T/d" "CREATE TABLE phy (ts TIMESTAMP TIME INDEX, val DOUBLE) ENGINE=metric WITH (physical_metric_table = '', 'index.type' = 'skipping');
CREATE TABLE t1 (ts TIMESTAMP TIME INDEX, val DOUBLE, host STRING PRIMARY KEY) ENGINE=metric WITH (on_physical_table = 'phy')"
	# columns in name order, so a positional INSERT reads host, ts, val
	run -0 gt-sql --data-home "$T/d" "INSERT INTO t1 VALUES ('a', 0, 1), ('b', 0, 2);
SELECT * FROM t1 ORDER BY host"
	assert_output "Affected Rows: 2

+------+---------------------+-----+
| host | ts                  | val |
+------+---------------------+-----+
| a    | 1970-01-01T00:00:00 | 1.0 |
| b    | 1970-01-01T00:00:00 | 2.0 |
+------+---------------------+-----+"
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '1s') sum(t1)"
	assert_output --partial "| 1970-01-01T00:00:00 | 3.0         |"
	# GreptimeDB's planner projects a logical table: fields, tags, time index
	run -0 gt-sql --data-home "$T/d" "TQL EVAL (0, 0, '1s') t1"
	assert_line "| val | host | ts                  |"
	# the physical table shows the engine's columns and its logical tables' tags
	run -0 gt-sql --data-home "$T/d" "DESC phy"
	assert_output --partial "| __table_id | UInt32               | PRI | NO   |         | TAG           |
| __tsid     | UInt64               | PRI | NO   |         | TAG           |
| host       | String               | PRI | YES  |         | TAG           |"
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE phy"
	refute_output --partial "__tsid"
	assert_output --partial '"host" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '"'0.01'"', granularity = '"'10240'"', type = '"'BLOOM'"'),'
	run -0 gt-sql --data-home "$T/d" "SHOW CREATE TABLE t1"
	assert_output --partial "|       |   on_physical_table = 'phy'       |"
	run -0 gt-sql --data-home "$T/d" "SELECT table_name, engine FROM information_schema.tables WHERE engine = 'metric' ORDER BY table_name"
	assert_output --partial "| phy        | metric |
| t1         | metric |"
	# the metric engine's checks
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t3 (ts TIMESTAMP TIME INDEX, val STRING) ENGINE=metric WITH (on_physical_table = 'phy')"
	assert_output "Error: 1004(InvalidArguments), Column type mismatch. Expect Float64(Float64Type), got String(StringType { size_type: Utf8 })"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t3 (ts TIMESTAMP TIME INDEX, val DOUBLE, n BIGINT PRIMARY KEY) ENGINE=metric WITH (on_physical_table = 'phy')"
	assert_output "Error: 1004(InvalidArguments), Column type mismatch. Expect String(StringType { size_type: Utf8 }), got Int64(Int64Type)"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t3 (ts TIMESTAMP TIME INDEX, v DOUBLE) ENGINE=metric WITH (on_physical_table = 'phy')"
	assert_output "Error: 1004(InvalidArguments), Adding field column v to physical table"
	run -1 gt-sql --data-home "$T/d" "CREATE TABLE t3 (ts TIMESTAMP(6) TIME INDEX, val DOUBLE) ENGINE=metric WITH (on_physical_table = 'phy')"
	assert_output "Error: 1004(InvalidArguments), Unexpected request: Metric has differenttime unit (Microsecond) than the physical region (Millisecond)"
	run -1 gt-sql --data-home "$T/d" "ALTER TABLE t1 SET ttl = '1h'"
	assert_output "Error: 1004(InvalidArguments), Alter logical tables invalid arguments: Only support add columns operation"
	run -0 gt-sql --data-home "$T/d" "ALTER TABLE t1 ADD COLUMN k STRING PRIMARY KEY;
DESC phy"
	assert_output --partial "| k          | String               | PRI | YES  |         | TAG           |"
	run -1 gt-sql --data-home "$T/d" "DROP TABLE phy"
	assert_output "Error: 1004(InvalidArguments), Physical region is busy, there are still some logical regions using it"
	run -0 gt-sql --data-home "$T/d" "DROP TABLE t1, phy;
SHOW TABLES"
	refute_output --partial "phy"
	run -1 gt-sql --data-home "$T/d" "DESC TABLE t1"
	assert_output "Error: 4001(TableNotFound), Table not found: t1"
}
