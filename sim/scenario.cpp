#include "sim/scenario.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "sim/param_table.h"
#include "sim/presets.h"
#include "sim/suggest.h"
#include "sim/units.h"
#include "sim/yaml_path.h"

namespace iosim::sim {
namespace {

const char* const kPresetKey = "preset";

struct MechanismName {
  const char* name;
  os::Mechanism mechanism;
};
constexpr MechanismName kMechanisms[] = {{"pio", os::Mechanism::pio},
                                         {"interrupt", os::Mechanism::interrupt},
                                         {"dma", os::Mechanism::dma},
                                         {"channel", os::Mechanism::channel}};

struct DmaModeName {
  const char* name;
  os::DmaMode mode;
};
constexpr DmaModeName kDmaModes[] = {{"burst", os::DmaMode::burst},
                                     {"cycle_steal", os::DmaMode::cycle_steal},
                                     {"transparent", os::DmaMode::transparent}};

struct ReadOrderName {
  const char* name;
  os::ReadOrder order;
};
constexpr ReadOrderName kReadOrders[] = {{"sequential", os::ReadOrder::sequential},
                                         {"random", os::ReadOrder::random}};

struct AdviceName {
  const char* name;
  os::Advice advice;
};
constexpr AdviceName kAdvices[] = {{"normal", os::Advice::normal},
                                   {"sequential", os::Advice::sequential},
                                   {"random", os::Advice::random}};

struct OpenFlagName {
  const char* name;
  bool os::OpenFlags::*flag;
};
constexpr OpenFlagName kOpenFlags[] = {{"write", &os::OpenFlags::write},
                                       {"sync", &os::OpenFlags::sync},
                                       {"dsync", &os::OpenFlags::dsync},
                                       {"direct", &os::OpenFlags::direct},
                                       {"append", &os::OpenFlags::append}};

struct SyncKindName {
  const char* name;
  os::SyncKind kind;
};
constexpr SyncKindName kSyncKinds[] = {{"fsync", os::SyncKind::fsync},
                                       {"fdatasync", os::SyncKind::fdatasync},
                                       {"sync_file_range", os::SyncKind::sync_file_range}};

struct MapKindName {
  const char* name;
  os::MapKind kind;
};
constexpr MapKindName kMapKinds[] = {{"shared", os::MapKind::shared},
                                     {"private", os::MapKind::private_copy}};

struct CrashKindName {
  const char* name;
  os::CrashKind kind;
};
constexpr CrashKindName kCrashKinds[] = {{"process", os::CrashKind::process},
                                         {"kernel", os::CrashKind::kernel},
                                         {"power", os::CrashKind::power}};

/// A file's path: letters, digits, '_', '-', '.' and '/', not empty. Paths end up in metric keys
/// (page_cache.hits.<file>) and trace records.
bool is_file_path(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == '/')) {
      return false;
    }
  }
  return true;
}

/// Names people give processes and buffers end up in metric keys and trace records: keep them
/// to letters, digits, '_' and '-', starting with a letter or '_'.
bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

const char* const kKnobsKey = "knobs";
const char* const kIncludeKey = "include";

/// Nodes that came from the command line (`--set`), with the argument that set them.
using NodeOrigins = std::vector<std::pair<YAML::Node, std::string>>;

/// What the loader expects of one value: a knob at that value offers this kind of control.
struct ValueShape {
  KnobKind kind = KnobKind::text;
  std::vector<std::string> choices;
};

KnobKind knob_kind(MetricKind kind) {
  switch (kind) {
    case MetricKind::count:
      return KnobKind::count;
    case MetricKind::time_ps:
      return KnobKind::time;
    case MetricKind::bytes:
      return KnobKind::size;
    case MetricKind::ratio:
      return KnobKind::fraction;
    case MetricKind::flag:
      return KnobKind::boolean;
  }
  return KnobKind::text;
}

/// Checks `text` as a value of `kind` (the parsers the loader uses). Throws ParseError.
void check_value_of_kind(KnobKind kind, const std::string& text) {
  switch (kind) {
    case KnobKind::size:
      parse_size(text);
      break;
    case KnobKind::time:
      parse_time(text);
      break;
    case KnobKind::rate:
      parse_bandwidth(text);
      break;
    case KnobKind::frequency:
      parse_frequency(text);
      break;
    case KnobKind::count:
      parse_count(text);
      break;
    case KnobKind::boolean:
      parse_bool(text);
      break;
    case KnobKind::fraction:
      parse_fraction(text);
      break;
    case KnobKind::choice:
    case KnobKind::text:
      break;
  }
}

std::vector<std::string> disk_names() {
  std::vector<std::string> disks;
  for (unsigned d = 0; d < kDiskCount; ++d) disks.push_back("disk" + std::to_string(d));
  return disks;
}

std::vector<std::string> mechanism_names() {
  std::vector<std::string> names;
  for (const MechanismName& m : kMechanisms) names.emplace_back(m.name);
  return names;
}

std::vector<std::string> dma_mode_names() {
  std::vector<std::string> names;
  for (const DmaModeName& m : kDmaModes) names.emplace_back(m.name);
  return names;
}

/// One key: value pair of a map, with the nodes for positions.
struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Loader;

/// An included file (`include:`) as loaded: its own loader, so that its errors name its own
/// file, line and column, and the sections it gives.
struct IncludedPart {
  std::shared_ptr<const Loader> loader;
  YAML::Node root;  // keeps the nodes of the entries alive
  std::optional<Entry> platform, files;
};

/// The files being included, outermost first (for cycles), and every file included so far.
struct IncludeState {
  std::vector<std::string> chain;     // canonical paths
  std::vector<std::string> shown;     // as messages name them, parallel to chain
  std::vector<std::string> included;  // canonical paths, each once
};

class Loader {
 public:
  Loader(std::string file, NodeOrigins origins)
      : file_(std::move(file)), origins_(std::move(origins)) {}

  Scenario load(const YAML::Node& root);

 private:
  /// Loads the files `include` names, depth first, into `parts` (an included file's own
  /// includes come before it).
  void load_includes(const Entry& include, IncludeState& state,
                     std::vector<IncludedPart>& parts) const;
  /// The preset a `platform:` section names, or nullptr when it names none.
  const Preset* platform_preset(const Entry& platform) const;
  /// Sets the parameters a `platform:` section gives (not its preset).
  void load_platform_values(const Entry& platform, Scenario& s) const;

  SourcePos pos(const YAML::Node& n) const {
    // A value set on the command line has a mark in its own one-line text, not in the file.
    for (const auto& [node, argument] : origins_) {
      if (node.is(n)) return SourcePos{file_, 0, 0, argument};
    }
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return SourcePos{file_, 1, 1};
    return SourcePos{file_, m.line + 1, m.column + 1};
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
    throw ScenarioError(pos(at), message);
  }

  /// The pairs of a map in file order. Rejects a non-map, duplicate keys and keys not in
  /// `allowed` (with a suggestion), naming `where` ("platform.disk") in messages.
  std::vector<Entry> entries(const YAML::Node& map, const std::string& where,
                             const std::vector<std::string>& allowed) const;
  const Entry* find(const std::vector<Entry>& list, const std::string& key) const {
    for (const Entry& e : list) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  /// The scalar text of `value`, or an error saying `expected`.
  std::string scalar(const YAML::Node& value, const std::string& where,
                     const std::string& expected) const;

  /// Runs parse(text) and turns its ParseError into a ScenarioError at `value`.
  template <class F>
  auto parse_at(const YAML::Node& value, const std::string& where, F parse) const
      -> decltype(parse(std::string())) {
    const std::string text = scalar(value, where, "a value");
    try {
      return parse(text);
    } catch (const ParseError& e) {
      fail(value, where + ": " + e.what());
    }
  }

  void load_files(const Entry& files, Scenario& s) const;
  void load_processes(const Entry& processes, Scenario& s) const;
  /// `open_files` holds the paths the program has opened so far (open adds, close removes);
  /// `sockets` the sockets it has connected.
  os::Operation load_operation(const YAML::Node& op, const std::string& where, const Scenario& s,
                               std::vector<std::string>& open_files,
                               std::vector<std::string>& sockets) const;
  /// A list of operations (`setup:` or `program:`) of a process.
  std::vector<os::Operation> load_operation_list(const YAML::Node& list, const std::string& where,
                                                 const Scenario& s,
                                                 std::vector<std::string>& open_files,
                                                 std::vector<std::string>& sockets) const;
  /// The `socket:` argument: a socket the process has connected.
  os::Repeat load_repeat(const YAML::Node& args, const std::string& where, const Scenario& s,
                         std::vector<std::string>& open_files,
                         std::vector<std::string>& sockets) const;
  os::Splice load_splice(const YAML::Node& args, const std::string& where,
                         const std::vector<std::string>& open_files,
                         const std::vector<std::string>& sockets) const;
  /// A size argument that must be given and must not be zero.
  ByteSize load_required_size(const std::vector<Entry>& fields, const YAML::Node& args,
                              const std::string& where, const std::string& key) const;
  /// The pipes the current process has made so far (pipe: adds; per process).
  mutable std::vector<std::string> pipes_;
  /// The files the current process has mapped so far (mmap: adds, munmap: and close: remove:
  /// the model keeps a mapping with the open file; per process).
  mutable std::vector<std::string> mappings_;
  /// Deeper nesting is a mistake (or a fuzzer), not a program, and would only grow the stack.
  static constexpr int kMaxRepeatDepth = 8;
  mutable int repeat_depth_ = 0;
  std::string load_socket_argument(const std::vector<Entry>& fields, const YAML::Node& args,
                                   const std::string& where,
                                   const std::vector<std::string>& sockets) const;
  /// `chunk:` and `bytes:` of a loop of calls (read_write, sendfile).
  void load_chunk_and_bytes(const std::vector<Entry>& fields, const std::string& where,
                            ByteSize& chunk, ByteSize& bytes) const;
  /// The `file:` argument of a file operation: a file of the `files:` section, and open unless
  /// this is the open itself.
  std::string load_file_argument(const std::vector<Entry>& fields, const YAML::Node& args,
                                 const std::string& where, const Scenario& s,
                                 const std::vector<std::string>& open_files, bool must_be_open,
                                 bool for_writing = false) const;
  os::FileRead load_read(const YAML::Node& args, const std::string& where, const Scenario& s,
                         const std::vector<std::string>& open_files) const;
  /// The `file:` argument of map_read, map_write, msync and munmap: a file mapped before.
  std::string load_mapping_argument(const std::vector<Entry>& fields, const YAML::Node& args,
                                    const std::string& where, const Scenario& s,
                                    const std::vector<std::string>& open_files) const;
  os::MmapFile load_mmap(const YAML::Node& args, const std::string& where, const Scenario& s,
                         const std::vector<std::string>& open_files) const;
  /// map_read: and map_write: (`store`: map_write, which has a `pattern`).
  void load_map_access(const std::vector<Entry>& fields, const std::string& where, bool store,
                       ByteSize& offset, ByteSize& bytes) const;
  os::FileOpen load_open(const YAML::Node& args, const std::string& where, const Scenario& s,
                         const std::vector<std::string>& open_files) const;
  /// write: and fwrite: (`stdio`: no `from`, the C library's buffer is the source).
  os::FileWrite load_write(const YAML::Node& args, const std::string& where, const Scenario& s,
                           const std::vector<std::string>& open_files, bool stdio) const;
  /// `kind:` of a crash (default power).
  os::CrashKind load_crash_kind(const std::vector<Entry>& fields, const std::string& where) const;
  void load_crash(const Entry& crash, Scenario& s) const;
  /// A choice among `names`; `what` names the kind in messages ("read order").
  template <class Table>
  auto load_choice(const YAML::Node& value, const std::string& where, const std::string& what,
                   const Table& table) const -> decltype(table[0].name);
  os::DeviceRead load_device_read(const YAML::Node& args, const std::string& where,
                                  const Scenario& s) const;
  os::Compute load_compute(const YAML::Node& args, const std::string& where,
                           const Scenario& s) const;
  os::Sleep load_sleep(const YAML::Node& args, const std::string& where) const;
  void load_expectations(const Entry& expect, Scenario& s) const;
  void load_knobs(const Entry& knobs, const YAML::Node& root, Scenario& s) const;
  Knob load_knob(const YAML::Node& node, const std::string& where, const YAML::Node& root) const;

  /// Records what the loader expects of `value`, for a knob that points there.
  void note_shape(const YAML::Node& value, KnobKind kind,
                  std::vector<std::string> choices = {}) const {
    shapes_.emplace_back(value, ValueShape{kind, std::move(choices)});
  }
  ValueShape shape_of(const YAML::Node& value) const {
    for (const auto& [node, shape] : shapes_) {
      if (node.is(value)) return shape;
    }
    return ValueShape{};  // a value the loader reads as text, or does not read
  }
  Expectation load_expectation(const Entry& entry, const Scenario& s) const;
  Amount load_amount(const YAML::Node& value, const std::string& where, MetricKind kind,
                     const Scenario& s) const;
  void check_metric_name(const YAML::Node& at, const std::string& metric, const Scenario& s) const;

  std::string file_;
  NodeOrigins origins_;
  // Filled while loading (the loader's methods are const: they only read the document).
  mutable std::vector<std::pair<YAML::Node, ValueShape>> shapes_;
};

std::vector<Entry> Loader::entries(const YAML::Node& map, const std::string& where,
                                   const std::vector<std::string>& allowed) const {
  if (!map.IsMap()) {
    fail(map, where + ": expected a map of " + join(allowed) + "; got " + node_kind(map));
  }
  std::vector<Entry> out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) fail(key_node, where + ": expected a name as key");
    const std::string key = key_node.Scalar();
    if (const Entry* previous = find(out, key)) {
      fail(key_node, "duplicate key '" + key + "' in " + where + " (first given at line " +
                         std::to_string(pos(previous->key_node).line) + ")");
    }
    bool known = false;
    for (const std::string& a : allowed) known = known || a == key;
    if (!known) {
      // The suggestion alone is the clearest message; the full list helps only without one.
      const std::string suggestion = did_you_mean(key, allowed);
      fail(key_node, "unknown key '" + key + "' in " + where +
                         (suggestion.empty() ? " (allowed: " + join(allowed) + ")" : suggestion));
    }
    out.push_back(Entry{key, key_node, it->second});
  }
  return out;
}

