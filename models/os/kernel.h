// The simulated kernel: processes, a scheduler, system calls and the drivers that move data
// between a disk and memory by programmed I/O, interrupt-driven I/O, DMA or a channel program;
// and the storage path (vfs.cpp): an extent-based file system, open/read/lseek/fadvise/close,
// the page cache with Linux's read-ahead and reclaim (page_cache.h, readahead.h), and a block
// layer that reads pages into the page cache by DMA.
//
// Processes are SystemC threads that run their programs (os/program.h) on the CPU model. The
// scheduler is a FIFO run queue: a process that blocks on I/O gives the CPU to the next runnable
// one (or leaves it idle); an interrupt that completes I/O wakes its process, which preempts
// running user code at the interrupt's exit (CFS wakeup preemption, KernelParams); computing
// processes share the CPU in timeslices. Every mode switch, context switch and system call is a
// trace record, charged the CPU's costs (CpuParams).
//
// Simplifications (docs/models/kernel.md): no timer interrupt is modelled, so a timeslice ends at
// the computing process's own check, costing only the context switch; a process waking from
// sleep() while the CPU is busy waits for the running process to block or end its timeslice.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <systemc>

#include "models/core/context.h"
#include "models/hw/bus.h"
#include "models/hw/cpu.h"
#include "models/hw/dram.h"
#include "models/os/kernel_params.h"
#include "models/os/page_cache.h"
#include "models/os/program.h"
#include "models/os/readahead.h"
#include "models/os/writeback_policy.h"

namespace iosim::hw {
class Disk;
class Nic;
class NetworkPeer;
}  // namespace iosim::hw

namespace iosim::os {

/// The devices the kernel drives and where their registers are.
struct KernelWiring {
  hw::Cpu* cpu = nullptr;
  hw::Bus* bus = nullptr;
  hw::Dram* dram = nullptr;
  std::vector<hw::Disk*> disks;  // for checking what arrived (untimed peeks)
  std::vector<std::uint64_t> disk_registers;
  std::vector<int> disk_irq_lines;
  std::vector<unsigned> disk_dma_channels;
  std::vector<std::uint16_t> disk_channel_devices;
  std::uint64_t dma_registers = 0;
  std::uint64_t dma_channel_stride = 0;
  std::uint64_t channel_registers = 0;
  bool channel_is_selector = true;  // one channel program at a time
  int channel_irq_line = -1;
  std::uint64_t csw_address = 0;
  std::uint64_t sector_size = 512;
  std::uint64_t data_register_width = 4;
  // The network card and the host at the far end of its wire (sockets, sendfile: net.cpp).
  hw::Nic* nic = nullptr;
  hw::NetworkPeer* peer = nullptr;
  std::uint64_t nic_registers = 0;
  int nic_irq_line = -1;
};

class Kernel : public sc_core::sc_module {
 public:
  Kernel(sc_core::sc_module_name name, const KernelParams& params, const KernelWiring& wiring,
         ModelContext& context);
  ~Kernel() override;

  void add_process(const ProcessSpec& spec);
  /// Creates a file of the extent-based file system (set-up: takes no simulated time). Throws
  /// std::invalid_argument for a duplicate path, an unknown device or a disk that is full.
  void add_file(const FileSpec& spec);

  /// A crash at `spec.at` wherever the processes are: the run ends there (docs/models/kernel.md).
  void schedule_crash(const CrashSpec& spec);

  /// True once every process with finite work has ended.
  bool finished() const { return (finite_processes_left_ == 0 && started_) || crashed_; }
  Picoseconds end_time() const { return end_time_; }
  /// What is still blocked, for a report when the run stops unfinished.
  std::string describe_unfinished() const;
  /// Why the model stopped the run itself (fail()), or empty.
  const std::string& failure() const { return failure_; }
  /// The connection ids of the sockets created so far (the NIC's and the peer's stream ids).
  std::vector<std::uint32_t> connections() const;

