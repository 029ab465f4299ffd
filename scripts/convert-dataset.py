#!/usr/bin/env python3
"""Converts a dataset between the forms lenet5 reads (docs/datasets.md), and checks that forms hold the same data.

  /usr/bin/python3 scripts/convert-dataset.py SRC OUT [--classes "A,B,..." | --classes-file FILE]
                                             [--forms folder,csv] [--name NAME] [--prefix auto|always|never]
  /usr/bin/python3 scripts/convert-dataset.py --check DIR DIR [DIR ...] [--classes ... | --classes-file ...]
  /usr/bin/python3 scripts/convert-dataset.py --self-test

Converting: SRC is an IDX folder (MNIST/Fashion-MNIST file names: train-images-idx3-ubyte, t10k-labels-idx1-ubyte,
…, plain or .gz; `test-` for `t10k-` and `.idx3-ubyte` spellings too) or a CIFAR-10 binary folder (data_batch_*.bin,
test_batch.bin, batches.meta.txt). It writes
  OUT/folder/{train,test}/<class folder>/<index>.png   an image folder: one PNG per image, grey (mode L) for IDX,
                                                       RGB for CIFAR, bytes exactly as in SRC; <index> is the
                                                       image's place in SRC's split, zero-padded (00000.png, …)
  OUT/csv/<NAME>_train.csv, OUT/csv/<NAME>_test.csv     Kaggle's CSV (square grey images only): a header
                                                       `label,pixel1,...,pixelN`, then one row per image, the label
                                                       value first, then the N pixels row-major, in SRC's order
  OUT/classes.tsv                                      label value, class name, class folder: one line per class
  OUT/classes.txt, OUT/folder-classes.txt              the class names, and the class folders' names, one per
                                                       line in label order: lenet5's `--classes FILE`, which names
                                                       the label values of IDX and CSV data (classes.txt for the
                                                       names themselves; folder-classes.txt to match the folder
                                                       form's, e.g. to evaluate a folder-trained model on IDX)
NAME defaults to SRC's folder name (…/fashion-mnist gives fashion-mnist_train.csv, as on Kaggle). The CSV keeps
the label values (as Kaggle's does): readers name those classes by their value.

Class names: --classes gives one per label value, in label order (commas separate them; --classes-file FILE has
one per line, for names with commas); else a CIFAR folder's batches.meta.txt, else the label values ("0", "1", …).

The class folder rule. Folder names must be portable and must sort, byte by byte, into the label order, because
readers of image folders (lenet5's, torchvision's ImageFolder) number the classes by their folders' sorted names.
  1. In each name, every character that a folder name cannot hold on Linux, macOS or Windows — / \\ : * ? " < > |
     and control characters — becomes '_' (Fashion-MNIST's "T-shirt/top" becomes "T-shirt_top"); spaces stay
     ("Ankle boot"). A name that is then empty, "." or "..", or two names that become the same, are an error.
  2. Names that are the label values themselves ("0", "1", …; no --classes) are zero-padded to one width
     ("00" … "46" for 47 classes), which sorts them numerically.
  3. --prefix auto (the default): when the names, sorted by their bytes, are already in label order, they are
     used as they are (MNIST's "0".."9"; CIFAR-10's names are not). Otherwise every name gets its label value,
     zero-padded to one width, and '-' in front: Fashion-MNIST's classes become "0-T-shirt_top", "1-Trouser", …,
     "9-Ankle boot", so the folder form numbers its classes exactly as the IDX files do (class i is label i, the
     same class order, confusion matrices and per-class figures line up, and the name still says what it is).
     --prefix always prefixes every name; --prefix never never does (nicer names, but the classes are then
     numbered in the names' sorted order, not the label order).

Checking: --check reads each DIR (IDX, CIFAR-10 binary, CSV or image folder, recognised like lenet5 does)
independently of lenet5's C++ readers (numpy and PIL only) and, for each split, compares the multisets of
(image bytes, class name) pairs exactly; it exits 1 when they differ. Class names are as above: for IDX and CSV,
--classes names the label values; an image folder's class is its folder name, undone through the rule above
(for either prefix choice) when --classes is given, and "07" is "7" without it. It also says whether the forms
number their classes in the same order (what a reader would call class 0, 1, …), and prints each split's counts.

Needs numpy and PIL (Debian's python3-numpy, python3-pil): run it with /usr/bin/python3 here.

Example (Fashion-MNIST, Debian's dataset-fashion-mnist):
  /usr/bin/python3 scripts/convert-dataset.py /usr/share/datasets/fashion-mnist /tmp/datasets/fashion-mnist \\
      --classes "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"
  /usr/bin/python3 scripts/convert-dataset.py --check /usr/share/datasets/fashion-mnist \\
      /tmp/datasets/fashion-mnist/folder /tmp/datasets/fashion-mnist/csv --classes "T-shirt/top,Trouser,..."
"""
import argparse
import collections
import gzip
import hashlib
import os
import re
import struct
import sys
import time

