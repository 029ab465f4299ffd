#!/usr/bin/env python3
"""Chooses the MAP loss's constant j (eq. 9) for the classic preset without looking at the test set.

  scripts/map-constant-study.py [--data DIR] [--values 1,2,5,7,10,20] [--seeds 8] [--distortions]
                                [--runs DIR] [--jobs N] [--lenet5 PATH]

For every j and seed 1..N, trains `lenet5 train --preset classic --validation 10000 --map-constant j`: the
first 50,000 training images train, the last 10,000 are held out and measured after each pass. Prints a
Markdown table of the final held-out error (mean ± sd over the seeds) per j; docs/classic.md shows the
table this gave. Runs already in --runs are reused, so the study can be stopped and resumed. About 0.7 min
of one core per run (6 values × 8 seeds: about 20 minutes with two jobs). Python 3 standard library only.
"""
import argparse, concurrent.futures, json, os, statistics, subprocess, sys

HELD_OUT = 10000


def final_error(lenet5, data, runs, j, seed, distortions):
    path = os.path.join(runs, f"j{j}{'-distortions' if distortions else ''}-seed{seed}.json")
    if not os.path.exists(path):
        command = [lenet5, "train", "--preset", "classic", "--data", data, "--validation", str(HELD_OUT),
                   "--map-constant", j, "--seed", str(seed), "--json", "--out", path + ".model"]
        result = subprocess.run(command + (["--distortions"] if distortions else []),
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"map-constant-study.py: {' '.join(command)} failed:\n{result.stderr}")
        with open(path + ".partial", "w") as out:
            out.write(result.stdout)
        os.replace(path + ".partial", path)
        os.remove(path + ".model")
    with open(path) as lines:
        last = [json.loads(line) for line in lines][-1]
    return 100 * (1 - last["validation_accuracy"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lenet5", default="build/lenet5")
    ap.add_argument("--data", default=os.environ.get("LENET5_DATA") or "data/mnist")
    ap.add_argument("--values", default="1,2,5,7,10,20")
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--distortions", action="store_true")
    ap.add_argument("--runs", default="runs/map-constant-study")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    values = [v for v in args.values.split(",") if v]
    os.makedirs(args.runs, exist_ok=True)

    seeds = range(1, args.seeds + 1)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        errors = {j: [pool.submit(final_error, args.lenet5, args.data, args.runs, j, s, args.distortions)
                      for s in seeds] for j in values}
        errors = {j: [f.result() for f in futures] for j, futures in errors.items()}

    print(f"| j | held-out error % after the last pass (seeds 1–{args.seeds}, mean ± sd) | per seed |")
    print("|---|---|---|")
    for j, per_seed in errors.items():
        sd = statistics.stdev(per_seed) if len(per_seed) > 1 else 0.0
        print(f"| {j} | {statistics.mean(per_seed):.3f} ± {sd:.3f} | {', '.join(f'{e:.2f}' for e in per_seed)} |")


if __name__ == "__main__":
    main()
