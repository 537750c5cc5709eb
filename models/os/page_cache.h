// The Linux page cache and its reclaim policy (mm/filemap.c, mm/swap.c, mm/vmscan.c,
// mm/workingset.c) as a plain class: pages keyed by (file, index) with their flags, the two file
// LRU lists, folio_mark_accessed(), reclaim from the inactive tail, deactivation of the active
// list, shadow entries with refault detection, and the dirty bookkeeping the flusher needs.
//
// It holds no page contents (the simulated kernel keeps bytes elsewhere) but a version counter
// per page, bumped by every write. It takes no simulated time: times come in as Picoseconds.
// docs/models/page-cache.md gives every rule with its source and the simplifications (no
// MGLRU, one node, one memory cgroup, no anonymous memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::os {

/// Pages reclaim works on per batch: SWAP_CLUSTER_MAX (include/linux/swap.h).
constexpr std::uint64_t kSwapClusterMax = 32;
/// inactive_is_low() sizes the lists in gigabytes: (inactive + active) >> (30 - PAGE_SHIFT).
constexpr std::uint64_t kBytesPerGigabyte = 1ULL << 30;
/// inactive_ratio = int_sqrt(10 * gb) (mm/vmscan.c inactive_is_low).
constexpr std::uint64_t kInactiveRatioScale = 10;

using FileId = std::uint64_t;

struct PageKey {
  FileId file = 0;
  std::uint64_t index = 0;
  friend bool operator==(const PageKey& a, const PageKey& b) {
    return a.file == b.file && a.index == b.index;
  }
  friend bool operator!=(const PageKey& a, const PageKey& b) { return !(a == b); }
  friend bool operator<(const PageKey& a, const PageKey& b) {
    return a.file != b.file ? a.file < b.file : a.index < b.index;
  }
};

struct PageKeyHash {
  std::size_t operator()(const PageKey& k) const {
    // Fibonacci hashing spreads consecutive file ids before the index is mixed in.
    constexpr std::uint64_t kGoldenRatio64 = 0x9E3779B97F4A7C15ULL;
    return std::hash<std::uint64_t>()(k.file * kGoldenRatio64 ^ k.index);
  }
};

/// The page flags the policy uses (include/linux/page-flags.h).
struct PageFlags {
  bool uptodate = false;    // PG_uptodate: contents valid (read I/O finished or fully written)
  bool dirty = false;       // PG_dirty: newer than the disk
  bool writeback = false;   // PG_writeback: being written to the disk
  bool referenced = false;  // PG_referenced: accessed once since it entered its list
  bool active = false;      // PG_active: on the active list
  bool readahead = false;   // PG_readahead: reading it triggers asynchronous read-ahead
  bool reclaim = false;     // PG_reclaim: reclaim met it dirty or under writeback
  bool workingset = false;  // PG_workingset: was on the active list before (refault restore)
  bool pte_young = false;   // a page-table accessed bit of a mapping of the page (mmap)
};

struct PageState {
  PageFlags flags;
  /// Bumped by every write to the page (mark_dirty): the lead compares it with the version on
  /// the disk to know what a crash loses.
  std::uint64_t version = 0;
};

struct PageCacheParams {
  ByteSize capacity{64ULL << 20};
  ByteSize page_size{4096};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"capacity", "Memory the page cache may use; adding a page beyond it reclaims first",
               "textbook: a small cache so that eviction shows"},
      capacity);
    v(ParamDoc{"page_size", "Size of one page-cache page", "x86-64: 4 KiB"}, page_size);
  }
  std::uint64_t capacity_pages() const { return capacity.bytes / page_size.bytes; }
};

