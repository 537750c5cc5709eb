#include "trace.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <functional>

namespace iosim::gui {

QString recordTypeName(RecordType type) {
  switch (type) {
    case RecordType::Region:
      return QStringLiteral("region");
    case RecordType::Copy:
      return QStringLiteral("copy");
    case RecordType::Descriptor:
      return QStringLiteral("descriptor");
    case RecordType::ModeSwitch:
      return QStringLiteral("mode_switch");
    case RecordType::ContextSwitch:
      return QStringLiteral("context_switch");
    case RecordType::Syscall:
      return QStringLiteral("syscall");
    case RecordType::Interrupt:
      return QStringLiteral("interrupt");
    case RecordType::Device:
      return QStringLiteral("device");
    case RecordType::Bus:
      return QStringLiteral("bus");
    case RecordType::Cpu:
      return QStringLiteral("cpu");
    case RecordType::Narration:
      return QStringLiteral("narration");
    case RecordType::Verification:
      return QStringLiteral("verification");
  }
  return QStringLiteral("?");
}

namespace {

// Thrown inside the parser only, turned into the error string by TraceFile::parse.
struct FormatError {
  QString message;
};

// Reads the fields of one JSON object with the type checks of docs/trace-format.md.
class Fields {
 public:
  // `where` names the object in messages; it is built only on error, because formatting a string
  // per record was a large share of the load time of big traces.
  Fields(const QJsonObject& object, std::function<QString()> where)
      : object_(object), where_(std::move(where)) {}

  QJsonValue require(const char* key) const {
    const QJsonValue value = object_.value(QLatin1String(key));
    if (value.isUndefined())
      throw FormatError{QStringLiteral("%1: missing field '%2'").arg(where_(), QLatin1String(key))};
    return value;
  }
  QString string(const char* key) const {
    const QJsonValue value = require(key);
    if (!value.isString()) throw wrongType(key, "a string");
    return value.toString();
  }
  bool boolean(const char* key) const {
    const QJsonValue value = require(key);
    if (!value.isBool()) throw wrongType(key, "true or false");
    return value.toBool();
  }
  // Times can exceed 2^53 ps: Qt 6 keeps JSON integers as qint64, toInteger() reads them exactly.
  qint64 integer(const char* key) const {
    const QJsonValue value = require(key);
    if (!value.isDouble()) throw wrongType(key, "an integer");
    const double asDouble = value.toDouble();
    if (std::floor(asDouble) != asDouble) throw wrongType(key, "an integer");
    return value.toInteger();
  }
  qint64 count(const char* key) const {
    const qint64 value = integer(key);
    if (value < 0)
      throw FormatError{QStringLiteral("%1: field '%2' is negative (%3)")
                            .arg(where_(), QLatin1String(key))
                            .arg(value)};
    return value;
  }

