#!/usr/bin/env python3
"""Mutation testing: applies each single-line mutation of scripts/mutations.txt on its own, rebuilds, runs the
test suite and reports whether a test failed (killed) or none did (survived). See scripts/mutate.sh --help."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The suite in the order a mutant most cheaply dies in: the unit tests (seconds), then the PyTorch
# cross-checks, the CLI and the MNIST integration tests. Each stage stops at its first failing test.
STAGES = [
    "-Pytorch*:Cli*:Integration*",
    "Pytorch*",
    "Cli*",
    "Integration*",
]
TEST_TIMEOUT_S = 600


@dataclass
class Mutation:
    number: int
    name: str
    what: str
    path: str
    original: str
    mutant: str


def read_mutations(path):
    mutations, block = [], None
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#") or not line.strip():
                continue
            heading = re.match(r"^== ([\w.-]+): (.+)$", line)
            if heading:
                block = Mutation(len(mutations) + 1, heading.group(1), heading.group(2), "", "", "")
                mutations.append(block)
            elif block is None:
                raise SystemExit(f"{path}:{line_number}: text before the first '== NAME: ...' line")
            elif line.startswith("- "):
                block.original = line[2:].strip()
            elif line.startswith("+ "):
                block.mutant = line[2:].strip()
            elif not block.path:
                block.path = line.strip()
            else:
                raise SystemExit(f"{path}:{line_number}: unexpected line in mutation {block.name}")
    names = set()
    for m in mutations:
        if not (m.path and m.original and m.mutant) or m.original == m.mutant:
            raise SystemExit(f"{path}: mutation {m.name} needs a file, '- original' and a different '+ mutant'")
        if m.name in names:
            raise SystemExit(f"{path}: two mutations named {m.name}")
        names.add(m.name)
    return mutations


def run(command, cwd, log, timeout=None):
    """Runs command, appending its output to log; returns the exit status (124 on a timeout)."""
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        try:
            return subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(f"timed out after {timeout} s\n")
            return 124


def first_failure(log_text):
    failed = re.findall(r"^\[  FAILED  \] (\S+)", log_text, re.M)
    return failed[0] if failed else None


def run_suite(tree, build, log):
    """None when every stage passes, else the first failing test's name (or what stopped the run)."""
    tests = os.path.join(build, "tests", "lenet5_tests")
    for stage in STAGES:
        start = os.path.getsize(log) if os.path.exists(log) else 0
        status = run([tests, f"--gtest_filter={stage}", "--gtest_fail_fast", "--gtest_brief=1"], tree, log,
                     TEST_TIMEOUT_S)
        if status != 0:
            with open(log) as f:
                f.seek(start)
                text = f.read()
            if status == 124:
                return f"(timed out in {stage})"
            return first_failure(text) or f"(exit status {status} in {stage})"
    return None


