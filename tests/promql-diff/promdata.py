"""promdata.py - deterministic samples for the PromQL differential suite,
and a Prometheus remote-write 1.0 client to push them (no dependencies
beyond the standard library; libsnappy through ctypes when present).

The series are the ones the PromQL compliance suite expects from the
demo service (../shared/conformance/promql-compliance/README.md): job
"demo", instances demo.promlabs.com:10000-10002, one scrape every 15 s
per instance (each instance at its own offset, with a few ms of jitter,
as real scrapes are):

  demo_memory_usage_bytes{type}            gauges
  demo_num_cpus                            gauge, changes once on :10001
  demo_cpu_usage_seconds_total{mode}       counters that reset
  demo_disk_usage_bytes, _total_bytes      usage grows and wraps
  demo_api_request_duration_seconds        classic histogram (method, path,
                                           status): _bucket{le}, _sum, _count
  demo_api_http_requests_in_progress       gauge
  demo_batch_*                             batch job gauges (timestamps)
  demo_intermittent_metric                 only in even minutes; the first
                                           scrape of an odd minute writes a
                                           staleness marker, as Prometheus does
demo_aligned_value is ours: exactly on the 15 s grid (no offset, no
jitter), so that range windows and the lookback end exactly on samples,
with a 5 minute gap near the end.
Also missing scrapes: demo_num_cpus on :10002 has a 2 minute gap, and
demo_disk_usage_bytes on :10001 a 7 minute one (longer than the 5 m
lookback), neither with a marker (the scraper itself was down).

Values are a function of the sample's index and series only, so two
runs with the same base time give the same bytes.  Times are ms.
"""
import ctypes
import ctypes.util
import http.client
import random
import struct

STEP_MS = 15000
HOST = "demo.promlabs.com"
INSTANCES = ["%s:%d" % (HOST, p) for p in (10000, 10001, 10002)]
STALE_NAN = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000002))[0]
BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]


def _labels(name, inst, **kw):
    d = {"__name__": name, "job": "demo", "instance": inst}
    d.update(kw)
    return tuple(sorted(d.items()))


class Series:
    """One series: its labels and a function of the scrape index that
    returns a value, or None when the scrape does not have it."""

    exact = False  # True: on the 15 s grid exactly, no jitter

    def __init__(self, labels, fn):
        self.labels = labels
        self.fn = fn


