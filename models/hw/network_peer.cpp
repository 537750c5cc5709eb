#include "models/hw/network_peer.h"

#include <stdexcept>

#include "models/core/payload.h"
#include "models/hw/ethernet.h"

namespace iosim::hw {

namespace {
/// The window the peer advertises: it reads everything at once, so its buffer is always empty
/// (no window scaling: the largest unscaled window).
constexpr std::uint16_t kAdvertisedWindow = 0xFFFF;
}  // namespace

NetworkPeer::NetworkPeer(sc_core::sc_module_name name, const NetworkPeerParams& params,
                         ModelContext& context)
    : sc_module(name), params_(params), context_(context) {
  if (params_.ack_every == 0) throw std::invalid_argument("peer: ack_every is 0");
  context_.declare_region("peer", trace::Layer::hardware, "receiving host");
  SC_THREAD(receive_thread);
  SC_THREAD(ack_thread);
}

void NetworkPeer::expect_pattern(std::uint32_t connection, std::uint64_t stream) {
  // Chain onto whatever expectation the other connections already have.
  ExpectedBytes previous = expected_;
  const std::uint64_t seed = context_.seed();
  expected_ = [previous, connection, stream, seed](std::uint32_t c, std::uint64_t offset,
                                                   std::uint8_t* dst, std::size_t n) {
    if (c == connection) {
      fill_pattern(seed, stream, offset, dst, n);
    } else if (previous) {
      previous(c, offset, dst, n);
    }
  };
}

void NetworkPeer::deliver(Frame frame, Picoseconds arrival) {
  inbox_.emplace_back(arrival, std::move(frame));
  inbox_changed_.notify(sc_core::SC_ZERO_TIME);
}

std::uint64_t NetworkPeer::received_bytes(std::uint32_t connection) const {
  auto it = connections_.find(connection);
  return it == connections_.end() ? 0 : it->second.received;
}

const std::vector<std::uint8_t>& NetworkPeer::stream(std::uint32_t connection) const {
  static const std::vector<std::uint8_t> none;
  auto it = connections_.find(connection);
  return it == connections_.end() ? none : it->second.bytes;
}

void NetworkPeer::receive_thread() {
  for (;;) {
    while (inbox_.empty()) sc_core::wait(inbox_changed_);
    // The wire delivers in order and the propagation delay is the same for every frame, so the
    // inbox is sorted by arrival time.
    const Picoseconds arrival = inbox_.front().first;
    const Picoseconds now = now_ps();
    if (arrival > now) sc_core::wait(from_ps(arrival - now));
    Frame frame = std::move(inbox_.front().second);
    inbox_.pop_front();
    process(frame, arrival);
  }
}

void NetworkPeer::process(const Frame& frame, Picoseconds arrival) {
  Connection& c = connections_[frame.connection];
  const std::size_t n = frame.payload.size();
  std::uint64_t bad = 0;
  if (expected_) {
    expected_buffer_.resize(n);
    expected_(frame.connection, c.received, expected_buffer_.data(), n);
    for (std::size_t i = 0; i < n; ++i) bad += frame.payload[i] != expected_buffer_[i];
  }
  if (keep_bytes_) c.bytes.insert(c.bytes.end(), frame.payload.begin(), frame.payload.end());
  c.received += n;
  c.mismatched += bad;
  received_ += n;
  mismatched_ += bad;
  wire_bytes_ += frame.wire_bytes;
  ++frames_;
  last_arrival_ = arrival;
  // The receiver's ACK decision (tcp_ack_snd_check, tcp_cleanup_rbuf, the delayed-ACK timer).
  ++c.unacked_segments;
  if (frame.push || c.unacked_segments >= params_.ack_every) {
    c.unacked_segments = 0;
    c.acked = c.received;
    if (c.delack_armed) acks_.erase(c.delack);
    c.delack_armed = false;
    acks_.emplace(arrival + to_ps(params_.ack_delay), Pending{frame.connection, c.received, false});
    acks_changed_.notify(sc_core::SC_ZERO_TIME);
  } else if (!c.delack_armed) {
    c.delack = acks_.emplace(arrival + to_ps(params_.delayed_ack_timeout),
                             Pending{frame.connection, 0, true});
    c.delack_armed = true;
    acks_changed_.notify(sc_core::SC_ZERO_TIME);
  }
}

void NetworkPeer::ack_thread() {
  for (;;) {
    while (acks_.empty()) sc_core::wait(acks_changed_);
    const auto first = acks_.begin();
    const Picoseconds at = first->first;
    const Picoseconds now = now_ps();
    if (at > now) {
      // Something earlier may be queued meanwhile (an ACK decided before a timer runs out).
      sc_core::wait(from_ps(at - now), acks_changed_);
      continue;
    }
    const Pending next = first->second;
    acks_.erase(first);
    if (!next.timer) {
      send_ack(next.connection, next.acked);
      continue;
    }
    // The delayed-ACK timer ran out: acknowledge what came since the last ACK.
    Connection& c = connections_[next.connection];
    c.delack_armed = false;
    if (c.received == c.acked) continue;
    c.unacked_segments = 0;
    c.acked = c.received;
    ++delayed_acks_;
    acks_.emplace(now + to_ps(params_.ack_delay), Pending{next.connection, c.received, false});
  }
}

void NetworkPeer::send_ack(std::uint32_t connection, std::uint64_t acked) {
  ++acks_sent_;
  if (!transmit_) return;
  ethernet::TcpAck ack;
  ack.connection = connection;
  ack.ack_number = static_cast<std::uint32_t>(acked);  // the stream starts at sequence 0
  ack.window = kAdvertisedWindow;
  transmit_(ethernet::build_ack_frame(ack), now_ps());
}

void NetworkPeer::record_verification() {
  for (auto& [id, c] : connections_) {
    if (c.received == c.reported_received) continue;
    trace::Record r;
    r.start = r.end = now_ps();
    r.actor = name();
    r.data =
        trace::Verification{"connection " + std::to_string(id) + " at peer",
                            c.received - c.reported_received, c.mismatched - c.reported_mismatched};
    context_.record(std::move(r));
    c.reported_received = c.received;
    c.reported_mismatched = c.mismatched;
  }
}

void NetworkPeer::end_of_simulation() {
  record_verification();
}

}  // namespace iosim::hw
