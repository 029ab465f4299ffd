#!/usr/bin/env python3
"""Reproduces the 1998 paper's LeNet-5 results and writes docs/reproduction.md with its figures.

  scripts/reproduce.py [--data DIR] [--seeds N] [--runs DIR] [--jobs N] [--only NAME,...]

Trains every configuration below for seeds 1..N (runs already in --runs are reused, so the script can be
stopped and resumed), evaluates each saved model on the test set, and writes:
  docs/reproduction.md            the report: error per pass (mean ± sd over seeds) beside the paper's
  docs/images/classic-curves.svg  training and test error per pass, like the paper's Fig. 5
  docs/images/classic-errors.png  the misclassified test digits of one model, like Fig. 8
  docs/images/rejection.png       test error against rejection rate, like Fig. 10
  docs/images/distortions.png     training digits with their distortions, like Fig. 7
The last three are drawn by `lenet5 picture` (docs/pictures.md), the first by this script (mean ± sd over
seeds, which `lenet5 picture curves` does not draw).
Needs build/lenet5 (or --lenet5) and MNIST (--data, else $LENET5_DATA, else data/mnist). Python 3 standard
library only. The classic runs are online (batch 1), one thread each; --jobs runs that many at once.
"""
import argparse, concurrent.futures, json, os, statistics, subprocess, sys, time

CONFIGURATIONS = {
    # name: (lenet5 train options, what the paper reports, our goal; both in % test error)
    "classic": (["--preset", "classic"], 0.95, 0.95),
    "classic-distortions": (["--preset", "classic", "--distortions"], 0.8, 0.8),
    "modern": ([], None, None),
    "modern-distortions": (["--distortions", "--epochs", "20"], None, 0.6),
}
PAPER = {"classic_train_error_pass19": 0.35, "classic_test": 0.95, "classic_distortions_test": 0.8}


def run_training(lenet5, data, runs, name, seed):
    base = os.path.join(runs, f"{name}-seed{seed}")
    if os.path.exists(base + ".json") and os.path.exists(base + ".model"):
        return base
    options = CONFIGURATIONS[name][0]
    command = [lenet5, "train", "--data", data, "--seed", str(seed), "--json", "--out", base + ".model"] + options
    start = time.monotonic()
    with open(base + ".partial", "w") as out:
        subprocess.run(command, stdout=out, check=True)
    wall = time.monotonic() - start
    with open(base + ".partial") as lines, open(base + ".json", "w") as out:
        out.write(lines.read())
        out.write(json.dumps({"wall_seconds": round(wall, 1), "command": " ".join(command[1:])}) + "\n")
    os.remove(base + ".partial")
    return base


def read_run(base, lenet5, data):
    epochs, meta = [], {}
    with open(base + ".json") as lines:
        for line in lines:
            record = json.loads(line)
            if "epoch" in record:
                epochs.append(record)
            else:
                meta = record
    if not os.path.exists(base + ".eval.json"):
        out = subprocess.run([lenet5, "eval", base + ".model", "--data", data, "--json", "--details"],
                             capture_output=True, text=True, check=True).stdout
        with open(base + ".eval.json", "w") as f:
            f.write(out)
    with open(base + ".eval.json") as f:
        evaluation = json.load(f)
    return {"base": base, "epochs": epochs, "meta": meta, "eval": evaluation}


def picture(args, *options):
    """Runs `lenet5 picture` on the test set of --data; returns what it prints."""
    return subprocess.run([args.lenet5, "picture", *options, "--data", args.data], capture_output=True, text=True,
                          check=True).stdout


