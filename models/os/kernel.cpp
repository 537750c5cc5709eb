#include "models/os/kernel.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "models/core/byte_order.h"
#include "models/hw/disk.h"
#include "models/hw/dma_controller.h"
#include "models/hw/ethernet.h"
#include "models/hw/network_peer.h"
#include "models/os/kernel_internal.h"

namespace iosim::os {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

// Channel processor registers (models/hw/channel_processor.h) and CCW/CSW layout.
namespace chan {
constexpr std::uint64_t caw = 0x00, device = 0x04, start = 0x08, condition_code = 0x0C,
                        interruption = 0x10;
constexpr std::uint8_t flag_chain_data = 0x80, flag_chain_command = 0x40,
                       flag_suppress_length = 0x20;
constexpr std::uint8_t channel_end = 0x08, device_end = 0x04, unit_check = 0x02;
constexpr std::uint8_t command_read = 0x02, command_locate = 0x07;
constexpr std::size_t ccw_bytes = 8, csw_bytes = 8;
}  // namespace chan

constexpr std::uint64_t kKernelHeapStart = 0x1000;
/// The kernel's own memory (rings, descriptors, socket and receive buffers) lies below this.
constexpr std::uint64_t kUserMemoryStart = 4ULL << 20;
constexpr std::uint64_t kDmaZoneEnd = 1ULL << 31;
constexpr std::uint64_t kDescriptorBytes = 16;

std::string size_text(std::uint64_t bytes) {
  return format_size(ByteSize(bytes));
}

}  // namespace

Kernel::Kernel(sc_core::sc_module_name name, const KernelParams& params, const KernelWiring& wiring,
               ModelContext& context)
    : sc_module(name),
      params_(params),
      wiring_(wiring),
      context_(context),
      cpu_(*wiring.cpu),
      kernel_heap_(kKernelHeapStart),
      page_cache_(PageCacheParams{params.page_cache_size, ByteSize(kPageSize)}) {
  if (!wiring_.cpu || !wiring_.bus || !wiring_.dram) {
    throw std::invalid_argument("kernel: needs a cpu, a bus and memory");
  }
  if (params_.page_cache_size.bytes < kPageSize) {
    throw std::invalid_argument("kernel.page_cache_size must hold at least one 4KiB page");
  }
  if (params_.napi_budget == 0) {
    throw std::invalid_argument("kernel.napi_budget must be at least 1");
  }
  if (params_.rx_buffer_size.bytes < hw::ethernet::kAckFrameBytes ||
      params_.rx_buffer_size.bytes > 0xFFFF) {
    throw std::invalid_argument("kernel.rx_buffer_size must be between 54B and 65535B");
  }
  if (params_.socket_buffer_size.bytes < kPageSize ||
      params_.socket_buffer_size.bytes > (512ULL << 10)) {
    throw std::invalid_argument("kernel.socket_buffer_size must be between 4KiB and 512KiB");
  }
  if (wiring_.peer != nullptr) {
    // The checker's expectation: what was sent. (TCP's acknowledgements come back as frames
    // through the NIC's RX ring: nic_interrupt.)
    wiring_.peer->expect([this](std::uint32_t c, std::uint64_t offset, std::uint8_t* out,
                                std::size_t n) { expected_stream(c, offset, out, n); });
  }
  cpu_.set_interrupt_handler([this](int line, sc_time& local) { handle_interrupt(line, local); });
  cpu_.set_interrupt_exit_hook([this] { on_interrupt_exit(); });
  SC_THREAD(boot);
}

Kernel::~Kernel() = default;

void Kernel::stop_other_threads() {
  // sc_stop() leaves every other thread where it waits, and its stack is never unwound: what a
  // thread holds there (a flusher between two chunks, a process or a DMA transfer cut short by
  // a crash) would leak. Killing them first unwinds their stacks (sc_unwind_exception).
  const sc_core::sc_process_handle self = sc_core::sc_get_current_process_handle();
  std::vector<sc_core::sc_object*> todo = sc_core::sc_get_top_level_objects();
  std::vector<sc_core::sc_process_handle> threads;
  while (!todo.empty()) {
    sc_core::sc_object* object = todo.back();
    todo.pop_back();
    for (sc_core::sc_object* child : object->get_child_objects()) todo.push_back(child);
    const sc_core::sc_process_handle handle(object);
    if (handle.valid() && handle.proc_kind() == sc_core::SC_THREAD_PROC_ && handle != self &&
        !handle.terminated()) {
      threads.push_back(handle);
    }
  }
  for (sc_core::sc_process_handle& thread : threads) {
    if (!thread.terminated()) thread.kill();
  }
}

void Kernel::fail(const std::string& message) {
  if (!failure_.empty()) return;
  failure_ = message;
  stop_other_threads();
  sc_core::sc_stop();
}

void Kernel::add_process(const ProcessSpec& spec) {
  auto p = std::make_unique<Process>(spec);
  p->finite = !any_operation(spec.program, [](const Operation& op) {
    const Compute* c = std::get_if<Compute>(&op);
    return c && c->until_end;
  });
  context_.declare_region(spec.name, trace::Layer::user, "process " + spec.name);
  processes_.push_back(std::move(p));
}

