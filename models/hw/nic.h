// A 10 GbE network card: a transmit descriptor ring the driver fills and the card drains by DMA,
// scatter-gather (a packet spans up to max_fragments descriptors), checksum offload, TCP
// segmentation offload, and the link that carries the frames to a NetworkPeer.
//
// The card works in two stages, as real cards do with their on-card packet buffer:
//   gather  (one thread, the DMA engine): fetch a packet's descriptors one bus read each, check
//           them, then read each fragment's bytes from memory in dma_burst transactions;
//   link    (one thread, the MAC): send the buffered packet as back-to-back frames and hand each
//           to the peer at its arrival time;
//   complete (one thread): write the status back into the packet's last descriptor, move
//           TX_HEAD and raise the interrupt, without holding up the next frame.
// The receive side has two more:
//   rx mac  (one thread): frames from the peer (its TCP ACKs) arrive over the other direction
//           of the full-duplex link into the on-card receive buffer (dropped when it is full);
//   rx dma  (one thread): take the next free RX descriptor, write the frame into the buffer it
//           points to, write the length and DD back, move RX_HEAD and raise the interrupt.
// Interrupts are moderated (EITR): after one, the next waits until interrupt_interval has
// passed, and every cause that came meanwhile shares it.
// The gather of packet n+1 overlaps the transmission of packet n, so whichever of bus and link
// is slower sets the rate. A packet is gathered completely before its first frame leaves
// (store-and-forward: with checksum offload the card must see the whole segment before it can
// put the checksum into the header it sends first).
//
// Registers (4 bytes, little-endian, offsets in the card's window):
//   0x00 CTRL        bit 0 TX enable, bit 1 RX enable, bit 2 interrupt enable
//   0x04 STATUS  (r) bit 0 TX active (posted descriptors not yet completed), bit 1 link up
//   0x08 INT_STATUS (r) bit 0 TX done, bit 1 TX error, bit 2 RX done, bit 3 RX overrun (a
//        frame was dropped); irq_out = (INT_STATUS != 0) && enabled
//   0x0C INT_ACK (w) write 1s to clear INT_STATUS bits (the level drops when none is left)
//   0x10 TX_BASE_LO  0x14 TX_BASE_HI   physical address of the TX ring
//   0x18 TX_SIZE     ring entries, 1..tx_ring_size (write while TX is disabled)
//   0x1C TX_HEAD (r) next descriptor the card will complete (everything before it is done)
//   0x20 TX_TAIL     doorbell: the driver writes the index after its last posted descriptor
//   0x24 TX_ERROR (r) code of the last descriptor error (NicTxError), 0 when none
//   0x28 TX_PACKETS (r) packets sent   0x2C TX_FRAMES (r) frames sent
//   0x30 RX_BASE_LO  0x34 RX_BASE_HI   physical address of the RX ring
//   0x38 RX_SIZE     ring entries, 1..rx_ring_size (write while RX is disabled)
//   0x3C RX_HEAD (r) next descriptor the card will fill (the driver owns those before it)
//   0x40 RX_TAIL     the driver writes the index after its last posted descriptor; the card
//                    owns RX_HEAD .. RX_TAIL - 1 and has none when they are equal
//   0x44 RX_PACKETS (r) frames received   0x48 RX_DROPPED (r) frames dropped
//
// TX descriptor (descriptor_size bytes, the first 16 used, little-endian):
//   0x0 u64 address   physical address of the fragment
//   0x8 u32 length    fragment bytes (TCP payload; headers are the card's, see docs/models/nic.md)
//   0xC u8  flags     bit 0 EOP (last fragment of the packet), bit 1 CSUM (offload the checksum),
//                     bit 2 PSH (the packet's last frame carries TCP PSH; read from the EOP one)
//   0xD u8  connection  stream the payload belongs to (read from a packet's first descriptor)
//   0xE u8  status    written by the card into the packet's last descriptor: bit 0 DD, bit 1 ERR
//   0xF u8  error     written by the card: NicTxError
//
// RX descriptor (descriptor_size bytes, the first 14 used, little-endian):
//   0x0 u64 address   physical address of the receive buffer
//   0x8 u16 length    the driver: the buffer's size; the card writes back the frame's length
//   0xC u8  status    written by the card: bit 0 DD, bit 1 EOP (the frame fits one buffer)
//   0xD u8  error     written by the card: 1 when the frame did not fit the buffer (dropped)
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/hw/bus.h"
#include "models/hw/network_peer.h"
#include "models/hw/nic_params.h"

