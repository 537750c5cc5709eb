#include "models/core/context.h"

#include "models/core/units.h"

namespace iosim {

void ModelContext::declare_region(const std::string& name, trace::Layer layer,
                                  const std::string& label) {
  if (!declared_.insert(name).second) return;
  trace::Record r;
  r.start = r.end = to_ps(sc_core::sc_time_stamp());
  r.actor = name;
  r.data = trace::RegionDecl{name, layer, label};
  sink_.record(std::move(r));
}

void ModelContext::name_memory(std::uint64_t base, std::uint64_t size, const std::string& region) {
  memory_names_[base] = Range{size, region};
}

std::string ModelContext::region_at(std::uint64_t address) const {
  auto it = memory_names_.upper_bound(address);
  if (it == memory_names_.begin()) return "dram";
  --it;
  if (address - it->first < it->second.size) return it->second.region;
  return "dram";
}

}  // namespace iosim