std::string Loader::scalar(const YAML::Node& value, const std::string& where,
                           const std::string& expected) const {
  if (!value.IsScalar())
    fail(value, where + ": expected " + expected + "; got " + node_kind(value));
  return value.Scalar();
}

Scenario Loader::load(const YAML::Node& root) {
  if (root.IsNull()) {
    throw ScenarioError(SourcePos{file_, 1, 1},
                        "the file is empty: a scenario needs at least a title");
  }
  const std::vector<Entry> top = entries(root, "the scenario", scenario_top_level_keys());
  Scenario s;
  s.file = file_;
  for (const ParamRef& p : list_params(s.params))
    s.param_origins[p.key()] = ParamOrigin::model_default;

  const Entry* title = find(top, "title");
  if (title == nullptr) fail(root, "missing 'title': every scenario needs a one-line title");
  s.title = scalar(title->value, "title", "a one-line title");
  note_shape(title->value, KnobKind::text);
  if (s.title.empty()) fail(title->value, "title: expected a one-line title; got an empty one");

  if (const Entry* teaches = find(top, "teaches")) {
    s.teaches = scalar(teaches->value, "teaches", "a text");
    note_shape(teaches->value, KnobKind::text);
  }
  if (const Entry* seed = find(top, "seed")) {
    s.seed = parse_at(seed->value, "seed", [](const std::string& t) { return parse_count(t); });
    note_shape(seed->value, KnobKind::count);
  }
  std::vector<IncludedPart> parts;
  if (const Entry* include = find(top, kIncludeKey)) {
    IncludeState state;
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::weakly_canonical(file_, ec);
    state.chain.push_back(ec ? file_ : self.string());
    state.shown.push_back(file_);
    load_includes(*include, state, parts);
    for (const IncludedPart& part : parts) s.includes.push_back(part.loader->file_);
  }
  // The platform: the last preset named (this file's over its includes'), then the values of
  // the included files in order, then this file's values; later values win.
  const Entry* platform = find(top, "platform");
  const Preset* preset = nullptr;
  for (const IncludedPart& part : parts) {
    if (!part.platform) continue;
    if (const Preset* p = part.loader->platform_preset(*part.platform)) preset = p;
  }
  if (platform != nullptr) {
    if (const Preset* p = platform_preset(*platform)) preset = p;
  }
  if (preset != nullptr) {
    s.preset = preset->name;
    apply_preset(*preset, s.params);
    for (const PresetValue& v : preset->values) s.param_origins[v.key] = ParamOrigin::preset;
  }
  for (const IncludedPart& part : parts) {
    if (!part.platform) continue;
    part.loader->load_platform_values(*part.platform, s);
  }
  if (platform != nullptr) load_platform_values(*platform, s);
  for (const IncludedPart& part : parts) {
    if (part.files) part.loader->load_files(*part.files, s);
  }
  if (const Entry* files = find(top, "files")) load_files(*files, s);

  const Entry* processes = find(top, "processes");
  if (processes == nullptr) {
    fail(root, "missing 'processes': a scenario needs at least one process with a program");
  }
  load_processes(*processes, s);
  if (const Entry* crash = find(top, "crash")) load_crash(*crash, s);
  if (const Entry* expect = find(top, "expect")) load_expectations(*expect, s);
  // Last: a knob's kind is what the rest of the loader expects at its path.
  if (const Entry* knobs = find(top, kKnobsKey)) load_knobs(*knobs, root, s);
  return s;
}

std::vector<std::string> platform_keys() {
  std::vector<std::string> keys = {kPresetKey};
  for (const std::string& section : section_names()) keys.push_back(section);
  return keys;
}

const Preset* Loader::platform_preset(const Entry& platform) const {
  const std::vector<Entry> sections = entries(platform.value, "platform", platform_keys());
  const Entry* preset = find(sections, kPresetKey);
  if (preset == nullptr) return nullptr;
  const std::string name = scalar(preset->value, "platform.preset", "a preset name");
  note_shape(preset->value, KnobKind::choice, preset_names());
  const Preset* found = find_preset(name);
  if (found == nullptr) {
    fail(preset->value, "unknown preset '" + name + "'" + did_you_mean(name, preset_names()) +
                            " (presets: " + join(preset_names()) + ")");
  }
  return found;
}

void Loader::load_platform_values(const Entry& platform, Scenario& s) const {
  const std::vector<Entry> sections = entries(platform.value, "platform", platform_keys());
  const std::vector<ParamRef> table = list_params(s.params);
  for (const Entry& section : sections) {
    if (section.key == kPresetKey) continue;
    const std::string where = "platform." + section.key;
    const std::vector<Entry> values = entries(section.value, where, param_names(section.key));
    for (const Entry& v : values) {
      for (const ParamRef& p : table) {
        if (p.section != section.key || v.key != p.doc.name) continue;
        const std::string key = where + "." + v.key;
        std::string expected = std::string("a ") + to_string(p.kind);
        if (p.kind == ParamKind::choice) expected = "one of " + join(p.choices);
        const std::string text = scalar(v.value, key, expected);
        note_shape(v.value, knob_kind(p.kind), p.choices);
        try {
          set_param(p, text);
        } catch (const ParseError& e) {
          fail(v.value, key + ": " + e.what());
        }
        s.param_origins[p.key()] = ParamOrigin::scenario;
        if (s.file == file_) {
          s.param_files.erase(p.key());
        } else {
          s.param_files[p.key()] = file_;
        }
      }
    }
  }
}

void Loader::load_includes(const Entry& include, IncludeState& state,
                           std::vector<IncludedPart>& parts) const {
  namespace fs = std::filesystem;
  std::vector<YAML::Node> names;
  if (include.value.IsSequence()) {
    if (include.value.size() == 0)
      fail(include.value, "include: expected a file; got an empty list");
    for (const YAML::Node& n : include.value) names.push_back(n);
  } else {
    names.push_back(include.value);
  }
  for (const YAML::Node& name_node : names) {
    const std::string name = scalar(name_node, "include", "a file name, like platform.yaml");
    if (name.empty()) fail(name_node, "include: expected a file name; got an empty one");
    // Relative to the including file, as #include "..." is: a lecture's files travel together.
    const fs::path path = (fs::path(file_).parent_path() / name).lexically_normal();
    const std::string shown = path.string();
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      fail(name_node, "include: cannot open '" + shown + "': no such file");
    }
    if (!fs::is_regular_file(status)) {
      fail(name_node, "include: cannot include '" + shown + "': not a regular file");
    }
    const fs::path canonical = fs::weakly_canonical(path, ec);
    const std::string key = ec ? shown : canonical.string();
    for (std::size_t i = 0; i < state.chain.size(); ++i) {
      if (state.chain[i] != key) continue;
      std::string cycle;
      for (std::size_t j = i; j < state.shown.size(); ++j) cycle += state.shown[j] + " -> ";
      fail(name_node, "include: cyclic include: " + cycle + shown);
    }
    // Included once, however many files name it (a shared platform file named by two parts).
    if (std::find(state.included.begin(), state.included.end(), key) != state.included.end())
      continue;
    // Scenario files are small; a larger "file" is a mistake, not something to load.
    constexpr std::uintmax_t kMaxIncludeBytes = 4u << 20;
    if (fs::file_size(path, ec) > kMaxIncludeBytes) {
      fail(name_node, "include: '" + shown + "' is larger than 4 MiB: not a scenario fragment");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) fail(name_node, "include: cannot read '" + shown + "': " + std::strerror(errno));

    IncludedPart part;
    try {
      part.root = YAML::Load(text.str());
    } catch (const YAML::ParserException& e) {
      throw ScenarioError(SourcePos{shown, e.mark.is_null() ? 1 : e.mark.line + 1,
                                    e.mark.is_null() ? 1 : e.mark.column + 1},
                          "YAML syntax error: " + e.msg);
    }
    auto loader = std::make_shared<Loader>(shown, NodeOrigins{});
    if (part.root.IsNull()) {
      throw ScenarioError(SourcePos{shown, 1, 1},
                          "the included file is empty: it should give platform or files");
    }
    const std::vector<Entry> top =
        loader->entries(part.root, "an included file", {kIncludeKey, "platform", "files"});
    state.included.push_back(key);
    if (const Entry* nested = loader->find(top, kIncludeKey)) {
      state.chain.push_back(key);
      state.shown.push_back(shown);
      loader->load_includes(*nested, state, parts);
      state.chain.pop_back();
      state.shown.pop_back();
    }
    if (const Entry* platform = loader->find(top, "platform")) part.platform = *platform;
    if (const Entry* files = loader->find(top, "files")) part.files = *files;
    part.loader = std::move(loader);
    parts.push_back(std::move(part));
  }
}

