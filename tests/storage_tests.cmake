# The storage-path policies of the simulated kernel (models/os/readahead.*, page_cache.*,
# writeback_policy.*): plain classes, no SystemC simulation.
iosim_add_test(readahead_test readahead_test.cpp)
iosim_add_test(page_cache_test page_cache_test.cpp)
iosim_add_test(writeback_policy_test writeback_policy_test.cpp)
