#!/usr/bin/env python3
"""Fixtures of torchlet's vision tests, made with PyTorch 1.13 / torchvision 0.14.

Writes, under tests/fixtures/vision/:
  transforms.safetensors  inputs and torchvision's outputs for resize (bilinear with
                          antialias=False, nearest, smaller-edge), center_crop, pad
                          (4 modes), rgb_to_grayscale, hflip/vflip, rotate, normalize,
                          convert_image_dtype, and utils.make_grid / save_image's bytes
  images.safetensors      the pixels [C, H, W] each image file below must decode to
  images/                 small image files in every format read_image supports:
                          PNG (RGBA, 16-bit gray), JPEG (made by torchvision.io), BMP,
                          TGA, GIF (two frames: read_image gives the first), PPM/PGM
                          - the non-JPEG ones written by hand here (stdlib zlib/struct)

Deterministic (seeded). Usage from the repository root:
    /usr/bin/python3 scripts/make_io_vision_fixtures.py
"""

import os
import struct
import sys
import zlib

import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode
from torchvision.utils import make_grid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "vision")


def transforms_fixture():
    g = torch.Generator().manual_seed(2024)
    u8 = torch.randint(0, 256, (3, 13, 17), dtype=torch.uint8, generator=g)
    f32 = torch.rand(3, 13, 17, generator=g)
    out = {"u8": u8, "f32": f32}
    for h, w in [(7, 9), (26, 34), (13, 5), (20, 20), (13, 17)]:
        out[f"resize_bilinear_u8_{h}x{w}"] = F.resize(u8, [h, w], InterpolationMode.BILINEAR, antialias=False)
        out[f"resize_bilinear_f32_{h}x{w}"] = F.resize(f32, [h, w], InterpolationMode.BILINEAR, antialias=False)
        out[f"resize_nearest_u8_{h}x{w}"] = F.resize(u8, [h, w], InterpolationMode.NEAREST)
    out["resize_short_10_f32"] = F.resize(f32, [10], InterpolationMode.BILINEAR, antialias=False)
    out["resize_short_30_max40_u8"] = F.resize(u8, [30], InterpolationMode.BILINEAR, max_size=40, antialias=False)
    for h, w in [(8, 8), (13, 17), (16, 20), (5, 6), (4, 17)]:
        out[f"center_crop_u8_{h}x{w}"] = F.center_crop(u8, [h, w])
    for mode in ["constant", "edge", "reflect", "symmetric"]:
        out[f"pad_{mode}_u8"] = F.pad(u8, [1, 2, 3, 4], fill=7 if mode == "constant" else 0, padding_mode=mode)
    out["gray_u8"] = F.rgb_to_grayscale(u8)
    out["gray3_f32"] = F.rgb_to_grayscale(f32, num_output_channels=3)
    out["hflip_u8"] = F.hflip(u8)
    out["vflip_f32"] = F.vflip(f32)
    for angle in [30, -45, 90, 7.5]:
        tag = str(angle).replace("-", "m").replace(".", "p")
        out[f"rotate_nearest_u8_{tag}"] = F.rotate(u8, angle, InterpolationMode.NEAREST, fill=[0.0, 0.0, 0.0])
        out[f"rotate_bilinear_f32_{tag}"] = F.rotate(f32, angle, InterpolationMode.BILINEAR, fill=[0.0, 0.0, 0.0])
    out["rotate_expand_bilinear_u8_30"] = F.rotate(u8, 30, InterpolationMode.BILINEAR, expand=True, fill=[5.0] * 3)
    out["normalize_f32"] = F.normalize(f32, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    out["to_tensor_u8"] = u8.to(torch.float32).div(255)
    out["convert_u8_to_f32"] = F.convert_image_dtype(u8, torch.float32)
    out["convert_f32_to_u8"] = F.convert_image_dtype(f32, torch.uint8)
    out["convert_u8_to_i64"] = F.convert_image_dtype(u8, torch.int64)
    # make_grid / save_image
    batch1 = torch.rand(5, 1, 6, 7, generator=g) * 3 - 1
    batch3 = torch.rand(4, 3, 5, 4, generator=g)
    out["grid_in1"] = batch1
    out["grid_in3"] = batch3
    out["grid1_default"] = make_grid(batch1)
    out["grid1_nrow3_pad1_norm"] = make_grid(batch1, nrow=3, padding=1, normalize=True)
    out["grid1_nrow2_each_pv"] = make_grid(batch1, nrow=2, padding=3, normalize=True, scale_each=True, pad_value=0.5)
    out["grid1_range"] = make_grid(batch1, nrow=4, normalize=True, value_range=(-0.5, 1.5))
    out["grid3_nrow3"] = make_grid(batch3, nrow=3)
    out["grid3_single"] = make_grid(batch3[:1], padding=0)
    grid = make_grid(batch3, nrow=2)
    out["save_image_bytes"] = grid.mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8)  # save_image's conversion
    write_safetensors(os.path.join(ROOT, "transforms.safetensors"), out,
                      {"torch": torch.__version__, "torchvision": torchvision.__version__})


def png(path, pixels, bit_depth=8):
    """pixels [C, H, W] uint8 (or int32 for 16-bit gray) -> PNG, filter 0, zlib level 9."""
    c, h, w = pixels.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    hwc = pixels.permute(1, 2, 0)
    raw = bytearray()
    for y in range(h):
        raw.append(0)
        for x in range(w):
            for ch in range(c):
                v = int(hwc[y, x, ch])
                raw += struct.pack(">H", v) if bit_depth == 16 else bytes([v])

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    blob = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(blob)


