"""rwproto.py - hand-built Prometheus remote-write protobuf pieces for
tests that need what a real encoder never writes (fields out of order,
repeated, unknown, labels after samples): varints, length-delimited
fields, a Label, a Sample."""
import struct


def var(n):
    b = b""
    while True:
        if n < 0x80:
            return b + bytes([n])
        b += bytes([n & 0x7f | 0x80])
        n >>= 7


def ld(f, b):
    """field f, length-delimited, holding bytes b"""
    return var(f << 3 | 2) + var(len(b)) + b


def dbl(x):
    """a Sample's value field"""
    return b"\x09" + struct.pack("<d", x)


def ts(ms):
    """a Sample's timestamp field"""
    return b"\x10" + var(ms)


def lab(k, v):
    """a TimeSeries' Label field"""
    return ld(1, ld(1, k) + ld(2, v))


def smp(ms, x):
    """a TimeSeries' Sample field, value then timestamp"""
    return ld(2, dbl(x) + ts(ms))
