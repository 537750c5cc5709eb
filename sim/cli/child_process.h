// Running copies of the program as child processes (`iosim compare`): SystemC elaborates one
// model per OS process, so each scenario runs in its own.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace iosim::cli {

struct ChildResult {
  /// The exit status, or 128 + the signal number when the child was killed (as shells report).
  int exit_status = 0;
  std::string out;  // everything the child wrote to stdout
  std::string err;  // and to stderr
};

/// Runs each command (argv[0] is the program path) with posix_spawn, at most `jobs` at a time,
/// collecting their output. Results are in the order of `commands`. Throws std::runtime_error
/// when a child cannot be started.
std::vector<ChildResult> run_children(const std::vector<std::vector<std::string>>& commands,
                                      unsigned jobs);

/// What run_children_streaming asks of its caller.
struct ChildStream {
  std::size_t count = 0;  // commands 0 .. count-1
  /// The command of index i (argv[0] is the program path); built only when it starts, so that a
  /// sweep of 100 000 points does not hold 100 000 argument lists.
  std::function<std::vector<std::string>(std::size_t)> command_of;
  /// Called as each child ends, in the order they end (not in index order).
  std::function<void(std::size_t, ChildResult&&)> on_finished;
  /// Called about every `tick_ms` while children run (a progress display redraws), may be empty.
  std::function<void()> on_tick;
  int tick_ms = 250;
  /// Asked before each result is delivered and after every wake-up; when it returns true, every
  /// running child is killed and reaped without delivering its result, and the run stops.
  std::function<bool()> stop_requested;
};

/// Runs the stream's commands, at most `jobs` at a time, started in index order. Returns false
/// when stop_requested() stopped it, true when every child ran. Throws std::runtime_error when a
/// child cannot be started (after killing the others).
bool run_children_streaming(const ChildStream& stream, unsigned jobs);

}  // namespace iosim::cli
