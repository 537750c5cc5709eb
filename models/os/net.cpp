// The network path of the simulated kernel: TCP sockets with a bounded send buffer, write() and
// sendfile() to a socket, and the NIC driver that fills TX descriptors and reclaims them at the
// card's interrupt. docs/models/kernel.md ("Sockets and sendfile") explains each step and its
// cost; docs/models/nic.md the card.
//
// The lecture this builds (../shared/seeds, linux-io.md section 10):
//   read() + write():   disk -> page cache (DMA), page cache -> user (CPU), user -> socket
//                       buffer (CPU), socket buffer -> NIC (DMA): 4 copies, 4 mode switches.
//   sendfile():         disk -> page cache (DMA), page cache -> socket buffer (CPU), socket
//                       buffer -> NIC (DMA): 3 copies, 2 mode switches.
//   sendfile(), SG NIC: disk -> page cache (DMA), a descriptor of the pages into the socket
//                       buffer (not a copy), page cache -> NIC (DMA gather): 2 copies.
#include <algorithm>
#include <stdexcept>

#include "models/core/byte_order.h"
#include "models/hw/ethernet.h"
#include "models/hw/network_peer.h"
#include "models/hw/nic.h"
#include "models/os/kernel.h"
#include "models/os/kernel_internal.h"

namespace iosim::os {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr std::uint64_t kPage = Kernel::kPageSize;
const char* const kSocketBufferRegion = "socket_buffer";
const char* const kPageCacheRegion = "page_cache";
const char* const kPipeRegion = "pipe";
const char* const kRxBufferRegion = "rx_buffers";
/// File descriptors 0-2 are stdin, stdout and stderr.
constexpr std::int64_t kFirstFd = 3;
/// One read/write/sendfile moves at most MAX_RW_COUNT = INT_MAX & PAGE_MASK bytes.
constexpr std::uint64_t kMaxRwCount = 0x7ffff000;

std::string size_text(std::uint64_t bytes) {
  return format_size(ByteSize(bytes));
}

using Pieces = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

/// Appends [address, address + n) to `pieces`, merging it with the last one when contiguous.
void add_piece(Pieces& pieces, std::uint64_t address, std::uint64_t n) {
  if (!pieces.empty() && pieces.back().first + pieces.back().second == address) {
    pieces.back().second += n;
  } else {
    pieces.emplace_back(address, n);
  }
}

}  // namespace

std::vector<std::uint32_t> Kernel::connections() const {
  std::vector<std::uint32_t> out;
  for (const auto& s : sockets_) out.push_back(s->connection);
  return out;
}

std::int64_t Kernel::lowest_free_fd(const Process& p) const {
  // open(), socket() and pipe2() return the lowest free descriptor (alloc_fd, fs/file.c).
  auto taken = [&p](std::int64_t n) {
    for (const auto& [path, f] : p.open_files) {
      if (f.fd == n) return true;
    }
    for (const auto& [name, s] : p.sockets) {
      if (s->fd == n) return true;
    }
    for (const auto& [name, pipe] : p.pipes) {
      if (pipe->read_fd == n || pipe->write_fd == n) return true;
    }
    return false;
  };
  std::int64_t fd = kFirstFd;
  while (taken(fd)) ++fd;
  return fd;
}

Kernel::Socket* Kernel::socket_of(Process& p, const std::string& name) {
  const auto it = p.sockets.find(name);
  return it == p.sockets.end() ? nullptr : it->second;
}

bool Kernel::sockets_drained() const {
  // Everything acknowledged, and every descriptor reclaimed by the driver (the card's
  // completion interrupt comes after the last frame, the peer's acknowledgement may come first).
  return posted_.empty() && std::all_of(sockets_.begin(), sockets_.end(),
                                        [](const auto& s) { return s->queued == 0; });
}

std::uint64_t Kernel::max_skb_bytes(const Socket& s) const {
  const hw::Nic& nic = *wiring_.nic;
  // With TSO the stack hands the card one packet of up to tso_max; without, one frame's payload.
  const std::uint64_t packet = nic.params().tso ? nic.params().tso_max.bytes : nic.frame_payload();
  return std::min(packet, s.linear_size);
}

// --- socket() and connect() ---------------------------------------------------------------------

void Kernel::socket_connect(Process& p, const SocketConnect& op) {
  Picoseconds start = syscall_enter(p, "socket");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const std::int64_t fd = lowest_free_fd(p);
  auto socket = std::make_unique<Socket>();
  socket->name = op.name;
  socket->fd = fd;
  socket->connection = static_cast<std::uint32_t>(sockets_.size() + 1);
  socket->owner = &p;
  socket->linear_size = params_.socket_buffer_size.bytes;
  // Linear skb data must be physically contiguous (the card may lack scatter-gather): kernel
  // memory, like kmalloc'd skb heads.
  socket->linear_base = allocate_kernel(socket->linear_size, kPage);
  context_.declare_region(kSocketBufferRegion, trace::Layer::kernel, "socket send buffer");
  context_.name_memory(socket->linear_base, socket->linear_size, kSocketBufferRegion);
  Socket& s = *socket;
  sockets_.push_back(std::move(socket));
  p.sockets[op.name] = &s;
  syscall_return(p, "socket", start, "AF_INET, SOCK_STREAM", fd, "");

  start = syscall_enter(p, "connect");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  if (tx_ring_entries_ == 0) nic_open(p);
  syscall_return(p, "connect", start, std::to_string(fd) + ", peer0", 0, "");
}

void Kernel::nic_open(Process& p) {
  // ndo_open: a TX ring in kernel memory, an RX ring with a buffer posted in every descriptor
  // but one, their addresses and sizes in the card, TX, RX and interrupts on. The card's copies
  // join the logical copies the kernel counts (one id per call).
  hw::Nic& nic = *wiring_.nic;
  const std::uint64_t descriptor = nic.params().descriptor_size.bytes;
  tx_ring_entries_ = nic.params().tx_ring_size;
  tx_ring_ = allocate_kernel(tx_ring_entries_ * descriptor, descriptor);
  rx_ring_entries_ = nic.params().rx_ring_size;
  rx_ring_ = allocate_kernel(rx_ring_entries_ * descriptor, descriptor);
  const std::uint64_t buffer = params_.rx_buffer_size.bytes;
  rx_buffers_ = allocate_kernel(rx_ring_entries_ * buffer, kPage);
  context_.declare_region(kRxBufferRegion, trace::Layer::kernel, "NIC receive buffers");
  context_.name_memory(rx_buffers_, rx_ring_entries_ * buffer, kRxBufferRegion);
  const std::uint64_t base = wiring_.nic_registers;
  namespace reg = hw::nic_register;
  sc_time local = SC_ZERO_TIME;
  for (std::uint64_t i = 0; i < rx_ring_entries_; ++i) post_rx_buffer(i, local);
  rx_clean_ = 0;
  cpu_.io_write(base + reg::tx_base_lo, static_cast<std::uint32_t>(tx_ring_), 4, local);
  cpu_.io_write(base + reg::tx_base_hi, static_cast<std::uint32_t>(tx_ring_ >> 32), 4, local);
  cpu_.io_write(base + reg::tx_size, static_cast<std::uint32_t>(tx_ring_entries_), 4, local);
  cpu_.io_write(base + reg::rx_base_lo, static_cast<std::uint32_t>(rx_ring_), 4, local);
  cpu_.io_write(base + reg::rx_base_hi, static_cast<std::uint32_t>(rx_ring_ >> 32), 4, local);
  cpu_.io_write(base + reg::rx_size, static_cast<std::uint32_t>(rx_ring_entries_), 4, local);
  // One descriptor stays the driver's, so that RX_HEAD == RX_TAIL means "none posted".
  cpu_.io_write(base + reg::rx_tail, static_cast<std::uint32_t>(rx_ring_entries_ - 1), 4, local);
  cpu_.io_write(base + reg::ctrl,
                hw::nic_ctrl::tx_enable | hw::nic_ctrl::rx_enable | hw::nic_ctrl::irq_enable, 4,
                local);
  cpu_.sync(&p.task, local);
  nic.set_copy_ids([this] {
    if (nic_copy_ids_.empty()) return context_.new_copy_id();
    const std::uint64_t id = nic_copy_ids_.front();
    nic_copy_ids_.pop_front();
    return id;
  });
}

