// Paths into a scenario's YAML document, as `--set` and `knobs:` write them:
//
//     platform.disk.rpm
//     processes[0].program[0].device_read.bytes
//     expect.cpu.other_work_ps.at_most          (a metric name is one key, dots and all)
//
// Dotted map keys and [i] list indexes. Internal to the simulator library (it includes
// yaml-cpp); the scenario loader and `--set` use it.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace iosim::sim {

/// One step of a path: a map key or a list index.
struct PathStep {
  bool is_index = false;
  std::string key;        // when !is_index
  std::size_t index = 0;  // when is_index
};

/// A path that is not well formed, or that does not fit the document. what() is a sentence
/// without a position ("files has 1 entry (indexes 0 to 0)").
class PathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads "a.b[0].c". Throws PathError.
std::vector<PathStep> parse_path(std::string_view text);
/// The first `count` steps written back ("processes[0].program").
std::string path_to_string(const std::vector<PathStep>& path, std::size_t count);
inline std::string path_to_string(const std::vector<PathStep>& path) {
  return path_to_string(path, path.size());
}

/// "a map", "a list", "a single value" or "nothing", for messages.
const char* node_kind(const YAML::Node& node);

/// The node `path` names in `root`. Consecutive keys may name one map key that contains dots
/// (metric names under `expect`): the longest run of keys that exists wins. Throws PathError
/// when a step does not exist ("processes[0] has no key 'nmae'; did you mean 'name'?").
YAML::Node find_node(const YAML::Node& root, const std::vector<PathStep>& path);

/// Puts `value` at `path` in `root`, replacing what is there. Missing map keys are created
/// (under `expect`, a missing key takes as many steps as form a metric name); list indexes
/// must exist. Returns every node that now comes from `value` or was created for it (values,
/// keys, maps), so the caller can say where they came from. Throws PathError.
std::vector<YAML::Node> set_node(YAML::Node root, const std::vector<PathStep>& path,
                                 const YAML::Node& value);

}  // namespace iosim::sim
