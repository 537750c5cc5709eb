#include "models/hw/ethernet.h"

namespace iosim::hw::ethernet {

namespace {

void put16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xFFFF);
}
std::uint32_t get16(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 8) | p[1];
}
std::uint32_t get32(const std::uint8_t* p) {
  return (get16(p) << 16) | get16(p + 2);
}

/// The Internet checksum of the IPv4 header (RFC 1071): the ones' complement of the ones'
/// complement sum of its 16-bit words. Over a header with a correct checksum it yields 0.
std::uint16_t ip_checksum(const std::uint8_t* header) {
  std::uint32_t sum = 0;
  for (std::uint64_t i = 0; i < kIpHeader; i += 2) sum += get16(header + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Locally administered MAC addresses and private IPv4 addresses of the two hosts.
constexpr std::uint8_t kServerMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::uint8_t kPeerMac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr std::uint32_t kServerIp = 0x0A000001;  // 10.0.0.1
constexpr std::uint32_t kPeerIp = 0x0A000002;    // 10.0.0.2
constexpr std::uint32_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint8_t kProtocolTcp = 6;

}  // namespace

std::vector<std::uint8_t> build_ack_frame(const TcpAck& ack) {
  std::vector<std::uint8_t> f(kAckFrameBytes, 0);
  std::uint8_t* eth = f.data();
  for (int i = 0; i < 6; ++i) {
    eth[i] = kServerMac[i];
    eth[6 + i] = kPeerMac[i];
  }
  put16(eth + 12, kEtherTypeIpv4);
  std::uint8_t* ip = eth + kEthernetHeader;
  ip[0] = 0x45;  // version 4, 5 words of header
  put16(ip + 2, static_cast<std::uint32_t>(kIpHeader + kTcpHeader));
  put16(ip + 6, 0x4000);  // don't fragment
  ip[8] = 64;             // TTL
  ip[9] = kProtocolTcp;
  put32(ip + 12, kPeerIp);
  put32(ip + 16, kServerIp);
  put16(ip + 10, ip_checksum(ip));
  std::uint8_t* tcp = ip + kIpHeader;
  put16(tcp + 0, peer_port(ack.connection));
  put16(tcp + 2, kServerPort);
  put32(tcp + 4, 0);  // the peer sends no data: its sequence number stays put
  put32(tcp + 8, ack.ack_number);
  tcp[12] = 5 << 4;  // data offset: 5 words
  tcp[13] = kTcpFlagAck;
  put16(tcp + 14, ack.window);
  return f;
}

std::optional<TcpAck> parse_ack_frame(const std::uint8_t* frame, std::size_t length) {
  if (length < kAckFrameBytes) return std::nullopt;
  if (get16(frame + 12) != kEtherTypeIpv4) return std::nullopt;
  const std::uint8_t* ip = frame + kEthernetHeader;
  if (ip[0] != 0x45 || ip[9] != kProtocolTcp || ip_checksum(ip) != 0) return std::nullopt;
  const std::uint8_t* tcp = ip + kIpHeader;
  const std::uint32_t source_port = get16(tcp + 0);
  if (get16(tcp + 2) != kServerPort || source_port < kPeerPortBase) return std::nullopt;
  if (!(tcp[13] & kTcpFlagAck)) return std::nullopt;
  TcpAck ack;
  ack.connection = source_port - kPeerPortBase;
  ack.ack_number = get32(tcp + 8);
  ack.window = static_cast<std::uint16_t>(get16(tcp + 14));
  return ack;
}

}  // namespace iosim::hw::ethernet
