// The simulated kernel's objects, shared by kernel.cpp (processes, drivers) and vfs.cpp (files,
// the page cache, the block layer). Private to models/os.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <systemc>

#include "models/os/kernel.h"

namespace iosim::os {

/// One logical CPU copy between a user buffer and the page cache, recorded in pieces: pages
/// copied back to back join one Copy record, and a wait in between (for a page to come in or to
/// finish its writeback) ends the piece. begin() before a page's copy, add() after it, end()
/// before a wait and when the call is done.
class CopyPieces {
 public:
  CopyPieces(ModelContext& context, std::string actor, std::string step, std::uint64_t copy_id,
             std::string from, std::string to)
      : context_(context),
        actor_(std::move(actor)),
        step_(std::move(step)),
        copy_id_(copy_id),
        from_(std::move(from)),
        to_(std::move(to)) {}
  void begin() {
    if (bytes_ == 0) start_ = now_ps();
  }
  void add(std::uint64_t bytes) { bytes_ += bytes; }
  void end() {
    if (bytes_ == 0) return;
    trace::Record r;
    r.start = start_;
    r.end = now_ps();
    r.actor = actor_;
    r.step = step_;
    r.data = trace::Copy{copy_id_, trace::Engine::cpu, from_, to_, bytes_};
    context_.record(std::move(r));
    bytes_ = 0;
  }