namespace iosim::hw {

namespace nic_register {
constexpr std::uint64_t ctrl = 0x00;
constexpr std::uint64_t status = 0x04;
constexpr std::uint64_t int_status = 0x08;
constexpr std::uint64_t int_ack = 0x0C;
constexpr std::uint64_t tx_base_lo = 0x10;
constexpr std::uint64_t tx_base_hi = 0x14;
constexpr std::uint64_t tx_size = 0x18;
constexpr std::uint64_t tx_head = 0x1C;
constexpr std::uint64_t tx_tail = 0x20;
constexpr std::uint64_t tx_error = 0x24;
constexpr std::uint64_t tx_packets = 0x28;
constexpr std::uint64_t tx_frames = 0x2C;
constexpr std::uint64_t rx_base_lo = 0x30;
constexpr std::uint64_t rx_base_hi = 0x34;
constexpr std::uint64_t rx_size = 0x38;
constexpr std::uint64_t rx_head = 0x3C;
constexpr std::uint64_t rx_tail = 0x40;
constexpr std::uint64_t rx_packets = 0x44;
constexpr std::uint64_t rx_dropped = 0x48;
constexpr std::uint64_t window_size = 0x4C;
}  // namespace nic_register

namespace nic_ctrl {
constexpr std::uint32_t tx_enable = 0x1;
constexpr std::uint32_t rx_enable = 0x2;
constexpr std::uint32_t irq_enable = 0x4;
}  // namespace nic_ctrl

namespace nic_status {
constexpr std::uint32_t tx_active = 0x1;
constexpr std::uint32_t link_up = 0x2;
}  // namespace nic_status

namespace nic_int {
constexpr std::uint32_t tx_done = 0x1;
constexpr std::uint32_t tx_error = 0x2;
constexpr std::uint32_t rx_done = 0x4;
constexpr std::uint32_t rx_overrun = 0x8;
}  // namespace nic_int

/// Descriptor layout and flag bits.
namespace nic_descriptor {
constexpr std::uint64_t address = 0x0, length = 0x8, flags = 0xC, connection = 0xD, status = 0xE,
                        error = 0xF, used_bytes = 0x10;
constexpr std::uint8_t eop = 0x1;   // flags: last fragment of the packet
constexpr std::uint8_t csum = 0x2;  // flags: compute the TCP checksum on the card
constexpr std::uint8_t push = 0x4;  // flags: set PSH in the packet's last frame
constexpr std::uint8_t done = 0x1;  // status (DD)
constexpr std::uint8_t err = 0x2;   // status
}  // namespace nic_descriptor

/// RX descriptor layout and bits.
namespace nic_rx_descriptor {
constexpr std::uint64_t address = 0x0, length = 0x8, status = 0xC, error = 0xD, used_bytes = 0xE;
constexpr std::uint8_t done = 0x1;       // status (DD)
constexpr std::uint8_t eop = 0x2;        // status
constexpr std::uint8_t too_small = 0x1;  // error: the frame did not fit the buffer
}  // namespace nic_rx_descriptor

/// Why the card refused a packet (TX_ERROR register, descriptor error byte). A refused packet is
/// completed (its descriptors are given back) but nothing of it is sent.
enum class NicTxError : std::uint8_t {
  none = 0,
  no_scatter_gather = 1,    // more than one descriptor and the card lacks NETIF_F_SG
  too_many_fragments = 2,   // more than max_fragments descriptors
  no_checksum_offload = 3,  // CSUM requested and the card cannot: the kernel must checksum
  oversize = 4,             // larger than one frame without TSO, or than tso_max with it
  empty = 5,                // zero payload bytes
  bus_error = 6,            // a descriptor or data read was not answered
};
const char* to_string(NicTxError error);

class Nic : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Nic> register_socket;
  tlm_utils::simple_initiator_socket<Nic> bus_socket;  // descriptors, data, status write-back
  sc_core::sc_out<bool> irq_out;                       // level