void Loader::load_processes(const Entry& processes, Scenario& s) const {
  const YAML::Node& list = processes.value;
  if (!list.IsSequence() || list.size() == 0) {
    fail(list, std::string("processes: expected a list of processes, each with a name and a "
                           "program; got ") +
                   (list.IsSequence() ? "an empty list" : node_kind(list)));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string where = "processes[" + std::to_string(i) + "]";
    const std::vector<Entry> fields = entries(node, where, {"name", "setup", "program"});
    const Entry* name = find(fields, "name");
    if (name == nullptr) fail(node, where + ": missing 'name'");
    os::ProcessSpec process;
    process.name = scalar(name->value, where + ".name", "a process name");
    note_shape(name->value, KnobKind::text);
    if (!is_identifier(process.name)) {
      fail(name->value, where + ".name: '" + process.name +
                            "' is not a valid process name (letters, digits, '_' and '-', "
                            "starting with a letter)");
    }
    if (process.name == "idle") {
      fail(name->value, where + ".name: 'idle' is reserved for the CPU's idle state");
    }
    for (const os::ProcessSpec& other : s.processes) {
      if (other.name == process.name) {
        fail(name->value, where + ".name: a process called '" + process.name + "' already exists");
      }
    }
    const Entry* program = find(fields, "program");
    if (program == nullptr) fail(node, where + ": missing 'program'");
    std::vector<std::string> open_files, sockets;
    pipes_.clear();
    mappings_.clear();
    if (const Entry* setup = find(fields, "setup")) {
      process.setup = load_operation_list(setup->value, where + ".setup", s, open_files, sockets);
    }
    process.program =
        load_operation_list(program->value, where + ".program", s, open_files, sockets);
    s.processes.push_back(std::move(process));
  }
}

std::vector<os::Operation> Loader::load_operation_list(const YAML::Node& list,
                                                       const std::string& where, const Scenario& s,
                                                       std::vector<std::string>& open_files,
                                                       std::vector<std::string>& sockets) const {
  if (!list.IsSequence() || list.size() == 0) {
    fail(list, where + ": expected a list of operations (" + join(operation_names()) + "); got " +
                   (list.IsSequence() ? "an empty list" : node_kind(list)));
  }
  std::vector<os::Operation> out;
  for (std::size_t j = 0; j < list.size(); ++j) {
    out.push_back(
        load_operation(list[j], where + "[" + std::to_string(j) + "]", s, open_files, sockets));
  }
  return out;
}

std::string Loader::load_socket_argument(const std::vector<Entry>& fields, const YAML::Node& args,
                                         const std::string& where,
                                         const std::vector<std::string>& sockets) const {
  const Entry* socket = find(fields, "socket");
  if (socket == nullptr) fail(args, where + ": missing 'socket' (a socket connected before)");
  const std::string name = scalar(socket->value, where + ".socket", "a socket name");
  note_shape(socket->value, KnobKind::text);
  if (std::find(sockets.begin(), sockets.end(), name) == sockets.end()) {
    fail(socket->value, where + ".socket: no socket called '" + name +
                            "' is connected here; connect it first with '- connect: { socket: " +
                            name + " }'" + did_you_mean(name, sockets));
  }
  return name;
}

void Loader::load_chunk_and_bytes(const std::vector<Entry>& fields, const std::string& where,
                                  ByteSize& chunk, ByteSize& bytes) const {
  if (const Entry* c = find(fields, "chunk")) {
    chunk =
        parse_at(c->value, where + ".chunk", [](const std::string& t) { return parse_size(t); });
    note_shape(c->value, KnobKind::size);
    if (chunk.bytes == 0) fail(c->value, where + ".chunk: a call of 0B moves nothing");
  }
  if (const Entry* b = find(fields, "bytes")) {
    bytes =
        parse_at(b->value, where + ".bytes", [](const std::string& t) { return parse_size(t); });
    note_shape(b->value, KnobKind::size);
  }
}

os::Operation Loader::load_operation(const YAML::Node& op, const std::string& where,
                                     const Scenario& s, std::vector<std::string>& open_files,
                                     std::vector<std::string>& sockets) const {
  const std::string shape =
      "an operation written as one key and its arguments, like "
      "'- compute: { for: 2ms }'";
  if (!op.IsMap()) fail(op, where + ": expected " + shape + "; got " + node_kind(op));
  if (op.size() != 1) {
    fail(op, where + ": expected " + shape + "; got " + std::to_string(op.size()) +
                 " keys (is a '-' missing?)");
  }
  const auto it = op.begin();
  const std::string name = it->first.Scalar();
  const std::string op_where = where + "." + name;
  if (name == "device_read") return load_device_read(it->second, op_where, s);
  if (name == "compute") return load_compute(it->second, op_where, s);
  if (name == "sleep") return load_sleep(it->second, op_where);
  const YAML::Node args = it->second;  // a copy: it->second lives in a temporary proxy
  if (name == "open") {
    os::FileOpen open = load_open(args, op_where, s, open_files);
    open_files.push_back(open.path);
    return open;
  }
  if (name == "read") return load_read(args, op_where, s, open_files);
  if (name == "write") return load_write(args, op_where, s, open_files, false);
  if (name == "fwrite") {
    const os::FileWrite w = load_write(args, op_where, s, open_files, true);
    return os::StdioWrite{w.path, w.chunk, w.bytes, w.pattern};
  }
  if (name == "fflush") {
    const std::vector<Entry> fields = entries(args, op_where, {"file"});
    return os::StdioFlush{load_file_argument(fields, args, op_where, s, open_files, true, true)};
  }
  for (const SyncKindName& sync : kSyncKinds) {
    if (name != sync.name) continue;
    const std::vector<Entry> fields = entries(args, op_where, {"file"});
    return os::FileSync{load_file_argument(fields, args, op_where, s, open_files, true), sync.kind};
  }
  if (name == "crash") {
    const std::vector<Entry> fields = entries(args, op_where, {"kind"});
    return os::Crash{load_crash_kind(fields, op_where)};
  }
  if (name == "uring_read") {
    const std::vector<Entry> fields =
        entries(args, op_where, {"file", "chunk", "bytes", "depth", "into", "compute"});
    os::UringRead uring;
    uring.path = load_file_argument(fields, args, op_where, s, open_files, true);
    load_chunk_and_bytes(fields, op_where, uring.chunk, uring.bytes);
    if (const Entry* depth = find(fields, "depth")) {
      uring.depth = parse_at(depth->value, op_where + ".depth",
                             [](const std::string& t) { return parse_count(t); });
      note_shape(depth->value, KnobKind::count);
      if (uring.depth == 0 || uring.depth > 4096) {
        fail(depth->value, op_where +
                               ".depth: between 1 and 4096 reads in flight (io_uring "
                               "rings have at most 4096 entries here)");
      }
    }
    if (const Entry* into = find(fields, "into")) {
      uring.into = scalar(into->value, op_where + ".into", "a buffer name");
      note_shape(into->value, KnobKind::text);
      if (!is_identifier(uring.into)) {
        fail(into->value, op_where + ".into: '" + uring.into +
                              "' is not a valid buffer name (letters, digits, '_' and '-')");
      }
    }
    if (const Entry* work = find(fields, "compute")) {
      uring.compute = parse_at(work->value, op_where + ".compute",
                               [](const std::string& t) { return parse_time(t); });
      note_shape(work->value, KnobKind::time);
    }
    return uring;
  }
  if (name == "mmap") return load_mmap(args, op_where, s, open_files);
  if (name == "map_read") {
    const std::vector<Entry> fields = entries(args, op_where, {"file", "offset", "bytes"});
    os::MapRead read;
    read.path = load_mapping_argument(fields, args, op_where, s, open_files);
    load_map_access(fields, op_where, false, read.offset, read.bytes);
    return read;
  }
  if (name == "map_write") {
    const std::vector<Entry> fields =
        entries(args, op_where, {"file", "offset", "bytes", "pattern"});
    os::MapWrite write;
    write.path = load_mapping_argument(fields, args, op_where, s, open_files);
    load_map_access(fields, op_where, true, write.offset, write.bytes);
    if (const Entry* pattern = find(fields, "pattern")) {
      write.pattern = scalar(pattern->value, op_where + ".pattern", "a text to repeat");
      note_shape(pattern->value, KnobKind::text);
      if (write.pattern.empty()) {
        fail(pattern->value, op_where +
                                 ".pattern: the text is empty (leave pattern out for bytes "
                                 "generated from the seed)");
      }
    }
    return write;
  }
  if (name == "msync") {
    const std::vector<Entry> fields = entries(args, op_where, {"file"});
    return os::Msync{load_mapping_argument(fields, args, op_where, s, open_files)};
  }
  if (name == "munmap") {
    const std::vector<Entry> fields = entries(args, op_where, {"file"});
    os::Munmap unmap{load_mapping_argument(fields, args, op_where, s, open_files)};
    mappings_.erase(std::find(mappings_.begin(), mappings_.end(), unmap.path));
    return unmap;
  }
  if (name == "lseek") {
    const std::vector<Entry> fields = entries(args, op_where, {"file", "offset"});
    os::FileSeek seek;
    seek.path = load_file_argument(fields, args, op_where, s, open_files, true);
    const Entry* offset = find(fields, "offset");
    if (offset == nullptr) fail(args, op_where + ": missing 'offset' (where to go, like 64KiB)");
    seek.offset = parse_at(offset->value, op_where + ".offset",
                           [](const std::string& t) { return parse_size(t); });
    note_shape(offset->value, KnobKind::size);
    return seek;
  }
  if (name == "fadvise") {
    const std::vector<Entry> fields = entries(args, op_where, {"file", "advice"});
    os::FileAdvise advise;
    advise.path = load_file_argument(fields, args, op_where, s, open_files, true);
    const Entry* advice = find(fields, "advice");
    if (advice == nullptr) {
      fail(args, op_where + ": missing 'advice' (normal, sequential or random)");
    }
    const char* chosen = load_choice(advice->value, op_where + ".advice", "advice", kAdvices);
    for (const AdviceName& a : kAdvices) {
      if (a.name == chosen) advise.advice = a.advice;
    }
    return advise;
  }
  if (name == "connect") {
    const std::vector<Entry> fields = entries(args, op_where, {"socket"});
    os::SocketConnect connect;
    if (const Entry* socket = find(fields, "socket")) {
      connect.name = scalar(socket->value, op_where + ".socket", "a socket name");
      note_shape(socket->value, KnobKind::text);
      if (!is_identifier(connect.name)) {
        fail(socket->value, op_where + ".socket: '" + connect.name +
                                "' is not a valid socket name (letters, digits, '_' and '-')");
      }
    }
    if (std::find(sockets.begin(), sockets.end(), connect.name) != sockets.end()) {
      fail(args, op_where + ": the socket '" + connect.name + "' is already connected");
    }
    sockets.push_back(connect.name);
    return connect;
  }
  if (name == "read_send_zerocopy") {
    const std::vector<Entry> fields =
        entries(args, op_where, {"file", "socket", "chunk", "bytes", "into"});
    os::ReadSendZerocopy zc;
    zc.path = load_file_argument(fields, args, op_where, s, open_files, true);
    zc.socket = load_socket_argument(fields, args, op_where, sockets);
    load_chunk_and_bytes(fields, op_where, zc.chunk, zc.bytes);
    if (const Entry* into = find(fields, "into")) {
      zc.into = scalar(into->value, op_where + ".into", "a buffer name");
      note_shape(into->value, KnobKind::text);
      if (!is_identifier(zc.into)) {
        fail(into->value, op_where + ".into: '" + zc.into +
                              "' is not a valid buffer name (letters, digits, '_' and '-')");
      }
    }
    return zc;
  }
  if (name == "read_write") {
    const std::vector<Entry> fields =
        entries(args, op_where, {"file", "socket", "chunk", "bytes", "into"});
    os::ReadWrite rw;
    rw.path = load_file_argument(fields, args, op_where, s, open_files, true);
    rw.socket = load_socket_argument(fields, args, op_where, sockets);
    load_chunk_and_bytes(fields, op_where, rw.chunk, rw.bytes);
    if (const Entry* into = find(fields, "into")) {
      rw.into = scalar(into->value, op_where + ".into", "a buffer name");
      note_shape(into->value, KnobKind::text);
      if (!is_identifier(rw.into)) {
        fail(into->value, op_where + ".into: '" + rw.into +
                              "' is not a valid buffer name (letters, digits, '_' and '-')");
      }
    }
    return rw;
  }
  if (name == "sendfile") {
    const std::vector<Entry> fields = entries(args, op_where, {"socket", "file", "chunk", "bytes"});
    os::SendFile send;
    send.socket = load_socket_argument(fields, args, op_where, sockets);
    send.path = load_file_argument(fields, args, op_where, s, open_files, true);
    load_chunk_and_bytes(fields, op_where, send.chunk, send.bytes);
    return send;
  }
  if (name == "mmap_write") {
    const std::vector<Entry> fields = entries(args, op_where, {"file", "socket", "chunk", "bytes"});
    os::MmapWrite mw;
    mw.path = load_file_argument(fields, args, op_where, s, open_files, true);
    mw.socket = load_socket_argument(fields, args, op_where, sockets);
    load_chunk_and_bytes(fields, op_where, mw.chunk, mw.bytes);
    return mw;
  }
  if (name == "repeat") return load_repeat(args, op_where, s, open_files, sockets);
  if (name == "pipe") {
    const std::vector<Entry> fields = entries(args, op_where, {"name"});
    os::PipeCreate pipe;
    if (const Entry* n = find(fields, "name")) {
      pipe.name = scalar(n->value, op_where + ".name", "a pipe name");
      note_shape(n->value, KnobKind::text);
      if (!is_identifier(pipe.name)) {
        fail(n->value, op_where + ".name: '" + pipe.name +
                           "' is not a valid pipe name (letters, digits, '_' and '-')");
      }
    }
    const bool taken = std::find(pipes_.begin(), pipes_.end(), pipe.name) != pipes_.end() ||
                       std::find(sockets.begin(), sockets.end(), pipe.name) != sockets.end();
    if (taken) fail(args, op_where + ": the name '" + pipe.name + "' is already in use here");
    pipes_.push_back(pipe.name);
    return pipe;
  }
  if (name == "splice") return load_splice(args, op_where, open_files, sockets);
  if (name == "vmsplice") {
    const std::vector<Entry> fields = entries(args, op_where, {"pipe", "from", "bytes", "pattern"});
    os::Vmsplice vm;
    const Entry* pipe = find(fields, "pipe");
    if (pipe == nullptr) fail(args, op_where + ": missing 'pipe' (a pipe made before)");
    vm.pipe = scalar(pipe->value, op_where + ".pipe", "a pipe name");
    note_shape(pipe->value, KnobKind::text);
    if (std::find(pipes_.begin(), pipes_.end(), vm.pipe) == pipes_.end()) {
      fail(pipe->value, op_where + ".pipe: no pipe called '" + vm.pipe +
                            "' is made here; make it first with '- pipe: { name: " + vm.pipe +
                            " }'" + did_you_mean(vm.pipe, pipes_));
    }
    if (const Entry* from = find(fields, "from")) {
      vm.from = scalar(from->value, op_where + ".from", "a buffer name");
      note_shape(from->value, KnobKind::text);
      if (!is_identifier(vm.from)) {
        fail(from->value, op_where + ".from: '" + vm.from +
                              "' is not a valid buffer name (letters, digits, '_' and '-')");
      }
    }
    vm.bytes = load_required_size(fields, args, op_where, "bytes");
    if (const Entry* pattern = find(fields, "pattern")) {
      vm.pattern = scalar(pattern->value, op_where + ".pattern", "a text");
      note_shape(pattern->value, KnobKind::text);
      if (vm.pattern.empty()) fail(pattern->value, op_where + ".pattern: an empty pattern");
    }
    return vm;
  }
  if (name == "tee") {
    const std::vector<Entry> fields = entries(args, op_where, {"from", "to", "bytes"});
    os::Tee tee;
    for (const char* key : {"from", "to"}) {
      const Entry* e = find(fields, key);
      if (e == nullptr) fail(args, op_where + ": missing '" + key + "' (a pipe)");
      const std::string pipe = scalar(e->value, op_where + "." + key, "a pipe name");
      note_shape(e->value, KnobKind::text);
      if (std::find(pipes_.begin(), pipes_.end(), pipe) == pipes_.end()) {
        fail(e->value, op_where + "." + key + ": no pipe called '" + pipe +
                           "' is made here; make it first with '- pipe: { name: " + pipe + " }'" +
                           did_you_mean(pipe, pipes_));
      }
      (std::string(key) == "from" ? tee.from : tee.to) = pipe;
    }
    if (tee.from == tee.to) fail(args, op_where + ": tee needs two different pipes");
    tee.bytes = load_required_size(fields, args, op_where, "bytes");
    return tee;
  }
  if (name == "close") {
    const std::vector<Entry> fields = entries(args, op_where, {"file"});
    os::FileClose close{load_file_argument(fields, args, op_where, s, open_files, true)};
    open_files.erase(std::find(open_files.begin(), open_files.end(), close.path));
    // A mapping outlives close() (it holds its own reference to the file): it stays.
    return close;
  }
  fail(it->first, "unknown operation '" + name + "'" + did_you_mean(name, operation_names()) +
                      " (operations: " + join(operation_names()) + ")");
}