 private:
  ModelContext& context_;
  std::string actor_, step_;
  std::uint64_t copy_id_;
  std::string from_, to_;
  Picoseconds start_ = 0;
  std::uint64_t bytes_ = 0;
};

// ATA task-file registers (offsets in a disk's window) and bits, as the disk model implements
// them (models/hw/disk.h).
namespace ata {
inline constexpr std::uint64_t data = 0x0, sector_count = 0x2, lba_low = 0x3, lba_mid = 0x4,
                               lba_high = 0x5, device = 0x6, status = 0x7, command = 0x7,
                               device_control = 0x8;
inline constexpr std::uint32_t status_busy = 0x80, status_drq = 0x08, status_error = 0x01;
inline constexpr std::uint32_t device_lba = 0x40, control_no_interrupts = 0x02;
inline constexpr std::uint32_t read_sectors = 0x20, read_sectors_ext = 0x24, read_dma = 0xC8,
                               read_dma_ext = 0x25, write_dma = 0xCA, write_dma_ext = 0x35,
                               write_dma_fua_ext = 0x3D, flush_cache = 0xE7;
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

/// Bytes a sync reported durable, and from when (the flush's completion).
struct Kernel::DurablePage {
  std::vector<std::uint8_t> bytes;
  Picoseconds at = 0;
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
  std::uint64_t allocated_pages = 0;  // pages the extents cover (a growing file gets more)
  /// The checker's record of what the application wrote (no simulated time): the bytes of every
  /// page a write() changed, as the application handed them over. Other pages hold what the
  /// file was created with (file_bytes).
  std::map<std::uint64_t, std::vector<std::uint8_t>> written;
  /// Pages the model reported durable (a Durable record) and their bytes then; a page written
  /// again drops out until the next claim.
  std::map<std::uint64_t, DurablePage> durable;
  /// Which bytes of each page in `written` the application wrote (a crash counts only those).
  std::map<std::uint64_t, std::vector<bool>> written_mask;
  std::uint64_t created_size = 0;  // the size at set-up: file_bytes() beyond it are zeros
  bool size_dirty = false;         // the size changed since the metadata was last written
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
  OpenFlags flags;
  // A MAP_SHARED mapping of the file (mmap_write): the pages touched so far (mapped by a fault).
  bool mapped = false;
  std::set<std::uint64_t> mapped_pages;
};

/// The C library's buffer of one stream (fwrite): bytes the process wrote that the kernel has
/// not seen yet.
struct Kernel::StdioStream {
  Buffer* buffer = nullptr;  // in the process's memory, region <process>.stdio<n>
  std::uint64_t used = 0;
  std::vector<std::uint8_t> bytes;  // the checker's copy of what it holds
};

/// Requests a caller waits for together: the last completion wakes it.
struct Kernel::IoBatch {
  std::uint64_t pending = 0;
  Picoseconds completed = 0;
  std::vector<Process*> waiters;
  /// Called (from the completion interrupt) when the last request is done.
  std::function<void(Picoseconds)> then;
};

/// An mmap() of a file (the mmap: operation): the VMA and its page-table entries. It keeps the
/// description it was made from (vma->vm_file), so it outlives close().
struct Kernel::MappedFile {
  OpenFile description;
  MapKind kind = MapKind::shared;
  bool writable = true;       // PROT_WRITE (a shared mapping of a read-only file: PROT_READ)
  std::uint64_t address = 0;  // the address mmap() returned (for the trace only)
  struct Pte {
    bool write = false;      // writable: a shared page written since it was last clean
    std::uint64_t anon = 0;  // MAP_PRIVATE after copy-on-write: the process's own frame
  };
  std::map<std::uint64_t, Pte> ptes;  // by page index
  /// The checker's copy of the private pages as the process wrote them.
  std::map<std::uint64_t, std::vector<std::uint8_t>> private_bytes;
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
  /// The C library's buffer of each stream (fwrite), by path.
  std::map<std::string, StdioStream> stdio;
  std::map<std::string, std::unique_ptr<MappedFile>> mappings;  // by path
  bool kernel_thread = false;  // the flusher: runs kernel code only, never ends the run
  // balance_dirty_pages_ratelimited(): pages dirtied since the last call into the throttle, and
  // how many may be dirtied before the next (current->nr_dirtied, nr_dirtied_pause).
  std::uint64_t nr_dirtied = 0;
  std::uint64_t nr_dirtied_pause = (128ULL << 10) / kPageSize;  // a new task's: 128 KiB (fork.c)
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
    /// vmsplice: a page of user memory instead of a file's (file == nullptr): its physical
    /// address and the buffer it belongs to.
    std::uint64_t address = 0;
    const Buffer* buffer = nullptr;
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
  /// MSG_ZEROCOPY: senders waiting for the completion of the bytes up to `end` (their pinned
  /// pages are free again once the peer acknowledged them and the skbs are freed).
  struct ZerocopyWaiter {
    std::uint64_t end = 0;
    Process* process = nullptr;
  };
  std::vector<ZerocopyWaiter> zerocopy_waiters;
  std::uint64_t waiting_for = 0;  // the most room one of them needs
  /// What was sent, for the checker: from stream offset `at`, either bytes captured from the
  /// sender's buffer at the call or `n` bytes of a file from `file_offset`. The peer checks a
  /// byte before it acknowledges it, so on_ack drops what is acknowledged: the log holds at most
  /// a send buffer's worth, not the whole transfer.
  struct Sent {
    std::uint64_t at = 0, n = 0;
    const File* file = nullptr;
    std::uint64_t file_offset = 0;
    std::vector<std::uint8_t> bytes;
  };
  std::deque<Sent> sent_log;
};

/// One command of the block layer. A read: contiguous pages of one file, on one extent, at most
/// max_sectors_per_command sectors, moved by DMA into their page-cache frames. A write: the same
/// from the frames to the disk (page-cache writeback, or a direct write from a user buffer). A
/// flush: FLUSH CACHE, no data.
struct Kernel::BlockRequest {
  using Kind = IoKind;
  Kind kind = Kind::read;
  bool fua = false;        // write: WRITE DMA FUA EXT, done only once on the media
  bool page_cache = true;  // write: the pages are page-cache pages (end their writeback)
  std::string reason;      // write: why (the Writeback record's reason)
  /// Called from the completion interrupt with the time the request completed.
  std::function<void(Picoseconds)> on_complete;
  unsigned disk = 0;
  File* file = nullptr;
  std::uint64_t first_page = 0;
  std::uint64_t pages = 0;
  std::uint64_t lba = 0;
  std::vector<std::uint64_t> frames;  // one per page, in order
  /// A direct I/O: the user buffer's physically contiguous pieces (address, length), used
  /// instead of `frames`; `pages` and `first_page` then describe the file range only.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces;
  bool async = false;  // read-ahead the submitter does not wait for
  Process* submitter = nullptr;
  Picoseconds submitted = 0;
  bool failed = false;
  std::vector<Process*> waiters;
  /// Frames of pages reclaim dropped while the I/O was in flight: freed at completion.
  std::vector<std::uint64_t> orphan_frames;
};

}  // namespace iosim::os
