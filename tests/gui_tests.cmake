# Tests of the Qt GUI (gui/): Qt Test executables on the offscreen platform, no screen needed.
if(NOT TARGET iosim-gui)
  return()
endif()

# Qt's imported targets are local to the directory that found them.
find_package(Qt6 REQUIRED COMPONENTS Widgets Test)

set(IOSIM_GUI_TRACES ${CMAKE_CURRENT_SOURCE_DIR}/data/traces)

function(iosim_add_gui_test name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES AUTOMOC ON)
  target_link_libraries(${name} PRIVATE iosim_gui_widgets Qt6::Test)
  target_compile_definitions(${name} PRIVATE IOSIM_GUI_TRACES="${IOSIM_GUI_TRACES}"
                                             IOSIM_GUI_BINARY="$<TARGET_FILE:iosim-gui>")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "QT_QPA_PLATFORM=offscreen" TIMEOUT 120)
endfunction()

iosim_add_gui_test(gui_trace_test gui_trace_test.cpp)
iosim_add_gui_test(gui_views_test gui_views_test.cpp)
iosim_add_gui_test(gui_export_test gui_export_test.cpp)
# The export test runs the program: build it first.
add_dependencies(gui_export_test iosim-gui)
# With the simulator built too, the export test also plays a real trace written by `iosim run`.
if(TARGET iosim)
  target_compile_definitions(gui_export_test PRIVATE IOSIM_BINARY="$<TARGET_FILE:iosim>"
                                                     IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(gui_export_test iosim)
endif()

# Screenshot tests: the export code's images against tests/data/screenshots/*.png, with a
# tolerance for font rendering (see the test's header). After an intended drawing change,
# `ninja update-screenshots` rewrites the references and the copies in docs/images/.
iosim_add_gui_test(gui_screenshot_test gui_screenshot_test.cpp)
target_compile_definitions(gui_screenshot_test PRIVATE
  IOSIM_SCREENSHOTS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data/screenshots"
  IOSIM_DOCS_IMAGES_DIR="${PROJECT_SOURCE_DIR}/docs/images")
add_custom_target(update-screenshots
  COMMAND ${CMAKE_COMMAND} -E env IOSIM_UPDATE_SCREENSHOTS=1 QT_QPA_PLATFORM=offscreen
          $<TARGET_FILE:gui_screenshot_test>
  DEPENDS gui_screenshot_test
  COMMENT "Rewriting tests/data/screenshots/*.png and docs/images/*.png"
  VERBATIM)

# The player's lecture features and the scenario pane, which runs a stand-in iosim (and the real
# one when the simulator is built).
iosim_add_gui_test(gui_player_test gui_player_test.cpp)
target_compile_definitions(gui_player_test PRIVATE
  IOSIM_GUI_FAKE_IOSIM="${CMAKE_CURRENT_SOURCE_DIR}/data/fake-iosim/iosim"
  IOSIM_DOCS_IMAGES_DIR="${PROJECT_SOURCE_DIR}/docs/images")
if(TARGET iosim)
  target_compile_definitions(gui_player_test PRIVATE IOSIM_BINARY="$<TARGET_FILE:iosim>"
                                                     IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(gui_player_test iosim)
endif()
# Counters and the compare view; sweep charts (their CSVs are in data/sweeps).
iosim_add_gui_test(gui_compare_test gui_compare_test.cpp)
iosim_add_gui_test(gui_chart_test gui_chart_test.cpp)
target_compile_definitions(gui_chart_test PRIVATE
                           IOSIM_GUI_SWEEPS="${CMAKE_CURRENT_SOURCE_DIR}/data/sweeps")
# With the simulator built, the chart test also charts a real `iosim sweep`.
if(TARGET iosim)
  target_compile_definitions(gui_chart_test PRIVATE IOSIM_BINARY="$<TARGET_FILE:iosim>"
                                                    IOSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(gui_chart_test iosim)
endif()