ByteSize Loader::load_required_size(const std::vector<Entry>& fields, const YAML::Node& args,
                                    const std::string& where, const std::string& key) const {
  const Entry* e = find(fields, key);
  if (e == nullptr) fail(args, where + ": missing '" + key + "' (how much, like 64KiB)");
  const ByteSize size =
      parse_at(e->value, where + "." + key, [](const std::string& t) { return parse_size(t); });
  note_shape(e->value, KnobKind::size);
  if (size.bytes == 0) fail(e->value, where + "." + key + ": a call of 0B moves nothing");
  return size;
}

os::Splice Loader::load_splice(const YAML::Node& args, const std::string& where,
                               const std::vector<std::string>& open_files,
                               const std::vector<std::string>& sockets) const {
  const std::vector<Entry> fields = entries(args, where, {"from", "to", "bytes"});
  os::Splice splice;
  // Each end names an open file (its path), a pipe or a socket of this process.
  auto end_of = [&](const char* key, std::string& name, os::SpliceEnd& kind) {
    const Entry* e = find(fields, key);
    if (e == nullptr) {
      fail(args, where + ": missing '" + key + "' (an open file, a pipe or a socket)");
    }
    name = scalar(e->value, where + "." + key, "an open file, a pipe or a socket");
    note_shape(e->value, KnobKind::text);
    if (std::find(pipes_.begin(), pipes_.end(), name) != pipes_.end()) {
      kind = os::SpliceEnd::pipe;
    } else if (std::find(sockets.begin(), sockets.end(), name) != sockets.end()) {
      kind = os::SpliceEnd::socket;
    } else if (std::find(open_files.begin(), open_files.end(), name) != open_files.end()) {
      kind = os::SpliceEnd::file;
    } else {
      std::vector<std::string> known = pipes_;
      known.insert(known.end(), sockets.begin(), sockets.end());
      known.insert(known.end(), open_files.begin(), open_files.end());
      fail(e->value, where + "." + key + ": '" + name + "' is no open file, pipe or socket here" +
                         did_you_mean(name, known));
    }
  };
  end_of("from", splice.from, splice.from_kind);
  end_of("to", splice.to, splice.to_kind);
  const bool file_to_pipe =
      splice.from_kind == os::SpliceEnd::file && splice.to_kind == os::SpliceEnd::pipe;
  const bool pipe_to_socket =
      splice.from_kind == os::SpliceEnd::pipe && splice.to_kind == os::SpliceEnd::socket;
  if (!file_to_pipe && !pipe_to_socket) {
    fail(args, where + ": splice moves a file to a pipe or a pipe to a socket here, not a " +
                   os::to_string(splice.from_kind) + " to a " + os::to_string(splice.to_kind) +
                   " (one end must be a pipe; pipe to file and pipe to pipe are not modelled)");
  }
  splice.bytes = load_required_size(fields, args, where, "bytes");
  return splice;
}

os::Repeat Loader::load_repeat(const YAML::Node& args, const std::string& where, const Scenario& s,
                               std::vector<std::string>& open_files,
                               std::vector<std::string>& sockets) const {
  const std::vector<Entry> fields = entries(args, where, {"count", "do"});
  const Entry* count = find(fields, "count");
  if (count == nullptr) fail(args, where + ": missing 'count' (how many times, like 100)");
  os::Repeat loop;
  loop.count =
      parse_at(count->value, where + ".count", [](const std::string& t) { return parse_count(t); });
  note_shape(count->value, KnobKind::count);
  if (loop.count == 0) fail(count->value, where + ".count: expected at least 1; got 0");
  const Entry* body = find(fields, "do");
  if (body == nullptr) fail(args, where + ": missing 'do' (the list of operations to repeat)");
  if (++repeat_depth_ > kMaxRepeatDepth) {
    fail(args,
         where + ": repeat loops nest more than " + std::to_string(kMaxRepeatDepth) + " deep");
  }
  const std::vector<std::string> files_before = open_files, sockets_before = sockets,
                                 pipes_before = pipes_, mappings_before = mappings_;
  loop.body = load_operation_list(body->value, where + ".do", s, open_files, sockets);
  --repeat_depth_;
  // Each iteration must start as the first did: a body that opens a file without closing it
  // would open it again on the second pass (and one that closes a file opened before the loop
  // would close it twice). Checked here, where the file and line are known, not mid-run.
  if (loop.count > 1) {
    auto differs = [](std::vector<std::string> a, std::vector<std::string> b) {
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      return a != b;
    };
    if (differs(files_before, open_files) || differs(sockets_before, sockets) ||
        differs(pipes_before, pipes_) || differs(mappings_before, mappings_)) {
      std::vector<std::string> changed;
      for (const std::string& f : open_files)
        if (std::find(files_before.begin(), files_before.end(), f) == files_before.end())
          changed.push_back("opens " + f + " without closing it");
      for (const std::string& f : files_before)
        if (std::find(open_files.begin(), open_files.end(), f) == open_files.end())
          changed.push_back("closes " + f + ", opened before the loop");
      for (const std::string& c : sockets)
        if (std::find(sockets_before.begin(), sockets_before.end(), c) == sockets_before.end())
          changed.push_back("connects " + c + " and keeps it");
      for (const std::string& made : pipes_)
        if (std::find(pipes_before.begin(), pipes_before.end(), made) == pipes_before.end())
          changed.push_back("makes the pipe " + made);
      for (const std::string& f : mappings_)
        if (std::find(mappings_before.begin(), mappings_before.end(), f) == mappings_before.end())
          changed.push_back("maps " + f + " without unmapping it");
      for (const std::string& f : mappings_before)
        if (std::find(mappings_.begin(), mappings_.end(), f) == mappings_.end())
          changed.push_back("unmaps " + f + ", mapped before the loop");
      fail(body->value, where +
                            ".do: every pass must leave files and sockets as it found them, "
                            "but this one " +
                            join(changed) + "; move that out of the loop");
    }
  }
  return loop;
}

