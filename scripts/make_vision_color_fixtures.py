#!/usr/bin/env python3
"""Fixtures of torchlet's colour transforms and resized crops, made with torchvision 0.14.

Writes tests/fixtures/vision/color.safetensors: a uint8 and a float32 RGB image, a batch of two
float32 images, a gray image, and torchvision's outputs for adjust_brightness,
adjust_contrast, adjust_saturation and adjust_hue at several factors, resized_crop (bilinear
and nearest) and RandomResizedCrop.get_params' central fallback (scale too large for any
try to fit) for several image shapes and ratio ranges (as int64 [top, left, height, width]).

Deterministic (seeded). Usage from the repository root:
    /usr/bin/python3 scripts/make_vision_color_fixtures.py
"""

import os
import sys

import torch
import torchvision.transforms as T
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_safetensors_interop import write_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "vision",
                   "color.safetensors")


def tag(x):
    return str(x).replace("-", "m").replace(".", "p")


def main():
    g = torch.Generator().manual_seed(77)
    u8 = torch.randint(0, 256, (3, 9, 11), dtype=torch.uint8, generator=g)
    u8[:, 0, 0] = torch.tensor([200, 200, 200], dtype=torch.uint8)  # gray pixels: hue undefined
    u8[:, 0, 1] = torch.tensor([0, 0, 0], dtype=torch.uint8)
    u8[:, 0, 2] = torch.tensor([255, 0, 0], dtype=torch.uint8)  # pure colours
    u8[:, 0, 3] = torch.tensor([0, 255, 0], dtype=torch.uint8)
    u8[:, 0, 4] = torch.tensor([0, 0, 255], dtype=torch.uint8)
    u8[:, 0, 5] = torch.tensor([255, 255, 0], dtype=torch.uint8)
    f32 = torch.rand(3, 9, 11, generator=g)
    batch = torch.rand(2, 3, 5, 6, generator=g)
    gray = torch.rand(1, 7, 8, generator=g)
    out = {"u8": u8, "f32": f32, "batch": batch, "gray": gray}
    for f in [0.0, 0.3, 1.0, 1.7]:
        out[f"brightness_u8_{tag(f)}"] = F.adjust_brightness(u8, f)
        out[f"brightness_f32_{tag(f)}"] = F.adjust_brightness(f32, f)
        out[f"contrast_u8_{tag(f)}"] = F.adjust_contrast(u8, f)
        out[f"contrast_f32_{tag(f)}"] = F.adjust_contrast(f32, f)
        out[f"saturation_u8_{tag(f)}"] = F.adjust_saturation(u8, f)
        out[f"saturation_f32_{tag(f)}"] = F.adjust_saturation(f32, f)
    out["contrast_batch_0p5"] = F.adjust_contrast(batch, 0.5)
    out["contrast_gray_1p5"] = F.adjust_contrast(gray, 1.5)
    out["brightness_gray_0p5"] = F.adjust_brightness(gray, 0.5)
    for h in [-0.5, -0.2, 0.0, 0.1, 0.37, 0.5]:
        out[f"hue_u8_{tag(h)}"] = F.adjust_hue(u8, h)
        out[f"hue_f32_{tag(h)}"] = F.adjust_hue(f32, h)
    out["hue_batch_0p25"] = F.adjust_hue(batch, 0.25)
    out["resized_crop_bilinear_f32"] = F.resized_crop(f32, 1, 2, 6, 7, [10, 12], InterpolationMode.BILINEAR,
                                                      antialias=False)
    out["resized_crop_nearest_u8"] = F.resized_crop(u8, 2, 0, 7, 11, [4, 5], InterpolationMode.NEAREST)
    fallback = []
    for (h, w) in [(9, 11), (100, 30), (30, 100), (64, 64), (7, 1)]:
        for ratio in [(3.0 / 4.0, 4.0 / 3.0), (1.0, 1.0), (0.5, 2.0)]:
            img = torch.zeros(1, h, w)
            i, j, hh, ww = T.RandomResizedCrop.get_params(img, scale=[50.0, 60.0], ratio=list(ratio))
            fallback.append([h, w, int(ratio[0] * 1e6), int(ratio[1] * 1e6), i, j, hh, ww])
    out["fallback"] = torch.tensor(fallback, dtype=torch.int64)
    write_safetensors(OUT, out, {"torch": torch.__version__})
    print(f"wrote {len(out)} tensors to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
