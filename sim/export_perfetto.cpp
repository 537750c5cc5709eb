#include "sim/export_perfetto.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <tuple>

#include <nlohmann/json.hpp>

namespace iosim::sim {
namespace {

using Json = nlohmann::ordered_json;

/// The groups of tracks, in the order the viewer shows them. Each is one "process" of the Trace
/// Event Format (pid = position + 1); its tracks are its "threads".
enum class Group {
  cpus,
  processes,
  interrupts,
  devices,
  dma_channels,
  bus,
  copies,
  page_cache,
  lecture,
  other,
};
constexpr const char* kGroupNames[] = {"CPUs", "Processes", "Interrupts", "Devices", "DMA channels",
                                       "Bus",  "Copies",    "Page cache", "Lecture", "Other"};
constexpr int kGroupCount = sizeof(kGroupNames) / sizeof(kGroupNames[0]);

int pid_of(Group group) {
  return static_cast<int>(group) + 1;
}

/// One event before it is placed on a thread: `lane` is chosen later, because complete events
/// that overlap without nesting cannot share a thread (the viewers would drop or mis-nest them).
struct Event {
  char phase = 'X';  // 'X' complete, 'i' instant, 'C' counter
  Picoseconds ts = 0;
  Picoseconds dur = 0;
  Group group = Group::lecture;
  std::string track;  // the thread's name in its group; empty for a counter
  std::string name;
  const char* category = "";
  Json args = Json::object();
  int lane = 0;
  char scope = 't';  // an instant's scope: 't' its thread, 'g' the whole trace
  // Copies only: the flow arrow that links the records of one logical copy.
  std::uint64_t flow_id = 0;
  bool flow_start = false;
  bool flow_end = false;
};

/// "cpu2" before "cpu10": digit runs compare as numbers, so tracks come in the order people count.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool digit_a = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
    const bool digit_b = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (digit_a && digit_b) {
      std::size_t end_a = i, end_b = j;
      while (end_a < a.size() && std::isdigit(static_cast<unsigned char>(a[end_a]))) ++end_a;
      while (end_b < b.size() && std::isdigit(static_cast<unsigned char>(b[end_b]))) ++end_b;
      // Without leading zeros, the longer run is the larger number.
      std::size_t start_a = i, start_b = j;
      while (start_a + 1 < end_a && a[start_a] == '0') ++start_a;
      while (start_b + 1 < end_b && b[start_b] == '0') ++start_b;
      const std::string run_a = a.substr(start_a, end_a - start_a);
      const std::string run_b = b.substr(start_b, end_b - start_b);
      if (run_a.size() != run_b.size()) return run_a.size() < run_b.size();
      if (run_a != run_b) return run_a < run_b;
      i = end_a;
      j = end_b;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;  // equal as numbers ("01" and "1"): any fixed order
}

struct TrackKey {
  Group group;
  std::string track;
  int lane;
  bool operator<(const TrackKey& other) const {
    if (group != other.group) return group < other.group;
    if (track != other.track) return natural_less(track, other.track);
    return lane < other.lane;
  }
};

std::string with_fallback(const std::string& name, const std::string& fallback) {
  return name.empty() ? fallback : name;
}

/// Maps each record to its events.
class EventBuilder {
 public:
  EventBuilder(std::vector<Event>& events, std::vector<Event>& counters)
      : events_(events), counters_(counters) {}

  void add(const trace::Record& r) {
    record_ = &r;
    std::visit(*this, r.data);
  }

