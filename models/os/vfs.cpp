// The storage path of the simulated kernel: the extent-based file system, the VFS system calls
// (open, read, lseek, posix_fadvise, close), the page cache with read-ahead, and the block layer
// that reads pages from the disk by DMA. docs/models/kernel.md and docs/models/page-cache.md
// explain each step, its cost and its source.
//
// The decisions are the plain policy classes' (readahead.h, page_cache.h); this file spends the
// time: mode switches, VFS work, page lookups, DMA into page-cache frames, the CPU's copy to the
// user buffer.
#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "models/core/byte_order.h"
#include "models/core/payload.h"
#include "models/hw/disk.h"
#include "models/hw/dma_controller.h"
#include "models/os/kernel.h"
#include "models/os/kernel_internal.h"

namespace iosim::os {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr std::uint64_t kPage = Kernel::kPageSize;
/// Payload stream of a file's generated contents: files come after the disks' streams.
constexpr std::uint64_t kFileStreamBase = 0x100;
/// One DMA descriptor: address (8 bytes), count (4), flags (4); as the DMA model reads them.
constexpr std::uint64_t kDescriptorBytes = 16;
const char* const kPageCacheRegion = "page_cache";

std::string size_text(std::uint64_t bytes) {
  return format_size(ByteSize(bytes));
}

/// splitmix64 (Steele, Lea, Flood 2014): the random read order derives from the run's seed.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

const Kernel::File::Extent& Kernel::File::extent_of(std::uint64_t index) const {
  for (const Extent& e : extents) {
    if (index >= e.first_page && index < e.first_page + e.pages) return e;
  }
  throw hw::ModelError("kernel: page " + std::to_string(index) + " is beyond " + spec.path);
}

// --- Set-up: the file system -------------------------------------------------------------------

void Kernel::add_file(const FileSpec& spec) {
  for (const auto& f : files_) {
    if (f->spec.path == spec.path) throw std::invalid_argument("file " + spec.path + " exists");
  }
  unsigned disk = 0;
  if (spec.device.rfind("disk", 0) != 0 ||
      (disk = static_cast<unsigned>(std::stoul("0" + spec.device.substr(4)))) >=
          wiring_.disks.size()) {
    throw std::invalid_argument("file " + spec.path + ": no device " + spec.device);
  }
  const std::uint64_t sector = wiring_.sector_size;
  if (kPage % sector != 0) {
    throw std::invalid_argument("the file system needs sectors that divide 4 KiB pages");
  }
  const std::uint64_t sectors_per_page = kPage / sector;

  auto file = std::make_unique<File>();
  file->spec = spec;
  file->id = files_.size() + 1;
  file->disk = disk;
  file->stream = kFileStreamBase + file->id;
  file->pages = (spec.size.bytes + kPage - 1) / kPage;
  file->allocated_pages = file->pages;
  file->created_size = spec.size.bytes;

  // Allocation: files one after the other from fs_first_lba, page-aligned, in extents of at most
  // fs_max_extent (like ext4 extents on an empty disk).
  auto next = fs_next_lba_.find(disk);
  std::uint64_t lba = next != fs_next_lba_.end() ? next->second : params_.fs_first_lba;
  lba = (lba + sectors_per_page - 1) / sectors_per_page * sectors_per_page;
  const std::uint64_t max_extent_pages =
      std::max<std::uint64_t>(1, params_.fs_max_extent.bytes / kPage);
  for (std::uint64_t page = 0; page < file->pages;) {
    const std::uint64_t n = std::min(max_extent_pages, file->pages - page);
    file->extents.push_back(File::Extent{page, n, lba});
    page += n;
    lba += n * sectors_per_page;
  }
  if (lba > wiring_.disks[disk]->sector_count()) {
    throw std::invalid_argument("file " + spec.path + " does not fit on " + spec.device);
  }
  fs_next_lba_[disk] = lba;

  // Generated contents go onto the disk now; the default contents are the disk's own bytes.
  if (spec.has_content_seed || !spec.pattern.empty()) {
    std::vector<std::uint8_t> bytes;
    for (const File::Extent& e : file->extents) {
      bytes.assign(e.pages * kPage, 0);
      file_bytes(*file, e.first_page * kPage, bytes.data(), bytes.size());
      wiring_.disks[disk]->preload(e.lba, bytes.data(), bytes.size());
    }
  }

  context_.declare_region(kPageCacheRegion, trace::Layer::kernel, "page cache");
  files_.push_back(std::move(file));
  const File& added = *files_.back();
  if (spec.warm) {
    // A warm cache: the file was read before the run; its pages are up to date in memory.
    std::vector<std::uint8_t> page(kPage);
    for (std::uint64_t i = 0; i < added.pages; ++i) {
      const PageKey key{added.id, i};
      const std::uint64_t frame = insert_page(key);
      file_bytes(added, i * kPage, page.data(), kPage);
      wiring_.dram->poke(frame, page.data(), kPage);
      page_cache_.set_uptodate(key);
    }
  }
}

void Kernel::file_bytes(const File& file, std::uint64_t offset, std::uint8_t* out,
                        std::size_t n) const {
  const std::uint64_t size = file.created_size;
  std::fill(out, out + n, 0);  // beyond the end of the file: zeros, as in the page cache
  if (offset >= size) return;
  const std::size_t within = static_cast<std::size_t>(std::min<std::uint64_t>(n, size - offset));
  if (file.spec.has_content_seed) {
    fill_pattern(file.spec.content_seed, file.stream, offset, out, within);
  } else if (!file.spec.pattern.empty()) {
    const std::string& text = file.spec.pattern;
    for (std::size_t i = 0; i < within; ++i) {
      out[i] = static_cast<std::uint8_t>(text[(offset + i) % text.size()]);
    }
  } else {
    // The bytes on the disk where the file lives, read page by page.
    std::vector<std::uint8_t> page(kPage);
    const std::uint64_t sectors_per_page = kPage / wiring_.sector_size;
    for (std::size_t done = 0; done < within;) {
      const std::uint64_t at = offset + done;
      const std::uint64_t index = at / kPage;
      const File::Extent& e = file.extent_of(index);
      wiring_.disks[file.disk]->peek(e.lba + (index - e.first_page) * sectors_per_page, page.data(),
                                     kPage);
      const std::size_t from = static_cast<std::size_t>(at % kPage);
      const std::size_t k = std::min<std::size_t>(within - done, kPage - from);
      std::copy(page.begin() + from, page.begin() + from + k, out + done);
      done += k;
    }
  }
}

// --- The page cache -----------------------------------------------------------------------------

std::uint64_t Kernel::insert_page(const PageKey& key) {
  const AddResult added = page_cache_.add_page(key);
  if (!added.reclaim.evicted.empty()) {
    // Reclaim dropped clean pages: their frames go back to the free list, one Eviction record
    // per file. A page still under read I/O keeps its frame until the I/O is done.
    std::map<FileId, std::uint64_t> per_file;
    for (const PageKey& gone : added.reclaim.evicted) {
      ++per_file[gone.file];
      const auto frame = page_frames_.find(gone);
      if (frame == page_frames_.end()) continue;
      if (auto busy = pages_in_flight_.find(gone); busy != pages_in_flight_.end()) {
        busy->second->orphan_frames.push_back(frame->second);
        pages_in_flight_.erase(busy);
      } else {
        free_frames_.push_back(frame->second);
      }
      page_frames_.erase(frame);
    }
    for (const auto& [id, pages] : per_file) {
      trace::Record r;
      r.start = r.end = now_ps();
      r.actor = name();
      r.data = trace::Eviction{files_.at(id - 1)->spec.path, pages};
      context_.record(std::move(r));
    }
  }
  if (added.already_present) return page_frames_.at(key);
  if (!added.added) {
    throw hw::ModelError("kernel: the page cache is full of pages reclaim cannot free");
  }
  std::uint64_t frame = 0;
  if (!free_frames_.empty()) {
    frame = free_frames_.back();
    free_frames_.pop_back();
  } else {
    frame = allocate_frame();
    context_.name_memory(frame, kPage, kPageCacheRegion);
  }
  page_frames_[key] = frame;
  return frame;
}

void Kernel::wait_for_page(Process& p, const PageKey& key) {
  for (;;) {
    const PageState* state = page_cache_.find(key);
    if (state != nullptr && state->flags.uptodate) return;
    const auto busy = pages_in_flight_.find(key);
    if (busy == pages_in_flight_.end()) return;  // evicted meanwhile: the caller reads it again
    busy->second->waiters.push_back(&p);
    block(p);  // complete_block_request wakes us
  }
}

// --- The block layer ----------------------------------------------------------------------------

void Kernel::submit_readahead(Process& p, OpenFile& f, const ReadaheadIo& io) {
  File& file = *f.file;
  trace::Record r;
  r.start = r.end = now_ps();
  r.actor = p.spec.name;
  r.data = trace::Readahead{
      file.spec.path, io.start,
      io.pages,       io.pages * kPage,
      io.async,       io.marker_index ? static_cast<std::int64_t>(*io.marker_index) : -1};
  context_.record(std::move(r));

  for (std::uint64_t i = io.start; i < io.start + io.pages; ++i) insert_page(PageKey{file.id, i});
  // A cache smaller than the window reclaims pages of the window itself as it fills: only the
  // pages still in the cache are read (a reader that needs a dropped one reads it again).
  auto cached = [&](std::uint64_t i) { return page_frames_.count(PageKey{file.id, i}) != 0; };
  if (io.marker_index && cached(*io.marker_index)) {
    page_cache_.set_readahead_marker(PageKey{file.id, *io.marker_index}, true);
  }

  // One request per run of cached pages that is contiguous on the disk, at most one command
  // long. All are registered as in flight before any time passes, so that no reader finds a
  // page that is neither up to date nor being read.
  const std::uint64_t sectors_per_page = kPage / wiring_.sector_size;
  const std::uint64_t max_pages =
      std::max<std::uint64_t>(1, params_.max_sectors_per_command / sectors_per_page);
  const std::uint64_t end = io.start + io.pages;
  std::vector<std::unique_ptr<BlockRequest>> requests;
  for (std::uint64_t i = io.start; i < end;) {
    if (!cached(i)) {
      ++i;
      continue;
    }
    const File::Extent& e = file.extent_of(i);
    const std::uint64_t limit = std::min({i + max_pages, end, e.first_page + e.pages});
    std::uint64_t n = 0;
    while (i + n < limit && cached(i + n)) ++n;
    auto request = std::make_unique<BlockRequest>();
    request->disk = file.disk;
    request->file = &file;
    request->first_page = i;
    request->pages = n;
    request->lba = e.lba + (i - e.first_page) * sectors_per_page;
    request->async = io.async;
    request->submitter = &p;
    for (std::uint64_t k = i; k < i + n; ++k) {
      const PageKey key{file.id, k};
      request->frames.push_back(page_frames_.at(key));
      pages_in_flight_[key] = request.get();
    }
    requests.push_back(std::move(request));
    i += n;
  }
  for (std::unique_ptr<BlockRequest>& request : requests) {
    // Building the request (bio, request, queueing) is the driver's set-up work.
    cpu_.kernel_work(p.task, params_.driver_setup);
    request->submitted = now_ps();
    sc_time local = SC_ZERO_TIME;
    queue_block_request(std::move(request), local);
    cpu_.sync(&p.task, local);
  }
}

void Kernel::queue_block_request(std::unique_ptr<BlockRequest> request, sc_time& local) {
  auto& queue = block_queues_[request->disk];
  queue.push_back(std::move(request));
  if (queue.size() == 1) start_block_request(*queue.front(), local);
}

void Kernel::start_block_request(BlockRequest& request, sc_time& local) {
  using Dma = hw::DmaController;
  block_disk_by_line_[wiring_.disk_irq_lines.at(request.disk)] = request.disk;
  if (request.kind == BlockRequest::Kind::flush) {
    ata_flush(request.disk, local);
    return;
  }
  const bool writing = request.kind == BlockRequest::Kind::write;
  const std::uint64_t sector = wiring_.sector_size;
  // Physically contiguous pieces of the frames (or of a direct I/O's user buffer): one
  // descriptor each.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces = request.pieces;
  if (pieces.empty()) {
    for (std::uint64_t frame : request.frames) {
      if (!pieces.empty() && pieces.back().first + pieces.back().second == frame) {
        pieces.back().second += kPage;
      } else {
        pieces.emplace_back(frame, kPage);
      }
    }
  }
  std::uint64_t bytes = 0;
  for (const auto& piece : pieces) bytes += piece.second;
  std::uint32_t address = static_cast<std::uint32_t>(pieces.front().first);
  std::uint32_t chain = 0;
  if (pieces.size() > 1) {
    auto table_at = descriptor_tables_.find(request.disk);
    if (table_at == descriptor_tables_.end()) {
      // One table per disk, reused: a disk has one request in flight.
      const std::uint64_t most = params_.max_sectors_per_command * sector / kPage + 1;
      table_at =
          descriptor_tables_
              .emplace(request.disk, allocate_kernel(most * kDescriptorBytes, kDescriptorBytes))
              .first;
    }
    std::vector<std::uint8_t> table(pieces.size() * kDescriptorBytes, 0);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      store_le(&table[i * kDescriptorBytes], pieces[i].first, 8);
      store_le(&table[i * kDescriptorBytes + 8], pieces[i].second, 4);
      store_le(&table[i * kDescriptorBytes + 12], i + 1 == pieces.size() ? Dma::kDescriptorLast : 0,
               4);
    }
    cpu_.memory_write(table_at->second, table.data(), table.size(), local);
    address = static_cast<std::uint32_t>(table_at->second);
    chain = Dma::kModeChain;
  }
  const std::uint64_t channel = wiring_.dma_registers + wiring_.disk_dma_channels.at(request.disk) *
                                                            wiring_.dma_channel_stride;
  // Cycle stealing, as device_read's default: the page cache's reads share the bus with the CPU.
  cpu_.io_write(channel + Dma::kMask, 1, 4, local);
  cpu_.io_write(channel + Dma::kAddress, address, 4, local);
  cpu_.io_write(channel + Dma::kCount, static_cast<std::uint32_t>(bytes), 4, local);
  cpu_.io_write(
      channel + Dma::kMode,
      (writing ? Dma::kTypeMemoryToDevice : Dma::kTypeDeviceToMemory) | Dma::kSingle | chain, 4,
      local);
  cpu_.io_write(channel + Dma::kMask, 0, 4, local);
  const AtaOp op = !writing      ? AtaOp::read_dma
                   : request.fua ? AtaOp::write_dma_fua
                                 : AtaOp::write_dma;
  ata_issue(request.disk, request.lba, bytes / sector, op, true, local);
}

