// Tests of the counters (gui/counters.h) against the hand-written traces, and of the compare
// view (gui/compare_view.h): two traces on one clock, their views and the counters table.
#include "compare_view.h"
#include "counters.h"
#include "data_path_view.h"
#include "mode_lanes.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTableWidget>
#include <QtTest>

using namespace iosim::gui;

namespace {
constexpr Picoseconds kUs = 1'000'000;

QString tracePath(const char* name) {
  return QStringLiteral(IOSIM_GUI_TRACES "/") + name;
}

Trace loadTrace(const char* name) {
  QString error;
  std::optional<Trace> trace = TraceFile::load(tracePath(name), &error);
  if (!trace) qFatal("%s", qPrintable(error));
  return std::move(*trace);
}

QJsonObject metricsOf(const char* name) {
  QFile file(tracePath(name));
  if (!file.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(file.readAll()).object().value("metrics").toObject();
}

const CompareView::CounterRow* findRow(const std::vector<CompareView::CounterRow>& rows,
                                       const QString& key) {
  for (const CompareView::CounterRow& row : rows)
    if (row.key == key) return &row;
  return nullptr;
}
}  // namespace

class GuiCompareTest : public QObject {
  Q_OBJECT
 private slots:
  // The seeds' table: read+write 4 copies (2 CPU, 2 DMA), 4 mode switches; sendfile 3 (1 CPU,
  // 2 DMA), 2; sendfile with SG-DMA 2 (0 CPU, 2 DMA), 1 descriptor, 2.
  void countersAtTheEndMatchTheSeedsTable() {
    struct Expected {
      const char* file;
      int copies, cpu, dma, descriptors, modeSwitches;
    };
    for (const Expected& expected :
         {Expected{"read-write.json", 4, 2, 2, 0, 4}, Expected{"sendfile.json", 3, 1, 2, 0, 2},
          Expected{"sendfile-sg.json", 2, 0, 2, 1, 2}}) {
      const Trace trace = loadTrace(expected.file);
      const TraceIndex index(trace);
      const CounterSet counters(index);
      const CounterValues end = counters.atEnd();
      QCOMPARE(end.copiesTotal, expected.copies);
      QCOMPARE(end.copies(CopyEngine::Cpu), expected.cpu);
      QCOMPARE(end.copies(CopyEngine::Dma), expected.dma);
      QCOMPARE(end.descriptors, expected.descriptors);
      QCOMPARE(end.modeSwitches, expected.modeSwitches);
      QCOMPARE(end.modeSwitchesSyscall, expected.modeSwitches);  // no interrupt switches here
      QCOMPARE(end.modeSwitchesInterrupt, 0);
      QCOMPARE(end.interrupts, 1);
      QCOMPARE(end.contextSwitches, 1);
      QCOMPARE(end.bytesVerified, 4096);
      QCOMPARE(end.bytesMismatched, 0);
      QCOMPARE(end.simTimePs, trace.endTime);
      QCOMPARE(end.timePs, trace.endTime);
      // The CPU states cover the whole run.
      QCOMPARE(end.cpuBusyPs() + end.cpuIdlePs, trace.endTime);
      // Every metric of the file the counters know has the same value (keys are metric names).
      const QJsonObject metrics = metricsOf(expected.file);
      for (const CounterDefinition& definition : counterDefinitions())
        if (metrics.contains(definition.key))
          QVERIFY2(end.value(definition.key) == metrics.value(definition.key).toInteger(),
                   qPrintable(QStringLiteral("%1 %2").arg(expected.file, definition.key)));
    }
  }