def is_worktree_root(folder):
    if not os.path.isdir(folder):
        return False
    top = subprocess.run(["git", "-C", folder, "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    return top.returncode == 0 and os.path.realpath(top.stdout.strip()) == os.path.realpath(folder)


def build_tests(build, log):
    return run(["ninja", "-C", build, "lenet5_tests", "lenet5_cli"], None, log) == 0


def main():
    parser = argparse.ArgumentParser(prog="scripts/mutate.sh", description=__doc__)
    parser.add_argument("--only", help="run these mutations alone: names or numbers, comma-separated")
    parser.add_argument("--from", dest="start", type=int, default=1, help="resume at mutation number N")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "lenet5-mutate"),
                        help="the worktree and build folder (kept between runs for incremental builds)")
    parser.add_argument("--mutations", default=os.path.join(ROOT, "scripts", "mutations.txt"))
    args = parser.parse_args()

    mutations = read_mutations(args.mutations)
    if args.list:
        for m in mutations:
            print(f"{m.number:3d} {m.name:36s} {m.path}: {m.what}")
        return 0
    chosen = [m for m in mutations if m.number >= args.start]
    if args.only:
        wanted = set(args.only.split(","))
        chosen = [m for m in mutations if m.name in wanted or str(m.number) in wanted]
        unknown = wanted - {m.name for m in chosen} - {str(m.number) for m in chosen}
        if unknown:
            raise SystemExit(f"no mutation named {', '.join(sorted(unknown))} (scripts/mutate.sh --list)")

    # A detached worktree of HEAD: the checkout itself is never mutated, and uncommitted changes are not tested.
    tree, build = os.path.join(args.work, "tree"), os.path.join(args.work, "build")
    log = os.path.join(args.work, "mutate.log")
    os.makedirs(args.work, exist_ok=True)
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    if is_worktree_root(tree):
        subprocess.run(["git", "-C", tree, "checkout", "-q", "--detach", "--force", head], check=True)
    else:  # never reset or clean a folder that is not its own worktree: git would act on the enclosing checkout
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(["git", "-C", ROOT, "worktree", "prune"], check=True)
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "-q", "--detach", tree, head], check=True)
    subprocess.run(["git", "-C", tree, "clean", "-qfdx"], check=True)
    # ../shared beside the checkout (anchors, MNIST) must resolve from the worktree as from the checkout.
    shared = os.path.join(os.path.dirname(ROOT), "shared")
    os.environ.setdefault("LENET5_ANCHORS", os.path.join(shared, "anchors"))
    os.environ.setdefault("LENET5_DATA", os.path.join(shared, "data", "mnist"))
    open(log, "w").close()
    print(f"mutate: commit {head[:12]}, worktree {tree}, log {log}", flush=True)

    if run(["cmake", "-S", tree, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            "-DLENET5_BUILD_TESTS=ON"], None, log) != 0 or not build_tests(build, log):
        raise SystemExit(f"mutate: the unmutated tree does not build (see {log})")
    # The whole suite must pass unmutated, and run: a test skipped here (no torch, no MNIST) would let the
    # mutants it guards survive unexplained.
    report = os.path.join(args.work, "baseline.xml")
    if run([os.path.join(build, "tests", "lenet5_tests"), f"--gtest_output=xml:{report}"], tree, log,
           TEST_TIMEOUT_S) != 0:
        raise SystemExit(f"mutate: the unmutated suite fails (see {log})")
    if run([sys.executable, os.path.join(ROOT, "scripts", "check-skips.py"), "--strict", report], None, log) != 0:
        raise SystemExit(f"mutate: the unmutated suite skips tests (see {log})")

    killed, survived, broken = [], [], []
    started = time.monotonic()
    for m in chosen:
        path = os.path.join(tree, m.path)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        if source.count(m.original) != 1:
            broken.append(m)
            print(f"[{m.number:3d}] {m.name}: STALE — '{m.original}' occurs {source.count(m.original)} times in "
                  f"{m.path}", flush=True)
            continue
        t0 = time.monotonic()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(source.replace(m.original, m.mutant))
            if not build_tests(build, log):
                broken.append(m)
                verdict = "DOES NOT COMPILE (fix the mutation)"
            else:
                failure = run_suite(tree, build, log)
                (killed if failure else survived).append(m)
                verdict = f"killed by {failure}" if failure else "SURVIVED"
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(source)
        print(f"[{m.number:3d}] {m.name}: {verdict} ({time.monotonic() - t0:.0f} s)", flush=True)

    build_tests(build, log)  # leave the build matching the unmutated tree for the next run
    print(f"mutate: {len(killed)} killed, {len(survived)} survived, {len(broken)} stale or not compiling, "
          f"of {len(chosen)} mutations in {time.monotonic() - started:.0f} s")
    for m in survived:
        print(f"  survived: [{m.number}] {m.name} ({m.path}: {m.what})")
    return 1 if survived or broken else 0


if __name__ == "__main__":
    sys.exit(main())
