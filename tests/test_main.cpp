// The test runner's entry point. It must be ours: see tests/CMakeLists.txt.
#include <cstdlib>

#include <gtest/gtest.h>
#include <systemc>

// libsystemc.so refers to sc_main(); tests build their models inside TEST bodies instead.
int sc_main(int, char*[]) {
  return EXIT_FAILURE;
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