def demo_series():
    out = []
    for ii, inst in enumerate(INSTANCES):
        r = random.Random("mem%d" % ii)
        base = {"used": 2.1e9, "cached": 6.4e8, "buffers": 1.3e8, "free": 5.2e9}
        noise = [r.random() for _ in range(2000)]
        for k, (typ, b) in enumerate(sorted(base.items())):
            out.append(Series(_labels("demo_memory_usage_bytes", inst, type=typ),
                              lambda i, b=b, k=k, ii=ii, nz=noise:
                              round(b * (1 + 0.05 * ii) + 1e7 * (nz[(i + 7 * k) % 2000] - 0.5) + 3e4 * (i % 40))))
        cpus = (4, 8, 2)[ii]
        out.append(Series(_labels("demo_num_cpus", inst),
                          lambda i, ii=ii, cpus=cpus: None if ii == 2 and 300 <= i < 308
                          else float(cpus * 2 if ii == 1 and i >= 380 else cpus)))
        # Counters: each mode's rate differs; resets at fixed indexes.
        resets = {0: (), 1: (200,), 2: (333, 401)}[ii]
        for k, (mode, rate) in enumerate((("idle", 3.1), ("system", 0.37), ("user", 1.13))):
            r = random.Random("cpu%d%s" % (ii, mode))
            vals, acc = [], 17.0 * (ii + 1) + k
            for i in range(2000):
                if i in resets:
                    acc = 0.0
                acc += STEP_MS / 1000 * rate * (0.5 + r.random())
                vals.append(round(acc, 3))
            out.append(Series(_labels("demo_cpu_usage_seconds_total", inst, mode=mode),
                              lambda i, vals=vals: vals[i]))
        total = 1.0e11 + 1.0e10 * ii
        out.append(Series(_labels("demo_disk_total_bytes", inst), lambda i, total=total: total))
        out.append(Series(_labels("demo_disk_usage_bytes", inst),
                          lambda i, total=total, ii=ii: None if ii == 1 and 250 <= i < 278
                          else float((3.0e10 + 4.1e8 * (i + 97 * ii)) % total)))
        # Histogram: per (method, path, status) a stream of observations.
        for method in ("GET", "POST"):
            for path in ("/api/bar", "/api/foo"):
                for status in ("200", "500"):
                    r = random.Random("h%d%s%s%s" % (ii, method, path, status))
                    scale = {"200": 1.0, "500": 0.1}[status] * (2.0 if path == "/api/foo" else 1.0)
                    cum = [0] * len(BUCKETS)
                    sums, counts, rows = 0.0, 0, []
                    for i in range(2000):
                        n = int(r.random() * 20 * scale)
                        for _ in range(n):
                            obs = r.expovariate(8.0 if method == "GET" else 3.0)
                            sums += obs
                            counts += 1
                            for bi, le in enumerate(BUCKETS):
                                if le == "+Inf" or obs <= float(le):
                                    cum[bi] += 1
                        rows.append((list(cum), round(sums, 6), counts))
                    lab = dict(method=method, path=path, status=status)
                    for bi, le in enumerate(BUCKETS):
                        out.append(Series(_labels("demo_api_request_duration_seconds_bucket", inst, le=le, **lab),
                                          lambda i, rows=rows, bi=bi: float(rows[i][0][bi])))
                    out.append(Series(_labels("demo_api_request_duration_seconds_sum", inst, **lab),
                                      lambda i, rows=rows: rows[i][1]))
                    out.append(Series(_labels("demo_api_request_duration_seconds_count", inst, **lab),
                                      lambda i, rows=rows: float(rows[i][2])))
        r = random.Random("inprog%d" % ii)
        prog = [float(int(r.random() * 12)) for _ in range(2000)]
        out.append(Series(_labels("demo_api_http_requests_in_progress", inst), lambda i, p=prog: p[i]))
        # A batch job every 5 minutes (offset per instance); it fails every 4th run.
        period = 20

        def batch(i, ii=ii, what="success"):
            run = (i + 3 * ii) // period
            run_at = (run * period - 3 * ii) * 15.0
            last_ok = run if run % 4 != 3 else run - 1
            ok_at = (last_ok * period - 3 * ii) * 15.0
            return {"success": ok_at, "run": run_at, "duration": 10.0 + (run * 7 + ii) % 23 + 0.25,
                    "bytes": float(1000000 + ((run * 7919 + ii * 104729) % 900000))}[what]
        for name, what in (("demo_batch_last_success_timestamp_seconds", "success"),
                           ("demo_batch_last_run_timestamp_seconds", "run"),
                           ("demo_batch_last_run_duration_seconds", "duration"),
                           ("demo_batch_last_run_processed_bytes", "bytes")):
            out.append(Series(_labels(name, inst), lambda i, w=what, f=batch: f(i, what=w)))
        out.append(Series(_labels("demo_intermittent_metric", inst), "intermittent"))
        # Exactly on the 15 s grid, no offset or jitter, so that windows and
        # the lookback end exactly on samples; a 5 minute gap near the end.
        aligned = Series(_labels("demo_aligned_value", inst),
                         lambda i, ii=ii: None if 440 <= i < 460 else (i % (100 + 7 * ii)) * 1.5 + ii)
        aligned.exact = True
        out.append(aligned)
    return out