  void operator()(const trace::RegionDecl&) {}  // a place, not something that happens
  void operator()(const trace::Copy& c) {
    Event& e = complete(Group::copies, with_fallback(record_->actor, trace::to_string(c.engine)),
                        "copy " + std::to_string(c.copy_id), "copy");
    e.args["copy_id"] = c.copy_id;
    e.args["engine"] = trace::to_string(c.engine);
    e.args["from"] = c.from;
    e.args["to"] = c.to;
    e.args["bytes"] = c.bytes;
    finish(e);
  }
  void operator()(const trace::Descriptor& d) {
    Event& e = instant(Group::copies, with_fallback(record_->actor, "descriptors"),
                       "descriptor: " + d.what, "descriptor");
    e.args["from"] = d.from;
    e.args["to"] = d.to;
    e.args["bytes"] = d.bytes;
    e.args["fragments"] = d.fragments;
    e.args["cost_ps"] = record_->end - record_->start;
    finish(e);
  }
  void operator()(const trace::ModeSwitch& m) {
    Event& e =
        instant(Group::cpus, with_fallback(m.cpu, record_->actor),
                m.to_kernel ? "mode switch to kernel" : "mode switch to user", "mode_switch");
    e.args["cause"] = m.cause;
    e.args["process"] = m.process;
    e.args["cost_ps"] = record_->end - record_->start;
    finish(e);
  }
  void operator()(const trace::ContextSwitch& c) {
    Event& e = instant(Group::cpus, with_fallback(c.cpu, record_->actor),
                       "context switch " + c.from + " -> " + c.to, "context_switch");
    e.args["from"] = c.from;
    e.args["to"] = c.to;
    e.args["reason"] = c.reason;
    e.args["cost_ps"] = record_->end - record_->start;
    finish(e);
  }
  void operator()(const trace::Syscall& s) {
    Event& e =
        complete(Group::processes, with_fallback(s.process, record_->actor), s.name, "syscall");
    e.args["args"] = s.args;
    e.args["result"] = s.result;
    e.args["error"] = s.error;
    finish(e);
  }
  void operator()(const trace::Interrupt& i) {
    Event& e = complete(Group::interrupts, "irq " + std::to_string(i.line) + " " + i.device,
                        "irq " + std::to_string(i.line), "interrupt");
    e.args["line"] = i.line;
    e.args["device"] = i.device;
    e.args["handler_start_ps"] = i.handler_start;
    e.args["latency_ps"] =
        i.handler_start >= record_->start ? i.handler_start - record_->start : Picoseconds{0};
    finish(e);
  }
  void operator()(const trace::DeviceActivity& d) {
    // A DMA controller reports each channel as a device of its own ("dma0.ch1").
    const bool dma_channel = d.device.rfind("dma", 0) == 0;
    Event& e = complete(dma_channel ? Group::dma_channels : Group::devices,
                        with_fallback(d.device, record_->actor), d.phase, "device");
    e.args["detail"] = d.detail;
    finish(e);
  }
  void operator()(const trace::BusTenure& b) {
    Event& e = complete(Group::bus, with_fallback(b.initiator, record_->actor),
                        "held by " + b.initiator, "bus");
    e.args["transactions"] = b.transactions;
    e.args["bytes"] = b.bytes;
    e.args["busy_ps"] = b.busy;
    e.args["stall_ps"] = b.stall;
    finish(e);
  }
  void operator()(const trace::CpuInterval& c) {
    Event& e = complete(Group::cpus, with_fallback(c.cpu, record_->actor),
                        trace::to_string(c.state), "cpu");
    e.args["process"] = c.process;
    e.args["stall_ps"] = c.stall;
    finish(e);
    if (c.process.empty()) return;
    // The same interval on the process's track, so that every process has one, showing when it
    // ran and where (its system calls nest around its kernel time).
    Event& mine = complete(Group::processes, c.process, trace::to_string(c.state), "cpu");
    mine.args["cpu"] = with_fallback(c.cpu, record_->actor);
    mine.args["stall_ps"] = c.stall;
    finish(mine);
  }
  void operator()(const trace::Narration& n) {
    Event& e =
        complete(Group::lecture, "steps", with_fallback(record_->step, "narration"), "narration");
    e.args["text"] = n.text;
    finish(e);
  }
  void operator()(const trace::Verification& v) {
    Event& e = instant(Group::lecture, "checks", v.mismatched == 0 ? "verified" : "mismatch",
                       "verification");
    e.args["what"] = v.what;
    e.args["bytes"] = v.bytes;
    e.args["mismatched"] = v.mismatched;
    finish(e);
  }
  void operator()(const trace::Readahead& r) {
    Event& e = complete(Group::page_cache, with_fallback(r.file, "readahead"),
                        r.async ? "async readahead" : "readahead", "readahead");
    e.args["file"] = r.file;
    e.args["start_page"] = r.start;
    e.args["pages"] = r.pages;
    e.args["bytes"] = r.bytes;
    e.args["marker"] = r.marker;
    finish(e);
  }
  void operator()(const trace::CacheAccess& c) {
    Event& e = complete(Group::processes, with_fallback(c.process, record_->actor),
                        "page cache lookup", "cache_access");
    e.args["file"] = c.file;
    e.args["first_page"] = c.first;
    e.args["pages"] = c.pages;
    e.args["hits"] = c.hits;
    e.args["misses"] = c.misses;
    e.args["resident"] = c.resident;
    e.args["active"] = c.active;
    finish(e);
  }
  /// A record type added to the trace after this export: shown by its type on its actor's track
  /// rather than dropped, until it gets a place of its own here.
  template <class Payload>
  void operator()(const Payload&) {
    Event& e = complete(Group::other, record_->actor, record_type(record_->data), "other");
    finish(e);
  }
  void operator()(const trace::Eviction& v) {
    Event& e =
        instant(Group::page_cache, with_fallback(v.file, "eviction"), "eviction", "eviction");
    e.args["file"] = v.file;
    e.args["pages"] = v.pages;
    finish(e);
  }
  void operator()(const trace::DirtyState& d) {
    counter(Group::page_cache, "dirty bytes", "dirty_state", d.dirty_bytes);
    counter(Group::page_cache, "writeback bytes", "dirty_state", d.writeback_bytes);
  }
  void operator()(const trace::Writeback& w) {
    // On the track of the process that submitted it: the writer (sync, direct) or the flusher.
    Event& e = instant(Group::processes, with_fallback(record_->actor, "writeback"),
                       "writeback (" + w.reason + ")", "writeback");
    e.args["file"] = w.file;
    e.args["first_page"] = w.first;
    e.args["pages"] = w.pages;
    e.args["bytes"] = w.bytes;
    e.args["reason"] = w.reason;
    finish(e);
  }
  void operator()(const trace::Throttle& t) {
    Event& e = complete(Group::processes, with_fallback(t.process, record_->actor), "throttled",
                        "throttle");
    e.args["dirty_bytes"] = t.dirty_bytes;
    e.args["pos_ratio"] = t.pos_ratio;
    finish(e);
  }
  void operator()(const trace::Durable& d) {
    Event& e = instant(Group::page_cache, with_fallback(d.file, "durable"),
                       "durable (" + d.how + ")", "durable");
    e.args["file"] = d.file;
    e.args["bytes"] = d.bytes;
    e.args["how"] = d.how;
    finish(e);
  }
  void operator()(const trace::Crash& c) {
    Event& e = instant(Group::lecture, "crash", "crash: " + c.kind, "crash");
    e.scope = 'g';  // a line across every track
    e.args["kind"] = c.kind;
    e.args["lost_application"] = c.lost_application;
    e.args["lost_page_cache"] = c.lost_page_cache;
    e.args["lost_disk_cache"] = c.lost_disk_cache;
    e.args["durable_bytes"] = c.durable_bytes;
    e.args["durable_lost"] = c.durable_lost;
    finish(e);
  }
  void operator()(const trace::Loss& l) {
    Event& e = instant(Group::lecture, "crash", "lost (" + l.layer + ")", "loss");
    e.args["file"] = l.file;
    e.args["layer"] = l.layer;
    e.args["offset"] = l.offset;
    e.args["bytes"] = l.bytes;
    finish(e);
  }
  void operator()(const trace::PageFault& f) {
    // On the faulting process's track, inside the cpu interval of its exception.
    Event& e = instant(Group::processes, with_fallback(f.process, record_->actor),
                       "page fault (" + f.kind + ")", "page_fault");
    e.args["file"] = f.file;
    e.args["page"] = f.page;
    e.args["kind"] = f.kind;
    e.args["mapped"] = f.mapped;
    e.args["fault_ps"] = record_->end - record_->start;  // the exception, entry to return
    finish(e);
  }

