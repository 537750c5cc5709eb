#include "sim/param_table.h"

#include <type_traits>

#include <fmt/format.h>

#include "models/os/writeback_policy.h"
#include "sim/suggest.h"
#include "sim/units.h"

namespace iosim::sim {
namespace {

template <class T>
struct always_false : std::false_type {};

/// Collects the fields of one section. One overload per field type of models/core/params.h;
/// a model that declares a parameter of another type fails to compile here, on purpose.
struct FieldCollector {
  std::string section;
  std::vector<ParamRef>* out;

  void add(const ParamDoc& doc, ParamKind kind, decltype(ParamRef::field) field,
           std::vector<std::string> choices = {}) {
    out->push_back(ParamRef{section, doc, kind, std::move(choices), field});
  }
  void operator()(const ParamDoc& d, sc_core::sc_time& f) { add(d, ParamKind::time, &f); }
  void operator()(const ParamDoc& d, ByteSize& f) { add(d, ParamKind::size, &f); }
  void operator()(const ParamDoc& d, Bandwidth& f) { add(d, ParamKind::bandwidth, &f); }
  void operator()(const ParamDoc& d, Frequency& f) { add(d, ParamKind::frequency, &f); }
  void operator()(const ParamDoc& d, std::uint64_t& f) { add(d, ParamKind::count, &f); }
  void operator()(const ParamDoc& d, bool& f) { add(d, ParamKind::boolean, &f); }
  void operator()(const ParamDoc& d, double& f) { add(d, ParamKind::fraction, &f); }
  void operator()(const ParamDoc& d, std::string& f, Choices choices) {
    add(d, ParamKind::choice, &f, std::vector<std::string>(choices.begin(), choices.end()));
  }
  template <class T>
  void operator()(const ParamDoc&, T&) {
    static_assert(always_false<T>::value,
                  "a parameter type the scenario loader cannot parse: use one of the types listed "
                  "in models/core/params.h");
  }
};

struct SectionCollector {
  std::vector<ParamRef>* out;
  template <class Section>
  void operator()(const char* name, Section& section) {
    FieldCollector fields{name, out};
    section.visit_params(fields);
  }
};

/// Size parameters where 0 is a setting of its own: the vm.dirty_*_bytes sysctls, where 0 means
/// "use the ratio form" (their default).
bool zero_size_allowed(const ParamRef& param) {
  return param.key() == "kernel.dirty_bytes" || param.key() == "kernel.dirty_background_bytes";
}

std::string shortest_double(double value) {
  return fmt::format("{}", value);
}

}  // namespace

const char* to_string(ParamKind kind) {
  switch (kind) {
    case ParamKind::time:
      return "time";
    case ParamKind::size:
      return "size";
    case ParamKind::bandwidth:
      return "data rate";
    case ParamKind::frequency:
      return "frequency";
    case ParamKind::count:
      return "count";
    case ParamKind::boolean:
      return "true/false";
    case ParamKind::fraction:
      return "fraction";
    case ParamKind::choice:
      return "choice";
  }
  return "?";
}

const char* example_value(ParamKind kind) {
  switch (kind) {
    case ParamKind::time:
      return "7.4ms";
    case ParamKind::size:
      return "64KiB";
    case ParamKind::bandwidth:
      return "25.6GB/s";
    case ParamKind::frequency:
      return "33MHz";
    case ParamKind::count:
      return "128";
    case ParamKind::boolean:
      return "true";
    case ParamKind::fraction:
      return "25%";
    case ParamKind::choice:
      return "";
  }
  return "";
}

std::vector<ParamRef> list_params(PlatformParams& params) {
  std::vector<ParamRef> out;
  SectionCollector sections{&out};
  params.visit_sections(sections);
  return out;
}

std::vector<std::string> section_names() {
  PlatformParams params;
  std::vector<std::string> names;
  for (const ParamRef& p : list_params(params)) {
    if (names.empty() || names.back() != p.section) names.push_back(p.section);
  }
  return names;
}

std::vector<std::string> param_names(std::string_view section) {
  PlatformParams params;
  std::vector<std::string> names;
  for (const ParamRef& p : list_params(params)) {
    if (p.section == section) names.emplace_back(p.doc.name);
  }
  return names;
}

std::string format_param(const ParamRef& param) {
  struct Formatter {
    std::string operator()(const sc_core::sc_time* t) const { return format_time(*t); }
    std::string operator()(const ByteSize* s) const { return format_size(*s); }
    std::string operator()(const Bandwidth* b) const { return format_bandwidth(*b); }
    std::string operator()(const Frequency* f) const { return format_frequency(*f); }
    std::string operator()(const std::uint64_t* n) const { return std::to_string(*n); }
    std::string operator()(const bool* b) const { return *b ? "true" : "false"; }
    std::string operator()(const double* d) const { return shortest_double(*d); }
    std::string operator()(const std::string* s) const { return *s; }
  };
  return std::visit(Formatter{}, param.field);
}

void set_param(const ParamRef& param, std::string_view text) {
  struct Setter {
    const ParamRef& param;
    std::string_view text;

    void operator()(sc_core::sc_time* t) const { *t = parse_time(text); }
    void operator()(ByteSize* s) const {
      const ByteSize value = parse_size(text);
      if (zero_size_allowed(param)) {
        // vm.dirty_bytes refuses less than two pages (EINVAL), 0 aside.
        const std::uint64_t min_bytes = os::kDirtyBytesMinPages * os::DirtyParams{}.page_size.bytes;
        if (param.key() == "kernel.dirty_bytes" && value.bytes != 0 && value.bytes < min_bytes) {
          throw ParseError("vm.dirty_bytes must be at least " + format_size(ByteSize(min_bytes)) +
                           " (two pages), or 0B to use dirty_ratio; got '" + std::string(text) +
                           "'");
        }
        *s = value;
        return;
      }
      // No other size parameter of a machine can be empty: a zero width or sector size would
      // divide by zero in the models.
      if (value.bytes == 0) throw ParseError("a size here must be more than 0B");
      *s = value;
    }
    void operator()(Bandwidth* b) const {
      const Bandwidth value = parse_bandwidth(text);
      if (value.bytes_per_second == 0) throw ParseError("a data rate must be more than 0B/s");
      *b = value;
    }
    void operator()(Frequency* f) const {
      const Frequency value = parse_frequency(text);
      if (value.hertz == 0) throw ParseError("a frequency must be more than 0Hz");
      *f = value;
    }
    void operator()(std::uint64_t* n) const { *n = parse_count(text); }
    void operator()(bool* b) const { *b = parse_bool(text); }
    void operator()(double* d) const {
      const double value = parse_fraction(text);
      if (value > 1.0) {
        throw ParseError("expected a fraction between 0 and 1 (0% to 100%); got '" +
                         std::string(text) + "'");
      }
      *d = value;
    }
    void operator()(std::string* s) const {
      for (const std::string& choice : param.choices) {
        if (choice == text) {
          *s = choice;
          return;
        }
      }
      throw ParseError("expected one of " + join(param.choices) + "; got '" + std::string(text) +
                       "'" + did_you_mean(text, param.choices));
    }
  };
  std::visit(Setter{param, text}, param.field);
}

}  // namespace iosim::sim
