#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/README.md) with clang in build-fuzz/ and runs each for a fixed
# number of iterations from the seed corpora, with a fixed seed so that a CI run is repeatable.
# Runs both, then fails if either found a crash, sanitizer report, leak or timeout.
#   scripts/fuzz.sh [ITERATIONS]     default 20000 per target; JOBS=N for the build (default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20000}"
jobs="${JOBS:-$(nproc)}"
build=build-fuzz

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DIOSIM_FUZZ=ON -DIOSIM_GUI=OFF -DIOSIM_TESTS=OFF -DIOSIM_BENCH=OFF -DIOSIM_INSTALL=OFF \
  >/dev/null
cmake --build "$build" -j "$jobs" --target scenario_fuzz trace_reader_fuzz

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=0
run_fuzzer() {  # name, dictionary, seed directories...
  local name="$1" dict="$2"
  shift 2
  # A fresh working corpus each time: what earlier runs found must not change this run's path.
  local corpus="$build/corpus/$name" artifacts="$build/artifacts/$name/"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $name, $runs runs"
  local start=$SECONDS
  "$build/fuzz/$name" -runs="$runs" -seed=1 -timeout=10 -max_len=65536 -dict="$dict" \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$corpus" "$@" \
    >"$build/$name.log" 2>&1 || {
    tail -n 60 "$build/$name.log" >&2
    echo "fuzz: $name FAILED after $((SECONDS - start)) s; reproducer in $artifacts" >&2
    echo "      (run it again: $build/fuzz/$name $artifacts<file>)" >&2
    failed=1
    return
  }
  grep -E '^stat::number_of_executed_units|^Done' "$build/$name.log" || true
  echo "fuzz: $name clean in $((SECONDS - start)) s"
}

# Seeds: what people write, and what the fuzzers once broke with (fuzz/regressions/).
run_fuzzer scenario_fuzz fuzz/scenario.dict scenarios tests/data/good tests/data/broken \
  fuzz/regressions/scenario
run_fuzzer trace_reader_fuzz fuzz/trace.dict tests/data/traces fuzz/regressions/trace_reader
exit "$failed"
