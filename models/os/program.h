// What a simulated process does: a program of operations, as plain data. The scenario loader
// builds these from a file; tests build them directly.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <systemc>

#include "models/core/units.h"

namespace iosim::os {

/// How a driver moves data between a device and memory.
enum class Mechanism { pio, interrupt, dma, channel };
/// The DMA controller's bus discipline, for Mechanism::dma.
enum class DmaMode { burst, cycle_steal, transparent };

const char* to_string(Mechanism m);
const char* to_string(DmaMode m);

/// Read `bytes` from block `lba` of a raw disk into the process's buffer `into`.
struct DeviceRead {
  std::string device = "disk0";
  std::uint64_t lba = 0;
  ByteSize bytes{0};
  Mechanism mechanism = Mechanism::dma;
  DmaMode dma_mode = DmaMode::cycle_steal;
  std::string into = "buf";
};

/// Compute in user mode for `duration` of CPU time, or, with until_end, for as long as any other
/// process still has work (the competing process of the mechanism scenarios).
struct Compute {
  sc_core::sc_time duration = sc_core::SC_ZERO_TIME;
  bool until_end = false;
};

/// Sleep (blocked, off the CPU) for `duration`.
struct Sleep {
  sc_core::sc_time duration = sc_core::SC_ZERO_TIME;
};

/// The open() flags the model knows (man 2 open). All false: O_RDONLY.
struct OpenFlags {
  bool write = false;   // O_RDWR: write() is allowed
  bool sync = false;    // O_SYNC: each write() returns once its data and metadata are durable
  bool dsync = false;   // O_DSYNC: likewise for the data (and the metadata needed to read it)
  bool direct = false;  // O_DIRECT: read() and write() bypass the page cache (aligned only)
  bool append = false;  // O_APPEND: every write() goes to the end of the file
};

/// open(path, flags): the process gets a file description for `path` (its own file position and
/// read-ahead state). Later operations name the file by its path.
struct FileOpen {
  std::string path;
  OpenFlags flags;
};

/// The order in which FileRead visits the file's chunks.
enum class ReadOrder { sequential, random };
const char* to_string(ReadOrder order);

/// read() calls on an open file into the process's buffer `into`, `chunk` bytes each, for
/// `bytes` in all (0: up to the end of the file). Sequential: from the file position on.
/// Random: chunk-aligned offsets in an order drawn from the run's seed (each chunk of the range
/// [position, position + bytes) once), each read preceded by an lseek().
struct FileRead {
  std::string path;
  ByteSize chunk{4096};
  ByteSize bytes{0};
  std::string into = "buf";
  ReadOrder order = ReadOrder::sequential;
};

/// lseek(fd, offset, SEEK_SET).
struct FileSeek {
  std::string path;
  ByteSize offset{0};
};

/// posix_fadvise(fd, 0, 0, advice) (mm/fadvise.c): normal restores the device's read-ahead,
/// sequential doubles it, random disables read-ahead (FMODE_RANDOM).
enum class Advice { normal, sequential, random };
const char* to_string(Advice advice);
struct FileAdvise {
  std::string path;
  Advice advice = Advice::normal;
};

/// close(fd).
struct FileClose {
  std::string path;
};

/// socket(AF_INET, SOCK_STREAM) and connect() to the peer at the end of the wire: two system
/// calls. Later operations name the socket by `name`. (The TCP handshake is not modelled: the
/// card has no receive path; the peer answers by acknowledgement only.)
struct SocketConnect {
  std::string name = "sock";
};

/// The classic path: read() of `chunk` bytes of the open file `path` into the buffer `into`,
/// then write() of what it returned to the socket `socket`, until `bytes` are sent (0: up to the
/// end of the file).
struct ReadWrite {
  std::string path;
  std::string socket = "sock";
  ByteSize chunk{4096};
  ByteSize bytes{0};
  std::string into = "buf";
};

/// read() of `chunk` bytes into the buffer `into`, then send(socket, into, n, MSG_ZEROCOPY): the
/// kernel pins the buffer's pages and the NIC gathers from them (no copy into the socket
/// buffer); the buffer may be reused only after the completion notification, which the process
/// waits for (poll) and reads from the socket's error queue (recvmsg(MSG_ERRQUEUE)) before the
/// next read(). Until `bytes` are sent (0: up to the end of the file).
struct ReadSendZerocopy {
  std::string path;
  std::string socket = "sock";
  ByteSize chunk{64ULL << 10};
  ByteSize bytes{0};
  std::string into = "buf";
};

/// sendfile(socket, fd, NULL, chunk) calls from the file position until `bytes` are sent (0: up
/// to the end of the file).
struct SendFile {
  std::string socket = "sock";
  std::string path;
  ByteSize chunk{4096};
  ByteSize bytes{0};
};

/// mmap() of the open file `path` (MAP_SHARED, PROT_READ), then write() calls of `chunk` bytes
/// from the mapping to the socket until `bytes` are sent (0: the whole file). The mapping is not
/// read at mmap(): the first touch of each page (write()'s copy from user memory) faults it in.
struct MmapWrite {
  std::string path;
  std::string socket = "sock";
  ByteSize chunk{4096};
  ByteSize bytes{0};
};

/// mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED or MAP_PRIVATE, fd, 0) of the whole open
/// file `path`: a VMA, no page mapped yet. Later map_read / map_write / msync / munmap name the
/// mapping by the file's path.
enum class MapKind { shared, private_copy };
const char* to_string(MapKind kind);  // "shared", "private"
struct MmapFile {
  std::string path;
  MapKind kind = MapKind::shared;
};

/// The process reads (loads) `bytes` of its mapping of `path` from `offset` (user mode; the
/// first touch of a page faults it in).
struct MapRead {
  std::string path;
  ByteSize offset{0};
  ByteSize bytes{4096};
};

/// The process writes (stores) `bytes` into its mapping of `path` from `offset` (user mode):
/// `pattern` repeated, or bytes from the run's seed. MAP_SHARED: the page-cache pages become
/// dirty; MAP_PRIVATE: each page is copied on its first write (COW), the file is unchanged.
struct MapWrite {
  std::string path;
  ByteSize offset{0};
  ByteSize bytes{4096};
  std::string pattern;
};

/// msync(addr, size, MS_SYNC) of the whole mapping: its dirty pages are written and waited
/// for, and (like fsync) the disk's cache flushed.
struct Msync {
  std::string path;
};

/// munmap() of the mapping: its page-table entries go (a TLB flush), the VMA goes.
struct Munmap {
  std::string path;
};

/// pipe2(): a pipe the process names `name` (a read end and a write end, two descriptors). It
/// holds at most kernel.pipe_buffers page references.
struct PipeCreate {
  std::string name = "pipe";
};

/// splice(): up to `bytes` from `from` to `to` without passing through user space; one of them
/// is a pipe. file -> pipe: the pipe's buffers take references to the page-cache pages (no copy).
/// pipe -> socket: the pages go to the socket as skb fragments that a scatter-gather NIC gathers
/// by DMA, or the CPU copies them into the socket buffer on a card without SG. `from` and `to`
/// name an open file (its path), a pipe or a socket of the process.
enum class SpliceEnd { file, pipe, socket };
const char* to_string(SpliceEnd end);
struct Splice {
  std::string from;
  SpliceEnd from_kind = SpliceEnd::file;
  std::string to;
  SpliceEnd to_kind = SpliceEnd::pipe;
  ByteSize bytes{0};
};

/// vmsplice(pipe, buffer, bytes, SPLICE_F_GIFT): the process fills its buffer `from` (`pattern`
/// repeated, or bytes from the run's seed) and hands its pages to the pipe `pipe` by reference:
/// no copy; a splice from the pipe to a socket then lets the NIC gather them.
struct Vmsplice {
  std::string pipe = "pipe";
  std::string from = "buf";
  ByteSize bytes{4096};
  std::string pattern;
};

/// tee(): duplicates up to `bytes` at the head of pipe `from` into pipe `to` (references to
/// the same pages, no copy) without consuming them.
struct Tee {
  std::string from, to;
  ByteSize bytes{0};
};

/// write() calls on a file opened for writing: `bytes` in all, `chunk` bytes a call, from the
/// file position (the end with O_APPEND), out of the process's buffer `from`. Before each call
/// the application puts its bytes into the buffer (no simulated time: model the application's
/// own work with `compute`): `pattern` repeated, or, when empty, bytes generated from the run's
/// seed, different for every call, so that a lost write is always visible.
struct FileWrite {
  std::string path;
  ByteSize chunk{4096};
  ByteSize bytes{0};
  std::string from = "buf";
  std::string pattern;
};

/// fwrite() through the C library's buffer of the stream (a FILE with a buffer of
/// kernel.stdio_buffer bytes, glibc's st_blksize): each call copies `chunk` bytes into that user
/// space buffer (the CPU in user mode); when it is full the library write()s it. Until then the
/// bytes exist only in the process: a process crash loses them.
struct StdioWrite {
  std::string path;
  ByteSize chunk{4096};
  ByteSize bytes{0};
  std::string pattern;
};

/// fflush(): the C library write()s what its buffer of the stream holds.
struct StdioFlush {
  std::string path;
};

/// fsync(fd), fdatasync(fd) or sync_file_range(fd, 0, 0, WAIT_BEFORE | WRITE | WAIT_AFTER).
enum class SyncKind { fsync, fdatasync, sync_file_range };
const char* to_string(SyncKind kind);
struct FileSync {
  std::string path;
  SyncKind kind = SyncKind::fsync;
};

/// What dies: the process (its user memory, the C library's buffers), the kernel (also the page
/// cache; the disk keeps power and writes its cache out) or the power (also the disk's volatile
/// write cache).
enum class CrashKind { process, kernel, power };
const char* to_string(CrashKind kind);
/// A crash point in a program: when the process gets here, the crash happens and the run ends.
struct Crash {
  CrashKind kind = CrashKind::power;
};
/// A crash at a simulated time, wherever the processes are (the scenario's top-level `crash`).
struct CrashSpec {
  CrashKind kind = CrashKind::power;
  sc_core::sc_time at = sc_core::SC_ZERO_TIME;
};

struct Operation;

/// Asynchronous direct reads through io_uring (io_uring_setup, then io_uring_enter with a
/// submission and a completion ring shared with the kernel): `bytes` (0: to the end of the file)
/// from the file position in `chunk`s, at most `depth` in flight, into `depth` slots of the
/// buffer `into`. The file must be open with O_DIRECT. After each completion the application
/// works `compute` on the chunk (user mode) while the other reads go on, then queues the next
/// read in the freed slot; it calls io_uring_enter to submit what it queued, and to sleep for a
/// completion only when none is waiting in the ring.
struct UringRead {
  std::string path;
  ByteSize chunk{128ULL << 10};
  ByteSize bytes{0};
  std::uint64_t depth = 4;
  std::string into = "buf";
  sc_core::sc_time compute = sc_core::SC_ZERO_TIME;
};

/// `body` run `count` times in a row (a loop in the program, not `count` copies of it: a
/// million iterations cost no memory). Bodies may nest.
struct Repeat {
  std::uint64_t count = 1;
  std::vector<Operation> body;
};

using OperationVariant =
    std::variant<DeviceRead, Compute, Sleep, FileOpen, FileRead, FileSeek, FileAdvise, FileClose,
                 SocketConnect, ReadWrite, SendFile, MmapWrite, PipeCreate, Splice, Tee, FileWrite,
                 StdioWrite, StdioFlush, FileSync, Crash, UringRead, MmapFile, MapRead, MapWrite,
                 Msync, Munmap, ReadSendZerocopy, Vmsplice, Repeat>;

/// One step of a program. A struct rather than an alias so that Repeat can hold a list of them;
/// std::visit, std::get_if and std::holds_alternative work on it as on the variant.
struct Operation : OperationVariant {
  using OperationVariant::OperationVariant;
  using OperationVariant::operator=;
};

/// Whether `pred` holds for any operation of `program`, looking inside repeat loops.
template <class Pred>
bool any_operation(const std::vector<Operation>& program, Pred pred) {
  for (const Operation& op : program) {
    if (const auto* loop = std::get_if<Repeat>(&op)) {
      if (any_operation(loop->body, pred)) return true;
    } else if (pred(op)) {
      return true;
    }
  }
  return false;
}

struct ProcessSpec {
  std::string name;
  std::vector<Operation> program;
  /// Set-up before the program (opening files, connecting sockets): it runs like the program,
  /// but its records carry step "setup" and the transfer's metrics leave them out. (After
  /// `program`, so that {name, program} aggregates keep their meaning.)
  std::vector<Operation> setup;
};

/// A file of the simple extent-based file system (docs/models/kernel.md), created at set-up.
/// Its bytes: by default those already on the disk where the file system puts it (derived from
/// the run's seed); with `content_seed`, generated from that seed (payload stream of the file);
/// with `pattern`, that text repeated. Either is written to the disk at set-up, taking no time.
struct FileSpec {
  std::string path;
  ByteSize size{0};
  std::string device = "disk0";
  bool has_content_seed = false;
  std::uint64_t content_seed = 0;
  std::string pattern;
  /// cache: warm: every page is in the page cache, up to date, before the run starts.
  bool warm = false;
};

}  // namespace iosim::os
