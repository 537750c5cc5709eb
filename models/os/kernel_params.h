#pragma once

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"
#include "models/os/writeback_policy.h"

namespace iosim::os {

struct KernelParams {
  sc_core::sc_time driver_setup{2, sc_core::SC_US};
  sc_core::sc_time timeslice{4, sc_core::SC_MS};
  bool wakeup_preemption = true;
  std::uint64_t max_sectors_per_command = 256;
  sc_core::sc_time decoupling_quantum{10, sc_core::SC_US};
  // The storage path: VFS, page cache, read-ahead, file system.
  sc_core::sc_time file_syscall_work{500, sc_core::SC_NS};
  sc_core::sc_time page_lookup{50, sc_core::SC_NS};
  ByteSize page_cache_size{64ULL << 20};
  std::uint64_t read_ahead_kb = 128;
  std::uint64_t fs_first_lba = 2048;
  ByteSize fs_max_extent{128ULL << 20};
  // The network path: sockets and the TCP transmit path.
  ByteSize socket_buffer_size{64ULL << 10};
  sc_core::sc_time tcp_xmit_work{1, sc_core::SC_US};
  sc_core::sc_time tcp_rx_work{1, sc_core::SC_US};
  ByteSize rx_buffer_size{2048};
  std::uint64_t napi_budget = 64;
  sc_core::sc_time page_fault_work{1, sc_core::SC_US};
  std::uint64_t fault_around_kb = 64;
  std::uint64_t pipe_buffers = 16;
  // The write path: dirty pages, writeback, durability.
  DirtyParams dirty;  // the vm.dirty_* sysctls, visited as kernel.dirty_*
  ByteSize stdio_buffer{4096};
  sc_core::sc_time page_dirty_work{100, sc_core::SC_NS};
  sc_core::sc_time flusher_work{5, sc_core::SC_US};
  // MSG_ZEROCOPY.
  sc_core::sc_time zerocopy_pin_work{200, sc_core::SC_NS};
  // Memory mappings.
  sc_core::sc_time mmap_work{1, sc_core::SC_US};
  sc_core::sc_time munmap_work{2, sc_core::SC_US};
  sc_core::sc_time pte_work{50, sc_core::SC_NS};
  // io_uring.
  sc_core::sc_time uring_sqe_work{50, sc_core::SC_NS};
  sc_core::sc_time uring_cqe_work{20, sc_core::SC_NS};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"driver_setup",
               "CPU time a driver spends preparing one request besides its register accesses "
               "(checks, building a descriptor list or channel program, queueing)",
               "textbook"},
      driver_setup);
    v(ParamDoc{"timeslice", "How long a process runs before another runnable one gets the CPU",
               "CFS sched_latency 6 ms / 24 ms; textbook 4 ms"},
      timeslice);
    v(ParamDoc{"wakeup_preemption",
               "A process woken by I/O preempts a running computation at once (CFS wakeup "
               "preemption) instead of waiting for the timeslice to end",
               "kernel/sched/fair.c check_preempt_wakeup"},
      wakeup_preemption);
    v(ParamDoc{"max_sectors_per_command",
               "Largest request the block driver sends to a disk in one command; longer reads "
               "are split",
               "ATA 28-bit commands: 256 sectors"},
      max_sectors_per_command);
    v(ParamDoc{"decoupling_quantum",
               "Longest stretch PIO code runs ahead of the simulation clock before it "
               "synchronises; bounds how late an interrupt is noticed during PIO",
               "simulation setting; TLM-2.0 quantum keeper practice"},
      decoupling_quantum);
    v(ParamDoc{"file_syscall_work",
               "CPU time of the VFS part of one open/read/lseek/fadvise/close besides the mode "
               "switches (file descriptor lookup, permission and range checks)",
               "textbook: ~0.5 us (a 4 KiB cached read() costs ~1 us, linux-io.md section 9)"},
      file_syscall_work);
    v(ParamDoc{"page_lookup",
               "CPU time to find one page of a file in the page cache (xarray walk, reference "
               "count), per page a read() touches",
               "textbook: ~50 ns"},
      page_lookup);
    v(ParamDoc{"page_cache_size",
               "Memory the page cache may hold; adding a page beyond it reclaims clean pages "
               "from the inactive list first",
               "textbook: 64 MiB; set it small to watch eviction"},
      page_cache_size);
    v(ParamDoc{"read_ahead_kb",
               "Largest read-ahead window of a file on a disk, in KiB (rounded down to whole "
               "4 KiB pages); 0 disables read-ahead (each missing page is read on its own)",
               "/sys/block/<dev>/queue/read_ahead_kb = 128 (VM_READAHEAD_PAGES, "
               "include/linux/mm.h)"},
      read_ahead_kb);
    v(ParamDoc{"fs_first_lba",
               "First block of the file system on each disk; files are laid out from here, one "
               "after the other, 4 KiB-aligned",
               "fdisk: first partition at sector 2048 (1 MiB)"},
      fs_first_lba);
    v(ParamDoc{"fs_max_extent",
               "Longest extent (contiguous run of blocks) of a file; a longer file gets several",
               "ext4: 32768 blocks of 4 KiB = 128 MiB per extent"},
      fs_max_extent);
    v(ParamDoc{"socket_buffer_size",
               "Send buffer of a TCP socket (sk_sndbuf): bytes sent and not yet acknowledged, "
               "linear data and page fragments alike; a sender that would exceed it sleeps "
               "until acknowledgements free room. At most 512 KiB (kernel memory of the model)",
               "net.ipv4.tcp_wmem: 16 KiB initially, grown by autotuning up to 4 MiB; "
               "textbook 64 KiB (one TSO packet)"},
      socket_buffer_size);
    v(ParamDoc{"tcp_xmit_work",
               "CPU time of the TCP/IP transmit path per skb besides copies and the driver's "
               "descriptor and doorbell writes (tcp_sendmsg bookkeeping, headers, "
               "dev_queue_xmit)",
               "textbook: ~1 us per packet"},
      tcp_xmit_work);
    v(ParamDoc{"tcp_rx_work",
               "CPU time of the receive path per incoming segment (an ACK) besides reading its "
               "descriptor and headers: netif_receive_skb, ip_rcv, tcp_v4_rcv, tcp_ack freeing "
               "the acknowledged skbs, the buffer's refill",
               "textbook: ~1 us per packet, as the transmit path"},
      tcp_rx_work);
    v(ParamDoc{"rx_buffer_size",
               "Bytes of each receive buffer the driver posts in the NIC's RX ring (kernel "
               "memory, one per descriptor)",
               "ixgbe: IXGBE_RXBUFFER_2K = 2048 B"},
      rx_buffer_size);
    v(ParamDoc{"napi_budget",
               "Receive descriptors one NAPI poll processes before the driver refills the ring "
               "(writes RX_TAIL) and polls again",
               "NAPI_POLL_WEIGHT = 64 (include/linux/netdevice.h)"},
      napi_budget);
    v(ParamDoc{"page_fault_work",
               "CPU time of one page fault on a file mapping besides any disk I/O (exception "
               "entry, filemap_fault, the page-table update), per page first touched",
               "linux-io.md section 9: a minor fault costs ~0.5-3 us; textbook 1 us"},
      page_fault_work);
    v(ParamDoc{"fault_around_kb",
               "Window of a file mapping, in KiB (whole 4 KiB pages, aligned), whose pages "
               "already up to date one fault maps at once (do_fault_around)",
               "mm/memory.c: fault_around_bytes = 64 KiB (debugfs)"},
      fault_around_kb);
    v(ParamDoc{"pipe_buffers",
               "Slots of a pipe (pipe2, splice, tee): each holds a reference to one page, or "
               "part of one; a splice into a full pipe moves nothing more",
               "PIPE_DEF_BUFFERS = 16 (include/linux/pipe_fs_i.h): 64 KiB of 4 KiB pages; "
               "fcntl(F_SETPIPE_SZ) changes it"},
      pipe_buffers);
    dirty.visit_params(v);
    v(ParamDoc{"stdio_buffer",
               "Buffer of a C library stream (fwrite): bytes stay in the process until it is "
               "full or fflush() writes it",
               "glibc: st_blksize of the file, 4 KiB on ext4 (BUFSIZ 8 KiB)"},
      stdio_buffer);
    v(ParamDoc{"page_dirty_work",
               "CPU time of a buffered write() per page besides the copy (write_begin / "
               "write_end: find or allocate the page, mark it dirty, account it)",
               "textbook: ~0.1 us"},
      page_dirty_work);
    v(ParamDoc{"flusher_work",
               "CPU time of the flusher thread (kworker, wb_workfn) each time it wakes to write "
               "back, besides building each request (driver_setup)",
               "textbook: ~5 us"},
      flusher_work);
    v(ParamDoc{"zerocopy_pin_work",
               "CPU time per page of a send() with MSG_ZEROCOPY to pin the user page and account "
               "it (get_user_pages_fast, mm_account_pinned_pages, the ubuf_info)",
               "Documentation/networking/msg_zerocopy.rst: page pinning makes zerocopy worth it "
               "only above ~10 KB; textbook 200 ns"},
      zerocopy_pin_work);
    v(ParamDoc{"mmap_work",
               "CPU time of mmap() besides the system call itself: find room in the address "
               "space, create the VMA (no page is mapped yet)",
               "textbook: ~1 us"},
      mmap_work);
    v(ParamDoc{"munmap_work",
               "CPU time of munmap(): zap the page-table entries, free the VMA and flush the TLB "
               "(a shootdown of other CPUs would cost more)",
               "linux-io.md section 9: TLB shootdown costs microseconds; textbook 2 us"},
      munmap_work);
    v(ParamDoc{"pte_work",
               "CPU time to set up one page-table entry in a fault (each page fault-around maps "
               "costs this, besides page_fault_work per fault)",
               "textbook: ~50 ns"},
      pte_work);
    v(ParamDoc{"uring_sqe_work",
               "User-mode CPU time to fill one io_uring submission queue entry (io_uring_prep_read "
               "and the ring's tail update), no system call",
               "liburing: tens of ns per SQE"},
      uring_sqe_work);
    v(ParamDoc{"uring_cqe_work",
               "User-mode CPU time to reap one completion queue entry from the shared ring (no "
               "system call)",
               "liburing io_uring_peek_cqe: ~10-20 ns"},
      uring_cqe_work);
  }
};

}  // namespace iosim::os
