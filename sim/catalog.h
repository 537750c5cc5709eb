// The library of built-in scenarios (`iosim list`): where it is, and what each file is about.
//
// Scenarios are grouped by their directory under scenarios/ (mechanisms, storage, zero-copy,
// cases, ...). A file that does not load is still listed, with its error, so that a GUI's
// scenario browser shows every file and a broken one says what is wrong with it.
#pragma once

#include <string>
#include <vector>

namespace iosim::sim {

struct CatalogEntry {
  std::string path;     // the file, under the scenarios directory
  std::string group;    // "mechanisms"
  std::string file;     // "pio.yaml"
  std::string title;    // empty when the file does not load
  std::string summary;  // the first sentence of `teaches`; may be empty
  std::string error;    // the one-line load error, empty when the file loads
};

struct CatalogGroup {
  std::string name;
  std::vector<CatalogEntry> scenarios;  // by file name
};

/// The groups that come first, in this order; any other directory follows alphabetically.
const std::vector<std::string>& catalog_group_order();

/// Where the scenarios are: `explicit_dir` (--dir) when given, else `env_dir` (IOSIM_SCENARIOS)
/// when set, else the installed layout `<executable's dir>/../share/iosim/scenarios`, else
/// `source_dir` (the source tree the program was built from). An explicit directory that does
/// not exist is an error, not a reason to look elsewhere. Throws std::runtime_error with a
/// message that names what was tried.
std::string find_scenarios_dir(const std::string& explicit_dir, const std::string& env_dir,
                               const std::string& executable, const std::string& source_dir);

/// Every *.yaml and *.yml file under `dir`, loaded and grouped; files directly in `dir` form
/// the group ".".
std::vector<CatalogGroup> list_scenarios(const std::string& dir);

/// The first sentence of a `teaches` text, on one line.
std::string first_sentence(const std::string& text);

/// `iosim list`: a heading per group and one aligned line per file.
std::string format_catalog(const std::string& dir, const std::vector<CatalogGroup>& groups);
/// `iosim list --json`: {"scenarios_dir": ..., "groups": [{"name": ..., "scenarios": [...]}]}.
std::string catalog_to_json(const std::string& dir, const std::vector<CatalogGroup>& groups);

}  // namespace iosim::sim
