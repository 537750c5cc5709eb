// The simulated kernel: processes, a scheduler, system calls and the drivers that move data
// between a disk and memory by programmed I/O, interrupt-driven I/O, DMA or a channel program.
//
// Processes are SystemC threads that run their programs (os/program.h) on the CPU model. The
// scheduler is a FIFO run queue: a process that blocks on I/O gives the CPU to the next runnable
// one (or leaves it idle); an interrupt that completes I/O wakes its process, which preempts
// running user code at the interrupt's exit (CFS wakeup preemption, KernelParams); computing
// processes share the CPU in timeslices. Every mode switch, context switch and system call is a
// trace record, charged the CPU's costs (CpuParams).
//
// Simplifications (docs/models/kernel.md): no timer interrupt is modelled, so a timeslice ends at
// the computing process's own check, costing only the context switch; a process waking from
// sleep() while the CPU is busy waits for the running process to block or end its timeslice.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "models/core/context.h"
#include "models/hw/bus.h"
#include "models/hw/cpu.h"
#include "models/hw/dram.h"
#include "models/os/kernel_params.h"
#include "models/os/program.h"

namespace iosim::hw {
class Disk;
}

namespace iosim::os {

/// The devices the kernel drives and where their registers are.
struct KernelWiring {
  hw::Cpu* cpu = nullptr;
  hw::Bus* bus = nullptr;
  hw::Dram* dram = nullptr;
  std::vector<hw::Disk*> disks;  // for checking what arrived (untimed peeks)
  std::vector<std::uint64_t> disk_registers;
  std::vector<int> disk_irq_lines;
  std::vector<unsigned> disk_dma_channels;
  std::vector<std::uint16_t> disk_channel_devices;
  std::uint64_t dma_registers = 0;
  std::uint64_t dma_channel_stride = 0;
  std::uint64_t channel_registers = 0;
  bool channel_is_selector = true;  // one channel program at a time
  int channel_irq_line = -1;
  std::uint64_t csw_address = 0;
  std::uint64_t sector_size = 512;
  std::uint64_t data_register_width = 4;
};

class Kernel : public sc_core::sc_module {
 public:
  Kernel(sc_core::sc_module_name name, const KernelParams& params, const KernelWiring& wiring,
         ModelContext& context);
  ~Kernel() override;

  void add_process(const ProcessSpec& spec);

  /// True once every process with finite work has ended.
  bool finished() const { return finite_processes_left_ == 0 && started_; }
  Picoseconds end_time() const { return end_time_; }
  /// What is still blocked, for a report when the run stops unfinished.
  std::string describe_unfinished() const;

  static constexpr std::uint64_t kPageSize = 4096;

 private:
  struct Process;
  struct Buffer;
  struct PendingIo;

  SC_HAS_PROCESS(Kernel);
  void boot();
  void process_main(Process& p);
  void run(Process& p, const Operation& op);
  void compute(Process& p, const Compute& op);
  void sleep(Process& p, const Sleep& op);
  void device_read(Process& p, const DeviceRead& op);

  // Scheduling.
  void wait_to_run(Process& p);
  void block(Process& p);
  void wake(Process& p);
  void yield(Process& p, const std::string& reason);
  void exit_process(Process& p);
  void on_interrupt_exit();
  /// Waits (blocked) until `device` is free, then owns it.
  void acquire_device(Process& p, const std::string& device);
  /// Hands `device` to the next waiter, if any.
  void release_device(const std::string& device);
  Process* pop_runnable();

  // Memory.
  Buffer& user_buffer(Process& p, const std::string& name, std::uint64_t bytes);
  std::uint64_t allocate_frame();
  std::uint64_t allocate_kernel(std::uint64_t bytes, std::uint64_t align);
  /// Physically contiguous pieces of [offset, offset + bytes) of a buffer.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> segments(const Buffer& b,
                                                                std::uint64_t offset,
                                                                std::uint64_t bytes) const;

  // Drivers.
  void ata_issue(unsigned disk, std::uint64_t lba, std::uint64_t sectors, bool dma, bool interrupts,
                 sc_core::sc_time& local);
  bool ata_read_pio_polled(Process& p, PendingIo& io);
  bool ata_read_pio_interrupt(Process& p, PendingIo& io);
  bool ata_read_dma(Process& p, PendingIo& io, DmaMode mode);
  bool channel_read(Process& p, PendingIo& io);
  /// Moves one sector from the disk's data register to memory (PIO); returns false on error.
  /// With a polling task, the wait for DRQ synchronises every decoupling quantum.
  bool pio_sector(PendingIo& io, sc_core::sc_time& local, hw::Task* polling_task);
  void handle_interrupt(int line, sc_core::sc_time& local);
  void verify(const Process& p, const PendingIo& io);
  /// A lecture step: its text, shown from start to end (trace::Narration, step id in `step`).
  void narrate(const Process& p, const std::string& step, const std::string& text,
               Picoseconds start, Picoseconds end);

  KernelParams params_;
  KernelWiring wiring_;
  ModelContext& context_;
  hw::Cpu& cpu_;
  std::vector<std::unique_ptr<Process>> processes_;
  std::deque<Process*> run_queue_;
  std::map<int, PendingIo*> pending_by_line_;
  struct DeviceQueue {
    Process* owner = nullptr;
    std::deque<Process*> waiting;
  };
  std::map<std::string, DeviceQueue> device_queues_;
  bool need_resched_ = false;
  bool started_ = false;
  std::size_t finite_processes_left_ = 0;
  Picoseconds end_time_ = 0;
  std::uint64_t frames_handed_out_ = 0;
  std::uint64_t kernel_heap_ = 0;
};

}  // namespace iosim::os