template <class Table>
auto Loader::load_choice(const YAML::Node& value, const std::string& where, const std::string& what,
                         const Table& table) const -> decltype(table[0].name) {
  const std::string text = scalar(value, where, "a " + what);
  std::vector<std::string> names;
  for (const auto& entry : table) names.emplace_back(entry.name);
  note_shape(value, KnobKind::choice, names);
  for (const auto& entry : table) {
    if (text == entry.name) return entry.name;
  }
  fail(value, where + ": unknown " + what + " '" + text + "'" + did_you_mean(text, names) + " (" +
                  join(names) + ")");
}

void Loader::load_files(const Entry& files, Scenario& s) const {
  const YAML::Node& list = files.value;
  if (!list.IsSequence()) {
    fail(list, std::string("files: expected a list of files, each with a path and a size; got ") +
                   node_kind(list));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    const std::string where = "files[" + std::to_string(i) + "]";
    const std::vector<Entry> fields =
        entries(node, where, {"path", "size", "device", "seed", "pattern", "cache"});
    os::FileSpec file;
    const Entry* path = find(fields, "path");
    if (path == nullptr) fail(node, where + ": missing 'path' (the file's name, like data.bin)");
    file.path = scalar(path->value, where + ".path", "a file path");
    note_shape(path->value, KnobKind::text);
    if (!is_file_path(file.path)) {
      fail(path->value, where + ".path: '" + file.path +
                            "' is not a valid file path (letters, digits, '_', '-', '.' and '/')");
    }
    for (const os::FileSpec& other : s.files) {
      if (other.path == file.path) {
        fail(path->value, where + ".path: a file called '" + file.path + "' already exists");
      }
    }
    const Entry* size = find(fields, "size");
    if (size == nullptr) fail(node, where + ": missing 'size' (how large, like 1MiB)");
    file.size =
        parse_at(size->value, where + ".size", [](const std::string& t) { return parse_size(t); });
    note_shape(size->value, KnobKind::size);
    // 0B is an empty file, which a program creates by writing it.
    if (const Entry* device = find(fields, "device")) {
      file.device = scalar(device->value, where + ".device", "a device name");
      const std::vector<std::string> disks = disk_names();
      note_shape(device->value, KnobKind::choice, disks);
      if (std::find(disks.begin(), disks.end(), file.device) == disks.end()) {
        fail(device->value, where + ".device: no device called '" + file.device + "'" +
                                did_you_mean(file.device, disks) + " (devices: " + join(disks) +
                                ")");
      }
    }
    const Entry* seed = find(fields, "seed");
    const Entry* pattern = find(fields, "pattern");
    if (seed != nullptr && pattern != nullptr) {
      fail(pattern->key_node, where +
                                  ": give either 'seed' or 'pattern' for the contents, not "
                                  "both");
    }
    if (seed != nullptr) {
      file.has_content_seed = true;
      file.content_seed = parse_at(seed->value, where + ".seed",
                                   [](const std::string& t) { return parse_count(t); });
      note_shape(seed->value, KnobKind::count);
    }
    if (pattern != nullptr) {
      file.pattern = scalar(pattern->value, where + ".pattern", "a text to repeat");
      note_shape(pattern->value, KnobKind::text);
      if (file.pattern.empty()) fail(pattern->value, where + ".pattern: the text is empty");
    }
    if (const Entry* cache = find(fields, "cache")) {
      const std::string text = scalar(cache->value, where + ".cache", "cold or warm");
      note_shape(cache->value, KnobKind::choice, {"cold", "warm"});
      if (text != "cold" && text != "warm") {
        fail(cache->value, where +
                               ".cache: expected cold (nothing cached) or warm (every page "
                               "cached); got '" +
                               text + "'");
      }
      file.warm = text == "warm";
    }
    s.files.push_back(std::move(file));
  }
}

std::string Loader::load_file_argument(const std::vector<Entry>& fields, const YAML::Node& args,
                                       const std::string& where, const Scenario& s,
                                       const std::vector<std::string>& open_files,
                                       bool must_be_open, bool for_writing) const {
  const Entry* file = find(fields, "file");
  if (file == nullptr) fail(args, where + ": missing 'file' (a path from the files: section)");
  const std::string path = scalar(file->value, where + ".file", "a file path");
  std::vector<std::string> paths;
  for (const os::FileSpec& f : s.files) paths.push_back(f.path);
  note_shape(file->value, KnobKind::choice, paths);
  if (std::find(paths.begin(), paths.end(), path) == paths.end()) {
    fail(file->value, where + ".file: no file called '" + path + "'" + did_you_mean(path, paths) +
                          (paths.empty() ? std::string(" (the scenario has no files: section)")
                                         : " (files: " + join(paths) + ")"));
  }
  const bool open = std::find(open_files.begin(), open_files.end(), path) != open_files.end();
  if (must_be_open && !open) {
    fail(file->value, where + ".file: '" + path +
                          "' is not open here; open it first with "
                          "'- open: { file: " +
                          path + (for_writing ? ", flags: [write] }'" : " }'"));
  }
  return path;
}

os::FileRead Loader::load_read(const YAML::Node& args, const std::string& where, const Scenario& s,
                               const std::vector<std::string>& open_files) const {
  const std::vector<Entry> fields =
      entries(args, where, {"file", "chunk", "bytes", "into", "order"});
  os::FileRead read;
  read.path = load_file_argument(fields, args, where, s, open_files, true);
  if (const Entry* chunk = find(fields, "chunk")) {
    read.chunk = parse_at(chunk->value, where + ".chunk",
                          [](const std::string& t) { return parse_size(t); });
    note_shape(chunk->value, KnobKind::size);
    if (read.chunk.bytes == 0) {
      fail(chunk->value, where + ".chunk: a read() of 0B moves nothing; read at least 1B");
    }
  }
  if (const Entry* bytes = find(fields, "bytes")) {
    read.bytes = parse_at(bytes->value, where + ".bytes",
                          [](const std::string& t) { return parse_size(t); });
    note_shape(bytes->value, KnobKind::size);
  }
  if (const Entry* into = find(fields, "into")) {
    read.into = scalar(into->value, where + ".into", "a buffer name");
    note_shape(into->value, KnobKind::text);
    if (!is_identifier(read.into)) {
      fail(into->value, where + ".into: '" + read.into +
                            "' is not a valid buffer name (letters, digits, '_' and '-')");
    }
  }
  if (const Entry* order = find(fields, "order")) {
    const char* chosen = load_choice(order->value, where + ".order", "read order", kReadOrders);
    for (const ReadOrderName& o : kReadOrders) {
      if (o.name == chosen) read.order = o.order;
    }
  }
  return read;
}

std::string Loader::load_mapping_argument(const std::vector<Entry>& fields, const YAML::Node& args,
                                          const std::string& where, const Scenario& s,
                                          const std::vector<std::string>& open_files) const {
  const std::string path = load_file_argument(fields, args, where, s, open_files, false);
  if (std::find(mappings_.begin(), mappings_.end(), path) == mappings_.end()) {
    fail(find(fields, "file")->value, where + ".file: no mapping of '" + path +
                                          "' here; map it first with '- mmap: { file: " + path +
                                          " }'" + did_you_mean(path, mappings_));
  }
  return path;
}

os::MmapFile Loader::load_mmap(const YAML::Node& args, const std::string& where, const Scenario& s,
                               const std::vector<std::string>& open_files) const {
  const std::vector<Entry> fields = entries(args, where, {"file", "mode"});
  os::MmapFile map;
  map.path = load_file_argument(fields, args, where, s, open_files, true);
  if (const Entry* mode = find(fields, "mode")) {
    const char* chosen = load_choice(mode->value, where + ".mode", "mapping mode", kMapKinds);
    for (const MapKindName& k : kMapKinds) {
      if (k.name == chosen) map.kind = k.kind;
    }
  }
  if (std::find(mappings_.begin(), mappings_.end(), map.path) != mappings_.end()) {
    fail(find(fields, "file")->value, where + ".file: '" + map.path +
                                          "' is already mapped here; unmap it first with "
                                          "'- munmap: { file: " +
                                          map.path + " }'");
  }
  mappings_.push_back(map.path);
  return map;
}

void Loader::load_map_access(const std::vector<Entry>& fields, const std::string& where, bool store,
                             ByteSize& offset, ByteSize& bytes) const {
  if (const Entry* o = find(fields, "offset")) {
    offset =
        parse_at(o->value, where + ".offset", [](const std::string& t) { return parse_size(t); });
    note_shape(o->value, KnobKind::size);
  }
  if (const Entry* b = find(fields, "bytes")) {
    bytes =
        parse_at(b->value, where + ".bytes", [](const std::string& t) { return parse_size(t); });
    note_shape(b->value, KnobKind::size);
    if (bytes.bytes == 0) {
      fail(b->value, where + (store ? ".bytes: a map_write of 0B stores nothing; store at least 1B"
                                    : ".bytes: a map_read of 0B loads nothing; load at least 1B"));
    }
  }
}

os::FileOpen Loader::load_open(const YAML::Node& args, const std::string& where, const Scenario& s,
                               const std::vector<std::string>& open_files) const {
  const std::vector<Entry> fields = entries(args, where, {"file", "flags"});
  os::FileOpen open;
  open.path = load_file_argument(fields, args, where, s, open_files, false);
  const Entry* flags = find(fields, "flags");
  if (flags == nullptr) return open;  // O_RDONLY
  std::vector<std::string> names;
  for (const OpenFlagName& f : kOpenFlags) names.emplace_back(f.name);
  const YAML::Node& list = flags->value;
  if (!list.IsSequence()) {
    fail(list, where + ".flags: expected a list of flags, like [write, sync] (" + join(names) +
                   "); got " + node_kind(list));
  }
  std::vector<std::string> given;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string item_where = where + ".flags[" + std::to_string(i) + "]";
    const std::string flag = scalar(list[i], item_where, "a flag");
    note_shape(list[i], KnobKind::choice, names);
    const OpenFlagName* known = nullptr;
    for (const OpenFlagName& f : kOpenFlags) {
      if (flag == f.name) known = &f;
    }
    if (known == nullptr) {
      fail(list[i], item_where + ": unknown open flag '" + flag + "'" + did_you_mean(flag, names) +
                        " (flags: " + join(names) + ")");
    }
    if (std::find(given.begin(), given.end(), flag) != given.end()) {
      fail(list[i], item_where + ": the flag '" + flag + "' is given twice");
    }
    given.push_back(flag);
    open.flags.*(known->flag) = true;
  }
  return open;
}

