#include "sim/export_json.h"

#include <nlohmann/json.hpp>

namespace iosim::sim {
namespace {

using Json = nlohmann::ordered_json;

/// Fields of each payload, in the order docs/trace-format.md lists them.
struct PayloadFields {
  Json& j;
  void operator()(const trace::RegionDecl& r) const {
    j["name"] = r.name;
    j["layer"] = trace::to_string(r.layer);
    j["label"] = r.label;
  }
  void operator()(const trace::Copy& c) const {
    j["copy_id"] = c.copy_id;
    j["engine"] = trace::to_string(c.engine);
    j["from"] = c.from;
    j["to"] = c.to;
    j["bytes"] = c.bytes;
  }
  void operator()(const trace::Descriptor& d) const {
    j["from"] = d.from;
    j["to"] = d.to;
    j["bytes"] = d.bytes;
    j["fragments"] = d.fragments;
    j["what"] = d.what;
  }
  void operator()(const trace::ModeSwitch& m) const {
    j["cpu"] = m.cpu;
    j["process"] = m.process;
    j["to_kernel"] = m.to_kernel;
    j["cause"] = m.cause;
  }
  void operator()(const trace::ContextSwitch& c) const {
    j["cpu"] = c.cpu;
    j["from"] = c.from;
    j["to"] = c.to;
    j["reason"] = c.reason;
  }
  void operator()(const trace::Syscall& s) const {
    j["process"] = s.process;
    j["name"] = s.name;
    j["args"] = s.args;
    j["result"] = s.result;
    j["error"] = s.error;
  }
  void operator()(const trace::Interrupt& i) const {
    j["line"] = i.line;
    j["device"] = i.device;
    j["handler_start"] = i.handler_start;
  }
  void operator()(const trace::DeviceActivity& d) const {
    j["device"] = d.device;
    j["phase"] = d.phase;
    j["detail"] = d.detail;
  }
  void operator()(const trace::BusTenure& b) const {
    j["initiator"] = b.initiator;
    j["transactions"] = b.transactions;
    j["bytes"] = b.bytes;
    j["busy"] = b.busy;
    j["stall"] = b.stall;
  }
  void operator()(const trace::CpuInterval& c) const {
    j["cpu"] = c.cpu;
    j["process"] = c.process;
    j["state"] = trace::to_string(c.state);
    j["stall"] = c.stall;
  }
  void operator()(const trace::Narration& n) const { j["text"] = n.text; }
  void operator()(const trace::Verification& v) const {
    j["what"] = v.what;
    j["bytes"] = v.bytes;
    j["mismatched"] = v.mismatched;
  }
  void operator()(const trace::Readahead& r) const {
    j["file"] = r.file;
    j["start_page"] = r.start;
    j["pages"] = r.pages;
    j["bytes"] = r.bytes;
    j["async"] = r.async;
    j["marker"] = r.marker;
  }
  void operator()(const trace::CacheAccess& c) const {
    j["process"] = c.process;
    j["file"] = c.file;
    j["first_page"] = c.first;
    j["pages"] = c.pages;
    j["hits"] = c.hits;
    j["misses"] = c.misses;
    j["resident"] = c.resident;
    j["active"] = c.active;
  }
  void operator()(const trace::Eviction& e) const {
    j["file"] = e.file;
    j["pages"] = e.pages;
  }
  void operator()(const trace::DirtyState& d) const {
    j["dirty_bytes"] = d.dirty_bytes;
    j["writeback_bytes"] = d.writeback_bytes;
    j["background_bytes"] = d.background_bytes;
    j["limit_bytes"] = d.limit_bytes;
  }
  void operator()(const trace::Writeback& w) const {
    j["file"] = w.file;
    j["first_page"] = w.first;
    j["pages"] = w.pages;
    j["bytes"] = w.bytes;
    j["reason"] = w.reason;
  }
  void operator()(const trace::Throttle& t) const {
    j["process"] = t.process;
    j["dirty_bytes"] = t.dirty_bytes;
    j["pos_ratio"] = t.pos_ratio;
  }
  void operator()(const trace::Durable& d) const {
    j["file"] = d.file;
    j["bytes"] = d.bytes;
    j["how"] = d.how;
  }
  void operator()(const trace::Crash& c) const {
    j["kind"] = c.kind;
    j["lost_application"] = c.lost_application;
    j["lost_page_cache"] = c.lost_page_cache;
    j["lost_disk_cache"] = c.lost_disk_cache;
    j["durable_bytes"] = c.durable_bytes;
    j["durable_lost"] = c.durable_lost;
  }
  void operator()(const trace::Loss& l) const {
    j["file"] = l.file;
    j["layer"] = l.layer;
    j["offset"] = l.offset;
    j["bytes"] = l.bytes;
  }
  void operator()(const trace::PageFault& f) const {
    j["process"] = f.process;
    j["file"] = f.file;
    j["page"] = f.page;
    j["kind"] = f.kind;
    j["mapped"] = f.mapped;
  }
};

Json record_to_json(const trace::Record& r) {
  Json j;
  j["type"] = record_type(r.data);
  j["start"] = r.start;
  j["end"] = r.end;
  j["actor"] = r.actor;
  j["step"] = r.step;
  std::visit(PayloadFields{j}, r.data);
  return j;
}

Json metric_to_json(const MetricValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const double* d = std::get_if<double>(&v)) return *d;
  return std::get<std::int64_t>(v);
}

/// Compact, and invalid UTF-8 from a model's strings replaced rather than thrown on.
std::string dump_compact(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string dump_metrics_object(const Metrics& metrics, const std::string& indent) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : metrics) {
    out += first ? "\n" : ",\n";
    first = false;
    out += indent + "  " + dump_compact(Json(key)) + ": " + dump_compact(metric_to_json(value));
  }
  out += first ? "}" : "\n" + indent + "}";
  return out;
}

}  // namespace

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