import numpy as np
from PIL import Image

FORBIDDEN = set('/\\:*?"<>|')
SPLITS = ("train", "test")


class DataError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------------
# Class names and the folder rule


def sanitize(name):
    """Rule 1: characters no portable folder name can hold become '_'."""
    out = "".join("_" if (c in FORBIDDEN or ord(c) < 32 or ord(c) == 127) else c for c in name)
    if out in ("", ".", ".."):
        raise DataError(f"class name {name!r} cannot be a folder name")
    return out


def folder_names(names, numeric, prefix="auto"):
    """The class folder for each label value (index into `names`), by the rule in the docstring."""
    width = len(str(len(names) - 1))
    if numeric:
        folders = [str(int(n)).zfill(width) for n in names]
    else:
        folders = [sanitize(n) for n in names]
    if len(set(folders)) != len(folders):
        raise DataError("two class names give the same folder name: " + ", ".join(folders))
    in_order = [f.encode() for f in folders] == sorted(f.encode() for f in folders)
    if prefix == "always" or (prefix == "auto" and not in_order):
        folders = [str(i).zfill(width) + "-" + f for i, f in enumerate(folders)]
    return folders


def read_classes(args):
    if args.classes and args.classes_file:
        raise DataError("give --classes or --classes-file, not both")
    if args.classes:
        return [n.strip() for n in args.classes.split(",")]
    if args.classes_file:
        with open(args.classes_file, encoding="utf-8") as f:
            return [line.rstrip("\r\n") for line in f if line.strip()]
    return None


# ---------------------------------------------------------------------------------------------------------------
# Readers: each returns a Split: images uint8 (count, channels, rows, cols) (CSV: (count, 1, side, side) when the
# pixel count is a square, else (count, 1, 1, n)), codes int (count,) and names {code: class name}.

Split = collections.namedtuple("Split", "images codes names form")


def read_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def read_idx(path):
    data = read_bytes(path)
    if len(data) < 4:
        raise DataError(f"{path}: too short for an IDX file")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise DataError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path}: {body.size} bytes of data, the header says {int(np.prod(dims))}")
    return body.reshape(dims)


def find_idx(d, split, what, kind):
    prefixes = ("train",) if split == "train" else ("t10k", "test")
    found = sorted({n for n in os.listdir(d) if f"{kind}-ubyte" in n and os.path.isfile(os.path.join(d, n))
                    and any(f"{p}-{what}{s}" in n for p in prefixes for s in "-.")})
    if len(found) != 1:
        raise DataError(f"{d}: {'no' if not found else 'several'} IDX {what} file(s) of the {split} split {found}")
    return os.path.join(d, found[0])