std::string Kernel::describe_unfinished() const {
  std::string text;
  for (const auto& p : processes_) {
    if (!p->finite || p->state == Process::State::done) continue;
    if (!text.empty()) text += "; ";
    text += p->spec.name + (p->state == Process::State::blocked ? " is blocked" : " has not ended");
  }
  return text;
}

void Kernel::boot() {
  started_ = true;
  auto writes = [](const Operation& op) {
    return std::holds_alternative<FileWrite>(op) || std::holds_alternative<StdioWrite>(op) ||
           std::holds_alternative<MapWrite>(op);
  };
  for (const auto& p : processes_) {
    write_path_used_ = write_path_used_ || any_operation(p->spec.program, writes) ||
                       any_operation(p->spec.setup, writes);
  }
  for (auto& p : processes_) {
    if (p->finite) ++finite_processes_left_;
    // What its computation touches: one page, so that fills are real memory traffic.
    p->task.working_set_base = allocate_frame();
    p->task.working_set_size = kPageSize;
    run_queue_.push_back(p.get());
  }
  for (auto& p : processes_) {
    Process* process = p.get();
    sc_core::sc_spawn([this, process] { process_main(*process); },
                      sc_core::sc_gen_unique_name(process->spec.name.c_str()));
  }
  // The flusher thread exists in runs that write files (in others it would only sleep).
  if (write_path_used_) start_flusher();
  if (crash_) sc_core::sc_spawn([this] { crash_thread(); }, "crash");
  if (finite_processes_left_ == 0 && !crash_) {
    end_time_ = now_ps();
    sc_core::sc_stop();
  }
}

// --- Processes --------------------------------------------------------------------------------

void Kernel::process_main(Process& p) {
  wait_to_run(p);
  // Set-up (opening files, connecting sockets) runs like the program; its records carry step
  // "setup" so that the transfer's figures leave it out.
  p.task.step = "setup";
  for (const Operation& op : p.spec.setup) run(p, op);
  p.task.step.clear();
  for (const Operation& op : p.spec.program) run(p, op);
  // exit() flushes the C library's streams (their bytes reach the kernel only now).
  for (auto& [path, stream] : p.stdio) {
    if (!crashed_) flush_stream(p, path, stream);
  }
  if (crashed_) {
    // The machine stopped at the crash: this process never gets further.
    sc_core::sc_event never;
    sc_core::wait(never);
  }
  exit_process(p);
}

void Kernel::run(Process& p, const Operation& op) {
  if (crashed_) return;
  if (const auto* c = std::get_if<Compute>(&op)) {
    compute(p, *c);
  } else if (const auto* s = std::get_if<Sleep>(&op)) {
    sleep(p, *s);
  } else if (const auto* r = std::get_if<DeviceRead>(&op)) {
    device_read(p, *r);
  } else if (const auto* o = std::get_if<FileOpen>(&op)) {
    file_open(p, *o);
  } else if (const auto* fr = std::get_if<FileRead>(&op)) {
    file_read(p, *fr);
  } else if (const auto* fs = std::get_if<FileSeek>(&op)) {
    file_seek(p, *fs);
  } else if (const auto* fa = std::get_if<FileAdvise>(&op)) {
    file_advise(p, *fa);
  } else if (const auto* fc = std::get_if<FileClose>(&op)) {
    file_close(p, *fc);
  } else if (const auto* sc = std::get_if<SocketConnect>(&op)) {
    socket_connect(p, *sc);
  } else if (const auto* rw = std::get_if<ReadWrite>(&op)) {
    read_write(p, *rw);
  } else if (const auto* sf = std::get_if<SendFile>(&op)) {
    send_file(p, *sf);
  } else if (const auto* mw = std::get_if<MmapWrite>(&op)) {
    mmap_write(p, *mw);
  } else if (const auto* pc = std::get_if<PipeCreate>(&op)) {
    pipe_create(p, *pc);
  } else if (const auto* sp = std::get_if<Splice>(&op)) {
    splice(p, *sp);
  } else if (const auto* te = std::get_if<Tee>(&op)) {
    tee(p, *te);
  } else if (const auto* fw = std::get_if<FileWrite>(&op)) {
    file_write(p, *fw);
  } else if (const auto* sw = std::get_if<StdioWrite>(&op)) {
    stdio_write(p, *sw);
  } else if (const auto* sf2 = std::get_if<StdioFlush>(&op)) {
    stdio_flush(p, *sf2);
  } else if (const auto* fy = std::get_if<FileSync>(&op)) {
    file_sync(p, *fy);
  } else if (const auto* vm = std::get_if<Vmsplice>(&op)) {
    vmsplice(p, *vm);
  } else if (const auto* zc = std::get_if<ReadSendZerocopy>(&op)) {
    read_send_zerocopy(p, *zc);
  } else if (const auto* mm = std::get_if<MmapFile>(&op)) {
    mmap_file(p, *mm);
  } else if (const auto* mr = std::get_if<MapRead>(&op)) {
    map_read(p, *mr);
  } else if (const auto* mw2 = std::get_if<MapWrite>(&op)) {
    map_write(p, *mw2);
  } else if (const auto* ms = std::get_if<Msync>(&op)) {
    msync(p, *ms);
  } else if (const auto* mu = std::get_if<Munmap>(&op)) {
    munmap(p, *mu);
  } else if (const auto* ur = std::get_if<UringRead>(&op)) {
    uring_read(p, *ur);
  } else if (const auto* cr = std::get_if<Crash>(&op)) {
    crash_now(cr->kind, now_ps());
  } else if (const auto* loop = std::get_if<Repeat>(&op)) {
    for (std::uint64_t i = 0; i < loop->count; ++i) {
      for (const Operation& inner : loop->body) {
        if (crashed_) return;
        run(p, inner);
      }
    }
  }
}