void Kernel::complete_block_request(unsigned disk, sc_time& local) {
  auto& queue = block_queues_[disk];
  const std::unique_ptr<BlockRequest> request = std::move(queue.front());
  queue.pop_front();
  block_disk_by_line_.erase(wiring_.disk_irq_lines.at(disk));

  // The handler reads the disk's status (clearing INTRQ) and the DMA channel's.
  const std::uint32_t status =
      cpu_.io_read(wiring_.disk_registers.at(disk) + ata::status, 1, local);
  const std::uint64_t channel =
      wiring_.dma_registers + wiring_.disk_dma_channels.at(disk) * wiring_.dma_channel_stride;
  const std::uint32_t dma_status = cpu_.io_read(channel + hw::DmaController::kStatus, 4, local);
  const bool flush = request->kind == BlockRequest::Kind::flush;
  if ((status & ata::status_error) ||
      (!flush && (!(dma_status & hw::DmaController::kStatusTerminalCount) ||
                  (dma_status & hw::DmaController::kStatusError)))) {
    throw hw::ModelError(
        "kernel: " +
        (flush ? std::string("FLUSH CACHE")
               : (request->kind == BlockRequest::Kind::write ? "writing " : "reading ") +
                     request->file->spec.path) +
        " on disk" + std::to_string(disk) + " failed");
  }
  if (request->kind != BlockRequest::Kind::read) {
    finish_write_request(*request, now_ps() + to_ps(local));
  } else {
    finish_read_request(*request, local);
  }
  // The completion starts the next queued request (the block layer's queue run). The handler
  // runs ahead of the clock; catch up first, so that the DMA controller has closed the
  // transfer that just ended before its channel is programmed again.
  if (!queue.empty()) {
    cpu_.sync(nullptr, local);
    start_block_request(*queue.front(), local);
  }
}

