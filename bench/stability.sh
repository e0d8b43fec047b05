#!/usr/bin/env bash
# Runs `illusion run` (the headline set, or the arguments given) N times back to back and prints
# how well the runs repeat: each row's p50 per run, its CV across runs, each run's duration and
# the time by lab, via `illusion stability`. A benchmark, not a test: it asserts nothing.
#
#   bench/stability.sh                 # 3 headline runs
#   RUNS=5 bench/stability.sh --quick  # 5 quick runs
#   OUT=docs/results/stability-dev-vm.md bench/stability.sh   # also keep the table as Markdown
#
# The run files go to a private directory, removed at the end (KEEP=1 keeps it and says where).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ILLUSION_BUILD_DIR:-$ROOT/build}/illusion"
RUNS="${RUNS:-3}"
if [ ! -x "$BIN" ]; then
  echo "stability.sh: $BIN not found; build first (scripts/run.sh or scripts/test.sh)" >&2
  exit 1
fi
dir="$(mktemp -d "${TMPDIR:-/tmp}/illusion-stability-XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then
  trap 'echo "stability.sh: run files kept in $dir" >&2' EXIT
else
  trap 'rm -rf "$dir"' EXIT
fi
files=()
for i in $(seq 1 "$RUNS"); do
  echo "stability.sh: run $i of $RUNS: illusion run $*" >&2
  "$BIN" run "$@" --json "$dir/run$i.json" > /dev/null
  files+=("$dir/run$i.json")
done
md=()
[ -n "${OUT:-}" ] && md=(--md "$OUT")
"$BIN" stability "${files[@]}" "${md[@]}"
