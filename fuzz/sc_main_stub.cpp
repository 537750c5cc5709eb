// libsystemc.so refers to sc_main() (it defines a main() that calls it), and the scenario loader
// links the models, hence SystemC. The fuzzers never simulate: libFuzzer's main() runs them, and
// this sc_main only satisfies the library's reference (like tests/test_main.cpp).
#include <cstdlib>

#include <systemc>

int sc_main(int, char*[]) {
  return EXIT_FAILURE;
}
