#include "sim/recorder.h"

#include <algorithm>

namespace iosim::sim {

void sort_by_start(std::vector<trace::Record>& records) {
  // Models using temporal decoupling report events ahead of the SystemC clock, so arrival order
  // is not time order; stability keeps the order of records that start together.
  std::stable_sort(
      records.begin(), records.end(),
      [](const trace::Record& a, const trace::Record& b) { return a.start < b.start; });
}

std::vector<trace::Record> Recorder::take_sorted() {
  std::vector<trace::Record> out = std::move(records_);
  records_.clear();
  sort_by_start(out);
  return out;
}

}  // namespace iosim::sim