void Kernel::finish_read_request(BlockRequest& request_ref, sc_time& local) {
  BlockRequest* request = &request_ref;
  if (!request->page_cache) {
    // A direct read into a user buffer: no page to mark, the caller checks the bytes.
    if (request->on_complete) request->on_complete(now_ps() + to_ps(local));
    return;
  }
  for (std::uint64_t k = 0; k < request->pages; ++k) {
    const PageKey key{request->file->id, request->first_page + k};
    const auto busy = pages_in_flight_.find(key);
    if (busy == pages_in_flight_.end() || busy->second != request) continue;  // evicted
    pages_in_flight_.erase(busy);
    page_cache_.set_uptodate(key);
  }
  free_frames_.insert(free_frames_.end(), request->orphan_frames.begin(),
                      request->orphan_frames.end());
  const Picoseconds done = now_ps() + to_ps(local);
  narrate(*request->submitter, "copy-1",
          "2. The DMA controller moves pages " + std::to_string(request->first_page) + "-" +
              std::to_string(request->first_page + request->pages - 1) + " of " +
              request->file->spec.path + " from the disk into the page cache [copy-1: DMA]" +
              (request->async ? "; read-ahead: the reader does not wait for it" : ""),
          request->submitted, done);
  for (Process* waiter : request->waiters) wake(*waiter);
}

