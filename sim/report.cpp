#include "sim/report.h"

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "sim/export_json.h"
#include "sim/param_table.h"
#include "sim/suggest.h"

namespace iosim::sim {
namespace {

constexpr double kPercent = 100.0;
constexpr const char* kIndent = "  ";

/// Terminal columns of UTF-8 text: one per code point (the text here has no wide characters).
std::size_t display_width(const std::string& s) {
  std::size_t width = 0;
  for (unsigned char c : s) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

std::string pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = display_width(s);
  if (w >= width) return s;
  const std::string fill(width - w, ' ');
  return right ? fill + s : s + fill;
}

std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::int64_t metric_int(const Metrics& m, const std::string& key) {
  const auto it = m.find(key);
  if (it == m.end()) return 0;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return *i;
  return static_cast<std::int64_t>(metric_as_number(it->second));
}

bool metric_flag(const Metrics& m, const std::string& key) {
  const auto it = m.find(key);
  if (it == m.end()) return false;
  if (const bool* b = std::get_if<bool>(&it->second)) return *b;
  return metric_as_number(it->second) != 0;
}

/// A time for a table: exact when that is short ("25ms", "1.5us"), otherwise rounded to four
/// significant digits in the largest unit below it ("25295.32us" -> "25.3ms"). The exact value
/// is in the metrics (--json).
std::string time_text(std::int64_t ps) {
  const std::string exact = format_metric(MetricValue{ps}, MetricKind::time_ps);
  constexpr std::size_t kShortEnough = 7;
  if (ps <= 0 || exact.size() <= kShortEnough) return exact;
  struct Unit {
    double scale;
    const char* suffix;
  };
  static const Unit units[] = {{1e12, "s"}, {1e9, "ms"}, {1e6, "us"}, {1e3, "ns"}, {1, "ps"}};
  for (const Unit& u : units) {
    const double value = static_cast<double>(ps) / u.scale;
    if (value < 1.0) continue;
    constexpr double kHundreds = 100.0, kTens = 10.0;
    const int decimals = value >= kHundreds ? 1 : (value >= kTens ? 2 : 3);
    std::string text = fmt::format("{:.{}f}", value, decimals);
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text + u.suffix;
  }
  return exact;
}

std::string bytes_text(std::int64_t bytes) {
  return format_metric(MetricValue{bytes}, MetricKind::bytes);
}

/// Payload per simulated second: what was sent to the peer when the run sends, else the bytes
/// verified where they arrived. In B/s, exact for csv; three significant figures for reading.
std::uint64_t throughput_bps(const Metrics& m) {
  const std::int64_t sent = metric_int(m, "network.bytes");
  const std::int64_t bytes = sent > 0 ? sent : metric_int(m, "bytes.verified");
  const std::int64_t ps = metric_int(m, "sim_time_ps");
  if (bytes <= 0 || ps <= 0) return 0;
  using u128 = unsigned __int128;
  constexpr u128 kTera = 1'000'000'000'000ULL;
  return static_cast<std::uint64_t>(static_cast<u128>(bytes) * kTera / static_cast<u128>(ps));
}

std::string throughput_text(std::uint64_t bps) {
  if (bps == 0) return "-";
  struct Unit {
    double scale;
    const char* suffix;
  };
  static const Unit units[] = {{1e9, "GB/s"}, {1e6, "MB/s"}, {1e3, "kB/s"}, {1, "B/s"}};
  for (const Unit& u : units) {
    const double value = static_cast<double>(bps) / u.scale;
    if (value < 1.0 && u.scale > 1) continue;
    constexpr double kHundreds = 100.0, kTens = 10.0;
    const int decimals = value >= kHundreds ? 0 : (value >= kTens ? 1 : 2);
    return fmt::format("{:.{}f}{}", value, decimals, u.suffix);
  }
  return "-";
}

std::string share_text(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "-";
  return fmt::format("{:.1f}%", kPercent * static_cast<double>(part) / static_cast<double>(whole));
}

/// The initiators that appear in any of the metrics, from their "bus.busy_ps.<initiator>" keys.
std::vector<std::string> bus_initiators(const std::vector<const Metrics*>& all) {
  const std::string prefix = "bus.busy_ps.";
  std::set<std::string> names;
  for (const Metrics* m : all) {
    for (const auto& [key, value] : *m) {
      if (key.rfind(prefix, 0) == 0) names.insert(key.substr(prefix.size()));
    }
  }
  return {names.begin(), names.end()};
}

std::string indent_text(const std::string& text, const std::string& indent) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) out += (line.empty() ? "" : indent + line) + "\n";
  return out;
}

