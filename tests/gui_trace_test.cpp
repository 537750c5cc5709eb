// Tests of the GUI's trace reader, scene state and playback clock (gui/trace.h, scene_state.h,
// playback.h) on the hand-written traces of tests/data/traces.
#include "playback.h"
#include "scene_state.h"
#include "trace.h"

#include <QJsonDocument>
#include <QtTest>

using namespace iosim::gui;

namespace {
constexpr Picoseconds kUs = 1'000'000;

QString tracePath(const char* name) {
  return QStringLiteral(IOSIM_GUI_TRACES "/") + name;
}

Trace loadOrFail(const char* name) {
  QString error;
  std::optional<Trace> trace = TraceFile::load(tracePath(name), &error);
  if (!trace) qFatal("cannot load %s: %s", name, qPrintable(error));
  return std::move(*trace);
}
}  // namespace

class GuiTraceTest : public QObject {
  Q_OBJECT
 private slots:
  void loadsCountsRegionsAndLayers() {
    const Trace trace = loadOrFail("read-write.json");
    QCOMPARE(trace.title,
             QStringLiteral("Classic read() + write(): four copies, four mode switches"));
    QCOMPARE(trace.endTime, 36 * kUs);
    QCOMPARE(trace.regions.size(), size_t(7));
    QCOMPARE(trace.findRegion("page_cache")->layer, QStringLiteral("kernel"));
    QCOMPARE(trace.findRegion("app.buf")->layer, QStringLiteral("user"));
    QCOMPARE(trace.findRegion("nic0.buffer")->layer, QStringLiteral("hardware"));
    QCOMPARE(trace.copies.size(), size_t(5));  // copy-1 is two records
    QCOMPARE(trace.modeSwitches.size(), size_t(4));
    QCOMPARE(trace.narrations.size(), size_t(8));
    QCOMPARE(trace.contextSwitches.size(), size_t(1));
    QCOMPARE(trace.interrupts.size(), size_t(1));
    QVERIFY(std::is_sorted(trace.records.begin(), trace.records.end(),
                           [](const Record& a, const Record& b) { return a.start < b.start; }));
  }

  void logicalCopiesMergeRecordsOfOneCopyId() {
    const Trace trace = loadOrFail("read-write.json");
    const TraceIndex index(trace);
    QCOMPARE(index.logicalCopies().size(), size_t(4));
    QStringList engines;
    for (const LogicalCopy& copy : index.logicalCopies()) engines << copy.engine;
    QCOMPARE(engines, (QStringList{"dma", "cpu", "cpu", "dma"}));
    QCOMPARE(index.logicalCopies()[0].bytes, qint64(4096));
    QCOMPARE(index.logicalCopies()[0].start, 3 * kUs);
    QCOMPARE(index.logicalCopies()[0].end, 11 * kUs);
  }

  void sceneStateDuringCopy1() {
    const Trace trace = loadOrFail("read-write.json");
    const TraceIndex index(trace);
    const SceneState state = index.stateAt(5 * kUs);  // half-way through the first DMA record
    QCOMPARE(state.copiesInFlight.size(), size_t(1));
    const LogicalCopy& copy = index.logicalCopies()[size_t(state.copiesInFlight[0].logicalCopy)];
    QCOMPARE(copy.step, QStringLiteral("copy-1"));
    QCOMPARE(copy.engine, QStringLiteral("dma"));
    QVERIFY(qAbs(state.copiesInFlight[0].progress - 0.25) < 1e-9);  // 1 KiB of 4 KiB
    QCOMPARE(state.modeSwitches, 1);
    QCOMPARE(state.copiesByEngine.value("dma"), 1);
    QCOMPARE(state.copiesByEngine.value("cpu"), 0);
    QCOMPARE(state.processes.size(), size_t(1));
    QCOMPARE(state.processes[0].name, QStringLiteral("app"));
    QVERIFY(state.processes[0].inKernel);
    QCOMPARE(index.steps()[size_t(state.currentStep)].id, QStringLiteral("copy-1"));
  }