  /// The module's name is the card's name in records and its region ("nic0").
  Nic(sc_core::sc_module_name name, const NicParams& params, ModelContext& context);
  SC_HAS_PROCESS(Nic);

  /// Plugs the far end of the wire in, both directions.
  void connect(NetworkPeer& peer);
  /// A frame the peer starts sending at `sent` (>= now) on the link's receive direction.
  void receive(std::vector<std::uint8_t> frame, Picoseconds sent);
  /// Where the copy ids of the card's records come from (default: a new one per packet). The
  /// kernel may hand in its own so that the card's records join the logical copy it counts.
  void set_copy_ids(std::function<std::uint64_t()> source) { copy_ids_ = std::move(source); }
  /// The engine named in the gather legs' Copy records (default nic). The platform says dma: the
  /// card's bus-master DMA is what the seeds' table counts as a DMA copy. The wire leg stays nic.
  void set_gather_engine(trace::Engine engine) { gather_engine_ = engine; }

  const NicParams& params() const { return params_; }
  const std::string& device_name() const { return device_name_; }

  /// TCP payload bytes one frame carries: mtu - ip_tcp_headers.
  std::uint64_t frame_payload() const;
  /// Wire bytes of a frame carrying `payload` bytes: headers, padding to min_frame, Ethernet
  /// header and FCS, preamble and inter-frame gap.
  std::uint64_t frame_wire_bytes(std::uint64_t payload) const;
  /// Frames a packet of `payload` bytes becomes (TSO): ceil(payload / frame_payload()).
  std::uint64_t frames_for(std::uint64_t payload) const;

  // Counters (what the registers show, for tests and metrics).
  std::uint64_t tx_packets() const { return tx_packets_; }
  std::uint64_t tx_frames() const { return tx_frames_; }
  std::uint64_t tx_payload_bytes() const { return tx_payload_bytes_; }
  std::uint64_t tx_wire_bytes() const { return tx_wire_bytes_; }
  std::uint64_t tx_errors() const { return tx_errors_; }
  std::uint64_t interrupts_raised() const { return interrupts_raised_; }
  std::uint64_t rx_frames() const { return rx_frames_; }
  std::uint64_t rx_dropped() const { return rx_dropped_; }
  /// Wire bytes of a received frame of `length` bytes (Ethernet header to payload): FCS,
  /// padding to min_frame, preamble and gap.
  std::uint64_t rx_wire_bytes(std::uint64_t length) const;
  NicTxError last_error() const { return last_error_; }
  /// When the last packet was completed (status written back, TX_HEAD moved).
  Picoseconds last_completion() const { return last_completion_; }