  static constexpr std::uint64_t kPageSize = 4096;

 private:
  struct Process;
  struct Buffer;
  struct PendingIo;
  struct File;
  struct OpenFile;
  struct BlockRequest;
  /// What a block request does.
  enum class IoKind { read, write, flush };
  struct StdioStream;
  struct MappedFile;
  struct DurablePage;
  struct Socket;
  struct Pipe;

  SC_HAS_PROCESS(Kernel);
  void boot();
  void process_main(Process& p);
  void run(Process& p, const Operation& op);
  void compute(Process& p, const Compute& op);
  void sleep(Process& p, const Sleep& op);
  void device_read(Process& p, const DeviceRead& op);

  // The VFS system calls (vfs.cpp).
  void file_open(Process& p, const FileOpen& op);
  void file_read(Process& p, const FileRead& op);
  void file_seek(Process& p, const FileSeek& op);
  void file_advise(Process& p, const FileAdvise& op);
  void file_close(Process& p, const FileClose& op);
  /// Entry of a system call: the mode switch (and the VFS work of a file system call).
  Picoseconds syscall_enter(Process& p, const std::string& name);
  /// Return of a system call: the mode switch and the Syscall record.
  void syscall_return(Process& p, const std::string& name, Picoseconds start,
                      const std::string& args, std::int64_t result, const std::string& error);
  /// The open file `path` of `p`, or nullptr (EBADF).
  OpenFile* open_file(Process& p, const std::string& path);
  /// One read() of `bytes` at the file position into `into` (from its offset 0); returns the
  /// bytes read (0 at the end of the file).
  std::uint64_t read_call(Process& p, OpenFile& f, std::uint64_t bytes, Buffer& into);

  /// filemap_get_pages' first half, shared by read() and sendfile(): looks pages [first, first +
  /// pages) up (kernel.page_lookup each) and submits the read-ahead the policy asks for; returns
  /// the hits.
  std::uint64_t look_up_and_read_ahead(Process& p, OpenFile& f, std::uint64_t first,
                                       std::uint64_t pages);
  /// Sleeps until page `index` of `f` is up to date, reading it again if reclaim took it.
  void wait_uptodate(Process& p, OpenFile& f, std::uint64_t index);
  /// The CacheAccess record of one call that looked at pages [first, first + pages).
  void record_cache_access(Process& p, const File& file, Picoseconds start, std::uint64_t first,
                           std::uint64_t pages, std::uint64_t hits);