 private:
  Event& push(char phase, Group group, std::string track, std::string name, const char* category) {
    Event e;
    e.phase = phase;
    e.ts = record_->start;
    e.dur = phase == 'X' && record_->end > record_->start ? record_->end - record_->start : 0;
    e.group = group;
    // A track needs a name to be told apart; a record without one still gets a track.
    e.track = with_fallback(track, "(unnamed)");
    e.name = std::move(name);
    e.category = category;
    events_.push_back(std::move(e));
    return events_.back();
  }
  Event& complete(Group group, std::string track, std::string name, const char* category) {
    return push('X', group, std::move(track), std::move(name), category);
  }
  Event& instant(Group group, std::string track, std::string name, const char* category) {
    return push('i', group, std::move(track), std::move(name), category);
  }
  /// A counter sample (a value of a "process"-wide counter track named `name`) at the record's
  /// start.
  void counter(Group group, const char* name, const char* category, std::uint64_t value) {
    Event e;
    e.phase = 'C';
    e.ts = record_->start;
    e.group = group;
    e.name = name;
    e.category = category;
    e.args["bytes"] = value;
    counters_.push_back(std::move(e));
  }
  /// The fields every record has, after the type's own.
  void finish(Event& e) const {
    if (!record_->actor.empty()) e.args["actor"] = record_->actor;
    if (!record_->step.empty()) e.args["step"] = record_->step;
  }