 private:
  FormatError wrongType(const char* key, const char* expected) const {
    return FormatError{QStringLiteral("%1: field '%2' must be %3")
                           .arg(where_(), QLatin1String(key), QLatin1String(expected))};
  }
  const QJsonObject& object_;
  std::function<QString()> where_;
};

std::function<QString()> named(const char* name) {
  return [name] { return QLatin1String(name); };
}

Region readRegion(const Fields& f) {
  Region region{f.string("name"), f.string("layer"), f.string("label")};
  if (region.layer != QLatin1String("user") && region.layer != QLatin1String("kernel") &&
      region.layer != QLatin1String("hardware"))
    throw FormatError{QStringLiteral("region '%1': layer '%2' is not user, kernel or hardware")
                          .arg(region.name, region.layer)};
  return region;
}

// 1-based line and column of a byte offset, for "FILE:LINE:COL" messages.
std::pair<int, int> lineAndColumn(const QByteArray& data, qsizetype offset) {
  offset = std::clamp<qsizetype>(offset, 0, data.size());
  int line = 1;
  qsizetype lineStart = 0;
  for (qsizetype i = 0; i < offset; ++i) {
    if (data[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  }
  return {line, int(offset - lineStart) + 1};
}

}  // namespace

std::optional<Trace> TraceFile::load(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = QStringLiteral("%1: error: cannot open: %2").arg(path, file.errorString());
    return std::nullopt;
  }
  return parse(file.readAll(), path, error);
}

std::optional<Trace> TraceFile::parse(const QByteArray& data, const QString& displayName,
                                      QString* error) {
  QJsonParseError parseError;
  const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
  if (parseError.error != QJsonParseError::NoError) {
    const auto [line, column] = lineAndColumn(data, parseError.offset);
    if (error)
      *error = QStringLiteral("%1:%2:%3: error: %4")
                   .arg(displayName)
                   .arg(line)
                   .arg(column)
                   .arg(parseError.errorString());
    return std::nullopt;
  }
  try {
    if (!document.isObject()) throw FormatError{QStringLiteral("the top level is not an object")};
    const QJsonObject top = document.object();
    const Fields topFields(top, named("top level"));
    if (topFields.string("format") != QLatin1String("iosim-trace"))
      throw FormatError{QStringLiteral("format is '%1', not 'iosim-trace'")
                            .arg(top.value(QLatin1String("format")).toString())};
    const qint64 version = topFields.integer("version");
    if (version > kTraceFormatVersion)
      throw FormatError{
          QStringLiteral("trace format version %1 is newer than this program reads (%2); "
                         "update iosim-gui")
              .arg(version)
              .arg(kTraceFormatVersion)};
    if (version < 1)
      throw FormatError{QStringLiteral("invalid trace format version %1").arg(version)};
    if (topFields.string("time_unit") != QLatin1String("ps"))
      throw FormatError{QStringLiteral("time_unit must be 'ps'")};

    Trace trace;
    const QJsonValue scenario = topFields.require("scenario");
    if (!scenario.isObject()) throw FormatError{QStringLiteral("'scenario' must be an object")};
    const QJsonObject scenarioObject = scenario.toObject();
    const Fields scenarioFields(scenarioObject, named("scenario"));
    trace.title = scenarioFields.string("title");
    trace.scenarioFile = scenarioFields.string("file");
    trace.seed = scenarioFields.integer("seed");
    trace.endTime = topFields.count("end_time");

    const QJsonValue regions = topFields.require("regions");
    if (!regions.isArray()) throw FormatError{QStringLiteral("'regions' must be an array")};
    for (const QJsonValue& value : regions.toArray()) {
      if (!value.isObject()) throw FormatError{QStringLiteral("a region is not an object")};
      const QJsonObject object = value.toObject();
      trace.regions.push_back(readRegion(Fields(object, named("region"))));
    }

    const QJsonValue records = topFields.require("records");
    if (!records.isArray()) throw FormatError{QStringLiteral("'records' must be an array")};
    const QJsonArray recordArray = records.toArray();
    trace.records.reserve(size_t(recordArray.size()));
    int index = 0;
    for (const QJsonValue& value : recordArray) {
      if (!value.isObject())
        throw FormatError{QStringLiteral("record %1 is not an object").arg(index)};
      const QJsonObject object = value.toObject();
      const QString type = object.value(QLatin1String("type")).toString();
      const int recordNumber = index;
      const Fields f(object, [recordNumber, &type] {
        return QStringLiteral("record %1 (%2)")
            .arg(recordNumber)
            .arg(type.isEmpty() ? QStringLiteral("no type") : type);
      });
      ++index;
      Record record;
      f.string("type");
      record.start = f.count("start");
      record.end = f.count("end");
      if (record.end < record.start)
        throw FormatError{
            QStringLiteral("record %1 (%2): end is before start").arg(index - 1).arg(type)};
      record.actor = f.string("actor");
      record.step = f.string("step");

      if (type == QLatin1String("region")) {
        // Also in the top-level list; keep the first declaration of a
        // name.
        Region region = readRegion(f);
        record.type = RecordType::Region;
        auto it = std::find_if(trace.regions.begin(), trace.regions.end(),
                               [&](const Region& r) { return r.name == region.name; });
        if (it == trace.regions.end()) {
          trace.regions.push_back(region);
          it = trace.regions.end() - 1;
        }
        record.detail = int(it - trace.regions.begin());
      } else if (type == QLatin1String("copy")) {
        record.type = RecordType::Copy;
        record.detail = int(trace.copies.size());
        trace.copies.push_back({f.integer("copy_id"), f.string("engine"), f.string("from"),
                                f.string("to"), f.count("bytes")});
      } else if (type == QLatin1String("descriptor")) {
        record.type = RecordType::Descriptor;
        record.detail = int(trace.descriptors.size());
        trace.descriptors.push_back({f.string("from"), f.string("to"), f.count("bytes"),
                                     f.count("fragments"), f.string("what")});
      } else if (type == QLatin1String("mode_switch")) {
        record.type = RecordType::ModeSwitch;
        record.detail = int(trace.modeSwitches.size());
        trace.modeSwitches.push_back(
            {f.string("cpu"), f.string("process"), f.boolean("to_kernel"), f.string("cause")});
      } else if (type == QLatin1String("context_switch")) {
        record.type = RecordType::ContextSwitch;
        record.detail = int(trace.contextSwitches.size());
        trace.contextSwitches.push_back(
            {f.string("cpu"), f.string("from"), f.string("to"), f.string("reason")});
      } else if (type == QLatin1String("syscall")) {
        record.type = RecordType::Syscall;
        record.detail = int(trace.syscalls.size());
        trace.syscalls.push_back({f.string("process"), f.string("name"), f.string("args"),
                                  f.integer("result"), f.string("error")});
      } else if (type == QLatin1String("interrupt")) {
        record.type = RecordType::Interrupt;
        record.detail = int(trace.interrupts.size());
        trace.interrupts.push_back(
            {f.integer("line"), f.string("device"), f.count("handler_start")});
      } else if (type == QLatin1String("device")) {
        record.type = RecordType::Device;
        record.detail = int(trace.devices.size());
        trace.devices.push_back({f.string("device"), f.string("phase"), f.string("detail")});
      } else if (type == QLatin1String("bus")) {
        record.type = RecordType::Bus;
        record.detail = int(trace.buses.size());
        trace.buses.push_back({f.string("initiator"), f.count("transactions"), f.count("bytes"),
                               f.count("busy"), f.count("stall")});
      } else if (type == QLatin1String("cpu")) {
        record.type = RecordType::Cpu;
        record.detail = int(trace.cpus.size());
        trace.cpus.push_back(
            {f.string("cpu"), f.string("process"), f.string("state"), f.count("stall")});
      } else if (type == QLatin1String("narration")) {
        record.type = RecordType::Narration;
        record.detail = int(trace.narrations.size());
        trace.narrations.push_back({f.string("text")});
      } else if (type == QLatin1String("verification")) {
        record.type = RecordType::Verification;
        record.detail = int(trace.verifications.size());
        trace.verifications.push_back({f.string("what"), f.count("bytes"), f.count("mismatched")});
      } else {
        // The format lets a writer add record types within one version:
        // skip them.
        ++trace.skippedUnknownRecords;
        continue;
      }
      trace.records.push_back(std::move(record));
    }
    // The writer sorts by start; a hand-edited file may not. Stable: ties keep file order.
    if (!std::is_sorted(trace.records.begin(), trace.records.end(),
                        [](const Record& a, const Record& b) { return a.start < b.start; }))
      std::stable_sort(trace.records.begin(), trace.records.end(),
                       [](const Record& a, const Record& b) { return a.start < b.start; });
    return trace;
  } catch (const FormatError& formatError) {
    if (error) *error = QStringLiteral("%1: error: %2").arg(displayName, formatError.message);
    return std::nullopt;
  }
}

const Region* Trace::findRegion(const QString& name) const {
  for (const Region& region : regions)
    if (region.name == name) return &region;
  return nullptr;
}

QString Trace::regionLabel(const QString& name) const {
  const Region* region = findRegion(name);
  return region ? region->label : name;
}

Picoseconds Trace::lastTime() const {
  Picoseconds last = endTime;
  for (const Record& record : records) last = std::max(last, record.end);
  return last;
}

QString Trace::describe(int recordIndex) const {
  if (recordIndex < 0 || recordIndex >= int(records.size())) return {};
  const Record& r = records[size_t(recordIndex)];
  QStringList lines;
  lines << QStringLiteral("%1 by %2").arg(recordTypeName(r.type), r.actor);
  lines << QStringLiteral("start %1, end %2 (%3)")
               .arg(formatTime(r.start), formatTime(r.end), formatTime(r.end - r.start));
  if (!r.step.isEmpty()) lines << QStringLiteral("step %1").arg(r.step);
  const auto d = size_t(r.detail);
  switch (r.type) {
    case RecordType::Region:
      lines << QStringLiteral("region %1 (%2): %3")
                   .arg(regions[d].name, regions[d].layer, regions[d].label);
      break;
    case RecordType::Copy: {
      const CopyRecord& c = copies[d];
      lines << QStringLiteral("copy %1 by %2: %3 from %4 to %5")
                   .arg(c.copyId)
                   .arg(c.engine, formatBytes(c.bytes), regionLabel(c.from), regionLabel(c.to));
      break;
    }
    case RecordType::Descriptor: {
      const DescriptorRecord& ds = descriptors[d];
      lines << QStringLiteral("%1 passed from %2 to %3: %4 in %5 fragment(s), no byte copied")
                   .arg(ds.what, regionLabel(ds.from), regionLabel(ds.to), formatBytes(ds.bytes))
                   .arg(ds.fragments);
      break;
    }
    case RecordType::ModeSwitch: {
      const ModeSwitchRecord& m = modeSwitches[d];
      lines << QStringLiteral("%1 on %2: %3 (%4)")
                   .arg(m.process, m.cpu,
                        m.toKernel ? QStringLiteral("user -> kernel")
                                   : QStringLiteral("kernel -> user"),
                        m.cause);
      break;
    }
    case RecordType::ContextSwitch: {
      const ContextSwitchRecord& c = contextSwitches[d];
      lines << QStringLiteral("%1: %2 -> %3 (%4)").arg(c.cpu, c.from, c.to, c.reason);
      break;
    }
    case RecordType::Syscall: {
      const SyscallRecord& s = syscalls[d];
      lines << QStringLiteral("%1: %2(%3) = %4 %5")
                   .arg(s.process, s.name, s.args)
                   .arg(s.result)
                   .arg(s.error);
      break;
    }
    case RecordType::Interrupt: {
      const InterruptRecord& i = interrupts[d];
      lines << QStringLiteral("IRQ %1 from %2, handler entered after %3")
                   .arg(i.line)
                   .arg(i.device, formatTime(i.handlerStart - r.start));
      break;
    }
    case RecordType::Device: {
      const DeviceRecord& dv = devices[d];
      lines << QStringLiteral("%1 %2: %3").arg(dv.device, dv.phase, dv.detail);
      break;
    }
    case RecordType::Bus: {
      const BusRecord& b = buses[d];
      lines << QStringLiteral("bus held by %1: %2 transactions, %3, busy %4, stalled %5")
                   .arg(b.initiator)
                   .arg(b.transactions)
                   .arg(formatBytes(b.bytes), formatTime(b.busy), formatTime(b.stall));
      break;
    }
    case RecordType::Cpu: {
      const CpuRecord& c = cpus[d];
      lines << QStringLiteral("%1 %2 %3, bus stalls %4")
                   .arg(c.cpu, c.state, c.process, formatTime(c.stall));
      break;
    }
    case RecordType::Narration:
      lines << narrations[d].text;
      break;
    case RecordType::Verification: {
      const VerificationRecord& v = verifications[d];
      lines << QStringLiteral("verified %1: %2 compared, %3 mismatched")
                   .arg(v.what, formatBytes(v.bytes))
                   .arg(v.mismatched);
      break;
    }
  }
  return lines.join(QLatin1Char('\n'));
}

QString formatTime(Picoseconds ps) {
  const double value = double(ps);
  const double magnitude = std::abs(value);
  if (magnitude >= 1e12) return QString::number(value / 1e12, 'f', 3) + QStringLiteral(" s");
  if (magnitude >= 1e9) return QString::number(value / 1e9, 'f', 3) + QStringLiteral(" ms");
  if (magnitude >= 1e6) return QString::number(value / 1e6, 'f', 3) + QStringLiteral(" us");
  if (magnitude >= 1e3) return QString::number(value / 1e3, 'f', 3) + QStringLiteral(" ns");
  return QString::number(ps) + QStringLiteral(" ps");
}

QString formatBytes(qint64 bytes) {
  if (bytes >= (qint64(1) << 20) && bytes % (qint64(1) << 20) == 0)
    return QString::number(bytes >> 20) + QStringLiteral(" MiB");
  if (bytes >= 1024 && bytes % 1024 == 0)
    return QString::number(bytes >> 10) + QStringLiteral(" KiB");
  return QString::number(bytes) + QStringLiteral(" B");
}

}  // namespace iosim::gui
