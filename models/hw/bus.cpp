#include "models/hw/bus.h"

#include <algorithm>
#include <stdexcept>

namespace iosim::hw {

using sc_core::sc_time;
using sc_core::sc_time_stamp;

BusGrant bus_transaction(tlm::tlm_initiator_socket<>& socket, const BusAccess& access,
                         tlm::tlm_command command, std::uint64_t address, std::uint8_t* data,
                         unsigned length, sc_time& delay, tlm::tlm_response_status& status) {
  tlm::tlm_generic_payload trans;
  BusAccess request = access;
  BusGrantInfo grant;
  trans.set_command(command);
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  trans.set_extension(&request);
  trans.set_extension(&grant);
  socket->b_transport(trans, delay);
  trans.clear_extension(&request);
  trans.clear_extension(&grant);
  status = trans.get_response_status();
  return grant.grant;
}

Bus::Bus(sc_core::sc_module_name name, const BusParams& params, ModelContext& context)
    : sc_module(name),
      initiator_socket("initiator_socket"),
      target_socket("target_socket"),
      params_(params),
      context_(context),
      arbitration_ps_(to_ps(params.arbitration)) {
  if (params_.width.bytes == 0 || params_.clock.hertz == 0) {
    throw std::invalid_argument("bus: width and clock must be positive");
  }
  initiator_socket.register_b_transport(this, &Bus::b_transport);
  initiator_socket.register_transport_dbg(this, &Bus::transport_dbg);
  context_.declare_region("bus", trace::Layer::hardware, "system bus");
}

void Bus::map(unsigned target_index, std::uint64_t base, std::uint64_t size,
              std::string target_name) {
  for (const Mapping& m : map_) {
    if (base < m.base + m.size && m.base < base + size) {
      throw std::invalid_argument("bus: " + target_name + " overlaps " + m.name);
    }
  }
  map_.push_back(Mapping{base, size, target_index, std::move(target_name)});
  last_route_ = nullptr;
}

const Bus::Mapping* Bus::route(std::uint64_t address) const {
  // Initiators mostly talk to the same target many times in a row (PIO, a DMA block).
  if (last_route_ && address - last_route_->base < last_route_->size) return last_route_;
  for (const Mapping& m : map_) {
    if (address >= m.base && address - m.base < m.size) {
      last_route_ = &m;
      return &m;
    }
  }
  return nullptr;
}

sc_time Bus::occupancy(std::uint64_t length, const sc_time& latency) const {
  return from_ps(occupancy_ps(length, to_ps(latency)));
}

Picoseconds Bus::occupancy_ps(std::uint64_t length, Picoseconds latency) const {
  const std::uint64_t beats = (length + params_.width.bytes - 1) / params_.width.bytes;
  return arbitration_ps_ + params_.clock.cycles_ps(beats) + latency;
}

void Bus::announce_cpu_access(const sc_time& at) {
  cpu_next_access_ = to_ps(at);
  cpu_announcement_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Bus::withdraw_cpu_announcement() {
  if (!cpu_next_access_) return;
  cpu_next_access_.reset();
  cpu_announcement_changed_.notify(sc_core::SC_ZERO_TIME);
}

Picoseconds Bus::find_gap(Picoseconds from, Picoseconds length) const {
  if (calendar_.empty() || calendar_.back().end <= from) return from;  // nobody in the way
  Picoseconds candidate = from;
  // The first reservation that could overlap [from, ...): the last one starting at or before it.
  auto it = std::upper_bound(calendar_.begin(), calendar_.end(), candidate,
                             [](Picoseconds t, const Reservation& r) { return t < r.start; });
  if (it != calendar_.begin() && std::prev(it)->end > candidate) --it;
  for (; it != calendar_.end(); ++it) {
    if (it->start >= candidate + length) break;
    candidate = std::max(candidate, it->end);
  }
  return candidate;
}

void Bus::reserve(Picoseconds start, Picoseconds end) {
  if (end <= start) return;
  if (!calendar_.empty() && calendar_.back().end == start) {
    calendar_.back().end = end;  // back to back: one busy stretch
    return;
  }
  // Reservations mostly arrive in time order: append; otherwise insert in place.
  if (calendar_.empty() || calendar_.back().start <= start) {
    calendar_.push_back(Reservation{start, end});
    return;
  }
  auto it = std::upper_bound(calendar_.begin(), calendar_.end(), start,
                             [](Picoseconds t, const Reservation& r) { return t < r.start; });
  calendar_.insert(it, Reservation{start, end});
}

void Bus::forget_before(Picoseconds now) {
  while (!calendar_.empty() && calendar_.front().end <= now) calendar_.pop_front();
}

void Bus::b_transport(int id, tlm::tlm_generic_payload& trans, sc_time& delay) {
  const BusAccess* access = trans.get_extension<BusAccess>();
  const std::string anonymous =
      access && !access->initiator.empty() ? std::string() : "initiator" + std::to_string(id);
  const std::string& initiator = anonymous.empty() ? access->initiator : anonymous;
  const BusAccess::Mode mode = access ? access->mode : BusAccess::Mode::normal;
  const BusAccess::Hold hold = access ? access->hold : BusAccess::Hold::none;
  // The stall an initiator sees counts from its own request time, including any wait below.
  const Picoseconds asked_at = to_ps(sc_time_stamp() + delay);

  const std::uint64_t address = trans.get_address();
  const Mapping* mapping = route(address);
  if (!mapping) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }

  // Somebody else owns the bus in a burst: nothing moves until they let go. The caller is
  // synchronised first so that the wait starts at its own local time.
  if (hold_ && hold_->owner != initiator) {
    sc_core::wait(delay);
    delay = sc_core::SC_ZERO_TIME;
    while (hold_ && hold_->owner != initiator) sc_core::wait(hold_released_);
  }

  // The data moves now (loosely timed); the bus decides below when it moved.
  trans.set_address(address - mapping->base);
  // The target answers as of the request time (a decoupled initiator's local time), and adds
  // its own latency on top.
  sc_time target_delay = delay;
  target_socket[mapping->target_index]->b_transport(trans, target_delay);
  const sc_time target_latency = target_delay - delay;
  trans.set_address(address);

  const bool own_hold = hold_ && hold_->owner == initiator;
  // Inside a hold the bus is already granted: no arbitration per transaction.
  const Picoseconds length = occupancy_ps(trans.get_data_length(), to_ps(target_latency)) -
                             (own_hold ? arbitration_ps_ : 0);

  Picoseconds now = to_ps(sc_time_stamp());
  Picoseconds requested = now + to_ps(delay);
  forget_before(now);
  Picoseconds granted =
      own_hold ? std::max(requested, hold_->last_end) : find_gap(requested, length);

  if (mode == BusAccess::Mode::transparent) {
    // Only cycles the CPU does not want: end before its next announced access, or wait for it.
    while (cpu_next_access_ && granted + length > *cpu_next_access_) {
      if (requested > now) {
        sc_core::wait(from_ps(requested - now));  // catch up with the caller's local time first
      } else {
        sc_core::wait(cpu_announcement_changed_);
      }
      now = to_ps(sc_time_stamp());
      forget_before(now);
      requested = std::max(requested, now);
      granted = find_gap(requested, length);
    }
  }

  const Picoseconds finished = granted + length;
  Picoseconds busy = length;
  if (own_hold) {
    // The holder pays for the idle bus between its transactions too: nobody else could use it.
    busy = finished - hold_->last_end;
    hold_->last_end = finished;
  } else {
    reserve(granted, finished);
  }

  if (hold == BusAccess::Hold::acquire && !own_hold) {
    hold_ = HeldBus{initiator, granted, finished};
  } else if (hold == BusAccess::Hold::release && own_hold) {
    reserve(hold_->since, finished);
    hold_.reset();
    hold_released_.notify(from_ps(finished - now));
  }

  if (context_.recording()) {
    note_tenure(initiator, granted, finished, busy, granted - asked_at, trans.get_data_length());
  }
  if (BusGrantInfo* info = trans.get_extension<BusGrantInfo>()) {
    info->grant = BusGrant{asked_at, granted, finished};
  }
  delay = from_ps(finished - now);
}

unsigned int Bus::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const std::uint64_t address = trans.get_address();
  const Mapping* mapping = route(address);
  if (!mapping) return 0;
  trans.set_address(address - mapping->base);
  const unsigned int n = target_socket[mapping->target_index]->transport_dbg(trans);
  trans.set_address(address);
  return n;
}

