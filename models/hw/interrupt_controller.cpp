#include "models/hw/interrupt_controller.h"

#include <cstring>
#include <stdexcept>

namespace iosim::hw {

InterruptController::InterruptController(sc_core::sc_module_name name,
                                         const InterruptControllerParams& params,
                                         ModelContext& context)
    : sc_module(name),
      irq_in("irq_in", params.lines),
      intr_out("intr_out"),
      register_socket("register_socket"),
      context_(context),
      lines_(params.lines) {
  if (params.lines == 0 || params.lines > 32) {
    throw std::invalid_argument("interrupt controller: lines must be 1..32");
  }
  register_socket.register_b_transport(this, &InterruptController::b_transport);
  SC_METHOD(sample_lines);
  for (auto& in : irq_in) sensitive << in;
  dont_initialize();
  SC_METHOD(update_output);
  sensitive << output_changed_;
}

void InterruptController::name_line(int line, std::string device) {
  lines_.at(static_cast<std::size_t>(line)).device = std::move(device);
}

void InterruptController::sample_lines() {
  const Picoseconds now = to_ps(sc_core::sc_time_stamp());
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    const bool level = irq_in[i].read();
    if (level && !lines_[i].level) lines_[i].raised_at = now;
    lines_[i].level = level;
  }
  output_changed_.notify(sc_core::SC_ZERO_TIME);
}

int InterruptController::highest_pending() const {
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    const std::uint32_t bit = 1u << i;
    if (in_service_ & bit) return -1;  // a higher-priority line is being served
    if (lines_[i].level && !(mask_ & bit)) return static_cast<int>(i);
  }
  return -1;
}

void InterruptController::update_output() {
  intr_out.write(highest_pending() >= 0);
}

void InterruptController::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const std::uint64_t offset = trans.get_address();
  if (trans.get_data_length() != 4) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  const Picoseconds at = to_ps(sc_core::sc_time_stamp() + delay);
  std::uint32_t value = 0;
  if (trans.is_write()) std::memcpy(&value, trans.get_data_ptr(), 4);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);

  if (trans.is_read()) {
    switch (offset) {
      case kMask:
        value = mask_;
        break;
      case kAck: {
        const int line = highest_pending();
        if (line < 0) {
          value = kNoInterrupt;
        } else {
          value = static_cast<std::uint32_t>(line);
          in_service_ |= 1u << line;
          lines_[line].acknowledged_at = at;
        }
        break;
      }
      case kPending:
        for (std::size_t i = 0; i < lines_.size(); ++i) value |= (lines_[i].level ? 1u : 0u) << i;
        break;
      case kInService:
        value = in_service_;
        break;
      default:
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    std::memcpy(trans.get_data_ptr(), &value, 4);
  } else {
    switch (offset) {
      case kMask:
        mask_ = value;
        break;
      case kEoi: {
        if (value >= lines_.size() || !(in_service_ & (1u << value))) {
          trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
          return;
        }
        in_service_ &= ~(1u << value);
        const Line& line = lines_[value];
        trace::Record r;
        r.start = line.raised_at;
        r.end = at;
        r.actor = name();
        r.data = trace::Interrupt{static_cast<int>(value), line.device, line.acknowledged_at};
        context_.record(std::move(r));
        break;
      }
      default:
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
  }
  output_changed_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace iosim::hw
