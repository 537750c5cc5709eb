#include "sim/cli/child_process.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace iosim::cli {
namespace {

constexpr int kSignalExitBase = 128;  // a shell's convention for "killed by signal N"
constexpr std::size_t kReadChunk = 65536;

struct Running {
  std::size_t index;
  pid_t pid;
  int out_fd, err_fd;  // -1 once closed
};

[[noreturn]] void fail(const std::string& what, int error) {
  throw std::runtime_error(what + ": " + std::strerror(error));
}

Running start(std::size_t index, const std::vector<std::string>& command) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) fail("cannot create a pipe", errno);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    fail("cannot create a pipe", error);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the child's stdout/stderr; every other pipe end (ours and the
  // other children's) is close-on-exec, so a child never holds a sibling's pipe open.
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);

  std::vector<char*> argv;
  for (const std::string& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (error != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    fail("cannot start " + command.front(), error);
  }
  return Running{index, pid, out_pipe[0], err_pipe[0]};
}

/// Reads what is available from `fd` into `sink`; closes it and sets it to -1 at end of file.
void drain(int& fd, std::string& sink) {
  char buffer[kReadChunk];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    sink.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    ::close(fd);
    fd = -1;
  }
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid", errno);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return kSignalExitBase + WTERMSIG(status);
  return kSignalExitBase;
}

void kill_and_reap(std::vector<Running>& running) {
  for (Running& r : running) {
    ::kill(r.pid, SIGKILL);
    if (r.out_fd >= 0) ::close(r.out_fd);
    if (r.err_fd >= 0) ::close(r.err_fd);
    int status = 0;
    while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  running.clear();
}

}  // namespace

bool run_children_streaming(const ChildStream& stream, unsigned jobs) {
  if (jobs == 0) jobs = 1;
  const auto stop = [&] { return stream.stop_requested && stream.stop_requested(); };
  std::vector<Running> running;
  std::vector<ChildResult> outputs;  // parallel to `running`
  std::size_t next = 0;
  try {
    while (next < stream.count || !running.empty()) {
      if (stop()) {
        kill_and_reap(running);
        return false;
      }
      while (next < stream.count && running.size() < jobs) {
        running.push_back(start(next, stream.command_of(next)));
        outputs.emplace_back();
        ++next;
      }
      std::vector<pollfd> fds;
      std::vector<std::pair<std::size_t, bool>> owners;  // (running index, is stdout)
      for (std::size_t i = 0; i < running.size(); ++i) {
        if (running[i].out_fd >= 0) {
          fds.push_back({running[i].out_fd, POLLIN, 0});
          owners.emplace_back(i, true);
        }
        if (running[i].err_fd >= 0) {
          fds.push_back({running[i].err_fd, POLLIN, 0});
          owners.emplace_back(i, false);
        }
      }
      const int timeout = stream.on_tick ? stream.tick_ms : -1;
      const int ready = fds.empty() ? 0 : ::poll(fds.data(), fds.size(), timeout);
      if (ready < 0) {
        if (errno == EINTR) continue;
        fail("poll", errno);
      }
      if (stream.on_tick) stream.on_tick();
      for (std::size_t f = 0; f < fds.size(); ++f) {
        if (fds[f].revents == 0) continue;
        Running& r = running[owners[f].first];
        ChildResult& output = outputs[owners[f].first];
        if (owners[f].second) {
          drain(r.out_fd, output.out);
        } else {
          drain(r.err_fd, output.err);
        }
      }
      // A child whose pipes are both closed has finished writing: collect its status.
      for (std::size_t i = 0; i < running.size();) {
        if (running[i].out_fd < 0 && running[i].err_fd < 0) {
          // Ask before delivering: a child killed by the same Ctrl-C that stops us must not be
          // reported as a failure.
          if (stop()) {
            kill_and_reap(running);
            return false;
          }
          ChildResult result = std::move(outputs[i]);
          result.exit_status = wait_for(running[i].pid);
          const std::size_t index = running[i].index;
          running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
          outputs.erase(outputs.begin() + static_cast<std::ptrdiff_t>(i));
          stream.on_finished(index, std::move(result));
        } else {
          ++i;
        }
      }
    }
  } catch (...) {
    kill_and_reap(running);
    throw;
  }
  return true;
}

std::vector<ChildResult> run_children(const std::vector<std::vector<std::string>>& commands,
                                      unsigned jobs) {
  std::vector<ChildResult> results(commands.size());
  ChildStream stream;
  stream.count = commands.size();
  stream.command_of = [&](std::size_t i) { return commands[i]; };
  stream.on_finished = [&](std::size_t i, ChildResult&& result) { results[i] = std::move(result); };
  run_children_streaming(stream, jobs);
  return results;
}

}  // namespace iosim::cli