void Kernel::compute(Process& p, const Compute& op) {
  const Picoseconds slice = std::max<Picoseconds>(to_ps(params_.timeslice), 1);
  Picoseconds left = op.until_end ? ~Picoseconds{0} : to_ps(op.duration);
  while (left > 0) {
    if (op.until_end && finite_processes_left_ == 0) return;
    const Picoseconds chunk = std::min(left, slice - p.slice_used);
    cpu_.compute(p.task, from_ps(chunk));
    left -= chunk;
    p.slice_used += chunk;
    if (p.slice_used >= slice) {
      p.slice_used = 0;
      const bool others_waiting = std::any_of(run_queue_.begin(), run_queue_.end(), [](Process* q) {
        return q->state == Process::State::runnable;
      });
      if (others_waiting) yield(p, "timeslice");
    }
  }
}

void Kernel::sleep(Process& p, const Sleep& op) {
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall nanosleep", cpu_.params().syscall_entry);
  p.state = Process::State::blocked;
  Process* next = pop_runnable();
  cpu_.switch_to(next ? &next->task : nullptr, "sleep");
  cpu_.release(p.task);
  sc_core::wait(op.duration);
  p.state = Process::State::runnable;
  run_queue_.push_back(&p);
  wait_to_run(p);
  cpu_.return_to_user(p.task, "sysret nanosleep", cpu_.params().syscall_exit);
  trace::Record r;
  r.start = start;
  r.end = now_ps();
  r.actor = p.spec.name;
  r.data = trace::Syscall{p.spec.name, "nanosleep", format_time(op.duration), 0, ""};
  context_.record(std::move(r));
}

// --- Scheduling -------------------------------------------------------------------------------

Kernel::Process* Kernel::pop_runnable() {
  while (!run_queue_.empty()) {
    Process* p = run_queue_.front();
    run_queue_.pop_front();
    if (p->state == Process::State::runnable) return p;
  }
  return nullptr;
}

void Kernel::wait_to_run(Process& p) {
  for (;;) {
    if (cpu_.running() == &p.task) {
      cpu_.acquire(p.task);
      p.state = Process::State::running;
      return;
    }
    if (cpu_.idle() && !run_queue_.empty() && run_queue_.front() == &p) {
      // Nobody runs: the first runnable process dispatches itself.
      run_queue_.pop_front();
      cpu_.claim_idle(p.task);
      cpu_.switch_to(&p.task, "dispatch");
      p.state = Process::State::running;
      return;
    }
    sc_core::wait(cpu_.changed_event() | p.wake);
  }
}

void Kernel::block(Process& p) {
  p.state = Process::State::blocked;
  Process* next = pop_runnable();
  cpu_.switch_to(next ? &next->task : nullptr, "block");
  cpu_.release(p.task);
  while (p.state == Process::State::blocked) sc_core::wait(p.wake);
  wait_to_run(p);
}

void Kernel::wake(Process& p) {
  if (p.state != Process::State::blocked) return;
  p.state = Process::State::runnable;
  // A process woken by I/O goes first: it has been waiting and will block again soon.
  run_queue_.push_front(&p);
  need_resched_ = true;
  p.wake.notify(SC_ZERO_TIME);
}

void Kernel::yield(Process& p, const std::string& reason) {
  cpu_.acquire(p.task);
  p.state = Process::State::runnable;
  run_queue_.push_back(&p);
  Process* next = pop_runnable();
  if (next == &p) {
    p.state = Process::State::running;
    return;
  }
  cpu_.switch_to(next ? &next->task : nullptr, reason);
  cpu_.release(p.task);
  wait_to_run(p);
}

void Kernel::on_interrupt_exit() {
  if (!need_resched_) return;
  need_resched_ = false;
  hw::Task* current = cpu_.running();
  if (!current) {
    if (Process* next = pop_runnable()) cpu_.switch_to(&next->task, "wakeup");
    return;
  }
  // Only user code is preempted: the kernel modelled here is not preemptible.
  if (!params_.wakeup_preemption || !current->resume_to_user) return;
  auto it = std::find_if(processes_.begin(), processes_.end(),
                         [current](const auto& q) { return &q->task == current; });
  Process* next = pop_runnable();
  if (!next || it == processes_.end()) return;
  (*it)->state = Process::State::runnable;
  run_queue_.push_back(it->get());
  cpu_.switch_to(&next->task, "wakeup preemption");
}