// --- System calls --------------------------------------------------------------------------------

Picoseconds Kernel::syscall_enter(Process& p, const std::string& name) {
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall " + name, cpu_.params().syscall_entry);
  return start;
}

void Kernel::syscall_return(Process& p, const std::string& name, Picoseconds start,
                            const std::string& args, std::int64_t result,
                            const std::string& error) {
  cpu_.return_to_user(p.task, "sysret " + name, cpu_.params().syscall_exit);
  trace::Record r;
  r.start = start;
  r.end = now_ps();
  r.actor = p.spec.name;
  r.step = p.task.step;
  r.data = trace::Syscall{p.spec.name, name, args, error.empty() ? result : -1, error};
  context_.record(std::move(r));
}

Kernel::OpenFile* Kernel::open_file(Process& p, const std::string& path) {
  const auto it = p.open_files.find(path);
  return it == p.open_files.end() ? nullptr : &it->second;
}

void Kernel::file_open(Process& p, const FileOpen& op) {
  const Picoseconds start = syscall_enter(p, "open");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  File* found = nullptr;
  for (const auto& f : files_) {
    if (f->spec.path == op.path) found = f.get();
  }
  std::int64_t fd = -1;
  std::string error;
  if (found == nullptr) {
    error = "ENOENT";
  } else {
    // A second open of the same path starts a fresh description (position 0, new read-ahead
    // state), as open() does; the process names its files by path, so it replaces the first.
    p.open_files.erase(op.path);
    fd = lowest_free_fd(p);
    OpenFile description;
    description.file = found;
    description.fd = fd;
    description.ra_pages = params_.read_ahead_kb * 1024 / kPage;
    description.flags = op.flags;
    p.open_files[op.path] = description;
  }
  syscall_return(p, "open", start, op.path + ", " + describe_open_flags(op.flags), fd, error);
}

