# Tests of sim/ (scenario loading, metrics, exports) and of the iosim program.
set(IOSIM_TEST_DATA_DIR ${CMAKE_CURRENT_SOURCE_DIR}/data)

iosim_add_test(sim_units_test sim_units_test.cpp LIBS iosim::sim)

iosim_add_test(sim_scenario_test sim_scenario_test.cpp LIBS iosim::sim)
target_compile_definitions(sim_scenario_test PRIVATE IOSIM_TEST_DATA="${IOSIM_TEST_DATA_DIR}")

# include: and repeat: (tests/data/include/).
iosim_add_test(sim_include_test sim_include_test.cpp LIBS iosim::sim)
target_compile_definitions(sim_include_test PRIVATE IOSIM_TEST_DATA="${IOSIM_TEST_DATA_DIR}")

iosim_add_test(sim_metrics_test sim_metrics_test.cpp LIBS iosim::sim)

iosim_add_test(sim_export_test sim_export_test.cpp LIBS iosim::sim)

if(TARGET iosim)
  iosim_add_test(sim_cli_test sim_cli_test.cpp LIBS iosim::sim nlohmann_json::nlohmann_json)
  target_compile_definitions(sim_cli_test PRIVATE
    IOSIM_BINARY="$<TARGET_FILE:iosim>"
    IOSIM_TEST_DATA="${IOSIM_TEST_DATA_DIR}"
    IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  # The test runs the program: build it first.
  add_dependencies(sim_cli_test iosim)
endif()

# `iosim sweep` and `iosim merge`: range expansion and file formats in-process, the program as
# users run it (parallel, interrupted and resumed, sharded and merged).
if(TARGET iosim)
  iosim_add_test(sim_sweep_test sim_sweep_test.cpp LIBS iosim::sim nlohmann_json::nlohmann_json)
  target_compile_definitions(sim_sweep_test PRIVATE
    IOSIM_BINARY="$<TARGET_FILE:iosim>"
    IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(sim_sweep_test iosim)
endif()
