// The write path of the simulated kernel: write() through the page cache and with O_DIRECT, the
// C library's stream buffers (fwrite, fflush), dirty pages and balance_dirty_pages(), the flusher
// thread (background and periodic writeback), fsync / fdatasync / sync_file_range / O_SYNC /
// O_DSYNC with FLUSH CACHE and FUA, and crashes: what a process crash, a kernel crash or a power
// loss leaves of every written file, layer by layer. docs/models/kernel.md ("The write path",
// "Durability and crashes") and docs/models/page-cache.md ("Dirty pages") give the formulas and
// the sources.
//
// The decisions are the plain policy functions' (writeback_policy.h); this file spends the time.
// The checker's bookkeeping (File::written, File::durable) takes no simulated time.
#include <algorithm>
#include <cmath>
#include <set>

#include "models/core/payload.h"
#include "models/hw/disk.h"
#include "models/os/kernel.h"
#include "models/os/kernel_internal.h"

namespace iosim::os {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr std::uint64_t kPage = Kernel::kPageSize;
const char* const kPageCacheRegion = "page_cache";
/// Payload streams of the bytes write() calls generate: one per call, after the disks' and the
/// files' streams.
constexpr std::uint64_t kWriteStreamBase = 1ULL << 32;
/// The dirty_ratelimit (and write bandwidth) the model assumes for every disk: Linux starts a
/// backing device at INIT_BW and then estimates it; the model keeps the initial value.
constexpr double kRatelimitPagesPerSecond =
    static_cast<double>(kInitBandwidthBytesPerSecond) / static_cast<double>(kPage);

std::string size_text(std::uint64_t bytes) {
  return format_size(ByteSize(bytes));
}

std::uint64_t ilog2(std::uint64_t x) {
  std::uint64_t r = 0;
  while (x >>= 1) ++r;
  return r;
}

/// dirty_poll_interval(): how many pages a task may dirty before it calls balance_dirty_pages()
/// again, when `dirty` is below `thresh` (mm/page-writeback.c): 1 << (ilog2(thresh - dirty) / 2).
std::uint64_t dirty_poll_interval(std::uint64_t dirty, std::uint64_t thresh) {
  if (thresh > dirty) return 1ULL << (ilog2(thresh - dirty) >> 1);
  return 1;
}

}  // namespace

std::string Kernel::describe_open_flags(const OpenFlags& flags) {
  std::string text = flags.write ? "O_RDWR" : "O_RDONLY";
  if (flags.append) text += "|O_APPEND";
  if (flags.sync) text += "|O_SYNC";
  if (flags.dsync) text += "|O_DSYNC";
  if (flags.direct) text += "|O_DIRECT";
  return text;
}

// --- Bytes as each layer has them (the checker; no simulated time) ----------------------------

void Kernel::peek_user(const Buffer& buffer, std::uint64_t offset, std::uint8_t* out,
                       std::uint64_t n) const {
  for (const auto& [address, k] : segments(buffer, offset, n)) {
    wiring_.dram->peek(address, out, k);
    out += k;
  }
}

void Kernel::poke_user(const Buffer& buffer, std::uint64_t offset, const std::uint8_t* in,
                       std::uint64_t n) {
  for (const auto& [address, k] : segments(buffer, offset, n)) {
    wiring_.dram->poke(address, in, k);
    in += k;
  }
}

void Kernel::app_page(const File& file, std::uint64_t index, std::uint8_t* out) const {
  if (const auto it = file.written.find(index); it != file.written.end()) {
    std::copy(it->second.begin(), it->second.end(), out);
  } else {
    file_bytes(file, index * kPage, out, kPage);
  }
}

void Kernel::written_bytes(const File& file, std::uint64_t offset, std::uint8_t* out,
                           std::size_t n) const {
  std::vector<std::uint8_t> page(kPage);
  for (std::size_t done = 0; done < n;) {
    const std::uint64_t at = offset + done;
    const std::size_t within = static_cast<std::size_t>(at % kPage);
    const std::size_t k = std::min<std::size_t>(n - done, kPage - within);
    app_page(file, at / kPage, page.data());
    std::copy(page.begin() + within, page.begin() + within + k, out + done);
    done += k;
  }
}

std::vector<std::uint8_t>& Kernel::written_page(File& file, std::uint64_t index) {
  auto [it, inserted] = file.written.try_emplace(index);
  if (inserted) {
    it->second.resize(kPage);
    file_bytes(file, index * kPage, it->second.data(), kPage);
  }
  return it->second;
}

void Kernel::mark_written(File& file, std::uint64_t index, std::uint64_t from, std::uint64_t n) {
  std::vector<bool>& mask = file.written_mask[index];
  mask.resize(kPage, false);
  std::fill(mask.begin() + static_cast<std::ptrdiff_t>(from),
            mask.begin() + static_cast<std::ptrdiff_t>(from + n), true);
}

void Kernel::disk_page(const File& file, std::uint64_t index, std::uint8_t* out,
                       std::optional<Picoseconds> power_lost_at) const {
  if (index >= file.allocated_pages) {
    // No block holds the page: a reader finds a hole (zeros).
    std::fill(out, out + kPage, 0);
    return;
  }
  const File::Extent& e = file.extent_of(index);
  const std::uint64_t lba = e.lba + (index - e.first_page) * (kPage / wiring_.sector_size);
  const hw::Disk& disk = *wiring_.disks[file.disk];
  if (power_lost_at) {
    disk.peek_after_power_loss(lba, out, kPage, *power_lost_at);
  } else {
    disk.peek(lba, out, kPage);
  }
}

void Kernel::kernel_page(const File& file, std::uint64_t index, std::uint8_t* out) const {
  const PageKey key{file.id, index};
  const PageState* state = page_cache_.find(key);
  const auto frame = page_frames_.find(key);
  if (state != nullptr && state->flags.uptodate && frame != page_frames_.end()) {
    wiring_.dram->peek(frame->second, out, kPage);
  } else {
    disk_page(file, index, out, std::nullopt);
  }
}

// --- Growing files ------------------------------------------------------------------------------

