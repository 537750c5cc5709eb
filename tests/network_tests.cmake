# The network card and the far end of the wire (models/hw/nic.h, network_peer.h).
iosim_add_test(nic_test nic_test.cpp)
# The network path on the whole machine (models/os/net.cpp): sockets, write(), sendfile(), the
# NIC driver, the seeds' table and the zero-copy scenarios.
iosim_add_test(network_platform_test network_platform_test.cpp LIBS iosim::sim)
target_compile_definitions(network_platform_test PRIVATE IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Many chunks and a large warm transfer, through `iosim compare --json` (four runs per test).
if(TARGET iosim)
  iosim_add_test(network_scaling_test network_scaling_test.cpp LIBS nlohmann_json::nlohmann_json)
  target_compile_definitions(network_scaling_test PRIVATE
    IOSIM_BINARY="$<TARGET_FILE:iosim>" IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(network_scaling_test iosim)
endif()
# Pipes, splice() and tee().
iosim_add_test(network_splice_test network_splice_test.cpp LIBS iosim::sim)
target_compile_definitions(network_splice_test PRIVATE IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# send() with MSG_ZEROCOPY.
iosim_add_test(network_zerocopy_test network_zerocopy_test.cpp LIBS iosim::sim)
target_compile_definitions(network_zerocopy_test PRIVATE IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
