#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz, one per reader, built with clang and ASan + UBSan in build-fuzz/.
#   tools/fuzz.sh                 run every target for 10 minutes
#   tools/fuzz.sh 30              every target for 30 seconds (what .ci/run does)
#   tools/fuzz.sh 3600 fuzz_model one target for an hour
# Each target starts from its seeds in tests/fuzz/corpus/<target>/ and keeps what it finds in
# build-fuzz/corpus/<target>/ (not committed; copy a small, interesting input into the seeds by hand).
# A crash, a sanitizer report or an input taking over 10 s stops the target, leaves the input as
# build-fuzz/<target>-crash-* / -timeout-*, and makes the script exit 1. Prints executions and coverage.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(fuzz_dataset fuzz_vectors fuzz_vocab fuzz_safetensors fuzz_model)
BUILD=${TG_FUZZ_BUILD_DIR:-build-fuzz}

if [ ! -f "$BUILD/build.ninja" ]; then
  CXX=clang++ meson setup "$BUILD" . -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized -Dnative=false >/dev/null || exit 1
fi
ninja -C "$BUILD" "${TARGETS[@]/#/tests/fuzz/}" >/dev/null || exit 1

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for target in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$target"
  log="$BUILD/$target.log"
  "$BUILD/tests/fuzz/$target" "$BUILD/corpus/$target" "tests/fuzz/corpus/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$BUILD/$target-" -print_final_stats=1 >"$log" 2>&1
  code=$?
  # The last status line: "#12345 DONE cov: 812 ft: 2301 corp: 120/40Kb ..."
  status=$(grep -E '^#[0-9]+' "$log" | tail -1)
  printf '%-18s %s\n' "$target" "${status:-no status line}"
  if [ $code -ne 0 ]; then
    echo "FAIL: $target exit $code, see $log:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -5 >&2
    failed=1
  fi
done
exit $failed
