#!/usr/bin/env python3
"""Lists the tests a run skipped or did not run, from ctest's JUnit file (--output-junit) or GoogleTest's XML
(--gtest_output); strict, it fails when any was skipped for a reason other than the one allowed: a kernel build
for an instruction set this CPU lacks (tests Isa/KernelBuild.*/<isa>, skipped with "this CPU does not support
<isa>"). Strict with --strict, or when LENET5_STRICT_SKIPS=1 or CI is true or 1 (.ci/run sets the first).

  scripts/check-skips.py [--strict] [--cpu-lacks ISA]... REPORT.xml

Whether the CPU lacks an instruction set is read from /proc/cpuinfo, not from the program under test (a wrong
cpu_supports() must not excuse its own skips); --cpu-lacks ISA says it for an emulated CPU (valgrind's has no
AVX-512 whatever the host has). Exit status 1 when --strict finds a skip not allowed.
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ElementTree

# The CPU flags each kernel build needs (src/kernels/sgemm.cpp, cpu_supports).
ISA_FLAGS = {"avx2": {"avx2", "fma"}, "avx512": {"avx512f", "avx512vl", "avx512bw", "avx512dq"}}
ISA_TEST = re.compile(r"^Isa/KernelBuild\.\w+/(\w+)$")


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def skipped_tests(path):
    """(full test name, text that says why) for every skipped test in the report."""
    for case in ElementTree.parse(path).iter("testcase"):
        skipped = case.find("skipped")
        # ctest: status "notrun" (skipped) or "disabled"; GoogleTest: result "skipped" or "suppressed" (DISABLED_).
        not_run = case.get("status") in ("notrun", "disabled") or case.get("result") in ("skipped", "suppressed")
        if skipped is None and not not_run:
            continue
        if skipped is None:
            skipped = ElementTree.Element("skipped", message=case.get("status") or case.get("result"))
        name, suite = case.get("name", ""), case.get("classname", "")
        if suite and suite != name:  # GoogleTest's XML names suite (classname) and test apart; ctest's in full
            name = f"{suite}.{name}"
        output = case.find("system-out")
        reason = (skipped.get("message") or "") + " " + (skipped.text or "") + " " + (
            output.text if output is not None and output.text else "")
        yield name, reason


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report")
    parser.add_argument("--strict", action="store_true", help="fail on any skip not allowed")
    parser.add_argument("--cpu-lacks", action="append", default=[], choices=sorted(ISA_FLAGS),
                        help="an instruction set the (emulated) CPU lacks")
    args = parser.parse_args()

    flags = cpu_flags()
    lacking = set(args.cpu_lacks) | {isa for isa, needed in ISA_FLAGS.items() if not needed <= flags}
    allowed, refused = [], []
    for name, reason in skipped_tests(args.report):
        match = ISA_TEST.match(name)
        isa = match.group(1) if match else None
        if isa in lacking and f"this CPU does not support {isa}" in reason:
            allowed.append(f"{name} (the CPU lacks {isa})")
        else:
            refused.append(f"{name}: {' '.join(reason.split())[:300]}")
    for line in allowed:
        print(f"skipped, allowed: {line}")
    for line in refused:
        print(f"SKIPPED: {line}")
    print(f"check-skips: {len(allowed)} skipped for an instruction set the CPU lacks, {len(refused)} other skips")
    strict = (args.strict or os.environ.get("LENET5_STRICT_SKIPS") == "1"
              or os.environ.get("CI", "").lower() in ("true", "1"))
    return 1 if strict and refused else 0


if __name__ == "__main__":
    sys.exit(main())
