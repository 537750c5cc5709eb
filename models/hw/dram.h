// Main memory with real bytes. Pages are allocated on first write, so a platform may declare
// gigabytes and use a few; unwritten memory reads as zero.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/hw/dram_params.h"

namespace iosim::hw {

class Dram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Dram> bus_socket;

  Dram(sc_core::sc_module_name name, const DramParams& params, ModelContext& context);

  /// Untimed access for set-up and verification (what a debugger would see).
  void peek(std::uint64_t address, std::uint8_t* dst, std::size_t n) const;
  void poke(std::uint64_t address, const std::uint8_t* src, std::size_t n);

  std::uint64_t size() const { return params_.size.bytes; }
  std::size_t pages_touched() const { return pages_.size(); }

 private:
  static constexpr std::size_t kPageBytes = 4096;
  using Page = std::array<std::uint8_t, kPageBytes>;

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool access(tlm::tlm_generic_payload& trans);

  DramParams params_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Page>> pages_;
};

}  // namespace iosim::hw