  std::vector<Event>& events_;
  std::vector<Event>& counters_;
  const trace::Record* record_ = nullptr;
};

/// Puts each complete event on the first lane of its track where it either follows everything
/// or nests inside the innermost open event, which is what the viewers can draw.
void assign_lanes(std::vector<Event>& events) {
  // Per (group, track): one stack of open end times per lane.
  std::map<std::pair<Group, std::string>, std::vector<std::vector<Picoseconds>>> lanes;
  for (Event& e : events) {
    if (e.phase != 'X') continue;
    auto& stacks = lanes[{e.group, e.track}];
    const Picoseconds end = e.ts + e.dur;
    std::size_t lane = 0;
    for (; lane < stacks.size(); ++lane) {
      std::vector<Picoseconds>& open = stacks[lane];
      while (!open.empty() && open.back() <= e.ts) open.pop_back();
      if (open.empty() || open.back() >= end) break;
    }
    if (lane == stacks.size()) stacks.emplace_back();
    stacks[lane].push_back(end);
    e.lane = static_cast<int>(lane);
  }
}

/// Links the first and the last record of a logical copy that has several (a DMA copy reported
/// per block): the viewer draws an arrow from one to the other.
void mark_copy_flows(std::vector<Event>& events) {
  std::map<std::uint64_t, std::pair<std::size_t, std::size_t>> first_and_last;
  std::map<std::uint64_t, std::size_t> count;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    if (e.phase != 'X' || std::string(e.category) != "copy") continue;
    const std::uint64_t id = e.args["copy_id"].get<std::uint64_t>();
    auto [it, inserted] = first_and_last.try_emplace(id, i, i);
    if (!inserted) it->second.second = i;
    ++count[id];
  }
  for (const auto& [id, range] : first_and_last) {
    if (count[id] < 2) continue;
    events[range.first].flow_id = id;
    events[range.first].flow_start = true;
    events[range.second].flow_id = id;
    events[range.second].flow_end = true;
  }
}

/// Counters: bytes each copy engine has moved so far, stepping up when each copy record ends.
std::vector<Event> copy_counters(const std::vector<trace::Record>& records) {
  std::vector<const trace::Record*> copies;
  for (const trace::Record& r : records) {
    if (std::holds_alternative<trace::Copy>(r.data)) copies.push_back(&r);
  }
  std::stable_sort(copies.begin(), copies.end(),
                   [](const trace::Record* a, const trace::Record* b) { return a->end < b->end; });
  std::map<std::string, std::uint64_t> moved;
  std::vector<Event> counters;
  for (const trace::Record* r : copies) {
    const auto& c = std::get<trace::Copy>(r->data);
    const std::string engine = trace::to_string(c.engine);
    std::uint64_t& total = moved[engine];
    total += c.bytes;
    Event e;
    e.phase = 'C';
    e.ts = r->end;
    e.group = Group::copies;
    e.name = "bytes copied by " + engine;
    e.category = "copy";
    e.args["bytes"] = total;
    counters.push_back(std::move(e));
  }
  return counters;
}

/// Compact, and invalid UTF-8 from a model's strings replaced rather than thrown on.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string metadata(const char* what, int pid, int tid, const char* key, const Json& value) {
  Json args;
  args[key] = value;
  return "{\"name\":\"" + std::string(what) + "\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
         ",\"tid\":" + std::to_string(tid) + ",\"args\":" + dump(args) + "}";
}

Json metric_value(const MetricValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const double* d = std::get_if<double>(&v)) return *d;
  return std::get<std::int64_t>(v);
}

}  // namespace

std::string chrome_microseconds(Picoseconds ps) {
  std::string out = std::to_string(ps / 1000000);
  const Picoseconds fraction = ps % 1000000;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 6 - digits.size(), '0');
  digits.erase(digits.find_last_not_of('0') + 1);
  return out + "." + digits;
}