void Bus::note_tenure(const std::string& initiator, Picoseconds granted, Picoseconds end,
                      Picoseconds busy, Picoseconds stall, std::uint64_t bytes) {
  // A tenure is an unbroken stretch of bus ownership: back-to-back transactions of one initiator
  // (a burst, a hold) are one record, and counts and busy time add up, so nothing is lost.
  if (last_tenure_ && last_initiator_ == initiator && granted <= last_tenure_->end) {
    OpenTenure& t = *last_tenure_;
    t.end = std::max(t.end, end);
    t.busy += busy;
    t.stall += stall;
    t.transactions += 1;
    t.bytes += bytes;
    return;
  }
  auto it = open_tenures_.find(initiator);
  if (it != open_tenures_.end()) {
    emit_tenure(initiator, it->second);
    it->second = OpenTenure{granted, end, busy, stall, 1, bytes};
  } else {
    it = open_tenures_.emplace(initiator, OpenTenure{granted, end, busy, stall, 1, bytes}).first;
  }
  last_initiator_ = initiator;
  last_tenure_ = &it->second;
}

void Bus::emit_tenure(const std::string& initiator, const OpenTenure& t) {
  trace::Record r;
  r.start = t.start;
  r.end = t.end;
  r.actor = name();
  r.data = trace::BusTenure{initiator, t.transactions, t.bytes, t.busy, t.stall};
  context_.record(std::move(r));
}

void Bus::flush_records() {
  for (const auto& [initiator, tenure] : open_tenures_) emit_tenure(initiator, tenure);
  open_tenures_.clear();
  last_tenure_ = nullptr;
  last_initiator_.clear();
}

}  // namespace iosim::hw