const char* const kEngineNames[] = {"cpu", "dma", "channel", "nic", "disk"};

}  // namespace

std::string Table::render(TableStyle style, const std::string& indent) const {
  std::string out;
  if (style == TableStyle::csv) {
    auto line = [&](const std::vector<std::string>& cells) {
      std::vector<std::string> quoted;
      for (const std::string& c : cells) quoted.push_back(csv_field(c));
      out += join(quoted, ",") + "\n";
    };
    line(header_);
    for (const auto& r : rows_) line(r);
    return out;
  }
  if (style == TableStyle::markdown) {
    auto line = [&](const std::vector<std::string>& cells) {
      std::vector<std::string> escaped;
      for (const std::string& c : cells) escaped.push_back(markdown_cell(c));
      out += "| " + join(escaped, " | ") + " |\n";
    };
    line(header_);
    std::vector<std::string> rule;
    for (std::size_t i = 0; i < header_.size(); ++i) {
      const bool right = std::find(right_.begin(), right_.end(), i) != right_.end();
      rule.push_back(right ? "--:" : "---");
    }
    out += "|" + join(rule, "|") + "|\n";
    for (const auto& r : rows_) line(r);
    return out;
  }
  std::vector<std::size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(cells[i]));
    }
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = indent;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      const bool right = std::find(right_.begin(), right_.end(), i) != right_.end();
      const bool last = i + 1 == widths.size();
      text += last && !right ? cell : pad(cell, widths[i], right);
      if (!last) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  const bool has_header =
      std::any_of(header_.begin(), header_.end(), [](const std::string& h) { return !h.empty(); });
  if (has_header) line(header_);
  for (const auto& r : rows_) line(r);
  return out;
}

