#include "sim/cli/sweep_command.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "sim/cli/child_process.h"
#include "sim/file_output.h"
#include "sim/scenario.h"
#include "sim/source_pos.h"
#include "sim/suggest.h"
#include "sim/sweep.h"
#include "sim/trace_reader.h"

namespace iosim::cli {
namespace {

using namespace iosim::sim;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kSignalExitBase = 128;
/// Failed points named on stderr one by one; beyond this many, only the count.
constexpr std::size_t kMaxFailureNotes = 10;
/// A failed point's reason on stderr is cut after this many bytes (the JSON output keeps it all).
constexpr std::size_t kMaxNoteLength = 240;
/// Missing points named by merge; beyond this many runs of points, only the count.
constexpr std::size_t kMaxMissingRuns = 30;

/// The signal that asked the sweep to stop, 0 while none did.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void request_stop(int signal_number) {
  g_stop_signal = signal_number;
}

/// SIGINT, SIGTERM and SIGHUP stop the sweep between rows: the workers are killed, the file keeps
/// every finished row, and the message says how to continue. No SA_RESTART, so that poll()
/// returns at once.
void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal_number, &action, nullptr);
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<unsigned>(count);
  }
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<unsigned>(online) : 1;
}

std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "; ";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

std::string describe_exit(int status) {
  if (status >= kSignalExitBase) {
    const int signal_number = status - kSignalExitBase;
    const char* name = ::strsignal(signal_number);
    return "the worker was killed by signal " + std::to_string(signal_number) +
           (name != nullptr ? std::string(" (") + name + ")" : std::string());
  }
  return "the worker exited with status " + std::to_string(status);
}

std::string seconds_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m";
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

/// Writes all of `text` at `offset` (a file) or at the end (offset < 0: a pipe or terminal).
void write_all(int fd, const std::string& text, off_t offset, const std::string& name) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = offset < 0 ? ::write(fd, text.data() + done, text.size() - done)
                                 : ::pwrite(fd, text.data() + done, text.size() - done,
                                            offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write '" + name + "': " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

/// The line redrawn on a terminal while the sweep runs, and the counts of the summary.
class Progress {
 public:
  Progress(std::size_t total, std::size_t already_done)
      : total_(total), already_done_(already_done), tty_(::isatty(STDERR_FILENO) == 1) {}

  void count(SweepStatus status) {
    ++ran_;
    ++by_status_[static_cast<int>(status)];
  }
  void count_resumed(SweepStatus status) { ++by_status_[static_cast<int>(status)]; }
  std::size_t ran() const { return ran_; }
  std::size_t done() const { return already_done_ + ran_; }
  std::size_t of_status(SweepStatus status) const { return by_status_[static_cast<int>(status)]; }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  /// Redraws the line (on a terminal only), at most a few times a second unless `force`.
  void draw(bool force = false) {
    if (!tty_) return;
    const Clock::time_point now = Clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    std::string line =
        "iosim sweep: " + std::to_string(done()) + "/" + std::to_string(total_) + " points";
    const double seconds = elapsed();
    if (ran_ > 0 && seconds > 0) {
      const double rate = static_cast<double>(ran_) / seconds;
      line += ", " + fixed(rate, rate < 10 ? 2 : 1) + " points/s";
      line += ", " + seconds_text(static_cast<double>(total_ - done()) / rate) + " left";
    }
    std::cerr << "\r\x1b[K" << line << std::flush;
    drawn_ = true;
  }
  /// Erases the line before something else is printed.
  void clear() {
    if (tty_ && drawn_) std::cerr << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }

 private:
  std::size_t total_, already_done_;
  bool tty_;
  std::size_t ran_ = 0;
  std::size_t by_status_[3] = {0, 0, 0};
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
  bool drawn_ = false;
};

/// A row from a worker's exit status and output.
SweepRow row_from_child(std::size_t point, std::vector<std::string> values, ChildResult&& child,
                        const std::vector<std::string>& metrics) {
  SweepRow row;
  row.point = point;
  row.values = std::move(values);
  row.cells.assign(metrics.size(), "");
  if (child.exit_status == kExitOk || child.exit_status == kExitFailed) {
    try {
      const Metrics measured =
          parse_metrics_json(child.out, "point " + std::to_string(point) + " (iosim run --json)");
      for (std::size_t m = 0; m < metrics.size(); ++m) {
        row.cells[m] = sweep_metric_cell(measured, metrics[m]);
      }
      row.status = child.exit_status == kExitOk ? SweepStatus::ok : SweepStatus::failed;
      if (row.status == SweepStatus::failed) {
        row.reason = one_line(child.err);
        if (row.reason.empty()) row.reason = "the run did not pass";
      }
      return row;
    } catch (const TraceError& e) {
      row.status = SweepStatus::error;
      row.reason = std::string("the worker's output is not metrics JSON: ") + e.what();
      return row;
    }
  }
  row.status = SweepStatus::error;
  row.reason = describe_exit(child.exit_status);
  const std::string err = one_line(child.err);
  if (!err.empty()) row.reason += ": " + err;
  return row;
}

std::string point_label(std::size_t point, const SweepGrid& grid) {
  const std::vector<std::string> values = grid.values_at(point);
  std::string label = "point " + std::to_string(point) + " (";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) label += ", ";
    label += grid.axes()[i].key + "=" + values[i];
  }
  return label + ")";
}