void Kernel::exit_process(Process& p) {
  cpu_.acquire(p.task);
  p.state = Process::State::done;
  if (p.finite && --finite_processes_left_ == 0) {
    if (crash_ && !crashed_) {
      // A crash is still to come: the machine runs on (the flusher, the disk's cache) until it.
      Process* next = pop_runnable();
      cpu_.switch_to(next ? &next->task : nullptr, "exit");
      cpu_.release(p.task);
      return;
    }
    verify_written_files();
    if (!sockets_drained()) {
      // The kernel keeps sending after the last write() or sendfile() has returned: the run
      // ends when the peer has acknowledged every byte.
      Process* next = pop_runnable();
      cpu_.switch_to(next ? &next->task : nullptr, "exit");
      cpu_.release(p.task);
      while (!sockets_drained()) sc_core::wait(drained_);
      if (wiring_.peer != nullptr) wiring_.peer->record_verification();
      end_time_ = now_ps();
      cpu_.finish();
      wiring_.bus->flush_records();
      stop_other_threads();
      sc_core::sc_stop();
      return;
    }
    if (wiring_.peer != nullptr) wiring_.peer->record_verification();
    end_time_ = now_ps();
    cpu_.finish();
    wiring_.bus->flush_records();
    stop_other_threads();
    sc_core::sc_stop();
    cpu_.release(p.task);
    return;
  }
  Process* next = pop_runnable();
  cpu_.switch_to(next ? &next->task : nullptr, "exit");
  cpu_.release(p.task);
}

void Kernel::acquire_device(Process& p, const std::string& device) {
  DeviceQueue& queue = device_queues_[device];
  if (!queue.owner) {
    queue.owner = &p;
    return;
  }
  queue.waiting.push_back(&p);
  block(p);  // release_device hands the device over and wakes us
}

void Kernel::release_device(const std::string& device) {
  DeviceQueue& queue = device_queues_[device];
  queue.owner = nullptr;
  if (queue.waiting.empty()) return;
  queue.owner = queue.waiting.front();
  queue.waiting.pop_front();
  wake(*queue.owner);
}

// --- Memory -----------------------------------------------------------------------------------

std::uint64_t Kernel::allocate_frame() {
  // Hand out page frames in a scattered but fixed order (a stride coprime with the number of
  // frames walks all of them), so a buffer's pages are not contiguous, as after a long uptime:
  // that is what descriptor chains and data chaining are for.
  // Like Linux's ZONE_DMA32, I/O buffers stay below what every engine can address: the
  // channel's CCWs carry 31-bit addresses.
  const std::uint64_t top = std::min(wiring_.dram->size(), kDmaZoneEnd);
  const std::uint64_t frames = (top - kUserMemoryStart) / kPageSize;
  if (frames_handed_out_ >= frames) throw hw::ModelError("kernel: out of physical memory");
  std::uint64_t stride = frames / 3 + 1;
  while (std::gcd(stride, frames) != 1) ++stride;
  const std::uint64_t frame = (frames_handed_out_++ * stride) % frames;
  return kUserMemoryStart + frame * kPageSize;
}

std::uint64_t Kernel::allocate_kernel(std::uint64_t bytes, std::uint64_t align) {
  kernel_heap_ = (kernel_heap_ + align - 1) / align * align;
  const std::uint64_t at = kernel_heap_;
  kernel_heap_ += bytes;
  if (kernel_heap_ > kUserMemoryStart) throw hw::ModelError("kernel: kernel memory exhausted");
  return at;
}

Kernel::Buffer& Kernel::user_buffer(Process& p, const std::string& name, std::uint64_t bytes) {
  std::unique_ptr<Buffer>& b = p.buffers[name];
  if (!b) {
    b = std::make_unique<Buffer>();
    b->region = p.spec.name + "." + name;
    context_.declare_region(b->region, trace::Layer::user, p.spec.name + " buffer " + name);
  }
  while (b->frames.size() * kPageSize < bytes) {
    const std::uint64_t frame = allocate_frame();
    b->frames.push_back(frame);
    context_.name_memory(frame, kPageSize, b->region);
  }
  b->size = std::max(b->size, bytes);
  return *b;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> Kernel::segments(const Buffer& b,
                                                                      std::uint64_t offset,
                                                                      std::uint64_t bytes) const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  while (bytes > 0) {
    const std::uint64_t page = offset / kPageSize;
    const std::uint64_t within = offset % kPageSize;
    const std::uint64_t n = std::min(bytes, kPageSize - within);
    const std::uint64_t address = b.frames.at(page) + within;
    if (!out.empty() && out.back().first + out.back().second == address) {
      out.back().second += n;
    } else {
      out.emplace_back(address, n);
    }
    offset += n;
    bytes -= n;
  }
  return out;
}

// --- The device_read system call --------------------------------------------------------------

