// Tests of the GUI's views on the offscreen platform: what they report they draw (blocks,
// boxes, lanes, colours, counters), and the main window wiring (open, step, click, errors).
#include "data_path_view.h"
#include "main_window.h"
#include "mode_lanes.h"
#include "narration_panel.h"
#include "palette.h"
#include "timeline_view.h"

#include <QPainter>
#include <QtTest>

using namespace iosim::gui;

namespace {
constexpr Picoseconds kUs = 1'000'000;
QString tracePath(const char* name) {
  return QStringLiteral(IOSIM_GUI_TRACES "/") + name;
}

bool between(double value, double a, double b) {
  return value >= std::min(a, b) - 1e-6 && value <= std::max(a, b) + 1e-6;
}
}  // namespace

class GuiViewsTest : public QObject {
  Q_OBJECT
 private slots:
  void init() {
    QString error;
    std::optional<Trace> trace = TraceFile::load(tracePath("read-write.json"), &error);
    QVERIFY2(trace, qPrintable(error));
    trace_ = std::move(*trace);
    index_ = std::make_unique<TraceIndex>(trace_);
  }

  void regionsSitInTheirBands() {
    DataPathView view;
    view.resize(1600, 700);
    view.setIndex(index_.get());
    for (const Region& region : trace_.regions) {
      const QRectF box = view.regionRect(region.name);
      QVERIFY2(!box.isNull(), qPrintable(region.name));
      QVERIFY2(view.bandRect(region.layer).contains(box), qPrintable(region.name));
    }
    QVERIFY(!view.regionRect("cpu0").isNull());  // engine boxes
    QVERIFY(!view.regionRect("dma0.ch1").isNull());
    // No two boxes overlap.
    const auto& boxes = view.boxes();
    for (size_t i = 0; i < boxes.size(); ++i)
      for (size_t j = i + 1; j < boxes.size(); ++j)
        QVERIFY2(!boxes[i].rect.intersects(boxes[j].rect),
                 qPrintable(boxes[i].name + " overlaps " + boxes[j].name));
  }

  void dmaAndCpuCopiesAreDifferentColoursBetweenTheRightBoxes() {
    DataPathView view;
    view.resize(1600, 700);
    view.setIndex(index_.get());

    view.setTime(5 * kUs);  // copy-1, DMA, disk0.buffer -> page_cache, 25 %
    const std::vector<DataPathView::Block> dma = view.blocks();
    QCOMPARE(dma.size(), size_t(1));
    QCOMPARE(dma[0].engine, QStringLiteral("dma"));
    QVERIFY2(dma[0].label.startsWith("copy-1: DMA, 4 KiB"), qPrintable(dma[0].label));
    QVERIFY(dma[0].label.contains("disk0 buffer -> page cache"));
    const QPointF from = view.regionRect("disk0.buffer").center();
    const QPointF to = view.regionRect("page_cache").center();
    QVERIFY(between(dma[0].rect.center().y(), from.y(), to.y()));
    QVERIFY(between(dma[0].rect.center().x(), from.x(), to.x()));
    QVERIFY(qAbs(dma[0].rect.center().y() - (from.y() + 0.25 * (to.y() - from.y()))) < 1);

    view.setTime(15 * kUs);  // copy-2, CPU, page_cache -> app.buf, 50 %
    const std::vector<DataPathView::Block> cpu = view.blocks();
    QCOMPARE(cpu.size(), size_t(1));
    QCOMPARE(cpu[0].engine, QStringLiteral("cpu"));
    QVERIFY(cpu[0].label.startsWith("copy-2: CPU"));
    const QPointF cacheCentre = view.regionRect("page_cache").center();
    const QPointF userCentre = view.regionRect("app.buf").center();
    QVERIFY(qAbs(cpu[0].rect.center().y() - (cacheCentre.y() + userCentre.y()) / 2) < 1);
    // Kernel band above hardware, user above kernel: the CPU copy moves up into user space.
    QVERIFY(userCentre.y() < cacheCentre.y());

    QVERIFY(cpu[0].color != dma[0].color);
    QCOMPARE(cpu[0].color, engineColor("cpu"));
    QCOMPARE(dma[0].color, engineColor("dma"));
    // "Unmistakably different": far apart in hue, not two shades of one colour.
    const int hueDistance = qAbs(cpu[0].color.hue() - dma[0].color.hue());
    QVERIFY(qMin(hueDistance, 360 - hueDistance) > 90);

    view.setTime(19 * kUs);
    QVERIFY(view.blocks().empty());
  }