/// Fails early when the output could not be written at the end.
void check_output_path(const std::string& path, const std::string& what) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    throw InputError(SourcePos{"", 0, 0, what + " " + path},
                     "directory " + parent.string() + " does not exist");
  }
  if (fs::is_directory(path, ec)) {
    throw InputError(SourcePos{"", 0, 0, what + " " + path}, "is a directory");
  }
}

/// The overrides of every value of every axis ("--vary KEY=VALUE" in messages), read once.
std::vector<std::vector<ScenarioOverride>> axis_overrides(const SweepGrid& grid) {
  std::vector<std::vector<ScenarioOverride>> out;
  for (const VaryAxis& axis : grid.axes()) {
    std::vector<ScenarioOverride> values;
    for (const std::string& value : axis.values) {
      const std::string argument = axis.key + "=" + value;
      try {
        ScenarioOverride o = parse_override(argument);
        o.argument = "--vary " + argument;
        values.push_back(std::move(o));
      } catch (const InputError& e) {
        throw InputError(SourcePos{"", 0, 0, "--vary " + argument}, e.message());
      }
    }
    out.push_back(std::move(values));
  }
  return out;
}

/// Loads the scenario at every point of the grid (as `iosim validate --set` does), so that a bad
/// value fails before anything runs. Returns the loader's message for the first bad point (with
/// the point and how many others are bad), or nothing when every point loads.
std::optional<std::string> validate_points(
    const std::string& file, const std::string& text, const std::vector<ScenarioOverride>& sets,
    const SweepGrid& grid, const std::vector<std::vector<ScenarioOverride>>& overrides) {
  std::optional<std::string> first_error;
  std::size_t bad_points = 0;
  std::vector<ScenarioOverride> point_overrides;
  for (std::size_t point = 0; point < grid.size(); ++point) {
    point_overrides = sets;
    std::size_t rest = point;
    std::vector<std::size_t> digits(grid.axes().size());
    for (std::size_t a = grid.axes().size(); a-- > 0;) {
      digits[a] = rest % grid.axes()[a].values.size();
      rest /= grid.axes()[a].values.size();
    }
    for (std::size_t a = 0; a < digits.size(); ++a) {
      point_overrides.push_back(overrides[a][digits[a]]);
    }
    try {
      parse_scenario(text, file, point_overrides);  // the file was read once, by the caller
    } catch (const ScenarioError& e) {
      if (!first_error) first_error = std::string(e.what()) + " [" + point_label(point, grid) + "]";
      ++bad_points;
    }
  }
  if (first_error && bad_points > 1) {
    *first_error += " (" + std::to_string(bad_points - 1) + " more of the " +
                    std::to_string(grid.size()) + " points are invalid)";
  }
  return first_error;
}

