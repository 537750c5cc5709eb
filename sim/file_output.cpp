#include "sim/file_output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace iosim::sim {
namespace {

std::string describe_errno(const std::string& what, const std::string& path) {
  return "cannot " + what + " '" + path + "': " + std::strerror(errno);
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  // Same directory as the target, so rename() stays within one file system and is atomic.
  const std::string temporary = path + ".partial-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error(describe_errno("write", path));
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const int saved_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    errno = written ? errno : saved_errno;
    const std::string message = describe_errno("write", path);
    std::remove(temporary.c_str());
    throw std::runtime_error(message);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string message = describe_errno("write", path);
    std::remove(temporary.c_str());
    throw std::runtime_error(message);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(describe_errno("read", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error(describe_errno("read", path));
  return text.str();
}

}  // namespace iosim::sim
