#include "counters.h"

#include <QHash>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace iosim::gui {

namespace {

int engineIndex(const QString& engine) {
  if (engine == QLatin1String("cpu")) return int(CopyEngine::Cpu);
  if (engine == QLatin1String("dma")) return int(CopyEngine::Dma);
  if (engine == QLatin1String("channel")) return int(CopyEngine::Channel);
  if (engine == QLatin1String("nic")) return int(CopyEngine::Nic);
  if (engine == QLatin1String("disk")) return int(CopyEngine::Disk);
  return -1;  // an engine this version does not know: counted in the totals only
}

int countUpTo(const std::vector<Picoseconds>& sorted, Picoseconds t) {
  return int(std::upper_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
}

// Bytes for people, with a fraction when the value is not a whole unit (a copy half done).
QString formatByteCount(qint64 bytes) {
  const qint64 magnitude = bytes < 0 ? -bytes : bytes;
  if (magnitude < 1024 || magnitude % 1024 == 0) {
    const QString text = formatBytes(magnitude);
    return bytes < 0 ? QStringLiteral("-") + text : text;
  }
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes) / 1024.0;
  int unit = 0;
  while (std::abs(value) >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  return QString::number(value, 'f', 1) + QLatin1Char(' ') + QLatin1String(kUnits[unit]);
}

}  // namespace

QString copyEngineName(CopyEngine engine) {
  switch (engine) {
    case CopyEngine::Cpu:
      return QStringLiteral("cpu");
    case CopyEngine::Dma:
      return QStringLiteral("dma");
    case CopyEngine::Channel:
      return QStringLiteral("channel");
    case CopyEngine::Nic:
      return QStringLiteral("nic");
    case CopyEngine::Disk:
      return QStringLiteral("disk");
  }
  return {};
}

const std::vector<CounterDefinition>& counterDefinitions() {
  static const std::vector<CounterDefinition> definitions = [] {
    static const char* const kEngineLabels[kCopyEngineCount] = {"CPU", "DMA", "channel", "NIC",
                                                                "disk"};
    std::vector<CounterDefinition> list;
    list.push_back({QStringLiteral("sim_time_ps"), QStringLiteral("simulated time"),
                    CounterUnit::Picoseconds});
    list.push_back({QStringLiteral("copies.total"), QStringLiteral("logical copies (total)"),
                    CounterUnit::Count});
    for (int e = 0; e < kCopyEngineCount; ++e) {
      const QString engine = copyEngineName(CopyEngine(e));
      list.push_back({QStringLiteral("copies.") + engine,
                      QStringLiteral("  copies by %1").arg(QLatin1String(kEngineLabels[e])),
                      CounterUnit::Count, true, engine});
    }
    list.push_back({QStringLiteral("descriptors"),
                    QStringLiteral("descriptors passed (by reference, not copies)"),
                    CounterUnit::Count});
    list.push_back({QStringLiteral("bytes.total"), QStringLiteral("bytes moved (all engines)"),
                    CounterUnit::Bytes});
    for (int e = 0; e < kCopyEngineCount; ++e) {
      const QString engine = copyEngineName(CopyEngine(e));
      list.push_back({QStringLiteral("bytes.") + engine,
                      QStringLiteral("  bytes moved by %1").arg(QLatin1String(kEngineLabels[e])),
                      CounterUnit::Bytes, true, engine});
    }
    list.push_back(
        {QStringLiteral("mode_switches"), QStringLiteral("mode switches"), CounterUnit::Count});
    list.push_back({QStringLiteral("mode_switches.syscall"),
                    QStringLiteral("  of system calls (syscall/sysret)"), CounterUnit::Count});
    list.push_back({QStringLiteral("mode_switches.interrupt"),
                    QStringLiteral("  of interrupts (interrupt/iret)"), CounterUnit::Count});
    list.push_back({QStringLiteral("context_switches"), QStringLiteral("context switches"),
                    CounterUnit::Count});
    list.push_back(
        {QStringLiteral("syscalls"), QStringLiteral("system calls"), CounterUnit::Count});
    list.push_back(
        {QStringLiteral("interrupts"), QStringLiteral("interrupts"), CounterUnit::Count});
    list.push_back({QStringLiteral("cpu.busy_ps"), QStringLiteral("CPU busy (user + kernel + irq)"),
                    CounterUnit::Picoseconds});
    list.push_back(
        {QStringLiteral("cpu.user_ps"), QStringLiteral("  CPU user"), CounterUnit::Picoseconds});
    list.push_back({QStringLiteral("cpu.kernel_ps"), QStringLiteral("  CPU kernel"),
                    CounterUnit::Picoseconds});
    list.push_back({QStringLiteral("cpu.irq_ps"), QStringLiteral("  CPU interrupt handlers"),
                    CounterUnit::Picoseconds});
    list.push_back(
        {QStringLiteral("cpu.idle_ps"), QStringLiteral("CPU idle"), CounterUnit::Picoseconds});
    list.push_back(
        {QStringLiteral("bytes.verified"), QStringLiteral("bytes verified"), CounterUnit::Bytes});
    list.push_back({QStringLiteral("bytes.mismatched"), QStringLiteral("bytes mismatched"),
                    CounterUnit::Bytes});
    return list;
  }();
  return definitions;
}

qint64 CounterValues::value(const QString& key) const {
  if (key == QLatin1String("sim_time_ps")) return timePs;
  if (key == QLatin1String("copies.total")) return copiesTotal;
  if (key == QLatin1String("bytes.total")) return bytesMovedTotal;
  for (int e = 0; e < kCopyEngineCount; ++e) {
    const QString engine = copyEngineName(CopyEngine(e));
    if (key == QLatin1String("copies.") + engine) return copiesByEngine[size_t(e)];
    if (key == QLatin1String("bytes.") + engine) return bytesMovedByEngine[size_t(e)];
  }
  if (key == QLatin1String("descriptors")) return descriptors;
  if (key == QLatin1String("descriptors.bytes")) return descriptorBytes;
  if (key == QLatin1String("mode_switches")) return modeSwitches;
  if (key == QLatin1String("mode_switches.syscall")) return modeSwitchesSyscall;
  if (key == QLatin1String("mode_switches.interrupt")) return modeSwitchesInterrupt;
  if (key == QLatin1String("context_switches")) return contextSwitches;
  if (key == QLatin1String("syscalls")) return syscalls;
  if (key == QLatin1String("interrupts")) return interrupts;
  if (key == QLatin1String("cpu.busy_ps")) return cpuBusyPs();
  if (key == QLatin1String("cpu.user_ps")) return cpuUserPs;
  if (key == QLatin1String("cpu.kernel_ps")) return cpuKernelPs;
  if (key == QLatin1String("cpu.irq_ps")) return cpuIrqPs;
  if (key == QLatin1String("cpu.idle_ps")) return cpuIdlePs;
  if (key == QLatin1String("bytes.verified")) return bytesVerified;
  if (key == QLatin1String("bytes.mismatched")) return bytesMismatched;
  return 0;
}

QString formatCounter(qint64 value, CounterUnit unit) {
  switch (unit) {
    case CounterUnit::Count:
      return QString::number(value);
    case CounterUnit::Bytes:
      return formatByteCount(value);
    case CounterUnit::Picoseconds:
      return value == 0 ? QStringLiteral("0") : formatTime(value);
  }
  return QString::number(value);
}

QString formatCounterDifference(qint64 difference, CounterUnit unit) {
  if (difference == 0) return QStringLiteral("0");
  const QString sign = difference > 0 ? QStringLiteral("+") : QStringLiteral("-");
  return sign + formatCounter(difference > 0 ? difference : -difference, unit);
}

// --- EventSeries ---------------------------------------------------------------------------

void CounterSet::EventSeries::add(Picoseconds start, qint64 weight) {
  starts.push_back(start);
  weightPrefix.push_back(weightPrefix.back() + weight);
}

int CounterSet::EventSeries::countUpTo(Picoseconds t) const {
  return gui::countUpTo(starts, t);
}

qint64 CounterSet::EventSeries::weightUpTo(Picoseconds t) const {
  return weightPrefix[size_t(countUpTo(t))];
}

// --- Interval series -----------------------------------------------------------------------
//
// The part of an interval [s, e) before t is clamp(t - s, 0, e - s). Over all intervals:
//   (durations of those ended by t) + sum over the running ones of (t - s)
//   = ended durations + running count * t - running sum of s,
// and "running" = started by t minus ended by t (an interval ended has started), so prefix sums
// over the intervals sorted by start and over the same intervals sorted by end answer it in
// O(log n). Sums of starts pass 2^63 in a long trace; they are kept modulo 2^64 (unsigned),
// which leaves their differences, the small running sums, exact.
//
// Bytes run at rate = bytes / duration, so the running ones have moved
//   sum rate * (t - s) = t * (running sum of rate) - (running sum of rate * s),
// the same decomposition. Rates are 32.32 fixed point and the sums kept modulo 2^128, so the
// only error is the rounding of each rate (at most 2^-33 byte per ps of the record), and the
// result is rounded to whole bytes.

namespace {

using u128 = unsigned __int128;
constexpr int kRateFractionBits = 32;

template <typename Less>
std::vector<CounterSet::Interval> sortedCopy(const std::vector<CounterSet::Interval>& intervals,
                                             Less less) {
  std::vector<CounterSet::Interval> sorted = intervals;
  std::stable_sort(sorted.begin(), sorted.end(), less);
  return sorted;
}

bool byStart(const CounterSet::Interval& a, const CounterSet::Interval& b) {
  return a.start < b.start;
}

bool byEnd(const CounterSet::Interval& a, const CounterSet::Interval& b) {
  return a.end < b.end;
}

u128 fixedRate(const CounterSet::Interval& interval) {
  const Picoseconds duration = interval.end - interval.start;
  if (duration <= 0 || interval.weight <= 0) return 0;  // instant: counted whole when it ends
  const u128 scaled = u128(quint64(interval.weight)) << kRateFractionBits;
  return (scaled + u128(quint64(duration)) / 2) / u128(quint64(duration));  // rounded
}

}  // namespace

void CounterSet::DurationSeries::finish() {
  for (Interval& interval : pending) interval.end = std::max(interval.start, interval.end);
  for (const Interval& interval : sortedCopy(pending, byStart)) {
    starts.push_back(interval.start);
    startSumByStart.push_back(startSumByStart.back() + quint64(interval.start));
  }
  for (const Interval& interval : sortedCopy(pending, byEnd)) {
    ends.push_back(interval.end);
    startSumByEnd.push_back(startSumByEnd.back() + quint64(interval.start));
    durationByEnd.push_back(durationByEnd.back() + (interval.end - interval.start));
  }
  pending = {};
}

Picoseconds CounterSet::DurationSeries::timeUpTo(Picoseconds t) const {
  const auto started = size_t(countUpTo(starts, t));
  const auto ended = size_t(countUpTo(ends, t));
  const qint64 running = qint64(started) - qint64(ended);
  const auto runningStartSum = qint64(startSumByStart[started] - startSumByEnd[ended]);
  return durationByEnd[ended] + running * t - runningStartSum;
}

void CounterSet::ByteSeries::finish() {
  for (Interval& interval : pending) interval.end = std::max(interval.start, interval.end);
  for (const Interval& interval : sortedCopy(pending, byStart)) {
    const u128 rate = fixedRate(interval);
    starts.push_back(interval.start);
    bytesByStart.push_back(bytesByStart.back() + interval.weight);
    rateByStart.push_back(rateByStart.back() + rate);
    rateStartByStart.push_back(rateStartByStart.back() + rate * u128(quint64(interval.start)));
  }
  for (const Interval& interval : sortedCopy(pending, byEnd)) {
    const u128 rate = fixedRate(interval);
    ends.push_back(interval.end);
    bytesByEnd.push_back(bytesByEnd.back() + interval.weight);
    rateByEnd.push_back(rateByEnd.back() + rate);
    rateStartByEnd.push_back(rateStartByEnd.back() + rate * u128(quint64(interval.start)));
  }
  pending = {};
}

qint64 CounterSet::ByteSeries::bytesUpTo(Picoseconds t) const {
  const auto started = size_t(countUpTo(starts, t));
  const auto ended = size_t(countUpTo(ends, t));
  const qint64 finished = bytesByEnd[ended];
  const qint64 runningBytes = bytesByStart[started] - finished;
  if (runningBytes == 0) return finished;
  const u128 runningRate = rateByStart[started] - rateByEnd[ended];
  const u128 runningRateStart = rateStartByStart[started] - rateStartByEnd[ended];
  const u128 half = u128(1) << (kRateFractionBits - 1);
  const u128 moved =
      (u128(quint64(t)) * runningRate - runningRateStart + half) >> kRateFractionBits;
  return finished + std::min<qint64>(qint64(moved), runningBytes);
}

// --- CounterSet ----------------------------------------------------------------------------

CounterSet::CounterSet(const TraceIndex& index) {
  build(index.trace());
}

CounterSet::CounterSet(const Trace& trace) {
  build(trace);
}

void CounterSet::build(const Trace& trace) {
  simTimePs_ = trace.endTime;
  lastTimePs_ = trace.lastTime();
  // Metrics count distinct copy ids: a copy is counted once, at its first record.
  QSet<qint64> copyIdsSeen;
  std::array<QSet<qint64>, kCopyEngineCount> copyIdsSeenByEngine;
  for (const Record& record : trace.records) {
    const auto d = size_t(record.detail);
    switch (record.type) {
      case RecordType::Copy: {
        const CopyRecord& copy = trace.copies[d];
        const int engine = engineIndex(copy.engine);
        if (!copyIdsSeen.contains(copy.copyId)) {
          copyIdsSeen.insert(copy.copyId);
          copies_.add(record.start);
        }
        if (engine >= 0) {
          if (!copyIdsSeenByEngine[size_t(engine)].contains(copy.copyId)) {
            copyIdsSeenByEngine[size_t(engine)].insert(copy.copyId);
            copiesByEngine_[size_t(engine)].add(record.start);
          }
          bytesMovedByEngine_[size_t(engine)].add(record.start, record.end, copy.bytes);
        } else {
          bytesMovedOther_.add(record.start, record.end, copy.bytes);
        }
        break;
      }
      case RecordType::Descriptor:
        descriptors_.add(record.start, trace.descriptors[d].bytes);
        break;
      case RecordType::ModeSwitch: {
        const QString& cause = trace.modeSwitches[d].cause;
        modeSwitches_.add(record.start);
        if (cause.startsWith(QLatin1String("syscall ")) ||
            cause.startsWith(QLatin1String("sysret ")))
          modeSwitchesSyscall_.add(record.start);
        else if (cause.startsWith(QLatin1String("interrupt ")) ||
                 cause.startsWith(QLatin1String("iret ")))
          modeSwitchesInterrupt_.add(record.start);
        break;
      }
      case RecordType::ContextSwitch:
        contextSwitches_.add(record.start);
        break;
      case RecordType::Syscall:
        syscalls_.add(record.start);
        break;
      case RecordType::Interrupt:
        interrupts_.add(record.start);
        break;
      case RecordType::Cpu: {
        const QString& state = trace.cpus[d].state;
        DurationSeries* series = nullptr;
        if (state == QLatin1String("user"))
          series = &cpuUser_;
        else if (state == QLatin1String("kernel"))
          series = &cpuKernel_;
        else if (state == QLatin1String("irq"))
          series = &cpuIrq_;
        else if (state == QLatin1String("idle"))
          series = &cpuIdle_;
        if (series) series->add(record.start, record.end);
        break;
      }
      case RecordType::Verification:
        verifiedBytes_.add(record.start, trace.verifications[d].bytes);
        mismatchedBytes_.add(record.start, trace.verifications[d].mismatched);
        break;
      default:
        break;
    }
  }
  bytesMovedOther_.finish();
  for (ByteSeries& series : bytesMovedByEngine_) series.finish();
  for (DurationSeries* series : {&cpuUser_, &cpuKernel_, &cpuIrq_, &cpuIdle_}) series->finish();
  atEnd_ = at(lastTimePs_);
  atEnd_.timePs = simTimePs_;
}

CounterValues CounterSet::at(Picoseconds t) const {
  t = std::max<Picoseconds>(t, 0);
  CounterValues values;
  values.simTimePs = simTimePs_;
  values.timePs = std::min(t, simTimePs_);
  values.copiesTotal = copies_.countUpTo(t);
  for (size_t e = 0; e < size_t(kCopyEngineCount); ++e) {
    values.copiesByEngine[e] = copiesByEngine_[e].countUpTo(t);
    values.bytesMovedByEngine[e] = bytesMovedByEngine_[e].bytesUpTo(t);
    values.bytesMovedTotal += values.bytesMovedByEngine[e];
  }
  values.bytesMovedTotal += bytesMovedOther_.bytesUpTo(t);
  values.descriptors = descriptors_.countUpTo(t);
  values.descriptorBytes = descriptors_.weightUpTo(t);
  values.modeSwitches = modeSwitches_.countUpTo(t);
  values.modeSwitchesSyscall = modeSwitchesSyscall_.countUpTo(t);
  values.modeSwitchesInterrupt = modeSwitchesInterrupt_.countUpTo(t);
  values.contextSwitches = contextSwitches_.countUpTo(t);
  values.syscalls = syscalls_.countUpTo(t);
  values.interrupts = interrupts_.countUpTo(t);
  values.cpuUserPs = cpuUser_.timeUpTo(t);
  values.cpuKernelPs = cpuKernel_.timeUpTo(t);
  values.cpuIrqPs = cpuIrq_.timeUpTo(t);
  values.cpuIdlePs = cpuIdle_.timeUpTo(t);
  values.bytesVerified = verifiedBytes_.weightUpTo(t);
  values.bytesMismatched = mismatchedBytes_.weightUpTo(t);
  return values;
}

}  // namespace iosim::gui
