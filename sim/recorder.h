// The recorder: the trace::Sink a run reports to. It keeps every record and, after the run,
// hands them out in time order.
#pragma once

#include <cstddef>
#include <vector>

#include "models/core/trace.h"

namespace iosim::sim {

class Recorder final : public trace::Sink {
 public:
  void record(trace::Record r) override { records_.push_back(std::move(r)); }

  std::size_t size() const { return records_.size(); }

  /// The records sorted by start time; records with the same start keep their arrival order
  /// (a model reports causes before effects, so ties stay readable). Empties the recorder.
  std::vector<trace::Record> take_sorted();

 private:
  std::vector<trace::Record> records_;
};

/// Sorts records by start time, stably (ties keep their order).
void sort_by_start(std::vector<trace::Record>& records);

}  // namespace iosim::sim
