#include "models/hw/dram.h"

#include <algorithm>
#include <cstring>

namespace iosim::hw {

Dram::Dram(sc_core::sc_module_name name, const DramParams& params, ModelContext& context)
    : sc_module(name), bus_socket("bus_socket"), params_(params) {
  bus_socket.register_b_transport(this, &Dram::b_transport);
  bus_socket.register_transport_dbg(this, &Dram::transport_dbg);
  context.declare_region("dram", trace::Layer::hardware, "main memory");
}

void Dram::peek(std::uint64_t address, std::uint8_t* dst, std::size_t n) const {
  while (n > 0) {
    const std::uint64_t page = address / kPageBytes;
    const std::size_t offset = address % kPageBytes;
    const std::size_t chunk = std::min(n, kPageBytes - offset);
    auto it = pages_.find(page);
    if (it == pages_.end()) {
      std::memset(dst, 0, chunk);
    } else {
      std::memcpy(dst, it->second->data() + offset, chunk);
    }
    address += chunk;
    dst += chunk;
    n -= chunk;
  }
}

void Dram::poke(std::uint64_t address, const std::uint8_t* src, std::size_t n) {
  while (n > 0) {
    const std::uint64_t page = address / kPageBytes;
    const std::size_t offset = address % kPageBytes;
    const std::size_t chunk = std::min(n, kPageBytes - offset);
    std::unique_ptr<Page>& p = pages_[page];
    if (!p) p = std::make_unique<Page>(Page{});
    std::memcpy(p->data() + offset, src, chunk);
    address += chunk;
    src += chunk;
    n -= chunk;
  }
}

bool Dram::access(tlm::tlm_generic_payload& trans) {
  const std::uint64_t address = trans.get_address();
  const std::size_t length = trans.get_data_length();
  if (address >= params_.size.bytes || length > params_.size.bytes - address) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_byte_enable_ptr()) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (trans.is_read()) {
    peek(address, trans.get_data_ptr(), length);
  } else if (trans.is_write()) {
    poke(address, trans.get_data_ptr(), length);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

void Dram::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (access(trans)) delay += params_.access_latency;
}

unsigned int Dram::transport_dbg(tlm::tlm_generic_payload& trans) {
  return access(trans) ? static_cast<unsigned int>(trans.get_data_length()) : 0;
}

}  // namespace iosim::hw
