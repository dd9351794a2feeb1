#!/usr/bin/env bats
# The Prometheus HTTP query API under /v1/prometheus/api/v1/ (promapi.h)
# over tables written by line protocol and SQL (promstore.h): the exact
# envelopes and texts of Prometheus 2.42, its parameter errors, and
# promtool against the running server.

load helper

# req CURL-ARGS...: prints the HTTP status; the body is in $T/body.
req() {
	curl -sS -o "$T/body" -w '%{http_code}' "$@"
}

lp() { # DB LINES: line protocol at second precision
	curl -sS -f -XPOST "http://$ADDR/v1/influxdb/write?db=$1&precision=s" --data-binary "$2"
}

sql() {
	curl -sS -f "http://$ADDR/v1/sql" --data-urlencode "sql=$1" > /dev/null
}

# Two tables by line protocol: cpu with two fields and a host that lacks dc.
ingest() {
	lp public 'cpu,host=a,dc=x usage_user=1.5,usage_system=2i 1700000000
cpu,host=b usage_user=3,usage_system=4i 1700000000
cpu,host=a,dc=x usage_user=2.5,usage_system=5i 1700000015
mem,host=a used=10 1700000000'
}


@test "an instant query: the vector envelope, labels sorted, the first field by default" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	ingest
	run req "$P/query?query=cpu&time=1700000020"
	assert_output 200
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"cpu","dc":"x","host":"a"},"value":[1700000020,"2.5"]},{"metric":{"__name__":"cpu","host":"b"},"value":[1700000020,"3"]}]}}'
	# past the 5 minute lookback nothing is left
	run req "$P/query?query=cpu&time=1700000400"
	assert_output 200
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[]}}'
	stop_front
}

@test "__field__ picks a field column; an integer field reads as floats; an unknown field or metric is empty" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	ingest
	req "$P/query" --data-urlencode 'query=cpu{__field__="usage_system",host="b"}' --data-urlencode time=1700000020
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"cpu","host":"b"},"value":[1700000020,"4"]}]}}'
	req "$P/query" --data-urlencode 'query=cpu{__field__="nope"}' --data-urlencode time=1700000020
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[]}}'
	req "$P/query" --data-urlencode 'query=no_such_metric' --data-urlencode time=1700000020
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[]}}'
	stop_front
}

@test "query_range: matrix, steps, fractional timestamps; GET and POST forms agree" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	ingest
	run req "$P/query_range?query=cpu%7Bhost%3D%22a%22%7D&start=1700000000&end=1700000030&step=15"
	assert_output 200
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"cpu","dc":"x","host":"a"},"values":[[1700000000,"1.5"],[1700000015,"2.5"],[1700000030,"2.5"]]}]}}'
	get=$(cat "$T/body")
	run req -XPOST "$P/query_range" --data-urlencode 'query=cpu{host="a"}' -d start=2023-11-14T22:13:20Z -d end=1700000030 -d step=15s
	assert_output 200
	run cat "$T/body"
	assert_output "$get"
	# 1.5 s steps: milliseconds print with three decimals
	run req "$P/query_range?query=mem&start=1700000000&end=1700000003&step=1.5"
	assert_output 200
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"mem","host":"a"},"values":[[1700000000,"10"],[1700000001.500,"10"],[1700000003,"10"]]}]}}'
	stop_front
}

@test "times: RFC 3339 with a zone and fractions, unix seconds rounded to the millisecond as Prometheus rounds" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	ingest
	req "$P/query" --data-urlencode 'query=mem' --data-urlencode 'time=2023-11-14T23:13:20.5+01:00'
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"mem","host":"a"},"value":[1700000000.500,"10"]}]}}'
	# .0015 rounds to .002 s, and 0.002 * 1e9 truncates to 1999999 ns: Prometheus 2.42 says .001 too
	req "$P/query" --data-urlencode 'query=mem' --data-urlencode 'time=1700000000.0015'
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"mem","host":"a"},"value":[1700000000.001,"10"]}]}}'
	req "$P/query" --data-urlencode 'query=mem' --data-urlencode 'time=1700000000.0025'
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"mem","host":"a"},"value":[1700000000.003,"10"]}]}}'
	stop_front
}

