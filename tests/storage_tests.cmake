# The storage-path policies of the simulated kernel (models/os/readahead.*, page_cache.*,
# writeback_policy.*): plain classes, no SystemC simulation.
iosim_add_test(readahead_test readahead_test.cpp)
iosim_add_test(page_cache_test page_cache_test.cpp)
iosim_add_test(writeback_policy_test writeback_policy_test.cpp)
# The storage path on the whole machine (models/os/vfs.cpp): page cache, read-ahead, eviction.
iosim_add_test(storage_platform_test storage_platform_test.cpp)
# The write path (models/os/writeback.cpp): dirty pages, writeback, fsync, O_DIRECT, crashes.
iosim_add_test(storage_write_test storage_write_test.cpp)
# Memory mappings (models/os/mmap.cpp): faults, fault-around, copy-on-write, msync.
iosim_add_test(storage_mmap_test storage_mmap_test.cpp)

# The storage scenarios through the iosim program.
if(TARGET iosim)
  iosim_add_test(storage_scenario_test storage_scenario_test.cpp
                 LIBS iosim::sim nlohmann_json::nlohmann_json)
  target_compile_definitions(storage_scenario_test PRIVATE
    IOSIM_BINARY="$<TARGET_FILE:iosim>"
    IOSIM_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data"
    IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(storage_scenario_test iosim)
endif()