def bmp(path, rgb):
    """[3, H, W] -> 24-bit BI_RGB BMP, rows bottom-up, padded to 4 bytes."""
    _, h, w = rgb.shape
    row = (3 * w + 3) // 4 * 4
    pixels = bytearray()
    for y in range(h - 1, -1, -1):
        line = bytearray()
        for x in range(w):
            line += bytes([int(rgb[2, y, x]), int(rgb[1, y, x]), int(rgb[0, y, x])])
        pixels += line + b"\0" * (row - len(line))
    header = b"BM" + struct.pack("<IHHI", 14 + 40 + len(pixels), 0, 0, 14 + 40)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    with open(path, "wb") as f:
        f.write(header + info + pixels)


def tga(path, rgb):
    """[3, H, W] -> uncompressed true-colour TGA, top-left origin, BGR."""
    _, h, w = rgb.shape
    header = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, w, h, 24, 0x20)
    data = bytearray()
    for y in range(h):
        for x in range(w):
            data += bytes([int(rgb[2, y, x]), int(rgb[1, y, x]), int(rgb[0, y, x])])
    with open(path, "wb") as f:
        f.write(header + data)


def pnm(path, pixels):
    """[1, H, W] -> P5 (PGM), [3, H, W] -> P6 (PPM)."""
    c, h, w = pixels.shape
    magic = b"P5" if c == 1 else b"P6"
    with open(path, "wb") as f:
        f.write(magic + b"\n%d %d\n255\n" % (w, h) + pixels.permute(1, 2, 0).contiguous().numpy().tobytes())


def gif(path, frames, palette):
    """frames: list of [H, W] palette indices (uint8); palette: [256, 3]. Every pixel is
    sent as a literal LZW code, with a clear code every 250 codes so the code width stays
    at 9 bits (a valid, if unambitious, GIF encoder)."""
    h, w = frames[0].shape
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0))
    out += bytes(palette.flatten().tolist())
    out += b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for frame in frames:
        out += b"\x21\xF9\x04\x00\x0A\x00\x00\x00"  # graphic control: 0.1 s
        out += b"\x2C" + struct.pack("<HHHHB", 0, 0, w, h, 0)
        out += b"\x08"  # minimum code size
        codes = [256]
        for i, p in enumerate(frame.flatten().tolist()):
            if i and i % 250 == 0:
                codes.append(256)
            codes.append(p)
        codes.append(257)
        bits = 0
        nbits = 0
        data = bytearray()
        for c in codes:
            bits |= c << nbits
            nbits += 9
            while nbits >= 8:
                data.append(bits & 0xFF)
                bits >>= 8
                nbits -= 8
        if nbits:
            data.append(bits & 0xFF)
        for i in range(0, len(data), 255):
            block = data[i:i + 255]
            out += bytes([len(block)]) + block
        out += b"\x00"
    out += b"\x3B"
    with open(path, "wb") as f:
        f.write(out)


def images_fixture():
    d = os.path.join(ROOT, "images")
    os.makedirs(d, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    ref = {}
    rgba = torch.randint(0, 256, (4, 9, 11), dtype=torch.uint8, generator=g)
    png(os.path.join(d, "rgba.png"), rgba)
    ref["rgba.png"] = rgba
    gray16 = torch.randint(0, 65536, (1, 5, 6), dtype=torch.int32, generator=g)
    png(os.path.join(d, "gray16.png"), gray16, bit_depth=16)
    ref["gray16.png"] = (gray16 >> 8).to(torch.uint8)  # stb keeps the high byte
    rgb = torch.randint(0, 256, (3, 7, 5), dtype=torch.uint8, generator=g)
    bmp(os.path.join(d, "rgb.bmp"), rgb)
    ref["rgb.bmp"] = rgb
    tga(os.path.join(d, "rgb.tga"), rgb)
    ref["rgb.tga"] = rgb
    pnm(os.path.join(d, "rgb.ppm"), rgb)
    ref["rgb.ppm"] = rgb
    pnm(os.path.join(d, "gray.pgm"), rgb[:1].contiguous())
    ref["gray.pgm"] = rgb[:1].contiguous()
    palette = torch.randint(0, 256, (256, 3), dtype=torch.uint8, generator=g)
    f0 = torch.randint(0, 256, (17, 19), dtype=torch.uint8, generator=g)
    f1 = torch.randint(0, 256, (17, 19), dtype=torch.uint8, generator=g)
    gif(os.path.join(d, "two_frames.gif"), [f0, f1], palette)
    first = palette[f0.long()].permute(2, 0, 1).contiguous()  # [3, H, W]
    ref["two_frames.gif"] = torch.cat([first, torch.full((1, 17, 19), 255, dtype=torch.uint8)])  # stb gives RGBA
    # JPEG: a smooth picture (JPEG's case), encoded and decoded by torchvision (libjpeg).
    y, x = torch.meshgrid(torch.arange(24.0), torch.arange(32.0), indexing="ij")
    smooth = torch.stack([x * 8, y * 10, (x + y) * 4]).clamp(0, 255).to(torch.uint8)
    data = torchvision.io.encode_jpeg(smooth, quality=95)
    with open(os.path.join(d, "smooth.jpg"), "wb") as f:
        f.write(bytes(data.tolist()))
    ref["smooth.jpg"] = torchvision.io.decode_jpeg(data)
    ref["smooth.jpg.source"] = smooth
    write_safetensors(os.path.join(ROOT, "images.safetensors"), ref)


def main():
    os.makedirs(ROOT, exist_ok=True)
    transforms_fixture()
    images_fixture()
    print("wrote", os.path.normpath(ROOT))


if __name__ == "__main__":
    main()
