// The platform's parameters as a flat table, found by walking the models' own declarations
// (PlatformParams::visit_sections and each section's visit_params). Nothing here names a
// parameter: a parameter added to a model appears in scenario files, `iosim params` and
// `iosim explain` without touching the simulator.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/platform.h"

namespace iosim::sim {

/// The unit kind of a parameter, following the field type (models/core/params.h).
enum class ParamKind { time, size, bandwidth, frequency, count, boolean, fraction, choice };

/// "time", "size", "data rate", ...
const char* to_string(ParamKind kind);
/// A value of that kind as a scenario writes it: "7.4ms", "64KiB", ...
const char* example_value(ParamKind kind);

/// One parameter of one PlatformParams object; `field` points into that object.
struct ParamRef {
  std::string section;  // "disk"
  ParamDoc doc;         // name, description, source
  ParamKind kind;
  std::vector<std::string> choices;  // for ParamKind::choice
  std::variant<sc_core::sc_time*, ByteSize*, Bandwidth*, Frequency*, std::uint64_t*, bool*, double*,
               std::string*>
      field;

  /// "disk.rpm"
  std::string key() const { return section + "." + doc.name; }
};

/// Every parameter of `params`, in declaration order (sections, then fields).
std::vector<ParamRef> list_params(PlatformParams& params);
/// The section names in declaration order ("cpu", "bus", ...).
std::vector<std::string> section_names();
/// The parameter names of one section, in declaration order.
std::vector<std::string> param_names(std::string_view section);

/// The parameter's current value as a scenario would write it ("8ms", "64KiB", "hdd").
std::string format_param(const ParamRef& param);
/// Sets the parameter from scenario text. Throws ParseError with a message that says what was
/// expected; values that cannot make sense for any machine (a zero clock, a zero-byte width, a
/// fraction above 100%) are rejected here too.
void set_param(const ParamRef& param, std::string_view text);

}  // namespace iosim::sim