bool Kernel::allocate_pages(File& file, std::uint64_t pages) {
  if (pages <= file.allocated_pages) return true;
  const std::uint64_t sectors_per_page = kPage / wiring_.sector_size;
  const std::uint64_t need = pages - file.allocated_pages;
  auto next = fs_next_lba_.find(file.disk);
  std::uint64_t lba = next != fs_next_lba_.end() ? next->second : params_.fs_first_lba;
  lba = (lba + sectors_per_page - 1) / sectors_per_page * sectors_per_page;
  if (lba + need * sectors_per_page > wiring_.disks[file.disk]->sector_count()) return false;
  const std::uint64_t max_extent_pages =
      std::max<std::uint64_t>(1, params_.fs_max_extent.bytes / kPage);
  std::uint64_t page = file.allocated_pages;
  std::uint64_t left = need;
  // The file was the last one placed: its last extent grows in place (ext4's goal block).
  if (!file.extents.empty()) {
    File::Extent& last = file.extents.back();
    if (last.lba + last.pages * sectors_per_page == lba && last.pages < max_extent_pages) {
      const std::uint64_t n = std::min(left, max_extent_pages - last.pages);
      last.pages += n;
      page += n;
      left -= n;
      lba += n * sectors_per_page;
    }
  }
  while (left > 0) {
    const std::uint64_t n = std::min(left, max_extent_pages);
    file.extents.push_back(File::Extent{page, n, lba});
    page += n;
    left -= n;
    lba += n * sectors_per_page;
  }
  fs_next_lba_[file.disk] = lba;
  file.allocated_pages = pages;
  return true;
}

// --- write() ------------------------------------------------------------------------------------

void Kernel::fill_user_bytes(Buffer& buffer, std::uint64_t n, const std::string& pattern) {
  // The application's own work of producing the bytes takes no simulated time (a `compute`
  // models it); the bytes are real: a pattern, or a fresh payload stream per call.
  std::vector<std::uint8_t> bytes(n);
  if (!pattern.empty()) {
    for (std::uint64_t i = 0; i < n; ++i)
      bytes[i] = static_cast<std::uint8_t>(pattern[i % pattern.size()]);
  } else {
    fill_pattern(context_.seed(), kWriteStreamBase + ++write_calls_, 0, bytes.data(), n);
  }
  poke_user(buffer, 0, bytes.data(), n);
}

void Kernel::file_write(Process& p, const FileWrite& op) {
  Buffer& buffer = user_buffer(p, op.from, op.chunk.bytes);
  OpenFile* f = open_file(p, op.path);
  const std::uint64_t total = op.bytes.bytes != 0 ? op.bytes.bytes : op.chunk.bytes;
  for (std::uint64_t done = 0; done < total && !crashed_;) {
    const std::uint64_t n = std::min(op.chunk.bytes, total - done);
    fill_user_bytes(buffer, n, op.pattern);
    std::string error;
    if (f == nullptr) {
      failed_write(p, op.path + ", " + buffer.region + ", " + size_text(n), "EBADF");
      return;
    }
    const std::uint64_t wrote = file_write_call(p, *f, buffer, n, error);
    if (wrote == 0) return;  // the call failed (its Syscall record says why)
    done += wrote;
  }
}

void Kernel::failed_write(Process& p, const std::string& args, const std::string& error) {
  const Picoseconds start = syscall_enter(p, "write");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  syscall_return(p, "write", start, args, -1, error);
}

