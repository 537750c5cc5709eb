// The far end of the wire: a host that receives the frames a NIC sends, appends their payload to
// a byte stream per connection, checks every byte against what the sender should have sent, and
// acknowledges the data with TCP ACK frames sent back over the wire (models/hw/ethernet.h), which
// the card receives into its RX ring (for the TCP model: they free the socket buffer).
//
// When it acknowledges (a receiver's delayed ACK, RFC 1122 4.2.3.2 and RFC 5681 4.2): after every
// `ack_every` segments, at once for a segment with PSH (the receiving application drains the
// pushed data and tcp_cleanup_rbuf() acknowledges it), and otherwise when the delayed-ACK timer
// runs out, `delayed_ack_timeout` after the first unacknowledged segment. Each ACK leaves
// `ack_delay` after its decision and carries everything received in order until then.
//
// Frames arrive in wire order at their arrival time (last bit off the wire + propagation delay);
// the peer processes them in its own thread at that time, so its records and acknowledgements
// are stamped with simulated time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <systemc>

#include "models/core/context.h"
#include "models/hw/nic_params.h"

namespace iosim::hw {

/// One Ethernet frame as it crosses the wire: only the TCP payload is real bytes; the headers
/// are counted in `wire_bytes` but not modelled.
struct Frame {
  std::uint32_t connection = 0;
  std::vector<std::uint8_t> payload;
  std::uint64_t wire_bytes = 0;  // payload + headers + padding + framing + preamble and gap
  Picoseconds wire_start = 0, wire_end = 0;
  bool push = false;  // TCP PSH: the last segment of what the sender pushed
};

class NetworkPeer : public sc_core::sc_module {
 public:
  /// Writes the `n` bytes the sender should have sent at `offset` of `connection`'s stream.
  using ExpectedBytes = std::function<void(std::uint32_t connection, std::uint64_t offset,
                                           std::uint8_t* dst, std::size_t n)>;
  /// Sends `frame` (its bytes: headers and payload) back towards the card, leaving at `at`.
  using Transmit = std::function<void(std::vector<std::uint8_t> frame, Picoseconds at)>;

  NetworkPeer(sc_core::sc_module_name name, const NetworkPeerParams& params, ModelContext& context);
  SC_HAS_PROCESS(NetworkPeer);

  /// Expected bytes of every connection come from `expected` (default: unchecked, all count as
  /// matching until an expectation is set).
  void expect(ExpectedBytes expected) { expected_ = std::move(expected); }
  /// Connection `connection` carries payload stream `stream`: byte k is
  /// pattern_byte(context.seed(), stream, k) (models/core/payload.h).
  void expect_pattern(std::uint32_t connection, std::uint64_t stream);
  /// Where the peer's ACK frames go (the card's receive side; Nic::connect plugs itself in).
  void connect_return(Transmit transmit) { transmit_ = std::move(transmit); }
  /// Keep the received bytes of each connection (for tests and small runs; off by default so a
  /// 1 GiB transfer does not keep 1 GiB).
  void keep_bytes(bool keep) { keep_bytes_ = keep; }

  /// The link hands over a frame whose arrival time is `arrival` (>= now).
  void deliver(Frame frame, Picoseconds arrival);

  std::uint64_t frames() const { return frames_; }
  std::uint64_t received_bytes() const { return received_; }
  std::uint64_t mismatched_bytes() const { return mismatched_; }
  std::uint64_t received_bytes(std::uint32_t connection) const;
  std::uint64_t wire_bytes() const { return wire_bytes_; }
  /// ACK frames sent, and how many of them the delayed-ACK timer sent.
  std::uint64_t acks_sent() const { return acks_sent_; }
  std::uint64_t delayed_acks() const { return delayed_acks_; }
  /// The kept bytes of `connection` (empty unless keep_bytes(true)).
  const std::vector<std::uint8_t>& stream(std::uint32_t connection) const;
  /// Arrival time of the last frame processed.
  Picoseconds last_arrival() const { return last_arrival_; }

  /// Records one Verification per connection for the bytes checked since the last call. Called
  /// by end_of_simulation (sc_stop) and by whoever wants the check now.
  void record_verification();

 private:
  /// An ACK to send at a time (acked set), or the delayed-ACK timer of a connection (timer).
  struct Pending {
    std::uint32_t connection = 0;
    std::uint64_t acked = 0;
    bool timer = false;
  };
  using AckQueue = std::multimap<Picoseconds, Pending>;  // by time; ties in the order queued
  struct Connection {
    std::uint64_t received = 0;
    std::uint64_t mismatched = 0;
    std::uint64_t reported_received = 0, reported_mismatched = 0;
    std::vector<std::uint8_t> bytes;
    std::uint64_t unacked_segments = 0;  // received since the last ACK decision
    std::uint64_t acked = 0;             // what the last ACK decided on covers
    bool delack_armed = false;           // the delayed-ACK timer runs ...
    AckQueue::iterator delack;           // ... and this is its entry
  };

  void receive_thread();
  void ack_thread();
  void process(const Frame& frame, Picoseconds arrival);
  void send_ack(std::uint32_t connection, std::uint64_t acked);
  void end_of_simulation() override;

  NetworkPeerParams params_;
  ModelContext& context_;
  ExpectedBytes expected_;
  Transmit transmit_;
  bool keep_bytes_ = false;
  std::deque<std::pair<Picoseconds, Frame>> inbox_;
  sc_core::sc_event inbox_changed_;
  AckQueue acks_;
  sc_core::sc_event acks_changed_;
  std::map<std::uint32_t, Connection> connections_;
  std::vector<std::uint8_t> expected_buffer_;
  std::uint64_t frames_ = 0, received_ = 0, mismatched_ = 0, wire_bytes_ = 0, acks_sent_ = 0,
                delayed_acks_ = 0;
  Picoseconds last_arrival_ = 0;
};

}  // namespace iosim::hw