/// What one reclaim pass did (shrink_lruvec / shrink_folio_list statistics).
struct ShrinkResult {
  std::uint64_t scanned = 0;            // inactive pages looked at
  std::uint64_t reclaimed = 0;          // pages freed
  std::uint64_t dirty_skipped = 0;      // dirty pages met (activated with PG_reclaim)
  std::uint64_t writeback_skipped = 0;  // pages under writeback met (likewise)
  std::uint64_t rotated = 0;            // mapped pages kept on the inactive list (FOLIOREF_KEEP)
  std::uint64_t activated = 0;          // pages moved to the active list by reclaim
  std::uint64_t deactivated = 0;        // active pages moved to the inactive list
  std::vector<PageKey> evicted;         // pages freed, in order: drop their contents
};

/// What adding a page did.
struct AddResult {
  bool added = false;            // false: already present, or full with nothing reclaimable
  bool already_present = false;  // the page was in the cache; nothing changed
  bool refault = false;          // a shadow entry was found (WORKINGSET_REFAULT)
  bool activated = false;        // ... and its refault distance was short: the page starts active
  ShrinkResult reclaim;          // the reclaim that made room, if any
};

struct PageCacheCounters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  /// Promotions to the active list: by folio_mark_accessed, by reclaim (PGACTIVATE) and by
  /// refaults.
  std::uint64_t activations = 0;
  std::uint64_t deactivations = 0;
  std::uint64_t refaults = 0;             // WORKINGSET_REFAULT_FILE
  std::uint64_t refault_activations = 0;  // WORKINGSET_ACTIVATE_FILE
};

class PageCache {
 public:
  explicit PageCache(const PageCacheParams& params);

  // --- Lookup -----------------------------------------------------------------------------
  /// The page, or nullptr; counts nothing.
  const PageState* find(const PageKey& key) const;
  bool contains(const PageKey& key) const { return find(key) != nullptr; }
  /// A read or fault looking for a page: counts a hit or a miss. Does not mark it accessed (the
  /// reader does so after copying, see mark_accessed).
  bool lookup(const PageKey& key);

  // --- Insertion and removal ---------------------------------------------------------------
  /// Adds a page (not yet up to date) at the head of the inactive list, or of the active list
  /// when a shadow entry says it was evicted recently (workingset_refault). At capacity it
  /// reclaims kSwapClusterMax pages first. Adding a present page changes nothing.
  AddResult add_page(const PageKey& key);
  /// Truncation or invalidation: the page leaves without a shadow entry.
  void remove_page(const PageKey& key);
  /// Removes every page and shadow entry of a file (truncate to zero, O_DIRECT invalidation of
  /// the whole file).
  void remove_file(FileId file);

  // --- LRU ---------------------------------------------------------------------------------
  /// folio_mark_accessed(): inactive+unreferenced -> inactive+referenced -> active (unreferenced);
  /// active+unreferenced -> active+referenced.
  void mark_accessed(const PageKey& key);
  /// A mapping touched the page (the page-table accessed bit folio_referenced() reads).
  void mark_pte_young(const PageKey& key);
  /// Reclaims up to `nr_to_reclaim` pages (shrink_lruvec): deactivates active pages while the
  /// inactive list is low, then works from the inactive tail. Looks at each page at most once
  /// per call, so it ends even when everything is dirty.
  ShrinkResult shrink(std::uint64_t nr_to_reclaim);
  /// inactive * int_sqrt(10 * gigabytes) < active (inactive_is_low).
  bool inactive_is_low() const;
  /// int_sqrt(10 * gigabytes of both file lists), or 1 below a gigabyte.
  std::uint64_t inactive_ratio() const;
  /// Keys from head (most recently added) to tail (next to reclaim).
  std::vector<PageKey> inactive_list() const;
  std::vector<PageKey> active_list() const;