@test "bad parameters: Prometheus's errorType and words with 400" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	run req "$P/query?query=mem&time=abc"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"time\": Invalid time value for '"'"'time'"'"': cannot parse \"abc\" to a valid timestamp"}'
	run req "$P/query_range?query=mem&start=1&end=2"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": cannot parse \"\" to a valid duration"}'
	run req "$P/query_range?query=mem&end=2&step=1"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"start\": cannot parse \"\" to a valid timestamp"}'
	run req "$P/query_range?query=mem&start=3&end=2&step=1"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"end\": end timestamp must not be before start time"}'
	run req "$P/query_range?query=mem&start=1&end=2&step=0"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer"}'
	run req "$P/query_range?query=mem&start=1&end=2&step=1e300"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": cannot parse \"1e300\" to a valid duration. It overflows int64"}'
	run req "$P/query_range?query=mem&start=1&end=2&step=1&timeout=xx"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"timeout\": cannot parse \"xx\" to a valid duration"}'
	run req "$P/query"
	assert_output 400
	run grep -c '^{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:1: parse error: ' "$T/body"
	assert_output 1
	# Prometheus 3's name for holt_winters is TQL's alone: 2.42 does not know it
	run req "$P/query?query=double_exponential_smoothing(mem%5B1m%5D,0.5,0.5)&time=1"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:1: parse error: unknown function with name \"double_exponential_smoothing\""}'
	stop_front
}

@test "timeout: an expired query answers 503 timeout, as Prometheus; a bad timeout is 400" {
	start_front
	ingest
	P="http://$ADDR/v1/prometheus/api/v1"
	run req "$P/query?query=sum(cpu)&time=1700000015&timeout=0s"
	assert_output 503
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}'
	run req "$P/query_range?query=sum(cpu)&start=1700000000&end=1700000015&step=5&timeout=0.0000001"
	assert_output 503
	run req "$P/query?query=sum(cpu)&time=1700000015&timeout=30s"
	assert_output 200
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000015,"5.5"]}]}}'
	run req "$P/query?query=sum(cpu)&timeout=-1s"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"timeout\": cannot parse \"-1s\" to a valid duration"}'
	stop_front
}

@test "metadata: an empty map (Grafana's metric browser asks; gt keeps no TYPE or HELP)" {
	start_front
	run curl -sS "http://$ADDR/v1/prometheus/api/v1/metadata"
	assert_output '{"status":"success","data":{}}'
	stop_front
}

@test "11,000 points per series: the boundary passes, one more is refused" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	run req "$P/query_range?query=mem&start=1&end=11001&step=1"
	assert_output 200
	run req "$P/query_range?query=mem&start=1&end=11002&step=1"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}'
	run req "$P/query_range?query=mem&start=0&end=11000&step=1m"
	assert_output 200
	stop_front
}

@test "series: several match[], a name regex over tables, start/end; errors as Prometheus's" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	ingest
	run req "$P/series?match[]=mem&match[]=cpu"
	assert_output 200
	run cat "$T/body"
	assert_output '{"status":"success","data":[{"__name__":"cpu","dc":"x","host":"a"},{"__name__":"cpu","host":"b"},{"__name__":"mem","host":"a"}]}'
	req -XPOST "$P/series" --data-urlencode 'match[]={__name__=~"c.*|m.*",host="a"}' --data-urlencode 'match[]=mem'
	run cat "$T/body"
	assert_output '{"status":"success","data":[{"__name__":"cpu","dc":"x","host":"a"},{"__name__":"mem","host":"a"}]}'
	# the second cpu sample of host a is the only one after 1700000010
	req "$P/series" --data-urlencode 'match[]={host=~".+"}' -d start=1700000010 -G
	run cat "$T/body"
	assert_output '{"status":"success","data":[{"__name__":"cpu","dc":"x","host":"a"}]}'
	run req "$P/series"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"no match[] parameter provided"}'
	run req -G "$P/series" --data-urlencode 'match[]={host=~".*"}'
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"match[]\": match[] must contain at least one non-empty matcher"}'
	run req "$P/series?match[]=mem&start=abc"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid parameter \"start\": Invalid time value for '"'"'start'"'"': cannot parse \"abc\" to a valid timestamp"}'
	stop_front
}

