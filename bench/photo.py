#!/usr/bin/env python3
"""Writes a realistic photo of a handwritten digit for `lenet5 bench --image`: an MNIST digit enlarged onto a
SIDE x SIDE sheet of paper (dark ink, a little off centre), lit unevenly (a linear gradient of 70 grey levels),
with sensor noise (sd 6), saved as RGB JPEG at quality 85, as a phone would. Deterministic for its arguments.

  /usr/bin/python3 bench/photo.py OUT.jpg [--data DIR] [--index N] [--side 1000]

--data: MNIST-format IDX files (default: $LENET5_DATA, else data/mnist, else ../shared/data/mnist); the digit
is test digit --index (default 0, a 7). Needs Debian's python3-pil and python3-numpy.
"""
import argparse
import importlib.util
import os

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_idx(data_dir, stem):
    """scripts/real-input.py's IDX reader (gzip or plain, either spelling)."""
    spec = importlib.util.spec_from_file_location("real_input", os.path.join(ROOT, "scripts", "real-input.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_idx(data_dir, stem)


def photo(digit, side, rng):
    """The digit's ink, 45 % of the side tall, dark on lit paper with noise, as an RGB array."""
    size = int(0.45 * side)
    ink = np.asarray(Image.fromarray(digit).resize((size, size), Image.BICUBIC), dtype=np.float64) / 255.0
    sheet = np.zeros((side, side))
    top, left = int(0.30 * side), int(0.22 * side)
    sheet[top:top + size, left:left + size] = ink
    ys, xs = np.mgrid[0:side, 0:side]
    paper = 235.0 - 70.0 * (0.6 * xs + 0.4 * ys) / side
    grey = paper * (1 - 0.8 * sheet) + rng.normal(0, 6, sheet.shape)
    tint = np.array([1.0, 0.98, 0.93])  # warm indoor light
    return np.clip(grey[..., None] * tint, 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--data", default=None)
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--side", type=int, default=1000)
    args = parser.parse_args()
    data = args.data or os.environ.get("LENET5_DATA") or os.path.join(ROOT, "data", "mnist")
    if not os.path.isdir(data):
        data = os.path.join(ROOT, "..", "shared", "data", "mnist")
    digit = read_idx(data, "t10k-images-idx3-ubyte")[args.index]
    rng = np.random.default_rng([args.index, args.side])
    Image.fromarray(photo(digit, args.side, rng), "RGB").save(args.out, quality=85)


if __name__ == "__main__":
    main()