std::string format_run_report(const Scenario& scenario, const RunResult& result) {
  const Metrics& m = result.metrics;
  const std::int64_t sim_time = metric_int(m, "sim_time_ps");
  std::string out = scenario.title + "\n";
  if (!scenario.teaches.empty()) out += indent_text(scenario.teaches, kIndent);
  out += "\n";

  Table figures({"", "", "", ""});
  figures.add_row({"simulated time", time_text(sim_time), "", ""});
  figures.add_row({"CPU time moving data", time_text(metric_int(m, "cpu.io_ps")),
                   share_text(metric_int(m, "cpu.io_ps"), sim_time) + " of the run",
                   "kernel " + time_text(metric_int(m, "cpu.kernel_ps")) + ", interrupts " +
                       time_text(metric_int(m, "cpu.irq_ps"))});
  figures.add_row({"CPU time of the other process", time_text(metric_int(m, "cpu.other_work_ps")),
                   share_text(metric_int(m, "cpu.other_work_ps"), sim_time) + " of the run",
                   "bus stalls " + time_text(metric_int(m, "cpu.other_stall_ps"))});
  figures.add_row({"interrupts", std::to_string(metric_int(m, "interrupts")), "", ""});
  figures.add_row({"mode switches", std::to_string(metric_int(m, "mode_switches")),
                   fmt::format("{} syscall, {} interrupt", metric_int(m, "mode_switches.syscall"),
                               metric_int(m, "mode_switches.interrupt")),
                   ""});
  figures.add_row({"context switches", std::to_string(metric_int(m, "context_switches")), "", ""});
  const std::vector<std::string> initiators = bus_initiators({&m});
  if (initiators.empty()) figures.add_row({"bus busy", time_text(0), "", ""});
  for (std::size_t i = 0; i < initiators.size(); ++i) {
    const std::int64_t busy = metric_int(m, "bus.busy_ps." + initiators[i]);
    figures.add_row({i == 0 ? "bus busy" : "", time_text(busy),
                     share_text(busy, sim_time) + " of the run", "by " + initiators[i]});
  }
  bool first_engine = true;
  for (const char* engine : kEngineNames) {
    const std::int64_t copies = metric_int(m, std::string("copies.") + engine);
    const std::int64_t bytes = metric_int(m, std::string("bytes.") + engine);
    const bool always_shown = std::string(engine) == "cpu" || std::string(engine) == "dma" ||
                              std::string(engine) == "channel";
    if (copies == 0 && bytes == 0 && !always_shown) continue;
    figures.add_row({first_engine ? "copies" : "", std::to_string(copies),
                     std::string("by ") + engine, bytes_text(bytes)});
    first_engine = false;
  }
  // The storage path, when the run read files through the page cache.
  const std::int64_t hits = metric_int(m, "page_cache.hits");
  const std::int64_t misses = metric_int(m, "page_cache.misses");
  if (hits + misses > 0) {
    figures.add_row({"page cache", std::to_string(hits) + " hits",
                     std::to_string(misses) + " misses",
                     std::to_string(metric_int(m, "page_cache.evictions")) + " evicted"});
    figures.add_row({"read-ahead", std::to_string(metric_int(m, "readahead.ios")) + " I/Os",
                     std::to_string(metric_int(m, "readahead.sync_ios")) + " sync, " +
                         std::to_string(metric_int(m, "readahead.async_ios")) + " async",
                     bytes_text(metric_int(m, "readahead.bytes"))});
  }
  // Memory mappings, when a process faulted pages of a mapped file in.
  if (metric_int(m, "page_faults") > 0) {
    figures.add_row(
        {"page faults", std::to_string(metric_int(m, "page_faults")),
         fmt::format("{} minor, {} major, {} cow", metric_int(m, "page_faults.minor"),
                     metric_int(m, "page_faults.major"), metric_int(m, "page_faults.cow")),
         std::to_string(metric_int(m, "page_faults.mapped_pages")) + " pages mapped"});
  }
  // The write path, when the kernel reported dirty memory (a run that writes files).
  const bool writes = std::any_of(
      result.records.begin(), result.records.end(),
      [](const trace::Record& r) { return std::holds_alternative<trace::DirtyState>(r.data); });
  if (writes) {
    figures.add_row(
        {"dirty memory", bytes_text(metric_int(m, "dirty.peak_bytes")), "at the peak",
         "under writeback at most " + bytes_text(metric_int(m, "writeback.peak_bytes"))});
    figures.add_row({"written back", bytes_text(metric_int(m, "writeback.bytes")),
                     std::to_string(metric_int(m, "writeback.ios")) + " I/Os",
                     "background " + bytes_text(metric_int(m, "writeback.background_bytes")) +
                         ", periodic " + bytes_text(metric_int(m, "writeback.periodic_bytes")) +
                         ", sync " + bytes_text(metric_int(m, "writeback.sync_bytes"))});
    figures.add_row({"writers throttled", time_text(metric_int(m, "throttle.ps")),
                     std::to_string(metric_int(m, "throttle.pauses")) + " pauses", ""});
  }
  if (metric_int(m, "direct.write_ios") > 0) {
    figures.add_row({"O_DIRECT writes", bytes_text(metric_int(m, "direct.write_bytes")),
                     std::to_string(metric_int(m, "direct.write_ios")) + " I/Os", ""});
  }
  if (writes || metric_int(m, "durable.bytes") > 0) {
    figures.add_row({"reported durable", bytes_text(metric_int(m, "durable.bytes")), "", ""});
  }
  figures.add_row({"bytes verified", metric_flag(m, "verified") ? "yes" : "no",
                   bytes_text(metric_int(m, "bytes.verified")), ""});
  if (!result.outcome.completed) {
    figures.add_row({"completed", "no", result.outcome.error, ""});
  }
  figures.align_right(1);
  out += figures.render(TableStyle::text, kIndent);

  // A crash: what each layer still held, and whether what was reported durable survived.
  const trace::Record* crash_record = nullptr;
  for (const trace::Record& r : result.records) {
    if (std::holds_alternative<trace::Crash>(r.data)) crash_record = &r;
  }
  if (crash_record != nullptr) {
    const auto& c = std::get<trace::Crash>(crash_record->data);
    const auto bytes = [](std::uint64_t n) { return bytes_text(static_cast<std::int64_t>(n)); };
    out += "\nCrash: " + c.kind + " at " +
           time_text(static_cast<std::int64_t>(crash_record->start)) + "\n";
    Table crash({"", "", ""});
    crash.add_row({"lost", bytes(c.lost_application + c.lost_page_cache + c.lost_disk_cache),
                   "of what the application wrote"});
    crash.add_row({"  in the application", bytes(c.lost_application), "C library buffers"});
    crash.add_row({"  in the page cache", bytes(c.lost_page_cache), "dirty, not yet on the disk"});
    crash.add_row({"  in the disk cache", bytes(c.lost_disk_cache), "volatile write cache"});
    crash.add_row(
        {"durable, checked", bytes(c.durable_bytes), "reported durable before the crash"});
    crash.add_row({"durable, lost", bytes(c.durable_lost),
                   c.durable_lost == 0 ? "none: every durability claim held"
                                       : "a durability claim did not hold"});
    crash.align_right(1);
    out += crash.render(TableStyle::text, kIndent);
  }

  if (!result.expectations.empty()) {
    out += "\nExpectations\n";
    for (const ExpectationResult& e : result.expectations) {
      out += std::string(kIndent) + (e.passed ? "PASS  " : "FAIL  ") + e.expectation.metric + " " +
             e.expectation.describe() + "\n";
      out += std::string(kIndent) + "      expected " + e.expected + ", actual " + e.actual + "\n";
    }
  }
  const std::vector<std::string> problems = result.problems();
  out += "\n";
  if (problems.empty()) {
    out += "Result: PASS\n";
  } else {
    out += "Result: FAIL\n";
    for (const std::string& p : problems) out += std::string(kIndent) + p + "\n";
  }
  return out;
}

