#pragma once

#include <cstdint>

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::hw {

/// A 10 GbE network card with TX descriptor rings, scatter-gather DMA, checksum offload and TSO,
/// and the link it drives (docs/models/nic.md).
struct NicParams {
  // The link. Ethernet rates are quoted in bits; the model counts bytes: 10 Gb/s = 1.25 GB/s.
  Bandwidth link_rate{1'250'000'000};
  ByteSize mtu{1500};
  ByteSize preamble_and_gap{20};
  ByteSize ethernet_overhead{18};
  ByteSize min_frame{64};
  ByteSize ip_tcp_headers{40};
  sc_core::sc_time propagation_delay{0, sc_core::SC_NS};
  // Offloads.
  bool scatter_gather = true;
  std::uint64_t max_fragments = 17;
  bool checksum_offload = true;
  bool tso = true;
  ByteSize tso_max{64ULL << 10};
  // Rings, DMA and buffering.
  std::uint64_t tx_ring_size = 256;
  std::uint64_t rx_ring_size = 256;
  ByteSize descriptor_size{16};
  ByteSize dma_burst{512};
  ByteSize tx_buffer{160ULL << 10};
  ByteSize rx_buffer{512ULL << 10};
  sc_core::sc_time register_latency{100, sc_core::SC_NS};
  bool tx_interrupt_per_packet = false;
  sc_core::sc_time interrupt_interval{50, sc_core::SC_US};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"link_rate",
               "Line rate of the link in bytes per second (10 Gb/s = 1.25 GB/s); every wire byte, "
               "preamble and gap included, takes 1 / link_rate",
               "IEEE 802.3ae 10GBASE: 10 Gb/s"},
      link_rate);
    v(ParamDoc{"mtu", "Largest IP packet in one Ethernet frame (IP + TCP headers + payload)",
               "Ethernet: 1500 B"},
      mtu);
    v(ParamDoc{"preamble_and_gap",
               "Wire bytes per frame outside the frame: preamble + start delimiter (8) and the "
               "inter-frame gap (12)",
               "IEEE 802.3: 8 + 12 B (linux-io.md section 9)"},
      preamble_and_gap);
    v(ParamDoc{"ethernet_overhead", "Ethernet header (14) and frame check sequence (4) per frame",
               "IEEE 802.3: 14 + 4 B (linux-io.md section 9)"},
      ethernet_overhead);
    v(ParamDoc{"min_frame",
               "Smallest Ethernet frame (header to FCS); shorter packets are padded on the wire",
               "IEEE 802.3: 64 B"},
      min_frame);
    v(ParamDoc{"ip_tcp_headers",
               "IPv4 + TCP headers per frame (no options); a frame carries mtu - ip_tcp_headers "
               "payload bytes",
               "RFC 791 + RFC 793: 20 + 20 B"},
      ip_tcp_headers);
    v(ParamDoc{"propagation_delay",
               "Time from a frame's last bit leaving the card to its arrival at the peer",
               "textbook: 0 (a short cable: ~5 ns per metre)"},
      propagation_delay);
    v(ParamDoc{"scatter_gather",
               "NETIF_F_SG: a packet may span several descriptors (page fragments); without it "
               "a packet must be one contiguous buffer",
               "include/linux/netdev_features.h; every 10 GbE card"},
      scatter_gather);
    v(ParamDoc{"max_fragments", "Most descriptors one packet may span with scatter_gather",
               "MAX_SKB_FRAGS = 17 (include/linux/skbuff.h)"},
      max_fragments);
    v(ParamDoc{"checksum_offload",
               "NETIF_F_HW_CSUM: the card computes the TCP checksum when a descriptor asks; "
               "without it such a request is a descriptor error",
               "include/linux/netdev_features.h; every 10 GbE card"},
      checksum_offload);
    v(ParamDoc{"tso",
               "TCP segmentation offload: a packet up to tso_max is cut into MTU frames on the "
               "card; without it a packet must fit one frame",
               "NETIF_F_TSO; every 10 GbE card"},
      tso);
    v(ParamDoc{"tso_max", "Largest packet (TCP payload) the card segments",
               "GSO_MAX_SIZE = 64 KiB (include/linux/netdevice.h)"},
      tso_max);
    v(ParamDoc{"tx_ring_size", "Entries of the transmit descriptor ring",
               "ixgbe default: 512; textbook 256"},
      tx_ring_size);
    v(ParamDoc{"rx_ring_size",
               "Entries of the receive descriptor ring the driver posts buffers in (the peer's "
               "ACK frames arrive there)",
               "ixgbe default: 512; textbook 256"},
      rx_ring_size);
    v(ParamDoc{"descriptor_size",
               "Bytes of one ring descriptor: u64 address, u32 length, u8 flags, u8 connection, "
               "u8 status, u8 error",
               "Intel 82599 advanced descriptors: 16 B"},
      descriptor_size);
    v(ParamDoc{"dma_burst",
               "Largest bus transaction the card's DMA engine issues when gathering data",
               "PCIe max read request size: 512 B"},
      dma_burst);
    v(ParamDoc{"tx_buffer",
               "On-card transmit packet buffer: gathered packets wait here for the link; the "
               "gather stops while the next packet does not fit",
               "Intel 82599: 160 KB"},
      tx_buffer);
    v(ParamDoc{"rx_buffer",
               "On-card receive packet buffer: arrived frames wait here for a free RX "
               "descriptor; a frame that does not fit is dropped",
               "Intel 82599: 512 KB"},
      rx_buffer);
    v(ParamDoc{"register_latency", "Card time to answer one register access (a doorbell write)",
               "textbook: 100 ns (PCIe posted write ~ 0.2-1 us round trip)"},
      register_latency);
    v(ParamDoc{"tx_interrupt_per_packet",
               "Raise the TX interrupt after every packet instead of once when the ring is "
               "drained (no coalescing)",
               "textbook: false (one interrupt per completed batch)"},
      tx_interrupt_per_packet);
    v(ParamDoc{"interrupt_interval",
               "Interrupt moderation (EITR): the least time between two interrupts of the card; "
               "causes that come sooner wait and share the next one (0: none)",
               "ixgbe: IXGBE_20K_ITR, 20,000 interrupts/s, the initial rate of a vector with "
               "RX rings (ixgbe_alloc_q_vector)"},
      interrupt_interval);
  }
};

/// The far end of the wire: a host that receives, checks and acknowledges.
struct NetworkPeerParams {
  sc_core::sc_time ack_delay{0, sc_core::SC_NS};
  std::uint64_t ack_every = 2;
  sc_core::sc_time delayed_ack_timeout{40, sc_core::SC_MS};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"ack_delay",
               "Time from the peer's decision to acknowledge to its ACK frame leaving (its "
               "stack); the ACK then crosses the wire back to the card",
               "textbook: 0 (an idle receiver answers at once)"},
      ack_delay);
    v(ParamDoc{"ack_every",
               "Segments the peer receives per ACK it sends (delayed ACK); a segment with PSH "
               "is acknowledged at once",
               "RFC 1122 4.2.3.2, RFC 5681 4.2: an ACK for at least every second full-sized "
               "segment"},
      ack_every);
    v(ParamDoc{"delayed_ack_timeout",
               "Longest the peer holds back an ACK for fewer than ack_every segments",
               "Linux TCP_DELACK_MIN = HZ/25 = 40 ms (include/net/tcp.h); RFC 1122: < 500 ms"},
      delayed_ack_timeout);
  }
};

}  // namespace iosim::hw