// --- The send buffer --------------------------------------------------------------------------

void Kernel::wait_for_socket_space(Process& p, Socket& s, std::uint64_t bytes) {
  while (s.queued + bytes > s.linear_size) {
    s.waiters.push_back(&p);
    s.waiting_for = std::max(s.waiting_for, bytes);
    block(p);  // on_ack wakes us when the room is there
  }
}

std::uint64_t Kernel::take_linear(Socket& s, std::uint64_t bytes) {
  // A FIFO ring: skbs leave in order, so the free space starts at the head. The caller keeps
  // `bytes` within the room before the end of the area and within the buffer's limit.
  const std::uint64_t at = s.linear_base + s.linear_head;
  s.linear_head = (s.linear_head + bytes) % s.linear_size;
  return at;
}

void Kernel::on_ack(Socket& s, std::uint64_t acked, const sc_time& local) {
  s.acked = std::max(s.acked, acked);
  while (!s.sent_log.empty() && s.sent_log.front().at + s.sent_log.front().n <= s.acked) {
    s.sent_log.pop_front();
  }
  while (!s.in_flight.empty() && s.in_flight.front().end <= s.acked) {
    s.queued -= s.in_flight.front().bytes;
    s.in_flight.pop_front();
  }
  // Wake the senders only when what they wait for fits (sk_stream_write_space wakes at a
  // threshold too), not at every acknowledged frame.
  if (!s.waiters.empty() && s.queued + s.waiting_for <= s.linear_size) {
    std::vector<Process*> waiters;
    waiters.swap(s.waiters);
    s.waiting_for = 0;
    for (Process* w : waiters) wake(*w);
  }
  // MSG_ZEROCOPY: the skbs of a send are freed once acknowledged; its notification is queued.
  for (auto it = s.zerocopy_waiters.begin(); it != s.zerocopy_waiters.end();) {
    if (it->end <= s.acked) {
      wake(*it->process);
      it = s.zerocopy_waiters.erase(it);
    } else {
      ++it;
    }
  }
  if (s.queued == 0) drained_.notify(local);
}

void Kernel::expected_stream(std::uint32_t connection, std::uint64_t offset, std::uint8_t* out,
                             std::size_t n) const {
  std::fill(out, out + n, 0);
  if (connection == 0 || connection > sockets_.size()) return;
  const std::deque<Socket::Sent>& log = sockets_[connection - 1]->sent_log;
  auto it = std::upper_bound(log.begin(), log.end(), offset,
                             [](std::uint64_t at, const Socket::Sent& e) { return at < e.at; });
  if (it != log.begin()) --it;
  for (; it != log.end() && it->at < offset + n; ++it) {
    const std::uint64_t from = std::max(offset, it->at);
    const std::uint64_t to = std::min(offset + n, it->at + it->n);
    if (from >= to) continue;
    std::uint8_t* dst = out + (from - offset);
    if (it->file != nullptr) {
      written_bytes(*it->file, it->file_offset + (from - it->at), dst, to - from);
    } else {
      std::copy(it->bytes.begin() + static_cast<std::ptrdiff_t>(from - it->at),
                it->bytes.begin() + static_cast<std::ptrdiff_t>(to - it->at), dst);
    }
  }
}

// --- The driver -------------------------------------------------------------------------------

Picoseconds Kernel::transmit_skb(Process& p, Socket& s, const Pieces& pieces,
                                 std::uint64_t linear_bytes, PostedPacket packet) {
  const hw::NicParams& nic = wiring_.nic->params();
  // The ring keeps one entry free: TX_TAIL == TX_HEAD means empty to the card.
  while (tx_in_use_ + pieces.size() > tx_ring_entries_ - 1) {
    tx_ring_waiters_.push_back(&p);
    block(p);  // nic_interrupt wakes us when descriptors are reclaimed
  }
  std::uint64_t bytes = 0;
  for (const auto& piece : pieces) bytes += piece.second;
  // TCP/IP: sequence numbers, headers, the qdisc and ndo_start_xmit.
  cpu_.kernel_work(p.task, params_.tcp_xmit_work);
  s.sent += bytes;
  s.queued += bytes;
  s.in_flight.push_back(Socket::InFlight{s.sent, bytes, linear_bytes});
  // tcp_push marks PSH at the end of a call (no MSG_MORE) and before the sender sleeps for
  // room: the peer acknowledges a pushed segment at once instead of delaying its ACK.
  const bool push = !packet.text.empty() || s.queued + max_skb_bytes(s) > s.linear_size;

  // One descriptor per piece; EOP on the last; checksum offloaded when the card can.
  namespace desc = hw::nic_descriptor;
  const std::uint64_t size = nic.descriptor_size.bytes;
  std::vector<std::uint8_t> d(size);
  sc_time local = SC_ZERO_TIME;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    std::fill(d.begin(), d.end(), 0);
    store_le(&d[desc::address], pieces[i].first, 8);
    store_le(&d[desc::length], pieces[i].second, 4);
    const bool last = i + 1 == pieces.size();
    d[desc::flags] =
        static_cast<std::uint8_t>((last ? desc::eop : 0) | (last && push ? desc::push : 0) |
                                  (nic.checksum_offload ? desc::csum : 0));
    d[desc::connection] = static_cast<std::uint8_t>(s.connection);
    cpu_.memory_write(tx_ring_ + tx_tail_ * size, d.data(), size, local);
    tx_tail_ = (tx_tail_ + 1) % tx_ring_entries_;
  }
  tx_in_use_ += pieces.size();
  packet.descriptors = pieces.size();
  packet.process = &p;
  nic_copy_ids_.push_back(packet.copy_id);
  const Picoseconds doorbell = now_ps() + to_ps(local);
  if (packet.call_doorbell == 0) packet.call_doorbell = doorbell;
  posted_.push_back(std::move(packet));
  cpu_.io_write(wiring_.nic_registers + hw::nic_register::tx_tail,
                static_cast<std::uint32_t>(tx_tail_), 4, local);
  cpu_.sync(&p.task, local);
  return doorbell;
}

struct Kernel::FileSkb {
  std::uint64_t nic_copy = 0;
  Picoseconds first_doorbell = 0;  // the call's first doorbell, 0 before it
  bool last = false;               // the call's last skb: it carries the narration of the copy
  bool gather = false;             // page fragments the card gathers (SG), or one linear piece
  int step_number = 0;             // the lecture's number of the NIC's copy
  std::uint64_t call_bytes = 0;
  const char* pages_from = "";  // where the fragments' references come from
  std::uint64_t bytes = 0;      // this skb's
};

