SELECT timestamp '1970-01-01', TIMESTAMP '2017-07-23T13:10:11Z' + interval '1 day', '290309-12-22 (BC) 00:00:00'::timestamp;
SELECT timestamp
