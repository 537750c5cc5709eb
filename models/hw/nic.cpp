#include "models/hw/nic.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "models/core/byte_order.h"
#include "models/hw/ethernet.h"

namespace iosim::hw {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
std::string bytes_text(std::uint64_t n) {
  return std::to_string(n) + " B";
}
}  // namespace

const char* to_string(NicTxError error) {
  switch (error) {
    case NicTxError::none:
      return "none";
    case NicTxError::no_scatter_gather:
      return "no scatter-gather";
    case NicTxError::too_many_fragments:
      return "too many fragments";
    case NicTxError::no_checksum_offload:
      return "no checksum offload";
    case NicTxError::oversize:
      return "oversize";
    case NicTxError::empty:
      return "empty";
    case NicTxError::bus_error:
      return "bus error";
  }
  return "?";
}

Nic::Nic(sc_core::sc_module_name name, const NicParams& params, ModelContext& context)
    : sc_module(name),
      register_socket("register_socket"),
      bus_socket("bus_socket"),
      irq_out("irq_out"),
      params_(params),
      context_(context),
      device_name_(basename()),
      irq_update_("irq_update") {
  if (params_.link_rate.bytes_per_second == 0) throw std::invalid_argument("nic: link_rate is 0");
  if (params_.mtu.bytes <= params_.ip_tcp_headers.bytes) {
    throw std::invalid_argument("nic: mtu must exceed ip_tcp_headers");
  }
  if (params_.descriptor_size.bytes < nic_descriptor::used_bytes) {
    throw std::invalid_argument("nic: descriptor_size must be >= 16 bytes");
  }
  if (params_.dma_burst.bytes == 0) throw std::invalid_argument("nic: dma_burst is 0");
  if (params_.tx_ring_size == 0 || params_.tx_ring_size > UINT32_MAX) {
    throw std::invalid_argument("nic: tx_ring_size out of range");
  }
  if (params_.rx_ring_size < 2 || params_.rx_ring_size > UINT32_MAX) {
    // RX_TAIL == RX_HEAD means "nothing posted", so a ring of one could never hold a buffer.
    throw std::invalid_argument("nic: rx_ring_size must be at least 2");
  }
  if (params_.rx_buffer.bytes < params_.min_frame.bytes) {
    throw std::invalid_argument("nic: rx_buffer smaller than one frame");
  }
  if (params_.scatter_gather && params_.max_fragments == 0) {
    throw std::invalid_argument("nic: max_fragments is 0");
  }
  // The largest packet the card accepts must fit its buffer, or it would wait forever.
  const std::uint64_t largest = params_.tso ? params_.tso_max.bytes : frame_payload();
  if (largest > params_.tx_buffer.bytes) {
    throw std::invalid_argument("nic: tx_buffer smaller than the largest packet");
  }
  copy_ids_ = [this] { return context_.new_copy_id(); };
  register_socket.register_b_transport(this, &Nic::b_transport);
  context_.declare_region(device_name_, trace::Layer::hardware, "NIC");
  context_.declare_region("wire", trace::Layer::hardware, "Ethernet link");
  SC_THREAD(gather_thread);
  SC_THREAD(link_thread);
  SC_THREAD(completion_thread);
  SC_THREAD(rx_mac_thread);
  SC_THREAD(rx_dma_thread);
  SC_METHOD(drive_irq);
  sensitive << irq_update_;
  dont_initialize();
  SC_METHOD(moderation_expired);
  sensitive << moderation_timer_;
  dont_initialize();
}

void Nic::connect(NetworkPeer& peer) {
  peer_ = &peer;
  peer.connect_return([this](std::vector<std::uint8_t> frame, Picoseconds sent) {
    receive(std::move(frame), sent);
  });
}

std::uint64_t Nic::frame_payload() const {
  return params_.mtu.bytes - params_.ip_tcp_headers.bytes;
}

std::uint64_t Nic::frame_wire_bytes(std::uint64_t payload) const {
  const std::uint64_t frame =
      std::max(payload + params_.ip_tcp_headers.bytes + params_.ethernet_overhead.bytes,
               params_.min_frame.bytes);
  return frame + params_.preamble_and_gap.bytes;
}