Picoseconds Kernel::post_file_skb(Process& p, Socket& s, const Pieces& pieces, std::uint64_t linear,
                                  const FileSkb& skb) {
  PostedPacket packet;
  packet.copy_id = skb.nic_copy;
  packet.call_doorbell = skb.first_doorbell;
  if (skb.last) {
    const std::string number = std::to_string(skb.step_number) + ". ";
    packet.step = skb.gather ? "copy-2" : "copy-3";
    packet.text = skb.gather ? number + "The NIC gathers " + size_text(skb.call_bytes) +
                                   " straight from the page-cache pages by scatter-gather DMA "
                                   "and sends it on the wire [copy-2: DMA]"
                             : number + "The NIC copies " + size_text(skb.call_bytes) +
                                   " from the socket buffer by DMA and sends it on the wire "
                                   "[copy-3: DMA]";
  }
  const Picoseconds describe_start = now_ps();
  const Picoseconds doorbell = transmit_skb(p, s, pieces, linear, std::move(packet));
  if (skb.gather) {
    // The skb's fragments refer to the pages: the data is handed over by reference, and the
    // card's descriptors say where to gather from.
    trace::Record r;
    r.start = describe_start;
    r.end = now_ps();
    r.actor = p.spec.name;
    r.step = "descriptor";
    r.data = trace::Descriptor{skb.pages_from, kSocketBufferRegion, skb.bytes, pieces.size(),
                               "sg descriptor"};
    context_.record(std::move(r));
  }
  return doorbell;
}

void Kernel::nic_interrupt(sc_time& local) {
  // Read and acknowledge the cause (the level drops), then reclaim what the card has done:
  // everything before TX_HEAD.
  namespace reg = hw::nic_register;
  const std::uint64_t base = wiring_.nic_registers;
  const std::uint32_t cause = cpu_.io_read(base + reg::int_status, 4, local);
  cpu_.io_write(base + reg::int_ack, cause, 4, local);
  if (cause & hw::nic_int::rx_overrun) {
    // A dropped ACK would need TCP's retransmission timer to recover, which is not modelled.
    const std::uint32_t dropped = cpu_.io_read(base + reg::rx_dropped, 4, local);
    fail("kernel: the NIC dropped " + std::to_string(dropped) +
         " received frame(s) (RX ring and receive buffer full); TCP retransmission is not "
         "modelled: give nic.rx_ring_size or nic.rx_buffer more room");
    return;
  }
  if (cause & hw::nic_int::tx_error) {
    // The driver never posts what the card cannot send: a refusal is a modelling error.
    const std::uint32_t code = cpu_.io_read(base + reg::tx_error, 4, local);
    fail("kernel: the NIC refused a packet: " +
         std::string(hw::to_string(static_cast<hw::NicTxError>(code))));
    return;
  }
  const std::uint64_t head = cpu_.io_read(base + reg::tx_head, 4, local);
  std::uint64_t completed = (head + tx_ring_entries_ - tx_clean_) % tx_ring_entries_;
  const Picoseconds done = now_ps() + to_ps(local);
  while (!posted_.empty() && posted_.front().descriptors <= completed) {
    const PostedPacket& packet = posted_.front();
    completed -= packet.descriptors;
    tx_clean_ = (tx_clean_ + packet.descriptors) % tx_ring_entries_;
    tx_in_use_ -= packet.descriptors;
    if (!packet.text.empty()) {
      narrate(*packet.process, packet.step, packet.text, packet.call_doorbell, done);
    }
    posted_.pop_front();
  }
  std::vector<Process*> waiters;
  waiters.swap(tx_ring_waiters_);
  for (Process* w : waiters) wake(*w);
  // NAPI: the same poll cleans the TX ring and receives (ixgbe_poll).
  nic_poll_rx(local);
  // The handler runs ahead of the clock: the run may end when it has.
  if (posted_.empty()) drained_.notify(local);
}

void Kernel::post_rx_buffer(std::uint64_t index, sc_time& local) {
  // The descriptor gets its own buffer back (address, size), status and error cleared.
  const std::uint64_t size = wiring_.nic->params().descriptor_size.bytes;
  const std::uint64_t buffer = params_.rx_buffer_size.bytes;
  std::vector<std::uint8_t> d(size, 0);
  store_le(&d[hw::nic_rx_descriptor::address], rx_buffers_ + index * buffer, 8);
  store_le(&d[hw::nic_rx_descriptor::length], buffer, 2);
  cpu_.memory_write(rx_ring_ + index * size, d.data(), size, local);
}

void Kernel::nic_poll_rx(sc_time& local) {
  // Every descriptor the card has written back (DD), in ring order: read it and the frame's
  // headers from memory, hand the ACK to TCP, and give the descriptor back with its buffer.
  // After each napi_budget descriptors, and at the end, the refilled ones go back to the card.
  namespace rd = hw::nic_rx_descriptor;
  const std::uint64_t size = wiring_.nic->params().descriptor_size.bytes;
  const std::uint64_t buffer = params_.rx_buffer_size.bytes;
  std::vector<std::uint8_t> d(size), frame;
  std::uint64_t polled = 0;
  auto refill = [&] {
    const std::uint64_t tail = (rx_clean_ + rx_ring_entries_ - 1) % rx_ring_entries_;
    cpu_.io_write(wiring_.nic_registers + hw::nic_register::rx_tail,
                  static_cast<std::uint32_t>(tail), 4, local);
  };
  for (;;) {
    const std::uint64_t at = rx_ring_ + rx_clean_ * size;
    cpu_.memory_read(at, d.data(), rd::used_bytes, local);
    if (!(d[rd::status] & rd::done)) break;
    const std::uint64_t length = load_le(&d[rd::length], 2);
    if (d[rd::error] == 0 && length > 0) {
      frame.resize(length);
      cpu_.memory_read(rx_buffers_ + rx_clean_ * buffer, frame.data(), length, local);
      local += params_.tcp_rx_work;
      const auto ack = hw::ethernet::parse_ack_frame(frame.data(), frame.size());
      if (ack && ack->connection >= 1 && ack->connection <= sockets_.size()) {
        Socket& s = *sockets_[ack->connection - 1];
        on_ack(s, hw::ethernet::unwrap_ack(s.acked, ack->ack_number), local);
      }
    }
    post_rx_buffer(rx_clean_, local);
    rx_clean_ = (rx_clean_ + 1) % rx_ring_entries_;
    if (++polled % params_.napi_budget == 0) refill();
  }
  if (polled % params_.napi_budget != 0) refill();
}

// --- write() and sendfile() ---------------------------------------------------------------------

void Kernel::read_write(Process& p, const ReadWrite& op) {
  OpenFile* f = open_file(p, op.path);
  Socket* s = socket_of(p, op.socket);
  Buffer& buffer = user_buffer(p, op.into, op.chunk.bytes);
  if (f == nullptr || s == nullptr) {
    // On a file or a socket the process has not opened: one failed call.
    const std::string name = f == nullptr ? "read" : "write";
    const Picoseconds start = syscall_enter(p, name);
    cpu_.kernel_work(p.task, params_.file_syscall_work);
    syscall_return(p, name, start, (f == nullptr ? op.path : op.socket) + ", " + buffer.region, -1,
                   "EBADF");
    return;
  }
  const std::uint64_t size = f->file->spec.size.bytes;
  const std::uint64_t total =
      op.bytes.bytes != 0 ? op.bytes.bytes : (f->position < size ? size - f->position : 0);
  for (std::uint64_t done = 0; done < total;) {
    const std::uint64_t got = read_call(p, *f, std::min(op.chunk.bytes, total - done), buffer);
    if (got == 0) break;  // end of file
    write_call(p, *s, WriteSource{&buffer, nullptr, 0}, got);
    done += got;
  }
}