@test "labels and label values, with and without match[]" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	ingest
	req "$P/labels"
	run cat "$T/body"
	assert_output '{"status":"success","data":["__name__","dc","host"]}'
	req "$P/labels?match[]=mem"
	run cat "$T/body"
	assert_output '{"status":"success","data":["__name__","host"]}'
	req "$P/label/host/values"
	run cat "$T/body"
	assert_output '{"status":"success","data":["a","b"]}'
	req "$P/label/dc/values?match[]=cpu"
	run cat "$T/body"
	assert_output '{"status":"success","data":["x"]}'
	req "$P/label/__name__/values"
	run cat "$T/body"
	assert_output '{"status":"success","data":["cpu","mem"]}'
	req "$P/label/nope/values"
	run cat "$T/body"
	assert_output '{"status":"success","data":[]}'
	run req "$P/label/1abc/values"
	assert_output 400
	run cat "$T/body"
	assert_output '{"status":"error","errorType":"bad_data","error":"invalid label name: \"1abc\""}'
	# start and end narrow them to the series with samples in the range
	lp public 'old,host=c,rack=r1 v=1 1600000000'
	req "$P/labels"
	run cat "$T/body"
	assert_output '{"status":"success","data":["__name__","dc","host","rack"]}'
	req "$P/labels?start=1699999999"
	run cat "$T/body"
	assert_output '{"status":"success","data":["__name__","dc","host"]}'
	req "$P/labels?end=1600000001"
	run cat "$T/body"
	assert_output '{"status":"success","data":["__name__","host","rack"]}'
	req "$P/label/__name__/values?start=1699999999&end=1700000001"
	run cat "$T/body"
	assert_output '{"status":"success","data":["cpu","mem"]}'
	req "$P/label/__name__/values?start=1500000000&end=1600000000"
	run cat "$T/body"
	assert_output '{"status":"success","data":["old"]}'
	req "$P/label/host/values?start=1500000000&end=1600000000"
	run cat "$T/body"
	assert_output '{"status":"success","data":["c"]}'
	stop_front
}

@test "db= names the database; SQL tables: nanosecond time index in ms, NULL and empty tags absent, several fields" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	sql 'CREATE DATABASE other'
	lp other 'disk,host=z free=7 1700000000'
	sql 'CREATE TABLE t (ts TIMESTAMP(9) TIME INDEX, h STRING, z STRING, a DOUBLE, b BIGINT, PRIMARY KEY (h, z))'
	sql "INSERT INTO t VALUES (1700000000123456789, 'h1', NULL, 1, 10), (1700000000123999999, 'h1', NULL, 2, 20), (1700000001000000000, '', 'q', 3, 30)"
	req -G "$P/query_range" --data-urlencode 'query=disk' -d db=other -d start=1700000000 -d end=1700000000 -d step=1
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"disk","host":"z"},"values":[[1700000000,"7"]]}]}}'
	req -G "$P/query_range" --data-urlencode 'query=disk' -d start=1700000000 -d end=1700000000 -d step=1
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"matrix","result":[]}}'
	# two rows in one millisecond: the last one; the first numeric field (a)
	req -G "$P/query" --data-urlencode 'query=t[10s]' -d time=1700000002
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"t","h":"h1"},"values":[[1700000000.123,"2"]]},{"metric":{"__name__":"t","z":"q"},"values":[[1700000001,"3"]]}]}}'
	req -G "$P/query" --data-urlencode 'query=t{z="",__field__="b"}' -d time=1700000002
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"t","h":"h1"},"value":[1700000002,"20"]}]}}'
	stop_front
}