  // Sockets, the TCP transmit path and the NIC driver (net.cpp).
  void socket_connect(Process& p, const SocketConnect& op);
  void read_write(Process& p, const ReadWrite& op);
  void send_file(Process& p, const SendFile& op);
  void mmap_write(Process& p, const MmapWrite& op);
  /// read() + send(MSG_ZEROCOPY) + the completion notification, chunk by chunk.
  void read_send_zerocopy(Process& p, const ReadSendZerocopy& op);
  /// One send(MSG_ZEROCOPY) of `n` bytes of `from`; returns the stream offset it ends at.
  std::uint64_t send_zerocopy_call(Process& p, Socket& s, Buffer& from, std::uint64_t n);
  // Pipes, splice() and tee() (net.cpp).
  void pipe_create(Process& p, const PipeCreate& op);
  void splice(Process& p, const Splice& op);
  void tee(Process& p, const Tee& op);
  /// vmsplice(): references to the user buffer's pages into a pipe (SPLICE_F_GIFT).
  void vmsplice(Process& p, const Vmsplice& op);
  /// Where the bytes of a pipe slot are: a page-cache frame, or gifted user memory.
  std::uint64_t slot_address(const File* file, std::uint64_t offset, std::uint64_t address) const;
  /// splice(file -> pipe): references to the page-cache pages of [position, position + bytes).
  std::uint64_t splice_file_to_pipe(Process& p, OpenFile& f, Pipe& pipe, std::uint64_t bytes);
  /// splice(pipe -> socket): the pipe's pages as skb fragments (SG) or copied (no SG).
  std::uint64_t splice_pipe_to_socket(Process& p, Pipe& pipe, Socket& s, std::uint64_t bytes);
  /// The lowest descriptor number no file, socket or pipe of `p` uses (alloc_fd).
  std::int64_t lowest_free_fd(const Process& p) const;
  /// Where a write() takes its bytes: a user buffer, or a file mapping at an offset.
  struct WriteSource {
    Buffer* buffer = nullptr;
    OpenFile* mapping = nullptr;
    std::uint64_t offset = 0;  // in the mapping
  };
  /// One write() of `bytes` from `from` to the socket; returns the bytes sent.
  std::uint64_t write_call(Process& p, Socket& s, const WriteSource& from, std::uint64_t bytes);
  /// copy_from_user of a file mapping: faults in the pages of [offset, offset + n) that were not
  /// touched yet (filemap_fault, with mmap read-around on a miss), then reads their bytes.
  void read_mapping(Process& p, OpenFile& f, std::uint64_t offset, std::uint64_t n,
                    std::uint8_t* out);
  /// One sendfile() of at most `count` bytes from the file position; returns the bytes sent.
  std::uint64_t sendfile_call(Process& p, Socket& s, OpenFile& f, std::uint64_t count);
  Socket* socket_of(Process& p, const std::string& name);
  /// Blocks `p` until `bytes` more fit in the socket buffer (sk_stream_wait_memory).
  void wait_for_socket_space(Process& p, Socket& s, std::uint64_t bytes);
  /// Linear room for `bytes` in the socket buffer's memory: its physical address.
  std::uint64_t take_linear(Socket& s, std::uint64_t bytes);
  /// The largest skb the transmit path builds: a TSO packet, or one frame without TSO.
  std::uint64_t max_skb_bytes(const Socket& s) const;
  struct PostedPacket;
  /// Queues one skb (its pieces: physical address, length) on the socket and hands it to the
  /// NIC driver, which writes one TX descriptor per piece and rings the doorbell. `packet` says
  /// which copy the card's gather belongs to and, for a call's last skb, how to narrate it.
  /// Returns the time of the doorbell.
  Picoseconds transmit_skb(Process& p, Socket& s,
                           const std::vector<std::pair<std::uint64_t, std::uint64_t>>& pieces,
                           std::uint64_t linear_bytes, PostedPacket packet);
  struct FileSkb;
  /// transmit_skb for an skb of file pages (sendfile(), splice() from a pipe): the narration of
  /// the NIC's copy on the call's last skb and, with SG, the `descriptor` record of the pages
  /// handed over by reference.
  Picoseconds post_file_skb(Process& p, Socket& s,
                            const std::vector<std::pair<std::uint64_t, std::uint64_t>>& pieces,
                            std::uint64_t linear, const FileSkb& skb);
  /// The driver's ndo_open: the TX ring and the card's registers (once, at the first connect).
  void nic_open(Process& p);
  /// Ends the run with `message` as its error, for what the model cannot go on from (a dropped
  /// ACK, with no retransmission to recover it). Unlike an exception out of a thread, it first
  /// kills the other threads, so that their stacks unwind (stop_other_threads).
  void fail(const std::string& message);
  std::string failure_;
  /// The NIC's interrupt: reclaims completed TX descriptors (narrating the finished copies),
  /// then polls the RX ring for the peer's ACKs (NAPI).
  void nic_interrupt(sc_core::sc_time& local);
  /// Writes RX descriptor `index` with its receive buffer, ready for the card.
  void post_rx_buffer(std::uint64_t index, sc_core::sc_time& local);
  /// The NAPI poll of the RX ring: every received ACK to on_ack, the buffers posted again.
  void nic_poll_rx(sc_core::sc_time& local);
  /// The peer's acknowledgement (tcp_ack): frees the socket buffer up to `acked`; `local` is the
  /// interrupt handler's time ahead of the clock.
  void on_ack(Socket& s, std::uint64_t acked, const sc_core::sc_time& local);
  /// The checker's expectation of what `connection` carries at `offset` (what was sent).
  void expected_stream(std::uint32_t connection, std::uint64_t offset, std::uint8_t* out,
                       std::size_t n) const;
  bool sockets_drained() const;

