#!/usr/bin/env bash
# CI's second half (.ci/run calls it after scripts/test.sh): the whole suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, the tests that run threads under
# ThreadSanitizer, and a bounded libFuzzer run of the result reader (FUZZ_SECONDS, default 60).
# Each build is incremental and the script is safe to run again. Warnings are errors in both
# sanitizer builds, as in the release build.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PACKAGES+=(chromium)  # the HTML report test, as in scripts/test.sh
install_missing_packages
source "$ROOT/scripts/leftovers.sh"
cd "$ROOT"
jobs="$(nproc)"

echo "== ASan + UBSan: the whole suite" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan --parallel "$jobs" >&2
leftovers_snapshot
(cd build-asan && ctest --output-on-failure --timeout 600)
leftovers_check "$ROOT/build-asan"

# The binaries whose tests start threads: the sampler and barrier (core), thread creation and
# the stray-write threads (processes), the churn stall (vm), the shootdown spinners
# (mmap_vs_read), and every ping-pong, load and frame loop (scheduling).
echo "== TSan: the tests that run threads" >&2
tsan_tests=(core_tests processes_tests vm_tests mmap_vs_read_tests scheduling_tests)
cmake --preset tsan >/dev/null
cmake --build --preset tsan --parallel "$jobs" --target "${tsan_tests[@]}" >&2
leftovers_snapshot
# halt_on_error: a race fails the run instead of scrolling past; second_deadlock_stack for
# readable lock-order reports.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
for t in "${tsan_tests[@]}"; do
  echo "-- $t" >&2
  "$ROOT/build-tsan/$t" --gtest_brief=1
done
leftovers_check "$ROOT/build-tsan"

echo "== libFuzzer: the result reader for ${FUZZ_SECONDS:-60} s" >&2
"$ROOT/scripts/fuzz.sh"