def load_idx(d, split, classes):
    images = read_idx(find_idx(d, split, "images", "idx3"))
    labels = read_idx(find_idx(d, split, "labels", "idx1"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{d}: {split} images {images.shape} and labels {labels.shape} do not match")
    return Split(images[:, None], labels.astype(np.int64), value_names(labels, classes, d), "idx")


def value_names(codes, classes, where):
    names = {}
    for v in np.unique(codes):
        v = int(v)
        if classes is not None and v >= len(classes):
            raise DataError(f"{where}: label {v} but only {len(classes)} class names")
        names[v] = classes[v] if classes is not None else str(v)
    return names


def cifar_files(d, split):
    if split == "test":
        files = [os.path.join(d, "test_batch.bin")]
    else:
        files = sorted((os.path.join(d, n) for n in os.listdir(d) if re.fullmatch(r"data_batch_\d+\.bin", n)),
                       key=lambda p: int(re.search(r"(\d+)\.bin$", p).group(1)))
    if not files or not all(os.path.isfile(f) for f in files):
        raise DataError(f"{d}: no CIFAR-10 batches of the {split} split")
    return files


def cifar_meta(d):
    path = os.path.join(d, "batches.meta.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def load_cifar(d, split, classes):
    data = b"".join(read_bytes(f) for f in cifar_files(d, split))
    record = 1 + 3 * 32 * 32
    if len(data) % record:
        raise DataError(f"{d}: {split} batches are not whole {record}-byte records")
    raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, record)
    names = classes if classes is not None else cifar_meta(d)
    codes = raw[:, 0].astype(np.int64)
    return Split(raw[:, 1:].reshape(-1, 3, 32, 32), codes, value_names(codes, names, d), "cifar10")


def find_csv(d, split):
    found = sorted(n for n in os.listdir(d) if n.endswith(".csv") and split in n.lower())
    if len(found) != 1:
        raise DataError(f"{d}: {'no' if not found else 'several'} *{split}*.csv file(s) {found}")
    return os.path.join(d, found[0])


def load_csv(d, split, classes):
    path = find_csv(d, split)
    text = read_bytes(path).replace(b"\r\n", b"\n")
    lines = text.split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    header, rows = lines[0], lines[1:]
    fields = header.count(b",") + 1
    for i, row in enumerate(rows):
        if row.count(b",") + 1 != fields:
            raise DataError(f"{path}:{i + 2}: {row.count(b',') + 1} fields, the header has {fields}")
    values = np.fromstring(b",".join(rows), dtype=np.int64, sep=",")
    if values.size != len(rows) * fields:
        raise DataError(f"{path}: a field is not an integer")
    values = values.reshape(len(rows), fields)
    pixels = values[:, 1:]
    if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
        raise DataError(f"{path}: a pixel outside 0-255")
    n = fields - 1
    side = int(round(n ** 0.5))
    shape = (1, side, side) if side * side == n else (1, 1, n)
    codes = values[:, 0]
    return Split(pixels.astype(np.uint8).reshape((-1,) + shape), codes, value_names(codes, classes, path), "csv")


def load_folder(d, split, classes):
    root = os.path.join(d, split)
    folders = sorted((n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)) and not n.startswith(".")),
                     key=lambda n: n.encode())
    if classes is not None:
        undo = {}
        for prefix in ("never", "always"):
            for name, folder in zip(classes, folder_names(classes, False, prefix)):
                undo.setdefault(folder, name)
    images, codes, names = [], [], {}
    for code, folder in enumerate(folders):
        if classes is not None:
            if folder not in undo:
                raise DataError(f"{root}/{folder}: not a folder name the class names give")
            names[code] = undo[folder]
        else:
            names[code] = str(int(folder)) if folder.isdigit() else folder
        for n in sorted(os.listdir(os.path.join(root, folder))):
            path = os.path.join(root, folder, n)
            if n.startswith(".") or not os.path.isfile(path):
                continue
            with Image.open(path) as im:
                if im.mode in ("1", "L"):
                    a = np.asarray(im.convert("L"))[None]
                elif im.mode in ("RGB", "P"):
                    a = np.asarray(im.convert("RGB")).transpose(2, 0, 1)
                else:
                    raise DataError(f"{path}: mode {im.mode}, not grey or RGB")
            images.append(a)
            codes.append(code)
    if not images:
        raise DataError(f"{root}: no images")
    if len({a.shape for a in images}) != 1:
        raise DataError(f"{root}: images of several shapes {sorted({a.shape for a in images})[:4]}")
    return Split(np.stack(images), np.array(codes, dtype=np.int64), names, "folder")


