#include "trace.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>

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
    case RecordType::Other:
      return QStringLiteral("other");
  }
  return QStringLiteral("?");
}

namespace {

// The fields every record has; the rest of a record of unknown type is its own.
bool isCommonField(const QString& key) {
  return key == QLatin1String("type") || key == QLatin1String("start") ||
         key == QLatin1String("end") || key == QLatin1String("actor") ||
         key == QLatin1String("step");
}

QString jsonValueText(const QJsonValue& value) {
  switch (value.type()) {
    case QJsonValue::String:
      return value.toString();
    case QJsonValue::Double: {
      const double number = value.toDouble();
      return number == double(qint64(number)) ? QString::number(qint64(number))
                                              : QString::number(number, 'g', 17);
    }
    case QJsonValue::Bool:
      return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null:
      return QStringLiteral("null");
    case QJsonValue::Object:
      return QStringLiteral("{...}");
    case QJsonValue::Array:
      return QStringLiteral("[...]");
    default:
      return {};
  }
}

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

namespace {

// The writer sorts by start; a hand-edited file may not. Stable: ties keep file order.
void sortByStart(Trace& trace) {
  const auto byStart = [](const Record& a, const Record& b) { return a.start < b.start; };
  if (!std::is_sorted(trace.records.begin(), trace.records.end(), byStart))
    std::stable_sort(trace.records.begin(), trace.records.end(), byStart);
}

// The reference reader: QJsonDocument, then the checks of docs/trace-format.md with their
// messages. TraceFile::parse uses it for whatever the fast reader below does not accept.
std::optional<Trace> parseWithQtJson(const QByteArray& data, const QString& displayName,
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
        // The format lets a writer add record types within one version: keep them generically
        // (a timeline lane per type, their fields in the details).
        record.type = RecordType::Other;
        record.detail = int(trace.others.size());
        OtherRecord other{type, {}};
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
          if (isCommonField(it.key())) continue;
          other.fields.emplace_back(it.key(), jsonValueText(it.value()));
        }
        trace.others.push_back(std::move(other));
        ++trace.genericRecords;
      }
      trace.records.push_back(std::move(record));
    }
    sortByStart(trace);
    return trace;
  } catch (const FormatError& formatError) {
    if (error) *error = QStringLiteral("%1: error: %2").arg(displayName, formatError.message);
    return std::nullopt;
  }
}

// The fast reader of valid traces. QJsonDocument builds a tree of the whole file first (about
// 9 bytes of memory per byte of a large trace, and most of the load time); this reads records
// straight from the bytes into the Trace, and shares the QString of each distinct value ("cpu0",
// "page_cache") between records instead of allocating one per field. It accepts only what the
// QJsonDocument path accepts and gives up at the first doubt (any syntax or format error,
// escapes in keys, non-integer numbers in known fields): TraceFile::parse then reads the file
// again with QJsonDocument, which produces the exact error message, so messages do not change.
class FastTraceReader {
 public:
  explicit FastTraceReader(const QByteArray& data)
      : p_(data.constData()), end_(data.constData() + data.size()) {}

  std::optional<Trace> read() {
    try {
      return readDocument();
    } catch (const GiveUp&) {
      return std::nullopt;
    }
  }

 private:
  struct GiveUp {};

  // One JSON value as the reader keeps it: scalars only; objects and arrays are skipped.
  struct Value {
    enum class Kind { String, Integer, OtherNumber, Bool, Null, Object, Array } kind;
    std::string_view raw;  // a string's bytes between the quotes (escapes not decoded)
    bool escaped = false;
    qint64 integer = 0;
    bool boolean = false;
  };
  struct Member {
    std::string_view key;
    Value value;
  };

  [[noreturn]] static void giveUp() { throw GiveUp{}; }