std::string format_run_problems(const Scenario& scenario, const RunResult& result) {
  std::string out;
  for (const ExpectationResult& e : result.expectations) {
    if (e.passed) continue;
    out += e.expectation.pos.to_string() + ": FAIL " + e.expectation.metric + " " +
           e.expectation.describe() + ": expected " + e.expected + ", actual " + e.actual + "\n";
  }
  for (const std::string& p : result.problems()) {
    if (p.rfind("expectation failed", 0) != 0) out += scenario.file + ": " + p + "\n";
  }
  return out;
}

std::string format_explain(const Scenario& scenario) {
  std::string out = scenario.title + "\n";
  if (!scenario.teaches.empty()) out += indent_text(scenario.teaches, kIndent);
  out += "\nFile: " + scenario.file + "\n";
  for (const std::string& included : scenario.includes) out += "Includes: " + included + "\n";
  out += "Seed: " + std::to_string(scenario.seed) + "\n";
  out += "\nPlatform (preset " + scenario.preset + ")\n";
  const Preset* preset = find_preset(scenario.preset);
  Table params({"parameter", "value", "from", "source"});
  PlatformParams copy = scenario.params;
  for (const ParamRef& p : list_params(copy)) {
    const auto origin_it = scenario.param_origins.find(p.key());
    const ParamOrigin origin =
        origin_it == scenario.param_origins.end() ? ParamOrigin::model_default : origin_it->second;
    std::string source = p.doc.source;
    if (origin == ParamOrigin::preset && preset != nullptr) {
      if (const PresetValue* v = preset_value(*preset, p.key())) source = v->source;
    }
    if (origin == ParamOrigin::scenario) {
      const auto included = scenario.param_files.find(p.key());
      source =
          included == scenario.param_files.end() ? "this scenario" : "included " + included->second;
    }
    params.add_row({p.key(), format_param(p), to_string(origin), source});
  }
  out += params.render(TableStyle::text, kIndent);

  out += "\nProcesses\n";
  for (const os::ProcessSpec& p : scenario.processes) {
    out += std::string(kIndent) + p.name + "\n";
    for (const os::Operation& op : p.setup) {
      out += std::string(kIndent) + kIndent + "setup: " + describe_operation(op) + "\n";
    }
    for (std::size_t i = 0; i < p.program.size(); ++i) {
      out += std::string(kIndent) + kIndent + std::to_string(i + 1) + ". " +
             describe_operation(p.program[i]) + "\n";
    }
  }
  if (scenario.crash) {
    out += "\nCrash\n" + std::string(kIndent) + os::to_string(scenario.crash->kind) + " at " +
           format_time(scenario.crash->at) + "\n";
  }
  out += "\nExpectations\n";
  if (scenario.expectations.empty()) out += std::string(kIndent) + "(none)\n";
  for (const Expectation& e : scenario.expectations) {
    out += std::string(kIndent) + e.metric + " " + e.describe() + "\n";
  }
  return out;
}

