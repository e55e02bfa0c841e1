#!/usr/bin/env python3
"""Fixtures of tests/io/inflate.cpp and seeds of fuzz/fuzz_inflate.cpp: raw DEFLATE streams
(RFC 1951, no zlib or gzip wrapper) made by Python's zlib (wbits=-15), plus one stream built
by hand that zlib never emits (matches at distance 32768: zlib's encoder keeps 262 bytes of
lookahead and reaches back at most 32506 bytes).

Inputs (deterministic; the generator is a 32-bit LCG):
  empty      0 bytes
  one        b"A"
  text       60 numbered lines of an English sentence
  random     1,000 bytes of the LCG
  run1       5,000 times b"a" (matches at distance 1)
  far        500 random bytes, 29,500 zeros, the same 500 bytes (matches at distance 30,000)
  stored64k  66,000 random bytes (level 0 only: two stored blocks, the first 65,535 bytes)
Each at levels 0, 1, 6, 9 and at level 6 with the strategies Z_FIXED, Z_HUFFMAN_ONLY, Z_RLE
(stored64k at level 0 only, the others at level 0 only when under 4 KiB), plus
  hand_dist32768  32,768 bytes of numbered lines ("00000\n00001\n...") coded by zlib, then a
                  final fixed-Huffman block written here copying them at distance 32,768
                  (lengths 258, 258 and 3) and a literal "!"

Writes tests/fixtures/io/inflate_streams.bin:
  b"TLINFL01", u32 count, then per stream: u8 name length, name (ASCII),
  u32 decoded size, u32 CRC-32 of the decoded bytes, u32 stream size, the stream;
  all integers little-endian. Every stream is checked here with zlib.decompress first.
And a few small ones into fuzz/corpus/inflate/ in fuzz_inflate's input layout:
  u32 output buffer size (little-endian), then the stream.

Usage from the repository root:
    /usr/bin/python3 scripts/make_inflate_fixtures.py
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "tests", "fixtures", "io", "inflate_streams.bin")
SEEDS = os.path.join(HERE, "..", "fuzz", "corpus", "inflate")


def lcg_bytes(n, seed):
    out = bytearray()
    x = seed
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        out.append(x >> 24)
    return bytes(out)


def inputs():
    text = b"".join(
        b"line %d: the quick brown fox jumps over the lazy dog\n" % i for i in range(60))
    block = lcg_bytes(500, 7)
    return [
        ("empty", b""),
        ("one", b"A"),
        ("text", text),
        ("random", lcg_bytes(1000, 1)),
        ("run1", b"a" * 5000),
        ("far", block + bytes(29500) + block),
        ("stored64k", lcg_bytes(66000, 3)),
    ]


def deflate(data, level, strategy=zlib.Z_DEFAULT_STRATEGY):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    return c.compress(data) + c.flush()


class BitWriter:
    """Bits least-significant first, as RFC 1951 packs them."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def bits(self, value, count):
        self.acc |= value << self.n
        self.n += count
        while self.n >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.n -= 8

    def code(self, code, length):
        """A Huffman code: its most significant bit goes first."""
        self.bits(int(format(code, "0%db" % length)[::-1], 2), length)

    def align(self):
        if self.n:
            self.bits(0, 8 - self.n)

    def finish(self):
        self.align()
        return bytes(self.out)


def fixed_literal(w, sym):
    if sym < 144:
        w.code(0x30 + sym, 8)
    elif sym < 256:
        w.code(0x190 + sym - 144, 9)
    elif sym < 280:
        w.code(sym - 256, 7)
    else:
        w.code(0xC0 + sym - 280, 8)


def hand_dist32768():
    # 32,768 bytes in which no two 6-byte windows are equal, so a copy from the wrong
    # distance shows; zlib codes them in non-final blocks ending byte-aligned (Z_FULL_FLUSH
    # appends an empty stored block), the final block is written here.
    data = b"".join(b"%05d\n" % i for i in range(5462))[:32768]
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)
    w = BitWriter()
    w.bits(1, 1)  # final
    w.bits(1, 2)  # fixed Huffman
    for length in (258, 258, 3):
        if length == 258:
            fixed_literal(w, 285)
        else:
            fixed_literal(w, 257)  # length 3, no extra bits
        w.code(29, 5)  # distance code 29: base 24577, 13 extra bits
        w.bits(32768 - 24577, 13)
    fixed_literal(w, ord("!"))
    fixed_literal(w, 256)
    stream = head + w.finish()
    expected = bytearray(data)
    for length in (258, 258, 3):
        for _ in range(length):
            expected.append(expected[-32768])
    expected += b"!"
    return stream, bytes(expected)


def main():
    streams = []
    for name, data in inputs():
        variants = []
        if name == "stored64k":
            variants = [("l0", 0, zlib.Z_DEFAULT_STRATEGY)]
        else:
            if len(data) < 4096:
                variants.append(("l0", 0, zlib.Z_DEFAULT_STRATEGY))
            variants += [("l1", 1, zlib.Z_DEFAULT_STRATEGY), ("l6", 6, zlib.Z_DEFAULT_STRATEGY),
                         ("l9", 9, zlib.Z_DEFAULT_STRATEGY), ("fixed", 6, zlib.Z_FIXED),
                         ("huffman", 6, zlib.Z_HUFFMAN_ONLY), ("rle", 6, zlib.Z_RLE)]
        for tag, level, strategy in variants:
            streams.append(("%s_%s" % (name, tag), data, deflate(data, level, strategy)))
    stream, expected = hand_dist32768()
    streams.append(("hand_dist32768", expected, stream))

    out = bytearray(b"TLINFL01")
    out += struct.pack("<I", len(streams))
    for name, data, stream in streams:
        assert zlib.decompress(stream, -15) == data, name
        out += struct.pack("<B", len(name)) + name.encode("ascii")
        out += struct.pack("<III", len(data), zlib.crc32(data), len(stream)) + stream
    with open(FIXTURE, "wb") as f:
        f.write(out)
    print("%s: %d streams, %d bytes" % (FIXTURE, len(streams), len(out)))

    os.makedirs(SEEDS, exist_ok=True)
    for name in ("text_l6", "text_fixed", "text_huffman", "run1_rle", "random_l0", "one_l1",
                 "empty_l9"):
        data, stream = next((d, s) for n, d, s in streams if n == name)
        with open(os.path.join(SEEDS, name + ".bin"), "wb") as f:
            f.write(struct.pack("<I", len(data)) + stream)


if __name__ == "__main__":
    main()
