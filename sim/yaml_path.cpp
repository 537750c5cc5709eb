#include "sim/yaml_path.h"

#include <cctype>

#include "sim/metrics.h"
#include "sim/suggest.h"

namespace iosim::sim {
namespace {

const char* const kExpectKey = "expect";

/// "the scenario" for the root, the path so far otherwise.
std::string describe_prefix(const std::vector<PathStep>& path, std::size_t count) {
  return count == 0 ? "the scenario" : path_to_string(path, count);
}

/// How many keys follow `first` without an index between them: the steps that may together
/// name one key with dots.
std::size_t key_run(const std::vector<PathStep>& path, std::size_t first) {
  std::size_t n = 0;
  while (first + n < path.size() && !path[first + n].is_index) ++n;
  return n;
}

std::string join_keys(const std::vector<PathStep>& path, std::size_t first, std::size_t count) {
  std::string key;
  for (std::size_t i = first; i < first + count; ++i) key += (i == first ? "" : ".") + path[i].key;
  return key;
}

/// The key node of `map` whose text is `key`, or an undefined node.
YAML::Node find_key_node(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->first;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

/// The longest run of keys from `first` that `map` has, as a step count (0: none).
std::size_t existing_key_length(const YAML::Node& map, const std::vector<PathStep>& path,
                                std::size_t first) {
  for (std::size_t n = key_run(path, first); n > 0; --n) {
    if (find_key_node(map, join_keys(path, first, n)).IsDefined()) return n;
  }
  return 0;
}

std::vector<std::string> map_keys(const YAML::Node& map) {
  std::vector<std::string> keys;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar()) keys.push_back(it->first.Scalar());
  }
  return keys;
}

/// "files has 1 entry (indexes 0 to 0)", "files has no entries".
std::string out_of_range(const std::vector<PathStep>& path, std::size_t count, std::size_t size) {
  const std::string where = describe_prefix(path, count);
  if (size == 0) return where + " has no entries";
  return where + " has " + std::to_string(size) + (size == 1 ? " entry" : " entries") +
         " (indexes 0 to " + std::to_string(size - 1) + ")";
}

/// Throws unless `node` (reached by the first `count` steps) can take the step at `count`.
void check_container(const YAML::Node& node, const std::vector<PathStep>& path, std::size_t count) {
  const PathStep& step = path[count];
  if (step.is_index && !node.IsSequence()) {
    throw PathError(describe_prefix(path, count) + " is " + node_kind(node) + ", not a list");
  }
  if (!step.is_index && !node.IsMap()) {
    std::string message = describe_prefix(path, count) + " is " + node_kind(node) + ", not a map";
    if (node.IsSequence()) message += "; use an index, like " + path_to_string(path, count) + "[0]";
    throw PathError(message);
  }
}

/// Every node of the tree under `node`, keys included.
void collect(const YAML::Node& node, std::vector<YAML::Node>& out) {
  out.push_back(node);
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      out.push_back(it->first);
      collect(it->second, out);
    }
  } else if (node.IsSequence()) {
    for (auto it = node.begin(); it != node.end(); ++it) collect(*it, out);
  }
}

}  // namespace

const char* node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
  }
  return "something else";
}

std::vector<PathStep> parse_path(std::string_view text) {
  const std::string shown = "'" + std::string(text) + "'";
  if (text.empty()) throw PathError("expected a path like platform.disk.rpm; got nothing");
  std::vector<PathStep> path;
  std::size_t i = 0;
  while (i < text.size()) {
    // A key: everything up to the next '.' or '['.
    std::size_t end = i;
    while (end < text.size() && text[end] != '.' && text[end] != '[' && text[end] != ']') ++end;
    if (end == i) {
      throw PathError("expected a key at character " + std::to_string(i + 1) + " of " + shown +
                      " (paths look like platform.disk.rpm or files[0].size)");
    }
    if (end < text.size() && text[end] == ']') {
      throw PathError("unexpected ']' at character " + std::to_string(end + 1) + " of " + shown);
    }
    PathStep key;
    key.key = std::string(text.substr(i, end - i));
    path.push_back(std::move(key));
    i = end;
    while (i < text.size() && text[i] == '[') {
      const std::size_t close = text.find(']', i);
      if (close == std::string_view::npos) throw PathError("'[' without ']' in " + shown);
      const std::string_view digits = text.substr(i + 1, close - i - 1);
      bool numeric = !digits.empty() && digits.size() <= 9;  // no list is that long
      for (char c : digits) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
      if (!numeric) {
        throw PathError("expected a list index (a whole number) in '[" + std::string(digits) +
                        "]' of " + shown);
      }
      PathStep index;
      index.is_index = true;
      index.index = std::stoul(std::string(digits));
      path.push_back(index);
      i = close + 1;
    }
    if (i < text.size()) {
      if (text[i] != '.') {
        throw PathError("expected '.' or '[' at character " + std::to_string(i + 1) + " of " +
                        shown);
      }
      ++i;
      if (i == text.size()) throw PathError("a path cannot end with '.': " + shown);
    }
  }
  return path;
}

