// io_uring for direct reads: a submission ring and a completion ring in memory the process and
// the kernel share, so that the process queues reads and reaps their completions without a
// system call each, and computes while the disk and the DMA controller work. docs/models/kernel.md
// ("Asynchronous direct I/O: io_uring") gives the steps, their costs and the simplifications.
#include <algorithm>
#include <deque>

#include "models/hw/disk.h"
#include "models/os/kernel.h"
#include "models/os/kernel_internal.h"

namespace iosim::os {

namespace {

std::string size_text(std::uint64_t bytes) {
  return format_size(ByteSize(bytes));
}

/// Bytes of the rings io_uring_setup maps for `entries` entries: an SQE is 64 bytes, a CQE 16,
/// the ring of SQ indices 4 each, plus the head/tail words (one page in all for small rings).
std::uint64_t ring_bytes(std::uint64_t entries) {
  constexpr std::uint64_t kSqe = 64, kCqe = 16, kIndex = 4, kHeader = 64;
  return kHeader + entries * (kSqe + kIndex) + 2 * entries * kCqe;
}

}  // namespace

void Kernel::uring_read(Process& p, const UringRead& op) {
  // io_uring_setup(entries): the rings, mapped into the process (IORING_OFF_SQ_RING, ...).
  const Picoseconds setup_start = syscall_enter(p, "io_uring_setup");
  cpu_.kernel_work(p.task, params_.file_syscall_work);
  OpenFile* f = open_file(p, op.path);
  const std::uint64_t sector = wiring_.sector_size;
  const std::uint64_t depth = std::max<std::uint64_t>(1, op.depth);
  std::string error;
  if (f == nullptr) {
    error = "EBADF";
  } else if (!f->flags.direct || f->position % sector != 0 || op.chunk.bytes % sector != 0) {
    // The model runs only aligned O_DIRECT reads through the ring (buffered ones would go to
    // io-wq worker threads).
    error = "EINVAL";
  }
  if (!error.empty()) {
    syscall_return(p, "io_uring_setup", setup_start, std::to_string(depth), -1, error);
    return;
  }
  Buffer& rings = user_buffer(p, "uring", ring_bytes(depth));
  const std::int64_t ring_fd = lowest_free_fd(p);
  syscall_return(p, "io_uring_setup", setup_start,
                 std::to_string(depth) + " entries, rings in " + rings.region, ring_fd, "");

  File& file = *f->file;
  const std::uint64_t chunk = op.chunk.bytes;
  const std::uint64_t start = f->position;
  const std::uint64_t size = file.spec.size.bytes;
  const std::uint64_t total =
      std::min(op.bytes.bytes != 0 ? op.bytes.bytes : size, start < size ? size - start : 0);
  const std::uint64_t chunks = (total + chunk - 1) / chunk;
  Buffer& buffer =
      user_buffer(p, op.into, std::min(depth, std::max<std::uint64_t>(chunks, 1)) * chunk);

  // The application's side of the rings.
  struct Cqe {
    std::uint64_t slot, chunk;
  };
  std::deque<Cqe> completions;  // posted by the kernel, not yet reaped
  std::vector<std::pair<std::uint64_t, std::uint64_t>> queued;  // SQEs (slot, chunk) not submitted
  bool sleeping = false;  // in io_uring_enter waiting for min_complete
  std::uint64_t next = 0, reaped = 0, in_flight = 0;

  auto prepare = [&](std::uint64_t slot) {
    // io_uring_prep_read + the SQ tail store: user mode, no system call.
    cpu_.compute(p.task, params_.uring_sqe_work);
    queued.emplace_back(slot, next++);
  };
  // io_uring_enter(fd, to_submit, min_complete): the kernel takes every queued SQE and starts
  // its read (the block layer's DMA straight into the slot); with min_complete it sleeps until
  // a completion is in the ring.
  auto enter = [&](std::uint64_t min_complete) {
    const Picoseconds call = now_ps();
    cpu_.enter_kernel(p.task, "syscall io_uring_enter", cpu_.params().syscall_entry);
    narrate(p, "switch-1",
            "1. " + p.spec.name + " calls io_uring_enter(): the CPU switches to kernel mode", call,
            now_ps());
    cpu_.kernel_work(p.task, params_.file_syscall_work);
    const std::uint64_t submitted = queued.size();
    for (const auto& [slot, index] : queued) {
      const std::uint64_t offset = start + index * chunk;
      const std::uint64_t n = std::min(chunk, start + total - offset);
      const std::uint64_t blocks = (n + sector - 1) / sector * sector;
      ++in_flight;
      const std::uint64_t this_slot = slot, this_chunk = index;
      submit_direct(p, file, buffer, offset, blocks, BlockRequest::Kind::read, false, slot * chunk,
                    [&, this_slot, this_chunk](Picoseconds done) {
                      // The completion interrupt posts the CQE into the shared ring.
                      completions.push_back(Cqe{this_slot, this_chunk});
                      --in_flight;
                      narrate(p, "complete",
                              "The read of chunk " + std::to_string(this_chunk) +
                                  " is complete: its CQE is in the ring, no system call needed "
                                  "to see it",
                              done, done);
                      if (sleeping) wake(p);
                    });
    }
    queued.clear();
    if (submitted > 0) {
      narrate(p, "submit",
              "2. The kernel takes " + std::to_string(submitted) +
                  " SQEs from the ring and starts each read: DMA from the disk straight into " +
                  buffer.region + " [copy-1: DMA], no page cache",
              call, now_ps());
    }
    while (min_complete > 0 && completions.size() < min_complete && in_flight > 0 && !crashed_) {
      sleeping = true;
      block(p);  // the completion interrupt wakes us
      sleeping = false;
    }
    const Picoseconds returning = now_ps();
    syscall_return(p, "io_uring_enter", call,
                   std::to_string(ring_fd) + ", to_submit=" + std::to_string(submitted) +
                       ", min_complete=" + std::to_string(min_complete),
                   static_cast<std::int64_t>(submitted), "");
    narrate(p, "switch-2", "3. io_uring_enter() returns: the CPU switches back to user mode",
            returning, now_ps());
  };

  for (std::uint64_t slot = 0; slot < std::min(depth, chunks); ++slot) prepare(slot);
  if (!queued.empty()) enter(0);
  std::vector<std::uint8_t> expected, actual;
  while (reaped < chunks && !crashed_) {
    if (completions.empty()) {
      enter(1);  // nothing in the ring: submit what is queued and sleep for one
      continue;
    }
    // Reap every CQE in the ring, compute on its chunk, queue the next read in the freed slot.
    while (!completions.empty() && !crashed_) {
      const Cqe cqe = completions.front();
      completions.pop_front();
      cpu_.compute(p.task, params_.uring_cqe_work);
      ++reaped;
      const std::uint64_t offset = start + cqe.chunk * chunk;
      const std::uint64_t n = std::min(chunk, start + total - offset);
      // The checker: the slot holds the file's bytes.
      expected.assign(n, 0);
      actual.assign(n, 0);
      written_bytes(file, offset, expected.data(), n);
      peek_user(buffer, cqe.slot * chunk, actual.data(), n);
      check_bytes(p,
                  file.spec.path + " bytes " + std::to_string(offset) + "-" +
                      std::to_string(offset + n - 1) + " -> " + buffer.region + " slot " +
                      std::to_string(cqe.slot) + " (io_uring)",
                  expected, actual);
      if (op.compute != sc_core::SC_ZERO_TIME) {
        const Picoseconds work = now_ps();
        compute(p, Compute{op.compute, false});
        narrate(p, "compute",
                "4. " + p.spec.name + " works on chunk " + std::to_string(cqe.chunk) + " (" +
                    size_text(n) + ") while the other reads are in flight",
                work, now_ps());
      }
      if (next < chunks) prepare(cqe.slot);
    }
    if (!queued.empty() && !crashed_) enter(0);
  }
  if (crashed_) {
    // The machine stopped at a crash: reads still in flight must not post into this frame.
    sc_core::sc_event never;
    sc_core::wait(never);
  }
  f->position = start + total;
}

}  // namespace iosim::os
