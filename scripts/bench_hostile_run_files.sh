#!/usr/bin/env bash
# Times `illusion report` (to the terminal, and to --json, --md and --html at once: "outputs")
# and `illusion compare` on run files built to cost the most to read, with /usr/bin/time -v, and
# prints one row per file and command: shape, bytes, exit status, seconds, maximum RSS. Exits 1 if any took 2 s or more or 256 MiB or more (the promise of issue
# 20: any file, accepted or refused, is handled within both), 2 on a usage problem.
#
# Two kinds of file, each just under SIZE_MIB (default: just under the reader's 16 MiB limit):
#   flood_*   one array or object filled to the size (the issue's 63 MiB of [0,0] points): the
#             reader must refuse them early, at a cap, not after building them in memory;
#   cap_*     the largest files the caps let through (every count at or just under its cap):
#             they must be read, reported and compared within the limits.
#   real      docs/results/dev-vm.json, for scale.
#
# ILLUSION=path picks the binary (default build/illusion), so the same files can be timed on an
# older build: ILLUSION=/path/to/old/illusion SIZE_MIB=63 scripts/bench_hostile_run_files.sh.
# Not a test: timings depend on the machine. Everything it writes is in a private temporary
# directory, removed on every exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ILLUSION="${ILLUSION:-$ROOT/build/illusion}"
SIZE_MIB="${SIZE_MIB:-15.9}"
MAX_SECONDS=2
MAX_RSS_KIB=$((256 * 1024))
# A run slower than this is stopped, so an old build cannot hold the script for minutes.
KILL_AFTER="${KILL_AFTER:-60}"

if [ ! -x "$ILLUSION" ]; then
  echo "bench_hostile_run_files.sh: no illusion binary at $ILLUSION (build it, or set ILLUSION)" >&2
  exit 2
fi
if [ ! -x /usr/bin/time ] || ! command -v python3 >/dev/null; then
  echo "bench_hostile_run_files.sh: needs /usr/bin/time (GNU time) and python3" >&2
  exit 2
