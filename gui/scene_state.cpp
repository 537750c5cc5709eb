#include "scene_state.h"

#include <QMap>

#include <algorithm>

namespace iosim::gui {

namespace {

// Number of entries of a sorted vector that are <= t.
int countUpTo(const std::vector<Picoseconds>& sorted, Picoseconds t) {
  return int(std::upper_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
}

}  // namespace

QString describeModeSwitchCause(const QString& cause) {
  const int space = cause.indexOf(QLatin1Char(' '));
  const QString verb = space < 0 ? cause : cause.left(space);
  const QString rest = space < 0 ? QString() : cause.mid(space + 1);
  if (verb == QLatin1String("syscall") && !rest.isEmpty()) return rest + QStringLiteral("() entry");
  if (verb == QLatin1String("sysret") && !rest.isEmpty()) return rest + QStringLiteral("() return");
  if (verb == QLatin1String("interrupt") && !rest.isEmpty())
    return QStringLiteral("interrupt (IRQ %1)").arg(rest);
  if (verb == QLatin1String("iret")) {
    bool numeric = false;
    rest.toInt(&numeric);
    return numeric ? QStringLiteral("interrupt return (IRQ %1)").arg(rest)
                   : QStringLiteral("interrupt return %1").arg(rest).trimmed();
  }
  if (verb == QLatin1String("fault") || verb == QLatin1String("page_fault"))
    return QStringLiteral("page fault %1").arg(rest).trimmed();
  return cause;
}

TraceIndex::TraceIndex(const Trace& trace) : trace_(trace), endTime_(trace.lastTime()) {
  // Logical copies: one per (copy_id, engine, from, to), records in start order.
  QMap<std::tuple<qint64, QString, QString, QString>, int> copyByKey;
  auto addProcess = [this](const QString& name) {
    if (!name.isEmpty() && name != QLatin1String("idle") && !processes_.contains(name)) {
      processes_.append(name);
      modeSwitchesByProcess_.emplace_back();
      contextSwitchesByProcess_.emplace_back();
    }
  };
  for (const Region& region : trace.regions)
    if (region.layer == QLatin1String("user") && region.label.startsWith(QLatin1String("process ")))
      addProcess(region.name);

  for (int i = 0; i < int(trace.records.size()); ++i) {
    const Record& record = trace.records[size_t(i)];
    const auto d = size_t(record.detail);
    switch (record.type) {
      case RecordType::Copy: {
        const CopyRecord& copy = trace.copies[d];
        const auto key = std::make_tuple(copy.copyId, copy.engine, copy.from, copy.to);
        auto it = copyByKey.find(key);
        if (it == copyByKey.end()) {
          LogicalCopy logical;
          logical.copyId = copy.copyId;
          logical.engine = copy.engine;
          logical.actor = record.actor;
          logical.from = copy.from;
          logical.to = copy.to;
          logical.step = record.step;
          logical.start = record.start;
          logical.end = record.end;
          it = copyByKey.insert(key, int(logicalCopies_.size()));
          logicalCopies_.push_back(logical);
        }
        LogicalCopy& logical = logicalCopies_[size_t(it.value())];
        logical.end = std::max(logical.end, record.end);
        logical.bytes += copy.bytes;
        logical.recordIndexes.push_back(i);
        const bool knownActor =
            std::any_of(engineActors_.begin(), engineActors_.end(),
                        [&](const auto& engine) { return engine.first == record.actor; });
        if (!knownActor) engineActors_.emplace_back(record.actor, copy.engine);
        eventsOfInterest_.push_back(record.start);
        break;
      }
      case RecordType::Descriptor:
        descriptorRecords_.push_back(i);
        descriptorStarts_.push_back(record.start);
        longestDescriptor_ = std::max(longestDescriptor_, record.end - record.start);
        eventsOfInterest_.push_back(record.start);
        break;
      case RecordType::ModeSwitch: {
        const ModeSwitchRecord& mode = trace.modeSwitches[d];
        addProcess(mode.process);
        // A switch with no process (or "idle") has no lane, but still counts.
        const int process = processes_.indexOf(mode.process);
        if (process >= 0) modeSwitchesByProcess_[size_t(process)].push_back(i);
        modeSwitchStarts_.push_back(record.start);
        eventsOfInterest_.push_back(record.start);
        break;
      }
      case RecordType::ContextSwitch:
        for (const QString& name : {trace.contextSwitches[d].from, trace.contextSwitches[d].to}) {
          addProcess(name);
          const int process = processes_.indexOf(name);
          if (process >= 0) contextSwitchesByProcess_[size_t(process)].push_back(record.start);
        }
        contextSwitchStarts_.push_back(record.start);
        eventsOfInterest_.push_back(record.start);
        break;
      case RecordType::Interrupt:
        interruptStarts_.push_back(record.start);
        eventsOfInterest_.push_back(record.start);
        break;
      case RecordType::Syscall:
        addProcess(trace.syscalls[d].process);
        break;
      case RecordType::Narration:
        steps_.push_back({record.step, trace.narrations[d].text, record.start, i});
        stepStarts_.push_back(record.start);
        eventsOfInterest_.push_back(record.start);
        break;
      default:
        break;
    }
  }
  // Records are sorted by start, so the first record of each logical copy is too; copies were
  // appended in the order of their first record.
  for (const LogicalCopy& copy : logicalCopies_) {
    copyStarts_.push_back(copy.start);
    longestCopy_ = std::max(longestCopy_, copy.end - copy.start);
    if (!copyCountPrefixByEngine_.contains(copy.engine))
      copyCountPrefixByEngine_.insert(copy.engine, std::vector<int>(logicalCopies_.size() + 1, 0));
  }
  for (auto it = copyCountPrefixByEngine_.begin(); it != copyCountPrefixByEngine_.end(); ++it) {
    std::vector<int>& prefix = it.value();
    for (size_t i = 0; i < logicalCopies_.size(); ++i)
      prefix[i + 1] = prefix[i] + (logicalCopies_[i].engine == it.key() ? 1 : 0);
  }
  std::sort(eventsOfInterest_.begin(), eventsOfInterest_.end());
  eventsOfInterest_.erase(std::unique(eventsOfInterest_.begin(), eventsOfInterest_.end()),
                          eventsOfInterest_.end());
}

double TraceIndex::copyProgress(const LogicalCopy& copy, Picoseconds t) const {
  if (copy.bytes <= 0) return t >= copy.end ? 1.0 : 0.0;
  double moved = 0;
  for (int index : copy.recordIndexes) {
    const Record& record = trace_.records[size_t(index)];
    const double bytes = double(trace_.copies[size_t(record.detail)].bytes);
    if (t >= record.end) {
      moved += bytes;
    } else if (t > record.start) {
      moved += bytes * double(t - record.start) / double(record.end - record.start);
    } else {
      break;  // records are by start: the rest have not begun
    }
  }
  return std::clamp(moved / double(copy.bytes), 0.0, 1.0);
}

SceneState TraceIndex::stateAt(Picoseconds t, Picoseconds linger) const {
  SceneState state;
  state.time = t;

  // A copy in flight started at or before t and ends after t (an instant copy shows at its
  // instant). It cannot have started before t - longestCopy_, which bounds the scan.
  const int startedUpTo = countUpTo(copyStarts_, t);
  const auto firstCandidate =
      std::lower_bound(copyStarts_.begin(), copyStarts_.end(), t - longestCopy_) -
      copyStarts_.begin();
  for (int i = int(firstCandidate); i < startedUpTo; ++i) {
    const LogicalCopy& copy = logicalCopies_[size_t(i)];
    if (t < copy.end || (copy.start == copy.end && t == copy.start))
      state.copiesInFlight.push_back({i, copyProgress(copy, t)});
  }
  for (auto it = copyCountPrefixByEngine_.begin(); it != copyCountPrefixByEngine_.end(); ++it)
    state.copiesByEngine.insert(it.key(), it.value()[size_t(startedUpTo)]);

  // Descriptors: the same rule as copies, bounded by the longest one.
  const int descriptorsUpTo = countUpTo(descriptorStarts_, t);
  const auto firstDescriptor = std::lower_bound(descriptorStarts_.begin(), descriptorStarts_.end(),
                                                t - std::max(longestDescriptor_, linger)) -
                               descriptorStarts_.begin();
  for (int i = int(firstDescriptor); i < descriptorsUpTo; ++i) {
    const Record& record = trace_.records[size_t(descriptorRecords_[size_t(i)])];
    if (t < std::max(record.end, record.start + linger) ||
        (record.start == record.end && t == record.start))
      state.descriptorsInFlight.push_back({descriptorRecords_[size_t(i)]});
  }
  state.descriptors = descriptorsUpTo;

  state.modeSwitches = countUpTo(modeSwitchStarts_, t);
  state.contextSwitches = countUpTo(contextSwitchStarts_, t);
  state.interrupts = countUpTo(interruptStarts_, t);

  for (int p = 0; p < processes_.size(); ++p) {
    ProcessState process;
    process.name = processes_[p];
    const std::vector<int>& switches = modeSwitchesByProcess_[size_t(p)];
    const auto after = std::upper_bound(switches.begin(), switches.end(), t,
                                        [this](Picoseconds time, int recordIndex) {
                                          return time < trace_.records[size_t(recordIndex)].start;
                                        });
    process.modeSwitches = int(after - switches.begin());
    if (after != switches.begin()) {
      const Record& last = trace_.records[size_t(*(after - 1))];
      const ModeSwitchRecord& mode = trace_.modeSwitches[size_t(last.detail)];
      process.inKernel = mode.toKernel;
      process.lastCause = mode.cause;
      process.switching = t < std::max(last.end, last.start + linger);
    }
    process.contextSwitches = countUpTo(contextSwitchesByProcess_[size_t(p)], t);
    state.processes.push_back(process);
  }
  state.currentStep = countUpTo(stepStarts_, t) - 1;
  return state;
}

Picoseconds TraceIndex::nextStepStart(Picoseconds t) const {
  const auto it = std::upper_bound(stepStarts_.begin(), stepStarts_.end(), t);
  return it == stepStarts_.end() ? t : *it;
}

Picoseconds TraceIndex::previousStepStart(Picoseconds t) const {
  // The step before the one under way, as "previous slide" does in a lecture (not the start of
  // the current step); before the second step, back to the beginning.
  const int current = countUpTo(stepStarts_, t) - 1;
  return current >= 1 ? stepStarts_[size_t(current - 1)] : 0;
}

int TraceIndex::findStep(const QString& id) const {
  for (size_t i = 0; i < steps_.size(); ++i)
    if (steps_[i].id == id) return int(i);
  return -1;
}

Picoseconds TraceIndex::nextEvent(Picoseconds t) const {
  const auto it = std::upper_bound(eventsOfInterest_.begin(), eventsOfInterest_.end(), t);
  return it == eventsOfInterest_.end() ? t : *it;
}

Picoseconds TraceIndex::previousEvent(Picoseconds t) const {
  const auto it = std::lower_bound(eventsOfInterest_.begin(), eventsOfInterest_.end(), t);
  return it == eventsOfInterest_.begin() ? 0 : *(it - 1);
}

}  // namespace iosim::gui