std::string path_to_string(const std::vector<PathStep>& path, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count && i < path.size(); ++i) {
    if (path[i].is_index) {
      out += "[" + std::to_string(path[i].index) + "]";
    } else {
      out += (i == 0 ? "" : ".") + path[i].key;
    }
  }
  return out;
}

YAML::Node find_node(const YAML::Node& root, const std::vector<PathStep>& path) {
  YAML::Node current = root;
  std::size_t i = 0;
  while (i < path.size()) {
    check_container(current, path, i);
    const YAML::Node& here = current;  // const: looking must not create entries
    if (path[i].is_index) {
      if (path[i].index >= here.size()) throw PathError(out_of_range(path, i, here.size()));
      current.reset(here[path[i].index]);
      ++i;
      continue;
    }
    const std::size_t n = existing_key_length(here, path, i);
    if (n == 0) {
      const std::vector<std::string> keys = map_keys(here);
      const std::string suggestion = did_you_mean(path[i].key, keys);
      throw PathError(describe_prefix(path, i) + " has no key '" + path[i].key + "'" +
                      (suggestion.empty() ? " (keys: " + join(keys) + ")" : suggestion));
    }
    current.reset(here[join_keys(path, i, n)]);
    i += n;
  }
  return current;
}

std::vector<YAML::Node> set_node(YAML::Node root, const std::vector<PathStep>& path,
                                 const YAML::Node& value) {
  std::vector<YAML::Node> touched;
  // reset(), never operator=, moves `current` along: assigning to a node would rewrite the
  // document where it points.
  YAML::Node current;
  current.reset(root);
  std::size_t i = 0;
  while (i < path.size()) {
    check_container(current, path, i);
    if (path[i].is_index) {
      if (path[i].index >= current.size()) {
        throw PathError(out_of_range(path, i, current.size()));
      }
      if (i + 1 == path.size()) {
        current[path[i].index] = value;
        collect(value, touched);
        return touched;
      }
      YAML::Node next;
      next.reset(current[path[i].index]);
      current.reset(next);
      ++i;
      continue;
    }

    std::size_t n = existing_key_length(current, path, i);
    const bool exists = n > 0;
    if (!exists) {
      n = 1;
      // A metric name is one key with dots: create "copies.dma", not copies: { dma: }. A name
      // that is no metric stays whole too, so that the loader's message shows it whole.
      if (i == 1 && path[0].key == kExpectKey) {
        const std::size_t run = key_run(path, i);
        n = 0;
        for (std::size_t m = run; m > 0 && n == 0; --m) {
          if (find_metric_definition(join_keys(path, i, m)) != nullptr) n = m;
        }
        if (n == 0) {
          const std::string& last = path[i + run - 1].key;
          const bool ends_with_claim =
              run > 1 && (last == "equals" || last == "tolerance" || last == "at_least" ||
                          last == "at_most" || last == "between");
          n = ends_with_claim ? run - 1 : run;
        }
      }
    }
    const std::string key = join_keys(path, i, n);
    const bool last = i + n == path.size();
    if (last) {
      current[key] = value;
      collect(value, touched);
      if (!exists) touched.push_back(find_key_node(current, key));
      return touched;
    }
    if (!exists) {
      if (path[i + n].is_index) {
        throw PathError(path_to_string(path, i + n) +
                        " does not exist (--set creates missing map keys, but a list index must "
                        "exist)");
      }
      const YAML::Node created(YAML::NodeType::Map);
      current[key] = created;
      touched.push_back(created);
      touched.push_back(find_key_node(current, key));
    }
    YAML::Node next;
    next.reset(current[key]);
    current.reset(next);
    i += n;
  }
  // An empty path never parses; the document root itself cannot be replaced.
  throw PathError("expected a path to a value in the scenario");
}

}  // namespace iosim::sim