def detect(d):
    names = os.listdir(d)
    if any("idx3-ubyte" in n for n in names):
        return "idx"
    if any(re.fullmatch(r"data_batch_\d+\.bin", n) for n in names) or "test_batch.bin" in names:
        return "cifar10"
    if any(n.endswith(".csv") for n in names):
        return "csv"
    if os.path.isdir(os.path.join(d, "train")):
        return "folder"
    raise DataError(f"{d}: no dataset found (IDX, CIFAR-10 batches, CSV or train/<class>/ folders)")


LOADERS = {"idx": load_idx, "cifar10": load_cifar, "csv": load_csv, "folder": load_folder}


def load(d, split, classes):
    return LOADERS[detect(d)](d, split, classes)


# ---------------------------------------------------------------------------------------------------------------
# Writing


def write_folder(split_data, out, split, folders):
    count = len(split_data.images)
    width = max(5, len(str(count - 1)))
    for f in set(folders[c] for c in split_data.names):
        os.makedirs(os.path.join(out, split, f), exist_ok=True)
    for i in range(count):
        im = split_data.images[i]
        picture = Image.fromarray(im[0], "L") if im.shape[0] == 1 else Image.fromarray(im.transpose(1, 2, 0), "RGB")
        picture.save(os.path.join(out, split, folders[split_data.codes[i]], f"{i:0{width}d}.png"))


def write_csv(split_data, path):
    if split_data.images.shape[1] != 1:
        raise DataError("the CSV form is for grey images only")
    if split_data.images.shape[2] != split_data.images.shape[3]:
        raise DataError("the CSV form is for square images only (its rows do not say the shape)")
    count = len(split_data.images)
    pixels = split_data.images.reshape(count, -1)
    header = "label," + ",".join(f"pixel{i + 1}" for i in range(pixels.shape[1]))
    table = np.concatenate([split_data.codes[:, None], pixels.astype(np.int64)], axis=1)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="\n") as f:
        f.write(header + "\n")
        for start in range(0, count, 5000):
            f.write("\n".join(",".join(map(str, row)) for row in table[start:start + 5000].tolist()) + "\n")
    os.replace(tmp, path)


def convert(args):
    classes = read_classes(args)
    form = detect(args.src)
    if form not in ("idx", "cifar10"):
        raise DataError(f"{args.src}: a {form} dataset; convert from IDX or CIFAR-10 binary")
    if classes is None and form == "cifar10":
        classes = cifar_meta(args.src)
    name = args.name or os.path.basename(os.path.normpath(args.src))
    forms = [f for f in args.forms.split(",") if f]
    data = {s: LOADERS[form](args.src, s, classes) for s in SPLITS}
    shape = data["train"].images.shape
    if "csv" in forms and (shape[1] != 1 or shape[2] != shape[3]):
        raise DataError(f"{args.src}: {shape[1]}x{shape[2]}x{shape[3]} images; the CSV form is for square grey "
                        "images only (use --forms folder)")
    count = max(max(d.names) for d in data.values()) + 1
    names = classes if classes is not None else [str(v) for v in range(count)]
    folders = folder_names(names, classes is None, args.prefix)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "classes.tsv"), "w", encoding="utf-8") as f:
        f.write("label\tclass\tfolder\n")
        for v, (n, folder) in enumerate(zip(names, folders)):
            f.write(f"{v}\t{n}\t{folder}\n")
    for file, listed in (("classes.txt", names), ("folder-classes.txt", folders)):
        with open(os.path.join(args.out, file), "w", encoding="utf-8") as f:
            f.write("".join(n + "\n" for n in listed))
    for s in SPLITS:
        d = data[s]
        if "folder" in forms:
            t0 = time.perf_counter()
            write_folder(d, os.path.join(args.out, "folder"), s, folders)
            print(f"{args.out}/folder/{s}: {len(d.images)} PNGs in {len(d.names)} class folders "
                  f"({time.perf_counter() - t0:.1f} s)", flush=True)
        if "csv" in forms:
            t0 = time.perf_counter()
            os.makedirs(os.path.join(args.out, "csv"), exist_ok=True)
            path = os.path.join(args.out, "csv", f"{name}_{s}.csv")
            write_csv(d, path)
            print(f"{path}: {len(d.images)} rows ({time.perf_counter() - t0:.1f} s)", flush=True)
    print("class folders: " + ", ".join(folders))