  // The write path (writeback.cpp): buffered and direct write(), the C library's buffers,
  // dirty pages and their throttling, the flusher thread, fsync and friends, crashes.
  struct IoBatch;
  void file_write(Process& p, const FileWrite& op);
  void stdio_write(Process& p, const StdioWrite& op);
  void stdio_flush(Process& p, const StdioFlush& op);
  void file_sync(Process& p, const FileSync& op);
  /// "O_RDWR|O_SYNC": the flags as open()'s Syscall record shows them.
  static std::string describe_open_flags(const OpenFlags& flags);
  /// The application puts `n` bytes into `buffer` (a pattern, or a fresh payload stream).
  void fill_user_bytes(Buffer& buffer, std::uint64_t n, const std::string& pattern);
  /// One write() that fails at once with `error`.
  void failed_write(Process& p, const std::string& args, const std::string& error);
  /// One write() of `n` bytes of `from` (from its offset 0) at the file position (the end with
  /// O_APPEND); returns the bytes written, 0 with `error` set on failure.
  std::uint64_t file_write_call(Process& p, OpenFile& f, Buffer& from, std::uint64_t n,
                                std::string& error);
  /// The buffered part of write(): copies into page-cache pages and dirties them, then
  /// balance_dirty_pages().
  void write_to_page_cache(Process& p, OpenFile& f, Buffer& from, std::uint64_t position,
                           std::uint64_t n);
  /// An O_DIRECT write: DMA from the user buffer to the disk (after writing back the cached
  /// pages of the range; they are dropped after).
  void write_direct(Process& p, OpenFile& f, Buffer& from, std::uint64_t position, std::uint64_t n);
  /// An O_DIRECT read() of `bytes` at the file position: DMA from the disk into the user
  /// buffer; returns the bytes read.
  std::uint64_t read_direct(Process& p, OpenFile& f, Buffer& into, std::uint64_t bytes);
  /// Writes the dirty pages of [first, last] and waits for every page of it under writeback.
  void write_back_range(Process& p, File& file, std::uint64_t first, std::uint64_t last);
  /// The common core of fsync, fdatasync, sync_file_range and O_SYNC: writes the file's dirty
  /// pages and waits; `metadata` writes the journal block; `flush` empties the disk's volatile
  /// cache and reports the file durable (`how`).
  void sync_file(Process& p, File& file, bool flush, bool metadata, const std::string& how);
  /// Submits writes of the dirty pages `indices` (ascending) of `file`.
  std::shared_ptr<IoBatch> submit_writeback(Process& p, File& file,
                                            const std::vector<std::uint64_t>& indices,
                                            const std::string& reason);
  /// Submits direct reads or writes of file bytes [position, position + n) to or from `buffer`.
  std::shared_ptr<IoBatch> submit_direct(Process& p, File& file, Buffer& buffer,
                                         std::uint64_t position, std::uint64_t n, IoKind kind,
                                         bool fua, std::uint64_t buffer_offset = 0,
                                         std::function<void(Picoseconds)> then = {});
  void wait_for_batch(Process& p, const std::shared_ptr<IoBatch>& batch);
  /// The on_complete of a request of `batch`.
  std::function<void(Picoseconds)> completion_of(const std::shared_ptr<IoBatch>& batch);
  /// Sleeps until page `key` is no longer under writeback (stable pages: the DMA is reading it).
  void wait_for_writeback(Process& p, const PageKey& key);
  void wait_for_file_writeback(Process& p, const File& file);
  /// FLUSH CACHE through the block queue (nothing when the disk has no volatile cache); waits.
  /// Returns the time everything written before was on the media.
  Picoseconds flush_disk(Process& p, unsigned disk);
  /// The file system's metadata of `file` (one journal block) to the disk; waits.
  void write_metadata(Process& p, File& file);
  /// balance_dirty_pages() after `p` dirtied `pages_dirtied` pages.
  void balance_dirty(Process& p, std::uint64_t pages_dirtied);
  DirtyThresholds dirty_thresholds() const;
  /// A DirtyState record (only in runs that write files).
  void record_dirty_state(Picoseconds at);
  /// Blocks `p` in the kernel until woken or, with a timeout, until it has passed; returns
  /// whether it was woken.
  bool block_for(Process& p, std::optional<Picoseconds> timeout, const std::string& reason);
  void start_flusher();
  void kick_flusher();
  void flusher_main(Process& p);
  /// Gives `file` extents for its first `pages` pages (a file that grows); false: disk full.
  bool allocate_pages(File& file, std::uint64_t pages);
  // The checker's views of a file's bytes, a page at a time: as the application wrote them;
  // as the kernel has them (the page cache, else the disk); on the disk (newest, cache
  // included, or what a power loss at `power_lost_at` leaves on the media).
  void app_page(const File& file, std::uint64_t index, std::uint8_t* out) const;
  void kernel_page(const File& file, std::uint64_t index, std::uint8_t* out) const;
  void disk_page(const File& file, std::uint64_t index, std::uint8_t* out,
                 std::optional<Picoseconds> power_lost_at) const;
  void written_bytes(const File& file, std::uint64_t offset, std::uint8_t* out,
                     std::size_t n) const;
  /// The application's copy of page `index`, created from the file's bytes when first written.
  std::vector<std::uint8_t>& written_page(File& file, std::uint64_t index);
  /// Records that the application wrote bytes [from, from + n) of page `index`.
  void mark_written(File& file, std::uint64_t index, std::uint64_t from, std::uint64_t n);
  /// Reports the pages of [first, last] in `snapshot` that are still as written durable from
  /// `at` on (a Durable record).
  void claim_durable(File& file, std::uint64_t first, std::uint64_t last,
                     const std::map<std::uint64_t, std::vector<std::uint8_t>>& snapshot,
                     Picoseconds at, const std::string& how);
  // Memory mappings of files (mmap.cpp).
  void mmap_file(Process& p, const MmapFile& op);
  void map_read(Process& p, const MapRead& op);
  void map_write(Process& p, const MapWrite& op);
  void msync(Process& p, const Msync& op);
  void munmap(Process& p, const Munmap& op);
  /// The page fault of a user-mode access to page `index` of `f`'s mapping (exception entry,
  /// filemap_fault or do_fault_around, copy-on-write, page_mkwrite, return).
  void map_fault(Process& p, MappedFile& m, std::uint64_t index, bool write);
  /// The frame page `index` of the mapping reads from now, faulting it in first if needed.
  std::uint64_t mapped_frame(Process& p, MappedFile& m, std::uint64_t index, bool write);
  /// io_uring direct reads with computation overlapping the transfers (uring.cpp).
  void uring_read(Process& p, const UringRead& op);
  /// The crash: what each layer lost, then the run ends.
  void crash_now(CrashKind kind, Picoseconds at);
  void crash_thread();
  /// The C library writes out what the stream's buffer holds.
  void flush_stream(Process& p, const std::string& path, StdioStream& stream);
  /// At the end of a run: every written file, as the kernel has it, against what was written.
  void verify_written_files();

