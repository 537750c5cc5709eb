iosim_add_test(bus_test bus_test.cpp)
iosim_add_test(dma_test dma_test.cpp)
iosim_add_test(platform_test platform_test.cpp)