void Kernel::file_close(Process& p, const FileClose& op) {
  const Picoseconds start = syscall_enter(p, "close");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const bool open = p.open_files.erase(op.path) != 0;
  syscall_return(p, "close", start, op.path, 0, open ? "" : "EBADF");
}

void Kernel::file_seek(Process& p, const FileSeek& op) {
  const Picoseconds start = syscall_enter(p, "lseek");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  OpenFile* f = open_file(p, op.path);
  if (f != nullptr) f->position = op.offset.bytes;
  syscall_return(p, "lseek", start, op.path + ", " + std::to_string(op.offset.bytes) + ", SEEK_SET",
                 static_cast<std::int64_t>(op.offset.bytes), f ? "" : "EBADF");
}

void Kernel::file_advise(Process& p, const FileAdvise& op) {
  const Picoseconds start = syscall_enter(p, "fadvise64");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  OpenFile* f = open_file(p, op.path);
  if (f != nullptr) {
    // mm/fadvise.c generic_fadvise().
    const std::uint64_t device_pages = params_.read_ahead_kb * 1024 / kPage;
    switch (op.advice) {
      case Advice::normal:
        f->ra_pages = device_pages;
        f->fadv_random = false;
        break;
      case Advice::sequential:
        f->ra_pages = 2 * device_pages;
        f->fadv_random = false;
        break;
      case Advice::random:
        f->fadv_random = true;
        break;
    }
  }
  syscall_return(p, "fadvise64", start,
                 op.path + ", 0, 0, POSIX_FADV_" +
                     (op.advice == Advice::normal       ? std::string("NORMAL")
                      : op.advice == Advice::sequential ? std::string("SEQUENTIAL")
                                                        : std::string("RANDOM")),
                 0, f ? "" : "EBADF");
}

