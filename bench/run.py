#!/usr/bin/env python3
"""Benchmarks lenet5 against the PyTorch anchor, side by side in one run (see bench/run.sh for usage).

Within each repetition every figure is measured for ours and then the anchor, alternating; the table shows
medians. ratio > 1 always means lenet5 is better: ours/anchor for throughputs, anchor/ours for times,
latency and memory. Python 3 standard library only; the anchor runs under /usr/bin/python3 (python3-torch).
"""
import argparse, datetime, json, os, platform, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN_MFLOP, INFER_MFLOP = 2.5, 0.83  # per image: nominal training cost, forward cost


class OursFailed(Exception):
    pass


def run(cmd, env=None):
    """Runs cmd to completion; returns (exit code, stdout, stderr, peak RSS of the child in MiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage: ru_maxrss in KiB on Linux
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return child.returncode, out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024


def json_lines(text):
    rows = []
    for line in text.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass
    return [r for r in rows if isinstance(r, dict)]


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1][:300] if lines else "no output"


class Bench:
    def __init__(self, args, tmp):
        self.a, self.model = args, os.path.join(tmp, "bench.model")
        self.samples, self.anchor_error, self.torch, self.photo_error = {}, None, None, None
        script = os.path.join(args.anchors, "pytorch_lenet5.py")
        if args.skip_anchor:
            self.anchor_error = "skipped (--skip-anchor)"
        elif not os.path.exists(script):
            self.anchor_error = f"{script} not found"
        else:
            self.anchor_cmd = [args.python, script, "--data", args.data]
            try:
                rc, out, err, _ = run([args.python, "-c", "import torch; print(torch.__version__)"])
                self.torch = out.strip() if rc == 0 else None
                if rc != 0:
                    self.anchor_error = f"torch unavailable: {last_line(err)}"
            except OSError as e:
                self.anchor_error = f"{args.python}: {e}"

    def add(self, key, side, value):
        if value is not None:
            self.samples.setdefault((key, side), []).append(value)

    def ours(self, *args):
        cmd = [self.a.bin, *map(str, args)]
        log(" ".join(cmd))
        try:
            rc, out, err, rss = run(cmd)
        except OSError as e:
            raise OursFailed(f"{cmd[0]}: {e}")
        if rc != 0:
            raise OursFailed(f"{' '.join(cmd)} exited with {rc}: {last_line(err)}")
        return json_lines(out), rss

    def train(self, *args):
        rows, rss = self.ours("train", "--data", self.a.data, "--json", "--out", self.model, *args)
        epochs = [r for r in rows if "epoch" in r]
        if not epochs:
            raise OursFailed("lenet5 train printed no JSON epoch lines")
        return epochs, rss

    def bench(self, *args):
        rows, _ = self.ours("bench", self.model, *args, "--json")
        if not rows:
            raise OursFailed("lenet5 bench printed no JSON")
        return rows[-1]

    def photo(self):
        """bench/photo.py's 1000x1000 JPEG of a test digit, written once; None (and a note) if it cannot be."""
        if not hasattr(self, "photo_path"):
            self.photo_path = os.path.join(os.path.dirname(self.model), "photo.jpg")
            cmd = [self.a.python, os.path.join(ROOT, "bench", "photo.py"), self.photo_path, "--data", self.a.data]
            log(" ".join(cmd))
            rc, _, err, _ = run(cmd)
            if rc != 0:
                self.photo_error = f"bench/photo.py exited with {rc}: {last_line(err)}"
                self.photo_path = None
        return self.photo_path

    def anchor(self, *args):
        """The anchor's summary line and peak RSS, or (None, None) once it has failed (the reason is kept)."""
        if self.anchor_error:
            return None, None
        cmd = self.anchor_cmd + [str(a) for a in args]
        log(" ".join(cmd))
        rc, out, err, rss = run(cmd, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        summary = [r for r in json_lines(out) if "summary" in r]
        if rc != 0 or not summary:
            self.anchor_error = f"anchor exited with {rc}: {last_line(err)}"
            return None, None
        return summary[-1], rss

    def measure(self):
        a, T = self.a, self.a.threads
        for rep in range(a.reps):
            log(f"-- repetition {rep + 1} of {a.reps}")
            for batch in (64, 256):
                key = f"train_b{batch}"
                epochs, rss = self.train("--epochs", 1, "--batch", batch, "--threads", T)
                self.add(key, "ours", epochs[-1]["images_per_s"])
                self.add(f"rss_{key}", "ours", rss)
                s, rss = self.anchor("--threads", T, "--epochs", 1, "--batch", batch, "--eval-batch", 256)
                self.add(key, "anchor", s and s["train_images_per_s"])
                self.add(f"rss_{key}", "anchor", s and rss)
                if batch == 256:
                    self.add("infer_b256", "anchor", s and s["infer_images_per_s"])
            self.add("infer_b256", "ours", self.bench("--data", a.data, "--threads", T)["infer_images_per_s"])
            self.add("latency_us", "ours", self.bench("--data", a.data, "--threads", 1)["latency_us"])
            if self.photo():
                photo = self.bench("--image", self.photo_path)
                self.add("photo_ms", "ours", photo["prepare_classify_ms"])
                self.add("photo_decode_ms", "ours", photo["decode_ms"])
            s, _ = self.anchor("--threads", 1, "--epochs", 1, "--batch", 256, "--eval-batch", 256)
            self.add("latency_us", "anchor", s and s["single_image_latency_us"])
            if T != 1:
                epochs, _ = self.train("--epochs", 1, "--batch", 64, "--threads", 1)
                self.add("train_b64_1thread", "ours", epochs[-1]["images_per_s"])
        if a.quick:
            log("-- --quick: skipping the time-to-99 % runs")
            return
        log("-- time to 99 % (one run each)")
        epochs, rss = self.train("--threads", T)
        self.add("peak_rss_mb", "ours", rss)
        total = 0.0
        for e in epochs:
            total += e["seconds"]
            if e["test_accuracy"] >= 0.99:
                self.add("time_to_99_s", "ours", total)
                break
        s, rss = self.anchor("--normalize", "--epochs", 12, "--batch", 64, "--target", 0.99, "--threads", T)
        self.add("time_to_99_s", "anchor", s and s["seconds_to_target"])
        self.add("peak_rss_mb", "anchor", s and rss)

    def median(self, key, side):
        values = self.samples.get((key, side))
        return statistics.median(values) if values else None


def log(message):
    print(message, file=sys.stderr, flush=True)


def figures(b, a):
    """Each figure: (key, label, unit, ratio direction, MFLOP per image, threads, goal text, goal test)."""
    T = a.threads
    return [
        ("train_b64", f"training, batch 64, {T} thr", "images/s", "up", TRAIN_MFLOP, T, ">= 5x anchor",
         lambda o, r: r >= 5),
        ("train_b256", f"training, batch 256, {T} thr", "images/s", "up", TRAIN_MFLOP, T, ">= 4x anchor",
         lambda o, r: r >= 4),
        ("infer_b256", f"inference, batch 256, {T} thr", "images/s", "up", INFER_MFLOP, T, ">= 4x anchor",
         lambda o, r: r >= 4),
        ("latency_us", "single-image latency, 1 thr", "us", "down", INFER_MFLOP, 1, "<= 10 us",
         lambda o, r: o <= 10),
        ("time_to_99_s", f"time to 99% test acc, {T} thr", "s", "down", None, T, "<= 5 s and >= 5x anchor",
         lambda o, r: o <= 5 and r >= 5),
        ("peak_rss_mb", "peak RSS, training", "MiB", "down", None, T, "<= 120 MiB", lambda o, r: o <= 120),
        ("photo_ms", "1000x1000 photo: prepare + classify, 1 thr", "ms", None, None, 1, "<= 5 ms",
         lambda o, r: o <= 5),
        ("photo_decode_ms", "1000x1000 photo: read + decode JPEG, 1 thr", "ms", None, None, 1, "-",
         lambda o, r: None),
        ("scaling_2v1", f"training b64, {T} vs 1 thr (ours)", "x", None, None, T, ">= 1.8x", lambda o, r: o >= 1.8),
    ]


def results(b, a):
    out = {}
    for key, label, unit, direction, mflop, threads, goal, test in figures(b, a):
        if key == "scaling_2v1":
            one = b.median("train_b64_1thread", "ours")
            ours, anchor = (b.median("train_b64", "ours") / one if one else None), None
        else:
            ours, anchor = b.median(key, "ours"), b.median(key, "anchor")
        if key == "peak_rss_mb" and a.quick:  # no full training run: the 1-epoch batch-64 runs instead
            ours, anchor = b.median("rss_train_b64", "ours"), b.median("rss_train_b64", "anchor")
        ratio = None
        if ours and anchor:
            ratio = ours / anchor if direction == "up" else anchor / ours
        try:
            met = test(ours, ratio)  # None: a figure without a goal
            met = None if met is None else bool(met)
        except TypeError:  # a figure it needs is missing
            met = None
        once = key in ("time_to_99_s", "peak_rss_mb")
        fig = {"ours": rnd(ours), "anchor": rnd(anchor), "ratio": rnd(ratio), "unit": unit, "label": label,
               "goal": goal, "met": met, "reps": 1 if once else a.reps}
        if mflop:
            per_s = (lambda v: v and mflop * 1e3 / v) if key == "latency_us" else (lambda v: v and v * mflop / 1e3)
            fig["gflops"] = {s: rnd(per_s(v)) for s, v in (("ours", ours), ("anchor", anchor))}
            fig["percent_of_peak"] = {s: rnd(g and 100 * g / (a.peak_gflops * threads))
                                      for s, g in fig["gflops"].items()}
            fig["flop_note"] = "nominal 2.5 MFLOP/image" if mflop == TRAIN_MFLOP else "0.83 MFLOP/image (forward)"
        if key == "latency_us":
            fig["anchor_note"] = "anchor: single_image_latency_us of a --threads 1 --batch 256 epoch"
        if key == "peak_rss_mb":
            fig["source"] = ("max RSS of the 1-epoch batch-64 training runs (--quick)" if a.quick else
                             "max RSS of the full default training run (ours) and the anchor's 12-epoch run")
        out[key] = fig
    return out


def rnd(v):
    return None if v is None else round(v, 3)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def cell(fig, side):
    v = fig[side]
    if v is None:
        return "-"
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"
    if "gflops" in fig and fig["gflops"][side] is not None:
        text += f" ({fig['gflops'][side]:.1f} GF/s, {fig['percent_of_peak'][side]:.1f}%)"
    return text


def table(res, info):
    rows = [("figure", "unit", "ours", "anchor", "ratio", "goal", "met?")]
    for fig in res.values():
        met = {True: "yes", False: "NO", None: "-"}[fig["met"]]
        ratio = "-" if fig["ratio"] is None else f"{fig['ratio']:.2f}x"
        rows.append((fig["label"], fig["unit"], cell(fig, "ours"), cell(fig, "anchor"), ratio, fig["goal"], met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [
        f"machine: {info['cpu']}, {info['cores']} cores; torch {info['torch'] or '-'}; {info['date']}",
        f"lenet5: {info['binary']}; data: {info['data']}; medians of {info['reps']} repetition(s), "
        f"{info['threads']} thread(s)",
        "ratio > 1 means lenet5 is better: ours/anchor for throughputs, anchor/ours for times, latency, memory.",
        f"GF/s: training at a nominal {TRAIN_MFLOP} MFLOP/image, inference {INFER_MFLOP} MFLOP/image; % of a peak "
        f"of {info['peak_gflops_per_core']:g} GFLOP/s per core x threads used.",
        "anchor latency: from its --threads 1 run. time to 99%: one run each, training seconds only "
        "(evaluation excluded); peak RSS: " + info["rss_source"] + ".",
    ]
    if info["anchor_error"]:
        notes.append(f"anchor: {info['anchor_error']}")
    if info["photo_error"]:
        notes.append(f"photo: {info['photo_error']}")
    return "\n".join(lines + [""] + notes)


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description="lenet5 vs the PyTorch anchor, side by side.")
    ap.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ap.add_argument("--quick", action="store_true", help="1 repetition, no time-to-99 runs")
    ap.add_argument("--data", default=env("LENET5_DATA") or os.path.join(ROOT, "data/mnist"))
    ap.add_argument("--skip-anchor", action="store_true", help="measure ours only (ratios null)")
    ap.add_argument("--threads", type=int, default=2, help="threads for the throughput figures (default 2)")
    ap.add_argument("--peak-gflops", type=float, default=220.0, help="peak FP32 GFLOP/s per core (default 220)")
    ap.add_argument("--bin", default=env("LENET5_BIN") or os.path.join(ROOT, "build/lenet5"))
    ap.add_argument("--anchors", default=env("LENET5_ANCHORS") or os.path.join(ROOT, "../shared/anchors"))
    ap.add_argument("--python", default=env("LENET5_ANCHOR_PYTHON") or "/usr/bin/python3",
                    help="Python with torch for the anchor (default /usr/bin/python3)")
    a = ap.parse_args()
    a.anchors, a.data = os.path.normpath(a.anchors), os.path.normpath(a.data)
    if a.quick:
        a.reps = 1
    if a.reps < 1 or a.threads < 1:
        ap.error("--reps and --threads must be at least 1")
    with tempfile.TemporaryDirectory(prefix="lenet5-bench-") as tmp:
        b = Bench(a, tmp)
        try:
            b.measure()
        except OursFailed as e:
            log(f"error: {e}")
            return 1
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "torch": b.torch, "reps": a.reps, "threads": a.threads,
            "date": datetime.datetime.now().isoformat(timespec="seconds"), "binary": a.bin, "data": a.data,
            "peak_gflops_per_core": a.peak_gflops, "anchor_error": b.anchor_error, "photo_error": b.photo_error,
            "quick": a.quick,
            "ratio": "> 1 means lenet5 is better: ours/anchor for throughputs, anchor/ours for times and memory"}
    res = results(b, a)
    info["rss_source"] = res["peak_rss_mb"]["source"]
    print(json.dumps(dict(res, info=info), indent=1) if a.json else table(res, info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
