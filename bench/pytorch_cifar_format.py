#!/usr/bin/env python3
"""lenet5's modern preset and training recipe in PyTorch, on a CIFAR-10-format (or IDX) dataset, for side by side.

  /usr/bin/python3 bench/pytorch_cifar_format.py --data DIR [--seed 1] [--threads 2] [--epochs 5] [--batch 64]
                                                 [--lr 0.003] [--init torch|lenet5] [--format auto|cifar10|idx]

The same network and recipe as `lenet5 train` with no options on that data (docs/training.md), written
independently of lenet5's code, to measure lenet5's accuracy and speed against (docs/datasets.md):
  input     C×32×32 (C = 3 for CIFAR-10 batches; 1 for IDX files, 28×28 padded by 2 with the background, byte 0),
            each channel standardised with the TRAINING set's mean and deviation over all its pixels (bytes/255;
            the population deviation; the padding is not counted), as lenet5's modern preset does
  network   C1 conv 5×5 C→6, ReLU; S2 2×2 average pool; C3 conv 5×5 6→16 (every map to every map), ReLU; S4 2×2
            average pool; C5 conv 5×5 16→120, ReLU; F6 dense 120→84, ReLU; output dense 84→K (K classes)
  loss      softmax cross-entropy, mean over the batch
  optimiser Adam (β 0.9, 0.999, ε 1e-8), learning rate 0.003 with a cosine decay over all steps: step t of T
            (t = 0, 1, …, T−1; T = epochs × ⌈N/batch⌉, the last batch of an epoch smaller) uses lr·½(1+cos(πt/T))
  batches   64, 5 epochs, the training set shuffled anew each epoch (torch.randperm, seeded)
  init      --init torch (the default): PyTorch's own (nn.Conv2d/nn.Linear: kaiming_uniform with a=√5, i.e.
            weights and biases uniform in ±1/√fan-in); --init lenet5: lenet5's (weights uniform in ±√(6/fan-in)
            for the ReLU layers, ±1/√fan-in for the output layer, biases 0)
Images are held as bytes and turned into floats a batch at a time (as lenet5 does), so a colour set costs 180 MB,
not 740. Training seconds count the training steps only (not loading, not the test passes).

Reads CIFAR-10's binary batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin: records of 1 label byte
and 1024 R, 1024 G, 1024 B bytes; class names from batches.meta.txt) or MNIST-format IDX files (plain or .gz).
Prints one JSON line per epoch (test accuracy, seconds) and a final summary line:
  {"summary": "pytorch", "test_accuracy": …, "train_seconds": …, "images_per_s": …, "class_accuracy": {…}, …}

Needs Debian's python3-torch: run it with /usr/bin/python3. Like the anchors (../shared/anchors), it sets
OPENBLAS_NUM_THREADS=1 unless set, so OpenBLAS's threads do not fight PyTorch's over the cores.

On a busy machine (more runnable threads than cores) set OMP_WAIT_POLICY=PASSIVE: PyTorch's OpenMP threads
otherwise spin at every barrier while the other one waits for a core, and 2 threads ran 12× slower than 1
(243 against 3,066 images/s with PASSIVE, load average 8 on 2 cores, 2026-12-02). On an idle machine leave it
unset (PyTorch's default), which is what the speed figures of the anchors were measured with. The summary
line records the policy in force.
"""
import argparse, gzip, json, math, os, re, struct, sys, time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch
import torch.nn as nn
import torch.nn.functional as F

RECORD = 1 + 3 * 32 * 32


def read_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def load_cifar(data_dir, split):
    if split == "train":
        names = sorted((n for n in os.listdir(data_dir) if re.fullmatch(r"data_batch_\d+\.bin", n)),
                       key=lambda n: int(re.search(r"\d+", n).group()))
    else:
        names = ["test_batch.bin"]
    if not names or not os.path.exists(os.path.join(data_dir, names[0])):
        raise SystemExit(f"{data_dir}: no CIFAR-10 {split} batches")
    data = b"".join(read_bytes(os.path.join(data_dir, n)) for n in names)
    if len(data) % RECORD:
        raise SystemExit(f"{data_dir}: {split} batches are not whole {RECORD}-byte records")
    raw = torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(-1, RECORD)
    return raw[:, 1:].reshape(-1, 3, 32, 32).clone(), raw[:, 0].long().clone()


def cifar_names(data_dir):
    path = os.path.join(data_dir, "batches.meta.txt")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def read_idx(path):
    data = read_bytes(path)
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def find_idx(data_dir, split, what, kind):
    prefixes = ("train",) if split == "train" else ("t10k", "test")
    for n in sorted(os.listdir(data_dir)):
        if f"{kind}-ubyte" in n and any(f"{p}-{what}{s}" in n for p in prefixes for s in "-."):
            return os.path.join(data_dir, n)
    raise SystemExit(f"{data_dir}: no IDX {what} file of the {split} split")


def load_idx(data_dir, split):
    x = read_idx(find_idx(data_dir, split, "images", "idx3"))
    y = read_idx(find_idx(data_dir, split, "labels", "idx1")).long()
    return x.unsqueeze(1).contiguous(), y


def detect(data_dir):
    names = os.listdir(data_dir)
    if any(re.fullmatch(r"data_batch_\d+\.bin", n) for n in names):
        return "cifar10"
    if any("idx3-ubyte" in n for n in names):
        return "idx"
    raise SystemExit(f"{data_dir}: neither CIFAR-10 batches nor IDX files")


