#include "models/hw/cpu.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "models/hw/interrupt_controller.h"

namespace iosim::hw {

using sc_core::sc_time;
using sc_core::sc_time_stamp;
using sc_core::SC_ZERO_TIME;

Cpu::Cpu(sc_core::sc_module_name name, const CpuParams& params, Bus& bus, std::uint64_t pic_base,
         ModelContext& context)
    : sc_module(name),
      bus_socket("bus_socket"),
      intr_in("intr_in"),
      params_(params),
      bus_(bus),
      pic_base_(pic_base),
      context_(context) {
  if (params_.cache_line.bytes == 0) throw std::invalid_argument("cpu: cache_line must be > 0");
  SC_THREAD(interrupt_thread);
}

// --- Holding the CPU --------------------------------------------------------------------------

void Cpu::acquire(Task& task) {
  if (holder_ == &task && !preempt_requested_ && running_ == &task) return;
  if (holder_ == &task) {
    // A preemption point: step aside so that the interrupt thread can take the CPU.
    holder_ = nullptr;
    changed_.notify(SC_ZERO_TIME);
  }
  while (running_ != &task || in_irq_ || preempt_requested_ || holder_ != nullptr) {
    sc_core::wait(changed_);
  }
  holder_ = &task;
}

void Cpu::release(Task& task) {
  if (holder_ == &task) {
    holder_ = nullptr;
    changed_.notify(SC_ZERO_TIME);
  }
}

void Cpu::claim_idle(Task& task) {
  while (!idle()) sc_core::wait(changed_);
  holder_ = &task;
}

void Cpu::sync(Task* task, sc_time& local) {
  if (local > SC_ZERO_TIME) {
    sc_core::wait(local);
    local = SC_ZERO_TIME;
  }
  if (task) acquire(*task);
}

// --- Execution --------------------------------------------------------------------------------

void Cpu::compute(Task& task, const sc_time& work) {
  const Picoseconds interval = to_ps(params_.compute_access_interval);
  Picoseconds remaining = to_ps(work);
  while (remaining > 0) {
    acquire(task);
    if (interval > 0 && task.since_fill >= interval) {
      fill_cache_line(task);
      task.since_fill = 0;
      continue;  // the fill may have stalled: look for a pending interrupt again
    }
    const Picoseconds step =
        interval > 0 ? std::min(remaining, interval - task.since_fill) : remaining;
    const Picoseconds start = now_ps();
    if (interval > 0) bus_.announce_cpu_access(from_ps(start + step));
    sc_core::wait(from_ps(step), preempt_event_);
    const Picoseconds elapsed = now_ps() - start;
    remaining -= elapsed;
    task.since_fill += elapsed;
  }
  bus_.withdraw_cpu_announcement();
}

void Cpu::kernel_work(Task& task, const sc_time& work) {
  Picoseconds remaining = to_ps(work);
  while (remaining > 0) {
    acquire(task);
    const Picoseconds start = now_ps();
    sc_core::wait(from_ps(remaining), preempt_event_);
    remaining -= now_ps() - start;
  }
}

Cpu::Transaction::Transaction(const std::string& initiator) {
  access.initiator = initiator;
  payload.set_extension(&access);
  payload.set_extension(&grant);
}

Cpu::Transaction::~Transaction() {
  payload.clear_extension(&access);
  payload.clear_extension(&grant);
}

std::unique_ptr<Cpu::Transaction> Cpu::take_transaction() {
  if (spare_transactions_.empty()) return std::make_unique<Transaction>(std::string(name()));
  std::unique_ptr<Transaction> t = std::move(spare_transactions_.back());
  spare_transactions_.pop_back();
  return t;
}

void Cpu::fill_cache_line(Task& task) {
  const std::uint64_t line = params_.cache_line.bytes;
  std::uint64_t address = task.working_set_base;
  if (task.working_set_size >= line) {
    address += (task.next_fill * line) % (task.working_set_size - task.working_set_size % line);
  }
  ++task.next_fill;
  std::vector<std::uint8_t> data(line);
  sc_time local = SC_ZERO_TIME;
  const Picoseconds asked = now_ps();
  if (transact(tlm::TLM_READ_COMMAND, address, data.data(), static_cast<unsigned>(line), local,
               false) != tlm::TLM_OK_RESPONSE) {
    throw ModelError(std::string(name()) + ": cache-line fill at an unmapped address");
  }
  // Only waiting for the grant stalls the core; the data beats overlap with execution.
  const Picoseconds granted = asked + last_stall_;
  if (granted > now_ps()) sc_core::wait(from_ps(granted - now_ps()));
  add_stall(last_stall_);
}

tlm::tlm_response_status Cpu::transact(tlm::tlm_command command, std::uint64_t address,
                                       std::uint8_t* data, unsigned size, sc_time& local,
                                       bool count_stall) {
  std::unique_ptr<Transaction> t = take_transaction();
  tlm::tlm_generic_payload& trans = t->payload;
  trans.set_command(command);
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(size);
  trans.set_streaming_width(size);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  t->grant.grant = BusGrant{};
  bus_socket->b_transport(trans, local);
  // Includes any wait inside b_transport for another initiator's burst.
  last_stall_ = t->grant.grant.stall();
  if (count_stall) add_stall(last_stall_);
  const tlm::tlm_response_status status = trans.get_response_status();
  give_back(std::move(t));
  return status;
}

std::uint32_t Cpu::io_read(std::uint64_t address, unsigned size, sc_time& local) {
  local += params_.io_instruction;
  std::uint8_t bytes[4] = {};
  if (size == 0 || size > 4 ||
      transact(tlm::TLM_READ_COMMAND, address, bytes, size, local) != tlm::TLM_OK_RESPONSE) {
    throw ModelError(std::string(name()) + ": in from a register that refused it");
  }
  std::uint32_t value = 0;
  std::memcpy(&value, bytes, size);
  return value;
}

void Cpu::io_write(std::uint64_t address, std::uint32_t value, unsigned size, sc_time& local) {
  local += params_.io_instruction;
  std::uint8_t bytes[4];
  std::memcpy(bytes, &value, 4);
  if (size == 0 || size > 4 ||
      transact(tlm::TLM_WRITE_COMMAND, address, bytes, size, local) != tlm::TLM_OK_RESPONSE) {
    throw ModelError(std::string(name()) + ": out to a register that refused it");
  }
}

void Cpu::memory_read(std::uint64_t address, std::uint8_t* dst, std::size_t n, sc_time& local) {
  const std::uint64_t line = params_.cache_line.bytes;
  while (n > 0) {
    const std::size_t chunk = std::min<std::size_t>(n, line - address % line);
    if (transact(tlm::TLM_READ_COMMAND, address, dst, static_cast<unsigned>(chunk), local) !=
        tlm::TLM_OK_RESPONSE) {
      throw ModelError(std::string(name()) + ": load from an unmapped address");
    }
    address += chunk;
    dst += chunk;
    n -= chunk;
  }
}

void Cpu::memory_write(std::uint64_t address, const std::uint8_t* src, std::size_t n,
                       sc_time& local) {
  const std::uint64_t line = params_.cache_line.bytes;
  std::vector<std::uint8_t> buffer;
  while (n > 0) {
    const std::size_t chunk = std::min<std::size_t>(n, line - address % line);
    buffer.assign(src, src + chunk);
    if (transact(tlm::TLM_WRITE_COMMAND, address, buffer.data(), static_cast<unsigned>(chunk),
                 local) != tlm::TLM_OK_RESPONSE) {
      throw ModelError(std::string(name()) + ": store to an unmapped address");
    }
    address += chunk;
    src += chunk;
    n -= chunk;
  }
}

// --- Modes and dispatch -----------------------------------------------------------------------

void Cpu::record_mode_switch(const Task& task, bool to_kernel, const std::string& cause,
                             Picoseconds start, Picoseconds end) {
  trace::Record r;
  r.start = start;
  r.end = end;
  r.actor = name();
  r.step = task.step;
  r.data = trace::ModeSwitch{name(), task.name, to_kernel, cause};
  context_.record(std::move(r));
}

void Cpu::enter_kernel(Task& task, const std::string& cause, const sc_time& cost) {
  acquire(task);
  const Picoseconds start = now_ps();
  bus_.withdraw_cpu_announcement();
  task.in_kernel = true;
  account();
  sc_core::wait(cost);
  record_mode_switch(task, true, cause, start, now_ps());
}

void Cpu::return_to_user(Task& task, const std::string& cause, const sc_time& cost) {
  acquire(task);
  const Picoseconds start = now_ps();
  sc_core::wait(cost);
  task.in_kernel = false;
  record_mode_switch(task, false, cause, start, now_ps());
  account();
}

void Cpu::switch_to(Task* next, const std::string& reason) {
  Task* previous = running_;
  const Picoseconds start = now_ps();
  bus_.withdraw_cpu_announcement();
  switching_ = true;
  account();
  sc_core::wait(params_.context_switch);
  running_ = next;
  switching_ = false;
  trace::Record r;
  r.start = start;
  r.end = now_ps();
  r.actor = name();
  r.data = trace::ContextSwitch{name(), previous ? previous->name : "idle",
                                next ? next->name : "idle", reason};
  context_.record(std::move(r));
  if (next && next->resume_to_user) {
    // It was preempted at an interrupt's exit while in user mode: it goes back there now.
    next->resume_to_user = false;
    next->in_kernel = false;
    record_mode_switch(*next, false, "iret (after preemption)", now_ps(), now_ps());
  }
  account();
  changed_.notify(SC_ZERO_TIME);
}

// --- Interrupts -------------------------------------------------------------------------------

void Cpu::interrupt_thread() {
  for (;;) {
    if (!intr_in.read()) {
      sc_core::wait(intr_in.value_changed_event());
      continue;
    }
    // Take it at the running code's next preemption point.
    preempt_requested_ = true;
    preempt_event_.notify();
    while (holder_ != nullptr) sc_core::wait(changed_);
    preempt_requested_ = false;
    holder_ = &irq_marker_;
    in_irq_ = true;
    bus_.withdraw_cpu_announcement();

    Task* interrupted = running_;
    const bool from_user = interrupted && !interrupted->in_kernel;
    if (interrupted && from_user) interrupted->in_kernel = true;
    account();

    const Picoseconds entered = now_ps();
    sc_time local = params_.interrupt_entry;
    const std::uint32_t line = io_read(pic_base_ + InterruptController::kAck, 4, local);
    if (line != InterruptController::kNoInterrupt) {
      if (from_user) {
        record_mode_switch(*interrupted, true, "interrupt " + std::to_string(line), entered,
                           entered + to_ps(params_.interrupt_entry));
      }
      if (handler_) handler_(static_cast<int>(line), local);
      io_write(pic_base_ + InterruptController::kEoi, line, 4, local);
    }
    local += params_.interrupt_exit;
    const Picoseconds exit_start = now_ps() + to_ps(local) - to_ps(params_.interrupt_exit);
    sc_core::wait(local);

    in_irq_ = false;
    if (from_user) interrupted->resume_to_user = true;
    account();
    if (exit_hook_) exit_hook_();
    if (from_user && running_ == interrupted && interrupted->resume_to_user) {
      // Nobody else was chosen: the interrupted code simply resumes.
      interrupted->resume_to_user = false;
      interrupted->in_kernel = false;
      record_mode_switch(*interrupted, false,
                         line != InterruptController::kNoInterrupt ? "iret " + std::to_string(line)
                                                                   : "iret spurious",
                         exit_start, now_ps());
      account();
    }
    holder_ = nullptr;
    changed_.notify(SC_ZERO_TIME);
    // Let the controller's output settle before looking at INTR again.
    sc_core::wait(SC_ZERO_TIME);
  }
}

// --- Accounting -------------------------------------------------------------------------------

void Cpu::account() {
  trace::CpuState state = trace::CpuState::idle;
  std::string process;
  if (in_irq_) {
    state = trace::CpuState::irq;
  } else if (switching_) {
    state = trace::CpuState::kernel;
  } else if (running_) {
    state = running_->in_kernel ? trace::CpuState::kernel : trace::CpuState::user;
    process = running_->name;
  }
  if (state == open_.state && process == open_.process) return;
  close_interval();
  open_.state = state;
  open_.process = std::move(process);
}

void Cpu::close_interval() {
  const Picoseconds now = now_ps();
  if (now > open_.since) {
    trace::Record r;
    r.start = open_.since;
    r.end = now;
    r.actor = name();
    r.data = trace::CpuInterval{name(), open_.process, open_.state, open_.stall};
    context_.record(std::move(r));
    open_.since = now;
    open_.stall = 0;
  }
}

void Cpu::finish() {
  close_interval();
}

}  // namespace iosim::hw
