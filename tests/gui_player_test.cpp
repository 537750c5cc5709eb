// Tests of the player's lecture features on the offscreen platform: descriptors drawn as
// pointers, mode switches as labelled arrows, stepping by lecture step, presenter mode driven by
// the keyboard alone, and the scenario pane running `iosim` as a child process (a stand-in
// program, tests/data/fake-iosim/iosim, answers like iosim does and misbehaves on purpose; with
// the real simulator built, the last test runs the real thing).
#include "compare_view.h"
#include "data_path_view.h"
#include "main_window.h"
#include "mode_lanes.h"
#include "narration_panel.h"
#include "palette.h"
#include "scenario_browser.h"
#include "scenario_runner.h"
#include "timeline_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolBar>
#include <QtTest>

using namespace iosim::gui;

namespace {
constexpr Picoseconds kUs = 1'000'000;
constexpr int kChildTimeoutMs = 30000;

QString tracePath(const char* name) {
  return QStringLiteral(IOSIM_GUI_TRACES "/") + name;
}
QString fakeIosim() {
  return QStringLiteral(IOSIM_GUI_FAKE_IOSIM);
}
// Scenario paths the fake program reacts to; they need not exist.
QString fakeScenario(const char* name) {
  return QFileInfo(fakeIosim()).absolutePath() + QLatin1Char('/') + QLatin1String(name);
}

struct Loaded {
  Trace trace;
  std::unique_ptr<TraceIndex> index;
};
std::unique_ptr<Loaded> load(const char* name) {
  auto loaded = std::make_unique<Loaded>();
  QString error;
  std::optional<Trace> trace = TraceFile::load(tracePath(name), &error);
  if (!trace) qFatal("%s", qPrintable(error));
  loaded->trace = std::move(*trace);
  loaded->index = std::make_unique<TraceIndex>(loaded->trace);
  return loaded;
}
}  // namespace

class GuiPlayerTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    qputenv("FAKE_IOSIM_TRACE", tracePath("read-write.json").toUtf8());
    qputenv("FAKE_IOSIM_LOG", QByteArray());
    // Windows made by the tests must not talk to the real iosim behind their back.
    qputenv("IOSIM_PROGRAM", fakeIosim().toUtf8());
  }

  // --- Descriptors: passing a reference is drawn as a pointer and not counted as a copy -------

  void descriptorIsAPointerNotABlock() {
    const auto sg = load("sendfile-sg.json");
    QCOMPARE(sg->trace.descriptors.size(), size_t(1));
    DataPathView view;
    view.resize(1600, 800);
    view.setIndex(sg->index.get());
    view.setTime(13 * kUs + kUs / 2);  // the CPU writes the descriptor into the socket buffer
    QVERIFY(view.blocks().empty());    // nothing moves
    const std::vector<DataPathView::Pointer> pointers = view.pointers();
    QCOMPARE(pointers.size(), size_t(1));
    QVERIFY2(pointers[0].label.startsWith("sg descriptor: 4 KiB, 1 fragment, not a copy"),
             qPrintable(pointers[0].label));
    QCOMPARE(pointers[0].color, descriptorColor());
    // From the holder of the reference (socket buffer) to the data (page cache), and the colour
    // of no copy engine.
    const QRectF socket = view.regionRect("socket.buf"), cache = view.regionRect("page_cache");
    QCOMPARE(pointers[0].tail.x(), socket.center().x());
    QCOMPARE(pointers[0].head.x(), cache.center().x());
    for (const char* engine : {"cpu", "dma", "channel", "nic", "disk"})
      QVERIFY(pointers[0].color != engineColor(engine));
    QCOMPARE(view.state().descriptors, 1);

    // At the end: 2 copies, both DMA, no CPU copy (the seeds' table), 1 descriptor.
    const SceneState end = sg->index->stateAt(sg->index->endTime());
    QCOMPARE(end.copiesByEngine.value("dma"), 2);
    QCOMPARE(end.copiesByEngine.value("cpu"), 0);
    QCOMPARE(end.descriptors, 1);
    QCOMPARE(end.modeSwitches, 2);
    // The copy that follows gathers from the page cache, by DMA.
    view.setTime(18 * kUs);
    QCOMPARE(view.blocks().size(), size_t(1));
    QCOMPARE(view.blocks()[0].engine, QStringLiteral("dma"));
    QVERIFY(view.pointers().empty());
    QVERIFY(view.blocks()[0].label.contains("page cache -> nic0 buffer"));
  }

  void describeSaysNoByteIsCopied() {
    const auto sg = load("sendfile-sg.json");
    for (int i = 0; i < int(sg->trace.records.size()); ++i)
      if (sg->trace.records[size_t(i)].type == RecordType::Descriptor)
        QVERIFY(sg->trace.describe(i).contains("no byte copied"));
  }

  // --- Mode switches ----------------------------------------------------------------------

  void causesReadLikeTheLecture() {
    QCOMPARE(describeModeSwitchCause("syscall read"), QStringLiteral("read() entry"));
    QCOMPARE(describeModeSwitchCause("sysret sendfile"), QStringLiteral("sendfile() return"));
    QCOMPARE(describeModeSwitchCause("interrupt 14"), QStringLiteral("interrupt (IRQ 14)"));
    QCOMPARE(describeModeSwitchCause("iret 14"), QStringLiteral("interrupt return (IRQ 14)"));
    QCOMPARE(describeModeSwitchCause("fault major 0x7f00"),
             QStringLiteral("page fault major 0x7f00"));
    QCOMPARE(describeModeSwitchCause("something else"), QStringLiteral("something else"));
  }

  void modeSwitchIsAnArrowAcrossTheBoundaryWithItsCause() {
    const auto rw = load("read-write.json");
    DataPathView view;
    view.resize(1600, 800);
    view.setIndex(rw->index.get());
    // switch-1 runs 1.0 .. 1.1 us.
    view.setTime(1 * kUs + 50'000);
    std::vector<DataPathView::ModeArrow> arrows = view.modeArrows();
    QCOMPARE(arrows.size(), size_t(1));
    QCOMPARE(arrows[0].process, QStringLiteral("app"));
    QVERIFY(arrows[0].toKernel);
    QCOMPARE(arrows[0].label, QStringLiteral("read() entry  (mode switch 1)"));
    // Down from the user band into the kernel band.
    QVERIFY(view.bandRect("user").contains(arrows[0].from));
    QVERIFY(view.bandRect("kernel").contains(arrows[0].to));
    QVERIFY(arrows[0].to.y() > arrows[0].from.y());

    // After its 100 ns the switch is over ...
    view.setTime(1 * kUs + 300'000);
    QVERIFY(view.modeArrows().empty());
    // ... unless the player keeps it on screen a while (linger), as it does at any speed.
    view.setLinger(500'000);
    QCOMPARE(view.modeArrows().size(), size_t(1));
    view.setTime(1 * kUs + 600'000);
    QVERIFY(view.modeArrows().empty());

    // The return of read() goes up, switch 2.
    view.setLinger(0);
    view.setTime(18 * kUs + 50'000);
    arrows = view.modeArrows();
    QCOMPARE(arrows.size(), size_t(1));
    QVERIFY(!arrows[0].toKernel);
    QCOMPARE(arrows[0].label, QStringLiteral("read() return  (mode switch 2)"));
    QVERIFY(arrows[0].to.y() < arrows[0].from.y());
  }

  void laneCountsModeAndContextSwitchesApart() {
    const auto rw = load("read-write.json");
    ModeLanes lanes;
    lanes.resize(1400, 120);
    lanes.setIndex(rw->index.get());
    lanes.setTime(21 * kUs);
    const std::vector<ModeLanes::Lane> drawn = lanes.lanes();
    QCOMPARE(drawn.size(), size_t(1));
    QCOMPARE(drawn[0].modeSwitches, 3);     // switch-1, -2, -3
    QCOMPARE(drawn[0].contextSwitches, 1);  // idle -> app at 0
    QVERIFY(drawn[0].inKernel);
    QVERIFY(!drawn[0].switching);
    lanes.setTime(20 * kUs + 50'000);
    QVERIFY(lanes.lanes()[0].switching);
  }

  // --- Lecture steps --------------------------------------------------------------------

  void stepsByNumberAndById() {
    const auto rw = load("read-write.json");
    const TraceIndex& index = *rw->index;
    QCOMPARE(index.findStep("copy-2"), 2);  // switch-1, copy-1, copy-2, ...
    QCOMPARE(index.findStep("no-such-step"), -1);
    QCOMPARE(index.nextStepStart(0), 1 * kUs);
    QCOMPARE(index.nextStepStart(1 * kUs), 2 * kUs);
    QCOMPARE(index.nextStepStart(15 * kUs), 18 * kUs);
    // Back goes to the step before the current one, like the previous slide.
    QCOMPARE(index.previousStepStart(15 * kUs), 2 * kUs);  // in copy-2 -> copy-1
    QCOMPARE(index.previousStepStart(13 * kUs), 2 * kUs);  // at copy-2's start -> copy-1
    QCOMPARE(index.previousStepStart(1 * kUs + 1), 0);     // in the first step -> start
    const Picoseconds last = index.steps().back().start;
    QCOMPARE(index.nextStepStart(last), last);  // nothing after the last
  }

  // --- Presenter mode -------------------------------------------------------------------

  void presenterModeIsLargeHighContrastAndKeyboardOnly() {
    MainWindow window;
    QVERIFY(window.openTrace(tracePath("read-write.json")));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));

    QTest::keyClick(&window, Qt::Key_F5);
    QVERIFY(window.presenterMode());
    QVERIFY(window.menuBar()->isHidden());
    QCOMPARE(window.dataPathView()->viewStyle().fontScale, presenterStyle().fontScale);
    QVERIFY(window.dataPathView()->viewStyle().highContrast);
    for (QToolBar* bar : window.findChildren<QToolBar*>()) QVERIFY(bar->isHidden());

    // Everything by keyboard: a presenter's clicker sends Page Down / Page Up.
    QTest::keyClick(&window, Qt::Key_PageDown);
    QCOMPARE(window.playback().time(), 1 * kUs);
    QTest::keyClick(&window, Qt::Key_PageDown);
    QCOMPARE(window.playback().time(), 2 * kUs);
    QCOMPARE(window.narrationPanel()->currentStep(), 1);
    QTest::keyClick(&window, Qt::Key_PageUp);
    QCOMPARE(window.playback().time(), 1 * kUs);
    QTest::keyClick(&window, Qt::Key_Right);  // next event
    QVERIFY(window.playback().time() > 1 * kUs);
    QTest::keyClick(&window, Qt::Key_Home);
    QCOMPARE(window.playback().time(), Picoseconds(0));
    const Picoseconds speed = window.playback().speed();
    QTest::keyClick(&window, Qt::Key_BracketRight);
    QVERIFY(window.playback().speed() > speed);
    QTest::keyClick(&window, Qt::Key_Space);
    QVERIFY(window.playback().isPlaying());
    QTest::keyClick(&window, Qt::Key_Space);
    QVERIFY(!window.playback().isPlaying());
    // The linger follows the speed: a switch stays visible for a moment of wall time.
    QVERIFY(window.dataPathView()->linger() > 0);

    QTest::keyClick(&window, Qt::Key_Escape);
    QVERIFY(!window.presenterMode());
    QVERIFY(!window.menuBar()->isHidden());
    QCOMPARE(window.dataPathView()->viewStyle().fontScale, 1.0);
  }

  void everyControlHasAShortcut() {
    MainWindow window;
    QStringList keys;
    for (const auto& [key, what] : window.shortcuts()) keys << key;
    for (const char* key : {"Space", "Left", "Right", "PgUp", "PgDown", "[", "]", "Home", "F5",
                            "Esc", "F1", "F9", "Ctrl+O", "Ctrl+E", "Ctrl+D", "Ctrl+K"})
      QVERIFY2(keys.contains(QString::fromLatin1(key)),
               qPrintable(QStringLiteral("%1 not in %2").arg(key, keys.join(", "))));
  }

  void openFileTellsTracesFromScenarios() {
    MainWindow window;
    QString error;
    QVERIFY(window.openFile(tracePath("sendfile.json"), &error));
    QVERIFY(window.index() != nullptr);
    QVERIFY(!window.openFile(tracePath("truncated.json"), &error));
    QVERIFY2(error.contains("truncated.json:"), qPrintable(error));
    QVERIFY(window.index() != nullptr);  // the old trace stays
    QVERIFY(!window.openFile("/no/such/scenario.yaml", &error));
    QVERIFY2(error.contains("no such file"), qPrintable(error));
  }

  // --- Running iosim as a child ---------------------------------------------------------

  void parsesIosimsJson() {
    QString error;
    QVERIFY(!ScenarioRunner::parseCatalog("not json", &error));
    QVERIFY2(error.contains("iosim list --json"), qPrintable(error));
    QVERIFY(!ScenarioRunner::parseCatalog("{\"groups\": 3}", &error));
    const auto info = ScenarioRunner::parseExplain(
        R"({"file":"f.yaml","title":"T","knobs":[{"name":"n","path":"a.b","value":4096,
            "kind":"count"},{"name":"on","path":"c","value":true,"kind":"bool"}]})",
        &error);
    QVERIFY2(info, qPrintable(error));
    QCOMPARE(info->knobs.size(), size_t(2));
    QCOMPARE(info->knobs[0].value, QStringLiteral("4096"));
    QCOMPARE(info->knobs[0].label, QStringLiteral("n"));  // no label: the name
    QCOMPARE(info->knobs[1].value, QStringLiteral("true"));
    QVERIFY(!ScenarioRunner::parseExplain(R"({"knobs":[{"name":"x"}]})", &error));
  }

  void runnerListsExplainsAndRuns() {
    ScenarioRunner runner;
    runner.setProgram(fakeIosim());
    QSignalSpy listed(&runner, &ScenarioRunner::listed);
    runner.list();
    QVERIFY(listed.wait(kChildTimeoutMs));
    const auto catalog = listed.at(0).at(0).value<ScenarioCatalog>();
    QCOMPARE(catalog.groups.size(), size_t(2));
    QCOMPARE(catalog.groups[0].name, QStringLiteral("mechanisms"));
    QCOMPARE(catalog.groups[0].scenarios[0].title,
             QStringLiteral("Programmed I/O keeps the CPU busy"));
    QVERIFY(catalog.groups[0].scenarios[1].error.contains("broken.yaml:3:7"));

    QSignalSpy finished(&runner, &ScenarioRunner::finished);
    runner.run(fakeScenario("pio.yaml"), {"processes[0].program[0].device_read.bytes=128KiB"});
    QVERIFY(runner.isBusy());
    QVERIFY(finished.wait(kChildTimeoutMs));
    const auto result = finished.at(0).at(0).value<RunResult>();
    QCOMPARE(result.exitCode, 0);
    QVERIFY(result.output.contains("copies    4"));
    QString error;
    QVERIFY2(TraceFile::load(result.tracePath, &error), qPrintable(error));
    QVERIFY(!runner.isBusy());
  }

  void runnerPassesTheSetsToIosim() {
    QTemporaryDir dir;
    const QString log = dir.filePath("args.log");
    qputenv("FAKE_IOSIM_LOG", log.toUtf8());
    ScenarioRunner runner;
    runner.setProgram(fakeIosim());
    QSignalSpy finished(&runner, &ScenarioRunner::finished);
    runner.run(fakeScenario("pio.yaml"), {"platform.preset=pc-1995", "size=1MiB"});
    QVERIFY(finished.wait(kChildTimeoutMs));
    qputenv("FAKE_IOSIM_LOG", QByteArray());
    QFile file(log);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString arguments = QString::fromUtf8(file.readAll()).trimmed();
    QVERIFY2(arguments.startsWith("run " + fakeScenario("pio.yaml") + " --trace "),
             qPrintable(arguments));
    QVERIFY2(arguments.endsWith("--set platform.preset=pc-1995 --set size=1MiB"),
             qPrintable(arguments));
  }

  void runnerReportsEveryKindOfFailure() {
    struct Case {
      const char* scenario;
      const char* expected;
    };
    const Case cases[] = {
        {"broken.yaml", "broken.yaml:3:7: error: unknown key 'titel'"},
        {"crash.yaml", "crashed while working on"},
        {"no-trace.yaml", "wrote no trace"},
    };
    for (const Case& c : cases) {
      ScenarioRunner runner;
      runner.setProgram(fakeIosim());
      QSignalSpy failed(&runner, &ScenarioRunner::failed);
      QSignalSpy finished(&runner, &ScenarioRunner::finished);
      runner.run(fakeScenario(c.scenario));
      QVERIFY2(failed.wait(kChildTimeoutMs), c.scenario);
      QVERIFY2(failed.at(0).at(0).toString().contains(c.expected),
               qPrintable(failed.at(0).at(0).toString()));
      QCOMPARE(finished.count(), 0);
    }
    ScenarioRunner missing;
    missing.setProgram("/no/such/iosim");
    QSignalSpy failed(&missing, &ScenarioRunner::failed);
    missing.list();
    QVERIFY(failed.wait(kChildTimeoutMs));
    QVERIFY2(failed.at(0).at(0).toString().contains("cannot start /no/such/iosim"),
             qPrintable(failed.at(0).at(0).toString()));
  }

  void aRunWhoseExpectationFailsStillPlays() {
    ScenarioRunner runner;
    runner.setProgram(fakeIosim());
    QSignalSpy finished(&runner, &ScenarioRunner::finished);
    runner.run(fakeScenario("expect-fails.yaml"));
    QVERIFY(finished.wait(kChildTimeoutMs));
    const auto result = finished.at(0).at(0).value<RunResult>();
    QCOMPARE(result.exitCode, 1);
    QVERIFY(!result.tracePath.isEmpty());
  }

  void cancelKillsTheChild() {
    ScenarioRunner runner;
    runner.setProgram(fakeIosim());
    QSignalSpy finished(&runner, &ScenarioRunner::finished);
    QSignalSpy failed(&runner, &ScenarioRunner::failed);
    runner.run(fakeScenario("slow.yaml"));  // sleeps a minute
    QVERIFY(runner.isBusy());
    QElapsedTimer clock;
    clock.start();
    runner.cancel();
    QVERIFY(!runner.isBusy());
    QVERIFY(clock.elapsed() < 10000);
    QTest::qWait(100);
    QCOMPARE(finished.count() + failed.count(), 0);  // a cancelled run reports nothing
  }

  // --- The scenario pane ---------------------------------------------------------------

  void browserBuildsTheFormAndRunsWithTheChangedKnobs() {
    ScenarioBrowser browser;
    browser.setProgram(fakeIosim());
    QSignalSpy catalog(&browser, &ScenarioBrowser::catalogChanged);
    browser.refresh();
    QVERIFY(catalog.wait(kChildTimeoutMs));
    QCOMPARE(browser.groupNames(), QStringList({"mechanisms", "zero-copy"}));

    QSignalSpy explained(&browser, &ScenarioBrowser::scenarioExplained);
    browser.openScenario(fakeScenario("pio.yaml"));
    QVERIFY(explained.wait(kChildTimeoutMs));
    QCOMPARE(browser.info().knobs.size(), size_t(4));
    // A choice is a combo box with its choices, a boolean a check box, a size a line edit.
    auto* mechanism = qobject_cast<QComboBox*>(browser.knobEditor("mechanism"));
    QVERIFY(mechanism);
    QCOMPARE(mechanism->count(), 4);
    QCOMPARE(mechanism->currentText(), QStringLiteral("pio"));
    QVERIFY(qobject_cast<QCheckBox*>(browser.knobEditor("warm")));
    auto* size = qobject_cast<QLineEdit*>(browser.knobEditor("size"));
    QVERIFY(size);
    QCOMPARE(size->text(), QStringLiteral("64KiB"));
    QVERIFY(browser.currentSets().isEmpty());  // nothing changed yet

    QVERIFY(browser.setKnobValue("size", "128KiB"));
    QVERIFY(browser.setKnobValue("mechanism", "dma"));
    QVERIFY(browser.setKnobValue("warm", "true"));
    QVERIFY(!browser.setKnobValue("mechanism", "teleport"));  // not a choice
    QCOMPARE(
        browser.currentSets(),
        QStringList({"processes[0].program[0].device_read.bytes=128KiB",
                     "processes[0].program[0].device_read.mechanism=dma", "files[0].warm=true"}));

    QSignalSpy ready(&browser, &ScenarioBrowser::traceReady);
    browser.runSelected();
    QVERIFY(ready.wait(kChildTimeoutMs));
    QVERIFY(QFile::exists(ready.at(0).at(0).toString()));
  }

  void browserShowsABrokenScenariosMessage() {
    ScenarioBrowser browser;
    browser.setProgram(fakeIosim());
    QSignalSpy failed(&browser.queries(), &ScenarioRunner::failed);
    browser.openScenario(fakeScenario("broken.yaml"));
    QVERIFY(failed.wait(kChildTimeoutMs));
    QVERIFY2(browser.message().contains("broken.yaml:3:7: error: unknown key 'titel'"),
             qPrintable(browser.message()));
    QSignalSpy runFailed(&browser, &ScenarioBrowser::runFailed);
    browser.runSelected();
    QVERIFY(runFailed.wait(kChildTimeoutMs));
  }

  void windowPlaysWhatTheBrowserRan() {
    MainWindow window;
    window.scenarioBrowser()->setProgram(fakeIosim());
    QSignalSpy explained(window.scenarioBrowser(), &ScenarioBrowser::scenarioExplained);
    window.scenarioBrowser()->openScenario(fakeScenario("pio.yaml"));
    QVERIFY(explained.wait(kChildTimeoutMs));
    QSignalSpy ready(window.scenarioBrowser(), &ScenarioBrowser::traceReady);
    window.scenarioBrowser()->runSelected();
    QVERIFY(ready.wait(kChildTimeoutMs));
    QVERIFY(window.index() != nullptr);
    QCOMPARE(window.index()->trace().title,
             QStringLiteral("Classic read() + write(): four copies, four mode switches"));
  }

  void runAndCompareOpensBothOnOneClock() {
    MainWindow window;
    QVERIFY(window.openTrace(tracePath("sendfile-sg.json")));
    ScenarioBrowser* browser = window.scenarioBrowser();
    browser->setProgram(fakeIosim());
    QSignalSpy explained(browser, &ScenarioBrowser::scenarioExplained);
    browser->openScenario(fakeScenario("pio.yaml"));
    QVERIFY(explained.wait(kChildTimeoutMs));
    QSignalSpy compared(browser, &ScenarioBrowser::compareReady);
    QSignalSpy played(browser, &ScenarioBrowser::traceReady);
    browser->runSelectedToCompare();
    QVERIFY(compared.wait(kChildTimeoutMs));
    QCOMPARE(played.count(), 0);
    CompareView* compare = window.lastCompareView();
    QVERIFY(compare);
    QVERIFY(compare->hasTraces());
    // The trace playing on the left, the new run (the stand-in writes read-write.json) right.
    QCOMPARE(compare->leftView()->state().processes.size(), size_t(1));
    QVERIFY2(compare->leftTitle().contains("sendfile"), qPrintable(compare->leftTitle()));
    QVERIFY2(compare->rightTitle().contains("read() + write()"), qPrintable(compare->rightTitle()));
    // The main window still plays its own trace.
    QVERIFY(window.index()->trace().title.startsWith("sendfile()"));
    compare->close();
  }

  // The whole window, normal and in presenter mode, for docs/images/ (written when
  // IOSIM_UPDATE_SCREENSHOTS=1, like the screenshot test's references).
  void windowImagesForTheDocs() {
    MainWindow window;
    window.scenarioBrowser()->setProgram(fakeIosim());
    QSignalSpy catalog(window.scenarioBrowser(), &ScenarioBrowser::catalogChanged);
    window.scenarioBrowser()->refresh();
    QVERIFY(catalog.wait(kChildTimeoutMs));
    QSignalSpy explained(window.scenarioBrowser(), &ScenarioBrowser::scenarioExplained);
    window.scenarioBrowser()->openScenario(fakeScenario("pio.yaml"));
    QVERIFY(explained.wait(kChildTimeoutMs));
    QVERIFY(window.openTrace(tracePath("read-write.json")));
    window.resize(1600, 1000);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.playback().setTime(15 * kUs);
    const QImage normal = window.grab().toImage();
    QVERIFY(!normal.isNull());
    window.setPresenterMode(true);
    // The offscreen platform's "full screen" is its 800x800 screen: show what a 1080p projector
    // shows instead.
    window.showNormal();
    window.resize(1920, 1080);
    window.playback().setTime(1 * kUs + 50'000);
    QCoreApplication::processEvents();
    const QImage presenter = window.grab().toImage();
    QVERIFY(!presenter.isNull());
    if (qEnvironmentVariableIntValue("IOSIM_UPDATE_SCREENSHOTS") == 1) {
      QVERIFY(normal.save(QStringLiteral(IOSIM_DOCS_IMAGES_DIR "/window.png")));
      QVERIFY(presenter.save(QStringLiteral(IOSIM_DOCS_IMAGES_DIR "/presenter.png")));
    }
  }

#ifdef IOSIM_BINARY
  // With the simulator built: the real iosim lists, explains and runs a built-in scenario with a
  // changed knob, and the trace plays.
  void realIosimRunsABuiltInScenario() {
    ScenarioBrowser browser;
    browser.setProgram(QStringLiteral(IOSIM_BINARY));
    QSignalSpy catalog(&browser, &ScenarioBrowser::catalogChanged);
    browser.refresh();
    QVERIFY(catalog.wait(kChildTimeoutMs));
    QVERIFY2(browser.groupNames().contains("mechanisms"),
             qPrintable(browser.groupNames().join(",") + browser.message()));
    const QString pio = QStringLiteral(IOSIM_SOURCE_DIR "/scenarios/mechanisms/dma-burst.yaml");
    QSignalSpy explained(&browser, &ScenarioBrowser::scenarioExplained);
    browser.openScenario(pio);
    QVERIFY2(explained.wait(kChildTimeoutMs), qPrintable(browser.message()));
    QVERIFY2(!browser.info().knobs.empty(), qPrintable(browser.message()));
    QSignalSpy ready(&browser, &ScenarioBrowser::traceReady);
    browser.runSelected();
    QVERIFY2(ready.wait(120000), qPrintable(browser.message()));
    QString error;
    const std::optional<Trace> trace = TraceFile::load(ready.at(0).at(0).toString(), &error);
    QVERIFY2(trace, qPrintable(error));
    QVERIFY(!trace->copies.empty());
  }
#endif
};

QTEST_MAIN(GuiPlayerTest)
#include "gui_player_test.moc"