const char* record_type(const trace::Payload& payload) {
  struct Namer {
    const char* operator()(const trace::RegionDecl&) const { return "region"; }
    const char* operator()(const trace::Copy&) const { return "copy"; }
    const char* operator()(const trace::Descriptor&) const { return "descriptor"; }
    const char* operator()(const trace::ModeSwitch&) const { return "mode_switch"; }
    const char* operator()(const trace::ContextSwitch&) const { return "context_switch"; }
    const char* operator()(const trace::Syscall&) const { return "syscall"; }
    const char* operator()(const trace::Interrupt&) const { return "interrupt"; }
    const char* operator()(const trace::DeviceActivity&) const { return "device"; }
    const char* operator()(const trace::BusTenure&) const { return "bus"; }
    const char* operator()(const trace::CpuInterval&) const { return "cpu"; }
    const char* operator()(const trace::Narration&) const { return "narration"; }
    const char* operator()(const trace::Verification&) const { return "verification"; }
    const char* operator()(const trace::Readahead&) const { return "readahead"; }
    const char* operator()(const trace::CacheAccess&) const { return "cache_access"; }
    const char* operator()(const trace::Eviction&) const { return "eviction"; }
    const char* operator()(const trace::DirtyState&) const { return "dirty_state"; }
    const char* operator()(const trace::Writeback&) const { return "writeback"; }
    const char* operator()(const trace::Throttle&) const { return "throttle"; }
    const char* operator()(const trace::Durable&) const { return "durable"; }
    const char* operator()(const trace::Crash&) const { return "crash"; }
    const char* operator()(const trace::Loss&) const { return "loss"; }
    const char* operator()(const trace::PageFault&) const { return "page_fault"; }
  };
  return std::visit(Namer{}, payload);
}

std::string trace_to_json(const TraceScenarioInfo& scenario, Picoseconds end_time,
                          const std::vector<trace::Record>& records, const Metrics& metrics) {
  Json info;
  info["title"] = scenario.title;
  info["file"] = scenario.file;
  info["seed"] = scenario.seed;

  // Hand-assembled rather than dump(2) of one object: one record per line keeps a large trace
  // readable, diffable and quick to scan, and it is still plain JSON.
  std::string out = "{\n";
  out += "  \"format\": " + dump_compact(Json(kTraceFormatName)) + ",\n";
  out += "  \"version\": " + std::to_string(kTraceFormatVersion) + ",\n";
  out += "  \"time_unit\": \"ps\",\n";
  out += "  \"scenario\": " + dump_compact(info) + ",\n";
  out += "  \"end_time\": " + std::to_string(end_time) + ",\n";
  out += "  \"regions\": [";
  bool first = true;
  for (const trace::Record& r : records) {
    const auto* region = std::get_if<trace::RegionDecl>(&r.data);
    if (region == nullptr) continue;
    Json j;
    PayloadFields{j}(*region);
    out += (first ? "\n    " : ",\n    ") + dump_compact(j);
    first = false;
  }
  out += first ? "],\n" : "\n  ],\n";
  out += "  \"records\": [";
  first = true;
  for (const trace::Record& r : records) {
    out += (first ? "\n    " : ",\n    ") + dump_compact(record_to_json(r));
    first = false;
  }
  out += first ? "],\n" : "\n  ],\n";
  out += "  \"metrics\": " + dump_metrics_object(metrics, "  ") + "\n";
  out += "}\n";
  return out;
}

std::string metrics_to_json(const Metrics& metrics) {
  return dump_metrics_object(metrics, "") + "\n";
}

std::string metrics_to_csv(const Metrics& metrics) {
  std::string out = "metric,value\n";
  for (const auto& [key, value] : metrics) {
    out += csv_field(key) + "," + format_metric_plain(value) + "\n";
  }
  return out;
}

}  // namespace iosim::sim
