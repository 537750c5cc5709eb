// The bytes of the frames that come back over the wire: TCP acknowledgements from the peer,
// written by the NIC's receive DMA into the driver's buffers and parsed by the kernel. Only the
// fields the model uses carry meaning, but every field is where RFC 791 / RFC 793 put it, in
// network byte order, so that a receive buffer in a memory dump reads like a real one.
//
//   0  Ethernet: destination MAC (6), source MAC (6), EtherType 0x0800 (IPv4)
//   14 IPv4: version/IHL 0x45, TOS, total length, identification, DF, TTL 64, protocol 6
//      (TCP), header checksum (RFC 1071), source address, destination address
//   34 TCP: source port, destination port, sequence number, acknowledgement number, data
//      offset 5, flags (ACK), window, checksum (offloaded: 0), urgent pointer
//
// Transmitted frames are not serialised this way: their headers are counted in wire bytes (the
// card builds them from its template with TSO) and only their payload is real bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace iosim::hw::ethernet {

constexpr std::uint64_t kEthernetHeader = 14;
constexpr std::uint64_t kIpHeader = 20;
constexpr std::uint64_t kTcpHeader = 20;
/// An ACK without options: Ethernet + IPv4 + TCP headers, no payload (54 bytes; the wire pads it
/// to the 64-byte minimum frame with the FCS).
constexpr std::uint64_t kAckFrameBytes = kEthernetHeader + kIpHeader + kTcpHeader;

/// The server's (the simulated host's) TCP port, and the peer's port of each connection: the
/// kernel finds the socket of an incoming segment by the peer's port.
constexpr std::uint16_t kServerPort = 80;
constexpr std::uint16_t kPeerPortBase = 40000;
inline std::uint16_t peer_port(std::uint32_t connection) {
  return static_cast<std::uint16_t>(kPeerPortBase + connection);
}

constexpr std::uint8_t kTcpFlagAck = 0x10;
constexpr std::uint8_t kTcpFlagPsh = 0x08;

/// A TCP acknowledgement as the model needs it: whose, and up to which byte (the
/// acknowledgement number is the stream offset modulo 2^32: the stream starts at sequence 0).
struct TcpAck {
  std::uint32_t connection = 0;
  std::uint32_t ack_number = 0;
  std::uint16_t window = 0;
};

/// The frame the peer sends for `ack` (kAckFrameBytes bytes).
std::vector<std::uint8_t> build_ack_frame(const TcpAck& ack);
/// The acknowledgement in `frame`, or nothing when it is not an IPv4 TCP ACK to kServerPort from
/// a peer port (or is too short, or its IP header checksum is wrong).
std::optional<TcpAck> parse_ack_frame(const std::uint8_t* frame, std::size_t length);

/// Widens a 32-bit acknowledgement number to a stream offset, given the last acknowledged offset
/// (TCP's serial-number arithmetic, RFC 1982: the ACK is at most 2^31 ahead of snd_una).
inline std::uint64_t unwrap_ack(std::uint64_t snd_una, std::uint32_t ack_number) {
  const std::uint32_t advance = ack_number - static_cast<std::uint32_t>(snd_una);
  return advance < 0x80000000U ? snd_una + advance : snd_una;
}

}  // namespace iosim::hw::ethernet
