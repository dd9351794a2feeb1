#!/usr/bin/python3
"""lp2rw.py - line protocol (gt-tsbs-gen's, time-ordered) on stdin to
Prometheus remote write, the same requests to every receiver in turn.

  lp2rw.py [--batch 5000] HOST:PORT/PATH...

Each field becomes the series MEASUREMENT_FIELD with the tags as labels
(cpu,hostname=h usage_user=1 -> cpu_usage_user{hostname="h"}), as
VictoriaMetrics and Telegraf name them; nanosecond times become ms.
Requests hold about --batch samples each, cut at whole timestamps so
every series is sent in time order.  Prints "samples=N requests=R" and,
per receiver, "HOST:PORT/PATH seconds=S" (the time spent in its requests).
Used by scripts/gt-bench-prom to load the same TSBS data everywhere.
"""
import sys
import time

import promdata


def parse(line):
    head, fields, ts = line.rsplit(" ", 2)
    parts = head.split(",")
    meas = parts[0]
    tags = [tuple(p.split("=", 1)) for p in parts[1:]]
    t = int(ts) // 1000000
    out = []
    for f in fields.split(","):
        k, v = f.split("=", 1)
        out.append(((("__name__", meas + "_" + k),) + tuple(tags), t, float(v.rstrip("i"))))
    return t, out


def main():
    args = sys.argv[1:]
    batch = 5000
    if len(args) >= 2 and args[0] == "--batch":
        batch = int(args[1])
        args = args[2:]
    if not args:
        print("usage: lp2rw.py [--batch N] HOST:PORT/PATH...", file=sys.stderr)
        return 100
    writers = []
    for a in args:
        hp, _, path = a.partition("/")
        writers.append(promdata.Writer(hp, "/" + path))
    bodies, cur, ncur, last_t, nsamp = [], {}, 0, None, 0
    labsort = {}

    def flush():
        nonlocal cur, ncur
        if cur:
            series = [(labsort.setdefault(k, tuple(sorted(k))), pts) for k, pts in cur.items()]
            bodies.append(promdata.snappy_compress(promdata.encode_write_request(series)))
        cur, ncur = {}, 0

    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        t, samples = parse(line)
        if t != last_t and ncur >= batch:
            flush()
        last_t = t
        for k, tt, v in samples:
            cur.setdefault(k, []).append((tt, v))
            ncur += 1
            nsamp += 1
    flush()
    print("samples=%d requests=%d" % (nsamp, len(bodies)))
    for a, w in zip(args, writers):
        t0 = time.time()
        for b in bodies:
            w.send(b)
        print("%s seconds=%.2f" % (a, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
