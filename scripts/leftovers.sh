# Sourced by scripts/test.sh and scripts/sanitize.sh: a test run must leave no illusion temp
# files or directories and no process of the build behind. `leftovers_snapshot` before the
# tests, `leftovers_check BUILD_DIR` after (exits 1 naming what was left).

leftovers_snapshot() {
  LEFTOVERS_TMP="${TMPDIR:-/tmp}"
  LEFTOVERS_BEFORE="$(ls -1A "$LEFTOVERS_TMP" | grep -E '^\.?illusion' | sort || true)"
}

leftovers_check() {
  local build_dir="$1" after new procs
  after="$(ls -1A "$LEFTOVERS_TMP" | grep -E '^\.?illusion' | sort || true)"
  new="$(comm -13 <(printf '%s\n' "$LEFTOVERS_BEFORE") <(printf '%s\n' "$after") | sed '/^$/d')"
  procs="$(pgrep -a -f "$build_dir/" || true)"
  if [ -n "$new" ] || [ -n "$procs" ]; then
    [ -n "$new" ] && echo "tests left these in $LEFTOVERS_TMP:" >&2 && echo "$new" >&2
    [ -n "$procs" ] && echo "tests left these processes running:" >&2 && echo "$procs" >&2
    exit 1
  fi
  echo "leftovers: none in $LEFTOVERS_TMP, no process of $build_dir running" >&2
}