  // --- Flags -------------------------------------------------------------------------------
  void set_uptodate(const PageKey& key);
  void set_readahead_marker(const PageKey& key, bool marked);
  bool readahead_marker(const PageKey& key) const;
  /// A write: bumps the version, sets PG_dirty and, when the file had no dirty page, records
  /// `now` as the time the file (inode) was first dirtied.
  void mark_dirty(const PageKey& key, Picoseconds now);
  /// The flusher takes the page: PG_dirty -> PG_writeback (folio_clear_dirty_for_io +
  /// folio_start_writeback).
  void start_writeback(const PageKey& key);
  /// The write I/O completed (folio_end_writeback). A page reclaim met under writeback
  /// (PG_reclaim) and now clean goes to the inactive tail to be freed first
  /// (folio_rotate_reclaimable).
  void end_writeback(const PageKey& key);
  /// Dirty data dropped without writing (truncate): PG_dirty cleared.
  void cancel_dirty(const PageKey& key);

  // --- Dirty bookkeeping for the flusher --------------------------------------------------
  std::uint64_t dirty_pages() const { return dirty_count_; }
  std::uint64_t writeback_pages() const { return writeback_count_; }
  /// Dirty page indices of a file, ascending (the order writeback writes them).
  std::vector<std::uint64_t> dirty_indices(FileId file) const;
  /// When the file went from clean to dirty (inode->dirtied_when), if it has dirty pages.
  std::optional<Picoseconds> first_dirtied(FileId file) const;
  /// Files with dirty pages, oldest first dirtied first (the b_dirty list order).
  std::vector<FileId> dirty_files() const;

  // --- Sizes and counters -----------------------------------------------------------------
  /// Pages of one file in the cache, and how many of them are on the active list (kept as the
  /// lists change, so that asking costs nothing: a read() reports them every call).
  struct FilePages {
    std::uint64_t resident = 0;
    std::uint64_t active = 0;
  };
  FilePages file_pages(FileId file) const;
  std::uint64_t size() const { return pages_.size(); }
  std::uint64_t capacity_pages() const { return capacity_pages_; }
  std::uint64_t active_pages() const { return active_.size(); }
  std::uint64_t inactive_pages() const { return inactive_.size(); }
  std::uint64_t shadow_entries() const { return shadows_.size(); }
  /// lruvec->nonresident_age: evictions plus activations so far (mm/workingset.c).
  std::uint64_t nonresident_age() const { return nonresident_age_; }
  const PageCacheCounters& counters() const { return counters_; }

 private:
  using Lru = std::list<PageKey>;
  struct Entry {
    PageState state;
    Lru::iterator lru_position;
  };
  struct Shadow {
    std::uint64_t eviction_age = 0;  // nonresident_age when the page was evicted
    bool workingset = false;
  };
  struct DirtyFile {
    std::set<std::uint64_t> indices;
    Picoseconds first_dirtied = 0;
  };

  Entry* entry(const PageKey& key);
  const Entry* entry(const PageKey& key) const;
  Entry& existing(const PageKey& key);
  void move_to_active_head(Entry& e, const PageKey& key);
  void move_to_inactive_head(Entry& e, const PageKey& key);
  void activate(Entry& e, const PageKey& key);
  void deactivate_batch(ShrinkResult& result);
  void evict(const PageKey& key, ShrinkResult& result);
  void clear_dirty_bookkeeping(const PageKey& key);
  void erase_page(const PageKey& key);

  std::uint64_t page_size_;
  std::uint64_t capacity_pages_;
  std::unordered_map<PageKey, Entry, PageKeyHash> pages_;
  Lru inactive_;  // front = head (newest), back = tail (reclaimed first)
  Lru active_;
  std::unordered_map<PageKey, Shadow, PageKeyHash> shadows_;
  std::map<FileId, DirtyFile> dirty_files_;
  std::unordered_map<FileId, FilePages> file_pages_;
  std::uint64_t dirty_count_ = 0;
  std::uint64_t writeback_count_ = 0;
  std::uint64_t nonresident_age_ = 0;
  PageCacheCounters counters_;
};

/// Integer square root, rounded down (lib/math/int_sqrt.c).
std::uint64_t int_sqrt(std::uint64_t x);

}  // namespace iosim::os
