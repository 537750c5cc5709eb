#include "sim/sweep.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/export_json.h"
#include "sim/source_pos.h"
#include "sim/suggest.h"
#include "sim/units.h"
#include "sim/yaml_path.h"

namespace iosim::sim {
namespace {

using u128 = unsigned __int128;
using ordered_json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// Values of a range: a kind (what the loader would expect), an exact value in the kind's base
// unit, and the unit it was written with.

enum class ValueKind { time, size, rate, frequency, number };

const char* noun(ValueKind kind) {
  switch (kind) {
    case ValueKind::time:
      return "time";
    case ValueKind::size:
      return "size";
    case ValueKind::rate:
      return "data rate";
    case ValueKind::frequency:
      return "frequency";
    case ValueKind::number:
      return "plain number";
  }
  return "value";
}

/// What the base unit is, for "is not a whole number of ...".
const char* base_unit_noun(ValueKind kind) {
  switch (kind) {
    case ValueKind::time:
      return "picoseconds";
    case ValueKind::size:
      return "bytes";
    case ValueKind::rate:
      return "bits per second";
    case ValueKind::frequency:
      return "hertz";
    case ValueKind::number:
      return "10^-12";
  }
  return "units";
}

struct UnitSpec {
  const char* name;
  u128 factor;  // base units per unit
};

/// A family of units that print a value together (KiB with MiB, not with MB), smallest first.
/// Base units: ps, bytes, bits per second (so that Kb/s is whole), Hz, 10^-12 for numbers.
struct UnitFamily {
  ValueKind kind;
  std::vector<UnitSpec> units;
};

constexpr u128 kTera = 1'000'000'000'000ULL;

const std::vector<UnitFamily>& unit_families() {
  static const std::vector<UnitFamily> families = {
      {ValueKind::time,
       {{"ps", 1},
        {"ns", 1'000},
        {"us", 1'000'000},
        {"\xC2\xB5s", 1'000'000},  // µs, MICRO SIGN
        {"\xCE\xBCs", 1'000'000},  // μs, GREEK SMALL LETTER MU
        {"ms", 1'000'000'000},
        {"s", kTera}}},
      {ValueKind::size,
       {{"B", 1},
        {"KiB", 1ULL << 10},
        {"MiB", 1ULL << 20},
        {"GiB", 1ULL << 30},
        {"TiB", 1ULL << 40}}},
      {ValueKind::size,
       {{"B", 1}, {"kB", 1'000}, {"MB", 1'000'000}, {"GB", 1'000'000'000}, {"TB", kTera}}},
      {ValueKind::rate,
       {{"B/s", 8}, {"kB/s", 8'000}, {"MB/s", 8'000'000}, {"GB/s", 8'000'000'000ULL}}},
      {ValueKind::rate,
       {{"B/s", 8}, {"KiB/s", 8ULL << 10}, {"MiB/s", 8ULL << 20}, {"GiB/s", 8ULL << 30}}},
      {ValueKind::rate,
       {{"b/s", 1},
        {"Kb/s", 1'000},  // first: the spelling printed when the range wrote neither
        {"kb/s", 1'000},
        {"Mb/s", 1'000'000},
        {"Gb/s", 1'000'000'000}}},
      {ValueKind::frequency,
       {{"Hz", 1}, {"kHz", 1'000}, {"MHz", 1'000'000}, {"GHz", 1'000'000'000}}},
      {ValueKind::number, {{"", kTera}}},
      {ValueKind::number, {{"%", kTera / 100}}},
  };
  return families;
}

std::vector<std::string> all_unit_names() {
  std::vector<std::string> names;
  for (const UnitFamily& family : unit_families()) {
    for (const UnitSpec& unit : family.units) {
      if (*unit.name != '\0' && std::find(names.begin(), names.end(), unit.name) == names.end()) {
        names.emplace_back(unit.name);
      }
    }
  }
  return names;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string single_quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

u128 power_of_ten(unsigned n) {
  u128 p = 1;
  for (unsigned i = 0; i < n; ++i) p *= 10;
  return p;
}

std::string u128_to_string(u128 v) {
  if (v == 0) return "0";
  std::string digits;
  while (v > 0) {
    digits += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return std::string(digits.rbegin(), digits.rend());
}

/// value / factor written as an exact decimal ("13.5"); factors are products of 2s and 5s, so the
/// decimal always ends.
std::string exact_quotient(u128 value, u128 factor) {
  unsigned decimals = 0;
  u128 scaled = value;
  while (scaled % factor != 0 && decimals < 40) {
    scaled *= 10;
    ++decimals;
  }
  std::string digits = u128_to_string(scaled / factor);
  if (decimals == 0) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
  digits.insert(digits.size() - decimals, ".");
  return digits;
}

/// One bound (or step) of a range.
struct Quantity {
  ValueKind kind = ValueKind::number;
  u128 value = 0;
  std::string unit;  // as written, "" for a plain number
};

/// The unit that follows the number in `text` ("" for none).
std::string_view unit_part(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  return trim(text.substr(i));
}

Quantity parse_quantity(std::string_view raw) {
  const std::string_view text = trim(raw);
  if (text.empty()) throw ParseError("a bound of the range is empty");
  if (text.front() == '-')
    throw ParseError("a range cannot have negative values: " + single_quoted(text));
  Quantity q;
  if (text.size() > 2 && text.substr(0, 2) == "0x") {
    q.value = static_cast<u128>(parse_count(text)) * kTera;
    return q;
  }
  if (!std::isdigit(static_cast<unsigned char>(text.front())) && text.front() != '.') {
    throw ParseError("expected a number with its unit, like 4KiB or 1ms; got " +
                     single_quoted(text));
  }
  q.unit = std::string(unit_part(text));
  const UnitFamily* family = nullptr;
  for (const UnitFamily& f : unit_families()) {
    for (const UnitSpec& u : f.units) {
      if (q.unit == u.name) family = &f;
    }
    if (family != nullptr) break;
  }
  if (family == nullptr) {
    throw ParseError("unknown unit " + single_quoted(q.unit) + " in " + single_quoted(text) +
                     did_you_mean(q.unit, all_unit_names()));
  }
  q.kind = family->kind;
  // The value itself through sim/units, as the loader reads it (exact; same messages).
  switch (q.kind) {
    case ValueKind::time:
      q.value = parse_time_ps(text);
      break;
    case ValueKind::size:
      q.value = parse_size(text).bytes;
      break;
    case ValueKind::frequency:
      q.value = parse_frequency(text).hertz;
      break;
    case ValueKind::rate:
      if (q.unit == "b/s") {
        // Bits are below the loader's whole bytes per second; read them here.
        const Decimal d = parse_plain_decimal(text.substr(0, text.size() - q.unit.size()));
        if (d.mantissa % power_of_ten(d.scale) != 0) {
          throw ParseError(single_quoted(text) + " is not a whole number of bits per second");
        }
        q.value = d.mantissa / power_of_ten(d.scale);
      } else {
        q.value = static_cast<u128>(parse_bandwidth(text).bytes_per_second) * 8;
      }
      break;
    case ValueKind::number: {
      const Decimal d = q.unit == "%" ? parse_percent(text) : parse_plain_decimal(text);
      if (d.scale > 12) throw ParseError(single_quoted(text) + " has more than 12 decimals");
      q.value = d.mantissa * power_of_ten(12 - d.scale);
      break;
    }
  }
  return q;
}

bool family_has(const UnitFamily& family, const std::string& unit) {
  return std::any_of(family.units.begin(), family.units.end(),
                     [&](const UnitSpec& u) { return unit == u.name; });
}

/// Prints the values of a range in the units it was written in.
class RangePrinter {
 public:
  explicit RangePrinter(const std::vector<Quantity>& written) {
    // The family that holds the start's unit and as many of the others as possible.
    std::size_t best_count = 0;
    for (const UnitFamily& f : unit_families()) {
      if (f.kind != written.front().kind || !family_has(f, written.front().unit)) continue;
      std::size_t count = 0;
      for (const Quantity& q : written) count += family_has(f, q.unit) ? 1 : 0;
      if (count > best_count) {
        best_count = count;
        family_ = &f;
      }
    }
    for (const Quantity& q : written) {
      for (const UnitSpec& u : family_->units) {
        if (q.unit != u.name) continue;
        smallest_written_ = std::min(smallest_written_, u.factor);
        spelling_.emplace(u.factor, u.name);  // the first spelling written wins (us or µs)
      }
    }
  }

  std::string print(u128 value) const {
    if (value == 0) return "0" + name_of(smallest_written_);  // whole in every unit
    const UnitSpec* chosen = nullptr;
    for (const UnitSpec& u : family_->units) {
      if (u.factor >= smallest_written_ && value % u.factor == 0) chosen = &u;  // largest wins
    }
    if (chosen == nullptr) {
      return exact_quotient(value, smallest_written_) + name_of(smallest_written_);
    }
    return u128_to_string(value / chosen->factor) + name_of(chosen->factor);
  }

 private:
  std::string name_of(u128 factor) const {
    const auto written = spelling_.find(factor);
    if (written != spelling_.end()) return written->second;
    for (const UnitSpec& u : family_->units) {
      if (u.factor == factor) return u.name;
    }
    return "";
  }

  const UnitFamily* family_ = nullptr;
  u128 smallest_written_ = std::numeric_limits<u128>::max();
  std::map<u128, std::string> spelling_;
};

/// Positions of `separator` in `text` outside quotes and {} / [] (YAML flow values).
std::vector<std::size_t> top_level_positions(std::string_view text, std::string_view separator) {
  std::vector<std::size_t> positions;
  int depth = 0;
  char quote = '\0';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != '\0') {
      if (c == quote) quote = '\0';
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (depth == 0 && text.substr(i, separator.size()) == separator) {
      positions.push_back(i);
    }
  }
  return positions;
}

std::vector<std::string> expand_list(std::string_view text) {
  std::vector<std::string> values;
  std::size_t begin = 0;
  std::vector<std::size_t> commas = top_level_positions(text, ",");
  commas.push_back(text.size());
  for (std::size_t comma : commas) {
    const std::string_view item = trim(text.substr(begin, comma - begin));
    if (item.empty()) {
      throw ParseError("the list has an empty value (two commas in a row, or one at an end)");
    }
    values.emplace_back(item);
    begin = comma + 1;
  }
  if (values.size() > kMaxSweepPoints) {
    throw ParseError("the list has more than " + std::to_string(kMaxSweepPoints) + " values");
  }
  return values;
}

const char* const kRangeForm =
    "expected LO..HI:xFACTOR or LO..HI:+STEP, like 4KiB..1GiB:x4 or 1ms..5ms:+1ms";

std::vector<std::string> expand_range(std::string_view text, std::size_t dots) {
  const std::string_view low_text = trim(text.substr(0, dots));
  const std::string_view rest = text.substr(dots + 2);
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) throw ParseError(std::string(kRangeForm) + "; no ':'");
  const std::string_view high_text = trim(rest.substr(0, colon));
  const std::string_view step_text = trim(rest.substr(colon + 1));
  if (step_text.empty() || (step_text.front() != 'x' && step_text.front() != '+')) {
    throw ParseError(std::string(kRangeForm) + "; got " + single_quoted(step_text) + " after ':'");
  }
  const Quantity low = parse_quantity(low_text);
  const Quantity high = parse_quantity(high_text);
  if (low.kind != high.kind) {
    throw ParseError("the start " + single_quoted(low_text) + " is a " + noun(low.kind) +
                     " and the end " + single_quoted(high_text) + " a " + noun(high.kind) +
                     ": both must be of one kind");
  }
  if (low.value > high.value) {
    throw ParseError("the start " + std::string(low_text) + " is greater than the end " +
                     std::string(high_text));
  }
  std::vector<Quantity> written = {low, high};
  std::vector<u128> points;
  const std::string too_many =
      "the range has more than " + std::to_string(kMaxSweepPoints) + " points";
  if (step_text.front() == 'x') {
    const Decimal factor = parse_plain_decimal(step_text.substr(1));
    const u128 denominator = power_of_ten(factor.scale);
    if (factor.mantissa <= denominator) {
      throw ParseError("the factor must be greater than 1; got " + single_quoted(step_text));
    }
    if (low.value == 0) throw ParseError("a geometric range (xFACTOR) cannot start at 0");
    for (u128 v = low.value; v <= high.value;) {
      points.push_back(v);
      if (points.size() > kMaxSweepPoints) throw ParseError(too_many);
      if (v > std::numeric_limits<u128>::max() / factor.mantissa) break;  // far beyond HI
      const u128 next = v * factor.mantissa;
      if (next / denominator > high.value) break;
      if (next % denominator != 0) {
        throw ParseError(RangePrinter(written).print(v) + " " + std::string(step_text) +
                         " is not a whole number of " + base_unit_noun(low.kind) +
                         "; choose a factor that keeps every value whole, like x2");
      }
      v = next / denominator;
    }
  } else {
    const Quantity step = parse_quantity(step_text.substr(1));
    if (step.kind != low.kind) {
      throw ParseError("the step " + single_quoted(step_text.substr(1)) + " is a " +
                       noun(step.kind) + ", the range's values are of kind " + noun(low.kind));
    }
    if (step.value == 0) throw ParseError("the step must be greater than 0");
    if ((high.value - low.value) / step.value >= kMaxSweepPoints) throw ParseError(too_many);
    for (u128 v = low.value; v <= high.value; v += step.value) points.push_back(v);
    written.push_back(step);
  }
  const RangePrinter printer(written);
  std::vector<std::string> values;
  values.reserve(points.size());
  for (u128 v : points) values.push_back(printer.print(v));
  return values;
}

InputError error_at(const std::string& origin, const std::string& message) {
  return InputError(SourcePos{"", 0, 0, origin}, message);
}

/// A row's cell in JSON: null, true/false or the number exactly as the CSV has it.
bool is_json_number(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t digits_start = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == digits_start) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t fraction = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == fraction) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t exponent = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == exponent) return false;
  }
  return i == s.size();
}

std::string json_string(const std::string& s) {
  return ordered_json(s).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string json_cell(const std::string& cell) {
  if (cell == "true" || cell == "false") return cell;
  if (is_json_number(cell)) return cell;
  return "null";
}

/// The inverse of json_cell for a parsed value.
std::string cell_of_json(const ordered_json& value) {
  if (value.is_null()) return "";
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number_float()) return fmt::format("{}", value.get<double>());
  throw std::runtime_error("a metric is neither a number, true/false nor null");
}

bool parse_status(const std::string& text, SweepStatus& status) {
  for (SweepStatus s : {SweepStatus::ok, SweepStatus::failed, SweepStatus::error}) {
    if (text == to_string(s)) {
      status = s;
      return true;
    }
  }
  return false;
}

bool parse_index(const std::string& text, std::size_t& value) {
  if (text.empty() || text.size() > 18) return false;
  value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

/// One CSV record: its fields, where it ends, and whether a line break ends it.
struct CsvRecord {
  std::vector<std::string> fields;
  std::size_t begin = 0, end = 0;
  int line = 0;
  bool terminated = false;
};

/// Reads RFC 4180 records from `pos`; stops at the end of the text.
std::vector<CsvRecord> split_csv(const std::string& text, std::size_t pos, int first_line) {
  std::vector<CsvRecord> records;
  int line = first_line;
  while (pos < text.size()) {
    CsvRecord record;
    record.begin = pos;
    record.line = line;
    std::string field;
    bool in_quotes = false, done = false;
    while (pos < text.size() && !done) {
      const char c = text[pos++];
      if (in_quotes) {
        if (c == '"') {
          if (pos < text.size() && text[pos] == '"') {
            field += '"';
            ++pos;
          } else {
            in_quotes = false;
          }
        } else {
          if (c == '\n') ++line;
          field += c;
        }
      } else if (c == '"') {
        in_quotes = true;
      } else if (c == ',') {
        record.fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n') {
        ++line;
        done = true;
        record.terminated = true;
      } else {
        field += c;
      }
    }
    record.fields.push_back(std::move(field));
    record.end = pos;
    records.push_back(std::move(record));
  }
  return records;
}

std::string join_csv(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  return out + "\n";
}

std::string list_text(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : join(items, " ");
}

}  // namespace

// -------------------------------------------------------------------------------------------------

std::vector<std::string> expand_sweep_values(std::string_view values_text) {
  const std::string_view text = trim(values_text);
  if (text.empty()) throw ParseError("no values; expected a list like pio,dma or a range");
  if (top_level_positions(text, ",").empty()) {
    const std::vector<std::size_t> dots = top_level_positions(text, "..");
    if (!dots.empty()) return expand_range(text, dots.front());
  }
  return expand_list(text);
}

VaryAxis parse_vary(const std::string& key_equals_values) {
  const std::string origin = "--vary " + key_equals_values;
  const std::size_t equals = key_equals_values.find('=');
  if (equals == std::string::npos) {
    throw error_at(origin, "expected KEY=VALUES, like size=4KiB..1MiB:x4 or mechanism=pio,dma");
  }
  VaryAxis axis;
  axis.key = std::string(trim(std::string_view(key_equals_values).substr(0, equals)));
  axis.values_text = key_equals_values.substr(equals + 1);
  if (axis.key.empty()) throw error_at(origin, "the KEY before '=' is empty");
  try {
    parse_path(axis.key);
  } catch (const PathError& e) {
    throw error_at(origin, e.what());
  }
  try {
    axis.values = expand_sweep_values(axis.values_text);
  } catch (const ParseError& e) {
    throw error_at(origin, e.what());
  }
  return axis;
}

SweepGrid::SweepGrid(std::vector<VaryAxis> axes) : axes_(std::move(axes)) {
  std::set<std::string> keys;
  for (const VaryAxis& axis : axes_) {
    if (!keys.insert(axis.key).second) {
      throw error_at("--vary " + axis.argument(), axis.key + " is varied twice");
    }
    if (axis.values.empty() || size_ > kMaxSweepPoints / axis.values.size()) {
      throw error_at("iosim sweep", "the --vary arguments make more than " +
                                        std::to_string(kMaxSweepPoints) + " points");
    }
    size_ *= axis.values.size();
  }
}

std::vector<std::string> SweepGrid::keys() const {
  std::vector<std::string> keys;
  for (const VaryAxis& axis : axes_) keys.push_back(axis.key);
  return keys;
}

std::vector<std::string> SweepGrid::values_at(std::size_t point) const {
  std::vector<std::string> values(axes_.size());
  for (std::size_t i = axes_.size(); i-- > 0;) {
    const std::size_t n = axes_[i].values.size();
    values[i] = axes_[i].values[point % n];
    point /= n;
  }
  return values;
}

Shard parse_shard(const std::string& text) {
  const std::string origin = "--shard " + text;
  const std::size_t slash = text.find('/');
  Shard shard;
  if (slash == std::string::npos || !parse_index(text.substr(0, slash), shard.index) ||
      !parse_index(text.substr(slash + 1), shard.count)) {
    throw error_at(origin, "expected I/N (this process's share I of N, counting from 1), like 2/8");
  }
  if (shard.count == 0 || shard.index == 0 || shard.index > shard.count) {
    throw error_at(origin, "I must be between 1 and N");
  }
  return shard;
}

const std::vector<std::string>& default_sweep_metrics() {
  static const std::vector<std::string> metrics = {
      "sim_time_ps",      "copies.total", "copies.cpu",     "copies.dma",  "mode_switches",
      "context_switches", "syscalls",     "interrupts",     "cpu.busy_ps", "cpu.user_ps",
      "cpu.kernel_ps",    "cpu.irq_ps",   "bytes.verified", "verified",    kThroughputMetric};
  return metrics;
}

std::vector<std::string> parse_sweep_metrics(const std::string& list) {
  const std::string origin = "--metrics " + list;
  std::vector<std::string> names;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    std::size_t comma = list.find(',', begin);
    if (comma == std::string::npos) comma = list.size();
    const std::string name(trim(std::string_view(list).substr(begin, comma - begin)));
    begin = comma + 1;
    if (name.empty()) throw error_at(origin, "a metric name is empty");
    if (name != kThroughputMetric && find_metric_definition(name) == nullptr) {
      std::vector<std::string> known = concrete_metric_names();
      known.emplace_back(kThroughputMetric);
      throw error_at(origin, "unknown metric " + single_quoted(name) + did_you_mean(name, known) +
                                 " (iosim metrics lists them)");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw error_at(origin, "metric " + single_quoted(name) + " is named twice");
    }
    names.push_back(name);
  }
  return names;
}

std::string sweep_metric_cell(const Metrics& metrics, const std::string& name) {
  if (name == kThroughputMetric) {
    const auto bytes = metrics.find("bytes.verified");
    const auto time = metrics.find("sim_time_ps");
    if (bytes == metrics.end() || time == metrics.end()) return "";
    const auto* b = std::get_if<std::int64_t>(&bytes->second);
    const auto* t = std::get_if<std::int64_t>(&time->second);
    if (b == nullptr || t == nullptr || *b < 0 || *t <= 0) return "";
    return u128_to_string(static_cast<u128>(*b) * kTera / static_cast<u128>(*t));
  }
  const auto found = metrics.find(name);
  return found == metrics.end() ? "" : format_metric_plain(found->second);
}

const char* to_string(SweepStatus status) {
  switch (status) {
    case SweepStatus::ok:
      return "ok";
    case SweepStatus::failed:
      return "failed";
    case SweepStatus::error:
      return "error";
  }
  return "error";
}

SweepFormat sweep_format_of(const std::string& path, const std::string& option) {
  const auto ends_with = [&](std::string_view suffix) {
    return path.size() > suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".csv")) return SweepFormat::csv;
  if (ends_with(".json")) return SweepFormat::json;
  throw error_at(option + " " + path, "expected a file name ending in .csv or .json");
}

std::string fnv1a64_hex(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::string identity_difference(const SweepIdentity& a, const SweepIdentity& b) {
  if (a.scenario != b.scenario)
    return "scenario " + single_quoted(a.scenario) + " vs " + single_quoted(b.scenario);
  if (a.scenario_hash != b.scenario_hash) {
    return "the scenario file's content differs (hash " + a.scenario_hash + " vs " +
           b.scenario_hash + ")";
  }
  if (a.sets != b.sets) return "--set " + list_text(a.sets) + " vs " + list_text(b.sets);
  if (a.vary != b.vary) return "--vary " + list_text(a.vary) + " vs " + list_text(b.vary);
  if (a.metrics != b.metrics) {
    return "metrics " + join(a.metrics, ",") + " vs " + join(b.metrics, ",");
  }
  if (a.points != b.points) {
    return std::to_string(a.points) + " points vs " + std::to_string(b.points);
  }
  return "";
}

std::string meta_to_json(const SweepMeta& meta) {
  ordered_json j;
  j["format"] = "iosim-sweep-meta";
  j["version"] = 1;
  j["output"] = meta.format == SweepFormat::csv ? "csv" : "json";
  j["scenario"] = meta.identity.scenario;
  j["scenario_fnv1a64"] = meta.identity.scenario_hash;
  j["set"] = meta.identity.sets;
  j["vary"] = meta.identity.vary;
  j["metrics"] = meta.identity.metrics;
  j["points"] = meta.identity.points;
  j["shard"] = meta.shard.to_string();
  j["command"] = meta.command;
  return j.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

SweepMeta parse_meta(const std::string& text, const std::string& name) {
  const SourcePos at{name};
  SweepMeta meta;
  try {
    const ordered_json j = ordered_json::parse(text);
    if (!j.is_object() || j.value("format", "") != "iosim-sweep-meta") {
      throw InputError(at, "not an iosim sweep meta file (no \"format\": \"iosim-sweep-meta\")");
    }
    if (j.at("version").get<int>() != 1) {
      throw InputError(at, "meta file version " + j.at("version").dump() +
                               " is not supported (this iosim reads version 1)");
    }
    const std::string output = j.at("output").get<std::string>();
    if (output != "csv" && output != "json") {
      throw InputError(at, "\"output\" must be \"csv\" or \"json\"");
    }
    meta.format = output == "csv" ? SweepFormat::csv : SweepFormat::json;
    meta.identity.scenario = j.at("scenario").get<std::string>();
    meta.identity.scenario_hash = j.at("scenario_fnv1a64").get<std::string>();
    meta.identity.sets = j.at("set").get<std::vector<std::string>>();
    meta.identity.vary = j.at("vary").get<std::vector<std::string>>();
    meta.identity.metrics = j.at("metrics").get<std::vector<std::string>>();
    meta.identity.points = j.at("points").get<std::size_t>();
    try {
      meta.shard = parse_shard(j.at("shard").get<std::string>());
    } catch (const InputError& e) {
      throw InputError(at, std::string("\"shard\": ") + e.message());
    }
    meta.command = j.value("command", "");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(at, std::string("not a valid iosim sweep meta file: ") + e.what());
  }
  return meta;
}

SweepGrid grid_of(const SweepIdentity& identity) {
  std::vector<VaryAxis> axes;
  for (const std::string& vary : identity.vary) axes.push_back(parse_vary(vary));
  SweepGrid grid(std::move(axes));
  if (grid.size() != identity.points) {
    throw error_at("iosim sweep", "the --vary arguments " + list_text(identity.vary) + " make " +
                                      std::to_string(grid.size()) + " points, not " +
                                      std::to_string(identity.points));
  }
  return grid;
}

// -------------------------------------------------------------------------------------------------

SweepFileLayout::SweepFileLayout(SweepFormat format, SweepIdentity identity,
                                 std::vector<std::string> keys)
    : format_(format), identity_(std::move(identity)), keys_(std::move(keys)) {}

std::string SweepFileLayout::head() const {
  if (format_ == SweepFormat::csv) {
    std::vector<std::string> columns = {"point"};
    columns.insert(columns.end(), keys_.begin(), keys_.end());
    columns.emplace_back("status");
    columns.insert(columns.end(), identity_.metrics.begin(), identity_.metrics.end());
    return join_csv(columns);
  }
  ordered_json j;
  j["format"] = "iosim-sweep";
  j["version"] = 1;
  j["scenario"] = identity_.scenario;
  j["vary"] = keys_;
  j["metrics"] = identity_.metrics;
  std::string text = j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  text.pop_back();  // the closing brace: the rows follow
  return text + ",\"rows\":[";
}

std::string SweepFileLayout::tail() const {
  return format_ == SweepFormat::csv ? "" : "\n]}\n";
}

std::string SweepFileLayout::separator(std::size_t rows_before) const {
  if (format_ == SweepFormat::csv) return "";
  return rows_before == 0 ? "\n" : ",\n";
}

std::string SweepFileLayout::row_text(const SweepRow& row) const {
  if (format_ == SweepFormat::csv) {
    std::vector<std::string> fields = {std::to_string(row.point)};
    fields.insert(fields.end(), row.values.begin(), row.values.end());
    fields.emplace_back(to_string(row.status));
    fields.insert(fields.end(), row.cells.begin(), row.cells.end());
    return join_csv(fields);
  }
  std::string text = "{\"point\":" + std::to_string(row.point) + ",\"values\":{";
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (i > 0) text += ',';
    text += json_string(keys_[i]) + ":" + json_string(row.values[i]);
  }
  text += std::string("},\"status\":\"") + to_string(row.status) + "\"";
  if (row.status != SweepStatus::ok) text += ",\"reason\":" + json_string(row.reason);
  text += ",\"metrics\":{";
  for (std::size_t i = 0; i < identity_.metrics.size(); ++i) {
    if (i > 0) text += ',';
    text += json_string(identity_.metrics[i]) + ":" + json_cell(row.cells[i]);
  }
  return text + "}}";
}

std::string SweepFileLayout::file_text(const std::vector<std::string>& row_texts) const {
  std::string text = head();
  for (std::size_t i = 0; i < row_texts.size(); ++i) text += separator(i) + row_texts[i];
  return text + tail();
}

SweepFileLayout::Content SweepFileLayout::parse(const std::string& text, const std::string& name,
                                                const SweepGrid& grid, const Shard& shard) const {
  Content content;
  const std::string expected_head = head();
  if (text.compare(0, expected_head.size(), expected_head) != 0) {
    const std::string first_line = text.substr(0, text.find('\n'));
    throw InputError(SourcePos{name, 1, 1},
                     "the first line is not this sweep's " +
                         std::string(format_ == SweepFormat::csv ? "header" : "head") +
                         " (expected " +
                         single_quoted(expected_head.substr(0, expected_head.find('\n'))) +
                         ", found " + single_quoted(first_line) + ")");
  }
  std::set<std::size_t> seen;
  // Checks a row read back from the file and keeps it.
  const auto accept = [&](SweepRow row, const std::string& original, int line) {
    const SourcePos at{name, line, 1};
    if (row.point >= grid.size()) {
      throw InputError(at, "point " + std::to_string(row.point) + " is not in the grid (" +
                               std::to_string(grid.size()) + " points)");
    }
    if (!shard.contains(row.point)) {
      throw InputError(
          at, "point " + std::to_string(row.point) + " is not in shard " + shard.to_string());
    }
    if (!seen.insert(row.point).second) {
      throw InputError(at, "point " + std::to_string(row.point) + " appears twice");
    }
    if (row.values != grid.values_at(row.point)) {
      throw InputError(at, "the values of point " + std::to_string(row.point) +
                               " are not the grid's (" + join(grid.values_at(row.point), ", ") +
                               ")");
    }
    for (std::size_t m = 0; m < row.cells.size(); ++m) {
      const std::string& cell = row.cells[m];
      if (!cell.empty() && cell != "true" && cell != "false" && !is_json_number(cell)) {
        throw InputError(at, "metric " + identity_.metrics[m] + " of point " +
                                 std::to_string(row.point) +
                                 " is not a number: " + single_quoted(cell));
      }
    }
    const std::string rewritten = row_text(row);
    if (rewritten != original) {
      throw InputError(at, "the row of point " + std::to_string(row.point) +
                               " is not as iosim sweep writes it (was the file edited?)");
    }
    content.rows.push_back(std::move(row));
    content.row_texts.push_back(rewritten);
  };
  const std::size_t columns = 2 + keys_.size() + identity_.metrics.size();

  if (format_ == SweepFormat::csv) {
    for (CsvRecord& record : split_csv(text, expected_head.size(), 2)) {
      if (!record.terminated) {
        content.torn = true;  // the last write was cut short
        break;
      }
      const SourcePos at{name, record.line, 1};
      if (record.fields.size() != columns) {
        throw InputError(at, std::to_string(record.fields.size()) + " fields, the header has " +
                                 std::to_string(columns));
      }
      SweepRow row;
      if (!parse_index(record.fields[0], row.point)) {
        throw InputError(at, "'point' is not a number: " + single_quoted(record.fields[0]));
      }
      row.values.assign(record.fields.begin() + 1, record.fields.begin() + 1 + keys_.size());
      if (!parse_status(record.fields[1 + keys_.size()], row.status)) {
        throw InputError(at, "'status' must be ok, failed or error, not " +
                                 single_quoted(record.fields[1 + keys_.size()]));
      }
      row.cells.assign(record.fields.begin() + 2 + keys_.size(), record.fields.end());
      accept(std::move(row), text.substr(record.begin, record.end - record.begin), record.line);
    }
    return content;
  }

  // JSON: the head, then "\n" ROW (",\n" ROW)* "\n]}\n", one row per line.
  std::size_t pos = expected_head.size();
  int line = 1;
  const std::string closing = "]}";
  bool closed = false;
  while (pos < text.size()) {
    if (text[pos] != '\n') throw InputError(SourcePos{name, line, 1}, "expected a line break");
    ++pos;
    ++line;
    const std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) {
      content.torn = true;
      break;
    }
    std::string row_line = text.substr(pos, end - pos);
    if (row_line == closing) {
      if (end + 1 != text.size()) {
        throw InputError(SourcePos{name, line + 1, 1}, "text after the end of the rows");
      }
      closed = true;
      break;
    }
    if (!row_line.empty() && row_line.back() == ',') row_line.pop_back();
    const SourcePos at{name, line, 1};
    ordered_json j;
    try {
      j = ordered_json::parse(row_line);
      SweepRow row;
      row.point = j.at("point").get<std::size_t>();
      const ordered_json& values = j.at("values");
      for (const std::string& key : keys_) row.values.push_back(values.at(key).get<std::string>());
      if (!parse_status(j.at("status").get<std::string>(), row.status)) {
        throw InputError(at, "'status' must be ok, failed or error");
      }
      if (row.status != SweepStatus::ok) row.reason = j.at("reason").get<std::string>();
      const ordered_json& metrics = j.at("metrics");
      for (const std::string& metric : identity_.metrics) {
        row.cells.push_back(cell_of_json(metrics.at(metric)));
      }
      accept(std::move(row), row_line, line);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(at, std::string("not a row of this sweep: ") + e.what());
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const InputError*>(&e) != nullptr) throw;
      throw InputError(at, std::string("not a row of this sweep: ") + e.what());
    }
    pos = end;
  }
  if (!closed) content.torn = true;
  return content;
}

std::string describe_points(const std::vector<std::size_t>& points) {
  std::string out;
  for (std::size_t i = 0; i < points.size();) {
    std::size_t j = i;
    while (j + 1 < points.size() && points[j + 1] == points[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += std::to_string(points[i]);
    if (j > i) out += "-" + std::to_string(points[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace iosim::sim
