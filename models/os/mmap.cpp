// Memory mappings of files: mmap() with MAP_SHARED or MAP_PRIVATE, the page faults of the
// process's loads and stores (minor, major with read-around, fault-around, copy-on-write,
// page_mkwrite for dirty tracking), msync() and munmap(). The loads and stores themselves are
// the application's own work (model it with `compute`): what this file times is what the
// kernel adds, which is what mmap trades against read()'s copy. docs/models/kernel.md
// ("Memory mappings") has the costs and the simplifications.
#include <algorithm>

#include "models/core/payload.h"
#include "models/os/kernel.h"
#include "models/os/kernel_internal.h"

namespace iosim::os {

namespace {

constexpr std::uint64_t kPage = Kernel::kPageSize;
const char* const kPageCacheRegion = "page_cache";
/// Where the model's mappings start in the process's address space (the trace shows it; nothing
/// depends on it): like x86-64's mmap base below the stack, one GiB apart.
constexpr std::uint64_t kMmapBase = 0x7f0000000000ULL;
constexpr std::uint64_t kMmapStride = 1ULL << 30;
/// Payload streams of the bytes map_write stores: after write()'s (writeback.cpp).
constexpr std::uint64_t kMapWriteStreamBase = 3ULL << 32;

std::string size_text(std::uint64_t bytes) {
  return format_size(ByteSize(bytes));
}

}  // namespace

void Kernel::mmap_file(Process& p, const MmapFile& op) {
  const Picoseconds start = syscall_enter(p, "mmap");
  cpu_.kernel_work(p.task, params_.mmap_work);
  OpenFile* f = open_file(p, op.path);
  if (f == nullptr) {
    syscall_return(p, "mmap", start, op.path, -1, "EBADF");
    return;
  }
  auto mapping = std::make_unique<MappedFile>();
  mapping->description = *f;
  mapping->kind = op.kind;
  // PROT_WRITE with MAP_SHARED needs a file open for writing; a private mapping may always be
  // written (the writes stay in the process).
  mapping->writable = op.kind == MapKind::private_copy || f->flags.write;
  mapping->address = kMmapBase + (mmap_count_++) * kMmapStride;
  const std::uint64_t size = f->file->spec.size.bytes;
  const std::string args = op.path + ", " + size_text(size) +
                           (mapping->writable ? ", PROT_READ|PROT_WRITE, " : ", PROT_READ, ") +
                           (op.kind == MapKind::shared ? "MAP_SHARED" : "MAP_PRIVATE");
  const std::int64_t address = static_cast<std::int64_t>(mapping->address);
  p.mappings[op.path] = std::move(mapping);
  if (op.kind == MapKind::private_copy) {
    context_.declare_region(p.spec.name + ".anon", trace::Layer::user,
                            p.spec.name + " private pages (copy-on-write)");
  }
  syscall_return(p, "mmap", start, args, address, "");
}

void Kernel::map_fault(Process& p, MappedFile& m, std::uint64_t index, bool write) {
  OpenFile& f = m.description;
  File& file = *f.file;
  const Picoseconds start = now_ps();
  // The access traps: an exception into the kernel (costed like a system call's entry).
  cpu_.enter_kernel(p.task, "exception page fault", cpu_.params().syscall_entry);
  cpu_.kernel_work(p.task, params_.page_fault_work);
  const PageKey key{file.id, index};
  auto pte = m.ptes.find(index);
  const bool present = pte != m.ptes.end();
  std::uint64_t mapped = 0;
  std::string kind = "minor";
  if (!present) {
    const PageState* state = page_cache_.find(key);
    const bool was_uptodate = state != nullptr && state->flags.uptodate;
    if (!write) {
      // do_read_fault -> do_fault_around (mm/memory.c): the up-to-date pages of the aligned
      // window are mapped at once, read-only.
      const std::uint64_t around =
          std::max<std::uint64_t>(1, params_.fault_around_kb * 1024 / kPage);
      const std::uint64_t window = index / around * around;
      for (std::uint64_t k = window; k < std::min(window + around, file.pages); ++k) {
        const PageState* s = page_cache_.find(PageKey{file.id, k});
        if (s == nullptr || !s->flags.uptodate || m.ptes.count(k) != 0) continue;
        m.ptes[k] = MappedFile::Pte{};
        cpu_.kernel_work(p.task, params_.pte_work);
        ++mapped;
      }
    }
    if (m.ptes.count(index) == 0) {
      // filemap_fault: the page is not up to date: read it (mmap read-around on a miss) and
      // wait; that makes the fault major.
      if (!was_uptodate) {
        kind = "major";
        CacheView view;
        view.present = [this, &file](std::uint64_t k) {
          return page_cache_.contains(PageKey{file.id, k});
        };
        view.marked = [this, &file](std::uint64_t k) {
          return page_cache_.readahead_marker(PageKey{file.id, k});
        };
        const ReadaheadResult plan = f.readahead.on_mmap_fault(index, view, file.pages, f.ra_pages);
        for (const ReadaheadIo& io : plan.ios) submit_readahead(p, f, io);
        for (std::uint64_t marked : plan.markers_cleared) {
          const PageKey k{file.id, marked};
          if (page_cache_.contains(k)) page_cache_.set_readahead_marker(k, false);
        }
      }
      wait_uptodate(p, f, index);
      m.ptes[index] = MappedFile::Pte{};
      cpu_.kernel_work(p.task, params_.pte_work);
      ++mapped;
    }
    record_cache_access(p, file, start, index, 1, was_uptodate ? 1 : 0);
    if (page_cache_.contains(key)) page_cache_.mark_accessed(key);
  }
  if (write) {
    MappedFile::Pte& entry = m.ptes.at(index);
    if (m.kind == MapKind::private_copy) {
      // do_cow_fault / wp_page_copy: a page of the process's own, a copy of the cached page.
      kind = "cow";
      entry.anon = allocate_frame();
      context_.name_memory(entry.anon, kPage, p.spec.name + ".anon");
      const Picoseconds copy_start = now_ps();
      std::vector<std::uint8_t> bytes(kPage);
      wiring_.dram->peek(page_frames_.at(key), bytes.data(), kPage);
      cpu_.kernel_work(p.task, cpu_.params().memcpy_bandwidth.transfer_time(kPage));
      wiring_.dram->poke(entry.anon, bytes.data(), kPage);
      trace::Record r;
      r.start = copy_start;
      r.end = now_ps();
      r.actor = cpu_.name();
      r.step = "cow";
      r.data = trace::Copy{context_.new_copy_id(), trace::Engine::cpu, kPageCacheRegion,
                           p.spec.name + ".anon", kPage};
      context_.record(std::move(r));
      m.private_bytes[index] = bytes;
    } else {
      // do_page_mkwrite / wp_page_shared: the page becomes writable and dirty. Stable pages: a
      // page the disk is reading waits for the end of its writeback first.
      if (pages_under_writeback_.count(key) != 0) wait_for_writeback(p, key);
      const bool was_dirty = page_cache_.find(key)->flags.dirty;
      page_cache_.mark_dirty(key, now_ps());
      cpu_.kernel_work(p.task, params_.page_dirty_work);
      record_dirty_state(now_ps());
      // fault_dirty_shared_page -> balance_dirty_pages_ratelimited: throttled like write().
      balance_dirty(p, was_dirty ? 0 : 1);
    }
    entry.write = true;
    if (present) ++mapped;  // the same entry, now writable
  }
  cpu_.return_to_user(p.task, "return page fault", cpu_.params().syscall_exit);
  trace::Record r;
  r.start = start;
  r.end = now_ps();
  r.actor = p.spec.name;
  r.step = "fault";
  r.data = trace::PageFault{p.spec.name, file.spec.path, index, kind, mapped};
  context_.record(std::move(r));
  narrate(p, "fault",
          kind == "cow"
              ? "Copy-on-write fault: " + p.spec.name + " writes page " + std::to_string(index) +
                    " of its private mapping of " + file.spec.path +
                    "; the kernel copies it into a page of the process, the file is unchanged"
          : kind == "major"
              ? "Major page fault: page " + std::to_string(index) + " of " + file.spec.path +
                    " is not in memory; the kernel reads it (and its neighbours) from the disk " +
                    "[copy-1: DMA] and maps it"
              : "Minor page fault: page " + std::to_string(index) + " of " + file.spec.path +
                    " is in the page cache; the kernel only " +
                    (write ? "makes it writable and marks it dirty" : "maps it") +
                    (mapped > 1 ? " (fault-around maps " + std::to_string(mapped) + " pages)"
                                : std::string()),
          start, now_ps());
}

std::uint64_t Kernel::mapped_frame(Process& p, MappedFile& m, std::uint64_t index, bool write) {
  const PageKey key{m.description.file->id, index};
  for (;;) {
    auto pte = m.ptes.find(index);
    if (pte != m.ptes.end() && pte->second.anon != 0) return pte->second.anon;
    if (pte != m.ptes.end() && page_frames_.count(key) == 0) {
      // Reclaim dropped the page under the mapping (the model does not unmap it at eviction):
      // the access faults it in again.
      m.ptes.erase(pte);
      pte = m.ptes.end();
    }
    const bool needs_fault =
        pte == m.ptes.end() ||
        (write && (!pte->second.write ||
                   // A shared page written back since: clean again, write-protected again
                   // (folio_mkclean), so the next store faults and dirties it.
                   (m.kind == MapKind::shared && !page_cache_.find(key)->flags.dirty)));
    if (!needs_fault) return page_frames_.at(key);
    map_fault(p, m, index, write);
    if (crashed_) return m.ptes.at(index).anon != 0 ? m.ptes.at(index).anon : page_frames_.at(key);
  }
}

void Kernel::map_read(Process& p, const MapRead& op) {
  const auto it = p.mappings.find(op.path);
  if (it == p.mappings.end()) return;  // the loader makes sure there is one
  MappedFile& m = *it->second;
  File& file = *m.description.file;
  const std::uint64_t size = file.spec.size.bytes;
  const std::uint64_t from = op.offset.bytes;
  const std::uint64_t n = from < size ? std::min(op.bytes.bytes, size - from) : 0;
  const Picoseconds start = now_ps();
  std::uint64_t mismatched = 0;
  std::vector<std::uint8_t> got(kPage), expected(kPage);
  for (std::uint64_t at = from; at < from + n && !crashed_;) {
    const std::uint64_t index = at / kPage;
    const std::uint64_t within = at % kPage;
    const std::uint64_t k = std::min(from + n - at, kPage - within);
    const std::uint64_t frame = mapped_frame(p, m, index, false);
    // The checker: what the process sees is the file's bytes, or its own private copy.
    wiring_.dram->peek(frame + within, got.data(), k);
    const auto own = m.private_bytes.find(index);
    if (own != m.private_bytes.end()) {
      std::copy(own->second.begin() + static_cast<std::ptrdiff_t>(within),
                own->second.begin() + static_cast<std::ptrdiff_t>(within + k), expected.begin());
    } else {
      written_bytes(file, at, expected.data(), k);
    }
    for (std::uint64_t b = 0; b < k; ++b) mismatched += got[b] != expected[b];
    at += k;
  }
  narrate(p, "load",
          p.spec.name + " reads " + size_text(n) + " of " + file.spec.path +
              " through its mapping: loads from page-cache pages, no system call and no copy",
          start, now_ps());
  trace::Record check;
  check.start = check.end = now_ps();
  check.actor = p.spec.name;
  check.data = trace::Verification{file.spec.path + " bytes " + std::to_string(from) + "-" +
                                       std::to_string(from + n - 1) + " read through mmap",
                                   n, mismatched};
  context_.record(std::move(check));
}

void Kernel::map_write(Process& p, const MapWrite& op) {
  const auto it = p.mappings.find(op.path);
  if (it == p.mappings.end()) return;
  MappedFile& m = *it->second;
  File& file = *m.description.file;
  const std::uint64_t size = file.spec.size.bytes;
  const std::uint64_t from = op.offset.bytes;
  // A mapping does not grow the file: stores past the end are cut (they would raise SIGBUS).
  const std::uint64_t n = from < size ? std::min(op.bytes.bytes, size - from) : 0;
  const Picoseconds start = now_ps();
  if (!m.writable) {
    // A store to a PROT_READ mapping: SIGSEGV. The model records it and goes on.
    narrate(p, "fault",
            p.spec.name + " stores into a read-only mapping of " + file.spec.path +
                ": SIGSEGV (map it from a file opened with flags: [write], or MAP_PRIVATE)",
            start, start);
    return;
  }
  std::vector<std::uint8_t> bytes(n);
  if (!op.pattern.empty()) {
    for (std::uint64_t i = 0; i < n; ++i) {
      bytes[i] = static_cast<std::uint8_t>(op.pattern[i % op.pattern.size()]);
    }
  } else {
    fill_pattern(context_.seed(), kMapWriteStreamBase + ++write_calls_, 0, bytes.data(), n);
  }
  for (std::uint64_t at = from; at < from + n && !crashed_;) {
    const std::uint64_t index = at / kPage;
    const std::uint64_t within = at % kPage;
    const std::uint64_t k = std::min(from + n - at, kPage - within);
    const std::uint64_t frame = mapped_frame(p, m, index, true);
    wiring_.dram->poke(frame + within, bytes.data() + (at - from), k);
    if (m.kind == MapKind::private_copy) {
      std::vector<std::uint8_t>& own = m.private_bytes.at(index);
      std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(at - from),
                bytes.begin() + static_cast<std::ptrdiff_t>(at - from + k),
                own.begin() + static_cast<std::ptrdiff_t>(within));
    } else {
      // The file changes: the checker's view of it, as for write().
      std::vector<std::uint8_t>& mine = written_page(file, index);
      std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(at - from),
                bytes.begin() + static_cast<std::ptrdiff_t>(at - from + k),
                mine.begin() + static_cast<std::ptrdiff_t>(within));
      mark_written(file, index, within, k);
      file.durable.erase(index);
    }
    at += k;
  }
  narrate(p, "store",
          p.spec.name + " writes " + size_text(n) + " into its " +
              (m.kind == MapKind::shared
                   ? "shared mapping of " + file.spec.path +
                         ": stores into page-cache pages, which are now dirty"
                   : "private mapping of " + file.spec.path +
                         ": stores into its own copies; the file does not change"),
          start, now_ps());
}

