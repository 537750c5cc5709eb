// `iosim explain --json`: what a GUI needs to show a scenario and build a form of its knobs.
#include <nlohmann/json.hpp>

#include "sim/param_table.h"
#include "sim/presets.h"
#include "sim/report.h"

namespace iosim::sim {

std::string explain_to_json(const Scenario& scenario) {
  nlohmann::ordered_json json;
  json["file"] = scenario.file;
  json["title"] = scenario.title;
  json["teaches"] = scenario.teaches;
  json["includes"] = scenario.includes;
  json["seed"] = scenario.seed;
  json["preset"] = scenario.preset;

  const Preset* preset = find_preset(scenario.preset);
  nlohmann::ordered_json platform = nlohmann::ordered_json::array();
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
    nlohmann::ordered_json param;
    param["name"] = p.key();
    param["value"] = format_param(p);
    param["kind"] = to_string(knob_kind(p.kind));
    if (p.kind == ParamKind::choice) param["choices"] = p.choices;
    param["origin"] = to_string(origin);
    param["source"] = source;
    platform.push_back(std::move(param));
  }
  json["platform"] = std::move(platform);

  nlohmann::ordered_json processes = nlohmann::ordered_json::array();
  for (const os::ProcessSpec& p : scenario.processes) {
    nlohmann::ordered_json process;
    process["name"] = p.name;
    if (!p.setup.empty()) {
      process["setup"] = nlohmann::ordered_json::array();
      for (const os::Operation& op : p.setup) process["setup"].push_back(describe_operation(op));
    }
    process["program"] = nlohmann::ordered_json::array();
    for (const os::Operation& op : p.program) process["program"].push_back(describe_operation(op));
    processes.push_back(std::move(process));
  }
  json["processes"] = std::move(processes);
  if (scenario.crash) {
    nlohmann::ordered_json crash;
    crash["at"] = format_time(scenario.crash->at);
    crash["kind"] = os::to_string(scenario.crash->kind);
    json["crash"] = std::move(crash);
  }

  nlohmann::ordered_json expectations = nlohmann::ordered_json::array();
  for (const Expectation& e : scenario.expectations) {
    nlohmann::ordered_json expectation;
    expectation["metric"] = e.metric;
    expectation["claim"] = e.describe();
    expectations.push_back(std::move(expectation));
  }
  json["expectations"] = std::move(expectations);

  nlohmann::ordered_json knobs = nlohmann::ordered_json::array();
  for (const Knob& k : scenario.knobs) {
    nlohmann::ordered_json knob;
    knob["name"] = k.name;
    knob["label"] = k.label;
    knob["path"] = k.path;
    knob["value"] = k.value;
    knob["kind"] = to_string(k.kind);
    knob["choices"] = k.choices;
    knobs.push_back(std::move(knob));
  }
  json["knobs"] = std::move(knobs);
  return json.dump(2) + "\n";
}

}  // namespace iosim::sim
