// One benchmark run in a forked child, because SystemC elaborates one model per process: the
// child runs `body`, adds its peak resident memory, and sends the figures back through a pipe.
// `Figures` is a trivially copyable struct with `double peak_rss_mib` and `int ok`; a child that
// dies or sends nothing gives ok = 0.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <type_traits>

namespace iosim::bench {

template <class Figures, class Body>
Figures in_child(Body body) {
  static_assert(std::is_trivially_copyable_v<Figures>, "the figures cross a pipe as bytes");
  int fds[2];
  if (pipe(fds) != 0) std::exit(2);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Figures f = body();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    f.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
    if (write(fds[1], &f, sizeof f) != sizeof f) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  Figures f{};
  if (read(fds[0], &f, sizeof f) != sizeof f) f.ok = 0;
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return f;
}

}  // namespace iosim::bench