std::uint64_t Kernel::file_write_call(Process& p, OpenFile& f, Buffer& from, std::uint64_t n,
                                      std::string& error) {
  File& file = *f.file;
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall write", cpu_.params().syscall_entry);
  narrate(p, "switch-1",
          "1. " + p.spec.name + " calls write(): the CPU switches from user to kernel mode", start,
          now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const std::string args = file.spec.path + ", " + from.region + ", " + size_text(n);
  const std::uint64_t position = f.flags.append ? file.spec.size.bytes : f.position;
  const std::uint64_t sector = wiring_.sector_size;

  auto fail = [&](const std::string& why) {
    error = why;
    const Picoseconds returning = now_ps();
    syscall_return(p, "write", start, args, -1, why);
    narrate(p, "switch-2", "write() fails with " + why + ": the CPU switches back to user mode",
            returning, now_ps());
    return std::uint64_t{0};
  };
  if (!f.flags.write) return fail("EBADF");
  if (f.flags.direct && (position % sector != 0 || n % sector != 0)) {
    // O_DIRECT needs the offset, the length and the buffer aligned to the logical block size
    // (the buffer is: user buffers start on a page).
    return fail("EINVAL");
  }
  const std::uint64_t end = position + n;
  if (!allocate_pages(file, (end + kPage - 1) / kPage)) return fail("ENOSPC");

  if (f.flags.direct) {
    write_direct(p, f, from, position, n);
  } else {
    write_to_page_cache(p, f, from, position, n);
  }
  f.position = end;

  if (f.flags.sync || f.flags.dsync) {
    // generic_write_sync(): an O_SYNC / O_DSYNC write returns once it is durable. A direct write
    // went out with FUA (no flush needed for its own data); a buffered one is synced like fsync
    // (O_SYNC) or fdatasync (O_DSYNC) of the range.
    const std::string how = std::string(f.flags.direct ? "O_DIRECT|" : "") +
                            (f.flags.sync ? "O_SYNC" : "O_DSYNC") + " write";
    if (f.flags.direct) {
      if (f.flags.sync || file.size_dirty) write_metadata(p, file);
      const Picoseconds done =
          f.flags.sync || file.size_dirty ? flush_disk(p, file.disk) : now_ps();
      claim_durable(file, position / kPage, (end - 1) / kPage, file.written, done, how);
    } else {
      sync_file(p, file, true, f.flags.sync, how);
    }
  }
  const Picoseconds returning = now_ps();
  syscall_return(p, "write", start, args, static_cast<std::int64_t>(n), "");
  narrate(p, "switch-2",
          f.flags.direct || f.flags.sync || f.flags.dsync
              ? "write() returns: the CPU switches back to user mode"
              : "write() returns: the CPU switches back to user mode; the data is in memory only "
                "(dirty pages), not yet on the disk",
          returning, now_ps());
  // The kernel is not preemptible here: a writer that never blocks lets a woken flusher run
  // between its calls (cond_resched on the way out).
  if (flusher_ != nullptr && flusher_->state == Process::State::runnable) yield(p, "cond_resched");
  return n;
}

void Kernel::write_to_page_cache(Process& p, OpenFile& f, Buffer& from, std::uint64_t position,
                                 std::uint64_t n) {
  File& file = *f.file;
  const std::uint64_t old_size = file.spec.size.bytes;
  const std::uint64_t end = position + n;
  const std::uint64_t first = position / kPage;
  const std::uint64_t last = (end - 1) / kPage;

  // generic_perform_write(): page by page, write_begin (find or create the page, read it first
  // when the write covers only part of data that exists), copy_from_user, write_end (dirty it).
  const Picoseconds copy_start = now_ps();
  CopyPieces copy(context_, cpu_.name(), "copy-1", context_.new_copy_id(), from.region,
                  kPageCacheRegion);
  std::uint64_t pages_dirtied = 0;
  std::vector<std::uint8_t> data(kPage);
  for (std::uint64_t i = first; i <= last; ++i) {
    const PageKey key{file.id, i};
    const std::uint64_t page_start = i * kPage;
    const std::uint64_t lo = std::max(position, page_start);
    const std::uint64_t hi = std::min(end, page_start + kPage);
    const bool whole = lo == page_start && hi == page_start + kPage;
    // Nothing of the page exists yet on the disk: it starts as zeros, no read.
    const bool new_page = page_start >= old_size;
    cpu_.kernel_work(p.task, params_.page_lookup);
    for (;;) {
      const PageState* state = page_cache_.find(key);
      if (state != nullptr && state->flags.uptodate) break;
      if (pages_in_flight_.count(key) != 0) {
        copy.end();
        wait_for_page(p, key);
        continue;
      }
      if (whole || new_page) {
        const std::uint64_t frame = insert_page(key);
        if (!whole) {
          std::vector<std::uint8_t> zeros(kPage, 0);
          wiring_.dram->poke(frame, zeros.data(), kPage);
        }
        page_cache_.set_uptodate(key);
        break;
      }
      copy.end();
      wait_uptodate(p, f, i);  // a partial write of existing data reads the page first
    }
    // Stable pages: a page the disk is reading by DMA is not changed under it.
    if (pages_under_writeback_.count(key) != 0) {
      copy.end();
      wait_for_writeback(p, key);
    }
    const std::uint64_t count = hi - lo;
    copy.begin();
    peek_user(from, lo - position, data.data(), count);
    cpu_.kernel_work(p.task, cpu_.params().memcpy_bandwidth.transfer_time(count));
    cpu_.kernel_work(p.task, params_.page_dirty_work);
    wiring_.dram->poke(page_frames_.at(key) + (lo - page_start), data.data(), count);
    copy.add(count);
    const bool was_dirty = page_cache_.find(key)->flags.dirty;
    page_cache_.mark_dirty(key, now_ps());
    pages_dirtied += !was_dirty;
    // The checker: the application's view of the page, and no claim on it any longer.
    std::vector<std::uint8_t>& mine = written_page(file, i);
    std::copy(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(count),
              mine.begin() + static_cast<std::ptrdiff_t>(lo - page_start));
    mark_written(file, i, lo - page_start, count);
    file.durable.erase(i);
  }
  copy.end();
  if (end > old_size) {
    file.spec.size = ByteSize(end);
    file.pages = (end + kPage - 1) / kPage;
    file.size_dirty = true;
  }
  narrate(p, "copy-1",
          "2. The CPU copies " + size_text(n) + " from " + from.region +
              " into the page cache [copy-1: CPU]; the pages are dirty: newer than the disk",
          copy_start, now_ps());

  // The checker: the page cache holds what the application handed over.
  std::vector<std::uint8_t> expected(n), actual(n), page(kPage);
  written_bytes(file, position, expected.data(), n);
  for (std::uint64_t done = 0; done < n;) {
    const std::uint64_t at = position + done;
    const std::uint64_t within = at % kPage;
    const std::uint64_t k = std::min<std::uint64_t>(n - done, kPage - within);
    kernel_page(file, at / kPage, page.data());
    std::copy(page.begin() + within, page.begin() + within + k, actual.begin() + done);
    done += k;
  }
  check_bytes(p,
              from.region + " -> " + file.spec.path + " bytes " + std::to_string(position) + "-" +
                  std::to_string(end - 1) + " (page cache)",
              expected, actual);

  record_dirty_state(now_ps());
  balance_dirty(p, pages_dirtied);
}

// --- Dirty pages: thresholds, throttling ---------------------------------------------------------

DirtyThresholds Kernel::dirty_thresholds() const {
  // The dirtyable memory of the model's machine is the page cache's own capacity: its free
  // pages plus the file pages it holds (global_dirtyable_memory with no reserves).
  const std::uint64_t capacity = page_cache_.capacity_pages();
  const std::uint64_t used = page_cache_.size();
  const std::uint64_t dirtyable =
      global_dirtyable_memory(capacity > used ? capacity - used : 0, 0, page_cache_.active_pages(),
                              page_cache_.inactive_pages());
  return domain_dirty_limits(dirtyable, params_.dirty);
}

void Kernel::record_dirty_state(Picoseconds at) {
  if (!write_path_used_) return;
  const DirtyThresholds t = dirty_thresholds();
  trace::Record r;
  r.start = r.end = at;
  r.actor = name();
  r.data =
      trace::DirtyState{page_cache_.dirty_pages() * kPage, page_cache_.writeback_pages() * kPage,
                        t.bg_thresh * kPage, t.thresh * kPage};
  context_.record(std::move(r));
}

void Kernel::balance_dirty(Process& p, std::uint64_t pages_dirtied) {
  // balance_dirty_pages_ratelimited(): a task calls into the throttle only after it has dirtied
  // nr_dirtied_pause pages.
  p.nr_dirtied += pages_dirtied;
  if (p.nr_dirtied < p.nr_dirtied_pause) return;
  for (;;) {
    const DirtyThresholds t = dirty_thresholds();
    const std::uint64_t nr_dirty = page_cache_.dirty_pages();
    const std::uint64_t nr_writeback = page_cache_.writeback_pages();
    const ThrottleDecision d =
        balance_dirty_pages(nr_dirty, nr_writeback, t, p.nr_dirtied, kRatelimitPagesPerSecond);
    if (d.start_background) kick_flusher();
    if (d.freerun || d.pause == 0) {
      p.nr_dirtied = 0;
      p.nr_dirtied_pause = std::max<std::uint64_t>(
          1, dirty_poll_interval(nr_dirty + nr_writeback, dirty_freerun_ceiling(t)));
      return;
    }
    // Paused in the kernel (io_schedule_timeout): the writer sleeps, the flusher and the disk
    // work.
    const Picoseconds start = now_ps();
    kick_flusher();
    block_for(p, d.pause, "throttle");
    trace::Record r;
    r.start = start;
    r.end = now_ps();
    r.actor = p.spec.name;
    r.data = trace::Throttle{p.spec.name, (nr_dirty + nr_writeback) * kPage, d.pos_ratio};
    context_.record(std::move(r));
    narrate(p, "throttle",
            "balance_dirty_pages() pauses " + p.spec.name + " for " +
                format_time(from_ps(r.end - start)) + ": " +
                size_text((nr_dirty + nr_writeback) * kPage) +
                " dirty or under writeback, above "
                "the freerun point " +
                size_text(dirty_freerun_ceiling(t) * kPage) + " (limit " +
                size_text(t.thresh * kPage) + ")",
            start, now_ps());
    p.nr_dirtied = 0;
    p.nr_dirtied_pause = 1;
    if (crashed_) return;
    // dirty_exceeded: a writer over the hard limit keeps pausing until it is under it.
    if (page_cache_.dirty_pages() + page_cache_.writeback_pages() <= t.thresh) return;
  }
}

// --- Sleeping in the kernel
// ------------------------------------------------------------------------

bool Kernel::block_for(Process& p, std::optional<Picoseconds> timeout, const std::string& reason) {
  if (p.state == Process::State::running) {
    p.state = Process::State::blocked;
    Process* next = pop_runnable();
    cpu_.switch_to(next ? &next->task : nullptr, reason);
    cpu_.release(p.task);
  } else {
    p.state = Process::State::blocked;
  }
  const Picoseconds deadline = timeout ? now_ps() + *timeout : 0;
  bool woken = true;
  while (p.state == Process::State::blocked) {
    if (!timeout) {
      sc_core::wait(p.wake);
      continue;
    }
    if (now_ps() >= deadline) {
      p.state = Process::State::runnable;
      run_queue_.push_back(&p);
      woken = false;
      break;
    }
    sc_core::wait(from_ps(deadline - now_ps()), p.wake);
  }
  wait_to_run(p);
  return woken;
}

// --- The flusher thread
// ----------------------------------------------------------------------------

void Kernel::start_flusher() {
  ProcessSpec spec;
  spec.name = "flusher";
  auto flusher = std::make_unique<Process>(spec);
  flusher->finite = false;
  flusher->kernel_thread = true;
  flusher->task.in_kernel = true;  // a kernel thread never runs user code
  flusher->state = Process::State::blocked;
  flusher_ = flusher.get();
  processes_.push_back(std::move(flusher));
  sc_core::sc_spawn([this] { flusher_main(*flusher_); }, "flusher");
}

void Kernel::kick_flusher() {
  if (flusher_ == nullptr) return;
  flusher_kicked_ = true;
  wake(*flusher_);
}

void Kernel::flusher_main(Process& p) {
  // wb_workfn(): woken by a writer over the background threshold (wb_start_background_writeback)
  // or by its timer every dirty_writeback_interval (wb_check_old_data_flush).
  for (;;) {
    if (!flusher_kicked_) {
      std::optional<Picoseconds> timeout;
      const Picoseconds interval = to_ps(params_.dirty.dirty_writeback_interval);
      if (interval > 0) {
        const Picoseconds due = last_periodic_writeback_ + interval;
        timeout = due > now_ps() ? due - now_ps() : 0;
      }
      block_for(p, timeout, "flusher sleeps");
    }
    if (crashed_) return;
    flusher_kicked_ = false;
    cpu_.kernel_work(p.task, params_.flusher_work);
    const Picoseconds now = now_ps();
    if (periodic_writeback_due(last_periodic_writeback_, now, params_.dirty)) {
      last_periodic_writeback_ = now;
      // kupdate: every inode dirtied longer than dirty_expire_interval ago, all its pages.
      for (FileId id : page_cache_.dirty_files()) {
        const auto first = page_cache_.first_dirtied(id);
        if (!first || !expired(*first, now, params_.dirty)) continue;
        File& file = *files_.at(id - 1);
        const std::vector<std::uint64_t> indices = page_cache_.dirty_indices(id);
        if (indices.empty()) continue;
        wait_for_batch(p, submit_writeback(p, file, indices, "periodic"));
        if (crashed_) return;
      }
    }
    // Background writeback while NR_FILE_DIRTY is over the background threshold: the oldest
    // dirty inode first, one writeback_chunk_size() at a time.
    while (background_needed(page_cache_.dirty_pages(), dirty_thresholds())) {
      const std::vector<FileId> dirty = page_cache_.dirty_files();
      if (dirty.empty()) break;
      File& file = *files_.at(dirty.front() - 1);
      const std::uint64_t chunk = writeback_chunk_pages(
          page_cache_.dirty_pages(), static_cast<std::uint64_t>(kRatelimitPagesPerSecond),
          dirty_thresholds().thresh, false, ByteSize(kPage));
      std::vector<std::uint64_t> indices = page_cache_.dirty_indices(file.id);
      if (indices.size() > chunk) indices.resize(chunk);
      wait_for_batch(p, submit_writeback(p, file, indices, "background"));
      if (crashed_) return;
    }
  }
}

// --- The block layer for writes ------------------------------------------------------------------

std::shared_ptr<Kernel::IoBatch> Kernel::submit_writeback(Process& p, File& file,
                                                          const std::vector<std::uint64_t>& indices,
                                                          const std::string& reason) {
  auto batch = std::make_shared<IoBatch>();
  const std::uint64_t sectors_per_page = kPage / wiring_.sector_size;
  const std::uint64_t max_pages =
      std::max<std::uint64_t>(1, params_.max_sectors_per_command / sectors_per_page);
  std::vector<std::unique_ptr<BlockRequest>> requests;
  for (std::size_t at = 0; at < indices.size();) {
    const std::uint64_t i = indices[at];
    const File::Extent& e = file.extent_of(i);
    const std::uint64_t limit = std::min(i + max_pages, e.first_page + e.pages);
    std::uint64_t n = 1;
    while (at + n < indices.size() && indices[at + n] == i + n && i + n < limit) ++n;
    auto request = std::make_unique<BlockRequest>();
    request->kind = BlockRequest::Kind::write;
    request->reason = reason;
    request->disk = file.disk;
    request->file = &file;
    request->first_page = i;
    request->pages = n;
    request->lba = e.lba + (i - e.first_page) * sectors_per_page;
    request->submitter = &p;
    for (std::uint64_t k = i; k < i + n; ++k) {
      const PageKey key{file.id, k};
      // folio_clear_dirty_for_io + folio_start_writeback.
      page_cache_.start_writeback(key);
      request->frames.push_back(page_frames_.at(key));
      pages_under_writeback_[key] = request.get();
    }
    ++batch->pending;
    request->on_complete = completion_of(batch);
    trace::Record r;
    r.start = r.end = now_ps();
    r.actor = p.spec.name;
    r.data = trace::Writeback{file.spec.path, i, n, n * kPage, reason};
    context_.record(std::move(r));
    requests.push_back(std::move(request));
    at += n;
  }
  record_dirty_state(now_ps());
  for (std::unique_ptr<BlockRequest>& request : requests) {
    cpu_.kernel_work(p.task, params_.driver_setup);
    request->submitted = now_ps();
    sc_time local = SC_ZERO_TIME;
    queue_block_request(std::move(request), local);
    cpu_.sync(&p.task, local);
  }
  return batch;
}

std::shared_ptr<Kernel::IoBatch> Kernel::submit_direct(Process& p, File& file, Buffer& buffer,
                                                       std::uint64_t position, std::uint64_t n,
                                                       BlockRequest::Kind kind, bool fua,
                                                       std::uint64_t buffer_offset,
                                                       std::function<void(Picoseconds)> then) {
  auto batch = std::make_shared<IoBatch>();
  batch->then = std::move(then);
  const std::uint64_t sector = wiring_.sector_size;
  const std::uint64_t max_bytes = params_.max_sectors_per_command * sector;
  std::vector<std::unique_ptr<BlockRequest>> requests;
  for (std::uint64_t off = position; off < position + n;) {
    const std::uint64_t index = off / kPage;
    const File::Extent& e = file.extent_of(index);
    const std::uint64_t extent_end = (e.first_page + e.pages) * kPage;
    const std::uint64_t k = std::min({position + n, extent_end, off + max_bytes}) - off;
    auto request = std::make_unique<BlockRequest>();
    request->kind = kind;
    request->fua = fua;
    request->page_cache = false;
    request->reason = "direct";
    request->disk = file.disk;
    request->file = &file;
    request->first_page = index;
    request->pages = (off + k - 1) / kPage - index + 1;
    request->lba = e.lba + (off - e.first_page * kPage) / sector;
    request->pieces = segments(buffer, buffer_offset + off - position, k);
    request->submitter = &p;
    ++batch->pending;
    request->on_complete = completion_of(batch);
    if (kind == BlockRequest::Kind::write) {
      trace::Record r;
      r.start = r.end = now_ps();
      r.actor = p.spec.name;
      r.data =
          trace::Writeback{file.spec.path, index, request->pages, k, fua ? "direct+fua" : "direct"};
      context_.record(std::move(r));
    }
    requests.push_back(std::move(request));
    off += k;
  }
  for (std::unique_ptr<BlockRequest>& request : requests) {
    cpu_.kernel_work(p.task, params_.driver_setup);
    request->submitted = now_ps();
    sc_time local = SC_ZERO_TIME;
    queue_block_request(std::move(request), local);
    cpu_.sync(&p.task, local);
  }
  return batch;
}

std::function<void(Picoseconds)> Kernel::completion_of(const std::shared_ptr<IoBatch>& batch) {
  // One request of the batch done (from the completion interrupt): the last one wakes the
  // waiters and runs the batch's continuation.
  return [this, batch](Picoseconds done) {
    batch->completed = std::max(batch->completed, done);
    if (--batch->pending > 0) return;
    for (Process* waiter : batch->waiters) wake(*waiter);
    batch->waiters.clear();
    if (batch->then) batch->then(done);
  };
}

void Kernel::wait_for_batch(Process& p, const std::shared_ptr<IoBatch>& batch) {
  while (batch->pending > 0 && !crashed_) {
    batch->waiters.push_back(&p);
    block(p);
  }
}

void Kernel::wait_for_writeback(Process& p, const PageKey& key) {
  for (auto it = pages_under_writeback_.find(key); it != pages_under_writeback_.end() && !crashed_;
       it = pages_under_writeback_.find(key)) {
    it->second->waiters.push_back(&p);
    block(p);
  }
}

void Kernel::wait_for_file_writeback(Process& p, const File& file) {
  for (;;) {
    const auto it = pages_under_writeback_.lower_bound(PageKey{file.id, 0});
    if (it == pages_under_writeback_.end() || it->first.file != file.id || crashed_) return;
    wait_for_writeback(p, it->first);
  }
}

void Kernel::finish_write_request(BlockRequest& request, Picoseconds done) {
  if (request.kind == BlockRequest::Kind::write && request.page_cache) {
    for (std::uint64_t k = 0; k < request.pages; ++k) {
      const PageKey key{request.file->id, request.first_page + k};
      const auto it = pages_under_writeback_.find(key);
      if (it == pages_under_writeback_.end() || it->second != &request) continue;
      pages_under_writeback_.erase(it);
      page_cache_.end_writeback(key);
    }
    narrate(*request.submitter, "writeback",
            "The DMA controller moves pages " + std::to_string(request.first_page) + "-" +
                std::to_string(request.first_page + request.pages - 1) + " of " +
                request.file->spec.path + " from the page cache to the disk [" + request.reason +
                " writeback: DMA]",
            request.submitted, done);
  }
  for (Process* waiter : request.waiters) wake(*waiter);
  if (request.on_complete) request.on_complete(done);
  if (request.page_cache && request.kind == BlockRequest::Kind::write) record_dirty_state(done);
}

Picoseconds Kernel::flush_disk(Process& p, unsigned disk) {
  // Linux sends REQ_PREFLUSH only to a queue with a volatile write cache (blk_queue_write_cache,
  // from the drive's IDENTIFY data); a write-through drive needs none.
  if (!wiring_.disks[disk]->write_back_cache()) return now_ps();
  auto batch = std::make_shared<IoBatch>();
  auto request = std::make_unique<BlockRequest>();
  request->kind = BlockRequest::Kind::flush;
  request->page_cache = false;
  request->disk = disk;
  request->submitter = &p;
  batch->pending = 1;
  request->on_complete = completion_of(batch);
  const Picoseconds start = now_ps();
  cpu_.kernel_work(p.task, params_.driver_setup);
  request->submitted = now_ps();
  sc_time local = SC_ZERO_TIME;
  queue_block_request(std::move(request), local);
  cpu_.sync(&p.task, local);
  wait_for_batch(p, batch);
  narrate(p, "flush",
          "FLUSH CACHE: the disk writes its volatile cache to the media; until it answers, "
          "acknowledged writes can still be lost in a power cut",
          start, batch->completed);
  return batch->completed;
}

void Kernel::write_metadata(Process& p, File& file) {
  // The file system's metadata (inode: size, blocks, times) goes to the disk as one block of
  // the journal, before the flush (ext4 ordered mode: data first, then the journal commit).
  if (journal_frame_ == 0) {
    journal_frame_ = allocate_frame();
    context_.declare_region("journal", trace::Layer::kernel, "file system journal block");
    context_.name_memory(journal_frame_, kPage, "journal");
  }
  const std::uint64_t sectors_per_page = kPage / wiring_.sector_size;
  auto batch = std::make_shared<IoBatch>();
  auto request = std::make_unique<BlockRequest>();
  request->kind = BlockRequest::Kind::write;
  request->page_cache = false;
  request->reason = "journal";
  request->disk = file.disk;
  request->file = &file;
  request->lba = params_.fs_first_lba - sectors_per_page;
  request->pieces = {{journal_frame_, kPage}};
  request->submitter = &p;
  batch->pending = 1;
  request->on_complete = completion_of(batch);
  trace::Record r;
  r.start = r.end = now_ps();
  r.actor = p.spec.name;
  r.data = trace::Writeback{file.spec.path, 0, 0, kPage, "journal"};
  context_.record(std::move(r));
  cpu_.kernel_work(p.task, params_.driver_setup);
  request->submitted = now_ps();
  sc_time local = SC_ZERO_TIME;
  queue_block_request(std::move(request), local);
  cpu_.sync(&p.task, local);
  wait_for_batch(p, batch);
  file.size_dirty = false;
}

// --- O_DIRECT
// --------------------------------------------------------------------------------------

void Kernel::write_back_range(Process& p, File& file, std::uint64_t first, std::uint64_t last) {
  // filemap_write_and_wait_range(): the cached pages of the range reach the disk first.
  std::vector<std::uint64_t> dirty;
  for (std::uint64_t i : page_cache_.dirty_indices(file.id)) {
    if (i >= first && i <= last) dirty.push_back(i);
  }
  if (!dirty.empty()) wait_for_batch(p, submit_writeback(p, file, dirty, "invalidate"));
  for (std::uint64_t i = first; i <= last; ++i) wait_for_writeback(p, PageKey{file.id, i});
}

void Kernel::write_direct(Process& p, OpenFile& f, Buffer& from, std::uint64_t position,
                          std::uint64_t n) {
  File& file = *f.file;
  const std::uint64_t end = position + n;
  const std::uint64_t first = position / kPage, last = (end - 1) / kPage;
  write_back_range(p, file, first, last);

  const Picoseconds start = now_ps();
  const bool fua = f.flags.sync || f.flags.dsync;
  wait_for_batch(p, submit_direct(p, file, from, position, n, BlockRequest::Kind::write, fua));
  narrate(p, "copy-1",
          "2. The DMA controller moves " + size_text(n) + " from " + from.region +
              " straight to the disk [copy-1: DMA]; the page cache is bypassed" +
              (fua ? " (FUA: on the media before the disk answers)" : ""),
          start, now_ps());

  // invalidate_inode_pages2_range(): cached copies of the range are stale now; drop them.
  for (std::uint64_t i = first; i <= last; ++i) {
    const PageKey key{file.id, i};
    if (!page_cache_.contains(key)) continue;
    page_cache_.remove_page(key);
    if (const auto frame = page_frames_.find(key); frame != page_frames_.end()) {
      free_frames_.push_back(frame->second);
      page_frames_.erase(frame);
    }
  }
  // The checker: the application's view, then the disk against it.
  std::vector<std::uint8_t> bytes(n);
  peek_user(from, 0, bytes.data(), n);
  for (std::uint64_t i = first; i <= last; ++i) {
    std::vector<std::uint8_t>& mine = written_page(file, i);
    const std::uint64_t lo = std::max(position, i * kPage), hi = std::min(end, (i + 1) * kPage);
    std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(lo - position),
              bytes.begin() + static_cast<std::ptrdiff_t>(hi - position),
              mine.begin() + static_cast<std::ptrdiff_t>(lo - i * kPage));
    mark_written(file, i, lo - i * kPage, hi - lo);
    file.durable.erase(i);
  }
  if (end > file.spec.size.bytes) {
    file.spec.size = ByteSize(end);
    file.pages = (end + kPage - 1) / kPage;
    file.size_dirty = true;
  }
  std::vector<std::uint8_t> on_disk(kPage);
  std::uint64_t mismatched = 0;
  for (std::uint64_t i = first; i <= last; ++i) {
    disk_page(file, i, on_disk.data(), std::nullopt);
    const std::uint64_t lo = std::max(position, i * kPage), hi = std::min(end, (i + 1) * kPage);
    for (std::uint64_t b = lo; b < hi; ++b) {
      mismatched += on_disk[b - i * kPage] != bytes[b - position];
    }
  }
  trace::Record check;
  check.start = check.end = now_ps();
  check.actor = p.spec.name;
  check.data = trace::Verification{from.region + " -> " + file.spec.path + " bytes " +
                                       std::to_string(position) + "-" + std::to_string(end - 1) +
                                       " (disk, O_DIRECT)",
                                   n, mismatched};
  context_.record(std::move(check));
}

