"""pg_raw.py PORT CASE - hand-made PostgreSQL protocol bytes against gt's
server, for what clients never send (run by tests/pg.bats).  Prints what
the server answered as "TYPE[:SQLSTATE]" per message and "closed" when the
server closed the connection; exits non-zero only on a local failure."""
import socket
import struct
import sys

port, case = int(sys.argv[1]), sys.argv[2]


def startup(user="greptime", db="public"):
    body = struct.pack("!I", 196608)
    for k, v in (("user", user), ("database", db)):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def msg(t, body=b""):
    return t + struct.pack("!I", len(body) + 4) + body


def answers(s, until=b"Z", timeout=5.0):
    """Messages up to and including one of type `until` (or the end of the stream)."""
    s.settimeout(timeout)
    buf, out = b"", []
    while True:
        while len(buf) >= 5:
            t, n = buf[:1], struct.unpack("!I", buf[1:5])[0]
            if len(buf) < 1 + n:
                break
            body, buf = buf[5:1 + n], buf[1 + n:]
            if t in (b"E", b"N"):
                fields = dict((f[:1], f[1:]) for f in body.split(b"\0") if f)
                out.append("%s:%s" % (t.decode(), fields[b"C"].decode()))
            else:
                out.append(t.decode())
            if t == until:
                return out
        try:
            data = s.recv(65536)
        except socket.timeout:
            out.append("timeout")
            return out
        except ConnectionResetError:
            data = b""
        if not data:
            out.append("closed")
            return out
        buf += data


def connect():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(startup())
    answers(s)
    return s


def show(out):
    print(" ".join(out))


if case == "garbage":            # an HTTP request instead of a startup packet
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    show(answers(s))
elif case == "ssl":              # SSLRequest gets 'N', then the startup goes on
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(struct.pack("!II", 8, 80877103))
    s.settimeout(5)
    print(s.recv(1).decode())
    s.sendall(startup())
    show(answers(s))
elif case == "cancel":           # CancelRequest: accepted, connection closed
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(struct.pack("!IIII", 16, 80877102, 1, 2))
    show(answers(s))
elif case == "oldproto":         # protocol 2.0
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(struct.pack("!II", 8, 131072))
    show(answers(s))
elif case == "huge":             # a length over the 64 MiB limit
    s = connect()
    s.sendall(b"Q" + struct.pack("!I", 0x7FFFFFF0) + b"SELECT 1")
    show(answers(s))
elif case == "badlen":           # a length under 4
    s = connect()
    s.sendall(b"Q" + struct.pack("!I", 2))
    show(answers(s))
elif case == "unknown":          # an unknown message type
    s = connect()
    s.sendall(msg(b"!", b"xyz"))
    show(answers(s))
elif case == "truncated-bind":   # a Bind whose parameter runs past the message
    s = connect()
    s.sendall(msg(b"P", b"\0SELECT $1\0\0\0") +
              msg(b"B", b"\0\0\0\0\0\1" + struct.pack("!i", 100) + b"ab") + msg(b"S"))
    show(answers(s))
elif case == "midquery":         # disconnect with a query in flight
    s = connect()
    s.sendall(msg(b"Q", b"SELECT number FROM numbers"))
    s.close()
    print("sent")
elif case == "extended-error":   # an error skips to Sync; the next batch works
    s = connect()
    s.sendall(msg(b"P", b"\0SELECT * FROM nope\0\0\0") + msg(b"B", b"\0\0\0\0\0\0\0\0") +
              msg(b"E", b"\0\0\0\0\0") + msg(b"S"))
    show(answers(s))
    s.sendall(msg(b"P", b"\0SELECT 1\0\0\0") + msg(b"B", b"\0\0\0\0\0\0\0\0") +
              msg(b"E", b"\0\0\0\0\0") + msg(b"S"))
    show(answers(s))
elif case == "suspend":          # Execute with a row limit suspends the portal
    s = connect()
    s.sendall(msg(b"P", b"\0SELECT number FROM numbers LIMIT 5\0\0\0") +
              msg(b"B", b"\0\0\0\0\0\0\0\0") + msg(b"E", b"\0" + struct.pack("!I", 2)) +
              msg(b"E", b"\0" + struct.pack("!I", 2)) + msg(b"E", b"\0\0\0\0\0") + msg(b"S"))
    show(answers(s))
elif case == "tx-portal":       # inside BEGIN a named portal outlives Sync
    s = connect()
    s.sendall(msg(b"Q", b"BEGIN\0"))
    show(answers(s))
    s.sendall(msg(b"P", b"\0SELECT number FROM numbers LIMIT 3\0\0\0") +
              msg(b"B", b"c1\0\0\0\0\0\0\0\0") + msg(b"E", b"c1\0" + struct.pack("!I", 2)) + msg(b"S"))
    show(answers(s))
    s.sendall(msg(b"E", b"c1\0" + struct.pack("!I", 2)) + msg(b"S"))
    show(answers(s))
    s.sendall(msg(b"Q", b"COMMIT\0"))
    show(answers(s))
    s.sendall(msg(b"E", b"c1\0" + struct.pack("!I", 2)) + msg(b"S"))
    show(answers(s))
elif case == "idle":             # the server closes an idle connection
    s = connect()
    show(answers(s, timeout=10))
elif case == "empty":            # an empty query string
    s = connect()
    s.sendall(msg(b"Q", b"\0"))
    show(answers(s))
elif case == "query":            # a simple Query (argv[3]): the answer, runs of DataRows as D*N
    s = connect()
    s.sendall(msg(b"Q", sys.argv[3].encode() + b"\0"))
    out = []
    for a in answers(s, timeout=30):
        if a == "D" and out and out[-1].startswith("D"):
            out[-1] = "D*%d" % (int(out[-1][2:] or 1) + 1)
        else:
            out.append(a)
    show(out)
else:
    sys.exit("unknown case " + case)
