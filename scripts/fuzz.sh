#!/usr/bin/env bash
# Fuzzes the run-file reader (the code behind `illusion report`, `compare` and `budget --from`)
# with libFuzzer under ASan and UBSan, for FUZZ_SECONDS (default 60), starting from the seed
# files in fuzz/corpus/. Exits 1 if the fuzzer found a crash, a sanitizer report, a leak, an
# exception the reader does not document or an input slower than 10 s; the input that did it is
# kept in build-fuzz/artifacts/.
#
# Safe to run again: the target is rebuilt only when a source changed, the seeds are copied to
# a private directory that is removed on every exit, and nothing but build-fuzz/ is left behind.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
if ! [[ "$FUZZ_SECONDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: FUZZ_SECONDS must be a whole number of seconds above 0, not '$FUZZ_SECONDS'" >&2
  exit 2
fi

# clang with its sanitizer and libFuzzer runtimes (libclang-rt-14-dev on Debian 12), g++ for
# the libstdc++ headers clang compiles against, and the two libraries the reader uses.
PACKAGES=(clang libclang-rt-14-dev g++ libfmt-dev nlohmann-json3-dev)
install_missing_packages

FUZZ_DIR="$ROOT/build-fuzz"
BIN="$FUZZ_DIR/json_read_fuzz"
ARTIFACTS="$FUZZ_DIR/artifacts"
# core/result.cpp: the reader marks batched rows (set_ops_per_sample) as it reads them;
# core/text_file.cpp reads the file (read_input_file) through core/fd.cpp's owner and
# core/errors.cpp's messages; core/json_words.cpp names a wrong type; report/json_text.cpp
# parses the text, through report/json_caps.cpp's counting builder; core/printable.cpp escapes
# what the messages quote.
SOURCES=("$ROOT/fuzz/json_read_fuzz.cpp" "$ROOT/src/report/json_read.cpp" "$ROOT/src/report/json_text.cpp"
         "$ROOT/src/report/json_caps.cpp" "$ROOT/src/report/json_fields.cpp" "$ROOT/src/core/result.cpp"
         "$ROOT/src/core/text_file.cpp" "$ROOT/src/core/json_words.cpp"
         "$ROOT/src/core/fd.cpp" "$ROOT/src/core/errors.cpp" "$ROOT/src/core/printable.cpp")
mkdir -p "$FUZZ_DIR" "$ARTIFACTS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/illusion-fuzz-XXXXXX")"
trap 'rm -rf "$WORK" "$BIN.new.$$"' EXIT
# Ctrl-C or kill: exit through the EXIT trap, which bash skips when a signal ends it unhandled.
trap 'exit 130' INT
trap 'exit 143' TERM

# Everything the target is built from: its sources and the headers they can include.
needs_build() {
  [ ! -x "$BIN" ] && return 0
  [ -n "$(find "${SOURCES[@]}" "$ROOT/src/report" "$ROOT/src/core" "$0" -newer "$BIN" \
           \( -name '*.cpp' -o -name '*.h' -o -name '*.sh' \) -print -quit)" ]
}

if needs_build; then
  echo "fuzz.sh: building $BIN" >&2
  # Built under a temporary name and renamed, so an interrupted build leaves no broken binary.
  clang++ -std=c++20 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$ROOT/src" -DILLUSION_VERSION='"fuzz"' "${SOURCES[@]}" -lfmt -o "$BIN.new.$$"
  mv -f "$BIN.new.$$" "$BIN"
fi

# libFuzzer adds the inputs it finds interesting to the first corpus directory: a copy, so the
# seeds in the repository stay the few tiny files they are.
mkdir "$WORK/corpus"
cp "$ROOT"/fuzz/corpus/* "$WORK/corpus/"

echo "fuzz.sh: fuzzing the run-file reader for $FUZZ_SECONDS s" >&2
start=$(date +%s)
status=0
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  "$BIN" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$ARTIFACTS/" "$WORK/corpus" >"$WORK/log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - start ))

runs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$WORK/log" | tail -n 1)"
if [ "$status" -ne 0 ]; then
  tail -n 60 "$WORK/log" >&2
  echo "fuzz.sh: FAILED after ${elapsed} s (libFuzzer exit status $status); the input is in" \
    "$ARTIFACTS/ (replay: $BIN FILE)" >&2
  exit 1
fi
echo "fuzz.sh: ok: ${runs:-?} inputs in ${elapsed} s, no crash" \
  "($(ls "$WORK/corpus" | wc -l) corpus entries at the end)" >&2
