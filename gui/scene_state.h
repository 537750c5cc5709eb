// What the machine looks like at one simulated time: copies in flight, per-process mode, counters
// and the current lecture step. TraceIndex precomputes sorted tables once per trace so that
// stateAt(t) costs O(log n + active) instead of a scan of every record.
#pragma once

#include "trace.h"

#include <QHash>
#include <QString>

#include <vector>

namespace iosim::gui {

// One logical copy (a copy_id with one source, destination and engine), merging its records:
// a DMA copy reported as 16 page-sized records animates as one block.
struct LogicalCopy {
  qint64 copyId = 0;
  QString engine;
  QString actor;
  QString from;
  QString to;
  QString step;
  Picoseconds start = 0;
  Picoseconds end = 0;
  qint64 bytes = 0;
  std::vector<int> recordIndexes;  // into Trace::records, by start
};

struct CopyInFlight {
  int logicalCopy = -1;  // index into TraceIndex::logicalCopies()
  double progress = 0;   // 0..1: bytes moved so far / bytes of the copy
};

// A reference handed over instead of data (SG-DMA descriptor, pipe page reference) at t.
struct DescriptorInFlight {
  int recordIndex = -1;  // into Trace::records
};

struct ProcessState {
  QString name;
  bool inKernel = false;
  int modeSwitches = 0;     // up to and including t
  QString lastCause;        // cause of the last mode switch, empty before the first
  bool switching = false;   // t is inside the last mode switch's start..end (its cost), or
                            // within the linger given to stateAt()
  int contextSwitches = 0;  // context switches involving the process, up to t
};

struct Step {
  QString id;  // the record's `step`, e.g. "copy-1"; empty if the narration has none
  QString text;
  Picoseconds start = 0;
  int recordIndex = -1;
};

struct SceneState {
  Picoseconds time = 0;
  std::vector<CopyInFlight> copiesInFlight;
  std::vector<DescriptorInFlight> descriptorsInFlight;
  std::vector<ProcessState> processes;  // in TraceIndex::processes() order
  int modeSwitches = 0;
  int contextSwitches = 0;
  int interrupts = 0;
  int descriptors = 0;                 // descriptors passed up to t (they are not copies)
  QHash<QString, int> copiesByEngine;  // logical copies started up to t
  int currentStep = -1;                // index into TraceIndex::steps(), -1 before the first
};

// A mode switch's cause as a lecture says it: "syscall read" -> "read() entry", "sysret read" ->
// "read() return", "interrupt 14" -> "interrupt (IRQ 14)", "iret 14" -> "interrupt return",
// "fault ..." -> "page fault ..."; anything else unchanged.
QString describeModeSwitchCause(const QString& cause);

class TraceIndex {
 public:
  explicit TraceIndex(const Trace& trace);

  const Trace& trace() const { return trace_; }
  const std::vector<LogicalCopy>& logicalCopies() const { return logicalCopies_; }
  const std::vector<Step>& steps() const { return steps_; }
  const QStringList& processes() const { return processes_; }
  // Engines that moved data, by actor ("cpu0" -> "cpu", "dma0.ch1" -> "dma"), first use order.
  const std::vector<std::pair<QString, QString>>& engineActors() const { return engineActors_; }
  // Start times of copy / mode_switch / context_switch / interrupt / narration records, sorted
  // and unique: the stops of "step forward" and "step back".
  const std::vector<Picoseconds>& eventsOfInterest() const { return eventsOfInterest_; }
  Picoseconds endTime() const { return endTime_; }

  // The scene at t. `linger` keeps short events on screen: a mode switch or a descriptor whose
  // record lasts less than `linger` counts as under way until start + linger (the player sets it
  // from the playback speed so a 100 ns switch stays visible for a moment at any speed).
  SceneState stateAt(Picoseconds t, Picoseconds linger = 0) const;
  // Start of the next lecture step strictly after t (t if none) and of the step before the one
  // under way at t (the current one's start if t is past it, 0 before the first).
  Picoseconds nextStepStart(Picoseconds t) const;
  Picoseconds previousStepStart(Picoseconds t) const;
  // Index into steps() of the first step whose id is `id`, or -1.
  int findStep(const QString& id) const;
  // The next event of interest strictly after t (or t if none), the previous strictly before.
  Picoseconds nextEvent(Picoseconds t) const;
  Picoseconds previousEvent(Picoseconds t) const;
  // Progress 0..1 of one logical copy at t (bytes of finished records + the running one's share).
  double copyProgress(const LogicalCopy& copy, Picoseconds t) const;

 private:
  const Trace& trace_;
  std::vector<LogicalCopy> logicalCopies_;  // by start
  Picoseconds longestCopy_ = 0;             // bounds the backward scan for copies in flight
  std::vector<Picoseconds> copyStarts_;
  QHash<QString, std::vector<int>>
      copyCountPrefixByEngine_;  // [i] = copies of engine among first i
  std::vector<Step> steps_;
  std::vector<Picoseconds> stepStarts_;
  QStringList processes_;
  std::vector<std::vector<int>> modeSwitchesByProcess_;             // record indexes, by start
  std::vector<std::vector<Picoseconds>> contextSwitchesByProcess_;  // starts
  std::vector<Picoseconds> modeSwitchStarts_;
  std::vector<Picoseconds> contextSwitchStarts_;
  std::vector<Picoseconds> interruptStarts_;
  std::vector<int> descriptorRecords_;  // record indexes, by start
  std::vector<Picoseconds> descriptorStarts_;
  Picoseconds longestDescriptor_ = 0;
  std::vector<Picoseconds> eventsOfInterest_;
  std::vector<std::pair<QString, QString>> engineActors_;
  Picoseconds endTime_ = 0;
};

}  // namespace iosim::gui
