#include "sim/catalog.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sim/scenario.h"

namespace iosim::sim {
namespace {

namespace fs = std::filesystem;

/// Where `cmake --install` puts the scenarios, relative to the directory of the program.
const char* const kInstalledRelative = "../share/iosim/scenarios";
/// The group of files directly in the scenarios directory.
const char* const kTopGroup = ".";
/// Directories of this name hold fragments for `include:` (docs/scenario-format.md).
const char* const kIncludeDirectory = "include";

bool is_directory(const std::string& path) {
  std::error_code ec;
  return !path.empty() && fs::is_directory(path, ec);
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : canonical.string();
}

bool is_scenario_file(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

/// Fixed groups by their place in catalog_group_order(), the rest after them by name.
bool group_before(const std::string& a, const std::string& b) {
  const std::vector<std::string>& order = catalog_group_order();
  const auto rank = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), name) - order.begin());
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  return a < b;
}

}  // namespace

const std::vector<std::string>& catalog_group_order() {
  static const std::vector<std::string> order = {"mechanisms", "storage", "zero-copy", "cases"};
  return order;
}

std::string find_scenarios_dir(const std::string& explicit_dir, const std::string& env_dir,
                               const std::string& executable, const std::string& source_dir) {
  if (!explicit_dir.empty()) {
    if (!is_directory(explicit_dir)) {
      throw std::runtime_error("--dir " + explicit_dir + ": no such directory");
    }
    return absolute_path(explicit_dir);
  }
  if (!env_dir.empty()) {
    if (!is_directory(env_dir)) {
      throw std::runtime_error("IOSIM_SCENARIOS=" + env_dir + ": no such directory");
    }
    return absolute_path(env_dir);
  }
  std::vector<std::string> tried;
  if (!executable.empty()) {
    const std::string installed =
        (fs::path(executable).parent_path() / kInstalledRelative).lexically_normal().string();
    if (is_directory(installed)) return absolute_path(installed);
    tried.push_back(installed);
  }
  if (is_directory(source_dir)) return absolute_path(source_dir);
  if (!source_dir.empty()) tried.push_back(source_dir);
  std::string message = "cannot find the scenarios directory";
  if (!tried.empty()) {
    message += " (looked in ";
    for (std::size_t i = 0; i < tried.size(); ++i) message += (i == 0 ? "" : " and ") + tried[i];
    message += ")";
  }
  throw std::runtime_error(message + "; give --dir DIR or set IOSIM_SCENARIOS");
}

std::string first_sentence(const std::string& text) {
  std::string flat;
  for (char c : text) {
    const bool blank = c == '\n' || c == '\t' || c == ' ';
    if (blank) {
      if (!flat.empty() && flat.back() != ' ') flat += ' ';
    } else {
      flat += c;
    }
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  // A sentence ends at '.', '!' or '?' followed by a blank or the end ("64 KiB." yes,
  // "0.5ms" no).
  for (std::size_t i = 0; i < flat.size(); ++i) {
    const char c = flat[i];
    if ((c == '.' || c == '!' || c == '?') && (i + 1 == flat.size() || flat[i + 1] == ' ')) {
      return flat.substr(0, i + 1);
    }
  }
  return flat;
}

std::vector<CatalogGroup> list_scenarios(const std::string& dir) {
  std::map<std::string, std::vector<CatalogEntry>> by_group;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // include/ holds the fragments that scenarios share with `include:`, not scenarios.
    if (it->is_directory(ec) && it->path().filename() == kIncludeDirectory) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !is_scenario_file(it->path())) continue;
    CatalogEntry entry;
    entry.path = it->path().string();
    entry.file = it->path().filename().string();
    const fs::path relative_dir = it->path().parent_path().lexically_relative(dir);
    entry.group =
        relative_dir.empty() || relative_dir == "." ? kTopGroup : relative_dir.generic_string();
    try {
      const Scenario scenario = load_scenario_file(entry.path);
      entry.title = scenario.title;
      entry.summary = first_sentence(scenario.teaches);
    } catch (const ScenarioError& e) {
      entry.error = e.what();
    }
    by_group[entry.group].push_back(std::move(entry));
  }
  std::vector<CatalogGroup> groups;
  for (auto& [name, entries] : by_group) {
    std::sort(entries.begin(), entries.end(),
              [](const CatalogEntry& a, const CatalogEntry& b) { return a.file < b.file; });
    groups.push_back(CatalogGroup{name, std::move(entries)});
  }
  std::sort(groups.begin(), groups.end(), [](const CatalogGroup& a, const CatalogGroup& b) {
    return group_before(a.name, b.name);
  });
  return groups;
}

std::string format_catalog(const std::string& dir, const std::vector<CatalogGroup>& groups) {
  std::string out = "Scenarios in " + dir + "\n";
  if (groups.empty()) return out + "\n  (none)\n";
  // One column width for all groups, so the whole list reads as one table; the summary goes
  // under the title, where a long sentence does not push the columns apart.
  std::size_t file_width = 0;
  for (const CatalogGroup& group : groups) {
    for (const CatalogEntry& e : group.scenarios) file_width = std::max(file_width, e.file.size());
  }
  const std::string summary_indent(2 + file_width + 2, ' ');
  for (const CatalogGroup& group : groups) {
    out += "\n" + group.name + "\n";
    for (const CatalogEntry& e : group.scenarios) {
      out += "  " + e.file + std::string(file_width - e.file.size() + 2, ' ');
      if (!e.error.empty()) {
        out += "error: " + e.error + "\n";
        continue;
      }
      out += e.title + "\n";
      if (!e.summary.empty()) out += summary_indent + e.summary + "\n";
    }
  }
  return out;
}

std::string catalog_to_json(const std::string& dir, const std::vector<CatalogGroup>& groups) {
  nlohmann::ordered_json json;
  json["scenarios_dir"] = dir;
  json["groups"] = nlohmann::ordered_json::array();
  for (const CatalogGroup& group : groups) {
    nlohmann::ordered_json g;
    g["name"] = group.name;
    g["scenarios"] = nlohmann::ordered_json::array();
    for (const CatalogEntry& e : group.scenarios) {
      nlohmann::ordered_json s;
      s["path"] = e.path;
      s["group"] = e.group;
      s["file"] = e.file;
      s["title"] = e.title;
      s["summary"] = e.summary;
      if (!e.error.empty()) s["error"] = e.error;
      g["scenarios"].push_back(std::move(s));
    }
    json["groups"].push_back(std::move(g));
  }
  return json.dump(2) + "\n";
}

}  // namespace iosim::sim
