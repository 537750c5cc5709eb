// The trace of one iosim run as the GUI sees it: regions and typed records, read from the JSON
// format of docs/trace-format.md (version 1). Only QtCore: no widget and no SystemC here.
#pragma once

#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <optional>
#include <vector>

namespace iosim::gui {

using Picoseconds = qint64;

// The trace format version this reader knows; a file with a larger version is rejected.
constexpr int kTraceFormatVersion = 1;

struct Region {
  QString name;
  QString layer;  // "user", "kernel" or "hardware"
  QString label;
};

enum class RecordType {
  Region,
  Copy,
  Descriptor,
  ModeSwitch,
  ContextSwitch,
  Syscall,
  Interrupt,
  Device,
  Bus,
  Cpu,
  Narration,
  Verification,
  Other,  // a type this player has no model for (readahead, cache_access, ...): kept generically
};

QString recordTypeName(RecordType type);

struct CopyRecord {
  qint64 copyId = 0;
  QString engine;  // "cpu", "dma", "channel", "nic", "disk"
  QString from;
  QString to;
  qint64 bytes = 0;
};

// Data handed over by reference (an SG-DMA descriptor, a pipe page reference): not a copy.
struct DescriptorRecord {
  QString from;  // region holding the data
  QString to;    // region receiving the reference
  qint64 bytes = 0;
  qint64 fragments = 0;
  QString what;  // "sg descriptor", "page reference"
};

struct ModeSwitchRecord {
  QString cpu;
  QString process;
  bool toKernel = false;
  QString cause;
};

struct ContextSwitchRecord {
  QString cpu;
  QString from;
  QString to;
  QString reason;
};

struct SyscallRecord {
  QString process;
  QString name;
  QString args;
  qint64 result = 0;
  QString error;
};

struct InterruptRecord {
  qint64 line = 0;
  QString device;
  Picoseconds handlerStart = 0;
};

struct DeviceRecord {
  QString device;
  QString phase;
  QString detail;
};

struct BusRecord {
  QString initiator;
  qint64 transactions = 0;
  qint64 bytes = 0;
  Picoseconds busy = 0;
  Picoseconds stall = 0;
};

struct CpuRecord {
  QString cpu;
  QString process;
  QString state;  // "idle", "user", "kernel", "irq"
  Picoseconds stall = 0;
};

struct NarrationRecord {
  QString text;
};

// A record of a type the player does not model: its type and its own fields as text, so that
// records added to the format later still show in the timeline and the details pane.
struct OtherRecord {
  QString type;
  // Without the common fields; in file order (alphabetical when the QJsonDocument reader, the
  // fallback for unusual files, read it).
  std::vector<std::pair<QString, QString>> fields;
};

struct VerificationRecord {
  QString what;
  qint64 bytes = 0;
  qint64 mismatched = 0;
};

// The fields every record has; `detail` indexes the vector of its type in Trace (for Region
// records, Trace::regions).
struct Record {
  RecordType type = RecordType::Narration;
  Picoseconds start = 0;
  Picoseconds end = 0;
  QString actor;
  QString step;
  int detail = -1;
};

struct Trace {
  QString title;
  QString scenarioFile;
  qint64 seed = 0;
  Picoseconds endTime = 0;
  std::vector<Region> regions;
  std::vector<Record> records;  // sorted by start, ties in file order

  std::vector<CopyRecord> copies;
  std::vector<DescriptorRecord> descriptors;
  std::vector<ModeSwitchRecord> modeSwitches;
  std::vector<ContextSwitchRecord> contextSwitches;
  std::vector<SyscallRecord> syscalls;
  std::vector<InterruptRecord> interrupts;
  std::vector<DeviceRecord> devices;
  std::vector<BusRecord> buses;
  std::vector<CpuRecord> cpus;
  std::vector<NarrationRecord> narrations;
  std::vector<VerificationRecord> verifications;
  std::vector<OtherRecord> others;
  int genericRecords = 0;  // records of types the player does not model (RecordType::Other)

  const Region* findRegion(const QString& name) const;
  // The label of a region, or its name when the trace does not declare it.
  QString regionLabel(const QString& name) const;
  // A multi-line, human-readable description of one record (the details pane).
  QString describe(int recordIndex) const;
  // The last time anything happens: max(end_time, every record's end).
  Picoseconds lastTime() const;
};

// Reads trace files. Errors are one line, "FILE:LINE:COL: error: ..." for JSON syntax errors and
// "FILE: error: ..." for a valid JSON document that is not a trace this reader accepts.
class TraceFile {
 public:
  static std::optional<Trace> load(const QString& path, QString* error);
  static std::optional<Trace> parse(const QByteArray& data, const QString& displayName,
                                    QString* error);
};

// "12.5 us", "3.000 ms": a time for people.
QString formatTime(Picoseconds ps);
// "4 KiB", "512 B".
QString formatBytes(qint64 bytes);

}  // namespace iosim::gui