namespace {

// The lecture's words for each step of device_read, numbered as the seeds number theirs.
std::string program_text(const DeviceRead& op) {
  switch (op.mechanism) {
    case Mechanism::pio:
      return "2. The driver writes the command into the disk controller's registers, with the "
             "disk's interrupts off";
    case Mechanism::interrupt:
      return "2. The driver writes the command into the disk controller's registers and puts " +
             std::string("the process to sleep; another process gets the CPU");
    case Mechanism::dma:
      return std::string(
                 "2. The driver writes a descriptor list for the buffer's pages, programs "
                 "the DMA channel (") +
             to_string(op.dma_mode) +
             " mode) and the disk, and puts the process to sleep; another process gets the CPU";
    case Mechanism::channel:
      return "2. The driver writes a channel program (LOCATE, then READ data-chained over the "
             "buffer's pages) and starts it with one START; the process sleeps";
  }
  return {};
}

std::string transfer_text(const DeviceRead& op) {
  switch (op.mechanism) {
    case Mechanism::pio:
      return "3. The CPU polls the status register through the seek and the rotation, then moves "
             "every word from the data register to the buffer [copy-1: CPU]";
    case Mechanism::interrupt:
      return "3. Each sector in the disk's buffer raises an interrupt; the handler moves its words "
             "to the buffer [copy-1: CPU]";
    case Mechanism::dma:
      return "3. The DMA controller moves the data from the disk's buffer to memory on its own "
             "[copy-1: DMA]; one interrupt at terminal count wakes the process";
    case Mechanism::channel:
      return "3. The channel fetches the CCWs and moves the data by stealing memory cycles "
             "[copy-1: channel]; one interrupt and a CSW wake the process";
  }
  return {};
}

}  // namespace

void Kernel::narrate(const Process& p, const std::string& step, const std::string& text,
                     Picoseconds start, Picoseconds end) {
  trace::Record r;
  r.start = start;
  r.end = end;
  r.actor = p.spec.name;
  r.step = step;
  r.data = trace::Narration{text};
  context_.record(std::move(r));
}

void Kernel::device_read(Process& p, const DeviceRead& op) {
  const Picoseconds start = now_ps();
  cpu_.enter_kernel(p.task, "syscall device_read", cpu_.params().syscall_entry);
  const Picoseconds entered = now_ps();
  narrate(p, "switch-1",
          "1. " + p.spec.name + " calls device_read(): the CPU switches from user to kernel mode",
          start, entered);

  const std::uint64_t sector = wiring_.sector_size;
  const std::string args =
      op.device + ", lba " + std::to_string(op.lba) + ", " + size_text(op.bytes.bytes) + ", " +
      to_string(op.mechanism) +
      (op.mechanism == Mechanism::dma ? std::string(" ") + to_string(op.dma_mode) : std::string());
  std::string error;
  unsigned disk = 0;
  if (op.device.rfind("disk", 0) != 0 ||
      (disk = static_cast<unsigned>(std::stoul("0" + op.device.substr(4)))) >=
          wiring_.disks.size()) {
    error = "ENODEV";
  } else if (op.bytes.bytes == 0 || op.bytes.bytes % sector != 0) {
    error = "EINVAL";
  } else if (op.lba + op.bytes.bytes / sector > wiring_.disks[disk]->sector_count()) {
    error = "EINVAL";
  }

  bool ok = error.empty();
  PendingIo io;
  if (ok) {
    io.process = &p;
    io.disk = disk;
    io.mechanism = op.mechanism;
    io.lba = op.lba;
    io.bytes = op.bytes.bytes;
    io.buffer = &user_buffer(p, op.into, op.bytes.bytes);
    cpu_.kernel_work(p.task, params_.driver_setup);
    // One request at a time per disk (and per selector channel), as a block layer queue would
    // serialise them: a second reader sleeps until the first one's request is done.
    const std::string disk_queue = "disk" + std::to_string(disk);
    const bool uses_channel = op.mechanism == Mechanism::channel && wiring_.channel_is_selector;
    acquire_device(p, disk_queue);
    if (uses_channel) acquire_device(p, "channel0");
    switch (op.mechanism) {
      case Mechanism::pio:
        ok = ata_read_pio_polled(p, io);
        break;
      case Mechanism::interrupt:
        ok = ata_read_pio_interrupt(p, io);
        break;
      case Mechanism::dma:
        ok = ata_read_dma(p, io, op.dma_mode);
        break;
      case Mechanism::channel:
        ok = channel_read(p, io);
        break;
    }
    if (uses_channel) release_device("channel0");
    release_device(disk_queue);
    if (!ok) error = "EIO";
    verify(p, io);
    const Picoseconds programmed = io.device_started ? io.device_started : now_ps();
    narrate(p, "program", program_text(op), entered, programmed);
    narrate(p, "copy-1", transfer_text(op), programmed, now_ps());
  }

  const Picoseconds returning = now_ps();
  cpu_.return_to_user(p.task, "sysret device_read", cpu_.params().syscall_exit);
  narrate(p, "switch-2", "4. device_read() returns: the CPU switches back to user mode", returning,
          now_ps());
  trace::Record r;
  r.start = start;
  r.end = now_ps();
  r.actor = p.spec.name;
  r.data = trace::Syscall{p.spec.name, "device_read", args,
                          ok ? static_cast<std::int64_t>(op.bytes.bytes) : -1, error};
  context_.record(std::move(r));
}

void Kernel::check_bytes(const Process& p, const std::string& what,
                         const std::vector<std::uint8_t>& expected,
                         const std::vector<std::uint8_t>& actual) {
  std::uint64_t mismatched = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) mismatched += expected[i] != actual.at(i);
  trace::Record check;
  check.start = check.end = now_ps();
  check.actor = p.spec.name;
  check.data = trace::Verification{what, expected.size(), mismatched};
  context_.record(std::move(check));
}

