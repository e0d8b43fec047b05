#!/usr/bin/env bash
# Runs `illusion run` (the headline set, or the arguments given) N times back to back and prints
# how well the runs repeat: each row's p50 per run, its CV across runs, each run's duration and
# the time by lab, via `illusion stability`. A benchmark, not a test: it asserts nothing.
#
# After each run, `illusion verify --peers --rounds 1` (~17 s; with --quick among the arguments,
# --quick too, ~7 s) measures the same figures with perf bench, fio, cyclictest and hyperfine in
# the same slot, with the runs' profile: how much those tools vary across the slots is the
# machine's own reference, printed beside illusion's rows ("Peer tools in the same slots"). A verify that fails is reported and left out; the runs go on. PEERS=0, or no
# `perf` on PATH, skips the verify runs.
#
#   bench/stability.sh                 # 3 headline runs, each followed by a verify run
#   RUNS=5 bench/stability.sh --quick  # 5 quick runs
#   PEERS=0 bench/stability.sh         # the runs alone
#   OUT=docs/results/stability-dev-vm.md bench/stability.sh   # also keep the table as Markdown
#
# The run and verify files go to a private directory, removed at the end (KEEP=1 keeps it and
# says where).
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
peers=1
if [ "${PEERS:-1}" = 0 ]; then
  peers=0
elif ! command -v perf > /dev/null 2>&1; then
  echo "stability.sh: perf is not installed: no verify runs (scripts/peers.sh installs the peers)" >&2
  peers=0
fi
verify_args=(--peers --rounds 1)
for a in "$@"; do
  if [ "$a" = --quick ]; then verify_args+=(--quick); fi
done
files=()
for i in $(seq 1 "$RUNS"); do
  echo "stability.sh: run $i of $RUNS: illusion run $*" >&2
  "$BIN" run "$@" --json "$dir/run$i.json" > /dev/null
  files+=("$dir/run$i.json")
  [ "$peers" = 1 ] || continue
  echo "stability.sh: verify $i of $RUNS: illusion verify ${verify_args[*]}" >&2
  if "$BIN" verify "${verify_args[@]}" --json "$dir/verify$i.json" > /dev/null; then
    files+=("$dir/verify$i.json")
  else
    echo "stability.sh: verify $i failed (status $?); going on without it" >&2
    rm -f "$dir/verify$i.json"
  fi
done
md=()
[ -n "${OUT:-}" ] && md=(--md "$OUT")
"$BIN" stability "${files[@]}" "${md[@]}"
