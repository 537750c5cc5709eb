# The network card and the far end of the wire (models/hw/nic.h, network_peer.h).
iosim_add_test(nic_test nic_test.cpp)
# The network path on the whole machine (models/os/net.cpp): sockets, write(), sendfile(), the
# NIC driver, the seeds' table and the zero-copy scenarios.
iosim_add_test(network_platform_test network_platform_test.cpp LIBS iosim::sim)
target_compile_definitions(network_platform_test PRIVATE IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