std::uint64_t Kernel::read_direct(Process& p, OpenFile& f, Buffer& into, std::uint64_t bytes) {
  File& file = *f.file;
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall read", cpu_.params().syscall_entry);
  narrate(p, "switch-1",
          "1. " + p.spec.name + " calls read(): the CPU switches from user to kernel mode", start,
          now_ps());
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const std::string args = file.spec.path + ", " + into.region + ", " + size_text(bytes);
  const std::uint64_t sector = wiring_.sector_size;
  const std::uint64_t position = f.position;
  const std::uint64_t size = file.spec.size.bytes;
  if (position % sector != 0 || bytes % sector != 0) {
    const Picoseconds returning = now_ps();
    syscall_return(p, "read", start, args, -1, "EINVAL");
    narrate(p, "switch-2", "read() fails with EINVAL (O_DIRECT needs aligned offset and length)",
            returning, now_ps());
    return 0;
  }
  const std::uint64_t n = position < size ? std::min(bytes, size - position) : 0;
  if (n > 0) {
    // The whole blocks that hold the bytes, straight into the user buffer.
    const std::uint64_t blocks = (n + sector - 1) / sector * sector;
    write_back_range(p, file, position / kPage, (position + n - 1) / kPage);
    const Picoseconds dma_start = now_ps();
    wait_for_batch(p,
                   submit_direct(p, file, into, position, blocks, BlockRequest::Kind::read, false));
    narrate(p, "copy-1",
            "2. The DMA controller moves " + size_text(n) + " of " + file.spec.path +
                " from the disk straight into " + into.region +
                " [copy-1: DMA]; the page cache is bypassed",
            dma_start, now_ps());
    std::vector<std::uint8_t> expected(n), actual(n);
    written_bytes(file, position, expected.data(), n);
    peek_user(into, 0, actual.data(), n);
    check_bytes(p,
                file.spec.path + " bytes " + std::to_string(position) + "-" +
                    std::to_string(position + n - 1) + " -> " + into.region + " (O_DIRECT)",
                expected, actual);
  }
  f.position = position + n;
  into.filled = n;
  const Picoseconds returning = now_ps();
  syscall_return(p, "read", start, args, static_cast<std::int64_t>(n), "");
  narrate(p, "switch-2", "read() returns: the CPU switches back to user mode", returning, now_ps());
  return n;
}

