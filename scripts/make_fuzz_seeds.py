#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/fuzz_safetensors.cpp and fuzz/fuzz_image.cpp.

    /usr/bin/python3 scripts/make_fuzz_seeds.py      (needs numpy and PIL; deterministic)

Seeds are tiny valid files, one per feature the readers branch on, so the fuzzers start
from every code path instead of having to discover the formats' magic numbers:
  fuzz/corpus/safetensors/  model, checkpoint (model + optimizer + scheduler metadata), every
                            dtype, an empty tensor, escapes in names, metadata only
  fuzz/corpus/image/        PNG (gray, gray+alpha, RGB, RGBA, palette, 16-bit),
                            JPEG (baseline, progressive, gray), BMP (24-bit, 8-bit palette),
                            TGA (raw, RLE), GIF (2 frames), PGM, PPM
"""
import io
import json
import os
import struct

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "corpus")


def safetensors(tensors, metadata=None):
    """tensors: list of (name, dtype string, shape, raw little-endian bytes)."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def f32(*shape, start=0.0):
    a = (np.arange(int(np.prod(shape)), dtype="<f4") * 0.25 + start).reshape(shape)
    return a.tobytes()


def write(sub, name, data):
    path = os.path.join(ROOT, sub, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def safetensors_seeds():
    write("safetensors", "model.safetensors",
          safetensors([("fc.weight", "F32", (2, 3), f32(2, 3)), ("fc.bias", "F32", (2,), f32(2))],
                      {"format": "pt", "torchlet.kind": "model"}))
    write("safetensors", "checkpoint.safetensors", safetensors(
        [("model.fc.weight", "F32", (2, 2), f32(2, 2)), ("model.fc.bias", "F32", (2,), f32(2)),
         ("optimizer.state.0.momentum_buffer", "F32", (2, 2), f32(2, 2, start=1)),
         ("optimizer.state.1.momentum_buffer", "F32", (2,), f32(2, start=2))],
        {"torchlet.kind": "checkpoint", "epoch": "3", "optimizer.param_groups": "1",
         "optimizer.param_groups.0.params": "0,1", "optimizer.param_groups.0.lr": "0.10000000000000001",
         "optimizer.param_groups.0.momentum": "0.90000000000000002", "scheduler.last_epoch": "3",
         "scheduler.base_lrs.0": "0.5"}))
    write("safetensors", "optimizer.safetensors", safetensors(
        [("state.0.exp_avg", "F32", (2,), f32(2)), ("state.0.exp_avg_sq", "F32", (2,), f32(2)),
         ("state.0.step", "F32", (), f32(1))],
        {"torchlet.kind": "optimizer", "optimizer": "Adam", "param_groups": "1", "param_groups.0.params": "0",
         "param_groups.0.betas.0": "0.9", "param_groups.0.betas.1": "0.999", "param_groups.0.lr": "1e-3"}))
    dt = [("BOOL", "?"), ("U8", "u1"), ("I8", "i1"), ("I16", "<i2"), ("U16", "<u2"), ("F16", "<f2"),
          ("I32", "<i4"), ("U32", "<u4"), ("F32", "<f4"), ("F64", "<f8"), ("I64", "<i8")]
    tensors = [(d.lower(), d, (3,), np.array([0, 1, 2]).astype(npd).tobytes()) for d, npd in dt]
    tensors.append(("bf16", "BF16", (2,), struct.pack("<HH", 0x3F80, 0xC000)))
    tensors.append(("u64", "U64", (1,), struct.pack("<Q", 7)))
    write("safetensors", "dtypes.safetensors", safetensors(tensors))
    write("safetensors", "empty_and_scalar.safetensors",
          safetensors([("empty", "F32", (0, 4), b""), ("scalar", "F64", (), struct.pack("<d", -1.5))]))
    write("safetensors", "escapes.safetensors",
          safetensors([("a\"b\\c\u00e9\u20ac\U0001F600\n", "U8", (1,), b"\x05")], {"k\t": "v\u0001"}))
    write("safetensors", "metadata_only.safetensors", safetensors([], {"note": "nothing else"}))


def image_seeds():
    rgb = np.arange(4 * 3 * 3, dtype=np.uint8).reshape(3, 4, 3) * 7
    rgba = np.concatenate([rgb, np.full((3, 4, 1), 200, np.uint8)], axis=2)
    im_rgb, im_rgba = Image.fromarray(rgb, "RGB"), Image.fromarray(rgba, "RGBA")
    im_l = im_rgb.convert("L")

    def save(name, im, fmt, **kw):
        buf = io.BytesIO()
        im.save(buf, fmt, **kw)
        write("image", name, buf.getvalue())

    save("gray.png", im_l, "PNG")
    save("gray_alpha.png", im_rgba.convert("LA"), "PNG")
    save("rgb.png", im_rgb, "PNG")
    save("rgba.png", im_rgba, "PNG")
    save("palette.png", im_rgb.convert("P"), "PNG")
    save("gray16.png", Image.fromarray((np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000)), "PNG")
    save("baseline.jpg", im_rgb, "JPEG", quality=80)
    save("progressive.jpg", im_rgb, "JPEG", quality=80, progressive=True)
    save("gray.jpg", im_l, "JPEG")
    save("rgb.bmp", im_rgb, "BMP")
    save("palette.bmp", im_rgb.convert("P"), "BMP")
    save("rgb.tga", im_rgb, "TGA")
    save("rle.tga", im_rgb, "TGA", compression="tga_rle")
    frames = [im_rgb.convert("P"), Image.fromarray(255 - rgb, "RGB").convert("P")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    write("image", "two_frames.gif", buf.getvalue())
    save("gray.pgm", im_l, "PPM")
    save("rgb.ppm", im_rgb, "PPM")


if __name__ == "__main__":
    safetensors_seeds()
    image_seeds()