void Kernel::file_read(Process& p, const FileRead& op) {
  OpenFile* f = open_file(p, op.path);
  Buffer& buffer = user_buffer(p, op.into, op.chunk.bytes);
  if (f == nullptr) {
    // read() on a file the process has not opened: one failed call.
    const Picoseconds start = syscall_enter(p, "read");
    cpu_.kernel_work(p.task, params_.file_syscall_work);
    syscall_return(p, "read", start,
                   op.path + ", " + buffer.region + ", " + size_text(op.chunk.bytes), -1, "EBADF");
    return;
  }
  const std::uint64_t size = f->file->spec.size.bytes;
  const std::uint64_t from = f->position;
  const std::uint64_t total =
      op.bytes.bytes != 0 ? op.bytes.bytes : (from < size ? size - from : 0);
  const std::uint64_t chunk = op.chunk.bytes;
  if (op.order == ReadOrder::sequential) {
    for (std::uint64_t done = 0; done < total;) {
      const std::uint64_t got = read_call(p, *f, std::min(chunk, total - done), buffer);
      if (got == 0) break;  // end of file
      done += got;
    }
    return;
  }
  // Random order: every chunk of the range once, shuffled (Fisher-Yates) from the run's seed.
  const std::uint64_t chunks = (total + chunk - 1) / chunk;
  std::vector<std::uint64_t> order(chunks);
  std::iota(order.begin(), order.end(), 0);
  for (std::uint64_t i = chunks; i > 1; --i) {
    const std::uint64_t draw = splitmix64(context_.seed() ^ splitmix64(++random_order_draws_));
    std::swap(order[i - 1], order[draw % i]);
  }
  for (std::uint64_t c : order) {
    file_seek(p, FileSeek{op.path, ByteSize(from + c * chunk)});
    read_call(p, *f, std::min(chunk, total - c * chunk), buffer);
  }
}

std::uint64_t Kernel::look_up_and_read_ahead(Process& p, OpenFile& f, std::uint64_t first,
                                             std::uint64_t pages) {
  const File& file = *f.file;
  cpu_.kernel_work(p.task, from_ps(to_ps(params_.page_lookup) * pages));
  std::uint64_t hits = 0;
  for (std::uint64_t i = first; i < first + pages; ++i) {
    hits += page_cache_.lookup(PageKey{file.id, i});
  }
  CacheView view;
  view.present = [this, &file](std::uint64_t i) {
    return page_cache_.contains(PageKey{file.id, i});
  };
  view.marked = [this, &file](std::uint64_t i) {
    return page_cache_.readahead_marker(PageKey{file.id, i});
  };
  const ReadaheadResult plan =
      f.readahead.on_read(first, pages, view, file.pages, f.ra_pages, f.fadv_random);
  for (const ReadaheadIo& io : plan.ios) submit_readahead(p, f, io);
  for (std::uint64_t marked : plan.markers_cleared) {
    const PageKey key{file.id, marked};
    if (page_cache_.contains(key)) page_cache_.set_readahead_marker(key, false);
  }
  return hits;
}

void Kernel::wait_uptodate(Process& p, OpenFile& f, std::uint64_t index) {
  const PageKey key{f.file->id, index};
  for (;;) {
    const PageState* state = page_cache_.find(key);
    if (state != nullptr && state->flags.uptodate) return;
    if (pages_in_flight_.count(key) == 0) {
      // Reclaim took the page before it was copied, or before its window's I/O started (a
      // cache smaller than the read and its windows): read it again on its own, as
      // filemap_read's retry would.
      submit_readahead(p, f, ReadaheadIo{index, 1, false, std::nullopt});
    }
    wait_for_page(p, key);
  }
}

