"""mysql_raw.py - bad input on gt's MySQL protocol, byte by byte: what a
driver never sends.  Every case expects an ERR packet with the right
MySQL error number (or a quiet close) and then the server going on with
a new connection.

Usage: mysql_raw.py CASE MYSQL_PORT
Run by tests/mysql.bats.
"""
import socket
import struct
import sys


def conn(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    return s


def read_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(b), n))
        b += chunk
    return b


def read_packet(s):
    h = read_exact(s, 4)
    n = h[0] | h[1] << 8 | h[2] << 16
    return h[3], read_exact(s, n)


def send_packet(s, seq, payload):
    s.sendall(struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload)


def expect_err(s, code):
    _, p = read_packet(s)
    assert p[0] == 0xFF, p
    got = struct.unpack("<H", p[1:3])[0]
    assert got == code, (got, p)
    print("ERR %d %s" % (got, p[9:].decode()))


def expect_closed(s):
    try:
        assert s.recv(1) == b""
    except ConnectionResetError:
        pass


def login(port):
    s = conn(port)
    seq, greeting = read_packet(s)
    assert seq == 0 and greeting[0] == 10, greeting
    caps = 0x200 | 0x8000 | 0x80000  # PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH
    resp = struct.pack("<IIB", caps, 1 << 24, 45) + b"\0" * 23 + b"root\0" + b"\0"
    resp += b"mysql_native_password\0"
    send_packet(s, 1, resp)
    seq, ok = read_packet(s)
    assert seq == 2 and ok[0] == 0, ok
    return s


def still_serving(port):
    s = login(port)
    send_packet(s, 0, b"\x03SELECT 41 + 1")
    packets = []
    while True:
        _, p = read_packet(s)
        packets.append(p)
        if p[0] == 0xFE and len(packets) > 3:
            break
    assert packets[3] == b"\x0242", packets
    send_packet(s, 0, b"\x01")
    expect_closed(s)
    print("still serving")


def case_garbage(port):
    """An HTTP request where the handshake response belongs."""
    s = conn(port)
    read_packet(s)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    expect_err(s, 1043)
    expect_closed(s)
    still_serving(port)


def case_short_handshake(port):
    """A handshake response cut short inside its fixed part."""
    s = conn(port)
    read_packet(s)
    send_packet(s, 1, struct.pack("<I", 0x200 | 0x8000) + b"\0\0")
    expect_err(s, 1043)
    expect_closed(s)
    still_serving(port)


def case_order(port):
    """A command whose packet says it is not the first of its exchange."""
    s = login(port)
    send_packet(s, 5, b"\x03SELECT 1")
    expect_err(s, 1156)
    expect_closed(s)
    still_serving(port)


def case_toobig(port):
    """A command of more than 16 MiB (max_allowed_packet)."""
    s = login(port)
    chunk = b"\x03" + b" " * (0xFFFFFF - 1)
    send_packet(s, 0, chunk)
    s.sendall(b"\x10\x00\x00\x01")
    expect_err(s, 1153)
    expect_closed(s)
    still_serving(port)


def case_truncated(port):
    """A client that promises 100 bytes, sends 10 and hangs up."""
    s = login(port)
    s.sendall(b"\x64\x00\x00\x00\x03SELECT 1")
    s.close()
    still_serving(port)


def case_unknown(port):
    """An unknown command is refused; the connection goes on."""
    s = login(port)
    send_packet(s, 0, b"\x7fwhat")
    expect_err(s, 1047)
    send_packet(s, 0, b"\x0e")
    _, p = read_packet(s)
    assert p[0] == 0, p
    print("ping after unknown command ok")
    still_serving(port)


def case_bad_execute(port):
    """COM_STMT_EXECUTE of an unknown statement, then one cut short."""
    s = login(port)
    send_packet(s, 0, b"\x17" + struct.pack("<IBI", 99, 0, 1))
    expect_err(s, 1243)
    send_packet(s, 0, b"\x16SELECT ?, ?")
    _, p = read_packet(s)
    assert p[0] == 0, p
    stmt, ncols, nparams = struct.unpack("<IHH", p[1:9])
    assert (ncols, nparams) == (0, 2), (ncols, nparams)
    for _ in range(nparams + 1):  # parameter definitions and EOF
        read_packet(s)
    send_packet(s, 0, b"\x17" + struct.pack("<IBI", stmt, 0, 1) + b"\x00\x01\x08\x00")
    expect_err(s, 1210)
    still_serving(port)


def case_idle(port):
    """A client silent past the idle timeout (gt-front --timeout 1) is told and closed."""
    s = login(port)
    s.settimeout(10)
    expect_err(s, 4031)
    expect_closed(s)
    still_serving(port)


if __name__ == "__main__":
    globals()["case_" + sys.argv[1]](sys.argv[2])