std::string params_reference(TableStyle style, const Preset* preset) {
  PlatformParams params;
  if (preset != nullptr) apply_preset(*preset, params);
  const std::vector<ParamRef> table = list_params(params);
  const std::vector<std::string> header = {
      "parameter", "unit", preset == nullptr ? "default" : "value", "description", "source"};
  auto row = [&](const ParamRef& p) {
    std::string unit = to_string(p.kind);
    if (p.kind == ParamKind::choice) unit = join(p.choices, " | ");
    std::string source = p.doc.source;
    if (preset != nullptr) {
      if (const PresetValue* v = preset_value(*preset, p.key())) source = v->source;
    }
    const std::string name = style == TableStyle::markdown ? "`" + p.key() + "`" : p.key();
    return std::vector<std::string>{name, unit, format_param(p), p.doc.description, source};
  };

  if (style == TableStyle::csv) {
    Table all(header);
    for (const ParamRef& p : table) all.add_row(row(p));
    return all.render(style);
  }

  std::string out;
  if (style == TableStyle::markdown) {
    out += "# Platform parameters\n\n";
    out += "Generated by `iosim params --markdown`";
    if (preset != nullptr) out += std::string(" --preset ") + preset->name;
    out +=
        ". Do not edit: a test compares this file with the program's output.\n\n"
        "Every parameter can be set in a scenario under `platform:` in its section, with a unit "
        "where it has one (docs/scenario-format.md). ";
    out += preset == nullptr
               ? "The defaults are the `textbook` preset; docs/presets.md lists what the other "
                 "presets change.\n"
               : std::string("Values are those of the `") + preset->name + "` preset.\n";
  }
  // One table per section.
  for (std::size_t i = 0; i < table.size();) {
    const std::string section = table[i].section;
    Table current(header);
    for (; i < table.size() && table[i].section == section; ++i) current.add_row(row(table[i]));
    out += style == TableStyle::markdown ? "\n## " + section + "\n\n" : "\n[" + section + "]\n";
    out += current.render(style);
  }
  return out;
}

std::string presets_reference(TableStyle style) {
  std::string out;
  for (const Preset& preset : presets()) {
    if (style == TableStyle::markdown) {
      out += std::string("### ") + preset.name + "\n\n" + preset.summary + ".\n\n";
    } else {
      out += std::string(preset.name) + ": " + preset.summary + "\n";
    }
    if (preset.values.empty()) {
      out += style == TableStyle::markdown ? "Every parameter keeps its default.\n\n"
                                           : "  (every parameter keeps its default)\n\n";
      continue;
    }
    Table table({"parameter", "value", "default", "source"});
    PlatformParams defaults;
    const std::vector<ParamRef> params = list_params(defaults);
    for (const PresetValue& v : preset.values) {
      std::string default_value;
      for (const ParamRef& p : params) {
        if (p.key() == v.key) default_value = format_param(p);
      }
      table.add_row({style == TableStyle::markdown ? std::string("`") + v.key + "`" : v.key,
                     v.value, default_value, v.source});
    }
    out += table.render(style, style == TableStyle::text ? kIndent : "") + "\n";
  }
  return out;
}

std::string metrics_reference(TableStyle style) {
  Table table({"metric", "kind", "meaning"});
  for (const MetricDefinition& d : metric_definitions()) {
    table.add_row({style == TableStyle::markdown ? "`" + d.pattern + "`" : d.pattern,
                   to_string(d.kind), d.description});
  }
  return table.render(style);
}