os::FileWrite Loader::load_write(const YAML::Node& args, const std::string& where,
                                 const Scenario& s, const std::vector<std::string>& open_files,
                                 bool stdio) const {
  const std::vector<Entry> fields =
      stdio ? entries(args, where, {"file", "chunk", "bytes", "pattern"})
            : entries(args, where, {"file", "chunk", "bytes", "from", "pattern"});
  const char* const call = stdio ? "an fwrite()" : "a write()";
  os::FileWrite write;
  write.path = load_file_argument(fields, args, where, s, open_files, true, true);
  if (const Entry* chunk = find(fields, "chunk")) {
    write.chunk = parse_at(chunk->value, where + ".chunk",
                           [](const std::string& t) { return parse_size(t); });
    note_shape(chunk->value, KnobKind::size);
    if (write.chunk.bytes == 0) {
      fail(chunk->value, where + ".chunk: " + call + " of 0B writes nothing; write at least 1B");
    }
  }
  write.bytes = write.chunk;  // one call
  if (const Entry* bytes = find(fields, "bytes")) {
    write.bytes = parse_at(bytes->value, where + ".bytes",
                           [](const std::string& t) { return parse_size(t); });
    note_shape(bytes->value, KnobKind::size);
    if (write.bytes.bytes == 0) {
      fail(bytes->value, where +
                             ".bytes: writing 0B in all writes nothing; leave bytes out for "
                             "one chunk");
    }
  }
  if (const Entry* from = find(fields, "from")) {
    write.from = scalar(from->value, where + ".from", "a buffer name");
    note_shape(from->value, KnobKind::text);
    if (!is_identifier(write.from)) {
      fail(from->value, where + ".from: '" + write.from +
                            "' is not a valid buffer name (letters, digits, '_' and '-')");
    }
  }
  if (const Entry* pattern = find(fields, "pattern")) {
    write.pattern = scalar(pattern->value, where + ".pattern", "a text to repeat");
    note_shape(pattern->value, KnobKind::text);
    if (write.pattern.empty()) {
      fail(pattern->value, where +
                               ".pattern: the text is empty (leave pattern out for bytes "
                               "generated from the seed)");
    }
  }
  return write;
}

os::CrashKind Loader::load_crash_kind(const std::vector<Entry>& fields,
                                      const std::string& where) const {
  const Entry* kind = find(fields, "kind");
  if (kind == nullptr) return os::CrashKind::power;
  const char* chosen = load_choice(kind->value, where + ".kind", "crash kind", kCrashKinds);
  for (const CrashKindName& k : kCrashKinds) {
    if (k.name == chosen) return k.kind;
  }
  return os::CrashKind::power;
}

void Loader::load_crash(const Entry& crash, Scenario& s) const {
  const std::vector<Entry> fields = entries(crash.value, "crash", {"at", "kind"});
  const Entry* at = find(fields, "at");
  if (at == nullptr) {
    fail(crash.value, "crash: missing 'at' (when the crash happens, a time like 150ms)");
  }
  os::CrashSpec spec;
  spec.at = parse_at(at->value, "crash.at", [](const std::string& t) { return parse_time(t); });
  note_shape(at->value, KnobKind::time);
  spec.kind = load_crash_kind(fields, "crash");
  s.crash = spec;
}

os::DeviceRead Loader::load_device_read(const YAML::Node& args, const std::string& where,
                                        const Scenario& s) const {
  const std::vector<Entry> fields =
      entries(args, where, {"device", "lba", "bytes", "mechanism", "mode", "into"});
  os::DeviceRead read;

  if (const Entry* device = find(fields, "device")) {
    read.device = scalar(device->value, where + ".device", "a device name");
    const std::vector<std::string> disks = disk_names();
    note_shape(device->value, KnobKind::choice, disks);
    bool known = false;
    for (const std::string& d : disks) known = known || d == read.device;
    if (!known) {
      fail(device->value, where + ".device: no device called '" + read.device + "'" +
                              did_you_mean(read.device, disks) + " (devices: " + join(disks) + ")");
    }
  }
  if (const Entry* lba = find(fields, "lba")) {
    read.lba =
        parse_at(lba->value, where + ".lba", [](const std::string& t) { return parse_count(t); });
    note_shape(lba->value, KnobKind::count);
  }

  const Entry* bytes = find(fields, "bytes");
  if (bytes == nullptr) fail(args, where + ": missing 'bytes' (how much to read, like 64KiB)");
  read.bytes =
      parse_at(bytes->value, where + ".bytes", [](const std::string& t) { return parse_size(t); });
  note_shape(bytes->value, KnobKind::size);
  const ByteSize sector = s.params.disk.sector_size;
  if (read.bytes.bytes == 0) {
    fail(bytes->value, where + ".bytes: a read of 0B moves nothing; read at least one sector (" +
                           format_size(sector) + ")");
  }
  if (read.bytes.bytes % sector.bytes != 0) {
    fail(bytes->value, where + ".bytes: " + bytes->value.Scalar() +
                           " is not a whole number of sectors (platform.disk.sector_size is " +
                           format_size(sector) + ")");
  }
  if (s.params.disk.kind == "hdd") {
    const hw::DiskParams& d = s.params.disk;
    const unsigned __int128 capacity =
        static_cast<unsigned __int128>(d.cylinders) * d.heads * d.sectors_per_track;
    const unsigned __int128 last =
        static_cast<unsigned __int128>(read.lba) + read.bytes.bytes / sector.bytes;
    if (last > capacity) {
      fail(bytes->value, where + ": reads past the end of " + read.device + ", which has " +
                             std::to_string(static_cast<std::uint64_t>(capacity)) +
                             " sectors (cylinders x heads x sectors_per_track)");
    }
  }

  const Entry* mechanism = find(fields, "mechanism");
  if (mechanism == nullptr) {
    fail(args, where + ": missing 'mechanism' (pio, interrupt, dma or channel)");
  }
  {
    const std::string name = scalar(mechanism->value, where + ".mechanism", "a mechanism");
    const std::vector<std::string> names = mechanism_names();
    note_shape(mechanism->value, KnobKind::choice, names);
    bool found = false;
    for (const MechanismName& m : kMechanisms) {
      if (name == m.name) {
        read.mechanism = m.mechanism;
        found = true;
      }
    }
    if (!found) {
      fail(mechanism->value, where + ".mechanism: unknown mechanism '" + name + "'" +
                                 did_you_mean(name, names) + " (mechanisms: " + join(names) + ")");
    }
  }
  if (const Entry* mode = find(fields, "mode")) {
    if (read.mechanism != os::Mechanism::dma) {
      fail(mode->key_node, where + ".mode: a mode applies only to mechanism: dma");
    }
    const std::string name = scalar(mode->value, where + ".mode", "a DMA mode");
    const std::vector<std::string> names = dma_mode_names();
    note_shape(mode->value, KnobKind::choice, names);
    bool found = false;
    for (const DmaModeName& m : kDmaModes) {
      if (name == m.name) {
        read.dma_mode = m.mode;
        found = true;
      }
    }
    if (!found) {
      fail(mode->value, where + ".mode: unknown DMA mode '" + name + "'" +
                            did_you_mean(name, names) + " (modes: " + join(names) + ")");
    }
  }
  if (const Entry* into = find(fields, "into")) {
    read.into = scalar(into->value, where + ".into", "a buffer name");
    note_shape(into->value, KnobKind::text);
    if (!is_identifier(read.into)) {
      fail(into->value, where + ".into: '" + read.into +
                            "' is not a valid buffer name (letters, digits, '_' and '-')");
    }
  }
  return read;
}

os::Compute Loader::load_compute(const YAML::Node& args, const std::string& where,
                                 const Scenario& s) const {
  const std::vector<Entry> fields = entries(args, where, {"for", "until", "cycles"});
  if (fields.size() != 1) {
    fail(args, where + ": expected exactly one of for (a time), cycles (a count) or until: end");
  }
  const Entry& e = fields.front();
  os::Compute compute;
  if (e.key == "for") {
    compute.duration =
        parse_at(e.value, where + ".for", [](const std::string& t) { return parse_time(t); });
    note_shape(e.value, KnobKind::time);
  } else if (e.key == "cycles") {
    const std::uint64_t cycles =
        parse_at(e.value, where + ".cycles", [](const std::string& t) { return parse_count(t); });
    note_shape(e.value, KnobKind::count);
    compute.duration = s.params.cpu.clock.cycles(cycles);
  } else {
    const std::string until = scalar(e.value, where + ".until", "'end'");
    note_shape(e.value, KnobKind::choice, {"end"});
    if (until != "end") {
      fail(e.value, where +
                        ".until: expected 'end' (compute while other processes have work); "
                        "got '" +
                        until + "'");
    }
    compute.until_end = true;
  }
  return compute;
}

os::Sleep Loader::load_sleep(const YAML::Node& args, const std::string& where) const {
  const std::vector<Entry> fields = entries(args, where, {"for"});
  const Entry* duration = find(fields, "for");
  if (duration == nullptr) fail(args, where + ": missing 'for' (how long, like 1ms)");
  os::Sleep sleep;
  sleep.duration =
      parse_at(duration->value, where + ".for", [](const std::string& t) { return parse_time(t); });
  note_shape(duration->value, KnobKind::time);
  return sleep;
}

void Loader::load_expectations(const Entry& expect, Scenario& s) const {
  if (!expect.value.IsMap()) {
    fail(expect.value, std::string("expect: expected a map from metric names to expected values; "
                                   "got ") +
                           node_kind(expect.value));
  }
  std::vector<Entry> claims;
  for (auto it = expect.value.begin(); it != expect.value.end(); ++it) {
    if (!it->first.IsScalar()) fail(it->first, "expect: expected a metric name as key");
    const std::string metric = it->first.Scalar();
    if (const Entry* previous = find(claims, metric)) {
      fail(it->first, "duplicate key '" + metric + "' in expect (first given at line " +
                          std::to_string(pos(previous->key_node).line) + ")");
    }
    claims.push_back(Entry{metric, it->first, it->second});
  }
  for (const Entry& claim : claims) s.expectations.push_back(load_expectation(claim, s));
}

void Loader::check_metric_name(const YAML::Node& at, const std::string& metric,
                               const Scenario& s) const {
  std::string placeholder;
  const MetricDefinition* definition = find_metric_definition(metric, &placeholder);
  if (definition == nullptr) {
    std::vector<std::string> candidates = concrete_metric_names();
    for (const os::ProcessSpec& p : s.processes) {
      for (const char* suffix : {".user_ps", ".kernel_ps", ".stall_ps"}) {
        candidates.push_back("process." + p.name + suffix);
      }
    }
    fail(at, "unknown metric '" + metric + "'" + did_you_mean(metric, candidates) +
                 " (see 'iosim metrics' for the list)");
  }
  if (definition->pattern.rfind("process.", 0) == 0) {
    bool known = false;
    std::vector<std::string> names;
    for (const os::ProcessSpec& p : s.processes) {
      known = known || p.name == placeholder;
      names.push_back(p.name);
    }
    if (!known) {
      fail(at, "metric '" + metric + "' names process '" + placeholder +
                   "', which the scenario does not have" + did_you_mean(placeholder, names) +
                   " (processes: " + join(names) + ")");
    }
  }
  if (definition->pattern.rfind("expectations.", 0) == 0) {
    fail(at, "'" + metric + "' counts the expectations themselves and cannot be expected");
  }
}

