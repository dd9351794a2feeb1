SELECT approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY x DESC), string_agg(DISTINCT s, ',' ORDER BY s) FROM t;