class LeNet5(nn.Module):
    def __init__(self, channels, classes):
        super().__init__()
        self.c1 = nn.Conv2d(channels, 6, 5)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.out = nn.Linear(84, classes)

    def forward(self, x):
        x = F.avg_pool2d(torch.relu(self.c1(x)), 2)
        x = F.avg_pool2d(torch.relu(self.c3(x)), 2)
        x = torch.relu(self.c5(x)).flatten(1)
        x = torch.relu(self.f6(x))
        return self.out(x)

    def init_lenet5(self):
        """lenet5's initialisation: ±√(6/F) (He, uniform) for the ReLU layers, ±1/√F for the output, biases 0."""
        with torch.no_grad():
            for layer in (self.c1, self.c3, self.c5, self.f6, self.out):
                fan_in = layer.weight[0].numel()
                bound = math.sqrt((1.0 if layer is self.out else 6.0) / fan_in)
                layer.weight.uniform_(-bound, bound)
                layer.bias.zero_()


class Inputs:
    """Bytes to standardised floats, a batch at a time: channel c of byte v is (v/255 − mean_c)/deviation_c."""

    def __init__(self, train_bytes, pad):
        x = train_bytes.double().div_(255.0)
        dims = [0, 2, 3]
        self.mean = x.mean(dim=dims)  # over every pixel of every training image, per channel
        self.deviation = x.std(dim=dims, unbiased=False)  # population deviation
        self.deviation[self.deviation < 1e-6] = 1.0
        del x
        self.scale = (1.0 / (255.0 * self.deviation)).float().view(1, -1, 1, 1)
        self.shift = (-self.mean / self.deviation).float().view(1, -1, 1, 1)
        self.pad = pad

    def __call__(self, batch_bytes):
        x = batch_bytes.float() * self.scale + self.shift
        if self.pad:  # 28×28 → 32×32 with the background (byte 0)
            x = F.pad(x - self.shift, (self.pad,) * 4, value=0.0) + self.shift
        return x


def evaluate(model, inputs, x, y, classes, batch=1000):
    model.eval()
    predictions = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            predictions.append(model(inputs(x[i:i + batch])).argmax(1))
    model.train()
    predicted = torch.cat(predictions)
    per_class = {}
    for k in range(classes):
        mask = y == k
        if mask.any():
            per_class[k] = round((predicted[mask] == k).float().mean().item(), 4)
    return (predicted == y).float().mean().item(), per_class


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder with CIFAR-10 binary batches or MNIST-format IDX files")
    ap.add_argument("--format", choices=["auto", "cifar10", "idx"], default="auto")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.003)
    ap.add_argument("--init", choices=["torch", "lenet5"], default="torch")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    form = detect(args.data) if args.format == "auto" else args.format
    t0 = time.perf_counter()
    if form == "cifar10":
        (xtr, ytr), (xte, yte) = load_cifar(args.data, "train"), load_cifar(args.data, "test")
        names = cifar_names(args.data)
        pad = 0
    else:
        (xtr, ytr), (xte, yte) = load_idx(args.data, "train"), load_idx(args.data, "test")
        names = None
        pad = (32 - xtr.shape[2]) // 2
    classes = int(max(ytr.max(), yte.max())) + 1
    names = names if names and len(names) >= classes else [str(k) for k in range(classes)]
    inputs = Inputs(xtr, pad)
    load_seconds = time.perf_counter() - t0
    channels = xtr.shape[1]
    print(json.dumps({"data": os.path.abspath(args.data), "format": form, "train_images": len(xtr),
                      "test_images": len(xte), "shape": list(xtr.shape[1:]), "classes": names[:classes],
                      "channel_mean": [round(v, 5) for v in inputs.mean.tolist()],
                      "channel_deviation": [round(v, 5) for v in inputs.deviation.tolist()],
                      "load_seconds": round(load_seconds, 2)}), flush=True)

    model = LeNet5(channels, classes)
    if args.init == "lenet5":
        model.init_lenet5()
    parameters = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = math.ceil(len(xtr) / args.batch)
    total = args.epochs * steps_per_epoch
    generator = torch.Generator().manual_seed(args.seed)

    step, train_seconds, acc, per_class = 0, 0.0, 0.0, {}
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(xtr), generator=generator)
        t0 = time.perf_counter()
        loss_sum = 0.0
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            lr = args.lr * 0.5 * (1.0 + math.cos(math.pi * step / total))
            for group in opt.param_groups:
                group["lr"] = lr
            loss = F.cross_entropy(model(inputs(xtr[idx])), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            step += 1
        dt = time.perf_counter() - t0
        train_seconds += dt
        acc, per_class = evaluate(model, inputs, xte, yte, classes)
        print(json.dumps({"epoch": epoch, "train_seconds": round(dt, 2), "train_images_per_s": round(len(xtr) / dt, 1),
                          "train_loss": round(loss_sum / len(xtr), 4), "test_accuracy": round(acc, 4)}), flush=True)

    print(json.dumps({"summary": "pytorch", "torch": torch.__version__, "data": os.path.abspath(args.data),
                      "format": form, "channels": channels, "parameters": parameters, "seed": args.seed,
                      "threads": args.threads, "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
                      "init": args.init, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
                      "test_accuracy": round(acc, 4), "train_seconds": round(train_seconds, 2),
                      "images_per_s": round(len(xtr) * args.epochs / train_seconds, 1),
                      "class_accuracy": {names[k]: v for k, v in per_class.items()}}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