Amount Loader::load_amount(const YAML::Node& value, const std::string& where, MetricKind kind,
                           const Scenario& s) const {
  const Amount amount =
      parse_at(value, where, [kind](const std::string& t) { return parse_amount(t, kind); });
  note_shape(value, knob_kind(kind));
  if (!amount.of_metric.empty()) {
    check_metric_name(value, amount.of_metric, s);
    const MetricDefinition* other = find_metric_definition(amount.of_metric);
    if (other->kind == MetricKind::flag) {
      fail(value, where + ": '" + amount.of_metric + "' is true or false, not a number");
    }
  }
  return amount;
}

Expectation Loader::load_expectation(const Entry& entry, const Scenario& s) const {
  check_metric_name(entry.key_node, entry.key, s);
  Expectation e;
  e.metric = entry.key;
  e.kind = find_metric_definition(entry.key)->kind;
  // A claim set on the command line fails at the --set, not at the file's line.
  e.pos = pos(entry.value).origin.empty() ? pos(entry.key_node) : pos(entry.value);
  const std::string where = "expect." + entry.key;

  if (e.kind == MetricKind::flag) {
    const YAML::Node* value = &entry.value;
    std::vector<Entry> fields;
    if (entry.value.IsMap()) {
      fields = entries(entry.value, where, {"equals"});
      if (fields.empty()) fail(entry.value, where + ": expected true or false");
      value = &fields.front().value;
    }
    e.equals_flag = parse_at(*value, where, [](const std::string& t) { return parse_bool(t); });
    note_shape(*value, KnobKind::boolean);
    return e;
  }

  if (entry.value.IsScalar()) {
    e.equals = load_amount(entry.value, where, e.kind, s);
    return e;
  }
  const std::vector<Entry> fields =
      entries(entry.value, where, {"equals", "tolerance", "at_least", "at_most", "between"});
  if (fields.empty()) fail(entry.value, where + ": expected at least one condition");
  const Entry* equals = find(fields, "equals");
  const Entry* tolerance = find(fields, "tolerance");
  const Entry* at_least = find(fields, "at_least");
  const Entry* at_most = find(fields, "at_most");
  const Entry* between = find(fields, "between");

  if (tolerance != nullptr && equals == nullptr) {
    fail(tolerance->key_node, where + ": a tolerance needs 'equals' beside it");
  }
  if (equals != nullptr && (at_least != nullptr || at_most != nullptr || between != nullptr)) {
    fail(equals->key_node, where +
                               ": 'equals' cannot be combined with at_least, at_most or "
                               "between (use a tolerance)");
  }
  if (between != nullptr && (at_least != nullptr || at_most != nullptr)) {
    fail(between->key_node, where +
                                ": 'between' already gives both bounds; drop at_least and "
                                "at_most");
  }
  if (equals != nullptr) e.equals = load_amount(equals->value, where + ".equals", e.kind, s);
  if (tolerance != nullptr) {
    const std::string text = scalar(tolerance->value, where + ".tolerance", "a tolerance");
    e.tolerance_is_relative = is_percent(text);
    if (e.tolerance_is_relative) {
      try {
        e.tolerance = Amount{parse_percent(text), "", text};
      } catch (const ParseError& error) {
        fail(tolerance->value, where + ".tolerance: " + error.what());
      }
    } else {
      e.tolerance = load_amount(tolerance->value, where + ".tolerance", e.kind, s);
    }
  }
  if (at_least != nullptr) {
    e.at_least = load_amount(at_least->value, where + ".at_least", e.kind, s);
  }
  if (at_most != nullptr) e.at_most = load_amount(at_most->value, where + ".at_most", e.kind, s);
  if (between != nullptr) {
    const YAML::Node& range = between->value;
    if (!range.IsSequence() || range.size() != 2) {
      fail(range, where + ".between: expected a list of two values, like [1ms, 2ms]; got " +
                      (range.IsSequence() ? "a list of " + std::to_string(range.size())
                                          : std::string(node_kind(range))));
    }
    e.at_least = load_amount(range[0], where + ".between", e.kind, s);
    e.at_most = load_amount(range[1], where + ".between", e.kind, s);
  }
  return e;
}

void Loader::load_knobs(const Entry& knobs, const YAML::Node& root, Scenario& s) const {
  const YAML::Node& list = knobs.value;
  if (!list.IsSequence()) {
    fail(list, std::string("knobs: expected a list of knobs, each with a name and a path; got ") +
                   node_kind(list));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = "knobs[" + std::to_string(i) + "]";
    Knob knob = load_knob(list[i], where, root);
    for (const Knob& other : s.knobs) {
      if (other.name == knob.name) {
        fail(list[i]["name"], where + ".name: a knob called '" + knob.name + "' already exists");
      }
    }
    s.knobs.push_back(std::move(knob));
  }
}

Knob Loader::load_knob(const YAML::Node& node, const std::string& where,
                       const YAML::Node& root) const {
  const std::vector<Entry> fields = entries(node, where, {"name", "label", "path", "choices"});
  Knob knob;
  knob.pos = pos(node);

  const Entry* name = find(fields, "name");
  if (name == nullptr) fail(node, where + ": missing 'name' (what --set calls the knob)");
  knob.name = scalar(name->value, where + ".name", "a knob name");
  if (!is_identifier(knob.name)) {
    fail(name->value, where + ".name: '" + knob.name +
                          "' is not a valid knob name (letters, digits, '_' and '-', starting "
                          "with a letter)");
  }
  knob.label = knob.name;
  if (const Entry* label = find(fields, "label")) {
    knob.label = scalar(label->value, where + ".label", "a one-line label");
  }

  const Entry* path = find(fields, "path");
  if (path == nullptr) {
    fail(node, where + ": missing 'path' (where the knob's value is, like platform.preset)");
  }
  const std::string path_text = scalar(path->value, where + ".path", "a path");
  YAML::Node target;
  try {
    const std::vector<PathStep> steps = parse_path(path_text);
    knob.path = path_to_string(steps);
    target = find_node(root, steps);
  } catch (const PathError& e) {
    fail(path->value, where + ".path: " + e.what());
  }
  if (!target.IsScalar()) {
    fail(path->value, where + ".path: " + knob.path + " is " + node_kind(target) +
                          "; a knob stands for a single value");
  }
  // `--set NAME=...` takes a knob's name before a top-level key's: the two must agree.
  for (const std::string& key : scenario_top_level_keys()) {
    if (knob.name == key && knob.path != key) {
      fail(name->value, where + ".name: '" + key +
                            "' is a top-level key of the scenario; a knob of that name must "
                            "have path: " +
                            key);
    }
  }
  knob.value = target.Scalar();
  const ValueShape shape = shape_of(target);
  knob.kind = shape.kind;
  knob.choices = shape.choices;

  if (const Entry* choices = find(fields, "choices")) {
    const std::string choices_where = where + ".choices";
    const YAML::Node& list = choices->value;
    if (!list.IsSequence() || list.size() == 0) {
      fail(list, choices_where + ": expected a list of values; got " +
                     (list.IsSequence() ? std::string("an empty list") : node_kind(list)));
    }
    std::vector<std::string> declared;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string item_where = choices_where + "[" + std::to_string(i) + "]";
      const std::string choice = scalar(list[i], item_where, "a value");
      if (shape.kind == KnobKind::choice) {
        bool known = false;
        for (const std::string& c : shape.choices) known = known || c == choice;
        if (!known) {
          fail(list[i], item_where + ": '" + choice + "' is not a value " + knob.path + " takes" +
                            did_you_mean(choice, shape.choices) + " (" + join(shape.choices) + ")");
        }
      } else {
        try {
          check_value_of_kind(shape.kind, choice);
        } catch (const ParseError& e) {
          fail(list[i], item_where + ": " + e.what());
        }
      }
      declared.push_back(choice);
    }
    bool current_listed = false;
    for (const std::string& c : declared) current_listed = current_listed || c == knob.value;
    if (!current_listed) {
      fail(list, choices_where + ": the current value '" + knob.value + "' of " + knob.path +
                     " is not one of the choices (" + join(declared) + ")");
    }
    knob.kind = KnobKind::choice;
    knob.choices = declared;
  }
  return knob;
}

/// The value of `key` in `map`, or an undefined node (also when `map` is not a map). Unlike
/// operator[], never an invalid node that throws when asked its type.
YAML::Node value_of(const YAML::Node& map, const std::string& key) {
  if (map.IsMap()) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

/// The path a --set KEY names: a knob's name stands for the knob's path.
std::vector<PathStep> override_path(const YAML::Node& root, const ScenarioOverride& o,
                                    const SourcePos& at) {
  const bool bare = o.key.find_first_of(".[") == std::string::npos;
  try {
    if (!bare) return parse_path(o.key);
    // The knobs as written; the loader checks them after the overrides.
    std::vector<std::string> knob_names;
    const YAML::Node knobs = value_of(root, kKnobsKey);
    if (knobs.IsSequence()) {
      for (const YAML::Node& knob : knobs) {
        const YAML::Node name = value_of(knob, "name");
        const YAML::Node path = value_of(knob, "path");
        if (!name.IsScalar()) continue;
        knob_names.push_back(name.Scalar());
        if (name.Scalar() == o.key && path.IsScalar()) return parse_path(path.Scalar());
      }
    }
    for (const std::string& key : scenario_top_level_keys()) {
      if (key == o.key) return parse_path(o.key);
    }
    std::vector<std::string> candidates = knob_names;
    for (const std::string& key : scenario_top_level_keys()) candidates.push_back(key);
    throw ScenarioError(
        at, "'" + o.key + "' is neither a knob of this scenario (" +
                (knob_names.empty() ? std::string("it has none") : "knobs: " + join(knob_names)) +
                ") nor a top-level key" + did_you_mean(o.key, candidates));
  } catch (const PathError& e) {
    throw ScenarioError(at, e.what());
  }
}

/// Applies the --set arguments to the document, in order, and returns where the nodes they
/// set came from.
NodeOrigins apply_overrides(YAML::Node root, const std::vector<ScenarioOverride>& overrides,
                            const std::string& file) {
  NodeOrigins origins;
  // A document that is not a map is wrong whatever is set: the loader says why.
  if (!root.IsMap()) return origins;
  for (const ScenarioOverride& o : overrides) {
    const SourcePos at{file, 0, 0, o.argument};
    const std::vector<PathStep> path = override_path(root, o, at);
    YAML::Node value;
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::ParserException& e) {
      throw ScenarioError(at, "the value is not valid YAML: " + e.msg);
    }
    try {
      for (const YAML::Node& node : set_node(root, path, value)) {
        origins.emplace_back(node, o.argument);
      }
    } catch (const PathError& e) {
      throw ScenarioError(at, e.what());
    }
  }
  return origins;
}

}  // namespace

KnobKind knob_kind(ParamKind kind) {
  switch (kind) {
    case ParamKind::time:
      return KnobKind::time;
    case ParamKind::size:
      return KnobKind::size;
    case ParamKind::bandwidth:
      return KnobKind::rate;
    case ParamKind::frequency:
      return KnobKind::frequency;
    case ParamKind::count:
      return KnobKind::count;
    case ParamKind::boolean:
      return KnobKind::boolean;
    case ParamKind::fraction:
      return KnobKind::fraction;
    case ParamKind::choice:
      return KnobKind::choice;
  }
  return KnobKind::text;
}

