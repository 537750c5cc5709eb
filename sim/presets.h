// Named machines a scenario starts from (`platform: { preset: pc-1995 }`).
//
// A preset is a table of "section.key" -> value text, written with units exactly as a scenario
// would write them and parsed by the same parser, with the source of every number. The
// parameters a preset does not name keep their model defaults (the `textbook` machine, whose
// table is empty). docs/presets.md shows these tables (`iosim params --preset NAME --markdown`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/platform.h"

namespace iosim::sim {

struct PresetValue {
  const char* key;     // "disk.rpm"
  const char* value;   // "5400"
  const char* source;  // where the number comes from, or "unverified: ..." with the reasoning
};

struct Preset {
  const char* name;     // "pc-1995"
  const char* summary;  // one line for listings
  std::vector<PresetValue> values;
};

/// All presets, `textbook` first.
const std::vector<Preset>& presets();
/// The preset called `name`, or nullptr.
const Preset* find_preset(std::string_view name);
/// Their names, in order.
std::vector<std::string> preset_names();
/// The entry of `preset` for "section.key", or nullptr when the preset keeps the default.
const PresetValue* preset_value(const Preset& preset, std::string_view key);

/// Sets every parameter the preset names. A preset entry that does not parse is a bug in this
/// table: std::logic_error (the tests apply every preset).
void apply_preset(const Preset& preset, PlatformParams& params);

}  // namespace iosim::sim
