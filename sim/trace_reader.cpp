#include "sim/trace_reader.h"

#include <initializer_list>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sim/file_output.h"

namespace iosim::sim {
namespace {

using Json = nlohmann::json;

/// Line and column (from 1) of byte offset `offset` (from 0) in `text`.
SourcePos position_of(const std::string& text, std::size_t offset, const std::string& name) {
  offset = std::min(offset, text.size());
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return SourcePos{name, line, static_cast<int>(offset - line_start) + 1};
}

/// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
/// column 2: " prefix (the position is ours).
std::string bare_parse_message(const std::string& what) {
  const std::size_t column = what.find("column ");
  if (column != std::string::npos) {
    const std::size_t colon = what.find(": ", column);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  const std::size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& message) const {
    throw TraceError(SourcePos{name_}, (where.empty() ? "" : where + ": ") + message);
  }

  const Json& field(const Json& object, const char* key, const std::string& where) const {
    if (!object.is_object()) fail(where, "expected an object");
    const auto it = object.find(key);
    if (it == object.end()) fail(where, std::string("missing field '") + key + "'");
    return *it;
  }
  std::string text(const Json& object, const char* key, const std::string& where) const {
    const Json& v = field(object, key, where);
    if (!v.is_string()) fail(where, std::string("field '") + key + "' must be a string");
    return v.get<std::string>();
  }
  std::uint64_t unsigned_number(const Json& object, const char* key,
                                const std::string& where) const {
    const Json& v = field(object, key, where);
    if (!v.is_number_unsigned()) {
      fail(where, std::string("field '") + key + "' must be a whole number >= 0");
    }
    return v.get<std::uint64_t>();
  }
  std::int64_t signed_number(const Json& object, const char* key, const std::string& where) const {
    const Json& v = field(object, key, where);
    if (!v.is_number_integer()) fail(where, std::string("field '") + key + "' must be an integer");
    if (v.is_number_unsigned() &&
        v.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(where, std::string("field '") + key + "' is out of range");
    }
    return v.get<std::int64_t>();
  }
  /// A string field that must be one of `names`.
  std::string one_of(const Json& object, const char* key, const std::string& where,
                     std::initializer_list<const char*> names) const {
    const std::string name = text(object, key, where);
    for (const char* n : names) {
      if (name == n) return name;
    }
    fail(where, std::string("field '") + key + "' has an unknown value '" + name + "'");
  }
  double real_number(const Json& object, const char* key, const std::string& where) const {
    const Json& v = field(object, key, where);
    if (!v.is_number()) fail(where, std::string("field '") + key + "' must be a number");
    return v.get<double>();
  }
  bool flag(const Json& object, const char* key, const std::string& where) const {
    const Json& v = field(object, key, where);
    if (!v.is_boolean()) fail(where, std::string("field '") + key + "' must be true or false");
    return v.get<bool>();
  }
  template <class Enum, std::size_t N>
  Enum enumeration(const Json& object, const char* key, const std::string& where,
                   const Enum (&values)[N]) const {
    const std::string name = text(object, key, where);
    for (Enum e : values) {
      if (name == trace::to_string(e)) return e;
    }
    fail(where, std::string("field '") + key + "' has an unknown value '" + name + "'");
  }

  trace::RegionDecl region(const Json& j, const std::string& where) const {
    static constexpr trace::Layer kLayers[] = {trace::Layer::user, trace::Layer::kernel,
                                               trace::Layer::hardware};
    return trace::RegionDecl{text(j, "name", where), enumeration(j, "layer", where, kLayers),
                             text(j, "label", where)};
  }

  /// The payload of a record of `type`; false for a type this reader does not know.
  bool payload(const std::string& type, const Json& j, const std::string& where,
               trace::Payload& out) const {
    static constexpr trace::Engine kEngines[] = {trace::Engine::cpu, trace::Engine::dma,
                                                 trace::Engine::channel, trace::Engine::nic,
                                                 trace::Engine::disk};
    static constexpr trace::CpuState kStates[] = {trace::CpuState::idle, trace::CpuState::user,
                                                  trace::CpuState::kernel, trace::CpuState::irq};
    if (type == "region") {
      out = region(j, where);
    } else if (type == "copy") {
      out = trace::Copy{unsigned_number(j, "copy_id", where),
                        enumeration(j, "engine", where, kEngines), text(j, "from", where),
                        text(j, "to", where), unsigned_number(j, "bytes", where)};
    } else if (type == "descriptor") {
      out = trace::Descriptor{text(j, "from", where), text(j, "to", where),
                              unsigned_number(j, "bytes", where),
                              unsigned_number(j, "fragments", where), text(j, "what", where)};
    } else if (type == "mode_switch") {
      out = trace::ModeSwitch{text(j, "cpu", where), text(j, "process", where),
                              flag(j, "to_kernel", where), text(j, "cause", where)};
    } else if (type == "context_switch") {
      out = trace::ContextSwitch{text(j, "cpu", where), text(j, "from", where),
                                 text(j, "to", where), text(j, "reason", where)};
    } else if (type == "syscall") {
      out =
          trace::Syscall{text(j, "process", where), text(j, "name", where), text(j, "args", where),
                         signed_number(j, "result", where), text(j, "error", where)};
    } else if (type == "interrupt") {
      const std::int64_t line = signed_number(j, "line", where);
      if (line < std::numeric_limits<int>::min() || line > std::numeric_limits<int>::max()) {
        fail(where, "field 'line' is out of range");
      }
      out = trace::Interrupt{static_cast<int>(line), text(j, "device", where),
                             unsigned_number(j, "handler_start", where)};
    } else if (type == "device") {
      out = trace::DeviceActivity{text(j, "device", where), text(j, "phase", where),
                                  text(j, "detail", where)};
    } else if (type == "bus") {
      out = trace::BusTenure{text(j, "initiator", where), unsigned_number(j, "transactions", where),
                             unsigned_number(j, "bytes", where), unsigned_number(j, "busy", where),
                             unsigned_number(j, "stall", where)};
    } else if (type == "cpu") {
      out = trace::CpuInterval{text(j, "cpu", where), text(j, "process", where),
                               enumeration(j, "state", where, kStates),
                               unsigned_number(j, "stall", where)};
    } else if (type == "narration") {
      out = trace::Narration{text(j, "text", where)};
    } else if (type == "verification") {
      out = trace::Verification{text(j, "what", where), unsigned_number(j, "bytes", where),
                                unsigned_number(j, "mismatched", where)};
    } else if (type == "readahead") {
      out = trace::Readahead{text(j, "file", where),
                             unsigned_number(j, "start_page", where),
                             unsigned_number(j, "pages", where),
                             unsigned_number(j, "bytes", where),
                             flag(j, "async", where),
                             signed_number(j, "marker", where)};
    } else if (type == "cache_access") {
      out = trace::CacheAccess{text(j, "process", where),
                               text(j, "file", where),
                               unsigned_number(j, "first_page", where),
                               unsigned_number(j, "pages", where),
                               unsigned_number(j, "hits", where),
                               unsigned_number(j, "misses", where),
                               unsigned_number(j, "resident", where),
                               unsigned_number(j, "active", where)};
    } else if (type == "eviction") {
      out = trace::Eviction{text(j, "file", where), unsigned_number(j, "pages", where)};
    } else if (type == "dirty_state") {
      out = trace::DirtyState{
          unsigned_number(j, "dirty_bytes", where), unsigned_number(j, "writeback_bytes", where),
          unsigned_number(j, "background_bytes", where), unsigned_number(j, "limit_bytes", where)};
    } else if (type == "writeback") {
      out = trace::Writeback{text(j, "file", where), unsigned_number(j, "first_page", where),
                             unsigned_number(j, "pages", where), unsigned_number(j, "bytes", where),
                             text(j, "reason", where)};
    } else if (type == "throttle") {
      out = trace::Throttle{text(j, "process", where), unsigned_number(j, "dirty_bytes", where),
                            real_number(j, "pos_ratio", where)};
    } else if (type == "durable") {
      out = trace::Durable{text(j, "file", where), unsigned_number(j, "bytes", where),
                           text(j, "how", where)};
    } else if (type == "crash") {
      out = trace::Crash{one_of(j, "kind", where, {"process", "kernel", "power"}),
                         unsigned_number(j, "lost_application", where),
                         unsigned_number(j, "lost_page_cache", where),
                         unsigned_number(j, "lost_disk_cache", where),
                         unsigned_number(j, "durable_bytes", where),
                         unsigned_number(j, "durable_lost", where)};
    } else if (type == "loss") {
      out = trace::Loss{text(j, "file", where),
                        one_of(j, "layer", where, {"application", "page_cache", "disk_cache"}),
                        unsigned_number(j, "offset", where), unsigned_number(j, "bytes", where)};
    } else if (type == "page_fault") {
      out = trace::PageFault{
          text(j, "process", where), text(j, "file", where), unsigned_number(j, "page", where),
          one_of(j, "kind", where, {"minor", "major", "cow"}), unsigned_number(j, "mapped", where)};
    } else {
      return false;
    }
    return true;
  }

  TraceFile read(const Json& root) const {
    if (!root.is_object()) fail("", "expected a JSON object at the top");
    TraceFile file;
    if (text(root, "format", "") != kTraceFormatName) {
      fail("", std::string("not an iosim trace (\"format\" must be \"") + kTraceFormatName + "\")");
    }
    const Json& version = field(root, "version", "");
    if (!version.is_number_unsigned()) fail("", "\"version\" must be a whole number");
    if (version.get<std::uint64_t>() > static_cast<std::uint64_t>(kTraceFormatVersion)) {
      fail("", "trace format version " + version.dump() + " is newer than this reader (" +
                   std::to_string(kTraceFormatVersion) + "); use a newer iosim");
    }
    file.version = version.get<int>();
    if (text(root, "time_unit", "") != "ps") fail("", "\"time_unit\" must be \"ps\"");

    const Json& scenario = field(root, "scenario", "");
    file.scenario.title = text(scenario, "title", "scenario");
    file.scenario.file = text(scenario, "file", "scenario");
    file.scenario.seed = unsigned_number(scenario, "seed", "scenario");
    file.end_time = unsigned_number(root, "end_time", "");

    const Json& regions = field(root, "regions", "");
    if (!regions.is_array()) fail("regions", "expected an array");
    for (std::size_t i = 0; i < regions.size(); ++i) {
      file.regions.push_back(region(regions[i], "regions[" + std::to_string(i) + "]"));
    }

    const Json& records = field(root, "records", "");
    if (!records.is_array()) fail("records", "expected an array");
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Json& j = records[i];
      const std::string where = "records[" + std::to_string(i) + "]";
      trace::Record r;
      const std::string type = text(j, "type", where);
      r.start = unsigned_number(j, "start", where);
      r.end = unsigned_number(j, "end", where);
      if (r.end < r.start) fail(where, "ends before it starts");
      r.actor = text(j, "actor", where);
      r.step = text(j, "step", where);
      if (!payload(type, j, where + " (" + type + ")", r.data)) continue;
      file.records.push_back(std::move(r));
    }

    file.metrics = metrics(field(root, "metrics", ""), "metrics");
    return file;
  }