// --- fsync and friends
// ----------------------------------------------------------------------------

void Kernel::claim_durable(File& file, std::uint64_t first, std::uint64_t last,
                           const std::map<std::uint64_t, std::vector<std::uint8_t>>& snapshot,
                           Picoseconds at, const std::string& how) {
  // Claimed: every page the application wrote in the range, as it was when the call began,
  // unless it has been written again since (then the newer bytes are not claimed yet).
  for (auto it = snapshot.lower_bound(first); it != snapshot.end() && it->first <= last; ++it) {
    const auto now = file.written.find(it->first);
    if (now == file.written.end() || now->second != it->second) continue;
    file.durable[it->first] = DurablePage{it->second, at};
  }
  trace::Record r;
  r.start = r.end = at;
  r.actor = name();
  r.data = trace::Durable{file.spec.path, file.spec.size.bytes, how};
  context_.record(std::move(r));
}

void Kernel::sync_file(Process& p, File& file, bool flush, bool metadata, const std::string& how) {
  const auto snapshot = file.written;
  // filemap_write_and_wait_range(0, LLONG_MAX): WB_SYNC_ALL writeback of every dirty page, then
  // wait for every page under writeback (also the flusher's).
  const std::vector<std::uint64_t> dirty = page_cache_.dirty_indices(file.id);
  if (!dirty.empty()) wait_for_batch(p, submit_writeback(p, file, dirty, "sync"));
  wait_for_file_writeback(p, file);
  if (crashed_) return;
  if (metadata) write_metadata(p, file);
  if (!flush) return;
  const Picoseconds done = flush_disk(p, file.disk);
  if (crashed_) return;
  claim_durable(file, 0, ~std::uint64_t{0}, snapshot, done, how);
}