  void timelineHasLanesAndClickSelectsARecord() {
    TimelineView timeline;
    timeline.resize(1400, 260);
    timeline.setIndex(index_.get());
    const QStringList names = timeline.laneNames();
    for (const char* lane : {"cpu0", "disk0", "dma0.ch1", "dma0.ch2", "bus"})
      QVERIFY2(names.contains(lane), lane);
    QCOMPARE(names.last(), QStringLiteral("bus"));

    // Click the middle of copy-2's bus tenure (13..17 us, cpu0): the record is selected.
    QSignalSpy clicked(&timeline, &TimelineView::recordClicked);
    QSignalSpy jumped(&timeline, &TimelineView::timeRequested);
    const QRectF bus = timeline.laneRect("bus");
    const QPoint point(int(timeline.xOfTime(15 * kUs)), int(bus.center().y()));
    QTest::mouseClick(&timeline, Qt::LeftButton, {}, point);
    QCOMPARE(clicked.count(), 1);
    const int record = clicked.at(0).at(0).toInt();
    QCOMPARE(trace_.records[size_t(record)].type, RecordType::Bus);
    QCOMPARE(trace_.buses[size_t(trace_.records[size_t(record)].detail)].initiator,
             QStringLiteral("cpu0"));
    QCOMPARE(jumped.count(), 1);
    QCOMPARE(jumped.at(0).at(0).value<Picoseconds>(), 13 * kUs);

    // Wheel up zooms in around the cursor.
    const Picoseconds spanBefore = timeline.visibleEnd() - timeline.visibleStart();
    const QPointF wheelAt(point);
    QWheelEvent wheel{wheelAt,      wheelAt,        QPoint(),          QPoint(0, 120),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false};
    QApplication::sendEvent(&timeline, &wheel);
    QVERIFY(timeline.visibleEnd() - timeline.visibleStart() < spanBefore);
  }

  void modeLanesCountSwitchesPerProcess() {
    ModeLanes lanes;
    lanes.resize(1400, 80);
    lanes.setIndex(index_.get());
    lanes.setTime(19 * kUs);
    std::vector<ModeLanes::Lane> drawn = lanes.lanes();
    QCOMPARE(drawn.size(), size_t(1));
    QCOMPARE(drawn[0].process, QStringLiteral("app"));
    QCOMPARE(drawn[0].modeSwitches, 2);
    QVERIFY(!drawn[0].inKernel);
    lanes.setTime(22 * kUs);
    drawn = lanes.lanes();
    QCOMPARE(drawn[0].modeSwitches, 3);
    QVERIFY(drawn[0].inKernel);
    QCOMPARE(drawn[0].lastCause, QStringLiteral("syscall write"));
  }

  void mainWindowStepsAndShowsNarrationAndDetails() {
    MainWindow window;
    QString error;
    QVERIFY2(window.openTrace(tracePath("read-write.json"), &error), qPrintable(error));
    QCOMPARE(window.narrationPanel()->stepCount(), 8);
    // Step forward until the narration reaches copy-1 (step index 1).
    while (window.narrationPanel()->currentStep() < 1) window.playback().stepForward();
    QVERIFY(window.narrationPanel()->currentText().contains("DMA controller"));
    // The view follows the clock.
    QCOMPARE(window.dataPathView()->time(), window.playback().time());
    window.playback().setTime(15 * kUs);
    QCOMPARE(window.dataPathView()->blocks().size(), size_t(1));
    QCOMPARE(window.narrationPanel()->currentStep(), 2);
    // Clicking in the timeline fills the details pane and moves the clock.
    TimelineView* timeline = window.timelineView();
    timeline->resize(1400, 260);
    const QPoint point(int(timeline->xOfTime(23 * kUs)),
                       int(timeline->laneRect("bus").center().y()));
    QTest::mouseClick(timeline, Qt::LeftButton, {}, point);
    QVERIFY2(window.detailsText().contains("bus held by cpu0"), qPrintable(window.detailsText()));
    QCOMPARE(window.playback().time(), 21 * kUs);
  }