  // The page cache and the block layer below it (vfs.cpp).
  void set_up_files();
  /// Inserts a page (not yet up to date) and gives it a frame; reclaims first when full.
  std::uint64_t insert_page(const PageKey& key);
  /// Submits one read-ahead I/O of `f`: inserts its pages and queues block requests.
  void submit_readahead(Process& p, OpenFile& f, const ReadaheadIo& io);
  void queue_block_request(std::unique_ptr<BlockRequest> request, sc_core::sc_time& local);
  void start_block_request(BlockRequest& request, sc_core::sc_time& local);
  /// The disk's interrupt for the request in flight: finishes it, starts the next one.
  void complete_block_request(unsigned disk, sc_core::sc_time& local);
  void finish_read_request(BlockRequest& request, sc_core::sc_time& local);
  /// A write or flush completed at `done`: ends the pages' writeback, wakes the waiters.
  void finish_write_request(BlockRequest& request, Picoseconds done);
  /// Blocks `p` until page `key` is up to date.
  void wait_for_page(Process& p, const PageKey& key);
  /// The checker's source: bytes [offset, offset + n) of a file as created.
  void file_bytes(const File& file, std::uint64_t offset, std::uint8_t* out, std::size_t n) const;

  // Scheduling.
  void wait_to_run(Process& p);
  void block(Process& p);
  void wake(Process& p);
  void yield(Process& p, const std::string& reason);
  void exit_process(Process& p);
  /// Kills every SystemC thread but the caller's before the run stops (see kernel.cpp).
  void stop_other_threads();
  void on_interrupt_exit();
  /// Waits (blocked) until `device` is free, then owns it.
  void acquire_device(Process& p, const std::string& device);
  /// Hands `device` to the next waiter, if any.
  void release_device(const std::string& device);
  Process* pop_runnable();