  void countersAtIntermediateTimesOfReadWrite() {
    const Trace trace = loadTrace("read-write.json");
    const CounterSet counters(trace);
    // 5 us: copy-1 (DMA 3..11 us, two 2 KiB records 3..7 and 7..11) is half into its first record.
    CounterValues at5 = counters.at(5 * kUs);
    QCOMPARE(at5.timePs, 5 * kUs);
    QCOMPARE(at5.copiesTotal, 1);
    QCOMPARE(at5.copies(CopyEngine::Dma), 1);
    QCOMPARE(at5.copies(CopyEngine::Cpu), 0);
    QCOMPARE(at5.bytesMoved(CopyEngine::Dma), 1024);
    QCOMPARE(at5.bytesMovedTotal, 1024);
    QCOMPARE(at5.modeSwitches, 1);
    QCOMPARE(at5.syscalls, 1);
    QCOMPARE(at5.interrupts, 0);
    QCOMPARE(at5.cpuUserPs, 1 * kUs);    // 0..1
    QCOMPARE(at5.cpuKernelPs, 1 * kUs);  // 1..2
    QCOMPARE(at5.cpuIdlePs, 3 * kUs);    // 2..5 of 2..12
    QCOMPARE(at5.cpuIrqPs, 0);

    // 15 us: copy-2 (CPU 13..17 us, 4 KiB) half done; kernel 1..2 and 12.5..15; irq 12..12.5.
    const CounterValues at15 = counters.at(15 * kUs);
    QCOMPARE(at15.copiesTotal, 2);
    QCOMPARE(at15.copies(CopyEngine::Cpu), 1);
    QCOMPARE(at15.copies(CopyEngine::Dma), 1);
    QCOMPARE(at15.bytesMoved(CopyEngine::Dma), 4096);
    QCOMPARE(at15.bytesMoved(CopyEngine::Cpu), 2048);
    QCOMPARE(at15.bytesMovedTotal, 6144);
    QCOMPARE(at15.cpuKernelPs, 3'500'000);
    QCOMPARE(at15.cpuIrqPs, 500'000);
    QCOMPARE(at15.cpuUserPs, 1 * kUs);
    QCOMPARE(at15.cpuIdlePs, 10 * kUs);
    QCOMPARE(at15.cpuBusyPs(), 5 * kUs);
    QCOMPARE(at15.interrupts, 1);
    QCOMPARE(at15.bytesVerified, 0);  // the check is at 36 us

    // 22 us: the write() syscall switch has happened; copy-3 (CPU 21..25) a quarter done.
    const CounterValues at22 = counters.at(22 * kUs);
    QCOMPARE(at22.modeSwitches, 3);
    QCOMPARE(at22.syscalls, 2);
    QCOMPARE(at22.bytesMoved(CopyEngine::Cpu), 4096 + 1024);
    QCOMPARE(at22.cpuKernelPs, 1 * kUs + 5'500'000 + 2 * kUs);

    // Before the start and past the end.
    QCOMPARE(counters.at(-5).copiesTotal, 0);
    QCOMPARE(counters.at(-5).cpuUserPs, 0);
    const CounterValues late = counters.at(100 * kUs);
    QCOMPARE(late.cpuKernelPs, counters.atEnd().cpuKernelPs);
    QCOMPARE(late.timePs, trace.endTime);
    QCOMPARE(counters.atEnd().cpuKernelPs, 12'500'000);
    QCOMPARE(counters.atEnd().cpuIdlePs, 19 * kUs);
  }

  void countersOfSendfileWithScatterGather() {
    const Trace trace = loadTrace("sendfile-sg.json");
    const CounterSet counters(trace);
    // 13.5 us: the descriptor (13..14) is being written: counted, and it is not a copy.
    const CounterValues at = counters.at(13'500'000);
    QCOMPARE(at.descriptors, 1);
    QCOMPARE(at.descriptorBytes, 4096);
    QCOMPARE(at.copiesTotal, 1);
    QCOMPARE(at.cpuKernelPs, 2 * kUs);  // 1..2 and 12.5..13.5
    QCOMPARE(counters.at(12 * kUs).descriptors, 0);
    QCOMPARE(counters.atEnd().bytesMoved(CopyEngine::Dma), 8192);
    QCOMPARE(counters.atEnd().bytesMoved(CopyEngine::Cpu), 0);
  }

  void formatsCounters() {
    QCOMPARE(formatCounter(4096, CounterUnit::Bytes), QStringLiteral("4 KiB"));
    QCOMPARE(formatCounter(6144 + 100, CounterUnit::Bytes), QStringLiteral("6.1 KiB"));
    QCOMPARE(formatCounter(3'500'000, CounterUnit::Picoseconds), QStringLiteral("3.500 us"));
    QCOMPARE(formatCounterDifference(-2, CounterUnit::Count), QStringLiteral("-2"));
    QCOMPARE(formatCounterDifference(4096, CounterUnit::Bytes), QStringLiteral("+4 KiB"));
    QCOMPARE(formatCounterDifference(0, CounterUnit::Picoseconds), QStringLiteral("0"));
  }

  // Prefix sums against a plain scan of every record, on a large random trace, and the cost of
  // a query.
  void countersMatchABruteForceScanOnALargeTrace() {
    Trace trace;
    QRandomGenerator random(42);
    const int cpus = 4;
    const char* states[] = {"user", "kernel", "irq", "idle"};
    const char* engines[] = {"cpu", "dma", "nic"};
    std::vector<Picoseconds> cpuClock(cpus, 0);
    // Start far out so that sums of starts pass 2^63: the modular prefix sums must still be exact.
    const Picoseconds base = Picoseconds(9) * 1'000'000'000'000'000;
    const int n = 200'000;
    for (int i = 0; i < n; ++i) {
      Record record;
      const int cpu = i % cpus;
      const Picoseconds duration = 1000 + random.bounded(100'000);
      if (i % 2 == 0) {
        record.type = RecordType::Cpu;
        record.start = base + cpuClock[size_t(cpu)];
        record.end = record.start + duration;
        cpuClock[size_t(cpu)] += duration + random.bounded(50);
        record.detail = int(trace.cpus.size());
        trace.cpus.push_back({QStringLiteral("cpu%1").arg(cpu), QString(),
                              QString::fromLatin1(states[random.bounded(4)]), 0});
      } else {
        record.type = RecordType::Copy;
        record.start = base + cpuClock[size_t(cpu)] - random.bounded(1000);
        record.end = record.start + duration;
        record.detail = int(trace.copies.size());
        trace.copies.push_back({i / 6, QString::fromLatin1(engines[random.bounded(3)]),
                                QStringLiteral("a"), QStringLiteral("b"),
                                qint64(random.bounded(65536))});
      }
      trace.records.push_back(record);
    }
    std::stable_sort(trace.records.begin(), trace.records.end(),
                     [](const Record& a, const Record& b) { return a.start < b.start; });
    trace.endTime = trace.lastTime();
    const CounterSet counters(trace);

    for (int probe = 0; probe < 20; ++probe) {
      const Picoseconds t = base + random.bounded(qint64(cpuClock[0]));
      Picoseconds kernel = 0, idle = 0;
      double cpuBytes = 0;
      for (const Record& record : trace.records) {
        const Picoseconds part =
            std::clamp<Picoseconds>(t - record.start, 0, record.end - record.start);
        if (record.type == RecordType::Cpu) {
          const QString& state = trace.cpus[size_t(record.detail)].state;
          if (state == "kernel") kernel += part;
          if (state == "idle") idle += part;
        } else if (trace.copies[size_t(record.detail)].engine == "cpu") {
          cpuBytes += double(trace.copies[size_t(record.detail)].bytes) * double(part) /
                      double(record.end - record.start);
        }
      }
      const CounterValues values = counters.at(t);
      QCOMPARE(values.cpuKernelPs, kernel);
      QCOMPARE(values.cpuIdlePs, idle);
      QVERIFY2(qAbs(double(values.bytesMoved(CopyEngine::Cpu)) - cpuBytes) < 2.0,
               qPrintable(QStringLiteral("%1 vs %2")
                              .arg(values.bytesMoved(CopyEngine::Cpu))
                              .arg(cpuBytes, 0, 'f', 1)));
    }

    // Every frame of playback asks once per trace: 10000 queries must be far below a frame each.
    QElapsedTimer timer;
    timer.start();
    qint64 sink = 0;
    for (int i = 0; i < 10'000; ++i)
      sink += counters.at(base + Picoseconds(i) * 1'000'000).copiesTotal;
    QVERIFY(sink >= 0);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
  }

  void compareViewStepsBothTracesOnOneClock() {
    CompareView view;
    view.resize(1600, 1000);
    QString error;
    QVERIFY2(view.openTraces(tracePath("read-write.json"), tracePath("sendfile-sg.json"), &error),
             qPrintable(error));
    QVERIFY(view.leftTitle().startsWith("Classic read() + write()"));
    QVERIFY(view.rightTitle().startsWith("sendfile() with an SG-DMA NIC"));
    Playback* clock = view.playback();
    QCOMPARE(clock->time(), Picoseconds(0));

    // Events of either trace: 1 2 3 7 11 13 us (7 is only read-write's, 13 both).
    const Picoseconds expected[] = {1, 2, 3, 7, 11, 13};
    for (Picoseconds stop : expected) {
      view.stepForward();
      QCOMPARE(clock->time(), stop * kUs);
    }
    QCOMPARE(view.leftView()->time(), 13 * kUs);
    QCOMPARE(view.rightView()->time(), 13 * kUs);
    // Left: copy-2, the CPU copy, starts. Right: no copy, the SG descriptor is being written.
    const std::vector<DataPathView::Block> left = view.leftView()->blocks();
    QCOMPARE(left.size(), size_t(1));
    QCOMPARE(left[0].engine, QStringLiteral("cpu"));
    QVERIFY(view.rightView()->blocks().empty());
    QCOMPARE(view.rightView()->state().descriptorsInFlight.size(), size_t(1));
    QCOMPARE(view.leftView()->state().copiesByEngine.value("cpu"), 1);
    QCOMPARE(view.rightView()->state().descriptors, 1);

    // The table: now and at the end, right minus left.
    std::vector<CompareView::CounterRow> rows = view.counterRows();
    QCOMPARE(int(rows.size()), view.countersTable()->rowCount());
    const CompareView::CounterRow* copies = findRow(rows, "copies.total");
    QVERIFY(copies);
    QCOMPARE(copies->left, 2);
    QCOMPARE(copies->right, 1);
    QCOMPARE(copies->leftEnd, 4);
    QCOMPARE(copies->rightEnd, 2);
    QCOMPARE(copies->difference(), -1);
    QCOMPARE(copies->differenceEnd(), -2);
    QCOMPARE(copies->cells.at(1), QStringLiteral("2   [4]"));
    QCOMPARE(copies->cells.at(2), QStringLiteral("1   [2]"));
    QCOMPARE(copies->cells.at(3), QStringLiteral("-1   [-2]"));
    const CompareView::CounterRow* cpuCopies = findRow(rows, "copies.cpu");
    QVERIFY(cpuCopies);
    QCOMPARE(cpuCopies->cells.at(3), QStringLiteral("-1   [-2]"));
    const CompareView::CounterRow* descriptors = findRow(rows, "descriptors");
    QVERIFY(descriptors);
    QCOMPARE(descriptors->cells.at(3), QStringLiteral("+1   [+1]"));
    const CompareView::CounterRow* switches = findRow(rows, "mode_switches");
    QVERIFY(switches);
    QCOMPARE(switches->difference(), 0);
    QCOMPARE(switches->differenceEnd(), -2);
    const CompareView::CounterRow* kernel = findRow(rows, "cpu.kernel_ps");
    QVERIFY(kernel);
    QCOMPARE(kernel->left, 1'500'000);  // 1..2 and 12.5..13 us, on both sides
    QCOMPARE(kernel->right, 1'500'000);
    // Engines neither trace used have no row.
    QVERIFY(!findRow(rows, "copies.channel"));
    QVERIFY(!findRow(rows, "bytes.nic"));
    QVERIFY(findRow(rows, "bytes.dma"));
    // The table widget shows the same text.
    const int copiesRow = int(copies - rows.data());
    QCOMPARE(view.countersTable()->item(copiesRow, 3)->text(), QStringLiteral("-1   [-2]"));

    // The rows follow the clock.
    view.stepForward();  // 14 us: the right side's DMA gather starts
    rows = view.counterRows();
    QCOMPARE(findRow(rows, "copies.total")->right, 2);
    QCOMPARE(view.rightView()->blocks().size(), size_t(1));
    QCOMPARE(view.rightView()->blocks()[0].engine, QStringLiteral("dma"));

    // The clock runs to the longer trace's end; the shorter side stays at its end state.
    clock->setTime(1'000 * kUs);
    QCOMPARE(clock->time(), 36 * kUs);
    rows = view.counterRows();
    QCOMPARE(findRow(rows, "copies.total")->right, 2);
    QCOMPARE(findRow(rows, "sim_time_ps")->right, 24 * kUs);
    QCOMPARE(findRow(rows, "sim_time_ps")->left, 36 * kUs);
    view.stepBack();
    QCOMPARE(clock->time(), 35 * kUs);
    clock->setTime(13'500'000);
    view.stepBack();  // 13 us: both traces have an event there
    QCOMPARE(clock->time(), 13 * kUs);
    view.stepBack();
    QCOMPARE(clock->time(), 11 * kUs);
    clock->home();
    QCOMPARE(findRow(view.counterRows(), "copies.total")->left, 0);
  }

  void compareViewKeyboardShortcuts() {
    CompareView view;
    QString error;
    QVERIFY2(view.openTraces(tracePath("read-write.json"), tracePath("sendfile.json"), &error),
             qPrintable(error));
    view.resize(1400, 900);
    view.show();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    Playback* clock = view.playback();
    QTest::keyClick(&view, Qt::Key_Right);
    QCOMPARE(clock->time(), 1 * kUs);
    QTest::keyClick(&view, Qt::Key_Right);
    QCOMPARE(clock->time(), 2 * kUs);
    QTest::keyClick(&view, Qt::Key_Left);
    QCOMPARE(clock->time(), 1 * kUs);
    const Picoseconds speed = clock->speed();
    QTest::keyClick(&view, Qt::Key_BracketRight);
    QVERIFY(clock->speed() > speed);
    QTest::keyClick(&view, Qt::Key_BracketLeft);
    QCOMPARE(clock->speed(), speed);
    QTest::keyClick(&view, Qt::Key_Space);
    QVERIFY(clock->isPlaying());
    QTest::keyClick(&view, Qt::Key_Space);
    QVERIFY(!clock->isPlaying());
    QTest::keyClick(&view, Qt::Key_Home);
    QCOMPARE(clock->time(), Picoseconds(0));
    // Playing advances both sides together.
    clock->advance(1000);  // 1 s of wall time at 1 us/s
    QCOMPARE(view.leftView()->time(), clock->time());
    QCOMPARE(view.rightView()->time(), clock->time());
  }

  void compareViewRefusesABrokenTraceAndKeepsWhatItShows() {
    CompareView view;
    QString error;
    // Nothing open yet: a bad file leaves it empty, never crashes.
    QVERIFY(!view.openTraces(tracePath("truncated.json"), tracePath("read-write.json"), &error));
    QVERIFY2(error.contains("truncated.json:30:"), qPrintable(error));
    QVERIFY(!view.hasTraces());
    QVERIFY(view.counterRows().empty());

    QVERIFY2(view.openTraces(tracePath("read-write.json"), tracePath("sendfile-sg.json"), &error),
             qPrintable(error));
    view.playback()->setTime(15 * kUs);
    const std::vector<CompareView::CounterRow> before = view.counterRows();
    error.clear();
    QVERIFY(!view.openTraces(tracePath("sendfile.json"), tracePath("truncated.json"), &error));
    QVERIFY2(error.contains("truncated.json:30:"), qPrintable(error));
    QVERIFY(!view.openTraces(tracePath("newer-version.json"), tracePath("sendfile.json"), &error));
    QVERIFY2(error.contains("version 2 is newer"), qPrintable(error));
    QVERIFY(!view.openTraces(tracePath("no-such-file.json"), tracePath("sendfile.json"), &error));
    QVERIFY2(error.contains("no-such-file.json"), qPrintable(error));
    // Still the first pair, at the same time, with the same rows.
    QVERIFY(view.rightTitle().startsWith("sendfile() with an SG-DMA NIC"));
    QCOMPARE(view.playback()->time(), 15 * kUs);
    const std::vector<CompareView::CounterRow> after = view.counterRows();
    QCOMPARE(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) QCOMPARE(after[i].cells, before[i].cells);
    QCOMPARE(view.leftView()->blocks().size(), size_t(1));
  }
};

QTEST_MAIN(GuiCompareTest)
#include "gui_compare_test.moc"
