#include "models/os/page_cache.h"

#include <algorithm>
#include <stdexcept>

namespace iosim::os {

std::uint64_t int_sqrt(std::uint64_t x) {
  // Bit-by-bit square root, as lib/math/int_sqrt.c does; exact for every 64-bit input.
  std::uint64_t result = 0;
  std::uint64_t bit = 1ULL << 62;
  while (bit > x) bit >>= 2;
  while (bit != 0) {
    if (x >= result + bit) {
      x -= result + bit;
      result = (result >> 1) + bit;
    } else {
      result >>= 1;
    }
    bit >>= 2;
  }
  return result;
}

PageCache::PageCache(const PageCacheParams& params)
    : page_size_(params.page_size.bytes), capacity_pages_(params.capacity_pages()) {
  if (page_size_ == 0) throw std::invalid_argument("PageCache: page_size must not be zero");
}

PageCache::Entry* PageCache::entry(const PageKey& key) {
  auto it = pages_.find(key);
  return it == pages_.end() ? nullptr : &it->second;
}

const PageCache::Entry* PageCache::entry(const PageKey& key) const {
  auto it = pages_.find(key);
  return it == pages_.end() ? nullptr : &it->second;
}

PageCache::Entry& PageCache::existing(const PageKey& key) {
  Entry* e = entry(key);
  if (e == nullptr) throw std::out_of_range("PageCache: no such page");
  return *e;
}

const PageState* PageCache::find(const PageKey& key) const {
  const Entry* e = entry(key);
  return e == nullptr ? nullptr : &e->state;
}

bool PageCache::lookup(const PageKey& key) {
  const bool hit = entry(key) != nullptr;
  ++(hit ? counters_.hits : counters_.misses);
  return hit;
}

AddResult PageCache::add_page(const PageKey& key) {
  AddResult result;
  if (entry(key) != nullptr) {
    result.already_present = true;
    return result;
  }
  if (pages_.size() >= capacity_pages_) {
    // Allocation under memory pressure: direct reclaim of one SWAP_CLUSTER_MAX batch.
    result.reclaim = shrink(kSwapClusterMax);
    if (pages_.size() >= capacity_pages_) return result;
  }
  Entry e;
  auto shadow = shadows_.find(key);
  if (shadow != shadows_.end()) {
    // workingset_refault(): refault distance = nonresident_age now - at eviction; the page was
    // part of the working set if it is not longer than the active file list (no swap, so anon
    // pages do not count).
    ++counters_.refaults;
    result.refault = true;
    const std::uint64_t distance = nonresident_age_ - shadow->second.eviction_age;
    if (distance <= active_.size()) {
      e.state.flags.active = true;
      ++nonresident_age_;  // workingset_age_nonresident()
      ++counters_.refault_activations;
      ++counters_.activations;
      result.activated = true;
      // "Folio was active prior to eviction"
      if (shadow->second.workingset) e.state.flags.workingset = true;
    }
    shadows_.erase(shadow);
  }
  Lru& list = e.state.flags.active ? active_ : inactive_;
  list.push_front(key);
  e.lru_position = list.begin();
  FilePages& counts = file_pages_[key.file];
  ++counts.resident;
  counts.active += e.state.flags.active;
  pages_.emplace(key, e);
  result.added = true;
  return result;
}

PageCache::FilePages PageCache::file_pages(FileId file) const {
  const auto it = file_pages_.find(file);
  return it == file_pages_.end() ? FilePages{} : it->second;
}

void PageCache::clear_dirty_bookkeeping(const PageKey& key) {
  auto file = dirty_files_.find(key.file);
  if (file == dirty_files_.end()) return;
  file->second.indices.erase(key.index);
  if (file->second.indices.empty()) dirty_files_.erase(file);
}

void PageCache::erase_page(const PageKey& key) {
  Entry& e = existing(key);
  if (e.state.flags.dirty) {
    --dirty_count_;
    clear_dirty_bookkeeping(key);
  }
  if (e.state.flags.writeback) --writeback_count_;
  (e.state.flags.active ? active_ : inactive_).erase(e.lru_position);
  FilePages& counts = file_pages_[key.file];
  --counts.resident;
  counts.active -= e.state.flags.active;
  if (counts.resident == 0) file_pages_.erase(key.file);
  pages_.erase(key);
}

void PageCache::remove_page(const PageKey& key) {
  if (entry(key) != nullptr) erase_page(key);
  shadows_.erase(key);
}

void PageCache::remove_file(FileId file) {
  std::vector<PageKey> keys;
  for (const auto& [key, e] : pages_) {
    if (key.file == file) keys.push_back(key);
  }
  for (const PageKey& key : keys) erase_page(key);
  for (auto it = shadows_.begin(); it != shadows_.end();) {
    it = it->first.file == file ? shadows_.erase(it) : std::next(it);
  }
}

void PageCache::move_to_active_head(Entry& e, const PageKey& key) {
  (e.state.flags.active ? active_ : inactive_).erase(e.lru_position);
  file_pages_[key.file].active += !e.state.flags.active;
  e.state.flags.active = true;
  active_.push_front(key);
  e.lru_position = active_.begin();
}

void PageCache::move_to_inactive_head(Entry& e, const PageKey& key) {
  (e.state.flags.active ? active_ : inactive_).erase(e.lru_position);
  file_pages_[key.file].active -= e.state.flags.active;
  e.state.flags.active = false;
  inactive_.push_front(key);
  e.lru_position = inactive_.begin();
}

void PageCache::activate(Entry& e, const PageKey& key) {
  move_to_active_head(e, key);
  ++counters_.activations;
  ++nonresident_age_;  // activations age the non-resident clock too (workingset_activation)
}

void PageCache::mark_accessed(const PageKey& key) {
  Entry& e = existing(key);
  PageFlags& f = e.state.flags;
  if (!f.referenced) {
    f.referenced = true;
  } else if (!f.active) {
    activate(e, key);
    f.referenced = false;
  }
}

void PageCache::mark_pte_young(const PageKey& key) {
  existing(key).state.flags.pte_young = true;
}

std::uint64_t PageCache::inactive_ratio() const {
  const std::uint64_t gb = (inactive_.size() + active_.size()) * page_size_ / kBytesPerGigabyte;
  return gb != 0 ? int_sqrt(kInactiveRatioScale * gb) : 1;
}

bool PageCache::inactive_is_low() const {
  return inactive_.size() * inactive_ratio() < active_.size();
}

void PageCache::deactivate_batch(ShrinkResult& result) {
  // shrink_active_list(): pages leave the active tail for the inactive head. A page-table
  // reference keeps only executable mappings active, which the model does not have, so the
  // young bit is just consumed.
  for (std::uint64_t n = 0; n < kSwapClusterMax && !active_.empty(); ++n) {
    const PageKey key = active_.back();
    Entry& e = existing(key);
    e.state.flags.pte_young = false;
    e.state.flags.workingset = true;
    move_to_inactive_head(e, key);
    ++result.deactivated;
    ++counters_.deactivations;
  }
}

void PageCache::evict(const PageKey& key, ShrinkResult& result) {
  // workingset_eviction(): the shadow remembers the clock before this eviction ticks it.
  const Entry& e = existing(key);
  shadows_[key] = Shadow{nonresident_age_, e.state.flags.workingset};
  ++nonresident_age_;
  erase_page(key);
  ++result.reclaimed;
  ++counters_.evictions;
  result.evicted.push_back(key);
}

ShrinkResult PageCache::shrink(std::uint64_t nr_to_reclaim) {
  ShrinkResult result;
  const std::uint64_t scan_budget = pages_.size();
  while (result.reclaimed < nr_to_reclaim && result.scanned < scan_budget) {
    if (inactive_is_low()) deactivate_batch(result);
    if (inactive_.empty()) break;
    const PageKey key = inactive_.back();
    Entry& e = existing(key);
    PageFlags& f = e.state.flags;
    ++result.scanned;
    // shrink_folio_list(), in its order. Under writeback: mark for immediate reclaim when the
    // write ends and move out of the way (activate_locked).
    if (f.writeback) {
      f.reclaim = true;
      ++result.writeback_skipped;
      ++result.activated;
      activate(e, key);
      continue;
    }
    // folio_check_references(): only page-table references save a page; PG_referenced alone
    // (an unmapped page read by read()) is cleared and the page is reclaimed if clean.
    const bool referenced_ptes = f.pte_young;
    const bool referenced_folio = f.referenced;
    f.pte_young = false;
    f.referenced = false;
    if (referenced_ptes) {
      f.referenced = true;
      if (referenced_folio) {  // FOLIOREF_ACTIVATE
        ++result.activated;
        activate(e, key);
      } else {  // FOLIOREF_KEEP: back to the inactive head
        ++result.rotated;
        move_to_inactive_head(e, key);
      }
      continue;
    }
    // Dirty file pages are never written by reclaim here: PG_reclaim, then activate_locked; the
    // flusher writes them and end_writeback() rotates them to the inactive tail.
    if (f.dirty) {
      f.reclaim = true;
      ++result.dirty_skipped;
      ++result.activated;
      activate(e, key);
      continue;
    }
    evict(key, result);
  }
  return result;
}

std::vector<PageKey> PageCache::inactive_list() const {
  return std::vector<PageKey>(inactive_.begin(), inactive_.end());
}

std::vector<PageKey> PageCache::active_list() const {
  return std::vector<PageKey>(active_.begin(), active_.end());
}

void PageCache::set_uptodate(const PageKey& key) {
  existing(key).state.flags.uptodate = true;
}

void PageCache::set_readahead_marker(const PageKey& key, bool marked) {
  existing(key).state.flags.readahead = marked;
}

bool PageCache::readahead_marker(const PageKey& key) const {
  const Entry* e = entry(key);
  return e != nullptr && e->state.flags.readahead;
}

void PageCache::mark_dirty(const PageKey& key, Picoseconds now) {
  Entry& e = existing(key);
  ++e.state.version;
  if (e.state.flags.dirty) return;
  e.state.flags.dirty = true;
  ++dirty_count_;
  auto [file, inserted] = dirty_files_.try_emplace(key.file);
  if (inserted) file->second.first_dirtied = now;  // __mark_inode_dirty: inode->dirtied_when
  file->second.indices.insert(key.index);
}

void PageCache::start_writeback(const PageKey& key) {
  Entry& e = existing(key);
  if (!e.state.flags.dirty) return;
  e.state.flags.dirty = false;
  --dirty_count_;
  clear_dirty_bookkeeping(key);
  if (!e.state.flags.writeback) {
    e.state.flags.writeback = true;
    ++writeback_count_;
  }
}

void PageCache::end_writeback(const PageKey& key) {
  Entry& e = existing(key);
  PageFlags& f = e.state.flags;
  if (!f.writeback) return;
  f.writeback = false;
  --writeback_count_;
  if (f.reclaim) {
    f.reclaim = false;
    if (!f.dirty) {
      // folio_rotate_reclaimable() -> lru_move_tail(): inactive tail, active cleared.
      (f.active ? active_ : inactive_).erase(e.lru_position);
      file_pages_[key.file].active -= f.active;
      f.active = false;
      inactive_.push_back(key);
      e.lru_position = std::prev(inactive_.end());
    }
  }
}

void PageCache::cancel_dirty(const PageKey& key) {
  Entry& e = existing(key);
  if (!e.state.flags.dirty) return;
  e.state.flags.dirty = false;
  --dirty_count_;
  clear_dirty_bookkeeping(key);
}

std::vector<std::uint64_t> PageCache::dirty_indices(FileId file) const {
  auto it = dirty_files_.find(file);
  if (it == dirty_files_.end()) return {};
  return std::vector<std::uint64_t>(it->second.indices.begin(), it->second.indices.end());
}

std::optional<Picoseconds> PageCache::first_dirtied(FileId file) const {
  auto it = dirty_files_.find(file);
  if (it == dirty_files_.end()) return std::nullopt;
  return it->second.first_dirtied;
}

std::vector<FileId> PageCache::dirty_files() const {
  std::vector<FileId> files;
  for (const auto& [file, state] : dirty_files_) files.push_back(file);
  std::stable_sort(files.begin(), files.end(), [this](FileId a, FileId b) {
    return dirty_files_.at(a).first_dirtied < dirty_files_.at(b).first_dirtied;
  });
  return files;
}

}  // namespace iosim::os