  // Memory.
  Buffer& user_buffer(Process& p, const std::string& name, std::uint64_t bytes);
  std::uint64_t allocate_frame();
  std::uint64_t allocate_kernel(std::uint64_t bytes, std::uint64_t align);
  /// Bytes [offset, offset + n) of a user buffer, read or written across its scattered frames
  /// (the checker's and the application's own accesses: no simulated time).
  void peek_user(const Buffer& buffer, std::uint64_t offset, std::uint8_t* out,
                 std::uint64_t n) const;
  void poke_user(const Buffer& buffer, std::uint64_t offset, const std::uint8_t* in,
                 std::uint64_t n);
  /// Physically contiguous pieces of [offset, offset + bytes) of a buffer.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> segments(const Buffer& b,
                                                                std::uint64_t offset,
                                                                std::uint64_t bytes) const;

  // Drivers.
  /// What an ATA command does: picks READ SECTORS / READ DMA / WRITE DMA / WRITE DMA FUA EXT,
  /// in their 28-bit or 48-bit forms.
  enum class AtaOp { read_pio, read_dma, write_dma, write_dma_fua };
  void ata_issue(unsigned disk, std::uint64_t lba, std::uint64_t sectors, AtaOp op, bool interrupts,
                 sc_core::sc_time& local);
  /// FLUSH CACHE with the completion interrupt on.
  void ata_flush(unsigned disk, sc_core::sc_time& local);
  bool ata_read_pio_polled(Process& p, PendingIo& io);
  bool ata_read_pio_interrupt(Process& p, PendingIo& io);
  bool ata_read_dma(Process& p, PendingIo& io, DmaMode mode);
  bool channel_read(Process& p, PendingIo& io);
  /// Moves one sector from the disk's data register to memory (PIO); returns false on error.
  /// With a polling task, the wait for DRQ synchronises every decoupling quantum.
  bool pio_sector(PendingIo& io, sc_core::sc_time& local, hw::Task* polling_task);
  void handle_interrupt(int line, sc_core::sc_time& local);
  void verify(const Process& p, const PendingIo& io);
  /// A Verification record of `p`: `actual` against `expected`, byte for byte.
  void check_bytes(const Process& p, const std::string& what,
                   const std::vector<std::uint8_t>& expected,
                   const std::vector<std::uint8_t>& actual);
  /// A lecture step: its text, shown from start to end (trace::Narration, step id in `step`).
  void narrate(const Process& p, const std::string& step, const std::string& text,
               Picoseconds start, Picoseconds end);