std::string meta_path_of(const std::string& out) {
  return out + ".meta";
}

/// Rows of this shard a previous run of the same sweep left in OUT.
struct Existing {
  std::map<std::size_t, std::string> row_texts;  // by point
  std::vector<std::size_t> file_order;
  std::map<std::size_t, SweepStatus> statuses;
};

}  // namespace

int command_sweep(const SweepOptions& o) {
  try {
    // Everything about the arguments first: nothing runs and nothing is written on bad input.
    std::vector<ScenarioOverride> sets;
    for (const std::string& set : o.sets) sets.push_back(parse_override(set));
    std::vector<VaryAxis> axes;
    for (const std::string& vary : o.vary) axes.push_back(parse_vary(vary));
    const SweepGrid grid(std::move(axes));
    const std::vector<std::string> metrics =
        o.metrics.empty() ? default_sweep_metrics() : parse_sweep_metrics(o.metrics);
    const Shard shard = o.shard.empty() ? Shard{} : parse_shard(o.shard);
    const bool to_stdout = o.out.empty();
    const SweepFormat format = to_stdout ? SweepFormat::csv : sweep_format_of(o.out);
    if (!to_stdout) check_output_path(o.out, "--out");

    load_scenario_file(o.file, sets);  // the scenario itself, before any point
    const std::string scenario_bytes = read_file(o.file);
    const std::vector<std::vector<ScenarioOverride>> overrides = axis_overrides(grid);
    // A big grid takes a while (about 0.2 ms a point): say so on a terminal.
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    constexpr std::size_t kSlowValidation = 2000;
    if (tty && grid.size() >= kSlowValidation) {
      std::cerr << "iosim sweep: checking the " << grid.size() << " points of the grid..."
                << std::flush;
    }
    const std::optional<std::string> error =
        validate_points(o.file, scenario_bytes, sets, grid, overrides);
    if (tty && grid.size() >= kSlowValidation) std::cerr << "\r\x1b[K" << std::flush;
    if (error) {
      std::cerr << *error << "\n";
      return kExitBadInput;
    }

    SweepIdentity identity;
    identity.scenario = o.file;
    identity.scenario_hash = fnv1a64_hex(scenario_bytes);
    identity.sets = o.sets;
    for (const VaryAxis& axis : grid.axes()) identity.vary.push_back(axis.argument());
    identity.metrics = metrics;
    identity.points = grid.size();
    const SweepFileLayout layout(format, identity, grid.keys());

    std::vector<std::size_t> shard_points;
    for (std::size_t p = 0; p < grid.size(); ++p) {
      if (shard.contains(p)) shard_points.push_back(p);
    }

    // Resume: the rows a previous run of the same sweep wrote.
    Existing existing;
    if (!to_stdout && fs::exists(o.out)) {
      const std::string meta_path = meta_path_of(o.out);
      const SourcePos at{"", 0, 0, "--out " + o.out};
      if (!fs::exists(meta_path)) {
        throw InputError(at, "the file exists, but " + meta_path +
                                 " does not: it is not the output of a sweep that can continue. "
                                 "Nothing was overwritten; remove it or choose another --out");
      }
      const SweepMeta meta = parse_meta(read_file(meta_path), meta_path);
      std::string difference = identity_difference(identity, meta.identity);
      if (difference.empty() && meta.format != format) difference = "another output format";
      if (difference.empty() && meta.shard.to_string() != shard.to_string()) {
        difference = "shard " + shard.to_string() + " vs " + meta.shard.to_string();
      }
      if (!difference.empty()) {
        throw InputError(at, "the file holds another sweep (here vs there: " + difference +
                                 "). Nothing was overwritten; remove it and " + meta_path +
                                 " or choose another --out");
      }
      const std::string text = read_file(o.out);
      const SweepFileLayout::Content content = layout.parse(text, o.out, grid, shard);
      for (std::size_t i = 0; i < content.rows.size(); ++i) {
        existing.row_texts[content.rows[i].point] = content.row_texts[i];
        existing.file_order.push_back(content.rows[i].point);
        existing.statuses[content.rows[i].point] = content.rows[i].status;
      }
      // An interrupted write leaves a torn last row (or a JSON file without its end): keep the
      // complete rows.
      const std::string repaired = layout.file_text(content.row_texts);
      if (repaired != text) write_file_atomically(o.out, repaired);
    } else if (!to_stdout) {
      SweepMeta meta;
      meta.identity = identity;
      meta.format = format;
      meta.shard = shard;
      meta.command = o.command_line;
      write_file_atomically(meta_path_of(o.out), meta_to_json(meta));
      write_file_atomically(o.out, layout.file_text({}));
    }

    std::vector<std::size_t> pending;
    for (std::size_t p : shard_points) {
      if (existing.row_texts.count(p) == 0) pending.push_back(p);
    }
    // Rows are appended in point order. When the file has rows beyond a point still to run (it
    // was merged from shards with one missing), the file is put in point order at the end.
    const bool sort_at_end =
        !std::is_sorted(existing.file_order.begin(), existing.file_order.end()) ||
        (!pending.empty() && !existing.file_order.empty() &&
         *std::max_element(existing.file_order.begin(), existing.file_order.end()) >
             pending.front());

    int fd = STDOUT_FILENO;
    off_t offset = -1;  // -1: stdout, written at its end
    std::size_t rows_in_file = existing.file_order.size();
    const std::string output_name = to_stdout ? "stdout" : o.out;
    if (to_stdout) {
      write_all(fd, layout.head(), -1, output_name);
    } else {
      fd = ::open(o.out.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("cannot write '" + o.out + "': " + std::strerror(errno));
      const off_t size = ::lseek(fd, 0, SEEK_END);
      offset = size - static_cast<off_t>(layout.tail().size());
    }

    Progress progress(shard_points.size(), existing.row_texts.size());
    for (const auto& [point, status] : existing.statuses) progress.count_resumed(status);
    std::map<std::size_t, std::string> new_texts;  // kept for the final sort
    std::map<std::size_t, SweepRow> waiting;       // finished out of order, by pending index
    std::size_t next_to_write = 0;
    std::size_t failure_notes = 0;

    const auto write_row = [&](const SweepRow& row) {
      const std::string text = layout.row_text(row);
      const std::string separator = layout.separator(rows_in_file);
      write_all(fd, separator + text + layout.tail(), offset, output_name);
      if (offset >= 0) offset += static_cast<off_t>(separator.size() + text.size());
      ++rows_in_file;
      if (sort_at_end) new_texts[row.point] = text;
      progress.count(row.status);
      if (row.status != SweepStatus::ok) {
        progress.clear();
        if (failure_notes < kMaxFailureNotes) {
          std::string reason = row.reason;
          if (reason.size() > kMaxNoteLength) {
            std::size_t cut = kMaxNoteLength;
            while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
            reason = reason.substr(0, cut) + " ...";  // not inside a UTF-8 character
          }
          std::cerr << "iosim sweep: " << point_label(row.point, grid) << ": "
                    << to_string(row.status) << ": " << reason << "\n";
        } else if (failure_notes == kMaxFailureNotes) {
          std::cerr << "iosim sweep: more points did not pass; their status column says which\n";
        }
        ++failure_notes;
      }
      progress.draw(true);
    };

    ChildStream stream;
    stream.count = pending.size();
    stream.command_of = [&](std::size_t i) {
      std::vector<std::string> command = {o.worker, "run", "--json"};
      for (const std::string& set : o.sets) {
        command.push_back("--set");
        command.push_back(set);
      }
      const std::vector<std::string> values = grid.values_at(pending[i]);
      for (std::size_t a = 0; a < values.size(); ++a) {
        command.push_back("--set");
        command.push_back(grid.axes()[a].key + "=" + values[a]);
      }
      command.push_back("--");  // a file name starting with '-' is not an option
      command.push_back(o.file);
      return command;
    };
    stream.on_finished = [&](std::size_t i, ChildResult&& child) {
      if (child.exit_status == kSignalExitBase + SIGINT) {
        // The worker got the Ctrl-C meant for the sweep: that point did not fail.
        g_stop_signal = SIGINT;
        return;
      }
      waiting.emplace(
          i, row_from_child(pending[i], grid.values_at(pending[i]), std::move(child), metrics));
      for (auto next = waiting.find(next_to_write); next != waiting.end();
           next = waiting.find(next_to_write)) {
        write_row(next->second);
        waiting.erase(next);
        ++next_to_write;
      }
    };
    stream.on_tick = [&] { progress.draw(); };
    stream.stop_requested = [] { return g_stop_signal != 0; };

    install_stop_handlers();
    progress.draw(true);
    const unsigned jobs = o.jobs > 0 ? o.jobs : usable_cores();
    const bool finished = run_children_streaming(stream, jobs);
    if (!to_stdout) ::close(fd);
    progress.clear();

    if (!finished) {
      const int signal_number = g_stop_signal;
      std::cerr << "iosim sweep: interrupted (" << ::strsignal(signal_number) << ") after "
                << progress.done() << " of " << shard_points.size() << " points; "
                << (to_stdout ? std::string("stdout cannot be resumed; use --out FILE")
                              : o.out + " holds them: run the same command again to continue")
                << "\n";
      return kSignalExitBase + signal_number;
    }

    if (sort_at_end) {
      std::map<std::size_t, std::string> all = existing.row_texts;
      all.insert(new_texts.begin(), new_texts.end());
      std::vector<std::string> texts;
      for (auto& entry : all) texts.push_back(std::move(entry.second));
      write_file_atomically(o.out, layout.file_text(texts));
    }

    const std::size_t ok = progress.of_status(SweepStatus::ok);
    const std::size_t failed = progress.of_status(SweepStatus::failed);
    const std::size_t errors = progress.of_status(SweepStatus::error);
    const double seconds = progress.elapsed();
    std::string summary = "iosim sweep: " + std::to_string(progress.done()) +
                          (progress.done() == 1 ? " point" : " points");
    if (!shard.whole()) {
      summary += " (shard " + shard.to_string() + " of " + std::to_string(grid.size()) + ")";
    }
    summary += ": " + std::to_string(ok) + " ok, " + std::to_string(failed) + " failed, " +
               std::to_string(errors) + " error; " + std::to_string(progress.ran()) + " ran in " +
               fixed(seconds, 1) + "s";
    if (progress.ran() > 0 && seconds > 0) {
      summary += " (" + fixed(static_cast<double>(progress.ran()) / seconds, 2) + " points/s, " +
                 std::to_string(jobs) + (jobs == 1 ? " job" : " jobs") + ")";
    }
    if (!existing.row_texts.empty()) {
      summary += ", " + std::to_string(existing.row_texts.size()) + " were already done";
    }
    if (!to_stdout) summary += "; wrote " + o.out;
    std::cerr << summary << "\n";
    return failed + errors == 0 ? kExitOk : kExitFailed;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    std::cerr << "iosim sweep: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

int command_merge(const std::string& out, const std::vector<std::string>& inputs,
                  const std::string& command_line) {
  try {
    const SweepFormat format = sweep_format_of(out, "iosim merge");
    check_output_path(out, "iosim merge");
    std::optional<SweepMeta> first_meta;
    std::string first_name;
    SweepGrid grid;
    std::optional<SweepFileLayout> layout;
    struct Source {
      std::string text;
      const std::string* input;
    };
    std::map<std::size_t, Source> rows;
    std::size_t identical_duplicates = 0;
    for (const std::string& input : inputs) {
      const SourcePos at{input};
      if (sweep_format_of(input, "iosim merge") != format) {
        throw InputError(at, std::string("cannot merge it into ") + out +
                                 ": the shards and the output must all be .csv or all .json");
      }
      const std::string meta_path = meta_path_of(input);
      if (!fs::exists(meta_path)) {
        throw InputError(at, meta_path +
                                 " is missing: merge needs the .meta file that "
                                 "iosim sweep writes beside each output");
      }
      const SweepMeta meta = parse_meta(read_file(meta_path), meta_path);
      if (!first_meta) {
        first_meta = meta;
        first_name = input;
        grid = grid_of(meta.identity);
        layout.emplace(format, meta.identity, grid.keys());
      } else {
        const std::string difference = identity_difference(meta.identity, first_meta->identity);
        if (!difference.empty()) {
          throw InputError(
              at, "not a shard of the same sweep as " + first_name + " (" + difference + ")");
        }
      }
      const SweepFileLayout::Content content =
          layout->parse(read_file(input), input, grid, meta.shard);
      if (content.torn) {
        std::cerr << input << ": warning: the last row is unfinished (the sweep was "
                  << "interrupted); the complete rows before it are merged\n";
      }
      for (std::size_t i = 0; i < content.rows.size(); ++i) {
        const std::size_t point = content.rows[i].point;
        const auto found = rows.find(point);
        if (found == rows.end()) {
          rows.emplace(point, Source{content.row_texts[i], &input});
        } else if (found->second.text == content.row_texts[i]) {
          ++identical_duplicates;
        } else {
          throw InputError(at, "point " + std::to_string(point) + " differs from its row in " +
                                   *found->second.input + "; nothing was written");
        }
      }
    }

    std::vector<std::string> texts;
    std::vector<std::size_t> missing;
    for (std::size_t p = 0; p < grid.size(); ++p) {
      const auto found = rows.find(p);
      if (found == rows.end()) {
        missing.push_back(p);
      } else {
        texts.push_back(found->second.text);
      }
    }
    SweepMeta meta = *first_meta;
    meta.shard = Shard{};
    meta.command = command_line;
    write_file_atomically(meta_path_of(out), meta_to_json(meta));
    write_file_atomically(out, layout->file_text(texts));

    std::string summary = "iosim merge: " + std::to_string(texts.size()) + " of " +
                          std::to_string(grid.size()) + " points from " +
                          std::to_string(inputs.size()) + (inputs.size() == 1 ? " file" : " files");
    if (identical_duplicates > 0) {
      summary += " (" + std::to_string(identical_duplicates) +
                 " rows were in more than one file, identical, kept once)";
    }
    std::cerr << summary << "; wrote " << out << "\n";
    if (!missing.empty()) {
      // Name the first runs of missing points; a missing shard of many would fill the screen.
      std::vector<std::size_t> shown;
      std::size_t runs = 0;
      for (std::size_t i = 0; i < missing.size() && runs < kMaxMissingRuns; ++i) {
        if (i == 0 || missing[i] != missing[i - 1] + 1) ++runs;
        if (runs <= kMaxMissingRuns) shown.push_back(missing[i]);
      }
      std::string list = describe_points(shown);
      if (shown.size() < missing.size()) list += ", ...";
      std::cerr << "iosim merge: warning: " << missing.size() << " of " << grid.size()
                << " points are missing: " << list
                << " (run their shards, or the whole sweep with --out " << out
                << " to run only those, and merge again)\n";
      return kExitFailed;
    }
    return kExitOk;
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::runtime_error& e) {
    std::cerr << "iosim merge: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace iosim::cli
