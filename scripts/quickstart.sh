#!/usr/bin/env bash
# One command from a fresh Debian machine to a result:
#   scripts/quickstart.sh demo      install what is missing, build, run the headline demo
#   scripts/quickstart.sh test      install what is missing, build, run the whole test suite
#   scripts/quickstart.sh sanitize  the test suite again, built with AddressSanitizer + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-demo}"
jobs="${JOBS:-$(nproc)}"

scripts/setup.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

configure_and_build() {  # build-dir, extra cmake args...
  local dir="$1"
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

case "$what" in
  demo)
    configure_and_build build -DIOSIM_TESTS=OFF -DIOSIM_BENCH=OFF
    echo
    echo "== One 64 KiB read from disk, four ways, while another process wants the CPU =="
    build/sim/iosim compare scenarios/mechanisms/*.yaml
    echo
    echo "Next: build/sim/iosim run scenarios/mechanisms/dma-burst.yaml --trace burst.json --vcd burst.vcd"
    ;;
  test)
    configure_and_build build -DIOSIM_TESTS=ON -DIOSIM_BENCH=ON
    ctest --test-dir build --output-on-failure --no-tests=error -j "$jobs"
    ;;
  sanitize)
    configure_and_build build-sanitize -DIOSIM_SANITIZE=ON -DIOSIM_TESTS=ON -DIOSIM_BENCH=OFF
    ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir build-sanitize --output-on-failure --no-tests=error -j "$jobs"
    ;;
  *)
    echo "usage: scripts/quickstart.sh demo|test|sanitize" >&2
    exit 2
    ;;
esac