# ---------------------------------------------------------------------------------------------------------------
# Checking


def multiset_digest(split, order):
    """Sorted (class number in `order`, image bytes) rows, and a SHA-256 of them."""
    index = {n: i for i, n in enumerate(order)}
    count = len(split.images)
    rows = np.empty((count, 2 + split.images[0].size), dtype=np.uint8)
    labels = np.array([index[split.names[int(c)]] for c in split.codes], dtype=np.uint16)
    rows[:, 0], rows[:, 1] = labels >> 8, labels & 255
    rows[:, 2:] = split.images.reshape(count, -1)
    rows = rows[np.lexsort(rows.T[::-1])]
    return rows, hashlib.sha256(rows.tobytes()).hexdigest()


def check(args):
    classes = read_classes(args)
    failed = False
    for s in SPLITS:
        loaded = []
        for d in args.dirs:
            t0 = time.perf_counter()
            split = load(d, s, classes)
            loaded.append(split)
            order = [split.names[c] for c in sorted(split.names)]
            print(f"{d} ({split.form}, {s}): {len(split.images)} images {'x'.join(map(str, split.images.shape[1:]))}, "
                  f"{len(order)} classes in order: {', '.join(order)} ({time.perf_counter() - t0:.1f} s)", flush=True)
        names = sorted(set().union(*(set(x.names.values()) for x in loaded)))
        reference, ref_digest = None, None
        for d, split in zip(args.dirs, loaded):
            csv = "csv" in (split.form, loaded[0].form)  # CSV rows carry no shape: compare their pixel counts
            if (split.images[0].size != loaded[0].images[0].size if csv
                    else split.images.shape[1:] != loaded[0].images.shape[1:]):
                print(f"  DIFFER: {d} has {split.images.shape[1:]} images, {args.dirs[0]} {loaded[0].images.shape[1:]}")
                failed = True
                continue
            rows, digest = multiset_digest(split, names)
            if reference is None:
                reference, ref_digest = rows, digest
                print(f"  {s}: multiset SHA-256 {digest} ({args.dirs[0]})")
                continue
            if digest == ref_digest and np.array_equal(rows, reference):
                print(f"  {s}: {d}: the same multiset of (image, class name) pairs")
            else:
                failed = True
                a = collections.Counter(map(bytes, reference))
                b = collections.Counter(map(bytes, rows))
                only_a, only_b = a - b, b - a
                print(f"  {s}: DIFFER: {d}: {sum(only_b.values())} pairs not in {args.dirs[0]}, "
                      f"{sum(only_a.values())} of its pairs missing")
                for key in list(only_b)[:3]:
                    print(f"    e.g. class {names[key[0] * 256 + key[1]]!r}, image sha1 {hashlib.sha1(key[2:]).hexdigest()[:12]}")
        orders = [[x.names[c] for c in sorted(x.names)] for x in loaded]
        same = all(o == orders[0] for o in orders)
        print(f"  {s}: class numbering {'the same in every form' if same else 'DIFFERS between the forms'} "
              f"(class i: the i-th label value, CIFAR label byte or sorted folder name)")
    print("OK: the same (image, class) multisets" if not failed else "FAILED: the forms differ")
    return 1 if failed else 0