void Kernel::file_sync(Process& p, const FileSync& op) {
  const std::string call = to_string(op.kind);
  const Picoseconds start = syscall_enter(p, call);
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  OpenFile* f = open_file(p, op.path);
  if (f == nullptr) {
    syscall_return(p, call, start, op.path, -1, "EBADF");
    return;
  }
  File& file = *f->file;
  switch (op.kind) {
    case SyncKind::fsync:
      // Data, then the metadata (journal commit), then FLUSH CACHE.
      sync_file(p, file, true, true, "fsync");
      break;
    case SyncKind::fdatasync:
      // Metadata only when it is needed to read the data back (the size changed).
      sync_file(p, file, true, file.size_dirty, "fdatasync");
      break;
    case SyncKind::sync_file_range:
      // SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER: the data reaches the disk, no
      // metadata and no flush: not a durability guarantee (man 2 sync_file_range).
      sync_file(p, file, false, false, "sync_file_range");
      break;
  }
  narrate(p, call,
          call + "(" + op.path + ") " +
              (op.kind == SyncKind::sync_file_range
                   ? "returns: the dirty pages are on the disk, possibly only in its volatile cache"
                   : "returns: the file's data is on stable media"),
          start, now_ps());
  syscall_return(p, call, start, op.path, 0, "");
}

