# The disk drive and its controller (models/hw/disk.h).
iosim_add_test(disk_test disk_test.cpp)