void Kernel::msync(Process& p, const Msync& op) {
  const Picoseconds start = syscall_enter(p, "msync");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  const auto it = p.mappings.find(op.path);
  if (it == p.mappings.end()) {
    syscall_return(p, "msync", start, op.path, -1, "ENOMEM");
    return;
  }
  // MS_SYNC: vfs_fsync_range(datasync = 1) over the mapping: the file's dirty pages, the
  // metadata only if needed, the disk's cache flushed. A private mapping has nothing to write.
  if (it->second->kind == MapKind::shared) {
    File& file = *it->second->description.file;
    sync_file(p, file, true, file.size_dirty, "msync");
  }
  syscall_return(p, "msync", start, op.path + ", MS_SYNC", 0, "");
}

void Kernel::munmap(Process& p, const Munmap& op) {
  const Picoseconds start = syscall_enter(p, "munmap");
  cpu_.kernel_work(p.task, params_.munmap_work);
  const auto it = p.mappings.find(op.path);
  if (it == p.mappings.end()) {
    syscall_return(p, "munmap", start, op.path, -1, "EINVAL");
    return;
  }
  // Shared dirty pages stay dirty in the cache; the private copies are gone (the model does not
  // hand their frames to the page cache, whose frames keep the page_cache region's name).
  const std::uint64_t entries = it->second->ptes.size();
  p.mappings.erase(it);
  syscall_return(p, "munmap", start, op.path + ", " + std::to_string(entries) + " pages mapped", 0,
                 "");
}

}  // namespace iosim::os
