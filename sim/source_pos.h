// Where in a file something was written, and the error that names it.
#pragma once

#include <stdexcept>
#include <string>

namespace iosim::sim {

/// A position in a text file; line and column count from 1, 0 when unknown.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  /// Set when the text did not come from the file but from the command line
  /// ("--set platform.disk.rpm=fast"): a line of the file would point at the wrong place.
  std::string origin = {};

  /// "file:line:column", "file: origin", "origin" (no file), or "file" when the position is
  /// unknown.
  std::string to_string() const {
    if (!origin.empty()) return file.empty() ? origin : file + ": " + origin;
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

/// An error in an input file. what() is "FILE:LINE:COL: error: MESSAGE", the form compilers use,
/// so editors and terminals can jump to the place.
class InputError : public std::runtime_error {
 public:
  InputError(SourcePos pos, std::string message)
      : std::runtime_error(pos.to_string() + ": error: " + message),
        pos_(std::move(pos)),
        message_(std::move(message)) {}

  const SourcePos& pos() const { return pos_; }
  /// The message without the position.
  const std::string& message() const { return message_; }

 private:
  SourcePos pos_;
  std::string message_;
};

/// An error in a scenario file.
class ScenarioError : public InputError {
 public:
  using InputError::InputError;
};

}  // namespace iosim::sim