@test "a NULL field value is no sample to the API, where TQL over the same table selects it" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	sql "CREATE TABLE pm(ts TIMESTAMP(3) TIME INDEX, cpu STRING, val DOUBLE, PRIMARY KEY(cpu))"
	sql "INSERT INTO pm VALUES (0, 'c1', 1), (0, 'c2', 20), (10000, 'c1', 2), (10000, 'c2', NULL)"
	# Prometheus 2.42: the NULL row is not there, lookback finds the 20, and c2 counts 1
	req "$P/query_range" --data-urlencode 'query=pm{cpu="c2"}' -d start=0 -d end=10 -d step=10
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"pm","cpu":"c2"},"values":[[0,"20"],[10,"20"]]}]}}'
	req "$P/query_range" --data-urlencode 'query=count by (cpu) (pm)' -d start=10 -d end=10 -d step=10
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"cpu":"c1"},"values":[[10,"1"]]},{"metric":{"cpu":"c2"},"values":[[10,"1"]]}]}}'
	# TQL: the NULL masks the 20, and c2 counts 0
	curl -sS -f "http://$ADDR/v1/sql" --data-urlencode "sql=TQL EVAL (10, 10, '1s') count by (cpu) (pm)" > "$T/body"
	run python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["output"][0]["records"]["rows"], separators=(",", ":")))' < "$T/body"
	assert_output '[["c1",10000,1],["c2",10000,0]]'
	stop_front
}

@test "sample values print as Prometheus prints them" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	lp public 'v,k=a x=1e21 1700000000
v,k=b x=1e-7 1700000000
v,k=c x=123456789.123 1700000000
v,k=d x=-0.0 1700000000
v,k=e x=0.000001 1700000000
v,k=f x=-2.5e22 1700000000
v,k=g x=100 1700000000'
	req -G "$P/query" --data-urlencode 'query=v' -d time=1700000000
	run cat "$T/body"
	assert_output '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"v","k":"a"},"value":[1700000000,"1e+21"]},{"metric":{"__name__":"v","k":"b"},"value":[1700000000,"1e-07"]},{"metric":{"__name__":"v","k":"c"},"value":[1700000000,"123456789.123"]},{"metric":{"__name__":"v","k":"d"},"value":[1700000000,"-0"]},{"metric":{"__name__":"v","k":"e"},"value":[1700000000,"0.000001"]},{"metric":{"__name__":"v","k":"f"},"value":[1700000000,"-2.5e+22"]},{"metric":{"__name__":"v","k":"g"},"value":[1700000000,"100"]}]}}'
	stop_front
}

@test "label values are escaped as Go escapes them" {
	start_front
	P="http://$ADDR/v1/prometheus/api/v1"
	lp public 'esc,k=<a&b>"q" x=1 1700000000'
	req -G "$P/series" --data-urlencode 'match[]=esc'
	run cat "$T/body"
	assert_output '{"status":"success","data":[{"__name__":"esc","k":"\u003ca\u0026b\u003e\"q\""}]}'
	stop_front
}

@test "promtool query instant, range, series and labels" {
	command -v promtool >/dev/null || skip "no promtool"
	start_front
	U="http://$ADDR/v1/prometheus"
	ingest
	run -0 promtool query instant "$U" 'cpu' --time=1700000020
	assert_output 'cpu{dc="x", host="a"} => 2.5 @[1700000020]
cpu{host="b"} => 3 @[1700000020]'
	run -0 promtool query range "$U" 'cpu{host="a"}' --start=1700000000 --end=1700000030 --step=15s
	assert_output 'cpu{dc="x", host="a"} =>
1.5 @[1700000000]
2.5 @[1700000015]
2.5 @[1700000030]'
	run -0 promtool query series "$U" --match=cpu --match=mem --start=1600000000 --end=1800000000
	assert_output '{__name__="cpu", dc="x", host="a"}
{__name__="cpu", host="b"}
{__name__="mem", host="a"}'
	run -0 promtool query labels "$U" host --start=1600000000 --end=1800000000
	assert_output 'a
b'
	stop_front
}