void Kernel::read_send_zerocopy(Process& p, const ReadSendZerocopy& op) {
  OpenFile* f = open_file(p, op.path);
  Socket* s = socket_of(p, op.socket);
  Buffer& buffer = user_buffer(p, op.into, op.chunk.bytes);
  if (f == nullptr || s == nullptr) {
    const std::string name = f == nullptr ? "read" : "sendmsg";
    const Picoseconds start = syscall_enter(p, name);
    cpu_.kernel_work(p.task, params_.file_syscall_work);
    syscall_return(p, name, start, (f == nullptr ? op.path : op.socket) + ", " + buffer.region, -1,
                   "EBADF");
    return;
  }
  const std::uint64_t size = f->file->spec.size.bytes;
  const std::uint64_t total =
      op.bytes.bytes != 0 ? op.bytes.bytes : (f->position < size ? size - f->position : 0);
  std::uint64_t notifications = 0;
  for (std::uint64_t done = 0; done < total;) {
    const std::uint64_t got = read_call(p, *f, std::min(op.chunk.bytes, total - done), buffer);
    if (got == 0) break;
    const std::uint64_t end = send_zerocopy_call(p, *s, buffer, got);
    // The buffer's pages are the NIC's until the notification: wait for it (poll for POLLERR)
    // and read it from the error queue (recvmsg(MSG_ERRQUEUE)) before read() reuses them.
    if (s->acked < end) {
      const Picoseconds poll_start = syscall_enter(p, "poll");
      cpu_.kernel_work(p.task, params_.file_syscall_work);
      while (s->acked < end) {
        s->zerocopy_waiters.push_back(Socket::ZerocopyWaiter{end, &p});
        block(p);  // on_ack wakes us
      }
      syscall_return(p, "poll", poll_start, std::to_string(s->fd) + ", POLLERR", 1, "");
    }
    const Picoseconds start = syscall_enter(p, "recvmsg");
    cpu_.kernel_work(p.task, params_.file_syscall_work);
    narrate(p, "notify",
            "The completion notification: the NIC has sent " + size_text(got) + " from " +
                buffer.region + " and the peer acknowledged it; the pages are unpinned and " +
                p.spec.name + " may reuse the buffer",
            start, now_ps());
    syscall_return(p, "recvmsg", start,
                   std::to_string(s->fd) + ", MSG_ERRQUEUE: zerocopy " +
                       std::to_string(notifications) + ".." + std::to_string(notifications),
                   0, "");
    ++notifications;
    done += got;
  }
}