std::string format_compare(const std::vector<CompareRow>& rows, TableStyle style) {
  std::vector<const Metrics*> all;
  for (const CompareRow& r : rows) all.push_back(&r.metrics);
  const std::vector<std::string> initiators = bus_initiators(all);
  const bool raw = style == TableStyle::csv;

  std::vector<std::string> header = {"scenario",
                                     raw ? "sim_time_ps" : "sim time",
                                     raw ? "cpu.io_ps" : "CPU moving data",
                                     raw ? "cpu.other_work_ps" : "other process CPU",
                                     raw ? "cpu.other_share" : "other share",
                                     "interrupts"};
  header.push_back(raw ? "copies.total" : "copies");
  for (const char* engine : {"cpu", "dma", "channel"}) {
    header.push_back(raw ? std::string("copies.") + engine : std::string("copies ") + engine);
  }
  header.push_back(raw ? "descriptors" : "by reference");
  header.push_back(raw ? "mode_switches.syscall" : "mode switches");
  header.push_back(raw ? "context_switches" : "context switches");
  header.push_back("syscalls");
  header.push_back(raw ? "network.bytes" : "sent");
  header.push_back(raw ? "throughput_bps" : "throughput");
  for (const std::string& i : initiators) {
    header.push_back(raw ? "bus.busy_ps." + i : "bus " + i);
  }
  header.push_back("verified");
  header.push_back(raw ? "expectations.failed" : "expectations");

  Table table(header);
  for (std::size_t c = 1; c + 2 < header.size(); ++c) table.align_right(c);
  for (const CompareRow& r : rows) {
    const Metrics& m = r.metrics;
    const std::int64_t sim_time = metric_int(m, "sim_time_ps");
    std::vector<std::string> row = {r.name};
    if (raw) {
      row.push_back(std::to_string(sim_time));
      row.push_back(std::to_string(metric_int(m, "cpu.io_ps")));
      row.push_back(std::to_string(metric_int(m, "cpu.other_work_ps")));
      const auto share = m.find("cpu.other_share");
      row.push_back(share == m.end() ? "0" : format_metric_plain(share->second));
    } else {
      row.push_back(time_text(sim_time));
      row.push_back(time_text(metric_int(m, "cpu.io_ps")));
      row.push_back(time_text(metric_int(m, "cpu.other_work_ps")));
      row.push_back(share_text(metric_int(m, "cpu.other_work_ps"), sim_time));
    }
    row.push_back(std::to_string(metric_int(m, "interrupts")));
    row.push_back(std::to_string(metric_int(m, "copies.total")));
    for (const char* engine : {"cpu", "dma", "channel"}) {
      row.push_back(std::to_string(metric_int(m, std::string("copies.") + engine)));
    }
    row.push_back(std::to_string(metric_int(m, "descriptors")));
    row.push_back(std::to_string(metric_int(m, "mode_switches.syscall")));
    row.push_back(std::to_string(metric_int(m, "context_switches")));
    row.push_back(std::to_string(metric_int(m, "syscalls")));
    const std::int64_t sent = metric_int(m, "network.bytes");
    row.push_back(raw ? std::to_string(sent) : format_metric(sent, MetricKind::bytes));
    const std::uint64_t bps = throughput_bps(m);
    row.push_back(raw ? std::to_string(bps) : throughput_text(bps));
    for (const std::string& i : initiators) {
      const std::int64_t busy = metric_int(m, "bus.busy_ps." + i);
      row.push_back(raw ? std::to_string(busy)
                        : time_text(busy) + " (" + share_text(busy, sim_time) + ")");
    }
    row.push_back(raw ? (metric_flag(m, "verified") ? "true" : "false")
                      : (metric_flag(m, "verified") ? "yes" : "no"));
    const std::int64_t failed = metric_int(m, "expectations.failed");
    const std::int64_t total = failed + metric_int(m, "expectations.passed");
    if (raw) {
      row.push_back(std::to_string(failed));
    } else {
      row.push_back(failed == 0 ? fmt::format("{}/{} pass", total, total)
                                : fmt::format("{} of {} FAIL", failed, total));
    }
    table.add_row(std::move(row));
  }
  // The seeds say "context switch" for what is a mode switch: one line keeps the two apart.
  const std::string note =
      "mode switches: user<->kernel transitions of system calls (the seeds' \"context "
      "switches\"); context switches: the CPU changes process. Set-up (open, connect) is not "
      "counted. throughput: bytes sent (else verified) per simulated second.";
  if (style == TableStyle::text) return note + "\n" + table.render(style);
  if (style == TableStyle::markdown) return table.render(style) + "\n" + note + "\n";
  return table.render(style);
}

}  // namespace iosim::sim
