// The trace: the one vocabulary in which models report what they do.
//
// Every observable thing is a Record with a simulated start and end (picoseconds), the actor that
// did it (a module or process name), the lecture step it belongs to (e.g. "copy-1", may be empty)
// and a typed payload. Models hand records to a Sink; they never format or write them. The
// simulator's recorder keeps them, derives the metrics from them and exports them
// (docs/trace-format.md), so a number in a metric can always be traced back to records.
//
// Aggregation: a model may report many elementary events as one record (a 512-byte PIO sector
// rather than 128 word moves) as long as counts and times stay the same: a Copy record carries the
// id of the logical copy it belongs to, a BusTenure carries how many transactions it sums.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "models/core/picoseconds.h"

namespace iosim::trace {

/// Where a region lives, for drawing it in one of three bands.
enum class Layer { user, kernel, hardware };
/// What moved the bytes of a copy.
enum class Engine { cpu, dma, channel, nic, disk };
/// What a CPU was doing during an interval.
enum class CpuState { idle, user, kernel, irq };

const char* to_string(Layer layer);
const char* to_string(Engine engine);
const char* to_string(CpuState state);

/// Declares a named place that copies move between (emitted once, before its first use).
struct RegionDecl {
  std::string name;  // unique id, e.g. "disk0.buffer", "reader.buf"
  Layer layer;
  std::string label;  // what a person reads: "disk0 sector buffer"
};

/// Bytes moved from one region to another. Records with the same copy_id form one logical copy
/// (the seeds' "copy-1", ...): metrics count logical copies and add up bytes of all records.
struct Copy {
  std::uint64_t copy_id;
  Engine engine;
  std::string from, to;  // region names
  std::uint64_t bytes;
};

/// Data handed over by reference instead of being copied: a scatter-gather descriptor (page,
/// offset, length) attached to a socket buffer for the NIC to gather from, or a page reference
/// that splice() puts into a pipe. No byte moves, so this is not a Copy and no copy metric counts
/// it; the seeds' table counts sendfile with an SG-DMA NIC as two copies for this reason.
struct Descriptor {
  std::string from;         // region that holds the data (e.g. "page_cache")
  std::string to;           // region that receives the reference (e.g. "socket_buffer", "pipe")
  std::uint64_t bytes;      // size of the data referred to
  std::uint64_t fragments;  // (page, offset, length) entries
  std::string what;         // "sg descriptor", "page reference"
};

/// A CPU changes privilege level. start..end is the cost of the transition.
struct ModeSwitch {
  std::string cpu, process;
  bool to_kernel;     // user -> kernel when true, kernel -> user when false
  std::string cause;  // "syscall device_read", "interrupt 14", "return from device_read"
};

/// A CPU stops running one process and runs another. start..end is the switch cost.
struct ContextSwitch {
  std::string cpu, from, to;  // process names; "idle" when there is none
  std::string reason;         // "block", "wakeup", "exit", "start"
};

/// A system call from entry to return.
struct Syscall {
  std::string process, name, args;
  std::int64_t result;  // bytes or 0 on success, -1 on failure
  std::string error;    // errno name on failure ("EINVAL"), empty otherwise
};

/// An interrupt: start = line raised, end = handler finished.
struct Interrupt {
  int line;
  std::string device;
  Picoseconds handler_start;  // when the CPU entered the handler
};

/// A device busy in one phase: seek, rotate, transfer, command, ccw, program, ...
struct DeviceActivity {
  std::string device, phase, detail;
};

/// Bus ownership by one initiator: `transactions` transactions between start and end, holding
/// the bus for `busy` picoseconds in all, after waiting `stall` picoseconds for it in all.
struct BusTenure {
  std::string initiator;
  std::uint64_t transactions;
  std::uint64_t bytes;
  Picoseconds busy;
  Picoseconds stall;
};

/// What a CPU did from start to end. `stall` is the part spent waiting for the bus.
struct CpuInterval {
  std::string cpu, process;  // process is empty when idle or in an interrupt
  CpuState state;
  Picoseconds stall;
};

/// A lecture step's text, shown while the step runs.
struct Narration {
  std::string text;
};

/// A check of payload bytes: `bytes` compared, `mismatched` of them differed.
struct Verification {
  std::string what;
  std::uint64_t bytes;
  std::uint64_t mismatched;
};

/// A read-ahead window the kernel submitted for a file (mm/readahead.c): pages
/// [start, start + pages) of `file`, read from the disk into the page cache.
struct Readahead {
  std::string file;
  std::uint64_t start;  // first page (4 KiB units of the file)
  std::uint64_t pages;
  std::uint64_t bytes;  // pages * page size
  bool async;           // beyond the page being read: the reader does not wait for it
  std::int64_t marker;  // the page that got PG_readahead, -1 when none
};

/// One read()'s look into the page cache: of `pages` pages from page `first` of `file`, `hits`
/// were in the cache when the call began and `misses` were not. `resident` and `active` count
/// the file's pages in the cache and on the active list after the call.
struct CacheAccess {
  std::string process, file;
  std::uint64_t first, pages, hits, misses;
  std::uint64_t resident, active;
};

/// Page reclaim dropped `pages` clean pages of `file` from the page cache (one record per file
/// and reclaim pass).
struct Eviction {
  std::string file;
  std::uint64_t pages;
};

/// The page cache's dirty state right after a change (a write(), a writeback submission or
/// completion): NR_FILE_DIRTY and NR_WRITEBACK in bytes, and the thresholds of the moment
/// (domain_dirty_limits). Successive records are a time series of dirty memory.
struct DirtyState {
  std::uint64_t dirty_bytes;
  std::uint64_t writeback_bytes;
  std::uint64_t background_bytes;  // background writeback starts above this
  std::uint64_t limit_bytes;       // the hard limit (dirty_ratio / dirty_bytes)
};

/// The kernel submitted dirty pages [first, first + pages) of `file` for writing to the disk.
/// `reason`: "background" (over the background threshold), "periodic" (expired inodes),
/// "sync" (fsync, fdatasync, sync_file_range, O_SYNC), "direct" (O_DIRECT write), "invalidate"
/// (written back before a direct I/O on the range).
struct Writeback {
  std::string file;
  std::uint64_t first;
  std::uint64_t pages;
  std::uint64_t bytes;
  std::string reason;
};

/// balance_dirty_pages() paused `process` from the record's start to its end.
struct Throttle {
  std::string process;
  std::uint64_t dirty_bytes;  // dirty + writeback when it decided
  double pos_ratio;           // 0 at or above the hard limit
};

/// From the record's end on, the model says that bytes [0, bytes) of `file`, as they were when
/// the call named in `how` began its last step, are on stable media ("fsync", "fdatasync",
/// "O_SYNC write", "O_DSYNC write", "O_DIRECT write", ...).
struct Durable {
  std::string file;
  std::uint64_t bytes;
  std::string how;
};

/// A crash at the record's time: `kind` is "process", "kernel" or "power". Lost bytes are the
/// bytes of the files whose content after the crash differs from what the application wrote,
/// by the layer they were still in: the application's own buffers (C library), the page cache
/// (dirty, not yet on the disk), the disk's volatile write cache. `durable_lost` counts bytes
/// the model had reported durable (Durable records) that did not survive: always 0 unless the
/// model is wrong.
struct Crash {
  std::string kind;
  std::uint64_t lost_application;
  std::uint64_t lost_page_cache;
  std::uint64_t lost_disk_cache;
  std::uint64_t durable_bytes;
  std::uint64_t durable_lost;
};

/// One contiguous range of `file` lost at a crash, and the layer it was still in:
/// "application", "page_cache" or "disk_cache".
struct Loss {
  std::string file;
  std::string layer;
  std::uint64_t offset;
  std::uint64_t bytes;
};

/// A page fault on a file mapping of `process`, at page `page` of `file`. `kind`: "minor" (the
/// page was up to date in the page cache: only the page table changed; also the write fault
/// that makes a shared page writable and dirty), "major" (the page had to be read from the
/// disk first), "cow" (a write to a MAP_PRIVATE mapping: the page was copied into an anonymous
/// page of the process; the file is unchanged). `mapped`: pages this fault mapped (fault-around
/// maps the up-to-date neighbours of a read fault too).
struct PageFault {
  std::string process;
  std::string file;
  std::uint64_t page;
  std::string kind;
  std::uint64_t mapped;
};

using Payload = std::variant<RegionDecl, Copy, Descriptor, ModeSwitch, ContextSwitch, Syscall,
                             Interrupt, DeviceActivity, BusTenure, CpuInterval, Narration,
                             Verification, Readahead, CacheAccess, Eviction, DirtyState, Writeback,
                             Throttle, Durable, Crash, Loss, PageFault>;

struct Record {
  Picoseconds start = 0, end = 0;
  std::string actor;
  std::string step;
  Payload data;
};

/// Receives records as the simulation produces them (not necessarily in time order: a model using
/// temporal decoupling reports events ahead of the simulation clock).
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void record(Record r) = 0;
  /// True when records are thrown away unread, so that models may skip building the most
  /// frequent ones (bus tenures). Only what no metric needs may be skipped this way.
  virtual bool discards() const { return false; }
};

/// Discards everything.
class NullSink final : public Sink {
 public:
  void record(Record) override {}
  bool discards() const override { return true; }
};

/// Keeps everything in memory, in arrival order.
class VectorSink final : public Sink {
 public:
  void record(Record r) override { records.push_back(std::move(r)); }
  std::vector<Record> records;
};

}  // namespace iosim::trace