  void keyboardShortcutsDriveTheClock() {
    MainWindow window;
    QString error;
    QVERIFY2(window.openTrace(tracePath("read-write.json"), &error), qPrintable(error));
    window.show();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QCOMPARE(window.playback().time(), Picoseconds(0));
    QTest::keyClick(&window, Qt::Key_Right);
    const Picoseconds first = window.playback().time();
    QVERIFY(first > 0);
    QTest::keyClick(&window, Qt::Key_Right);
    QVERIFY(window.playback().time() > first);
    QTest::keyClick(&window, Qt::Key_Left);
    QCOMPARE(window.playback().time(), first);
    const Picoseconds speed = window.playback().speed();
    QTest::keyClick(&window, Qt::Key_BracketRight);
    QVERIFY(window.playback().speed() > speed);
    QTest::keyClick(&window, Qt::Key_BracketLeft);
    QCOMPARE(window.playback().speed(), speed);
    QTest::keyClick(&window, Qt::Key_Space);
    QVERIFY(window.playback().isPlaying());
    QTest::keyClick(&window, Qt::Key_Space);
    QVERIFY(!window.playback().isPlaying());
    QTest::keyClick(&window, Qt::Key_Home);
    QCOMPARE(window.playback().time(), Picoseconds(0));
  }

  void viewsDrawOddTracesWithoutCrashing() {
    // Undeclared regions and a switch without a process: drawn, not crashed on.
    const QByteArray data = R"({"format":"iosim-trace","version":1,"time_unit":"ps",
      "scenario":{"title":"t","file":"f","seed":1},"end_time":10,"regions":[],
      "records":[{"type":"mode_switch","start":1,"end":2,"actor":"cpu0","step":"","cpu":"cpu0",
                  "process":"","to_kernel":true,"cause":"interrupt 14"},
                 {"type":"copy","start":3,"end":8,"actor":"cpu0","step":"","copy_id":1,
                  "engine":"cpu","from":"nowhere","to":"elsewhere","bytes":10}],"metrics":{}})";
    QString error;
    const std::optional<Trace> trace = TraceFile::parse(data, "odd.json", &error);
    QVERIFY2(trace, qPrintable(error));
    const TraceIndex index(*trace);
    DataPathView view;
    ModeLanes lanes;
    TimelineView timeline;
    view.resize(900, 500);
    view.setIndex(&index);
    lanes.setIndex(&index);
    timeline.setIndex(&index);
    view.setTime(5);
    QCOMPARE(view.blocks().size(), size_t(1));
    QVERIFY(view.bandRect("hardware").contains(view.regionRect("nowhere")));
    QImage image(900, 700, QImage::Format_ARGB32);
    QPainter painter(&image);
    view.paintOn(painter, QRectF(0, 0, 900, 500));
    lanes.paintOn(painter, QRectF(0, 500, 900, 50));
    timeline.paintOn(painter, QRectF(0, 550, 900, 150));
  }

  void brokenTraceLeavesTheWindowUsable() {
    MainWindow window;
    QString error;
    QVERIFY(!window.openTrace(tracePath("truncated.json"), &error));
    QVERIFY2(error.contains("truncated.json:30:"), qPrintable(error));
    QVERIFY(window.openTrace(tracePath("dma-burst-small.json"), &error));
    QVERIFY(!window.openTrace(tracePath("newer-version.json"), &error));
    QVERIFY(error.contains("version 2 is newer"));
    // The good trace is still shown.
    window.playback().setTime(48 * kUs);
    QCOMPARE(window.dataPathView()->blocks().size(), size_t(1));
    QCOMPARE(window.dataPathView()->blocks()[0].engine, QStringLiteral("dma"));
  }

 private:
  Trace trace_;
  std::unique_ptr<TraceIndex> index_;
};

QTEST_MAIN(GuiViewsTest)
#include "gui_views_test.moc"
