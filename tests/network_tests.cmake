# The network card and the far end of the wire (models/hw/nic.h, network_peer.h).
iosim_add_test(nic_test nic_test.cpp)
