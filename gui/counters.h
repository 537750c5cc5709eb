// The figures a lecture compares between two runs (copies by engine, descriptors, bytes, mode
// switches, CPU time by state...) at any simulated time t and at the end of a trace. QtCore only.
//
// CounterSet precomputes sorted arrays and prefix sums once per trace so that at(t) costs
// O(log n) whatever the number of records: it is meant to be called every frame of playback.
// Keys are the metric names of docs/trace-format.md where one exists, so the values at the end
// equal the trace's `metrics` (copies.cpu, mode_switches.syscall, cpu.kernel_ps...).
#pragma once

#include "scene_state.h"
#include "trace.h"

#include <QString>

#include <array>
#include <vector>

namespace iosim::gui {

// Copy engines of the trace format, in table order.
enum class CopyEngine { Cpu, Dma, Channel, Nic, Disk };
constexpr int kCopyEngineCount = 5;
// "cpu", "dma", "channel", "nic", "disk".
QString copyEngineName(CopyEngine engine);

enum class CounterUnit {
  Count,        // plain count
  Bytes,        // bytes
  Picoseconds,  // simulated time
};

// The value of every counter at one moment. "Up to t" means: events (copies, descriptors, switches,
// syscalls, interrupts, verifications) whose record *starts* at or before t, as in SceneState;
// bytes moved and CPU time count only the part of each record before t (a record half done
// counts half its bytes / half its duration).
struct CounterValues {
  Picoseconds timePs = 0;  // the moment: t clamped to 0..simTimePs at(), simTimePs for atEnd()
  qint64 copiesTotal = 0;  // logical copies: distinct copy_id (as the metric copies.total)
  std::array<qint64, kCopyEngineCount> copiesByEngine{};  // distinct copy_id per engine
  qint64 descriptors = 0;                                 // data passed by reference, NOT a copy
  qint64 descriptorBytes = 0;                             // bytes those descriptors refer to
  qint64 bytesMovedTotal = 0;                             // all copy records, every engine
  std::array<qint64, kCopyEngineCount> bytesMovedByEngine{};
  qint64 modeSwitches = 0;           // both directions
  qint64 modeSwitchesSyscall = 0;    // cause "syscall ..." or "sysret ..."
  qint64 modeSwitchesInterrupt = 0;  // cause "interrupt ..." or "iret ..."
  qint64 contextSwitches = 0;
  qint64 syscalls = 0;
  qint64 interrupts = 0;
  Picoseconds cpuUserPs = 0;  // all CPUs
  Picoseconds cpuKernelPs = 0;
  Picoseconds cpuIrqPs = 0;
  Picoseconds cpuIdlePs = 0;
  Picoseconds cpuBusyPs() const { return cpuUserPs + cpuKernelPs + cpuIrqPs; }
  qint64 bytesVerified = 0;
  qint64 bytesMismatched = 0;
  Picoseconds simTimePs = 0;  // the trace's end_time (metric sim_time_ps)

  qint64 copies(CopyEngine engine) const { return copiesByEngine[size_t(engine)]; }
  qint64 bytesMoved(CopyEngine engine) const { return bytesMovedByEngine[size_t(engine)]; }
  // The value of a counter by key (see counterDefinitions()); 0 for an unknown key.
  qint64 value(const QString& key) const;
};

// One counter as the compare table lists it.
struct CounterDefinition {
  QString key;    // metric-style name: "copies.cpu", "cpu.kernel_ps", "sim_time_ps"
  QString label;  // for people: "copies by CPU"
  CounterUnit unit = CounterUnit::Count;
  // A per-engine detail row (copies.dma, bytes.nic...): a table may hide it when it is 0 in
  // every trace shown.
  bool engineDetail = false;
  QString engine;  // for engine rows: "cpu", "dma"... (the palette colour); empty otherwise
};

// Every counter, in the order a table shows them: time, copies, descriptors, bytes, switches,
// syscalls, interrupts, CPU time, verification.
const std::vector<CounterDefinition>& counterDefinitions();

// "4", "4 KiB", "12.500 us" (formatTime / formatBytes of trace.h).
QString formatCounter(qint64 value, CounterUnit unit);
// A signed difference: "+2", "-4 KiB", "0", "+1.000 us".
QString formatCounterDifference(qint64 difference, CounterUnit unit);

class CounterSet {
 public:
  // Reads the trace of `index` once; keeps no reference to it afterwards.
  explicit CounterSet(const TraceIndex& index);
  explicit CounterSet(const Trace& trace);

