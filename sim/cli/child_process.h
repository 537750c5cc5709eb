// Running copies of the program as child processes (`iosim compare`): SystemC elaborates one
// model per OS process, so each scenario runs in its own.
#pragma once

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

}  // namespace iosim::cli