// --- The C library's buffer
// -------------------------------------------------------------------------

void Kernel::stdio_write(Process& p, const StdioWrite& op) {
  OpenFile* f = open_file(p, op.path);
  if (f == nullptr) {
    failed_write(p, op.path, "EBADF");
    return;
  }
  StdioStream& stream = p.stdio[op.path];
  const std::uint64_t capacity = std::max<std::uint64_t>(1, params_.stdio_buffer.bytes);
  if (stream.buffer == nullptr) {
    stream.buffer = &user_buffer(p, "stdio" + std::to_string(++stdio_streams_), capacity);
  }
  const std::uint64_t total = op.bytes.bytes != 0 ? op.bytes.bytes : op.chunk.bytes;
  std::vector<std::uint8_t> bytes;
  for (std::uint64_t done = 0; done < total && !crashed_;) {
    const std::uint64_t n = std::min(op.chunk.bytes, total - done);
    bytes.assign(n, 0);
    if (!op.pattern.empty()) {
      for (std::uint64_t i = 0; i < n; ++i) {
        bytes[i] = static_cast<std::uint8_t>(op.pattern[i % op.pattern.size()]);
      }
    } else {
      fill_pattern(context_.seed(), kWriteStreamBase + ++write_calls_, 0, bytes.data(), n);
    }
    // fwrite(): the library copies into its buffer, in user mode, and write()s it when full.
    for (std::uint64_t off = 0; off < n && !crashed_;) {
      const std::uint64_t k = std::min(n - off, capacity - stream.used);
      const Picoseconds start = now_ps();
      cpu_.compute(p.task, cpu_.params().memcpy_bandwidth.transfer_time(k));
      poke_user(*stream.buffer, stream.used, bytes.data() + off, k);
      stream.bytes.insert(stream.bytes.end(), bytes.begin() + static_cast<std::ptrdiff_t>(off),
                          bytes.begin() + static_cast<std::ptrdiff_t>(off + k));
      stream.used += k;
      off += k;
      trace::Record r;
      r.start = start;
      r.end = now_ps();
      r.actor = cpu_.name();
      r.step = "fwrite";
      r.data = trace::Copy{context_.new_copy_id(), trace::Engine::cpu, p.spec.name,
                           stream.buffer->region, k};
      context_.record(std::move(r));
      if (stream.used == capacity) flush_stream(p, op.path, stream);
    }
    done += n;
  }
}

void Kernel::flush_stream(Process& p, const std::string& path, StdioStream& stream) {
  if (stream.used == 0) return;  // fflush() of an empty buffer makes no system call
  OpenFile* f = open_file(p, path);
  std::string error;
  if (f == nullptr) {
    failed_write(p, path, "EBADF");
  } else {
    file_write_call(p, *f, *stream.buffer, stream.used, error);
  }
  stream.used = 0;
  stream.bytes.clear();
}

void Kernel::stdio_flush(Process& p, const StdioFlush& op) {
  const auto it = p.stdio.find(op.path);
  if (it == p.stdio.end()) return;
  flush_stream(p, op.path, it->second);
}

// --- Crashes
// --------------------------------------------------------------------------------------

void Kernel::schedule_crash(const CrashSpec& spec) {
  crash_ = spec;
}

void Kernel::crash_thread() {
  sc_core::wait(crash_->at);
  if (!crashed_) crash_now(crash_->kind, now_ps());
}