std::string trace_to_chrome_json(const TraceScenarioInfo& scenario, Picoseconds end_time,
                                 const std::vector<trace::Record>& records,
                                 const Metrics& metrics) {
  std::vector<Event> events;
  events.reserve(records.size());
  std::vector<Event> record_counters;  // counters of records (dirty memory)
  EventBuilder builder(events, record_counters);
  for (const trace::Record& r : records) builder.add(r);
  // Chronological, which lane assignment needs and which makes the file readable; of events that
  // start together the longer comes first, so that the shorter can nest inside it. Otherwise
  // records keep their order (causes before effects).
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.dur > b.dur;
  });
  assign_lanes(events);
  mark_copy_flows(events);
  std::vector<Event> counters = copy_counters(records);
  counters.insert(counters.end(), record_counters.begin(), record_counters.end());

  // Thread ids in display order: groups, then tracks by name, then lanes.
  std::map<TrackKey, int> tids;
  for (const Event& e : events) tids.emplace(TrackKey{e.group, e.track, e.lane}, 0);
  int next_tid = 1;
  for (auto& [key, tid] : tids) tid = next_tid++;
  bool group_used[kGroupCount] = {};
  for (const auto& [key, tid] : tids) group_used[static_cast<int>(key.group)] = true;
  for (const Event& e : counters) group_used[static_cast<int>(e.group)] = true;

  std::vector<std::string> lines;
  for (int g = 0; g < kGroupCount; ++g) {
    if (!group_used[g]) continue;
    lines.push_back(metadata("process_name", g + 1, 0, "name", kGroupNames[g]));
    lines.push_back(metadata("process_sort_index", g + 1, 0, "sort_index", g + 1));
  }
  for (const auto& [key, tid] : tids) {
    const std::string name =
        key.lane == 0 ? key.track : key.track + " (" + std::to_string(key.lane + 1) + ")";
    lines.push_back(metadata("thread_name", pid_of(key.group), tid, "name", name));
    lines.push_back(metadata("thread_sort_index", pid_of(key.group), tid, "sort_index", tid));
  }

  // Counters go in with the other events, in time order (after the events of the same time).
  std::vector<const Event*> ordered;
  for (const Event& e : events) ordered.push_back(&e);
  for (const Event& e : counters) ordered.push_back(&e);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Event* a, const Event* b) { return a->ts < b->ts; });
  for (const Event* e : ordered) {
    const std::string pid = std::to_string(pid_of(e->group));
    const std::string head = "{\"name\":" + dump(Json(e->name)) + ",\"cat\":\"" + e->category +
                             "\",\"ph\":\"" + e->phase + "\",\"ts\":" + chrome_microseconds(e->ts);
    if (e->phase == 'C') {
      lines.push_back(head + ",\"pid\":" + pid + ",\"args\":" + dump(e->args) + "}");
      continue;
    }
    const std::string tid = std::to_string(tids.at(TrackKey{e->group, e->track, e->lane}));
    std::string line = head;
    if (e->phase == 'X') line += ",\"dur\":" + chrome_microseconds(e->dur);
    if (e->phase == 'i') line += std::string(",\"s\":\"") + e->scope + "\"";
    line += ",\"pid\":" + pid + ",\"tid\":" + tid + ",\"args\":" + dump(e->args) + "}";
    lines.push_back(std::move(line));
    // A flow binds to the slice that encloses its timestamp on its thread: this record's.
    const std::string flow_tail = ",\"id\":" + std::to_string(e->flow_id) +
                                  ",\"ts\":" + chrome_microseconds(e->ts) + ",\"pid\":" + pid +
                                  ",\"tid\":" + tid;
    const std::string flow_name = dump(Json(e->name));
    if (e->flow_start) {
      lines.push_back("{\"name\":" + flow_name + ",\"cat\":\"copy\",\"ph\":\"s\"" + flow_tail +
                      "}");
    }
    if (e->flow_end) {
      lines.push_back("{\"name\":" + flow_name + ",\"cat\":\"copy\",\"ph\":\"f\",\"bp\":\"e\"" +
                      flow_tail + "}");
    }
  }

  Json other;
  other["generator"] = "iosim";
  other["title"] = scenario.title;
  other["file"] = scenario.file;
  other["seed"] = scenario.seed;
  other["end_time_ps"] = end_time;
  Json metric_object = Json::object();
  for (const auto& [key, value] : metrics) metric_object[key] = metric_value(value);
  other["metrics"] = metric_object;

  std::string out =
      "{\n\"displayTimeUnit\": \"ns\",\n\"otherData\": " + dump(other) + ",\n\"traceEvents\": [";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += (i == 0 ? "\n" : ",\n") + lines[i];
  }
  out += lines.empty() ? "]\n}\n" : "\n]\n}\n";
  return out;
}

}  // namespace iosim::sim