void Kernel::verify(const Process& p, const PendingIo& io) {
  // The checker, not the simulated kernel: untimed reads of what memory holds and what the
  // disk holds, compared byte for byte.
  std::vector<std::uint8_t> expected(io.bytes), actual(io.bytes);
  wiring_.disks[io.disk]->peek(io.lba, expected.data(), expected.size());
  std::uint64_t offset = 0;
  for (const auto& [address, n] : segments(*io.buffer, 0, io.bytes)) {
    wiring_.dram->peek(address, actual.data() + offset, n);
    offset += n;
  }
  std::uint64_t mismatched = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) mismatched += expected[i] != actual[i];
  trace::Record r;
  r.start = r.end = now_ps();
  r.actor = p.spec.name;
  r.data = trace::Verification{"disk" + std::to_string(io.disk) + " lba " + std::to_string(io.lba) +
                                   " -> " + io.buffer->region,
                               io.bytes, mismatched};
  context_.record(std::move(r));
}

// --- ATA drivers ------------------------------------------------------------------------------

void Kernel::ata_issue(unsigned disk, std::uint64_t lba, std::uint64_t sectors, AtaOp op,
                       bool interrupts, sc_time& local) {
  const std::uint64_t base = wiring_.disk_registers.at(disk);
  cpu_.io_write(base + ata::device_control, interrupts ? 0 : ata::control_no_interrupts, 1, local);
  // FUA exists only as an LBA48 command (WRITE DMA FUA EXT).
  const bool ext = sectors > ata::max_sectors_28 || lba + sectors > ata::lba28_limit ||
                   op == AtaOp::write_dma_fua;
  std::uint32_t command = 0;
  switch (op) {
    case AtaOp::read_pio:
      command = ext ? ata::read_sectors_ext : ata::read_sectors;
      break;
    case AtaOp::read_dma:
      command = ext ? ata::read_dma_ext : ata::read_dma;
      break;
    case AtaOp::write_dma:
      command = ext ? ata::write_dma_ext : ata::write_dma;
      break;
    case AtaOp::write_dma_fua:
      command = ata::write_dma_fua_ext;
      break;
  }
  if (ext) {
    // LBA48: each register takes its high-order byte first.
    cpu_.io_write(base + ata::sector_count, (sectors >> 8) & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_low, (lba >> 24) & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_mid, (lba >> 32) & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_high, (lba >> 40) & 0xFF, 1, local);
    cpu_.io_write(base + ata::sector_count, sectors & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_low, lba & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_mid, (lba >> 8) & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_high, (lba >> 16) & 0xFF, 1, local);
    cpu_.io_write(base + ata::device, ata::device_lba, 1, local);
  } else {
    cpu_.io_write(base + ata::sector_count, sectors & 0xFF, 1, local);  // 256 is written as 0
    cpu_.io_write(base + ata::lba_low, lba & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_mid, (lba >> 8) & 0xFF, 1, local);
    cpu_.io_write(base + ata::lba_high, (lba >> 16) & 0xFF, 1, local);
    cpu_.io_write(base + ata::device, ata::device_lba | ((lba >> 24) & 0x0F), 1, local);
  }
  cpu_.io_write(base + ata::command, command, 1, local);
}

void Kernel::ata_flush(unsigned disk, sc_time& local) {
  const std::uint64_t base = wiring_.disk_registers.at(disk);
  cpu_.io_write(base + ata::device_control, 0, 1, local);
  cpu_.io_write(base + ata::command, ata::flush_cache, 1, local);
}

bool Kernel::pio_sector(PendingIo& io, sc_time& local, hw::Task* polling_task) {
  const std::uint64_t base = wiring_.disk_registers.at(io.disk);
  // Wait for the sector: BSY clear and DRQ set. In polled mode this spins through the seek.
  std::uint32_t status = 0;
  do {
    status = cpu_.io_read(base + ata::status, 1, local);
    if (status & ata::status_error) return false;
    if (polling_task && local >= params_.decoupling_quantum) cpu_.sync(polling_task, local);
  } while ((status & ata::status_busy) || !(status & ata::status_drq));

  const std::uint64_t sector = wiring_.sector_size;
  const unsigned width = static_cast<unsigned>(wiring_.data_register_width);
  std::vector<std::uint8_t> data(sector);
  const Picoseconds start = now_ps() + to_ps(local);
  for (std::uint64_t at = 0; at < sector; at += width) {
    const std::uint32_t word = cpu_.io_read(base + ata::data, width, local);
    store_le(data.data() + at, word, width);
  }
  const std::uint64_t offset = (io.command_first + io.command_done) * sector;
  std::uint64_t written = 0;
  for (const auto& [address, n] : segments(*io.buffer, offset, sector)) {
    cpu_.memory_write(address, data.data() + written, n, local);
    written += n;
  }
  trace::Record r;
  r.start = start;
  r.end = now_ps() + to_ps(local);
  r.actor = cpu_.name();
  r.data = trace::Copy{io.copy_id, trace::Engine::cpu, "disk" + std::to_string(io.disk) + ".buffer",
                       io.buffer->region, sector};
  context_.record(std::move(r));
  ++io.command_done;
  return true;
}