  // The counters up to t (t < 0 counts as 0; t past the end counts everything).
  CounterValues at(Picoseconds t) const;
  // Everything in the trace: at(lastTime), with timePs = simTimePs.
  CounterValues atEnd() const { return atEnd_; }

  Picoseconds simTimePs() const { return simTimePs_; }
  Picoseconds lastTimePs() const { return lastTimePs_; }

  // An interval of a record and what it carries (bytes for copies); used by the implementation.
  struct Interval {
    Picoseconds start, end;
    qint64 weight;
  };

 private:
  // Events counted by their start: sorted starts and a running sum of a weight (bytes...).
  struct EventSeries {
    std::vector<Picoseconds> starts;
    std::vector<qint64> weightPrefix{0};  // [i] = weights of the first i events
    void add(Picoseconds start, qint64 weight = 0);
    int countUpTo(Picoseconds t) const;
    qint64 weightUpTo(Picoseconds t) const;
  };
  // Intervals counted by the part of them before t. Both series answer in O(log n) with prefix
  // sums over the intervals sorted by start and over the same intervals sorted by end (see
  // counters.cpp).
  // CPU time in one state: exact.
  struct DurationSeries {
    std::vector<Interval> pending;          // filled while reading, consumed by finish()
    std::vector<Picoseconds> starts, ends;  // sorted
    std::vector<quint64> startSumByStart{0}, startSumByEnd{0};  // modulo 2^64
    std::vector<Picoseconds> durationByEnd{0};
    void add(Picoseconds start, Picoseconds end) { pending.push_back({start, end, 0}); }
    void finish();
    Picoseconds timeUpTo(Picoseconds t) const;
  };
  // Bytes of copy records, moved at a constant rate over each record: finished records' bytes
  // plus the running ones' share (rates in 32.32 fixed point, sums modulo 2^128).
  struct ByteSeries {
    std::vector<Interval> pending;
    std::vector<Picoseconds> starts, ends;
    std::vector<qint64> bytesByStart{0}, bytesByEnd{0};
    std::vector<unsigned __int128> rateByStart{0}, rateByEnd{0};
    std::vector<unsigned __int128> rateStartByStart{0}, rateStartByEnd{0};
    void add(Picoseconds start, Picoseconds end, qint64 bytes) {
      pending.push_back({start, end, bytes});
    }
    void finish();
    qint64 bytesUpTo(Picoseconds t) const;
  };

  void build(const Trace& trace);

  Picoseconds simTimePs_ = 0;
  Picoseconds lastTimePs_ = 0;
  EventSeries copies_;  // first record of each copy_id
  std::array<EventSeries, kCopyEngineCount> copiesByEngine_;
  EventSeries descriptors_;  // weight: bytes referred to
  // Bytes by engine, and of engines this version does not know (in the total only).
  std::array<ByteSeries, kCopyEngineCount> bytesMovedByEngine_;
  ByteSeries bytesMovedOther_;
  EventSeries modeSwitches_, modeSwitchesSyscall_, modeSwitchesInterrupt_;
  EventSeries contextSwitches_, syscalls_, interrupts_;
  DurationSeries cpuUser_, cpuKernel_, cpuIrq_, cpuIdle_;
  EventSeries verifiedBytes_, mismatchedBytes_;
  CounterValues atEnd_;
};

}  // namespace iosim::gui
