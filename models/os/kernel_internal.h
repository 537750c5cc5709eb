// The simulated kernel's objects, shared by kernel.cpp (processes, drivers) and vfs.cpp (files,
// the page cache, the block layer). Private to models/os.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <systemc>

#include "models/os/kernel.h"

namespace iosim::os {

// ATA task-file registers (offsets in a disk's window) and bits, as the disk model implements
// them (models/hw/disk.h).
namespace ata {
inline constexpr std::uint64_t data = 0x0, sector_count = 0x2, lba_low = 0x3, lba_mid = 0x4,
                               lba_high = 0x5, device = 0x6, status = 0x7, command = 0x7,
                               device_control = 0x8;
inline constexpr std::uint32_t status_busy = 0x80, status_drq = 0x08, status_error = 0x01;
inline constexpr std::uint32_t device_lba = 0x40, control_no_interrupts = 0x02;
inline constexpr std::uint32_t read_sectors = 0x20, read_sectors_ext = 0x24, read_dma = 0xC8,
                               read_dma_ext = 0x25;
inline constexpr std::uint64_t lba28_limit = 1ULL << 28;
inline constexpr std::uint64_t max_sectors_28 = 256;
}  // namespace ata

struct Kernel::Buffer {
  std::string region;
  std::uint64_t size = 0;
  std::uint64_t filled = 0;           // bytes the last read() into it returned
  std::vector<std::uint64_t> frames;  // physical page of each 4 KiB of the buffer
};

/// One read in flight: what the driver and its interrupt handler share.
struct Kernel::PendingIo {
  Process* process = nullptr;
  unsigned disk = 0;
  Mechanism mechanism = Mechanism::pio;
  std::uint64_t lba = 0;
  std::uint64_t bytes = 0;
  Buffer* buffer = nullptr;
  // The command in progress: sectors [command_first, command_first + command_sectors).
  std::uint64_t command_first = 0;
  std::uint64_t command_sectors = 0;
  std::uint64_t command_done = 0;
  std::uint64_t copy_id = 0;
  Picoseconds device_started = 0;  // when the driver had set the device going (for narration)
  bool done = false;
  bool failed = false;
  std::string error;
};

/// A file of the extent-based file system: where its pages are on the disk.
struct Kernel::File {
  struct Extent {
    std::uint64_t first_page = 0;  // of the file
    std::uint64_t pages = 0;
    std::uint64_t lba = 0;  // of the extent's first page
  };
  FileSpec spec;
  FileId id = 0;
  unsigned disk = 0;
  std::uint64_t stream = 0;  // payload stream of generated contents
  std::uint64_t pages = 0;   // ceil(size / page size)
  std::vector<Extent> extents;
  /// The extent holding page `index`.
  const Extent& extent_of(std::uint64_t index) const;
};

/// An open file description: the position and the read-ahead state (struct file, file_ra_state).
struct Kernel::OpenFile {
  File* file = nullptr;
  std::int64_t fd = 0;
  std::uint64_t position = 0;
  ReadaheadState readahead;
  std::uint64_t ra_pages = 0;  // file->f_ra.ra_pages: the device's read-ahead, changed by fadvise
  bool fadv_random = false;    // FMODE_RANDOM
  // A MAP_SHARED mapping of the file (mmap_write): the pages touched so far (mapped by a fault).
  bool mapped = false;
  std::set<std::uint64_t> mapped_pages;
};

struct Kernel::Process {
  enum class State { runnable, running, blocked, done };
  explicit Process(const ProcessSpec& s) : spec(s), task(s.name) {}
  ProcessSpec spec;
  hw::Task task;
  State state = State::runnable;
  sc_core::sc_event wake;
  std::map<std::string, std::unique_ptr<Buffer>> buffers;
  bool finite = true;  // false for a process that computes until everybody else is done
  Picoseconds slice_used = 0;
  std::map<std::string, OpenFile> open_files;          // by path
  std::map<std::string, Socket*> sockets;              // by the scenario's name
  std::map<std::string, std::unique_ptr<Pipe>> pipes;  // by the scenario's name
};

/// A pipe: a ring of kernel.pipe_buffers slots, each a reference to bytes of one page-cache page
/// (struct pipe_buffer: page, offset, len). splice() and tee() move references, never bytes.
/// (The references do not pin the pages against reclaim: the model's page cache is larger than
/// what the scenarios keep in pipes; the peer's check would catch a page reused under a pipe.)
struct Kernel::Pipe {
  std::string name;
  std::int64_t read_fd = 0, write_fd = 0;
  struct Slot {
    const File* file = nullptr;
    std::uint64_t offset = 0;  // in the file; [offset, offset + length) lies in one page
    std::uint64_t length = 0;
  };
  std::deque<Slot> slots;
  std::uint64_t bytes = 0;  // in all slots
};

/// A connected TCP socket: its send buffer (sk_wmem_queued against sk_sndbuf) and what the peer
/// should receive. Linear skb data lives in one physically contiguous kernel area of
/// kernel.socket_buffer_size bytes used as a FIFO ring (the bytes leave in order, freed by the
/// peer's cumulative acknowledgement); page fragments of sendfile point into the page cache and
/// count against the same limit, as their truesize does in Linux.
struct Kernel::Socket {
  std::string name;
  std::int64_t fd = 0;
  std::uint32_t connection = 0;  // the NIC descriptor's connection byte, the peer's stream id
  Process* owner = nullptr;
  std::uint64_t linear_base = 0;  // the linear area
  std::uint64_t linear_size = 0;
  std::uint64_t linear_head = 0;  // next free offset in the ring
  std::uint64_t queued = 0;       // bytes sent and not yet acknowledged (linear + fragments)
  std::uint64_t sent = 0;         // stream offset of the next byte
  std::uint64_t acked = 0;
  /// Unacknowledged skbs in stream order: where each ends and its linear bytes.
  struct InFlight {
    std::uint64_t end = 0;
    std::uint64_t bytes = 0;
    std::uint64_t linear = 0;
  };
  std::deque<InFlight> in_flight;
  std::vector<Process*> waiters;  // senders blocked on a full buffer
  std::uint64_t waiting_for = 0;  // the most room one of them needs
  /// What was sent, for the checker: from stream offset `at`, either bytes captured from the
  /// sender's buffer at the call or `n` bytes of a file from `file_offset`.
  struct Sent {
    std::uint64_t at = 0, n = 0;
    const File* file = nullptr;
    std::uint64_t file_offset = 0;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Sent> sent_log;
};

/// One read command of the block layer: contiguous pages of one file, on one extent, at most
/// max_sectors_per_command sectors, moved by DMA into their page-cache frames.
struct Kernel::BlockRequest {
  unsigned disk = 0;
  File* file = nullptr;
  std::uint64_t first_page = 0;
  std::uint64_t pages = 0;
  std::uint64_t lba = 0;
  std::vector<std::uint64_t> frames;  // one per page, in order
  bool async = false;                 // read-ahead the submitter does not wait for
  Process* submitter = nullptr;
  Picoseconds submitted = 0;
  bool failed = false;
  std::vector<Process*> waiters;
  /// Frames of pages reclaim dropped while the I/O was in flight: freed at completion.
  std::vector<std::uint64_t> orphan_frames;
};

}  // namespace iosim::os
