CREATE TABLE t (a INT, b STRING, ts TIMESTAMP TIME INDEX, PRIMARY KEY(a, b)) PARTITION ON COLUMNS (a, b) (a < 10, a = 10 AND b < 'a''b', a = 10 AND b >= 'a''b', a > 10 OR a = -1);
INSERT INTO t VALUES (1, 'x', 1), (10, 'z', 2);
SELECT * FROM information_schema.partitions;