void Kernel::record_cache_access(Process& p, const File& file, Picoseconds start,
                                 std::uint64_t first, std::uint64_t pages, std::uint64_t hits) {
  // What the call saw of the cache, and the file's pages in it now.
  const PageCache::FilePages counts = page_cache_.file_pages(file.id);
  const std::uint64_t resident = counts.resident, active = counts.active;
  trace::Record access;
  access.start = start;
  access.end = now_ps();
  access.actor = p.spec.name;
  access.data = trace::CacheAccess{p.spec.name, file.spec.path, first,    pages,
                                   hits,        pages - hits,   resident, active};
  context_.record(std::move(access));
}

std::uint64_t Kernel::read_call(Process& p, OpenFile& f, std::uint64_t bytes, Buffer& into) {
  if (f.flags.direct) return read_direct(p, f, into, bytes);
  File& file = *f.file;
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall read", cpu_.params().syscall_entry);
  narrate(p, "switch-1",
          "1. " + p.spec.name + " calls read(): the CPU switches from user to kernel mode", start,
          now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);

  const std::uint64_t size = file.spec.size.bytes;
  const std::uint64_t position = f.position;
  const std::uint64_t n = position < size ? std::min(bytes, size - position) : 0;
  const std::string args = file.spec.path + ", " + into.region + ", " + size_text(bytes);
  if (n == 0) {
    // At or past the end of the file: read() returns 0 at once.
    const Picoseconds returning = now_ps();
    syscall_return(p, "read", start, args, 0, "");
    narrate(p, "switch-2", "4. read() returns 0 (end of file): the CPU switches back to user mode",
            returning, now_ps());
    return 0;
  }
  const std::uint64_t first = position / kPage;
  const std::uint64_t last = (position + n - 1) / kPage;
  const std::uint64_t pages = last - first + 1;

  // filemap_read(): look the pages up, read ahead what is missing or marked, then copy.
  const std::uint64_t hits = look_up_and_read_ahead(p, f, first, pages);

  // copy-2: page by page, as each is up to date, from its frame to the user buffer.
  const Picoseconds copy_start = now_ps();
  CopyPieces copy(context_, cpu_.name(), "copy-2", context_.new_copy_id(), kPageCacheRegion,
                  into.region);
  std::vector<std::uint8_t> data(kPage);
  for (std::uint64_t i = first; i <= last; ++i) {
    const PageKey key{file.id, i};
    if (const PageState* state = page_cache_.find(key);
        state == nullptr || !state->flags.uptodate) {
      copy.end();
      wait_uptodate(p, f, i);
    }
    const std::uint64_t page_start = i * kPage;
    const std::uint64_t from = std::max(position, page_start);
    const std::uint64_t to = std::min(position + n, page_start + kPage);
    const std::uint64_t count = to - from;
    copy.begin();
    // The bytes move as the CPU's copy would move them; the copy's time is the work below (the
    // page is read first: while the copy runs, another process may make reclaim drop it).
    wiring_.dram->peek(page_frames_.at(key) + (from - page_start), data.data(), count);
    cpu_.kernel_work(p.task, cpu_.params().memcpy_bandwidth.transfer_time(count));
    poke_user(into, from - position, data.data(), count);
    copy.add(count);
    if (page_cache_.contains(key)) page_cache_.mark_accessed(key);
  }
  copy.end();
  narrate(p, "copy-2",
          "3. The CPU copies " + size_text(n) + " from the page cache to " + into.region +
              " [copy-2: CPU]",
          copy_start, now_ps());
  f.position = position + n;
  into.filled = n;

  record_cache_access(p, file, start, first, pages, hits);

  // The checker (no simulated time): the user buffer against the file's bytes.
  std::vector<std::uint8_t> expected(n), actual(n);
  written_bytes(file, position, expected.data(), n);
  peek_user(into, 0, actual.data(), n);
  check_bytes(p,
              file.spec.path + " bytes " + std::to_string(position) + "-" +
                  std::to_string(position + n - 1) + " -> " + into.region,
              expected, actual);

  const Picoseconds returning = now_ps();
  syscall_return(p, "read", start, args, static_cast<std::int64_t>(n), "");
  narrate(p, "switch-2", "4. read() returns: the CPU switches back to user mode", returning,
          now_ps());
  return n;
}

}  // namespace iosim::os
