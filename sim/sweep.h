// Parameter sweeps (`iosim sweep`, `iosim merge`; docs/cli.md): the grid of values a sweep runs,
// the metrics it keeps, and the files it writes. Everything here is pure (no processes, no
// SystemC) so that the tests can check it directly; the command in sim/cli/ runs the points.
//
// A sweep is identified by its scenario (path and content), its --set and --vary arguments and
// its metrics. Resuming an interrupted sweep and merging shards both compare that identity, which
// the sweep keeps in a sidecar file next to its output (OUT.meta), so that the output itself stays
// a plain CSV (or JSON) file that any tool reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/metrics.h"

namespace iosim::sim {

/// No sweep (and no single --vary) has more points than this: a typo such as `1B..1TiB:+1B`
/// should fail at once, not run for a year.
constexpr std::size_t kMaxSweepPoints = 100000;

/// The values of one `--vary KEY=VALUES`.
struct VaryAxis {
  std::string key;          // what --set takes: "size", "platform.disk.rpm"
  std::string values_text;  // as written: "4KiB..1GiB:x4", "pio,dma"
  std::vector<std::string> values;
  /// "KEY=VALUES", as written.
  std::string argument() const { return key + "=" + values_text; }
};

/// Expands VALUES: a list `a,b,c` (commas inside {}, [] or quotes do not split; items are kept as
/// written), a geometric range `LO..HI:xF` or an arithmetic range `LO..HI:+STEP`. Range values
/// are exact (integer arithmetic in ps, bytes, B/s, Hz, or 10^-12 for plain numbers and
/// percentages) and printed in the family of units they were written in (KiB/MiB/GiB, kB/MB/GB,
/// ps..s, ...): the largest unit in which the value is whole, no smaller than the smallest unit
/// written. Throws ParseError with a sentence that does not repeat the argument.
std::vector<std::string> expand_sweep_values(std::string_view values_text);

/// Reads one `--vary KEY=VALUES`. Throws InputError ("--vary KEY=VALUES: error: ...").
VaryAxis parse_vary(const std::string& key_equals_values);

/// The cartesian product of the axes, the first axis varying slowest. Point p's values are the
/// mixed-radix digits of p.
class SweepGrid {
 public:
  SweepGrid() = default;
  /// Throws InputError when two axes have the same key or the grid has more than
  /// kMaxSweepPoints points.
  explicit SweepGrid(std::vector<VaryAxis> axes);
  std::size_t size() const { return size_; }
  const std::vector<VaryAxis>& axes() const { return axes_; }
  std::vector<std::string> keys() const;
  /// The value of every axis at `point` (< size()), in axis order.
  std::vector<std::string> values_at(std::size_t point) const;

