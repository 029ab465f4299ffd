#!/usr/bin/env python3
"""Writes small MNIST-like datasets that differ from MNIST, for the fine-tuning figures of docs/training.md:
the first 500 training images (of the classes kept) and the first 2,000 test images, each changed the same
way, as IDX files in OUT/<name>/:

  thick  strokes thickened by one pixel each side (a 3x3 maximum), all ten digits
  rot    rotated 40 degrees anticlockwise (bilinear), all ten digits
  rot5   rotated likewise, the digits 0-4 only (five classes: a fine-tuned model needs a new output layer)

usage: scripts/shifted-mnist.py MNIST_DIR OUT"""
import gzip
import math
import os
import struct
import sys

TRAIN_IMAGES, TEST_IMAGES, SIDE = 500, 2000, 28


def read_idx(path):
    data = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    if data[3] == 3:
        count = struct.unpack(">I", data[4:8])[0]
        return [data[16 + i * SIDE * SIDE:16 + (i + 1) * SIDE * SIDE] for i in range(count)]
    return list(data[8:])


def find(folder, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f"{folder}: no {stem}[.gz]")


def thick(image):
    return bytes(max(image[yy * SIDE + xx] for yy in range(max(0, y - 1), min(SIDE, y + 2))
                     for xx in range(max(0, x - 1), min(SIDE, x + 2)))
                 for y in range(SIDE) for x in range(SIDE))


def rotated(image, degrees=40.0):
    cos, sin, centre = math.cos(math.radians(degrees)), math.sin(math.radians(degrees)), (SIDE - 1) / 2
    out = bytearray(SIDE * SIDE)
    for y in range(SIDE):
        for x in range(SIDE):
            sx = cos * (x - centre) + sin * (y - centre) + centre
            sy = -sin * (x - centre) + cos * (y - centre) + centre
            x0, y0 = math.floor(sx), math.floor(sy)
            fx, fy = sx - x0, sy - y0
            value = 0.0
            for xx, yy, weight in ((x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)),
                                   (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)):
                if 0 <= xx < SIDE and 0 <= yy < SIDE:
                    value += weight * image[yy * SIDE + xx]
            out[y * SIDE + x] = min(255, int(value + 0.5))
    return bytes(out)


def write_split(folder, prefix, images, labels):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, prefix + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, len(images), SIDE, SIDE) + b"".join(images))
    with open(os.path.join(folder, prefix + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, len(labels)) + bytes(labels))


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    mnist, out = sys.argv[1:]
    splits = {prefix: (read_idx(find(mnist, prefix + "-images-idx3-ubyte")),
                       read_idx(find(mnist, prefix + "-labels-idx1-ubyte"))) for prefix in ("train", "t10k")}
    for name, change, classes in (("thick", thick, 10), ("rot", rotated, 10), ("rot5", rotated, 5)):
        for prefix, limit in (("train", TRAIN_IMAGES), ("t10k", TEST_IMAGES)):
            images, labels = splits[prefix]
            chosen = [i for i in range(len(labels)) if labels[i] < classes][:limit] if prefix == "train" else \
                [i for i in range(limit) if labels[i] < classes]
            write_split(os.path.join(out, name), prefix, [change(images[i]) for i in chosen], [labels[i] for i in chosen])
        print(f"{out}/{name}")


if __name__ == "__main__":
    main()