void Kernel::crash_now(CrashKind kind, Picoseconds at) {
  if (crashed_) return;
  crashed_ = true;
  // The application's view of each file: what it wrote, plus the bytes its C library buffers
  // still hold at the stream's position.
  struct Pending {
    std::uint64_t offset;
    const std::vector<std::uint8_t>* bytes;
  };
  std::map<FileId, std::vector<Pending>> buffered;
  for (const auto& process : processes_) {
    for (const auto& [path, stream] : process->stdio) {
      if (stream.used == 0) continue;
      const auto of = process->open_files.find(path);
      if (of == process->open_files.end()) continue;
      const File& file = *of->second.file;
      const std::uint64_t offset =
          of->second.flags.append ? file.spec.size.bytes : of->second.position;
      buffered[file.id].push_back(Pending{offset, &stream.bytes});
    }
  }
  std::uint64_t lost[3] = {0, 0, 0};  // application, page cache, disk cache
  const char* const layer_names[3] = {"application", "page_cache", "disk_cache"};
  std::uint64_t durable_bytes = 0, durable_lost = 0;
  std::vector<trace::Record> losses;
  for (const auto& owned : files_) {
    const File& file = *owned;
    const auto pending = buffered.find(file.id);
    if (file.written.empty() && pending == buffered.end()) continue;
    std::uint64_t app_size = file.spec.size.bytes;
    std::set<std::uint64_t> pages;
    for (const auto& entry : file.written) pages.insert(entry.first);
    if (pending != buffered.end()) {
      for (const Pending& b : pending->second) {
        app_size = std::max(app_size, b.offset + b.bytes->size());
        for (std::uint64_t i = b.offset / kPage; i <= (b.offset + b.bytes->size() - 1) / kPage;
             ++i) {
          pages.insert(i);
        }
      }
    }
    std::vector<std::uint8_t> app(kPage), kernel(kPage), disk(kPage), media(kPage);
    // A run of lost bytes of one layer becomes one Loss record.
    std::int64_t run_layer = -1;
    std::uint64_t run_start = 0, run_end = 0;
    auto close_run = [&] {
      if (run_layer < 0) return;
      trace::Record r;
      r.start = r.end = at;
      r.actor = name();
      r.data = trace::Loss{file.spec.path, layer_names[run_layer], run_start, run_end - run_start};
      losses.push_back(std::move(r));
      run_layer = -1;
    };
    const std::uint64_t sector = wiring_.sector_size;
    std::vector<bool> mask(kPage);
    for (std::uint64_t i : pages) {
      const std::uint64_t page_start = i * kPage;
      if (page_start >= app_size) break;
      app_page(file, i, app.data());
      if (const auto m = file.written_mask.find(i); m != file.written_mask.end()) {
        mask = m->second;
      } else {
        std::fill(mask.begin(), mask.end(), false);
      }
      if (pending != buffered.end()) {
        for (const Pending& b : pending->second) {
          const std::uint64_t lo = std::max(b.offset, page_start);
          const std::uint64_t hi = std::min(b.offset + b.bytes->size(), page_start + kPage);
          for (std::uint64_t at_byte = lo; at_byte < hi; ++at_byte) {
            app[at_byte - page_start] = (*b.bytes)[at_byte - b.offset];
            mask[at_byte - page_start] = true;
          }
        }
      }
      if (page_start >= file.spec.size.bytes) {
        std::fill(kernel.begin(), kernel.end(), 0);
      } else {
        kernel_page(file, i, kernel.data());
      }
      disk_page(file, i, disk.data(), std::nullopt);
      disk_page(file, i, media.data(), at);
      const std::vector<std::uint8_t>& survivor = kind == CrashKind::process  ? kernel
                                                  : kind == CrashKind::kernel ? disk
                                                                              : media;
      const std::uint64_t hi = std::min<std::uint64_t>(kPage, app_size - page_start);
      if (run_layer >= 0 && run_end != page_start) close_run();
      // A sector is the unit that survives or not: the bytes the application wrote in a sector
      // that does not read back as written are lost, in the first layer where the sector
      // differs (a byte that happens to equal the old one is lost with its sector).
      auto differs = [&](const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                         std::uint64_t from, std::uint64_t to) {
        return !std::equal(a.begin() + static_cast<std::ptrdiff_t>(from),
                           a.begin() + static_cast<std::ptrdiff_t>(to),
                           b.begin() + static_cast<std::ptrdiff_t>(from));
      };
      for (std::uint64_t s0 = 0; s0 < hi; s0 += sector) {
        const std::uint64_t s1 = std::min(s0 + sector, hi);
        std::int64_t layer = -1;
        if (differs(app, survivor, s0, s1)) {
          layer = differs(app, kernel, s0, s1) ? 0 : differs(kernel, disk, s0, s1) ? 1 : 2;
        }
        for (std::uint64_t b = s0; b < s1; ++b) {
          if (layer < 0 || !mask[b]) {
            close_run();
            continue;
          }
          ++lost[layer];
          if (run_layer != layer) {
            close_run();
            run_layer = layer;
            run_start = page_start + b;
          }
          run_end = page_start + b + 1;
        }
      }
      if (hi < kPage) close_run();
      // What the model reported durable must have survived.
      if (const auto claim = file.durable.find(i);
          claim != file.durable.end() && claim->second.at <= at) {
        for (std::uint64_t b = 0; b < hi; ++b) {
          ++durable_bytes;
          durable_lost += claim->second.bytes[b] != survivor[b];
        }
      }
    }
    close_run();
  }
  for (trace::Record& r : losses) context_.record(std::move(r));
  trace::Record r;
  r.start = r.end = at;
  r.actor = name();
  r.data = trace::Crash{to_string(kind), lost[0], lost[1], lost[2], durable_bytes, durable_lost};
  context_.record(std::move(r));
  end_time_ = at;
  cpu_.finish();
  wiring_.bus->flush_records();
  stop_other_threads();
  sc_core::sc_stop();
}

void Kernel::verify_written_files() {
  std::vector<std::uint8_t> app(kPage), kernel(kPage);
  for (const auto& owned : files_) {
    const File& file = *owned;
    if (file.written.empty()) continue;
    std::uint64_t bytes = 0, mismatched = 0;
    for (const auto& [index, mine] : file.written) {
      const std::uint64_t page_start = index * kPage;
      if (page_start >= file.spec.size.bytes) continue;
      const std::uint64_t hi = std::min<std::uint64_t>(kPage, file.spec.size.bytes - page_start);
      kernel_page(file, index, kernel.data());
      for (std::uint64_t b = 0; b < hi; ++b) mismatched += mine[b] != kernel[b];
      bytes += hi;
    }
    trace::Record check;
    check.start = check.end = now_ps();
    check.actor = name();
    check.data = trace::Verification{file.spec.path +
                                         " as the kernel has it (page cache, else "
                                         "disk) = what was written",
                                     bytes, mismatched};
    context_.record(std::move(check));
  }
}

}  // namespace iosim::os
