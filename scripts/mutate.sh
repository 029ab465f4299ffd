#!/usr/bin/env bash
# Mutation testing: do the tests fail when the math is wrong? Applies each single-line mutation listed in
# scripts/mutations.txt on its own (every layer's forward and backward, the losses, optimizers, schedules,
# encodings, the presets' constants, initialisation, distortions, model-file and IDX checks), rebuilds the
# Release tests and runs the suite, fast tests first, each stage stopping at its first failure. Prints each
# mutation as killed (by which test) or SURVIVED, then the totals; exits 1 if any survived.
#
# It works on a detached git worktree of HEAD in --work (default /tmp/lenet5-mutate, kept for incremental
# builds), so the checkout is never left mutated; commit what you want tested. About 11 s a mutation
# (1,120 s for 103 on a quiet 2-core machine; 25 s when it is shared).
#   scripts/mutate.sh                 every mutation
#   scripts/mutate.sh --only NAME,N   some, by name or number      scripts/mutate.sh --from N   resume at N
#   scripts/mutate.sh --list          list them
# Not part of .ci/run; docs/testing.md records the last full run.
set -euo pipefail
case "${1:-}" in
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
exec python3 "$(dirname "$0")/mutate.py" "$@"