def mean_sd(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def svg_line_chart(path, title, x_label, y_label, series, y_max, x_max=None):
    """series: [(label, colour, [(x, y, sd)], dashed)]; writes an SVG line chart with ±sd bands."""
    width, height, left, bottom, top, right = 640, 400, 60, 50, 40, 170
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = x_max or max(x for _, _, points, _ in series for x, _, _ in points)
    sx = lambda x: left + plot_w * x / x_max
    sy = lambda y: top + plot_h * (1 - min(y, y_max) / y_max)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14">{title}</text>']
    for i in range(6):
        y = y_max * i / 5
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    ticks = sorted({round(x_max * i / 10, 6) for i in range(11)})
    for x in ticks:
        out.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{x:g}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle">{x_label}</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2}" transform="rotate(-90 14 {top + plot_h / 2})" text-anchor="middle">{y_label}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    for index, (label, colour, points, dashed) in enumerate(series):
        if any(sd for _, _, sd in points):
            band = [(sx(x), sy(y + sd)) for x, y, sd in points] + [(sx(x), sy(max(y - sd, 0))) for x, y, sd in reversed(points)]
            out.append('<polygon fill="%s" fill-opacity="0.15" points="%s"/>' % (colour, " ".join(f"{a:.1f},{b:.1f}" for a, b in band)))
        line = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in points)
        dash = ' stroke-dasharray="5,4"' if dashed else ""
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{line}"/>')
        ly = top + 10 + 18 * index
        out.append(f'<line x1="{left + plot_w + 10}" x2="{left + plot_w + 30}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{left + plot_w + 35}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lenet5", default="build/lenet5")
    ap.add_argument("--data", default=os.environ.get("LENET5_DATA") or "data/mnist")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--runs", default="runs/reproduction")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=",".join(CONFIGURATIONS))
    ap.add_argument("--docs", default="docs")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    for name in names:
        if name not in CONFIGURATIONS:
            sys.exit(f"reproduce.py: unknown configuration {name} (known: {', '.join(CONFIGURATIONS)})")
    os.makedirs(args.runs, exist_ok=True)
    os.makedirs(os.path.join(args.docs, "images"), exist_ok=True)

    jobs = [(name, seed) for name in names for seed in range(1, args.seeds + 1)]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_training, args.lenet5, args.data, args.runs, n, s): (n, s) for n, s in jobs}
        for future in concurrent.futures.as_completed(futures):
            print(f"done: {futures[future][0]} seed {futures[future][1]}", file=sys.stderr, flush=True)
    results = {name: [read_run(os.path.join(args.runs, f"{name}-seed{seed}"), args.lenet5, args.data)
                      for seed in range(1, args.seeds + 1)] for name in names}

    report = ["# Reproducing LeNet-5 (LeCun et al. 1998)", "",
              "Generated by `scripts/reproduce.py` from the runs in `%s` (%d seeds each); do not edit by hand." % (args.runs, args.seeds),
              "Errors are on MNIST's 10,000 test digits; training error is measured on the fly during each pass, as the paper",
              "measures it. See docs/classic.md for what the classic preset is and where we had to choose.", "",
              "## Final test error", "",
              "| configuration | options | test error % (mean ± sd) | per seed | paper | goal | training time per run |",
              "|---|---|---|---|---|---|---|"]
    for name in names:
        runs = results[name]
        errors = [100 * (1 - r["eval"]["accuracy"]) for r in runs]
        mean, sd = mean_sd(errors)
        paper = CONFIGURATIONS[name][1]
        minutes = [sum(e["seconds"] for e in r["epochs"]) / 60 for r in runs]
        goal = CONFIGURATIONS[name][2]
        # Errors are whole digits out of 10,000: compare in hundredths of a per cent, not in binary fractions.
        met = goal is not None and round(mean, 4) <= goal
        verdict = "–" if goal is None else (f"≤ {goal}: met" if met else f"≤ {goal}: {mean - goal:.2f} above")
        report.append(f"| {name} | `{' '.join(CONFIGURATIONS[name][0]) or '(defaults)'}` | {mean:.2f} ± {sd:.2f} | "
                      f"{', '.join(f'{e:.2f}' for e in errors)} | {paper if paper is not None else '–'} | {verdict} | "
                      f"{statistics.mean(minutes):.1f} min |")
    report += ["", "The paper: 0.95 % without distortions, 0.8 % with them, after 20 passes; its training took 2 to 3 days",
               "of CPU on a 200 MHz MIPS R10000. Our training times (the passes alone, test evaluation excluded) are for one",
               "thread of this project's 2-core machine, two runs at a time. Where a goal is missed, docs/classic.md says",
               "what was tried and what the evidence points to.", ""]

    for name in [n for n in ("classic", "classic-distortions") if n in results]:
        runs = results[name]
        passes = min(len(r["epochs"]) for r in runs)
        rows = []
        for p in range(passes):
            test = mean_sd([100 * (1 - r["epochs"][p]["test_accuracy"]) for r in runs])
            train = mean_sd([100 * (1 - r["epochs"][p]["train_accuracy"]) for r in runs])
            rows.append((p + 1, test, train))
        report += [f"## {name}: error after each pass", "", "| pass | test error % | training error % |", "|---|---|---|"]
        report += [f"| {p} | {t[0]:.2f} ± {t[1]:.2f} | {r[0]:.2f} ± {r[1]:.2f} |" for p, t, r in rows]
        if name == "classic":
            report += ["", "Paper (Fig. 5): test error 0.95 % after about 10 passes and thereafter; training error 0.35 % after 19 passes.", ""]
            svg = os.path.join(args.docs, "images", "classic-curves.svg")
            svg_line_chart(svg, f"classic LeNet-5, {len(runs)} seeds: error per pass (mean \u00b1 sd)", "training pass", "error (%)",
                           [("test", "#c0392b", [(p, t[0], t[1]) for p, t, _ in rows], False),
                            ("training", "#2471a3", [(p, r[0], r[1]) for p, _, r in rows], False),
                            ("paper: test 0.95", "#c0392b", [(1, 0.95, 0), (passes, 0.95, 0)], True),
                            ("paper: train 0.35", "#2471a3", [(1, 0.35, 0), (passes, 0.35, 0)], True)], y_max=3.0)
            report += [f"![classic error per pass](images/classic-curves.svg)", ""]
        else:
            report += ["", "Paper: 0.8 % test error with distortions.", ""]

    images = os.path.join(args.docs, "images")
    for superseded in ("classic-errors.svg", "rejection.svg"):  # what this script drew before lenet5 picture did
        if os.path.exists(os.path.join(images, superseded)):
            os.remove(os.path.join(images, superseded))
    picture_run = next((n for n in ("classic-distortions", "classic") if n in results), names[0])
    model = results[picture_run][0]
    wrong = model["eval"]["count"] - model["eval"]["correct"]
    picture(args, "errors", "--model", model["base"] + ".model", "--out", os.path.join(images, "classic-errors.png"))
    report += ["## The misclassified digits", "",
               f"{picture_run}, seed 1: {wrong} errors (the paper's Fig. 8 shows its 82 with distortions), drawn by",
               f"`lenet5 picture errors --model {picture_run}-seed1.model`.", "",
               "![misclassified test digits](images/classic-errors.png)", ""]

    report += ["## Rejection (Fig. 10)", "",
               "Rejecting the test digits whose two best outputs are closest (smallest margin) first: the fraction that must",
               "be rejected for the rest to have 0.5 % error. The paper: LeNet-4 1.8 %, boosted LeNet-4 0.5 % (LeNet-5 not listed).", "",
               "| configuration | rejected for 0.5 % error (mean ± sd) | per seed |", "|---|---|---|"]
    for name in names:
        models = [option for r in results[name] for option in ("--model", r["base"] + ".model")]
        reached = [json.loads(line)["rejection_at"]["0.005"]
                   for line in picture(args, "rejection", "--by", "margin", "--json", *models).splitlines()]
        needed = [100 * r if r is not None else float("nan") for r in reached]
        mean, sd = mean_sd(needed)
        report.append(f"| {name} | {mean:.2f} ± {sd:.2f} % | {', '.join(f'{n:.2f}' for n in needed)} |")
    picture(args, "rejection", "--by", "margin", *[option for name in names for option in ("--model", results[name][0]["base"] + ".model")],
            "--out", os.path.join(images, "rejection.png"))
    report += ["", "Seed 1 of each (`lenet5 picture rejection --by margin`):", "", "![error against rejection](images/rejection.png)", ""]

    picture(args, "distortions", "--out", os.path.join(images, "distortions.png"))
    report += ["## Distortions", "", "The training digits with the distorted instances `--distortions` shows them as "
               "(seed 1; [distortions.md](distortions.md) says how they are drawn):", "",
               "![distorted training digits](images/distortions.png)", ""]

    with open(os.path.join(args.docs, "reproduction.md"), "w") as f:
        f.write("\n".join(report) + "\n")
    print(f"wrote {os.path.join(args.docs, 'reproduction.md')}", file=sys.stderr)


if __name__ == "__main__":
    main()