fi
if ! [[ "$SIZE_MIB" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
  echo "bench_hostile_run_files.sh: SIZE_MIB must be a number of MiB, not '$SIZE_MIB'" >&2
  exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/illusion-bench-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

python3 - "$WORK" "$SIZE_MIB" "$ROOT/docs/results/dev-vm.json" <<'PY'
import json, shutil, sys

work, size = sys.argv[1], int(float(sys.argv[2]) * (1 << 20))
shutil.copy(sys.argv[3], f"{work}/real.json")

# The caps of src/report/run_file_limits.h, to build files right at them.
VALUES, STRING, KEYS, POINTS, SERIES, WARNINGS, EXPERIMENTS = (
    500_000, 64 << 10, 512, 100_000, 64, 1000, 5000)

HEAD = ('{"schema": "illusion.run/1", "tool": {"version": "bench"}, "profile": "default", '
        '"complete": true, "started_at": "2026-12-07T00:00:00Z", "duration_s": 1, "env": {}, ')

def experiment(i, **extra):
    e = {"id": f"bench.e{i}", "lab": "bench", "title": f"row {i}", "unit": "ns",
         "status": "ok", "stats": {"n": 100, "min": 1, "p50": 2, "p90": 3, "p99": 4, "p999": 5,
                                   "max": 6, "mean": 2, "stddev": 1, "cv": 0.5, "outliers": 0}}
    e.update(extra)
    return e

def write(name, text):
    assert len(text) <= size + 4096, (name, len(text))
    with open(f"{work}/{name}.json", "w") as f:
        f.write(text)

def fill(unit, overhead):
    """How many copies of `unit` (text) fit in the size, with `overhead` bytes around them."""
    return max(1, (size - overhead) // len(unit))

def one_experiment_with(inner):
    """A run of one experiment whose JSON text ends with `inner` (a fragment like
    '"series": [...]'), built as text: json.dumps of a million-element list is slow."""
    base = json.dumps(experiment(0))[:-1]
    return HEAD + '"experiments": [' + base + ", " + inner + "}]}"

# flood: one container filled to the size.
n = fill("[0,0],", 300)
write("flood_points", one_experiment_with(
    '"series": [{"name": "cdf", "points": [' + ",".join(["[0,0]"] * n) + "]}]"))
n = fill('{"name":"s","points":[]},', 300)
write("flood_series", one_experiment_with(
    '"series": [' + ",".join(['{"name":"s","points":[]}'] * n) + "]"))
unit = '{"id":"b.%08d","lab":"b","title":"t","unit":"ns","status":"ok","stats":null},'
n = fill(unit % 0, 300)
write("flood_experiments", HEAD + '"experiments": [' +
      ",".join(unit[:-1] % i for i in range(n)) + "]}")
n = fill('"w",', 300)
write("flood_warnings", one_experiment_with('"warnings": [' + ",".join(['"w"'] * n) + "]"))
write("flood_string", one_experiment_with('"meaning": "' + "x" * (size - 600) + '"'))
n = fill('"k0000000":1,', 300)
write("flood_params", one_experiment_with(
    '"params": {' + ",".join('"k%07d":1' % i for i in range(n)) + "}"))
# 60 levels inside the run file's 4 (the run, experiments, one experiment, "future"): 64.
deep = "[" * 60 + "]" * 60
n = fill(deep + ",", 300)
write("flood_nesting", one_experiment_with('"future": [' + ",".join([deep] * n) + "]"))

# cap: the most each cap lets through, within the size.
first = ",".join(["[0,0]"] * POINTS)
rest = ",".join(["[1,1]"] * ((VALUES - 3 * POINTS - 200) // 3))
write("cap_points", one_experiment_with(
    '"series": [{"name": "cdf", "points": [' + first + ']}, {"name": "timeline", "points": [' +
    rest + "]}]"))
# As many experiments as the caps allow, each with a small series, a param and a warning.
rows = [json.dumps(experiment(i, series=[{"name": "cdf", "points": [[j, j] for j in range(4)]}],
                              params={"samples": 100}, warnings=["w"]))
        for i in range(min(EXPERIMENTS, VALUES // 60))]
write("cap_experiments", HEAD + '"experiments": [' + ",".join(rows) + "]}")
# Ids as long as the experiments cap and the size allow, alike but for their end: a lookup by
# id compares them whole (compare once searched one run's rows for each row of the other).
length = min(STRING - 10, size // EXPERIMENTS - 300)
rows = [json.dumps(experiment(i, id="x" * length + "%05d" % i)) for i in range(EXPERIMENTS)]
write("cap_long_ids", HEAD + '"experiments": [' + ",".join(rows) + "]}")
# Strings at their cap: titles and meanings of 64 KiB, as many as the size holds.
n = size // (2 * STRING + 400)
rows = [json.dumps(experiment(i, title="t" * STRING, meaning="m" * STRING)) for i in range(n)]
write("cap_strings", HEAD + '"experiments": [' + ",".join(rows) + "]}")
# Objects at their key cap: 1000 params (keys 1 KiB long, alike but for their end) per row.
key = "k" * 1000
n = min(VALUES // (KEYS + 20), size // (KEYS * (len(key) + 12) + 400))
rows = [json.dumps(experiment(i, params={key + "%06d" % j: j for j in range(KEYS)}))
        for i in range(n)]
write("cap_keys_long", HEAD + '"experiments": [' + ",".join(rows) + "]}")
n = min(VALUES // (KEYS + 20), size // (KEYS * 16 + 400))
rows = [json.dumps(experiment(i, params={"k%06d" % j: j for j in range(KEYS)},
                              metrics={"m%06d" % j: j for j in range(KEYS)}))
        for i in range(n // 2)]
write("cap_keys", HEAD + '"experiments": [' + ",".join(rows) + "]}")
n = min(VALUES // (WARNINGS + 20), size // (WARNINGS * 400 + 400))
rows = [json.dumps(experiment(i, warnings=["w" * 390] * WARNINGS)) for i in range(n)]
write("cap_warnings", HEAD + '"experiments": [' + ",".join(rows) + "]}")
n = min(VALUES // (SERIES * 3 + 20), 1000)
rows = [json.dumps(experiment(i, series=[{"name": "s%d" % k, "points": [[k, k]]}
                                         for k in range(SERIES)])) for i in range(n)]
write("cap_series", HEAD + '"experiments": [' + ",".join(rows) + "]}")
n = (VALUES - 200) // 60
write("cap_nesting", one_experiment_with('"future": [' + ",".join([deep] * n) + "]"))
PY

printf '%-18s %10s %-8s %5s %8s %10s\n' shape bytes command exit seconds max_rss_mib
status=0
for file in "$WORK"/*.json; do
  [[ "$file" == *.copy.json ]] && continue
  shape="$(basename "$file" .json)"
  bytes="$(stat -c %s "$file")"
  cp "$file" "$WORK/$shape.copy.json"
  for command in report outputs compare; do
    case "$command" in
      report) args=(report "$file") ;;
      # Every format at once: the HTML charts a series point by point.
      outputs) args=(report "$file" --json "$WORK/out.json" --md "$WORK/out.md" --html "$WORK/out.html") ;;
      compare) args=(compare "$file" "$WORK/$shape.copy.json") ;;
    esac
    code=0
    /usr/bin/time -v -o "$WORK/time" timeout "$KILL_AFTER" "$ILLUSION" "${args[@]}" \
      >/dev/null 2>"$WORK/stderr" || code=$?
    # m:ss.cc or h:mm:ss, as GNU time writes the elapsed time.
    seconds="$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$WORK/time" |
      awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')"
    rss_kib="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")"
    [ "$code" -eq 124 ] && code="killed"
    printf '%-18s %10s %-8s %5s %8s %10s\n' "$shape" "$bytes" "$command" "$code" "$seconds" \
      "$((rss_kib / 1024))"
    if [ "$code" = killed ] || awk -v s="$seconds" -v m="$MAX_SECONDS" 'BEGIN { exit !(s >= m) }' ||
      [ "$rss_kib" -ge "$MAX_RSS_KIB" ]; then
      status=1
    fi
  done
  rm -f "$WORK/$shape.copy.json" "$WORK"/out.*
done
if [ "$status" -ne 0 ]; then
  echo "bench_hostile_run_files.sh: a file took ${MAX_SECONDS} s or more, or 256 MiB or more" >&2
fi
exit "$status"
