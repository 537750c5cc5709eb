// A CPU core with user and kernel mode, interrupts, and the costs of what it does besides
// computing.
//
// Who runs: the simulated kernel decides (os::Kernel), the CPU enforces it. Each simulated process
// is a SystemC thread owning a Task; a thread may execute on the CPU only while its task is the
// running one and no interrupt is being served. The interrupt controller's INTR input preempts
// whatever runs at its next preemption point (a step of computation, a kernel work item, a sync
// of decoupled code), serves the interrupt on the CPU's own thread, and hands the CPU back — or,
// through the kernel's exit hook, to another task.
//
// Time accounting: every interval of the CPU's life is one trace::CpuInterval (idle, user, kernel,
// irq; with the process it belongs to and the part spent stalled on the bus), so busy, idle and
// "CPU time the other process got" are sums of records.
//
// Memory traffic while computing: user code fills one cache line every compute_access_interval
// (CpuParams). The fill runs in the background of execution (an out-of-order core hides an
// uncontended miss), so only the time the bus makes it wait — a burst DMA holding the bus, a
// cycle-stealing transfer in the way — stalls the core. The CPU announces each upcoming fill to
// the bus so that transparent DMA can use the cycles in between.
//
// Temporal decoupling: kernel code that talks to device registers word by word (PIO) runs ahead
// of the simulation clock, accumulating its time in a `local` offset (io_read, io_write,
// memory_write add to it) and catching up in sync(). No SystemC context switch per word.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "models/core/context.h"
#include "models/hw/bus.h"
#include "models/hw/cpu_params.h"

namespace iosim::hw {

/// What the kernel schedules on a CPU: one per simulated process.
struct Task {
  explicit Task(std::string task_name) : name(std::move(task_name)) {}
  std::string name;
  bool in_kernel = false;              // privilege level of the task's code right now
  bool resume_to_user = false;         // preempted in user mode: returns to user when it runs again
  Picoseconds since_fill = 0;          // computation since the last cache-line fill
  std::uint64_t working_set_base = 0;  // physical memory its computation touches
  std::uint64_t working_set_size = 0;
  std::uint64_t next_fill = 0;
  /// Lecture step of what the task does now, carried by the records of its mode switches (the
  /// kernel sets "setup" while a process runs its set-up, so metrics can leave it out).
  std::string step;
};

/// Thrown when a model meets an impossible situation (a device answered with an error response
/// to a well-formed driver): the run stops with this message.
struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Cpu : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Cpu> bus_socket;
  sc_core::sc_in<bool> intr_in;

  /// `pic_base` is the interrupt controller's register window (for INTA and EOI).
  Cpu(sc_core::sc_module_name name, const CpuParams& params, Bus& bus, std::uint64_t pic_base,
      ModelContext& context);

  /// Serves interrupt `line` on the CPU (after INTA, before EOI); runs ahead in `local`.
  using InterruptHandler = std::function<void(int line, sc_core::sc_time& local)>;
  /// Runs after an interrupt was served, still holding the CPU: may switch tasks.
  using InterruptExitHook = std::function<void()>;
  void set_interrupt_handler(InterruptHandler handler) { handler_ = std::move(handler); }
  void set_interrupt_exit_hook(InterruptExitHook hook) { exit_hook_ = std::move(hook); }

  // --- Execution, from the thread of the task that runs ---

  /// Waits until `task` may execute (it is the running task, no interrupt in progress) and
  /// takes the CPU. Lets a pending interrupt in first if `task` already held the CPU.
  void acquire(Task& task);
  /// Gives the CPU up (the task blocks or ends; the kernel has switched or will switch).
  void release(Task& task);
  /// User-mode computation of `work` CPU time; preemptible.
  void compute(Task& task, const sc_core::sc_time& work);
  /// Kernel code costing `work`; preemptible.
  void kernel_work(Task& task, const sc_core::sc_time& work);
  /// Catches the clock up with decoupled code, then (for a task) lets pending interrupts in.
  void sync(Task* task, sc_core::sc_time& local);

  /// in/out instructions on a device register: io_instruction plus the bus transaction.
  std::uint32_t io_read(std::uint64_t address, unsigned size, sc_core::sc_time& local);
  void io_write(std::uint64_t address, std::uint32_t value, unsigned size, sc_core::sc_time& local);
  /// CPU loads and stores, one cache-line transaction per line touched.
  void memory_read(std::uint64_t address, std::uint8_t* dst, std::size_t n,
                   sc_core::sc_time& local);
  void memory_write(std::uint64_t address, const std::uint8_t* src, std::size_t n,
                    sc_core::sc_time& local);

  // --- Modes and dispatch, for the kernel; the caller holds the CPU ---

  void enter_kernel(Task& task, const std::string& cause, const sc_core::sc_time& cost);
  void return_to_user(Task& task, const std::string& cause, const sc_core::sc_time& cost);
  /// Switches from the running task to `next` (nullptr: idle), costing context_switch.
  void switch_to(Task* next, const std::string& reason);
  Task* running() const { return running_; }
  /// Notified whenever the running task, the holder or the interrupt state changes.
  const sc_core::sc_event& changed_event() const { return changed_; }
  /// True when nobody holds the CPU and no task runs: a woken task may dispatch itself.
  bool idle() const { return running_ == nullptr && holder_ == nullptr && !in_irq_; }
  /// Takes the idle CPU for a dispatch from `task`'s thread (call when idle()).
  void claim_idle(Task& task);

  /// Closes the open interval record (end of run).
  void finish();

  const CpuParams& params() const { return params_; }

 private:
  SC_HAS_PROCESS(Cpu);
  void interrupt_thread();
  void fill_cache_line(Task& task);
  tlm::tlm_response_status transact(tlm::tlm_command command, std::uint64_t address,
                                    std::uint8_t* data, unsigned size, sc_core::sc_time& local,
                                    bool count_stall = true);
  void account();
  void close_interval();
  void add_stall(Picoseconds stall) { open_.stall += stall; }
  void record_mode_switch(const Task& task, bool to_kernel, const std::string& cause,
                          Picoseconds start, Picoseconds end);

  /// A transaction with its bus extensions attached, reused: PIO issues millions of them.
  struct Transaction {
    explicit Transaction(const std::string& initiator);
    ~Transaction();
    tlm::tlm_generic_payload payload;
    BusAccess access;
    BusGrantInfo grant;
  };
  std::unique_ptr<Transaction> take_transaction();
  void give_back(std::unique_ptr<Transaction> t) { spare_transactions_.push_back(std::move(t)); }

  struct OpenInterval {
    trace::CpuState state = trace::CpuState::idle;
    std::string process;
    Picoseconds since = 0;
    Picoseconds stall = 0;
  };

  CpuParams params_;
  Bus& bus_;
  std::uint64_t pic_base_;
  ModelContext& context_;
  InterruptHandler handler_;
  InterruptExitHook exit_hook_;

  Task* running_ = nullptr;       // the task whose context is loaded; nullptr = idle
  const void* holder_ = nullptr;  // the thread executing now (a Task or the interrupt thread)
  bool in_irq_ = false;
  bool switching_ = false;
  bool preempt_requested_ = false;
  sc_core::sc_event changed_;        // any of the above changed
  sc_core::sc_event preempt_event_;  // cuts a preemptible wait short
  OpenInterval open_;
  Picoseconds last_stall_ = 0;  // of the latest transaction
  const char irq_marker_ = 0;   // holder_ while the interrupt thread runs
  std::vector<std::unique_ptr<Transaction>> spare_transactions_;
};

}  // namespace iosim::hw
