// `iosim sweep` and `iosim merge` (docs/cli.md): running a grid of variants of one scenario in
// worker processes, writing the rows progressively so that an interrupted sweep resumes, and
// joining the shards of a sweep that ran on several machines.
#pragma once

#include <string>
#include <vector>

namespace iosim::cli {

struct SweepOptions {
  std::string file;
  std::vector<std::string> vary;  // "KEY=VALUES"
  std::vector<std::string> sets;  // "KEY=VALUE"
  unsigned jobs = 0;              // 0: one per core this process may use
  std::string out;                // empty: CSV on stdout (no resume)
  std::string shard;              // "I/N"; empty: the whole grid
  std::string metrics;            // "m1,m2"; empty: the default metrics
  std::string command_line;       // as typed, recorded in OUT.meta for people
  std::string worker;             // the program run for each point (`WORKER run --json ...`)
};

/// Exit status: 0 every point of this shard ok; 1 some point failed or had an error; 2 bad input
/// (nothing ran); 128 + N when signal N interrupted it (the rows written so far stay).
int command_sweep(const SweepOptions& options);

/// Exit status: 0 merged, every point present; 1 merged, but points are missing (listed on
/// stderr); 2 the inputs are not shards of one sweep, or disagree about a point (nothing written).
int command_merge(const std::string& out, const std::vector<std::string>& inputs,
                  const std::string& command_line);

}  // namespace iosim::cli