def samples(base_ms, n):
    """[(labels, [(t_ms, value), ...])] for n scrapes per instance from
    base_ms (a multiple of 2 minutes, so even minutes are the same for
    every base).  Absolute times only matter for the batch timestamps,
    which are relative seconds here plus base_ms/1000."""
    out = []
    for s in demo_series():
        inst = dict(s.labels)["instance"]
        ii = INSTANCES.index(inst)
        r = random.Random("jit" + inst)
        jit = [int(r.random() * 20) for _ in range(n)]
        pts = []
        was_present = False
        for i in range(n):
            t = base_ms + i * STEP_MS + (0 if s.exact else ii * 4000 + jit[i])
            if s.fn == "intermittent":
                even = ((t - base_ms) // 60000) % 2 == 0
                if even:
                    pts.append((t, float(i % 7 + ii)))
                elif was_present:
                    pts.append((t, STALE_NAN))
                was_present = even
                continue
            v = s.fn(i)
            if v is None:
                continue
            if dict(s.labels)["__name__"].startswith("demo_batch_last_") and "timestamp" in dict(s.labels)["__name__"]:
                v += base_ms / 1000.0
            pts.append((t, v))
        out.append((s.labels, pts))
    return out


# --- remote write 1.0 encoding (prompb.WriteRequest), by hand ---

def _varint(n):
    b = bytearray()
    n &= (1 << 64) - 1
    while True:
        c = n & 0x7F
        n >>= 7
        if n:
            b.append(c | 0x80)
        else:
            b.append(c)
            return bytes(b)


def _field(num, payload):
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def encode_write_request(series):
    """series: [(labels, [(t, v), ...])] -> WriteRequest bytes."""
    out = []
    for labels, pts in series:
        ts = b"".join(_field(1, _field(1, k.encode()) + _field(2, v.encode())) for k, v in labels)
        for t, v in pts:
            ts += _field(2, b"\x09" + struct.pack("<d", v) + b"\x10" + _varint(t))
        out.append(_field(1, ts))
    return b"".join(out)


_snappy = None


def snappy_compress(data):
    """A snappy block: libsnappy's when it loads, else all literals
    (valid snappy that any decoder reads)."""
    global _snappy
    if _snappy is None:
        name = ctypes.util.find_library("snappy") or "libsnappy.so.1"
        try:
            _snappy = ctypes.CDLL(name)
        except OSError:
            _snappy = False
    if _snappy:
        n = ctypes.c_size_t(_snappy.snappy_max_compressed_length(ctypes.c_size_t(len(data))))
        buf = ctypes.create_string_buffer(n.value)
        if _snappy.snappy_compress(data, ctypes.c_size_t(len(data)), buf, ctypes.byref(n)) == 0:
            return buf.raw[:n.value]
    out = bytearray(_varint(len(data)))
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        m = len(chunk) - 1
        if m < 60:
            out.append(m << 2)
        else:
            out += bytes([61 << 2]) + struct.pack("<H", m)
        out += chunk
    return bytes(out)


def batches(data, window_ms):
    """Split [(labels, pts)] into requests of window_ms of time each,
    in time order (every series' samples of a window in one request)."""
    lo = min(p[0][0] for _, p in data if p)
    hi = max(p[-1][0] for _, p in data if p)
    t = lo - lo % window_ms
    idx = [0] * len(data)
    while t <= hi:
        req = []
        for k, (labels, pts) in enumerate(data):
            j = idx[k]
            while j < len(pts) and pts[j][0] < t + window_ms:
                j += 1
            if j > idx[k]:
                req.append((labels, pts[idx[k]:j]))
                idx[k] = j
        if req:
            yield req
        t += window_ms


class Writer:
    """POSTs remote-write requests to one receiver over a kept-alive connection."""

    def __init__(self, hostport, path):
        self.hostport, self.path = hostport, path
        self.conn = http.client.HTTPConnection(hostport, timeout=60)

    def send(self, body):
        hdr = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf",
               "X-Prometheus-Remote-Write-Version": "0.1.0", "User-Agent": "gt-promql-diff"}
        for attempt in range(2):
            try:
                self.conn.request("POST", self.path, body, hdr)
                resp = self.conn.getresponse()
                text = resp.read()
                break
            except (http.client.HTTPException, OSError):
                if attempt:
                    raise
                self.conn = http.client.HTTPConnection(self.hostport, timeout=60)
        if resp.status // 100 != 2:
            raise RuntimeError("remote write to %s%s: HTTP %d %s" % (self.hostport, self.path, resp.status,
                                                                    text[:300].decode("utf-8", "replace")))


def requests(data, window_ms=120000):
    """The snappy-compressed WriteRequests for data, in time order, and the sample count."""
    out = []
    n = 0
    for req in batches(data, window_ms):
        out.append(snappy_compress(encode_write_request(req)))
        n += sum(len(p) for _, p in req)
    return out, n


def push(bodies, writers):
    """Send the same requests, in order, to every writer."""
    for body in bodies:
        for w in writers:
            w.send(body)