 private:
  std::vector<VaryAxis> axes_;
  std::size_t size_ = 1;
};

/// `--shard I/N`: the points with point % N == I - 1. The default 1/1 is the whole sweep.
struct Shard {
  std::size_t index = 1;  // 1-based
  std::size_t count = 1;
  bool whole() const { return count == 1; }
  bool contains(std::size_t point) const { return point % count == index - 1; }
  std::string to_string() const { return std::to_string(index) + "/" + std::to_string(count); }
};
/// Reads "I/N" (1 <= I <= N). Throws InputError ("--shard I/N: error: ...").
Shard parse_shard(const std::string& text);

/// The metric `throughput_bps`, derived: bytes.verified * 10^12 / sim_time_ps, in bytes per second
/// (an integer, rounded down).
constexpr const char* kThroughputMetric = "throughput_bps";
/// The metrics a sweep keeps when --metrics is not given.
const std::vector<std::string>& default_sweep_metrics();
/// Reads `--metrics m1,m2,...`: each name must be a metric of the registry (or match one of its
/// patterns, like interrupts.disk0) or throughput_bps. Throws InputError ("--metrics LIST: error:
/// unknown metric 'x'; did you mean 'y'?").
std::vector<std::string> parse_sweep_metrics(const std::string& list);
/// One metric of a run as a sweep writes it: a raw number or true/false; "" when the run does not
/// have it.
std::string sweep_metric_cell(const Metrics& metrics, const std::string& name);

/// `ok`: the run passed. `failed`: it finished, but an expectation failed, the data did not
/// verify or the simulation did not complete; the metrics are there. `error`: the run gave no
/// metrics (the worker crashed, was killed, or the model refused its parameters).
enum class SweepStatus { ok, failed, error };
const char* to_string(SweepStatus status);

struct SweepRow {
  std::size_t point = 0;
  std::vector<std::string> values;  // one per axis, as in the grid
  SweepStatus status = SweepStatus::ok;
  std::vector<std::string> cells;  // one per metric; "" when absent (always, for `error`)
  std::string reason;              // why the run did not pass; only the JSON output keeps it
};

enum class SweepFormat { csv, json };
/// From the output file's name: ".csv" or ".json". Throws InputError ("--out NAME: error: ...").
SweepFormat sweep_format_of(const std::string& path, const std::string& option = "--out");

/// What makes two sweeps the same sweep: resuming and merging compare it.
struct SweepIdentity {
  std::string scenario;              // the path as given
  std::string scenario_hash;         // FNV-1a 64 of the file's bytes, 16 hex digits
  std::vector<std::string> sets;     // "KEY=VALUE", in order
  std::vector<std::string> vary;     // "KEY=VALUES", as written, in order
  std::vector<std::string> metrics;  // column order
  std::size_t points = 0;            // of the whole grid
};
/// Empty when `a` and `b` are the same sweep, else what differs, as a phrase: "the scenario file
/// changed (content hash 1234... instead of abcd...)".
std::string identity_difference(const SweepIdentity& a, const SweepIdentity& b);
/// The FNV-1a 64-bit hash of `bytes` as 16 lowercase hex digits.
std::string fnv1a64_hex(std::string_view bytes);

/// The sidecar OUT.meta, a small JSON object (docs/cli.md).
struct SweepMeta {
  SweepIdentity identity;
  SweepFormat format = SweepFormat::csv;
  Shard shard;
  std::string command;  // for people; not compared
};
std::string meta_to_json(const SweepMeta& meta);
/// Throws InputError naming `name` when the text is not a sweep's meta file.
SweepMeta parse_meta(const std::string& text, const std::string& name);

/// The grid a meta file describes (its --vary arguments expanded again). Throws InputError.
SweepGrid grid_of(const SweepIdentity& identity);

/// Builds and reads the output files. A file is a head, the rows in the order they were written
/// (in point order once a sweep has finished), and for JSON a tail.
class SweepFileLayout {
 public:
  SweepFileLayout(SweepFormat format, SweepIdentity identity, std::vector<std::string> keys);
  SweepFormat format() const { return format_; }
  /// CSV: the header line. JSON: the first line, up to `"rows":[`.
  std::string head() const;
  /// CSV: "" (a file is the head and the rows). JSON: "\n]}\n".
  std::string tail() const;
  /// One row. CSV: the record with its "\n". JSON: one line without separators.
  std::string row_text(const SweepRow& row) const;
  /// What goes before a row's text when it follows `rows_before` rows ("" or "\n" / ",\n").
  std::string separator(std::size_t rows_before) const;
  /// The whole file with these row texts, in this order.
  std::string file_text(const std::vector<std::string>& row_texts) const;

  /// What a file (possibly of an interrupted sweep) holds.
  struct Content {
    std::vector<SweepRow> rows;          // in file order
    std::vector<std::string> row_texts;  // row_text() of each, equal to the file's bytes
    /// The file ends in the middle of a row, or a JSON file lacks its tail (interrupted while
    /// writing): the complete rows before are kept.
    bool torn = false;
  };
  /// Reads a file of this sweep: the head must be this one; every row a point of `grid` in
  /// `shard`, once, with the grid's values, exactly as row_text() writes it. Throws InputError
  /// naming `name` and the line otherwise.
  Content parse(const std::string& text, const std::string& name, const SweepGrid& grid,
                const Shard& shard) const;

 private:
  SweepFormat format_;
  SweepIdentity identity_;
  std::vector<std::string> keys_;
};

/// "3, 5-9, 12": point numbers (sorted) with runs collapsed, for messages.
std::string describe_points(const std::vector<std::size_t>& sorted_points);

}  // namespace iosim::sim