  void sceneStateLaterInTheRun() {
    const Trace trace = loadOrFail("read-write.json");
    const TraceIndex index(trace);
    const SceneState copy3 = index.stateAt(23 * kUs);
    QCOMPARE(copy3.copiesInFlight.size(), size_t(1));
    const LogicalCopy& copy = index.logicalCopies()[size_t(copy3.copiesInFlight[0].logicalCopy)];
    QCOMPARE(copy.step, QStringLiteral("copy-3"));
    QCOMPARE(copy.engine, QStringLiteral("cpu"));
    QVERIFY(qAbs(copy3.copiesInFlight[0].progress - 0.5) < 1e-9);
    QCOMPARE(copy3.modeSwitches, 3);
    QCOMPARE(copy3.copiesByEngine.value("cpu"), 2);
    QCOMPARE(copy3.copiesByEngine.value("dma"), 1);
    QCOMPARE(index.steps()[size_t(copy3.currentStep)].id, QStringLiteral("copy-3"));

    const SceneState switching = index.stateAt(18 * kUs + 50'000);  // inside sysret read
    QVERIFY(switching.processes[0].switching);
    QVERIFY(!switching.processes[0].inKernel);
    QCOMPARE(switching.processes[0].lastCause, QStringLiteral("sysret read"));

    const SceneState between = index.stateAt(19 * kUs);  // after read() returned
    QVERIFY(!between.processes[0].switching);
    QVERIFY(between.copiesInFlight.empty());
    QVERIFY(!between.processes[0].inKernel);
    QCOMPARE(between.processes[0].lastCause, QStringLiteral("sysret read"));

    const SceneState end = index.stateAt(36 * kUs);
    QCOMPARE(end.modeSwitches, 4);
    QCOMPARE(end.contextSwitches, 1);
    QCOMPARE(end.interrupts, 1);
    QCOMPARE(end.copiesByEngine.value("cpu") + end.copiesByEngine.value("dma"), 4);
    QCOMPARE(index.steps()[size_t(end.currentStep)].id, QStringLiteral("switch-4"));
    QCOMPARE(index.stateAt(0).currentStep, -1);
  }

  void steppingVisitsTheLectureStepsInOrder() {
    const Trace trace = loadOrFail("read-write.json");
    const TraceIndex index(trace);
    Playback playback;
    playback.setIndex(&index);
    QStringList visited;
    Picoseconds previous = -1;
    for (int i = 0; i < 100 && playback.time() != previous; ++i) {
      previous = playback.time();
      playback.stepForward();
      const SceneState state = index.stateAt(playback.time());
      const QString step = index.steps()[size_t(state.currentStep)].id;
      if (visited.isEmpty() || visited.last() != step) visited << step;
    }
    QCOMPARE(visited, (QStringList{"switch-1", "copy-1", "copy-2", "switch-2", "switch-3", "copy-3",
                                   "copy-4", "switch-4"}));
    // And back: every stop strictly earlier than the one before, down to 0.
    std::vector<Picoseconds> backward;
    for (int i = 0; i < 100 && playback.time() > 0; ++i) {
      const Picoseconds before = playback.time();
      playback.stepBack();
      QVERIFY(playback.time() < before);
      backward.push_back(playback.time());
    }
    QCOMPARE(playback.time(), Picoseconds(0));
    std::vector<Picoseconds> expected(index.eventsOfInterest().rbegin(),
                                      index.eventsOfInterest().rend());
    expected.erase(expected.begin());  // the last event is where we started
    if (expected.back() != 0) expected.push_back(0);
    QCOMPARE(backward, expected);
  }

  void playbackAdvancesBySpeedAndStopsAtTheEnd() {
    const Trace trace = loadOrFail("read-write.json");
    const TraceIndex index(trace);
    Playback playback;
    playback.setIndex(&index);
    QCOMPARE(Playback::speedOfLevel(0), Picoseconds(1000));  // 1 ns/s
    QCOMPARE(Playback::speedOfLevel(Playback::kSpeedLevels - 1), Picoseconds(1'000'000'000'000));
    playback.setSpeedLevel(9);  // 1 us per second
    playback.play();
    playback.advance(500);
    QCOMPARE(playback.time(), kUs / 2);
    playback.faster();
    QVERIFY(playback.speed() > kUs);
    playback.advance(1'000'000);
    QCOMPARE(playback.time(), index.endTime());
    QVERIFY(!playback.isPlaying());
  }

  void dmaBurstIsOneBlockAcrossFourRecords() {
    const Trace trace = loadOrFail("dma-burst-small.json");
    const TraceIndex index(trace);
    QCOMPARE(index.logicalCopies().size(), size_t(1));
    QCOMPARE(index.logicalCopies()[0].bytes, qint64(16384));
    QCOMPARE(index.processes(), (QStringList{"reader", "cruncher"}));
    const SceneState state = index.stateAt(48 * kUs);  // records 0 and 1 done
    QCOMPARE(state.copiesInFlight.size(), size_t(1));
    QVERIFY(qAbs(state.copiesInFlight[0].progress - 0.5) < 1e-9);
    QCOMPARE(state.contextSwitches, 2);
    QVERIFY(state.processes[0].inKernel);   // reader blocked in device_read
    QVERIFY(!state.processes[1].inKernel);  // cruncher computes
    QVERIFY(index.steps().empty());
  }

  void truncatedTraceGivesFileLineColumn() {
    QString error;
    QVERIFY(!TraceFile::load(tracePath("truncated.json"), &error));
    QVERIFY2(error.startsWith(tracePath("truncated.json") + ":30:"), qPrintable(error));
    QVERIFY2(error.contains(": error: "), qPrintable(error));
  }

  void syntaxErrorPositionIsExact() {
    QString error;
    QVERIFY(!TraceFile::parse("{\n  \"format\": \"iosim-trace\",\n  \"version\" 1\n}", "x.json",
                              &error));
    // Line 3; the column is where Qt's parser stopped: on the `1` (13) or just after it (14).
    QVERIFY2(error.startsWith("x.json:3:13: error: ") || error.startsWith("x.json:3:14: error: "),
             qPrintable(error));
    QVERIFY(!TraceFile::parse("", "empty.json", &error));
    QVERIFY2(error.startsWith("empty.json:1:1: error: "), qPrintable(error));
  }

  void newerVersionIsRejected() {
    QString error;
    QVERIFY(!TraceFile::load(tracePath("newer-version.json"), &error));
    QCOMPARE(error, tracePath("newer-version.json") +
                        ": error: trace format version 2 is newer than this program reads (1); "
                        "update iosim-gui");
  }

  void missingFieldIsNamed() {
    QString error;
    QVERIFY(!TraceFile::load(tracePath("missing-field.json"), &error));
    QVERIFY2(error.endsWith("(copy): missing field 'bytes'"), qPrintable(error));
  }

  void wrongFormatAndUnknownRecordsAndFields() {
    QString error;
    QVERIFY(!TraceFile::parse(R"({"format":"other","version":1})", "f.json", &error));
    QVERIFY2(error.contains("not 'iosim-trace'"), qPrintable(error));
    // Unknown record types are kept as Other, unknown fields ignored, large times read exactly.
    const QByteArray data = R"({"format":"iosim-trace","version":1,"time_unit":"ps",
      "scenario":{"title":"t","file":"f","seed":1},"end_time":9000000000000001,"regions":[],
      "records":[{"type":"future_thing","start":0,"end":0,"actor":"x","step":""},
        {"type":"narration","start":9000000000000001,"end":9000000000000001,"actor":"k",
         "step":"s","text":"hi","new_field":[1,2]}],"metrics":{}})";
    const std::optional<Trace> trace = TraceFile::parse(data, "ok.json", &error);
    QVERIFY2(trace, qPrintable(error));
    // A record of a type the player does not model is kept generically, with its own fields.
    QCOMPARE(trace->genericRecords, 1);
    QCOMPARE(trace->records.size(), size_t(2));
    QCOMPARE(trace->records[0].type, RecordType::Other);
    QCOMPARE(trace->others[0].type, QStringLiteral("future_thing"));
    QCOMPARE(trace->records[1].start, Picoseconds(9000000000000001));
    // Its own fields are kept as text, in file order, for the details pane.
    const QByteArray withFields = R"({"format":"iosim-trace","version":1,"time_unit":"ps",
      "scenario":{"title":"t","file":"f","seed":1},"end_time":10,"regions":[],
      "records":[{"type":"readahead","start":5,"end":5,"actor":"reader","step":"",
        "file":"/data/f","start_page":4,"pages":8,"async":true,"marker":-1,"extra":{"a":1}}],
      "metrics":{}})";
    const std::optional<Trace> generic = TraceFile::parse(withFields, "g.json", &error);
    QVERIFY2(generic, qPrintable(error));
    QCOMPARE(generic->others.size(), size_t(1));
    const std::vector<std::pair<QString, QString>> expected = {
        {"file", "/data/f"}, {"start_page", "4"}, {"pages", "8"},
        {"async", "true"},   {"marker", "-1"},    {"extra", "{...}"}};
    QCOMPARE(generic->others[0].fields, expected);
    QVERIFY(generic->describe(0).startsWith("readahead by reader"));
    QVERIFY(generic->describe(0).contains("start_page: 4"));
  }

  void everyTruncationAndCorruptionFailsCleanly() {
    QFile file(tracePath("read-write.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray good = file.readAll();
    // Every prefix is an error with a position, never a crash or a half-read trace.
    for (qsizetype length = 0; length < good.size() - 2; length += 7) {
      QString error;
      QVERIFY2(!TraceFile::parse(good.left(length), "cut.json", &error), qPrintable(error));
      QVERIFY2(error.startsWith("cut.json:") && error.contains(": error: "), qPrintable(error));
    }
    // Bytes overwritten here and there: either an error or a trace the index can walk.
    for (qsizetype at = 0; at < good.size(); at += 13) {
      QByteArray bad = good;
      bad[at] = (at % 2) ? '"' : '9';
      QString error;
      const std::optional<Trace> trace = TraceFile::parse(bad, "bad.json", &error);
      if (!trace) {
        QVERIFY2(error.startsWith("bad.json"), qPrintable(error));
        continue;
      }
      const TraceIndex index(*trace);
      for (Picoseconds t = 0; t <= index.endTime(); t += kUs) index.stateAt(t);
    }
  }

  void recordsWithoutAProcessDoNotBreakTheIndex() {
    const QByteArray data = R"({"format":"iosim-trace","version":1,"time_unit":"ps",
      "scenario":{"title":"t","file":"f","seed":1},"end_time":10,"regions":[],
      "records":[{"type":"mode_switch","start":1,"end":2,"actor":"cpu0","step":"","cpu":"cpu0",
                  "process":"","to_kernel":true,"cause":"interrupt 14"},
                 {"type":"copy","start":3,"end":3,"actor":"cpu0","step":"","copy_id":1,
                  "engine":"cpu","from":"nowhere","to":"elsewhere","bytes":0}],"metrics":{}})";
    QString error;
    const std::optional<Trace> trace = TraceFile::parse(data, "odd.json", &error);
    QVERIFY2(trace, qPrintable(error));
    const TraceIndex index(*trace);
    QVERIFY(index.processes().isEmpty());
    QCOMPARE(index.stateAt(5).modeSwitches, 1);
    QCOMPARE(index.stateAt(3).copiesInFlight.size(), size_t(1));  // an instant copy shows
    QCOMPARE(index.stateAt(3).copiesInFlight[0].progress, 1.0);
  }

  void aMillionRecordsLoadQuickly() {
    // The issue asks for a million records in a few seconds; build one in memory.
    QByteArray data = R"({"format":"iosim-trace","version":1,"time_unit":"ps",
      "scenario":{"title":"big","file":"f","seed":1},"end_time":0,
      "regions":[{"name":"a","layer":"kernel","label":"A"},{"name":"b","layer":"user","label":"B"}],
      "records":[)";
    constexpr int kRecords = 1'000'000;
    data.reserve(kRecords * 140);
    for (int i = 0; i < kRecords; ++i) {
      if (i) data += ',';
      const QByteArray start = QByteArray::number(qint64(i) * 1000);
      const QByteArray end = QByteArray::number(qint64(i) * 1000 + 900);
      if (i % 2)
        data +=
            R"({"type":"bus","start":)" + start + R"(,"end":)" + end +
            R"(,"actor":"bus","step":"","initiator":"cpu0","transactions":1,"bytes":8,"busy":900,"stall":0})";
      else
        data += R"({"type":"copy","start":)" + start + R"(,"end":)" + end +
                R"(,"actor":"cpu0","step":"","copy_id":)" + QByteArray::number(i) +
                R"(,"engine":"cpu","from":"a","to":"b","bytes":8})";
    }
    data += R"(],"metrics":{}})";
    QElapsedTimer timer;
    timer.start();
    // For the record: how much of the load is Qt's JSON parser alone.
    QVERIFY(!QJsonDocument::fromJson(data).isNull());
    qInfo("QJsonDocument::fromJson alone: %lld ms", timer.restart());
    QString error;
    const std::optional<Trace> trace = TraceFile::parse(data, "big.json", &error);
    QVERIFY2(trace, qPrintable(error));
    qInfo("TraceFile::parse: %lld ms", timer.elapsed());
    const TraceIndex index(*trace);
    const qint64 loadMs = timer.elapsed();
    qInfo("1,000,000 records parsed and indexed in %lld ms", loadMs);
    QVERIFY2(loadMs < 20000, "loading a million records must take seconds, not minutes");
    timer.restart();
    for (int i = 0; i < 1000; ++i) index.stateAt(Picoseconds(i) * 997'000 + 450);
    qInfo("1000 stateAt() calls in %lld ms", timer.elapsed());
    QCOMPARE(index.stateAt(450).copiesInFlight.size(), size_t(1));
    QVERIFY(timer.elapsed() < 2000);
  }
};

QTEST_GUILESS_MAIN(GuiTraceTest)
#include "gui_trace_test.moc"