  Metrics metrics(const Json& object, const std::string& where) const {
    if (!object.is_object()) fail(where, "expected an object");
    Metrics out;
    for (const auto& [key, value] : object.items()) {
      if (value.is_boolean()) {
        out[key] = value.get<bool>();
      } else if (value.is_number_integer()) {
        out[key] = signed_number(object, key.c_str(), where);
      } else if (value.is_number_float()) {
        out[key] = value.get<double>();
      } else {
        fail(where, "'" + key + "' must be a number or true/false");
      }
    }
    return out;
  }

 private:
  std::string name_;
};

Json parse_json(const std::string& text, const std::string& name) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // e.byte counts from 1 and points at the character that could not be read; past the end
    // for a truncated file.
    const std::size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    throw TraceError(position_of(text, offset, name),
                     "invalid JSON: " + bare_parse_message(e.what()));
  } catch (const Json::out_of_range& e) {
    // Valid syntax but a number no double holds ("1e400": "number overflow parsing '1e400'").
    // The library gives no position; the number's first occurrence is a good one.
    const std::string message = bare_parse_message(e.what());
    const std::size_t quote = message.find('\'');
    const std::string number = quote == std::string::npos
                                   ? std::string()
                                   : message.substr(quote + 1, message.rfind('\'') - quote - 1);
    const std::size_t at = number.empty() ? std::string::npos : text.find(number);
    throw TraceError(at == std::string::npos ? SourcePos{name} : position_of(text, at, name),
                     "invalid JSON: " + message);
  }
}

}  // namespace

TraceFile parse_trace(const std::string& text, const std::string& name) {
  return Reader(name).read(parse_json(text, name));
}

Metrics parse_metrics_json(const std::string& text, const std::string& name) {
  return Reader(name).metrics(parse_json(text, name), "");
}

TraceFile read_trace_file(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const std::runtime_error& e) {
    throw TraceError(SourcePos{path}, e.what());
  }
  return parse_trace(text, path);
}

}  // namespace iosim::sim
