#!/usr/bin/env python3
"""Makes a colour dataset in CIFAR-10's binary format: MNIST digits in random foreground and background colours.

  /usr/bin/python3 scripts/make-colour-mnist.py OUT [--data DIR] [--seed 1] [--min-distance 128] [--names words]

Reads MNIST's IDX files (--data; default $LENET5_DATA, else data/mnist, else ../shared/data/mnist; plain or .gz)
and writes, in OUT:
  data_batch_1.bin … data_batch_5.bin   MNIST's 60,000 training digits in their order, 12,000 records each
  test_batch.bin                        MNIST's 10,000 test digits
  batches.meta.txt                      the class names, one per line: "zero" … "nine" (--names words, the
                                        default) or "0" … "9" (--names digits)
Each record is CIFAR-10's: 1 label byte (the digit), then 1024 red, 1024 green and 1024 blue bytes, each plane a
32×32 image row by row. The 28×28 digit sits in the middle of the 32×32 field (2 pixels of background around it,
as LeNet-5's input has). Every image has its own two colours, drawn uniformly from the RGB cube: the background b
and the foreground (ink) f, redrawn until they are at least --min-distance apart (Euclidean, in bytes; default
128; black to white is 441), so the digit is always visible —
but not always in brightness: a red digit on a green ground of equal grey level is there only in colour. MNIST's
ink coverage a (0–255) mixes the two: pixel = round(b + (f − b)·a/255), channel by channel.

Deterministic: the same --seed gives the same bytes (numpy's PCG64; the training set and the test set draw from
their own streams, so either can be rebuilt alone). Writes each file through a temporary name. Needs numpy
(Debian's python3-numpy): run it with /usr/bin/python3 here.
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SIDE, PAD = 32, 2


def default_data():
    for d in (os.environ.get("LENET5_DATA"), os.path.join(ROOT, "data", "mnist"),
              os.path.join(ROOT, "..", "shared", "data", "mnist")):
        if d and os.path.isdir(d):
            return d
    return os.path.join(ROOT, "data", "mnist")


def read_idx(d, stem):
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        path = os.path.join(d, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            zero, dtype, ndim = struct.unpack(">HBB", data[:4])
            if zero != 0 or dtype != 8:
                raise SystemExit(f"{path}: not an unsigned-byte IDX file")
            dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
            return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise SystemExit(f"no {stem}[.gz] in {d}")


def colours(rng, count, min_distance):
    """`count` (background, foreground) pairs of RGB colours at least min_distance apart."""
    back = rng.integers(0, 256, size=(count, 3)).astype(np.float64)
    fore = rng.integers(0, 256, size=(count, 3)).astype(np.float64)
    while True:
        close = np.linalg.norm(fore - back, axis=1) < min_distance
        if not close.any():
            return back, fore
        fore[close] = rng.integers(0, 256, size=(int(close.sum()), 3))


def colour_images(digits, rng, min_distance):
    count = len(digits)
    back, fore = colours(rng, count, min_distance)
    images = np.empty((count, 3, SIDE, SIDE), dtype=np.uint8)
    for start in range(0, count, 2000):  # in chunks: the whole set in float64 would take 1.5 GB
        end = min(start + 2000, count)
        a = np.zeros((end - start, SIDE, SIDE), dtype=np.float64)
        a[:, PAD:PAD + digits.shape[1], PAD:PAD + digits.shape[2]] = digits[start:end] / 255.0
        # each channel b + (f - b)·a
        planes = back[start:end, :, None, None] + (fore - back)[start:end, :, None, None] * a[:, None]
        images[start:end] = np.rint(planes).clip(0, 255).astype(np.uint8)
    return images, back, fore


def write_batch(path, labels, images):
    records = np.concatenate([labels[:, None], images.reshape(len(images), -1)], axis=1)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(records.astype(np.uint8).tobytes())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output folder")
    ap.add_argument("--data", default=None, help="MNIST IDX folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-distance", type=float, default=128.0, help="least RGB distance of ink and ground")
    ap.add_argument("--names", choices=["words", "digits"], default="words")
    args = ap.parse_args()
    data = args.data or default_data()
    os.makedirs(args.out, exist_ok=True)

    for split, stem in (("train", "train"), ("test", "t10k")):
        digits = read_idx(data, f"{stem}-images-idx3-ubyte")
        labels = read_idx(data, f"{stem}-labels-idx1-ubyte")
        rng = np.random.default_rng([args.seed, 0 if split == "train" else 1])
        images, back, fore = colour_images(digits, rng, args.min_distance)
        if split == "train":
            if len(images) % 5:
                raise SystemExit(f"{len(images)} training images do not split into 5 batches")
            per = len(images) // 5
            for b in range(5):
                write_batch(os.path.join(args.out, f"data_batch_{b + 1}.bin"), labels[b * per:(b + 1) * per],
                            images[b * per:(b + 1) * per])
            print(f"{args.out}/data_batch_1..5.bin: {len(images)} images, {per} a batch")
        else:
            write_batch(os.path.join(args.out, "test_batch.bin"), labels, images)
            print(f"{args.out}/test_batch.bin: {len(images)} images")
        grey = lambda c: c @ np.array([0.299, 0.587, 0.114])
        contrast = np.abs(grey(fore) - grey(back))
        print(f"  {split}: RGB distance ink-ground min {np.linalg.norm(fore - back, axis=1).min():.0f}, "
              f"grey-level contrast (Rec. 601) median {np.median(contrast):.0f}, under 16 in "
              f"{(contrast < 16).mean() * 100:.1f} % of images")
    names = WORDS if args.names == "words" else [str(d) for d in range(10)]
    with open(os.path.join(args.out, "batches.meta.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    print(f"{args.out}/batches.meta.txt: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