std::uint64_t Kernel::send_zerocopy_call(Process& p, Socket& s, Buffer& from, std::uint64_t n) {
  const hw::NicParams& nic = wiring_.nic->params();
  // Without scatter-gather (and checksum offload) the kernel copies after all, and the
  // notification says so (SO_EE_CODE_ZEROCOPY_COPIED): the model sends it as write() does.
  if (!(nic.scatter_gather && nic.checksum_offload)) {
    write_call(p, s, WriteSource{&from, nullptr, 0}, n);
    return s.sent;
  }
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall sendmsg", cpu_.params().syscall_entry);
  narrate(
      p, "switch-3",
      "5. " + p.spec.name + " calls send(MSG_ZEROCOPY): the CPU switches from user to kernel mode",
      start, now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  // skb_zerocopy_iter_stream: pin the user pages (get_user_pages), attach them as fragments.
  const std::uint64_t pages = (n + kPage - 1) / kPage;
  cpu_.kernel_work(p.task, from_ps(to_ps(params_.zerocopy_pin_work) * pages));
  const std::uint64_t nic_copy = context_.new_copy_id();
  Picoseconds first_doorbell = 0;
  std::vector<std::uint8_t> data;
  for (std::uint64_t done = 0; done < n;) {
    std::uint64_t k = std::min(n - done, max_skb_bytes(s));
    Pieces pieces;
    std::uint64_t taken = 0;
    for (const auto& [address, len] : segments(from, done, k)) {
      const bool joins = !pieces.empty() && pieces.back().first + pieces.back().second == address;
      if (!joins && pieces.size() == nic.max_fragments) break;
      add_piece(pieces, address, len);
      taken += len;
    }
    k = taken;
    wait_for_socket_space(p, s, k);
    // The checker's record: the bytes as they are in the buffer now (the NIC reads them later:
    // a process that changed them before the notification would send something else).
    data.resize(k);
    peek_user(from, done, data.data(), k);
    Socket::Sent sent;
    sent.at = s.sent;
    sent.n = k;
    sent.bytes = data;
    s.sent_log.push_back(std::move(sent));
    PostedPacket packet;
    packet.copy_id = nic_copy;
    packet.call_doorbell = first_doorbell;
    if (done + k == n) {
      packet.step = "copy-3";
      packet.text = "6. The NIC gathers " + size_text(n) + " straight from " + from.region +
                    "'s pinned pages by scatter-gather DMA [copy-3: DMA]; no copy into the "
                    "socket buffer";
    }
    const Picoseconds describe_start = now_ps();
    const std::uint64_t fragments = pieces.size();
    const Picoseconds doorbell = transmit_skb(p, s, pieces, 0, std::move(packet));
    trace::Record r;
    r.start = describe_start;
    r.end = now_ps();
    r.actor = p.spec.name;
    r.step = "descriptor";
    r.data = trace::Descriptor{from.region, kSocketBufferRegion, k, fragments, "zerocopy frags"};
    context_.record(std::move(r));
    if (first_doorbell == 0) first_doorbell = doorbell;
    done += k;
  }
  const Picoseconds returning = now_ps();
  syscall_return(p, "sendmsg", start,
                 std::to_string(s.fd) + ", " + from.region + ", " + size_text(n) + ", MSG_ZEROCOPY",
                 static_cast<std::int64_t>(n), "");
  narrate(p, "switch-4", "7. send() returns at once: the CPU switches back to user mode", returning,
          now_ps());
  return s.sent;
}

void Kernel::send_file(Process& p, const SendFile& op) {
  OpenFile* f = open_file(p, op.path);
  Socket* s = socket_of(p, op.socket);
  if (f == nullptr || s == nullptr) {
    const Picoseconds start = syscall_enter(p, "sendfile");
    cpu_.kernel_work(p.task, params_.file_syscall_work);
    syscall_return(p, "sendfile", start, op.socket + ", " + op.path, -1, "EBADF");
    return;
  }
  const std::uint64_t size = f->file->spec.size.bytes;
  const std::uint64_t total =
      op.bytes.bytes != 0 ? op.bytes.bytes : (f->position < size ? size - f->position : 0);
  for (std::uint64_t done = 0; done < total;) {
    const std::uint64_t got = sendfile_call(p, *s, *f, std::min(op.chunk.bytes, total - done));
    if (got == 0) break;
    done += got;
  }
}

void Kernel::mmap_write(Process& p, const MmapWrite& op) {
  OpenFile* f = open_file(p, op.path);
  Socket* s = socket_of(p, op.socket);
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall mmap", cpu_.params().syscall_entry);
  narrate(p, "switch-1",
          "1. " + p.spec.name + " calls mmap(): the CPU switches from user to kernel mode", start,
          now_ps());
  // The VMA: nothing is read yet; the pages come in at their first touch.
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  if (f != nullptr) f->mapped = true;
  const std::uint64_t size = f != nullptr ? f->file->spec.size.bytes : 0;
  const Picoseconds returning = now_ps();
  syscall_return(p, "mmap", start,
                 "NULL, " + size_text(size) + ", PROT_READ, MAP_SHARED, " + op.path + ", 0",
                 f != nullptr ? 0 : -1, f != nullptr ? "" : "EBADF");
  narrate(p, "switch-2",
          "3. mmap() returns: the CPU switches back to user mode; the file is mapped into " +
              p.spec.name + "'s memory, its pages come in when first touched",
          returning, now_ps());
  if (f == nullptr) return;
  if (s == nullptr) {
    const Picoseconds call = syscall_enter(p, "write");
    cpu_.kernel_work(p.task, params_.file_syscall_work);
    syscall_return(p, "write", call, op.socket, -1, "EBADF");
    return;
  }
  const std::uint64_t total = op.bytes.bytes != 0 ? std::min(op.bytes.bytes, size) : size;
  for (std::uint64_t done = 0; done < total;) {
    const std::uint64_t n = std::min(op.chunk.bytes, total - done);
    write_call(p, *s, WriteSource{nullptr, f, done}, n);
    done += n;
  }
}

void Kernel::read_mapping(Process& p, OpenFile& f, std::uint64_t offset, std::uint64_t n,
                          std::uint8_t* out) {
  File& file = *f.file;
  const std::uint64_t first = offset / kPage;
  const std::uint64_t last = (offset + n - 1) / kPage;
  const Picoseconds start = now_ps();
  std::uint64_t faults = 0, hits = 0;
  for (std::uint64_t i = first; i <= last; ++i) {
    if (f.mapped_pages.count(i) != 0) continue;
    // A page fault in copy_from_user (kernel mode: no mode switch): filemap_fault.
    ++faults;
    cpu_.kernel_work(p.task, params_.page_fault_work);
    // do_fault_around (mm/memory.c): the pages of the aligned window that are already up to date
    // are mapped at once; if that includes this one, the fault is done (a minor fault).
    const std::uint64_t around = std::max<std::uint64_t>(1, params_.fault_around_kb * 1024 / kPage);
    const std::uint64_t window = i / around * around;
    for (std::uint64_t k = window; k < std::min(window + around, file.pages); ++k) {
      const PageState* state = page_cache_.find(PageKey{file.id, k});
      if (state != nullptr && state->flags.uptodate) f.mapped_pages.insert(k);
    }
    if (f.mapped_pages.count(i) != 0) {
      ++hits;
      continue;
    }
    // filemap_fault: a page not up to date (absent: a major fault, with read-around).
    const PageKey key{file.id, i};
    hits += page_cache_.contains(key);
    CacheView view;
    view.present = [this, &file](std::uint64_t k) {
      return page_cache_.contains(PageKey{file.id, k});
    };
    view.marked = [this, &file](std::uint64_t k) {
      return page_cache_.readahead_marker(PageKey{file.id, k});
    };
    const ReadaheadResult plan = f.readahead.on_mmap_fault(i, view, file.pages, f.ra_pages);
    for (const ReadaheadIo& io : plan.ios) submit_readahead(p, f, io);
    for (std::uint64_t marked : plan.markers_cleared) {
      const PageKey m{file.id, marked};
      if (page_cache_.contains(m)) page_cache_.set_readahead_marker(m, false);
    }
    wait_uptodate(p, f, i);
    if (page_cache_.contains(key)) page_cache_.mark_accessed(key);
    f.mapped_pages.insert(i);
  }
  if (faults > 0) {
    record_cache_access(p, file, start, first, faults, hits);
    narrate(p, "fault",
            std::to_string(faults) + " page fault" + (faults > 1 ? "s" : "") +
                ": the copy touches mapped pages for the first time; the kernel maps them" +
                (faults > hits ? ", reading the missing ones from the disk [copy-1: DMA]" : ""),
            start, now_ps());
  }
  for (std::uint64_t done = 0; done < n;) {
    const std::uint64_t at = offset + done;
    const std::uint64_t k = std::min(n - done, kPage - at % kPage);
    wiring_.dram->peek(page_frames_.at(PageKey{file.id, at / kPage}) + at % kPage, out + done, k);
    done += k;
  }
}

std::uint64_t Kernel::write_call(Process& p, Socket& s, const WriteSource& from,
                                 std::uint64_t bytes) {
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall write", cpu_.params().syscall_entry);
  // The seeds number write()'s steps 5-8 after read(), 4-7 after mmap().
  const int number = from.buffer != nullptr ? 5 : 4;
  auto numbered = [number](int k, const std::string& text) {
    return std::to_string(number + k) + ". " + text;
  };
  narrate(p, "switch-3",
          numbered(0, p.spec.name +
                          " calls write() on the socket: the CPU switches from user to kernel "
                          "mode"),
          start, now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);

  // tcp_sendmsg: copy the user's bytes into skbs in the send buffer (copy-3), each skb to the
  // driver as it is built; sleep while the buffer is full.
  // From a mapping, the user's memory is the page cache itself.
  const std::string from_region =
      from.buffer != nullptr ? from.buffer->region : std::string(kPageCacheRegion);
  const std::uint64_t cpu_copy = context_.new_copy_id();
  const std::uint64_t nic_copy = context_.new_copy_id();
  const Picoseconds copy_start = now_ps();
  Picoseconds first_doorbell = 0;
  std::vector<std::uint8_t> data;
  for (std::uint64_t done = 0; done < bytes;) {
    const std::uint64_t n =
        std::min({bytes - done, max_skb_bytes(s), s.linear_size - s.linear_head});
    wait_for_socket_space(p, s, n);
    const std::uint64_t at = take_linear(s, n);
    data.resize(n);
    if (from.buffer != nullptr) {
      peek_user(*from.buffer, done, data.data(), n);
    } else {
      read_mapping(p, *from.mapping, from.offset + done, n, data.data());
    }
    const Picoseconds piece_start = now_ps();
    cpu_.kernel_work(p.task, cpu_.params().memcpy_bandwidth.transfer_time(n));
    wiring_.dram->poke(at, data.data(), n);
    trace::Record r;
    r.start = piece_start;
    r.end = now_ps();
    r.actor = cpu_.name();
    r.step = "copy-3";
    r.data = trace::Copy{cpu_copy, trace::Engine::cpu, from_region, kSocketBufferRegion, n};
    context_.record(std::move(r));
    // The checker's record of what the peer must receive: the bytes as the call took them (a
    // mapping's are the file's).
    Socket::Sent sent;
    sent.at = s.sent;
    sent.n = n;
    if (from.buffer != nullptr) {
      sent.bytes = data;
    } else {
      sent.file = from.mapping->file;
      sent.file_offset = from.offset + done;
    }
    s.sent_log.push_back(std::move(sent));

    PostedPacket packet;
    packet.copy_id = nic_copy;
    packet.call_doorbell = first_doorbell;
    if (done + n == bytes) {
      packet.step = "copy-4";
      packet.text = numbered(2, "The NIC copies " + size_text(bytes) +
                                    " from the socket buffer by DMA and sends it on the wire "
                                    "[copy-4: DMA]");
    }
    const Picoseconds doorbell = transmit_skb(p, s, {{at, n}}, n, std::move(packet));
    if (first_doorbell == 0) first_doorbell = doorbell;
    done += n;
  }
  narrate(p, "copy-3",
          numbered(1, "The CPU copies ") + size_text(bytes) + " from " +
              (from.buffer != nullptr ? from.buffer->region
                                      : p.spec.name + "'s mapping of the page cache") +
              " to the socket buffer [copy-3: CPU]",
          copy_start, now_ps());

  const Picoseconds returning = now_ps();
  syscall_return(p, "write", start,
                 std::to_string(s.fd) + ", " + from_region + ", " + size_text(bytes),
                 static_cast<std::int64_t>(bytes), "");
  narrate(p, "switch-4", numbered(3, "write() returns: the CPU switches back to user mode"),
          returning, now_ps());
  return bytes;
}

std::uint64_t Kernel::sendfile_call(Process& p, Socket& s, OpenFile& f, std::uint64_t count) {
  File& file = *f.file;
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall sendfile", cpu_.params().syscall_entry);
  narrate(p, "switch-1",
          "1. " + p.spec.name + " calls sendfile(): the CPU switches from user to kernel mode",
          start, now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);

  const std::uint64_t size = file.spec.size.bytes;
  const std::uint64_t position = f.position;
  const std::uint64_t n = position < size ? std::min({count, size - position, kMaxRwCount}) : 0;
  const std::string args =
      std::to_string(s.fd) + ", " + file.spec.path + ", NULL, " + size_text(count);
  if (n == 0) {
    const Picoseconds returning = now_ps();
    syscall_return(p, "sendfile", start, args, 0, "");
    narrate(p, "switch-2",
            "5. sendfile() returns 0 (end of file): the CPU switches back to user "
            "mode",
            returning, now_ps());
    return 0;
  }
  const std::uint64_t first = position / kPage;
  const std::uint64_t last = (position + n - 1) / kPage;
  const std::uint64_t pages = last - first + 1;
  const std::uint64_t hits = look_up_and_read_ahead(p, f, first, pages);

  // Without NETIF_F_SG the card needs each packet in one piece, and without checksum offload
  // the kernel checksums while it copies (SG needs HW checksum): either way it copies.
  const hw::NicParams& nic = wiring_.nic->params();
  const bool gather = nic.scatter_gather && nic.checksum_offload;
  const std::uint64_t cpu_copy = gather ? 0 : context_.new_copy_id();
  const std::uint64_t nic_copy = context_.new_copy_id();
  Picoseconds work_start = 0;  // when the pages were ready and the CPU's step began
  Picoseconds first_doorbell = 0;
  std::vector<std::uint8_t> data(kPage);
  for (std::uint64_t done = 0; done < n;) {
    std::uint64_t k = std::min(n - done, max_skb_bytes(s));
    if (!gather) k = std::min(k, s.linear_size - s.linear_head);
    // The pages must be up to date first (on a cold cache: the disk's DMA, copy-1).
    for (std::uint64_t i = (position + done) / kPage; i <= (position + done + k - 1) / kPage; ++i) {
      wait_uptodate(p, f, i);
    }
    if (work_start == 0) work_start = now_ps();
    Pieces pieces;
    std::uint64_t taken = 0;
    std::uint64_t linear = 0;
    if (gather) {
      // skb_splice_from_iter: attach (page, offset, length) fragments, at most max_fragments.
      while (taken < k) {
        const std::uint64_t at = position + done + taken;
        const std::uint64_t index = at / kPage;
        const std::uint64_t within = at % kPage;
        const std::uint64_t len = std::min(k - taken, kPage - within);
        const std::uint64_t address = page_frames_.at(PageKey{file.id, index}) + within;
        const bool joins = !pieces.empty() && pieces.back().first + pieces.back().second == address;
        if (!joins && pieces.size() == nic.max_fragments) break;
        add_piece(pieces, address, len);
        taken += len;
      }
      k = taken;
      wait_for_socket_space(p, s, k);
    } else {
      // The CPU copies the pages' bytes into the skb's linear data (copy-2).
      wait_for_socket_space(p, s, k);
      const std::uint64_t to = take_linear(s, k);
      const Picoseconds copy_start = now_ps();
      while (taken < k) {
        const std::uint64_t at = position + done + taken;
        const std::uint64_t index = at / kPage;
        const std::uint64_t within = at % kPage;
        const std::uint64_t len = std::min(k - taken, kPage - within);
        wiring_.dram->peek(page_frames_.at(PageKey{file.id, index}) + within, data.data(), len);
        cpu_.kernel_work(p.task, cpu_.params().memcpy_bandwidth.transfer_time(len));
        wiring_.dram->poke(to + taken, data.data(), len);
        taken += len;
      }
      trace::Record r;
      r.start = copy_start;
      r.end = now_ps();
      r.actor = cpu_.name();
      r.step = "copy-2";
      r.data = trace::Copy{cpu_copy, trace::Engine::cpu, kPageCacheRegion, kSocketBufferRegion, k};
      context_.record(std::move(r));
      pieces.emplace_back(to, k);
      linear = k;
    }
    Socket::Sent sent;
    sent.at = s.sent;
    sent.n = k;
    sent.file = &file;
    sent.file_offset = position + done;
    s.sent_log.push_back(std::move(sent));

    const Picoseconds doorbell = post_file_skb(
        p, s, pieces, linear,
        FileSkb{nic_copy, first_doorbell, done + k == n, gather, 4, n, kPageCacheRegion, k});
    if (first_doorbell == 0) first_doorbell = doorbell;
    done += k;
  }
  for (std::uint64_t i = first; i <= last; ++i) {
    const PageKey key{file.id, i};
    if (page_cache_.contains(key)) page_cache_.mark_accessed(key);
  }
  if (gather) {
    narrate(p, "descriptor",
            "3. The CPU writes descriptors of the page-cache pages (address, offset, length) "
            "into the socket buffer; this is not a copy",
            work_start, now_ps());
  } else {
    narrate(p, "copy-2",
            "3. The CPU copies " + size_text(n) +
                " from the page cache to the socket buffer [copy-2: CPU]",
            work_start, now_ps());
  }
  f.position = position + n;
  record_cache_access(p, file, start, first, pages, hits);

  const Picoseconds returning = now_ps();
  syscall_return(p, "sendfile", start, args, static_cast<std::int64_t>(n), "");
  narrate(p, "switch-2", "5. sendfile() returns: the CPU switches back to user mode", returning,
          now_ps());
  return n;
}

// --- Pipes, splice() and tee() ------------------------------------------------------------------
//
// splice(file -> pipe) puts references to page-cache pages in the pipe's slots; splice(pipe ->
// socket) hands them to the socket as skb fragments (or, on a card without scatter-gather, the
// CPU copies them); tee() duplicates references between pipes. No byte passes through user space
// and, with SG, none is copied by the CPU: the `descriptor` records show each hand-over.

void Kernel::pipe_create(Process& p, const PipeCreate& op) {
  const Picoseconds start = syscall_enter(p, "pipe2");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  auto pipe = std::make_unique<Pipe>();
  pipe->name = op.name;
  pipe->read_fd = lowest_free_fd(p);
  Pipe& made = *pipe;
  p.pipes[op.name] = std::move(pipe);
  // The write end: the lowest free descriptor once the read end is taken.
  made.write_fd = lowest_free_fd(p);
  context_.declare_region(kPipeRegion, trace::Layer::kernel, "pipe buffers (page references)");
  syscall_return(p, "pipe2", start,
                 "[" + std::to_string(made.read_fd) + ", " + std::to_string(made.write_fd) + "], 0",
                 0, "");
}

void Kernel::splice(Process& p, const Splice& op) {
  const auto pipe_of = [&p](const std::string& name) -> Pipe* {
    const auto it = p.pipes.find(name);
    return it == p.pipes.end() ? nullptr : it->second.get();
  };
  if (op.from_kind == SpliceEnd::file && op.to_kind == SpliceEnd::pipe) {
    OpenFile* f = open_file(p, op.from);
    Pipe* pipe = pipe_of(op.to);
    if (f != nullptr && pipe != nullptr) {
      splice_file_to_pipe(p, *f, *pipe, op.bytes.bytes);
      return;
    }
  } else if (op.from_kind == SpliceEnd::pipe && op.to_kind == SpliceEnd::socket) {
    Pipe* pipe = pipe_of(op.from);
    Socket* s = socket_of(p, op.to);
    if (pipe != nullptr && s != nullptr) {
      splice_pipe_to_socket(p, *pipe, *s, op.bytes.bytes);
      return;
    }
  }
  // A descriptor the process does not have (or a pairing the model does not move): one failed
  // call, as Linux answers EBADF or EINVAL.
  const Picoseconds start = syscall_enter(p, "splice");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  syscall_return(p, "splice", start, op.from + ", " + op.to, -1, "EBADF");
}

std::uint64_t Kernel::splice_file_to_pipe(Process& p, OpenFile& f, Pipe& pipe,
                                          std::uint64_t bytes) {
  File& file = *f.file;
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall splice", cpu_.params().syscall_entry);
  narrate(p, "switch-1",
          "1. " + p.spec.name +
              " calls splice() from the file to the pipe: the CPU switches from "
              "user to kernel mode",
          start, now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);

  // filemap_splice_read: as many whole or partial pages as the pipe has free slots.
  const std::uint64_t size = file.spec.size.bytes;
  const std::uint64_t position = f.position;
  std::uint64_t n = position < size ? std::min({bytes, size - position, kMaxRwCount}) : 0;
  const std::uint64_t free_slots =
      params_.pipe_buffers > pipe.slots.size() ? params_.pipe_buffers - pipe.slots.size() : 0;
  // Slots the range needs: one per page it touches.
  std::uint64_t fits = 0;
  for (std::uint64_t at = position, used = 0; at < position + n && used < free_slots; ++used) {
    const std::uint64_t len = std::min(position + n - at, kPage - at % kPage);
    fits += len;
    at += len;
  }
  n = fits;
  const std::string args = std::to_string(f.fd) + ", NULL, " + std::to_string(pipe.write_fd) +
                           ", NULL, " + size_text(bytes) + ", SPLICE_F_MOVE";
  if (n == 0) {
    // End of the file, or a full pipe (a blocking pipe would sleep; here it returns 0 so that
    // a program that never drains its pipe ends instead of hanging).
    const Picoseconds returning = now_ps();
    syscall_return(p, "splice", start, args, 0, "");
    narrate(p, "switch-2", "3. splice() returns 0: the CPU switches back to user mode", returning,
            now_ps());
    return 0;
  }
  const std::uint64_t first = position / kPage;
  const std::uint64_t last = (position + n - 1) / kPage;
  const std::uint64_t pages = last - first + 1;
  const std::uint64_t hits = look_up_and_read_ahead(p, f, first, pages);
  for (std::uint64_t i = first; i <= last; ++i) wait_uptodate(p, f, i);
  const Picoseconds refs_start = now_ps();
  for (std::uint64_t at = position; at < position + n;) {
    const std::uint64_t len = std::min(position + n - at, kPage - at % kPage);
    // get_page() and a pipe_buffer: a few stores per page, part of the call's work.
    pipe.slots.push_back(Pipe::Slot{&file, at, len});
    pipe.bytes += len;
    at += len;
  }
  for (std::uint64_t i = first; i <= last; ++i) {
    const PageKey key{file.id, i};
    if (page_cache_.contains(key)) page_cache_.mark_accessed(key);
  }
  trace::Record r;
  r.start = refs_start;
  r.end = now_ps();
  r.actor = p.spec.name;
  r.step = "descriptor";
  r.data = trace::Descriptor{kPageCacheRegion, kPipeRegion, n, pages, "page references"};
  context_.record(std::move(r));
  narrate(p, "descriptor",
          "2. The pipe's buffers take references to " + std::to_string(pages) + " page-cache page" +
              (pages > 1 ? "s" : "") +
              (hits < pages ? " (read from the disk first [copy-1: DMA])" : "") +
              ": no byte is copied",
          start, now_ps());
  f.position = position + n;
  record_cache_access(p, file, start, first, pages, hits);
  const Picoseconds returning = now_ps();
  syscall_return(p, "splice", start, args, static_cast<std::int64_t>(n), "");
  narrate(p, "switch-2", "3. splice() returns: the CPU switches back to user mode", returning,
          now_ps());
  return n;
}

std::uint64_t Kernel::slot_address(const File* file, std::uint64_t offset,
                                   std::uint64_t address) const {
  if (file == nullptr) return address;
  return page_frames_.at(PageKey{file->id, offset / kPage}) + offset % kPage;
}

void Kernel::vmsplice(Process& p, const Vmsplice& op) {
  Buffer& buffer = user_buffer(p, op.from, op.bytes.bytes);
  fill_user_bytes(buffer, op.bytes.bytes, op.pattern);
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall vmsplice", cpu_.params().syscall_entry);
  narrate(p, "switch-1",
          "1. " + p.spec.name + " calls vmsplice(): the CPU switches from user to kernel mode",
          start, now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const auto it = p.pipes.find(op.pipe);
  if (it == p.pipes.end()) {
    syscall_return(p, "vmsplice", start, op.pipe, -1, "EBADF");
    return;
  }
  Pipe& pipe = *it->second;
  // iter_to_pipe: each page of the buffer pinned (get_user_pages) and put in a slot by
  // reference, as many as the pipe has room for; SPLICE_F_GIFT: the process will not touch
  // them again.
  const Picoseconds refs_start = now_ps();
  std::uint64_t n = 0, pages = 0;
  for (const auto& [address, len] : segments(buffer, 0, op.bytes.bytes)) {
    for (std::uint64_t at = 0; at < len && pipe.slots.size() < params_.pipe_buffers;) {
      const std::uint64_t k = std::min(len - at, kPage - (address + at) % kPage);
      Pipe::Slot slot;
      slot.address = address + at;
      slot.length = k;
      slot.buffer = &buffer;
      pipe.slots.push_back(slot);
      pipe.bytes += k;
      n += k;
      at += k;
      ++pages;
    }
  }
  cpu_.kernel_work(p.task, from_ps(to_ps(params_.zerocopy_pin_work) * pages));
  if (n > 0) {
    trace::Record r;
    r.start = refs_start;
    r.end = now_ps();
    r.actor = p.spec.name;
    r.step = "descriptor";
    r.data = trace::Descriptor{buffer.region, "pipe", n, pages, "vmsplice page refs"};
    context_.record(std::move(r));
    narrate(p, "refs",
            "2. The kernel pins " + std::to_string(pages) + " pages of " + buffer.region +
                " and puts references to them in the pipe: no byte is copied",
            refs_start, now_ps());
  }
  const Picoseconds returning = now_ps();
  syscall_return(p, "vmsplice", start,
                 std::to_string(pipe.write_fd) + ", " + buffer.region + ", " +
                     size_text(op.bytes.bytes) + ", SPLICE_F_GIFT",
                 static_cast<std::int64_t>(n), "");
  narrate(p, "switch-2", "3. vmsplice() returns: the CPU switches back to user mode", returning,
          now_ps());
}

std::uint64_t Kernel::splice_pipe_to_socket(Process& p, Pipe& pipe, Socket& s,
                                            std::uint64_t bytes) {
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall splice", cpu_.params().syscall_entry);
  narrate(p, "switch-3",
          "4. " + p.spec.name +
              " calls splice() from the pipe to the socket: the CPU switches "
              "from user to kernel mode",
          start, now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const std::uint64_t n = std::min(bytes, pipe.bytes);
  const std::string args = std::to_string(pipe.read_fd) + ", NULL, " + std::to_string(s.fd) +
                           ", NULL, " + size_text(bytes) + ", SPLICE_F_MOVE";

  // As sendfile(): the card gathers page fragments only with SG and checksum offload.
  const hw::NicParams& nic = wiring_.nic->params();
  const bool gather = nic.scatter_gather && nic.checksum_offload;
  const std::uint64_t cpu_copy = gather || n == 0 ? 0 : context_.new_copy_id();
  const std::uint64_t nic_copy = n == 0 ? 0 : context_.new_copy_id();
  const Picoseconds work_start = now_ps();
  Picoseconds first_doorbell = 0;
  std::vector<std::uint8_t> data(kPage);
  for (std::uint64_t done = 0; done < n;) {
    std::uint64_t k = std::min(n - done, max_skb_bytes(s));
    if (!gather) k = std::min(k, s.linear_size - s.linear_head);
    // The slots the skb takes from the head of the pipe (partial slots split).
    std::vector<Pipe::Slot> taken;
    Pieces pieces;
    std::uint64_t got = 0;
    while (got < k && !pipe.slots.empty()) {
      Pipe::Slot& head = pipe.slots.front();
      const std::uint64_t len = std::min(k - got, head.length);
      const std::uint64_t address = slot_address(head.file, head.offset, head.address);
      if (gather) {
        const bool joins = !pieces.empty() && pieces.back().first + pieces.back().second == address;
        if (!joins && pieces.size() == nic.max_fragments) break;
        add_piece(pieces, address, len);
      }
      Pipe::Slot part = head;
      part.length = len;
      taken.push_back(part);
      got += len;
      head.offset += len;
      head.address += head.file == nullptr ? len : 0;
      head.length -= len;
      pipe.bytes -= len;
      if (head.length == 0) pipe.slots.pop_front();
    }
    k = got;
    std::uint64_t linear = 0;
    wait_for_socket_space(p, s, k);
    if (!gather) {
      // The CPU copies the pages' bytes into the skb's linear data.
      const std::uint64_t to = take_linear(s, k);
      const Picoseconds copy_start = now_ps();
      std::uint64_t copied = 0;
      for (const Pipe::Slot& slot : taken) {
        const std::uint64_t from = slot_address(slot.file, slot.offset, slot.address);
        wiring_.dram->peek(from, data.data(), slot.length);
        cpu_.kernel_work(p.task, cpu_.params().memcpy_bandwidth.transfer_time(slot.length));
        wiring_.dram->poke(to + copied, data.data(), slot.length);
        copied += slot.length;
      }
      trace::Record r;
      r.start = copy_start;
      r.end = now_ps();
      r.actor = cpu_.name();
      r.step = "copy-2";
      const std::string from_region = taken.front().file != nullptr ? std::string(kPageCacheRegion)
                                                                    : taken.front().buffer->region;
      r.data = trace::Copy{cpu_copy, trace::Engine::cpu, from_region, kSocketBufferRegion, k};
      context_.record(std::move(r));
      pieces.assign(1, {to, k});
      linear = k;
    }
    // The checker's record, slot by slot (transmit_skb advances s.sent by the whole skb after).
    std::uint64_t stream_at = s.sent;
    for (const Pipe::Slot& slot : taken) {
      Socket::Sent sent;
      sent.at = stream_at;
      sent.n = slot.length;
      sent.file = slot.file;
      sent.file_offset = slot.offset;
      if (slot.file == nullptr) {
        // Gifted user pages: the bytes the NIC will gather, as they are now.
        sent.bytes.resize(slot.length);
        wiring_.dram->peek(slot.address, sent.bytes.data(), slot.length);
      }
      s.sent_log.push_back(std::move(sent));
      stream_at += slot.length;
    }
    const Picoseconds doorbell = post_file_skb(
        p, s, pieces, linear,
        FileSkb{nic_copy, first_doorbell, done + k == n, gather, 6, n, kPipeRegion, k});
    if (first_doorbell == 0) first_doorbell = doorbell;
    done += k;
  }
  if (n > 0) {
    narrate(p, gather ? "descriptor" : "copy-2",
            gather ? "5. The pipe's page references move to the socket as fragments; the CPU "
                     "writes descriptors of the pages for the NIC: no copy"
                   : "5. The card cannot gather: the CPU copies " + size_text(n) +
                         " from the pipe's pages to the socket buffer [copy-2: CPU]",
            work_start, now_ps());
  }
  const Picoseconds returning = now_ps();
  syscall_return(p, "splice", start, args, static_cast<std::int64_t>(n), "");
  narrate(p, "switch-4", "7. splice() returns: the CPU switches back to user mode", returning,
          now_ps());
  return n;
}

void Kernel::tee(Process& p, const Tee& op) {
  const Picoseconds start = syscall_enter(p, "tee");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const auto from_it = p.pipes.find(op.from);
  const auto to_it = p.pipes.find(op.to);
  if (from_it == p.pipes.end() || to_it == p.pipes.end() || from_it == to_it) {
    syscall_return(p, "tee", start, op.from + ", " + op.to, -1,
                   from_it == to_it && from_it != p.pipes.end() ? "EINVAL" : "EBADF");
    return;
  }
  Pipe& from = *from_it->second;
  Pipe& to = *to_it->second;
  // link_pipe: the same page references in the second pipe (get_page), none consumed.
  const Picoseconds refs_start = now_ps();
  std::uint64_t n = 0, slots = 0;
  for (const Pipe::Slot& slot : from.slots) {
    if (n >= op.bytes.bytes || to.slots.size() >= params_.pipe_buffers) break;
    const std::uint64_t len = std::min(op.bytes.bytes - n, slot.length);
    Pipe::Slot copy = slot;
    copy.length = len;
    to.slots.push_back(copy);
    to.bytes += len;
    n += len;
    ++slots;
  }
  if (n > 0) {
    trace::Record r;
    r.start = refs_start;
    r.end = now_ps();
    r.actor = p.spec.name;
    r.step = "descriptor";
    r.data = trace::Descriptor{kPipeRegion, kPipeRegion, n, slots, "page references (tee)"};
    context_.record(std::move(r));
  }
  syscall_return(p, "tee", start,
                 std::to_string(from.read_fd) + ", " + std::to_string(to.write_fd) + ", " +
                     size_text(op.bytes.bytes) + ", 0",
                 static_cast<std::int64_t>(n), "");
}

}  // namespace iosim::os