  KernelParams params_;
  KernelWiring wiring_;
  ModelContext& context_;
  hw::Cpu& cpu_;
  std::vector<std::unique_ptr<Process>> processes_;
  std::deque<Process*> run_queue_;
  std::map<int, PendingIo*> pending_by_line_;
  struct DeviceQueue {
    Process* owner = nullptr;
    std::deque<Process*> waiting;
  };
  std::map<std::string, DeviceQueue> device_queues_;
  bool need_resched_ = false;
  bool started_ = false;
  std::size_t finite_processes_left_ = 0;
  Picoseconds end_time_ = 0;
  std::uint64_t frames_handed_out_ = 0;
  std::uint64_t kernel_heap_ = 0;

  // Storage path.
  std::vector<std::unique_ptr<File>> files_;
  PageCache page_cache_;
  std::map<PageKey, std::uint64_t> page_frames_;  // physical frame of each cached page
  std::vector<std::uint64_t> free_frames_;        // page-cache frames given back by reclaim
  std::map<PageKey, BlockRequest*> pages_in_flight_;
  /// Per disk: requests in arrival order; the front one is on the disk once started.
  std::map<unsigned, std::deque<std::unique_ptr<BlockRequest>>> block_queues_;
  std::map<int, unsigned> block_disk_by_line_;  // a disk interrupt line with a request in flight
  std::map<unsigned, std::uint64_t> descriptor_tables_;  // per disk, reused by each request
  std::map<unsigned, std::uint64_t> fs_next_lba_;        // per disk: where the next file goes
  std::uint64_t random_order_draws_ = 0;                 // for FileRead order: random

  // Write path.
  bool write_path_used_ = false;  // a program writes files: the flusher runs, DirtyState records
  std::map<PageKey, BlockRequest*> pages_under_writeback_;
  Process* flusher_ = nullptr;
  bool flusher_kicked_ = false;
  Picoseconds last_periodic_writeback_ = 0;
  std::optional<CrashSpec> crash_;
  bool crashed_ = false;
  std::uint64_t write_calls_ = 0;  // numbers each write()'s generated bytes
  std::uint64_t stdio_streams_ = 0;
  std::uint64_t journal_frame_ = 0;
  std::uint64_t mmap_count_ = 0;  // mappings made so far (their addresses)

  // Network path.
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::uint64_t tx_ring_ = 0;          // physical address of the TX descriptor ring
  std::uint64_t tx_ring_entries_ = 0;  // 0 until nic_open
  std::uint64_t tx_tail_ = 0;          // next descriptor the driver fills
  std::uint64_t tx_clean_ = 0;         // next descriptor the driver reclaims
  std::uint64_t tx_in_use_ = 0;        // posted, not yet reclaimed
  std::vector<Process*> tx_ring_waiters_;
  std::uint64_t rx_ring_ = 0;  // physical address of the RX descriptor ring
  std::uint64_t rx_ring_entries_ = 0;
  std::uint64_t rx_buffers_ = 0;  // rx_ring_entries_ buffers of rx_buffer_size, in order
  std::uint64_t rx_clean_ = 0;    // next RX descriptor the driver looks at
  /// Per posted packet, in ring order: its descriptors, its copy id, and the narration of the
  /// NIC's copy for the last packet of a call (told at its completion, from call_doorbell).
  struct PostedPacket {
    std::uint64_t descriptors = 0;
    std::uint64_t copy_id = 0;
    Process* process = nullptr;
    std::string step, text;  // empty unless this packet ends the call
    Picoseconds call_doorbell = 0;
  };
  std::deque<PostedPacket> posted_;
  std::deque<std::uint64_t> nic_copy_ids_;  // handed to the card as it gathers each packet
  sc_core::sc_event drained_;               // an acknowledgement emptied a socket buffer
};

}  // namespace iosim::os