bool Kernel::ata_read_pio_polled(Process& p, PendingIo& io) {
  const std::uint64_t total = io.bytes / wiring_.sector_size;
  sc_time local = SC_ZERO_TIME;
  for (io.command_first = 0; io.command_first < total; io.command_first += io.command_sectors) {
    io.command_sectors = std::min(total - io.command_first, params_.max_sectors_per_command);
    io.command_done = 0;
    io.copy_id = context_.new_copy_id();
    ata_issue(io.disk, io.lba + io.command_first, io.command_sectors, AtaOp::read_pio, false,
              local);
    if (!io.device_started) io.device_started = now_ps() + to_ps(local);
    while (io.command_done < io.command_sectors) {
      if (!pio_sector(io, local, &p.task)) {
        cpu_.sync(&p.task, local);
        return false;
      }
      if (local >= params_.decoupling_quantum) cpu_.sync(&p.task, local);
    }
  }
  cpu_.sync(&p.task, local);
  return true;
}

bool Kernel::ata_read_pio_interrupt(Process& p, PendingIo& io) {
  const std::uint64_t total = io.bytes / wiring_.sector_size;
  const int line = wiring_.disk_irq_lines.at(io.disk);
  for (io.command_first = 0; io.command_first < total; io.command_first += io.command_sectors) {
    io.command_sectors = std::min(total - io.command_first, params_.max_sectors_per_command);
    io.command_done = 0;
    io.done = false;
    io.copy_id = context_.new_copy_id();
    sc_time local = SC_ZERO_TIME;
    pending_by_line_[line] = &io;
    ata_issue(io.disk, io.lba + io.command_first, io.command_sectors, AtaOp::read_pio, true, local);
    cpu_.sync(&p.task, local);
    if (!io.device_started) io.device_started = now_ps();
    block(p);  // the handler moves each sector as its interrupt arrives
    pending_by_line_.erase(line);
    if (io.failed) return false;
  }
  return true;
}

bool Kernel::ata_read_dma(Process& p, PendingIo& io, DmaMode mode) {
  const std::uint64_t sector = wiring_.sector_size;
  const std::uint64_t total = io.bytes / sector;
  const int line = wiring_.disk_irq_lines.at(io.disk);
  const std::uint64_t channel =
      wiring_.dma_registers + wiring_.disk_dma_channels.at(io.disk) * wiring_.dma_channel_stride;
  using Dma = hw::DmaController;
  std::uint32_t discipline = Dma::kSingle;
  if (mode == DmaMode::burst) discipline = Dma::kBlock;
  if (mode == DmaMode::transparent) discipline = Dma::kSingle | Dma::kModeTransparent;

  for (io.command_first = 0; io.command_first < total; io.command_first += io.command_sectors) {
    io.command_sectors = std::min(total - io.command_first, params_.max_sectors_per_command);
    io.done = false;
    const std::uint64_t bytes = io.command_sectors * sector;
    const auto pieces = segments(*io.buffer, io.command_first * sector, bytes);
    sc_time local = SC_ZERO_TIME;
    std::uint32_t address = static_cast<std::uint32_t>(pieces.front().first);
    std::uint32_t chain = 0;
    if (pieces.size() > 1) {
      // Scattered pages: one descriptor per physically contiguous piece.
      std::vector<std::uint8_t> table(pieces.size() * kDescriptorBytes, 0);
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        store_le(&table[i * kDescriptorBytes], pieces[i].first, 8);
        store_le(&table[i * kDescriptorBytes + 8], pieces[i].second, 4);
        store_le(&table[i * kDescriptorBytes + 12],
                 i + 1 == pieces.size() ? Dma::kDescriptorLast : 0, 4);
      }
      const std::uint64_t at = allocate_kernel(table.size(), kDescriptorBytes);
      cpu_.memory_write(at, table.data(), table.size(), local);
      address = static_cast<std::uint32_t>(at);
      chain = Dma::kModeChain;
    }
    cpu_.io_write(channel + Dma::kMask, 1, 4, local);
    cpu_.io_write(channel + Dma::kAddress, address, 4, local);
    cpu_.io_write(channel + Dma::kCount, static_cast<std::uint32_t>(bytes), 4, local);
    cpu_.io_write(channel + Dma::kMode, Dma::kTypeDeviceToMemory | discipline | chain, 4, local);
    cpu_.io_write(channel + Dma::kMask, 0, 4, local);
    pending_by_line_[line] = &io;
    ata_issue(io.disk, io.lba + io.command_first, io.command_sectors, AtaOp::read_dma, true, local);
    cpu_.sync(&p.task, local);
    if (!io.device_started) io.device_started = now_ps();
    block(p);  // one interrupt when the disk has seen terminal count
    pending_by_line_.erase(line);
    if (io.failed) return false;
  }
  return true;
}

// --- Channel driver ---------------------------------------------------------------------------

