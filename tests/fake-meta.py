#!/usr/bin/env python3
# fake-meta.py - a stand-in for gt-meta's heartbeat for tests/rpc.bats:
# answers POST /v1/heartbeat as the contract says, with "open" = the
# regions listed in ROUTES (a file of "region_id dir" lines, read on each
# heartbeat) that the datanode did not report.  Prints "port=N" when
# listening; appends each heartbeat body to LOG.
#   fake-meta.py ROUTES LOG
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

routes_path, log_path = sys.argv[1], sys.argv[2]

class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        if self.path != '/v1/heartbeat':
            self.send_response(404); self.end_headers(); return
        hb = json.loads(body)
        with open(log_path, 'a') as f:
            f.write(json.dumps(hb) + '\n')
        have = {r['region_id'] for r in hb.get('regions', [])}
        want = []
        try:
            for line in open(routes_path):
                rid, d = line.split()
                if int(rid) not in have:
                    want.append({'region_id': int(rid), 'dir': d})
        except FileNotFoundError:
            pass
        out = json.dumps({'lease_ms': 10000, 'open': want}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass

s = HTTPServer(('127.0.0.1', 0), H)
print('port=%d' % s.server_address[1], flush=True)
s.serve_forever()