 private:
  struct Fragment {
    std::uint64_t address;
    std::uint32_t length;
  };
  struct Packet {
    std::uint64_t last_index = 0;  // ring index of its EOP descriptor
    std::uint32_t connection = 0;
    bool checksum = false;
    bool push = false;
    std::vector<Fragment> fragments;
    std::uint64_t bytes = 0;
    NicTxError error = NicTxError::none;
    std::vector<std::uint8_t> data;
    std::uint64_t copy_id = 0;
  };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void gather_thread();
  void link_thread();
  void completion_thread();
  void rx_mac_thread();
  void rx_dma_thread();
  void drive_irq();
  /// Raises `causes` in INT_STATUS now or, within interrupt_interval of the last interrupt,
  /// when that interval is over (moderation_timer_).
  void signal(std::uint32_t causes);
  void moderation_expired();
  /// Writes one received frame into the next RX descriptor's buffer.
  void receive_into_ring(const std::vector<std::uint8_t>& frame);
  /// Reads the descriptors of one packet; false when TX was disabled meanwhile.
  void fetch_packet(Packet& p);
  NicTxError check(const Packet& p) const;
  void gather(Packet& p);
  void transmit(Packet& p);
  void complete(const Packet& p);
  /// One bus transaction; waits out its annotated delay. False on an error response.
  bool bus_access(tlm::tlm_command command, std::uint64_t address, std::uint8_t* data,
                  unsigned length, Picoseconds* granted);
  std::uint64_t tx_base() const {
    return (static_cast<std::uint64_t>(tx_base_hi_) << 32) | tx_base_lo_;
  }
  std::uint64_t rx_base() const {
    return (static_cast<std::uint64_t>(rx_base_hi_) << 32) | rx_base_lo_;
  }
  void activity(Picoseconds start, Picoseconds end, const std::string& phase,
                const std::string& detail);

  NicParams params_;
  ModelContext& context_;
  std::string device_name_;
  NetworkPeer* peer_ = nullptr;
  std::function<std::uint64_t()> copy_ids_;
  trace::Engine gather_engine_ = trace::Engine::nic;

  // Registers.
  std::uint32_t ctrl_ = 0, int_status_ = 0;
  std::uint32_t tx_base_lo_ = 0, tx_base_hi_ = 0, tx_size_ = 0, tx_head_ = 0, tx_tail_ = 0;
  std::uint32_t rx_base_lo_ = 0, rx_base_hi_ = 0, rx_size_ = 0, rx_head_ = 0, rx_tail_ = 0;
  std::uint32_t tx_fetch_ = 0;  // next descriptor the gather stage reads (ahead of tx_head_)

  sc_core::sc_event doorbell_;
  std::deque<Packet> link_queue_;  // gathered (or refused) packets, in ring order
  sc_core::sc_event link_queue_changed_;
  std::deque<Packet> completion_queue_;  // sent (or refused) packets awaiting write-back
  sc_core::sc_event completion_queue_changed_;
  std::uint64_t buffered_ = 0;  // bytes in the on-card buffer, waiting for the wire
  sc_core::sc_event buffer_freed_;
  sc_core::sc_event_queue irq_update_;
  std::uint32_t pending_int_ = 0;    // completions not yet signalled (batched)
  std::uint32_t moderated_int_ = 0;  // causes waiting for the moderation interval to end
  bool moderation_pending_ = false;
  std::optional<Picoseconds> last_interrupt_;  // none before the first
  sc_core::sc_event moderation_timer_;

  // Receive side.
  std::deque<std::pair<Picoseconds, std::vector<std::uint8_t>>> rx_arrivals_;  // by arrival
  sc_core::sc_event rx_arrivals_changed_;
  Picoseconds rx_wire_free_ = 0;  // when the receive direction of the link is free again
  std::deque<std::vector<std::uint8_t>> rx_fifo_;  // the on-card receive buffer
  std::uint64_t rx_fifo_bytes_ = 0;
  sc_core::sc_event rx_fifo_changed_;
  sc_core::sc_event rx_doorbell_;

  std::uint64_t tx_packets_ = 0, tx_frames_ = 0, tx_payload_bytes_ = 0, tx_wire_bytes_ = 0,
                tx_errors_ = 0, interrupts_raised_ = 0, rx_frames_ = 0, rx_dropped_ = 0;
  NicTxError last_error_ = NicTxError::none;
  Picoseconds last_completion_ = 0;
  bool irq_level_ = false;
};

}  // namespace iosim::hw