const char* to_string(KnobKind kind) {
  switch (kind) {
    case KnobKind::choice:
      return "choice";
    case KnobKind::boolean:
      return "bool";
    case KnobKind::size:
      return "size";
    case KnobKind::time:
      return "time";
    case KnobKind::rate:
      return "rate";
    case KnobKind::frequency:
      return "frequency";
    case KnobKind::count:
      return "count";
    case KnobKind::fraction:
      return "fraction";
    case KnobKind::text:
      return "text";
  }
  return "text";
}

ScenarioOverride parse_override(const std::string& key_equals_value) {
  ScenarioOverride o;
  o.argument = "--set " + key_equals_value;
  const SourcePos at{"", 0, 0, o.argument};
  const std::size_t equals = key_equals_value.find('=');
  if (equals == std::string::npos) {
    throw InputError(at, "expected KEY=VALUE, like platform.disk.rpm=7200 or size=128KiB");
  }
  auto trim = [](std::string text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return std::string();
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
  };
  o.key = trim(key_equals_value.substr(0, equals));
  o.value = key_equals_value.substr(equals + 1);
  try {
    parse_path(o.key);
  } catch (const PathError& e) {
    throw InputError(at, e.what());
  }
  try {
    YAML::Load(o.value);
  } catch (const YAML::ParserException& e) {
    throw InputError(at, "the value is not valid YAML: " + e.msg);
  }
  return o;
}

const char* to_string(ParamOrigin origin) {
  switch (origin) {
    case ParamOrigin::model_default:
      return "default";
    case ParamOrigin::preset:
      return "preset";
    case ParamOrigin::scenario:
      return "override";
  }
  return "?";
}

const std::vector<std::string>& scenario_top_level_keys() {
  static const std::vector<std::string> keys = {"title",    "teaches", "seed",      "include",
                                                "platform", "files",   "processes", "crash",
                                                "expect",   "knobs"};
  return keys;
}

const std::vector<std::string>& operation_names() {
  // clang-format off
  static const std::vector<std::string> names = {
      "device_read", "compute", "sleep",
      "open", "read", "write", "fwrite", "fflush", "fsync", "fdatasync", "sync_file_range",
      "uring_read", "mmap", "map_read", "map_write", "msync", "munmap",
      "lseek", "fadvise", "close",
      "connect", "read_write", "read_send_zerocopy", "sendfile", "mmap_write", "pipe", "splice", "vmsplice", "tee",
      "crash", "repeat"};
  // clang-format on
  return names;
}

const char* mechanism_name(os::Mechanism m) {
  for (const MechanismName& n : kMechanisms) {
    if (n.mechanism == m) return n.name;
  }
  return "?";
}

const char* read_order_name(os::ReadOrder o) {
  for (const ReadOrderName& n : kReadOrders) {
    if (n.order == o) return n.name;
  }
  return "?";
}

const char* advice_name(os::Advice a) {
  for (const AdviceName& n : kAdvices) {
    if (n.advice == a) return n.name;
  }
  return "?";
}

const char* dma_mode_name(os::DmaMode m) {
  for (const DmaModeName& n : kDmaModes) {
    if (n.mode == m) return n.name;
  }
  return "?";
}

std::string describe_operation(const os::Operation& op) {
  struct Describer {
    std::string operator()(const os::DeviceRead& r) const {
      std::string text = "device_read: { device: " + r.device + ", lba: " + std::to_string(r.lba) +
                         ", bytes: " + format_size(r.bytes) +
                         ", mechanism: " + mechanism_name(r.mechanism);
      if (r.mechanism == os::Mechanism::dma)
        text += std::string(", mode: ") + dma_mode_name(r.dma_mode);
      return text + ", into: " + r.into + " }";
    }
    std::string operator()(const os::Compute& c) const {
      if (c.until_end) return "compute: { until: end }";
      return "compute: { for: " + format_time(c.duration) + " }";
    }
    std::string operator()(const os::Sleep& s) const {
      return "sleep: { for: " + format_time(s.duration) + " }";
    }
    std::string operator()(const os::FileOpen& o) const {
      std::vector<std::string> flags;
      for (const OpenFlagName& f : kOpenFlags) {
        if (o.flags.*(f.flag)) flags.emplace_back(f.name);
      }
      return "open: { file: " + o.path +
             (flags.empty() ? std::string() : ", flags: [" + join(flags) + "]") + " }";
    }
    std::string operator()(const os::FileWrite& w) const {
      return "write: { file: " + w.path + ", chunk: " + format_size(w.chunk) +
             ", bytes: " + format_size(w.bytes) + ", from: " + w.from +
             (w.pattern.empty() ? std::string() : ", pattern: \"" + w.pattern + "\"") + " }";
    }
    std::string operator()(const os::StdioWrite& w) const {
      return "fwrite: { file: " + w.path + ", chunk: " + format_size(w.chunk) +
             ", bytes: " + format_size(w.bytes) +
             (w.pattern.empty() ? std::string() : ", pattern: \"" + w.pattern + "\"") + " }";
    }
    std::string operator()(const os::StdioFlush& f) const {
      return "fflush: { file: " + f.path + " }";
    }
    std::string operator()(const os::FileSync& f) const {
      return std::string(os::to_string(f.kind)) + ": { file: " + f.path + " }";
    }
    std::string operator()(const os::Crash& c) const {
      return std::string("crash: { kind: ") + os::to_string(c.kind) + " }";
    }
    std::string operator()(const os::Vmsplice& v) const {
      return "vmsplice: { pipe: " + v.pipe + ", from: " + v.from +
             ", bytes: " + format_size(v.bytes) +
             (v.pattern.empty() ? std::string() : ", pattern: \"" + v.pattern + "\"") + " }";
    }
    std::string operator()(const os::ReadSendZerocopy& z) const {
      return "read_send_zerocopy: { file: " + z.path + ", socket: " + z.socket +
             ", chunk: " + format_size(z.chunk) +
             (z.bytes.bytes != 0 ? ", bytes: " + format_size(z.bytes) : std::string()) +
             ", into: " + z.into + " }";
    }
    std::string operator()(const os::UringRead& u) const {
      return "uring_read: { file: " + u.path + ", chunk: " + format_size(u.chunk) +
             (u.bytes.bytes != 0 ? ", bytes: " + format_size(u.bytes) : std::string()) +
             ", depth: " + std::to_string(u.depth) + ", into: " + u.into +
             ", compute: " + format_time(u.compute) + " }";
    }
    std::string operator()(const os::MmapFile& m) const {
      return "mmap: { file: " + m.path + ", mode: " + os::to_string(m.kind) + " }";
    }
    std::string operator()(const os::MapRead& r) const {
      return "map_read: { file: " + r.path + ", offset: " + format_size(r.offset) +
             ", bytes: " + format_size(r.bytes) + " }";
    }
    std::string operator()(const os::MapWrite& w) const {
      return "map_write: { file: " + w.path + ", offset: " + format_size(w.offset) +
             ", bytes: " + format_size(w.bytes) +
             (w.pattern.empty() ? std::string() : ", pattern: \"" + w.pattern + "\"") + " }";
    }
    std::string operator()(const os::Msync& m) const { return "msync: { file: " + m.path + " }"; }
    std::string operator()(const os::Munmap& m) const { return "munmap: { file: " + m.path + " }"; }
    std::string operator()(const os::FileRead& r) const {
      return "read: { file: " + r.path + ", chunk: " + format_size(r.chunk) +
             (r.bytes.bytes != 0 ? ", bytes: " + format_size(r.bytes) : std::string()) +
             ", into: " + r.into + ", order: " + read_order_name(r.order) + " }";
    }
    std::string operator()(const os::FileSeek& l) const {
      return "lseek: { file: " + l.path + ", offset: " + format_size(l.offset) + " }";
    }
    std::string operator()(const os::FileAdvise& a) const {
      return "fadvise: { file: " + a.path + ", advice: " + advice_name(a.advice) + " }";
    }
    std::string operator()(const os::FileClose& c) const {
      return "close: { file: " + c.path + " }";
    }
    std::string operator()(const os::SocketConnect& c) const {
      return "connect: { socket: " + c.name + " }";
    }
    std::string operator()(const os::ReadWrite& r) const {
      return "read_write: { file: " + r.path + ", socket: " + r.socket +
             ", chunk: " + format_size(r.chunk) +
             (r.bytes.bytes != 0 ? ", bytes: " + format_size(r.bytes) : std::string()) +
             ", into: " + r.into + " }";
    }
    std::string operator()(const os::MmapWrite& w) const {
      return "mmap_write: { file: " + w.path + ", socket: " + w.socket +
             ", chunk: " + format_size(w.chunk) +
             (w.bytes.bytes != 0 ? ", bytes: " + format_size(w.bytes) : std::string()) + " }";
    }
    std::string operator()(const os::SendFile& f) const {
      return "sendfile: { socket: " + f.socket + ", file: " + f.path +
             ", chunk: " + format_size(f.chunk) +
             (f.bytes.bytes != 0 ? ", bytes: " + format_size(f.bytes) : std::string()) + " }";
    }
    std::string operator()(const os::PipeCreate& pipe) const {
      return "pipe: { name: " + pipe.name + " }";
    }
    std::string operator()(const os::Splice& splice) const {
      return "splice: { from: " + splice.from + ", to: " + splice.to +
             ", bytes: " + format_size(splice.bytes) + " }";
    }
    std::string operator()(const os::Tee& tee) const {
      return "tee: { from: " + tee.from + ", to: " + tee.to + ", bytes: " + format_size(tee.bytes) +
             " }";
    }
    std::string operator()(const os::Repeat& loop) const {
      std::string text = "repeat: { count: " + std::to_string(loop.count) + ", do: [";
      for (std::size_t i = 0; i < loop.body.size(); ++i) {
        text += (i == 0 ? " { " : ", { ") + std::visit(*this, loop.body[i]) + " }";
      }
      return text + " ] }";
    }
  };
  return std::visit(Describer{}, op);
}

Scenario parse_scenario(const std::string& yaml_text, const std::string& file_name,
                        const std::vector<ScenarioOverride>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    const SourcePos pos{file_name, e.mark.is_null() ? 1 : e.mark.line + 1,
                        e.mark.is_null() ? 1 : e.mark.column + 1};
    throw ScenarioError(pos, "YAML syntax error: " + e.msg);
  }
  try {
    NodeOrigins origins = apply_overrides(root, overrides, file_name);
    return Loader(file_name, std::move(origins)).load(root);
  } catch (const YAML::Exception& e) {
    // yaml-cpp reports misuse of a node (it should not happen after the checks above) with a
    // mark; keep the promise that every failure names a position.
    const SourcePos pos{file_name, e.mark.is_null() ? 1 : e.mark.line + 1,
                        e.mark.is_null() ? 1 : e.mark.column + 1};
    throw ScenarioError(pos, e.msg);
  }
}

Scenario load_scenario_file(const std::string& path,
                            const std::vector<ScenarioOverride>& overrides) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    throw ScenarioError(SourcePos{path}, "cannot open the scenario: no such file");
  }
  if (fs::is_directory(status)) {
    throw ScenarioError(SourcePos{path}, "cannot open the scenario: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ScenarioError(SourcePos{path},
                        std::string("cannot open the scenario: ") + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ScenarioError(SourcePos{path},
                        std::string("cannot read the scenario: ") + std::strerror(errno));
  }
  return parse_scenario(text.str(), path, overrides);
}

}  // namespace iosim::sim
