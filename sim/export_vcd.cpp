#include "sim/export_vcd.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace iosim::sim {
namespace {

constexpr int kModeWidth = 2;
// The shortest pulse a waveform can show at a timescale of 1 ps.
constexpr Picoseconds kShortestPulse = 1;  // idle, user, kernel, irq
// VCD identifier codes are strings over the printable characters '!' (33) to '~' (126).
constexpr int kFirstIdChar = 33;
constexpr int kIdChars = 94;

struct Interval {
  Picoseconds start, end;
  int value;
};

struct Signal {
  std::string scope;
  std::string name;
  int width = 1;
  std::vector<Interval> intervals;
  std::string id;
};

int mode_value(trace::CpuState state) {
  switch (state) {
    case trace::CpuState::idle:
      return 0;
    case trace::CpuState::user:
      return 1;
    case trace::CpuState::kernel:
      return 2;
    case trace::CpuState::irq:
      return 3;
  }
  return 0;
}

std::string sanitize(const std::string& name) {
  std::string out;
  for (char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  }
  return out.empty() ? "_" : out;
}

std::string id_code(std::size_t index) {
  std::string id;
  do {
    id += static_cast<char>(kFirstIdChar + index % kIdChars);
    index /= kIdChars;
  } while (index > 0);
  return id;
}

std::string value_text(const Signal& s, int value) {
  if (s.width == 1) return std::to_string(value) + s.id;
  std::string bits;
  for (int bit = s.width - 1; bit >= 0; --bit) bits += ((value >> bit) & 1) ? '1' : '0';
  return "b" + bits + " " + s.id;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

/// The signals, keyed by (scope order, name) so the output order does not depend on the order
/// records arrive in.
class SignalSet {
 public:
  Signal& get(int scope_order, const std::string& scope, const std::string& raw_name,
              int width = 1) {
    const std::string name = sanitize(raw_name);
    auto key = std::make_pair(scope_order, name);
    // Two different raw names can sanitize to the same name ("dma0.ch1", "dma0_ch1"): keep them
    // apart with a suffix.
    auto owner = owners_.find(key);
    if (owner != owners_.end() && owner->second != raw_name) {
      for (int n = 2;; ++n) {
        key.second = name + "_" + std::to_string(n);
        owner = owners_.find(key);
        if (owner == owners_.end() || owner->second == raw_name) break;
      }
    }
    owners_.emplace(key, raw_name);
    Signal& s = signals_[key];
    s.scope = scope;
    s.name = key.second;
    s.width = width;
    return s;
  }
  std::map<std::pair<int, std::string>, Signal>& all() { return signals_; }

 private:
  std::map<std::pair<int, std::string>, Signal> signals_;
  std::map<std::pair<int, std::string>, std::string> owners_;
};

enum ScopeOrder { kIrq, kBus, kCpu, kDma, kDevices };

}  // namespace

std::string records_to_vcd(const std::vector<trace::Record>& records, Picoseconds end_time) {
  SignalSet signals;
  for (const trace::Record& r : records) {
    if (const auto* irq = std::get_if<trace::Interrupt>(&r.data)) {
      // An interrupt is worth seeing even when a model reports it as an instant: it is held at
      // least until its handler starts, and at least kShortestPulse.
      const Picoseconds end = std::max({r.end, irq->handler_start, r.start + kShortestPulse});
      signals.get(kIrq, "irq", "irq_" + std::to_string(irq->line) + "_" + irq->device)
          .intervals.push_back({r.start, end, 1});
      continue;
    }
    if (r.end <= r.start) continue;
    if (const auto* bus = std::get_if<trace::BusTenure>(&r.data)) {
      signals.get(kBus, "bus", "bus_grant_" + bus->initiator)
          .intervals.push_back({r.start, r.end, 1});
    } else if (const auto* cpu = std::get_if<trace::CpuInterval>(&r.data)) {
      signals.get(kCpu, "cpu", cpu->cpu + "_mode", kModeWidth)
          .intervals.push_back({r.start, r.end, mode_value(cpu->state)});
    } else if (const auto* activity = std::get_if<trace::DeviceActivity>(&r.data)) {
      if (starts_with(activity->device, "dma")) {
        // DMA channels have their own scope; their only phase is the transfer.
        if (activity->phase == "transfer") {
          signals.get(kDma, "dma", r.actor + "_busy").intervals.push_back({r.start, r.end, 1});
        }
      } else {
        signals.get(kDevices, "devices", activity->device + "_busy")
            .intervals.push_back({r.start, r.end, 1});
      }
    }
  }

  // Value changes: at each time, apply every end and start, then the signal shows the highest
  // value still active (overlapping intervals merge; 0 when none is).
  std::vector<Signal*> ordered;
  for (auto& [key, s] : signals.all()) ordered.push_back(&s);
  for (std::size_t i = 0; i < ordered.size(); ++i) ordered[i]->id = id_code(i);

  std::map<Picoseconds, std::vector<std::string>> changes;
  std::vector<std::string> initial;
  for (Signal* s : ordered) {
    std::map<Picoseconds, std::vector<std::pair<int, int>>> events;  // time -> (value, +1/-1)
    for (const Interval& i : s->intervals) {
      events[i.start].push_back({i.value, +1});
      events[i.end].push_back({i.value, -1});
    }
    std::map<int, int> active;  // value -> how many intervals hold it
    int shown = 0;
    bool initial_written = false;
    for (const auto& [time, list] : events) {
      for (const auto& [value, delta] : list) {
        if ((active[value] += delta) == 0) active.erase(value);
      }
      const int now = active.empty() ? 0 : active.rbegin()->first;
      if (time == 0) {
        initial.push_back(value_text(*s, now));
        initial_written = true;
      } else if (now != shown) {
        changes[time].push_back(value_text(*s, now));
      }
      shown = now;
    }
    if (!initial_written) initial.push_back(value_text(*s, 0));
  }

  std::string out;
  out += "$version iosim $end\n";
  out += "$timescale 1ps $end\n";
  out += "$scope module iosim $end\n";
  std::string open_scope;
  for (const Signal* s : ordered) {
    if (s->scope != open_scope) {
      if (!open_scope.empty()) out += "$upscope $end\n";
      out += "$scope module " + s->scope + " $end\n";
      open_scope = s->scope;
    }
    out += std::string("$var ") + (s->width == 1 ? "wire" : "reg") + " " +
           std::to_string(s->width) + " " + s->id + " " + s->name + " $end\n";
  }
  if (!open_scope.empty()) out += "$upscope $end\n";
  out += "$upscope $end\n";
  out += "$enddefinitions $end\n";
  out += "#0\n$dumpvars\n";
  for (const std::string& v : initial) out += v + "\n";
  out += "$end\n";
  for (const auto& [time, list] : changes) {
    out += "#" + std::to_string(time) + "\n";
    for (const std::string& v : list) out += v + "\n";
  }
  if (end_time > 0 && (changes.empty() || changes.rbegin()->first < end_time)) {
    out += "#" + std::to_string(end_time) + "\n";
  }
  return out;
}

}  // namespace iosim::sim
