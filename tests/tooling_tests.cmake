# Tooling around the simulator: the Chrome trace / Perfetto export, and the JSON Schemas of the
# scenario and trace formats (docs/schemas/) checked against every scenario and trace we ship.

iosim_add_test(sim_perfetto_test sim_perfetto_test.cpp LIBS iosim::sim nlohmann_json::nlohmann_json)
target_compile_definitions(sim_perfetto_test PRIVATE IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# The schemas against every scenario and trace we ship and freshly written traces, plus broken
# files that must be rejected. Python with python3-jsonschema and python3-yaml (scripts/setup.sh);
# Debian's interpreter first, because that is where setup.sh installs them.
if(TARGET iosim)
  find_program(IOSIM_SCHEMA_PYTHON NAMES python3 HINTS /usr/bin NO_DEFAULT_PATH)
  find_program(IOSIM_SCHEMA_PYTHON NAMES python3)
  if(IOSIM_SCHEMA_PYTHON)
    add_test(NAME Schema.ScenariosAndTracesMatchTheSchemas
             COMMAND ${IOSIM_SCHEMA_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/schema_test.py
                     --iosim $<TARGET_FILE:iosim> --source ${PROJECT_SOURCE_DIR}
                     --workdir ${CMAKE_CURRENT_BINARY_DIR}/schema-test)
    set_tests_properties(Schema.ScenariosAndTracesMatchTheSchemas PROPERTIES
                         ENVIRONMENT "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1" TIMEOUT 300)
  else()
    message(WARNING "python3 not found: the schema test is not registered")
  endif()
endif()

# The fuzzers' findings (fuzz/regressions/) replayed in every run, sanitized or not.
iosim_add_test(fuzz_regression_test fuzz_regression_test.cpp LIBS iosim::sim)
target_compile_definitions(fuzz_regression_test PRIVATE IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