std::uint64_t Nic::rx_wire_bytes(std::uint64_t length) const {
  // `length` includes the Ethernet header; what ethernet_overhead adds beyond it is the FCS.
  const std::uint64_t fcs = params_.ethernet_overhead.bytes - ethernet::kEthernetHeader;
  return std::max(length + fcs, params_.min_frame.bytes) + params_.preamble_and_gap.bytes;
}

std::uint64_t Nic::frames_for(std::uint64_t payload) const {
  return payload == 0 ? 0 : (payload + frame_payload() - 1) / frame_payload();
}

// ---------------------------------------------------------------------------------------------
// Registers

void Nic::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  // The access happens at the initiator's local time; the card reacts register_latency later.
  const Picoseconds at = to_ps(sc_core::sc_time_stamp() + delay);
  delay += params_.register_latency;
  const sc_time effect = from_ps(at + to_ps(params_.register_latency) - now_ps());
  const std::uint64_t offset = trans.get_address();
  if (trans.get_data_length() != 4 || offset % 4 != 0 || offset >= nic_register::window_size ||
      trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  std::uint32_t value = 0;
  namespace r = nic_register;
  if (trans.is_write()) {
    value = static_cast<std::uint32_t>(load_le(trans.get_data_ptr(), 4));
    const bool tx_idle = !(ctrl_ & nic_ctrl::tx_enable) && tx_head_ == tx_tail_;
    const bool rx_idle = !(ctrl_ & nic_ctrl::rx_enable);
    switch (offset) {
      case r::ctrl:
        ctrl_ = value;
        doorbell_.notify(effect);
        rx_doorbell_.notify(effect);
        irq_update_.notify(effect);
        break;
      case r::int_ack:
        int_status_ &= ~value;
        irq_update_.notify(effect);
        break;
      case r::tx_base_lo:
      case r::tx_base_hi:
      case r::tx_size:
        // The ring may only move while the card is not using it; moving it resets the indices.
        if (!tx_idle || (offset == r::tx_size && (value == 0 || value > params_.tx_ring_size))) {
          trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
          return;
        }
        if (offset == r::tx_base_lo) tx_base_lo_ = value;
        if (offset == r::tx_base_hi) tx_base_hi_ = value;
        if (offset == r::tx_size) tx_size_ = value;
        tx_head_ = tx_tail_ = tx_fetch_ = 0;
        break;
      case r::tx_tail:
        if (tx_size_ == 0 || value >= tx_size_) {
          trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
          return;
        }
        tx_tail_ = value;
        doorbell_.notify(effect);
        break;
      case r::rx_base_lo:
      case r::rx_base_hi:
      case r::rx_size:
        // As for TX: the ring moves only while the card does not use it, and resets its indices.
        if (!rx_idle || (offset == r::rx_size && (value == 0 || value > params_.rx_ring_size))) {
          trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
          return;
        }
        if (offset == r::rx_base_lo) rx_base_lo_ = value;
        if (offset == r::rx_base_hi) rx_base_hi_ = value;
        if (offset == r::rx_size) rx_size_ = value;
        rx_head_ = rx_tail_ = 0;
        break;
      case r::rx_tail:
        if (rx_size_ == 0 || value >= rx_size_) {
          trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
          return;
        }
        rx_tail_ = value;
        rx_doorbell_.notify(effect);
        break;
      default:
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    return;
  }
  switch (offset) {
    case r::ctrl:
      value = ctrl_;
      break;
    case r::status:
      value = (tx_head_ != tx_tail_ ? nic_status::tx_active : 0) | nic_status::link_up;
      break;
    case r::int_status:
      value = int_status_;
      break;
    case r::tx_base_lo:
      value = tx_base_lo_;
      break;
    case r::tx_base_hi:
      value = tx_base_hi_;
      break;
    case r::tx_size:
      value = tx_size_;
      break;
    case r::tx_head:
      value = tx_head_;
      break;
    case r::tx_tail:
      value = tx_tail_;
      break;
    case r::tx_error:
      value = static_cast<std::uint32_t>(last_error_);
      break;
    case r::tx_packets:
      value = static_cast<std::uint32_t>(tx_packets_);
      break;
    case r::tx_frames:
      value = static_cast<std::uint32_t>(tx_frames_);
      break;
    case r::rx_base_lo:
      value = rx_base_lo_;
      break;
    case r::rx_base_hi:
      value = rx_base_hi_;
      break;
    case r::rx_size:
      value = rx_size_;
      break;
    case r::rx_head:
      value = rx_head_;
      break;
    case r::rx_tail:
      value = rx_tail_;
      break;
    case r::rx_packets:
      value = static_cast<std::uint32_t>(rx_frames_);
      break;
    case r::rx_dropped:
      value = static_cast<std::uint32_t>(rx_dropped_);
      break;
    default:
      trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
  }
  std::uint8_t* data = trans.get_data_ptr();
  for (unsigned i = 0; i < 4; ++i) data[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

// ---------------------------------------------------------------------------------------------
// Gather stage

bool Nic::bus_access(tlm::tlm_command command, std::uint64_t address, std::uint8_t* data,
                     unsigned length, Picoseconds* granted) {
  BusAccess access;
  access.initiator = device_name_;
  sc_time delay = SC_ZERO_TIME;
  tlm::tlm_response_status status;
  const BusGrant grant =
      bus_transaction(bus_socket, access, command, address, data, length, delay, status);
  // A bus-master card cannot use the data before the transaction is over.
  sc_core::wait(delay);
  if (granted) *granted = grant.granted;
  return status == tlm::TLM_OK_RESPONSE;
}

void Nic::gather_thread() {
  for (;;) {
    while (!(ctrl_ & nic_ctrl::tx_enable) || tx_size_ == 0 || tx_fetch_ == tx_tail_) {
      sc_core::wait(doorbell_);
    }
    Packet p;
    const Picoseconds fetch_start = now_ps();
    fetch_packet(p);
    if (p.error == NicTxError::none) p.error = check(p);
    activity(fetch_start, now_ps(), "descriptor",
             std::to_string(p.fragments.size()) + " descriptors, " + bytes_text(p.bytes) +
                 (p.error != NicTxError::none ? std::string(", error: ") + to_string(p.error)
                                              : std::string()));
    if (p.error == NicTxError::none) {
      // The on-card buffer holds gathered packets until the link has sent them.
      while (buffered_ + p.bytes > params_.tx_buffer.bytes) sc_core::wait(buffer_freed_);
      buffered_ += p.bytes;
      gather(p);
    }
    link_queue_.push_back(std::move(p));
    link_queue_changed_.notify(SC_ZERO_TIME);
  }
}

void Nic::fetch_packet(Packet& p) {
  std::vector<std::uint8_t> raw(params_.descriptor_size.bytes);
  for (;;) {
    // The driver rings the doorbell after a whole packet; if it has not posted the rest yet,
    // wait for it rather than send half a packet.
    while (tx_fetch_ == tx_tail_) sc_core::wait(doorbell_);
    const std::uint32_t index = tx_fetch_;
    const bool ok = bus_access(tlm::TLM_READ_COMMAND, tx_base() + index * raw.size(), raw.data(),
                               static_cast<unsigned>(raw.size()), nullptr);
    tx_fetch_ = (tx_fetch_ + 1) % tx_size_;
    p.last_index = index;
    if (!ok) {
      p.error = NicTxError::bus_error;
      return;
    }
    const std::uint8_t flags = raw[nic_descriptor::flags];
    if (p.fragments.empty()) p.connection = raw[nic_descriptor::connection];
    if (flags & nic_descriptor::csum) p.checksum = true;
    const Fragment f{load_le(raw.data() + nic_descriptor::address, 8),
                     static_cast<std::uint32_t>(load_le(raw.data() + nic_descriptor::length, 4))};
    p.fragments.push_back(f);
    p.bytes += f.length;
    if (flags & nic_descriptor::eop) {
      p.push = (flags & nic_descriptor::push) != 0;
      return;
    }
    if (p.fragments.size() >= tx_size_) {
      // A whole ring without an end of packet cannot be a packet.
      p.error = NicTxError::too_many_fragments;
      return;
    }
  }
}

NicTxError Nic::check(const Packet& p) const {
  if (p.bytes == 0) return NicTxError::empty;
  if (p.fragments.size() > 1 && !params_.scatter_gather) return NicTxError::no_scatter_gather;
  if (p.fragments.size() > params_.max_fragments) return NicTxError::too_many_fragments;
  if (p.checksum && !params_.checksum_offload) return NicTxError::no_checksum_offload;
  const std::uint64_t largest = params_.tso ? params_.tso_max.bytes : frame_payload();
  if (p.bytes > largest) return NicTxError::oversize;
  return NicTxError::none;
}

void Nic::gather(Packet& p) {
  p.copy_id = copy_ids_();
  p.data.resize(p.bytes);
  const Picoseconds start = now_ps();
  std::uint64_t at = 0;
  for (const Fragment& f : p.fragments) {
    const std::string from = context_.region_at(f.address);
    Picoseconds first_grant = 0;
    for (std::uint64_t done = 0; done < f.length;) {
      const std::uint64_t n = std::min<std::uint64_t>(params_.dma_burst.bytes, f.length - done);
      Picoseconds granted = 0;
      if (!bus_access(tlm::TLM_READ_COMMAND, f.address + done, p.data.data() + at + done,
                      static_cast<unsigned>(n), &granted)) {
        p.error = NicTxError::bus_error;
        break;
      }
      if (done == 0) first_grant = granted;
      done += n;
    }
    if (p.error != NicTxError::none) break;
    trace::Record r;
    r.start = first_grant;
    r.end = now_ps();
    r.actor = device_name_;
    r.data = trace::Copy{p.copy_id, gather_engine_, from, device_name_, f.length};
    context_.record(std::move(r));
    at += f.length;
  }
  activity(start, now_ps(), "gather",
           std::to_string(p.fragments.size()) + " fragments, " + bytes_text(p.bytes) +
               (p.checksum ? ", checksum offloaded (computed on the card, not modelled)" : "") +
               (p.error != NicTxError::none ? ", bus error" : ""));
}

// ---------------------------------------------------------------------------------------------
// Link stage

void Nic::link_thread() {
  for (;;) {
    while (link_queue_.empty()) sc_core::wait(link_queue_changed_);
    Packet p = std::move(link_queue_.front());
    link_queue_.pop_front();
    // Only a packet that was gathered holds space in the buffer.
    const std::uint64_t reserved = p.data.empty() ? 0 : p.bytes;
    if (p.error == NicTxError::none) transmit(p);
    if (reserved > 0) {
      buffered_ -= reserved;
      buffer_freed_.notify(SC_ZERO_TIME);
    }
    p.data.clear();
    p.data.shrink_to_fit();
    completion_queue_.push_back(std::move(p));
    completion_queue_changed_.notify(SC_ZERO_TIME);
  }
}

void Nic::completion_thread() {
  // Its own stage so that the status write-back never keeps the next frame off the wire.
  for (;;) {
    while (completion_queue_.empty()) sc_core::wait(completion_queue_changed_);
    Packet p = std::move(completion_queue_.front());
    completion_queue_.pop_front();
    complete(p);
  }
}

void Nic::transmit(Packet& p) {
  const Picoseconds start = now_ps();
  const std::uint64_t per_frame = frame_payload();
  const std::uint64_t frames = frames_for(p.bytes);
  std::uint64_t wire = 0;
  for (std::uint64_t i = 0, offset = 0; i < frames; ++i) {
    const std::uint64_t n = std::min(per_frame, p.bytes - offset);
    Frame f;
    f.connection = p.connection;
    f.payload.assign(p.data.begin() + static_cast<std::ptrdiff_t>(offset),
                     p.data.begin() + static_cast<std::ptrdiff_t>(offset + n));
    f.wire_bytes = frame_wire_bytes(n);
    f.push = p.push && i + 1 == frames;  // TSO puts PSH in the last segment only
    f.wire_start = now_ps();
    // Frames leave back to back: the preamble and inter-frame gap are part of each frame's
    // wire bytes, so the next frame starts where this one's gap ends.
    sc_core::wait(params_.link_rate.transfer_time(f.wire_bytes));
    f.wire_end = now_ps();
    wire += f.wire_bytes;
    offset += n;
    if (peer_) peer_->deliver(std::move(f), now_ps() + to_ps(params_.propagation_delay));
  }
  tx_frames_ += frames;
  tx_payload_bytes_ += p.bytes;
  tx_wire_bytes_ += wire;
  // One record for all frames of the packet (counts in the activity's detail): the wire leg
  // belongs to the same logical copy as the gather, so it carries the packet's copy id.
  trace::Record r;
  r.start = start;
  r.end = now_ps();
  r.actor = device_name_;
  r.data = trace::Copy{p.copy_id, trace::Engine::nic, device_name_, "peer", p.bytes};
  context_.record(std::move(r));
  activity(start, now_ps(), "link",
           std::to_string(frames) + " frames, " + bytes_text(wire) + " on the wire" +
               (frames > 1 ? ", TSO" : ""));
}

void Nic::complete(const Packet& p) {
  // Write the status back into the packet's last descriptor: the driver reaps by DD bit or by
  // TX_HEAD.
  std::uint8_t status[2] = {
      static_cast<std::uint8_t>(nic_descriptor::done |
                                (p.error != NicTxError::none ? nic_descriptor::err : 0)),
      static_cast<std::uint8_t>(p.error)};
  bus_access(tlm::TLM_WRITE_COMMAND,
             tx_base() + p.last_index * params_.descriptor_size.bytes + nic_descriptor::status,
             status, 2, nullptr);
  tx_head_ = static_cast<std::uint32_t>((p.last_index + 1) % tx_size_);
  if (p.error != NicTxError::none) {
    ++tx_errors_;
    last_error_ = p.error;
    pending_int_ |= nic_int::tx_error;
  } else {
    ++tx_packets_;
    pending_int_ |= nic_int::tx_done;
  }
  last_completion_ = now_ps();
  // One interrupt per batch: when everything the driver has posted is done (or per packet).
  if (params_.tx_interrupt_per_packet || tx_head_ == tx_tail_) {
    signal(pending_int_);
    pending_int_ = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Receive side

void Nic::receive(std::vector<std::uint8_t> frame, Picoseconds sent) {
  // The receive direction of the full-duplex link carries one frame at a time, as the transmit
  // direction does; its last bit arrives propagation_delay after it left the peer.
  const Picoseconds start = std::max(sent, rx_wire_free_);
  const Picoseconds end =
      start + to_ps(params_.link_rate.transfer_time(rx_wire_bytes(frame.size())));
  rx_wire_free_ = end;
  rx_arrivals_.emplace_back(end + to_ps(params_.propagation_delay), std::move(frame));
  rx_arrivals_changed_.notify(SC_ZERO_TIME);
}

void Nic::rx_mac_thread() {
  for (;;) {
    while (rx_arrivals_.empty()) sc_core::wait(rx_arrivals_changed_);
    const Picoseconds arrival = rx_arrivals_.front().first;  // the wire keeps them in order
    if (arrival > now_ps()) sc_core::wait(from_ps(arrival - now_ps()));
    std::vector<std::uint8_t> frame = std::move(rx_arrivals_.front().second);
    rx_arrivals_.pop_front();
    // Without RX enabled the MAC ignores frames (counted only); without room in the on-card
    // buffer it drops them and says so (RX overrun).
    if (!(ctrl_ & nic_ctrl::rx_enable)) {
      ++rx_dropped_;
      continue;
    }
    if (rx_fifo_bytes_ + frame.size() > params_.rx_buffer.bytes) {
      ++rx_dropped_;
      activity(now_ps(), now_ps(), "rx drop",
               bytes_text(frame.size()) + " frame dropped: the receive buffer is full");
      signal(nic_int::rx_overrun);
      continue;
    }
    rx_fifo_bytes_ += frame.size();
    rx_fifo_.push_back(std::move(frame));
    rx_fifo_changed_.notify(SC_ZERO_TIME);
  }
}

void Nic::rx_dma_thread() {
  for (;;) {
    while (rx_fifo_.empty()) sc_core::wait(rx_fifo_changed_);
    // The card owns RX_HEAD .. RX_TAIL - 1: a frame waits in the buffer until the driver has
    // posted a descriptor.
    while (!(ctrl_ & nic_ctrl::rx_enable) || rx_size_ == 0 || rx_head_ == rx_tail_) {
      sc_core::wait(rx_doorbell_);
    }
    receive_into_ring(rx_fifo_.front());
    rx_fifo_bytes_ -= rx_fifo_.front().size();
    rx_fifo_.pop_front();
  }
}

void Nic::receive_into_ring(const std::vector<std::uint8_t>& frame) {
  namespace rd = nic_rx_descriptor;
  const Picoseconds start = now_ps();
  const std::uint32_t index = rx_head_;
  const std::uint64_t descriptor = rx_base() + index * params_.descriptor_size.bytes;
  std::uint8_t raw[rd::used_bytes] = {};
  bool ok = bus_access(tlm::TLM_READ_COMMAND, descriptor, raw, sizeof raw, nullptr);
  const std::uint64_t buffer = load_le(raw + rd::address, 8);
  const std::uint64_t capacity = load_le(raw + rd::length, 2);
  const bool fits = frame.size() <= capacity;
  if (ok && fits) {
    // The frame into the buffer in dma_burst writes. These are headers, not the payload the
    // seeds count: bus traffic and an activity, no Copy record.
    for (std::uint64_t done = 0; ok && done < frame.size();) {
      const std::uint64_t n = std::min<std::uint64_t>(params_.dma_burst.bytes, frame.size() - done);
      ok = bus_access(tlm::TLM_WRITE_COMMAND, buffer + done,
                      const_cast<std::uint8_t*>(frame.data() + done), static_cast<unsigned>(n),
                      nullptr);
      done += n;
    }
  }
  // Write-back: length, then status and error (bytes 0x8 .. 0xD).
  std::uint8_t back[rd::used_bytes - rd::length] = {};
  store_le(back, fits ? frame.size() : 0, 2);
  back[rd::status - rd::length] = static_cast<std::uint8_t>(rd::done | (fits ? rd::eop : 0));
  back[rd::error - rd::length] = fits ? 0 : rd::too_small;
  if (ok) {
    ok = bus_access(tlm::TLM_WRITE_COMMAND, descriptor + rd::length, back, sizeof back, nullptr);
  }
  rx_head_ = static_cast<std::uint32_t>((rx_head_ + 1) % rx_size_);
  if (fits && ok) {
    ++rx_frames_;
  } else {
    ++rx_dropped_;
  }
  // Only a frame the driver will find counts as received ("rx"; network.acks counts those).
  activity(start, now_ps(), fits && ok ? "rx" : "rx drop",
           bytes_text(frame.size()) + " frame into RX descriptor " + std::to_string(index) +
               (fits ? "" : ": larger than its buffer, dropped") + (ok ? "" : ": bus error"));
  signal(fits && ok ? nic_int::rx_done : nic_int::rx_overrun);
}

// ---------------------------------------------------------------------------------------------
// Interrupts

void Nic::signal(std::uint32_t causes) {
  if (causes == 0) return;
  moderated_int_ |= causes;
  if (moderation_pending_) return;  // they go with the interrupt already waiting
  const Picoseconds interval = to_ps(params_.interrupt_interval);
  const Picoseconds now = now_ps();
  if (!last_interrupt_ || now >= *last_interrupt_ + interval) {
    moderation_expired();
    return;
  }
  moderation_pending_ = true;
  moderation_timer_.notify(from_ps(*last_interrupt_ + interval - now));
}

void Nic::moderation_expired() {
  moderation_pending_ = false;
  if (moderated_int_ == 0) return;
  int_status_ |= moderated_int_;
  moderated_int_ = 0;
  last_interrupt_ = now_ps();
  irq_update_.notify(SC_ZERO_TIME);
}

void Nic::drive_irq() {
  const bool level = int_status_ != 0 && (ctrl_ & nic_ctrl::irq_enable);
  if (level && !irq_level_) ++interrupts_raised_;
  irq_level_ = level;
  irq_out.write(level);
}

void Nic::activity(Picoseconds start, Picoseconds end, const std::string& phase,
                   const std::string& detail) {
  trace::Record r;
  r.start = start;
  r.end = end;
  r.actor = device_name_;
  r.data = trace::DeviceActivity{device_name_, phase, detail};
  context_.record(std::move(r));
}

}  // namespace iosim::hw