def self_test():
    """Converts a small made-up IDX dataset (12 classes, names needing every rule), checks the forms agree, then
    checks that moving one image to another class and changing one CSV pixel are both caught."""
    import shutil, tempfile
    root = tempfile.mkdtemp(prefix="convert-dataset-")
    try:
        rng = np.random.default_rng(0)
        src = os.path.join(root, "idx")
        os.makedirs(src)
        for split, n in (("train", 240), ("t10k", 60)):
            images = rng.integers(0, 256, size=(n, 6, 6), dtype=np.uint8)
            labels = (np.arange(n) % 12).astype(np.uint8)
            with open(os.path.join(src, f"{split}-images-idx3-ubyte"), "wb") as f:
                f.write(struct.pack(">HBBIII", 0, 8, 3, n, 6, 6) + images.tobytes())
            with gzip.open(os.path.join(src, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
                f.write(struct.pack(">HBBI", 0, 8, 1, n) + labels.tobytes())
        names = ["T-shirt/top", "a:b", "Zebra", "Ankle boot", "x*y", "q?", "<c>", "d|e", 'f"g', "h\\i", "k", "L"]
        classes = ",".join(names)
        out = os.path.join(root, "out")
        quiet = open(os.devnull, "w")
        stdout, sys.stdout = sys.stdout, (quiet if not os.environ.get("SELF_TEST_VERBOSE") else sys.stdout)
        try:
            convert(argparse.Namespace(src=src, out=out, classes=classes, classes_file=None, forms="folder,csv",
                                       name="t", prefix="auto"))
            folders = sorted(os.listdir(os.path.join(out, "folder", "train")))
            assert folders[0] == "00-T-shirt_top" and folders[-1] == "11-L", folders
            args = argparse.Namespace(dirs=[src, os.path.join(out, "folder"), os.path.join(out, "csv")],
                                      classes=classes, classes_file=None)
            assert check(args) == 0, "the converted forms differ"
            moved = sorted(os.listdir(os.path.join(out, "folder", "test", folders[0])))[0]
            os.rename(os.path.join(out, "folder", "test", folders[0], moved),
                      os.path.join(out, "folder", "test", folders[1], moved))
            assert check(argparse.Namespace(dirs=args.dirs[:2], classes=classes, classes_file=None)) == 1
            path = os.path.join(out, "csv", "t_test.csv")
            lines = open(path).read().split("\n")
            fields = lines[1].split(",")
            fields[5] = str((int(fields[5]) + 1) % 256)
            lines[1] = ",".join(fields)
            open(path, "w").write("\n".join(lines))
            assert check(argparse.Namespace(dirs=[src, args.dirs[2]], classes=classes, classes_file=None)) == 1
        finally:
            sys.stdout = stdout
        print("self-test passed: 12 classes converted and checked; a moved image and a changed pixel were caught")
        return 0
    finally:
        shutil.rmtree(root)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", nargs="?", help="IDX or CIFAR-10 binary folder to convert")
    ap.add_argument("out", nargs="?", help="output folder (gets folder/, csv/ and classes.tsv)")
    ap.add_argument("--check", nargs="+", metavar="DIR", dest="dirs", help="compare these dataset folders")
    ap.add_argument("--classes", help="class names in label order, comma-separated")
    ap.add_argument("--classes-file", help="class names in label order, one per line")
    ap.add_argument("--forms", default="folder,csv", help="what to write: folder, csv or both (default)")
    ap.add_argument("--name", help="CSV file stem (default: SRC's folder name)")
    ap.add_argument("--prefix", choices=["auto", "always", "never"], default="auto",
                    help="prefix class folders with the label value: when needed for label order (default)")
    ap.add_argument("--self-test", action="store_true", help="convert and check a small made-up dataset")
    args = ap.parse_args()
    try:
        if args.self_test:
            return self_test()
        if args.dirs:
            if args.src or len(args.dirs) < 2:
                ap.error("--check takes two or more folders and nothing else")
            return check(args)
        if not args.src or not args.out:
            ap.error("give SRC and OUT, or --check DIR DIR")
        convert(args)
        return 0
    except (DataError, OSError) as e:
        print(f"convert-dataset: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