  void skipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  void expect(char c) {
    skipSpace();
    if (p_ >= end_ || *p_ != c) giveUp();
    ++p_;
  }
  bool consume(char c) {
    skipSpace();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // A string after its opening quote; strict JSON: no raw control characters, valid escapes,
  // valid UTF-8 (QJsonDocument rejects the others).
  std::string_view readStringBody(bool* escaped) {
    const char* start = p_;
    *escaped = false;
    while (true) {
      if (p_ >= end_) giveUp();
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c < 0x20) giveUp();
      if (c == '\\') {
        *escaped = true;
        if (++p_ >= end_) giveUp();
        switch (*p_) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            ++p_;
            break;
          case 'u':
            for (int i = 1; i <= 4; ++i)
              if (p_ + i >= end_ || !std::isxdigit(static_cast<unsigned char>(p_[i]))) giveUp();
            p_ += 5;
            break;
          default:
            giveUp();
        }
        continue;
      }
      if (c < 0x80) {
        ++p_;
        continue;
      }
      p_ += validUtf8Length(p_, end_);
    }
    const std::string_view body(start, size_t(p_ - start));
    ++p_;  // the closing quote
    return body;
  }

  // Length of the UTF-8 sequence at p (first byte >= 0x80); gives up on an invalid one.
  static int validUtf8Length(const char* p, const char* end) {
    const auto c = static_cast<unsigned char>(p[0]);
    int length = 0;
    unsigned lowest = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      lowest = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      lowest = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      lowest = 0x10000;
    } else {
      giveUp();
    }
    if (end - p < length) giveUp();
    unsigned code = c & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
      const auto next = static_cast<unsigned char>(p[i]);
      if ((next & 0xC0) != 0x80) giveUp();
      code = (code << 6) | (next & 0x3F);
    }
    if (code < lowest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) giveUp();
    return length;
  }

  Value readNumber() {
    Value value{Value::Kind::Integer, {}};
    const char* start = p_;
    bool negative = false;
    if (p_ < end_ && *p_ == '-') {
      negative = true;
      ++p_;
    }
    if (p_ >= end_ || !std::isdigit(static_cast<unsigned char>(*p_))) giveUp();
    if (*p_ == '0' && p_ + 1 < end_ && std::isdigit(static_cast<unsigned char>(p_[1]))) giveUp();
    // Accumulate negatively: -2^63 fits, 2^63 does not.
    qint64 magnitude = 0;
    bool overflow = false;
    while (p_ < end_ && std::isdigit(static_cast<unsigned char>(*p_))) {
      const int digit = *p_ - '0';
      if (magnitude < (std::numeric_limits<qint64>::min() + digit) / 10)
        overflow = true;
      else
        magnitude = magnitude * 10 - digit;
      ++p_;
    }
    bool integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ >= end_ || !std::isdigit(static_cast<unsigned char>(*p_))) giveUp();
      while (p_ < end_ && std::isdigit(static_cast<unsigned char>(*p_))) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !std::isdigit(static_cast<unsigned char>(*p_))) giveUp();
      while (p_ < end_ && std::isdigit(static_cast<unsigned char>(*p_))) ++p_;
    }
    value.raw = std::string_view(start, size_t(p_ - start));
    if (!integral || overflow || (negative && magnitude == 0) ||
        (!negative && magnitude == std::numeric_limits<qint64>::min())) {
      // Known fields then go the QJsonDocument way; out-of-range values are its errors too.
      value.kind = Value::Kind::OtherNumber;
      if (!std::isfinite(std::strtod(std::string(value.raw).c_str(), nullptr))) giveUp();
      return value;
    }
    value.integer = negative ? magnitude : -magnitude;
    return value;
  }

  bool literal(const char* word) {
    const size_t length = std::strlen(word);
    if (size_t(end_ - p_) < length || std::memcmp(p_, word, length) != 0) return false;
    p_ += length;
    return true;
  }

  // Reads a scalar; skips (after checking) an object or an array.
  Value readValue(int depth) {
    skipSpace();
    if (p_ >= end_) giveUp();
    Value value{Value::Kind::Null, {}};
    switch (*p_) {
      case '"':
        ++p_;
        value.kind = Value::Kind::String;
        value.raw = readStringBody(&value.escaped);
        if (value.escaped) decodeEscaped(value.raw);  // gives up where QJsonDocument would fail
        return value;
      case '{':
        skipObject(depth + 1);
        value.kind = Value::Kind::Object;
        return value;
      case '[':
        skipArray(depth + 1);
        value.kind = Value::Kind::Array;
        return value;
      case 't':
        if (!literal("true")) giveUp();
        value.kind = Value::Kind::Bool;
        value.boolean = true;
        return value;
      case 'f':
        if (!literal("false")) giveUp();
        value.kind = Value::Kind::Bool;
        return value;
      case 'n':
        if (!literal("null")) giveUp();
        return value;
      default:
        return readNumber();
    }
  }

  std::string_view readKey() {
    expect('"');
    bool escaped = false;
    const std::string_view key = readStringBody(&escaped);
    if (escaped) giveUp();
    expect(':');
    return key;
  }

  void skipObject(int depth) {
    if (depth > 64) giveUp();
    expect('{');
    if (consume('}')) return;
    do {
      readKey();
      readValue(depth);
    } while (consume(','));
    expect('}');
  }
  void skipArray(int depth) {
    if (depth > 64) giveUp();
    expect('[');
    if (consume(']')) return;
    do readValue(depth);
    while (consume(','));
    expect(']');
  }

  // The members of one flat object (nested values are checked and skipped).
  void readMembers(std::vector<Member>& members) {
    members.clear();
    expect('{');
    if (consume('}')) return;
    do {
      const std::string_view key = readKey();
      members.push_back({key, readValue(1)});
    } while (consume(','));
    expect('}');
  }

  // QJsonObject keeps the last of duplicate keys: search from the back.
  static const Value* find(const std::vector<Member>& members, std::string_view key) {
    for (auto it = members.rbegin(); it != members.rend(); ++it)
      if (it->key == key) return &it->value;
    return nullptr;
  }
  const Value& require(const std::vector<Member>& members, std::string_view key) {
    const Value* value = find(members, key);
    if (!value) giveUp();
    return *value;
  }
  QString string(const std::vector<Member>& members, std::string_view key) {
    const Value& value = require(members, key);
    if (value.kind != Value::Kind::String) giveUp();
    return text(value);
  }
  qint64 integer(const std::vector<Member>& members, std::string_view key) {
    const Value& value = require(members, key);
    if (value.kind != Value::Kind::Integer) giveUp();
    return value.integer;
  }
  qint64 count(const std::vector<Member>& members, std::string_view key) {
    const qint64 value = integer(members, key);
    if (value < 0) giveUp();
    return value;
  }
  bool boolean(const std::vector<Member>& members, std::string_view key) {
    const Value& value = require(members, key);
    if (value.kind != Value::Kind::Bool) giveUp();
    return value.boolean;
  }

  // The QString of a string value: one shared copy per distinct text.
  QString text(const Value& value) {
    if (value.escaped) return decodeEscaped(value.raw);
    const auto it = interned_.find(value.raw);
    if (it != interned_.end()) return it->second;
    QString decoded = QString::fromUtf8(value.raw.data(), qsizetype(value.raw.size()));
    // Free text (narration) is rarely repeated: intern short values only, which repeat most.
    if (value.raw.size() <= 64) interned_.emplace(value.raw, decoded);
    return decoded;
  }

  static QString decodeEscaped(std::string_view raw) {
    // Rare (quotes or newlines in narration): let Qt decode the exact JSON string.
    QByteArray json;
    json.reserve(qsizetype(raw.size()) + 4);
    json.append('[').append('"').append(raw.data(), qsizetype(raw.size())).append('"').append(']');
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isArray()) giveUp();
    return document.array().at(0).toString();
  }

  Region region(const std::vector<Member>& members) {
    Region region{string(members, "name"), string(members, "layer"), string(members, "label")};
    if (region.layer != QLatin1String("user") && region.layer != QLatin1String("kernel") &&
        region.layer != QLatin1String("hardware"))
      giveUp();
    return region;
  }

  // Reads one record into the trace, as the QJsonDocument path does (an unknown type as Other).
  bool readRecord(const std::vector<Member>& m, Trace& trace, Record& record,
                  std::optional<Region>* regionRecord) {
    const std::string_view type = require(m, "type").raw;
    if (require(m, "type").kind != Value::Kind::String || require(m, "type").escaped) giveUp();
    record.start = count(m, "start");
    record.end = count(m, "end");
    if (record.end < record.start) giveUp();
    record.actor = string(m, "actor");
    record.step = string(m, "step");
    if (type == "region") {
      record.type = RecordType::Region;
      *regionRecord = region(m);
    } else if (type == "copy") {
      record.type = RecordType::Copy;
      record.detail = int(trace.copies.size());
      trace.copies.push_back({integer(m, "copy_id"), string(m, "engine"), string(m, "from"),
                              string(m, "to"), count(m, "bytes")});
    } else if (type == "descriptor") {
      record.type = RecordType::Descriptor;
      record.detail = int(trace.descriptors.size());
      trace.descriptors.push_back({string(m, "from"), string(m, "to"), count(m, "bytes"),
                                   count(m, "fragments"), string(m, "what")});
    } else if (type == "mode_switch") {
      record.type = RecordType::ModeSwitch;
      record.detail = int(trace.modeSwitches.size());
      trace.modeSwitches.push_back(
          {string(m, "cpu"), string(m, "process"), boolean(m, "to_kernel"), string(m, "cause")});
    } else if (type == "context_switch") {
      record.type = RecordType::ContextSwitch;
      record.detail = int(trace.contextSwitches.size());
      trace.contextSwitches.push_back(
          {string(m, "cpu"), string(m, "from"), string(m, "to"), string(m, "reason")});
    } else if (type == "syscall") {
      record.type = RecordType::Syscall;
      record.detail = int(trace.syscalls.size());
      trace.syscalls.push_back({string(m, "process"), string(m, "name"), string(m, "args"),
                                integer(m, "result"), string(m, "error")});
    } else if (type == "interrupt") {
      record.type = RecordType::Interrupt;
      record.detail = int(trace.interrupts.size());
      trace.interrupts.push_back(
          {integer(m, "line"), string(m, "device"), count(m, "handler_start")});
    } else if (type == "device") {
      record.type = RecordType::Device;
      record.detail = int(trace.devices.size());
      trace.devices.push_back({string(m, "device"), string(m, "phase"), string(m, "detail")});
    } else if (type == "bus") {
      record.type = RecordType::Bus;
      record.detail = int(trace.buses.size());
      trace.buses.push_back({string(m, "initiator"), count(m, "transactions"), count(m, "bytes"),
                             count(m, "busy"), count(m, "stall")});
    } else if (type == "cpu") {
      record.type = RecordType::Cpu;
      record.detail = int(trace.cpus.size());
      trace.cpus.push_back(
          {string(m, "cpu"), string(m, "process"), string(m, "state"), count(m, "stall")});
    } else if (type == "narration") {
      record.type = RecordType::Narration;
      record.detail = int(trace.narrations.size());
      trace.narrations.push_back({string(m, "text")});
    } else if (type == "verification") {
      record.type = RecordType::Verification;
      record.detail = int(trace.verifications.size());
      trace.verifications.push_back({string(m, "what"), count(m, "bytes"), count(m, "mismatched")});
    } else {
      record.type = RecordType::Other;
      record.detail = int(trace.others.size());
      OtherRecord other{text(require(m, "type")), {}};
      for (const Member& member : m) {
        const QString key = QString::fromUtf8(member.key.data(), qsizetype(member.key.size()));
        if (isCommonField(key)) continue;
        other.fields.emplace_back(key, valueText(member.value));
      }
      trace.others.push_back(std::move(other));
      ++trace.genericRecords;
    }
    return true;
  }

  // A field of a record of unknown type, as text for the details pane.
  QString valueText(const Value& value) {
    switch (value.kind) {
      case Value::Kind::String:
        return text(value);
      case Value::Kind::Integer:
        return QString::number(value.integer);
      case Value::Kind::OtherNumber:
        return QString::fromUtf8(value.raw.data(), qsizetype(value.raw.size()));
      case Value::Kind::Bool:
        return value.boolean ? QStringLiteral("true") : QStringLiteral("false");
      case Value::Kind::Null:
        return QStringLiteral("null");
      case Value::Kind::Object:
        return QStringLiteral("{...}");
      case Value::Kind::Array:
        return QStringLiteral("[...]");
    }
    return {};
  }

  Trace readDocument() {
    Trace trace;
    std::vector<Member> members;
    members.reserve(16);
    // Top-level members come in any order; region records wait for the "regions" list, which
    // they extend, as in the QJsonDocument path.
    std::vector<Member> top;
    std::vector<Region> topRegions;
    bool sawRegions = false, sawRecords = false;
    std::vector<std::pair<size_t, Region>> regionRecords;  // (index in records, region)
    expect('{');
    if (!consume('}')) {
      do {
        const std::string_view key = readKey();
        if (key == "records") {
          if (sawRecords) giveUp();  // QJsonObject would keep the last one only
          sawRecords = true;
          readRecords(trace, members, regionRecords);
        } else if (key == "regions") {
          if (sawRegions) giveUp();
          sawRegions = true;
          expect('[');
          if (!consume(']')) {
            do {
              readMembers(members);
              topRegions.push_back(region(members));
            } while (consume(','));
            expect(']');
          }
        } else if (key == "scenario") {
          skipSpace();
          readMembers(members);
          trace.title = string(members, "title");
          trace.scenarioFile = string(members, "file");
          trace.seed = integer(members, "seed");
          top.push_back({key, Value{Value::Kind::Object, {}}});
        } else {
          top.push_back({key, readValue(1)});
        }
      } while (consume(','));
      expect('}');
    }
    skipSpace();
    if (p_ != end_ || !sawRegions || !sawRecords) giveUp();
    const Value& format = require(top, "format");
    if (format.kind != Value::Kind::String || format.raw != "iosim-trace") giveUp();
    const qint64 version = integer(top, "version");
    if (version < 1 || version > kTraceFormatVersion) giveUp();
    const Value& timeUnit = require(top, "time_unit");
    if (timeUnit.kind != Value::Kind::String || timeUnit.raw != "ps") giveUp();
    if (require(top, "scenario").kind != Value::Kind::Object) giveUp();
    trace.endTime = count(top, "end_time");

    trace.regions = std::move(topRegions);
    for (auto& [recordIndex, region] : regionRecords) {
      auto it = std::find_if(trace.regions.begin(), trace.regions.end(),
                             [&](const Region& r) { return r.name == region.name; });
      if (it == trace.regions.end()) {
        trace.regions.push_back(std::move(region));
        it = trace.regions.end() - 1;
      }
      trace.records[recordIndex].detail = int(it - trace.regions.begin());
    }
    return trace;
  }

  void readRecords(Trace& trace, std::vector<Member>& members,
                   std::vector<std::pair<size_t, Region>>& regionRecords) {
    // About 150 bytes a record in files the simulator writes: reserve once, not by doubling.
    const auto estimate = size_t(std::max<qsizetype>(16, (end_ - p_) / 150));
    trace.records.reserve(estimate);
    expect('[');
    if (consume(']')) return;
    do {
      skipSpace();
      if (p_ >= end_ || *p_ != '{') giveUp();
      readMembers(members);
      Record record;
      std::optional<Region> region;
      readRecord(members, trace, record, &region);
      if (region) regionRecords.emplace_back(trace.records.size(), std::move(*region));
      trace.records.push_back(std::move(record));
    } while (consume(','));
    expect(']');
  }

  const char* p_;
  const char* end_;
  std::unordered_map<std::string_view, QString> interned_;
};

}  // namespace

std::optional<Trace> TraceFile::parse(const QByteArray& data, const QString& displayName,
                                      QString* error) {
  if (std::optional<Trace> trace = FastTraceReader(data).read()) {
    sortByStart(*trace);
    return trace;
  }
  return parseWithQtJson(data, displayName, error);
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
    case RecordType::Other: {
      const OtherRecord& other = others[d];
      lines[0] = QStringLiteral("%1 by %2").arg(other.type, r.actor);
      for (const auto& [key, value] : other.fields)
        lines << QStringLiteral("%1: %2").arg(key, value);
      break;
    }
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