bool Kernel::channel_read(Process& p, PendingIo& io) {
  const std::uint64_t sector = wiring_.sector_size;
  const std::uint64_t total = io.bytes / sector;
  const std::uint64_t base = wiring_.channel_registers;
  for (io.command_first = 0; io.command_first < total; io.command_first += io.command_sectors) {
    io.command_sectors = std::min(total - io.command_first, params_.max_sectors_per_command);
    io.done = false;
    const auto pieces =
        segments(*io.buffer, io.command_first * sector, io.command_sectors * sector);
    // The channel program: LOCATE (command-chained) to the block, then one READ whose data is
    // chained across the scattered pieces of the buffer.
    const std::size_t ccws = 1 + pieces.size();
    std::vector<std::uint8_t> program(ccws * chan::ccw_bytes + 4, 0);
    const std::uint64_t at = allocate_kernel(program.size(), chan::ccw_bytes);
    const std::uint64_t lba_data = at + ccws * chan::ccw_bytes;
    store_be(&program[ccws * chan::ccw_bytes], io.lba + io.command_first, 4);
    std::uint8_t* ccw = program.data();
    ccw[0] = chan::command_locate;
    ccw[1] = chan::flag_chain_command;
    store_be(ccw + 2, 4, 2);
    store_be(ccw + 4, lba_data, 4);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      ccw = program.data() + (1 + i) * chan::ccw_bytes;
      ccw[0] = chan::command_read;  // a data-chained CCW repeats the command code
      // The disk streams on past the count, so a length check would fail: suppress it (SLI).
      ccw[1] = i + 1 < pieces.size() ? chan::flag_chain_data : chan::flag_suppress_length;
      store_be(ccw + 2, pieces[i].second, 2);
      store_be(ccw + 4, pieces[i].first, 4);
    }
    sc_time local = SC_ZERO_TIME;
    cpu_.memory_write(at, program.data(), program.size(), local);
    const int line = wiring_.channel_irq_line;
    pending_by_line_[line] = &io;
    cpu_.io_write(base + chan::caw, static_cast<std::uint32_t>(at), 4, local);
    cpu_.io_write(base + chan::device, wiring_.disk_channel_devices.at(io.disk), 4, local);
    cpu_.io_write(base + chan::start, 1, 4, local);
    const std::uint32_t condition = cpu_.io_read(base + chan::condition_code, 4, local);
    cpu_.sync(&p.task, local);
    if (condition != 0) {
      pending_by_line_.erase(line);
      return false;
    }
    if (!io.device_started) io.device_started = now_ps();
    block(p);  // one interrupt at the end of the channel program
    pending_by_line_.erase(line);
    if (io.failed) return false;
  }
  return true;
}

// --- Interrupts -------------------------------------------------------------------------------

void Kernel::handle_interrupt(int line, sc_time& local) {
  if (line == wiring_.nic_irq_line && tx_ring_entries_ != 0) {
    nic_interrupt(local);
    return;
  }
  if (auto block = block_disk_by_line_.find(line); block != block_disk_by_line_.end()) {
    complete_block_request(block->second, local);
    return;
  }
  auto it = pending_by_line_.find(line);
  if (it == pending_by_line_.end()) {
    // Nobody waits: quiet a disk's line by reading its status, as a driver's spurious path does.
    for (std::size_t d = 0; d < wiring_.disk_irq_lines.size(); ++d) {
      if (wiring_.disk_irq_lines[d] == line) {
        cpu_.io_read(wiring_.disk_registers[d] + ata::status, 1, local);
      }
    }
    return;
  }
  PendingIo& io = *it->second;
  switch (io.mechanism) {
    case Mechanism::interrupt: {
      if (!pio_sector(io, local, nullptr)) {
        io.failed = true;
        io.done = true;
      } else if (io.command_done == io.command_sectors) {
        io.done = true;
      }
      break;
    }
    case Mechanism::dma: {
      const std::uint32_t status =
          cpu_.io_read(wiring_.disk_registers.at(io.disk) + ata::status, 1, local);
      const std::uint64_t channel = wiring_.dma_registers + wiring_.disk_dma_channels.at(io.disk) *
                                                                wiring_.dma_channel_stride;
      const std::uint32_t dma_status = cpu_.io_read(channel + hw::DmaController::kStatus, 4, local);
      io.failed = (status & ata::status_error) ||
                  !(dma_status & hw::DmaController::kStatusTerminalCount) ||
                  (dma_status & hw::DmaController::kStatusError);
      io.done = true;
      break;
    }
    case Mechanism::channel: {
      cpu_.io_read(wiring_.channel_registers + chan::interruption, 4, local);  // stores the CSW
      std::uint8_t csw[chan::csw_bytes];
      cpu_.memory_read(wiring_.csw_address, csw, sizeof csw, local);
      const std::uint8_t unit = csw[4], channel_status = csw[5];
      const std::uint32_t residual = (csw[6] << 8) | csw[7];
      io.failed = (unit & (chan::channel_end | chan::device_end)) !=
                      (chan::channel_end | chan::device_end) ||
                  (unit & chan::unit_check) || channel_status != 0 || residual != 0;
      io.done = true;
      break;
    }
    case Mechanism::pio:
      break;
  }
  if (io.done) wake(*io.process);
}

}  // namespace iosim::os
