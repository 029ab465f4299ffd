#!/usr/bin/env python3
"""Compares an exported C model's classes (tests/export_c/harness.c's output) with the model's own inference on
MNIST's test images (lenet5_dump_scores' float32 scores) and with the labels. Prints one line of figures; exits 1
when a check fails.
  compare.py NAME OURS.scores HARNESS_OUTPUT LABELS.idx.gz --penalties|--scores --same-class|--within POINTS
--same-class: every class equal but where our top-two margin is below 1e-4 (counted, expected 0).
--within POINTS: the export's accuracy at most POINTS percentage points below ours."""
import argparse
import array
import gzip
import sys

parser = argparse.ArgumentParser()
parser.add_argument("name")
parser.add_argument("ours")
parser.add_argument("harness")
parser.add_argument("labels")
kind = parser.add_mutually_exclusive_group(required=True)
kind.add_argument("--penalties", action="store_true")
kind.add_argument("--scores", action="store_true")
check = parser.add_mutually_exclusive_group(required=True)
check.add_argument("--same-class", action="store_true")
check.add_argument("--within", type=float)
args = parser.parse_args()

with gzip.open(args.labels, "rb") as f:
    labels = f.read()[8:]
scores = array.array("f")
with open(args.ours, "rb") as f:
    scores.frombytes(f.read())
classes = len(scores) // len(labels)
with open(args.harness) as f:
    exported = [int(line.split()[0]) for line in f]
if len(exported) != len(labels):
    sys.exit(f"{args.name}: the export classified {len(exported)} images, not {len(labels)}")

sign = -1 if args.penalties else 1
ours_correct = exported_correct = disagreements = near_ties = 0
for i, label in enumerate(labels):
    row = sorted((sign * scores[i * classes + c], -c) for c in range(classes))
    ours = -row[-1][1]
    margin = row[-1][0] - row[-2][0]
    ours_correct += ours == label
    exported_correct += exported[i] == label
    if exported[i] != ours:
        disagreements += 1
        near_ties += margin < 1e-4
ours_accuracy = 100 * ours_correct / len(labels)
exported_accuracy = 100 * exported_correct / len(labels)
print(f"{args.name}: {len(labels)} images, accuracy {exported_accuracy:.2f} % (ours {ours_accuracy:.2f} %, "
      f"drop {ours_accuracy - exported_accuracy:+.2f} points), {disagreements} classes differ from ours "
      f"({near_ties} near-ties)")
if args.same_class and disagreements > near_ties:
    sys.exit(f"{args.name}: {disagreements - near_ties} images classified differently without a near-tie")
if args.within is not None and ours_accuracy - exported_accuracy > args.within:
    sys.exit(f"{args.name}: accuracy {ours_accuracy - exported_accuracy:.2f} points below ours (limit {args.within})")
