// Writing output files so that a file either appears whole or not at all.
#pragma once

#include <string>

namespace iosim::sim {

/// Writes `content` to a temporary file beside `path` and renames it to `path` once everything
/// is written, so an interrupted or failed run never leaves a partial file that looks whole.
/// Throws std::runtime_error ("cannot write 'out/trace.json': No such file or directory").
void write_file_atomically(const std::string& path, const std::string& content);

/// The whole content of a file. Throws std::runtime_error when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace iosim::sim
