// Tests of `iosim-gui --export / --frames / --video`: runs the program as a user's script would,
// and calls the export library (gui/export.h) for what a script cannot see (cancel, parsing).
#include "export.h"

#include <QtTest>

using namespace iosim::gui;

namespace {
QString tracePath(const char* name) {
  return QStringLiteral(IOSIM_GUI_TRACES "/") + name;
}

struct Run {
  int exitCode = -1;
  QString stderrText;
};

Run runGui(const QStringList& arguments,
           const QList<QPair<QString, QString>>& environmentChanges = {}) {
  QProcess process;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert("QT_QPA_PLATFORM", "offscreen");
  for (const auto& [name, value] : environmentChanges) environment.insert(name, value);
  process.setProcessEnvironment(environment);
  process.start(QStringLiteral(IOSIM_GUI_BINARY), arguments);
  if (!process.waitForFinished(60000)) return {};
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardError())};
}

QImage exportedAt(const QStringList& moment) {
  QTemporaryDir dir;
  const QString out = dir.filePath("moment.png");
  const Run run = runGui(
      QStringList{"--export", out, "--trace", tracePath("read-write.json"), "--size", "800x450"} +
      moment);
  if (run.exitCode != 0) qWarning("%s", qPrintable(run.stderrText));
  return QImage(out);
}

QStringList framesIn(const QString& directory) {
  return QDir(directory).entryList({"frame-*.png"}, QDir::Files, QDir::Name);
}

QStringList partialDirectoriesIn(const QString& directory) {
  return QDir(directory).entryList({".partial-*"}, QDir::Dirs | QDir::Hidden);
}

bool hasFfmpeg() {
  return !QStandardPaths::findExecutable("ffmpeg").isEmpty();
}
}  // namespace

class GuiExportTest : public QObject {
  Q_OBJECT
 private slots:
  void exportsPngOfTheRequestedSize() {
    QTemporaryDir dir;
    const QString out = dir.filePath("copy2.png");
    const Run run = runGui({"--export", out, "--trace", tracePath("read-write.json"), "--at-step",
                            "3", "--size", "1280x720"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QVERIFY(QFileInfo(out).size() > 0);
    const QImage image(out);
    QCOMPARE(image.size(), QSize(1280, 720));
    // Not blank: the CPU copy's orange is somewhere in the picture.
    bool orange = false;
    for (int y = 0; y < image.height() && !orange; y += 2)
      for (int x = 0; x < image.width() && !orange; x += 2)
        orange = image.pixelColor(x, y) == QColor(0xF2, 0x8C, 0x28);
    QVERIFY(orange);
  }

  void exportsTheCompareViewOfTwoTraces() {
    QTemporaryDir dir;
    const QString out = dir.filePath("compare.png");
    const Run run = runGui({"--export", out, "--compare", tracePath("read-write.json"),
                            tracePath("sendfile-sg.json"), "--at", "15us", "--size", "1600x1000"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    const QImage image(out);
    QCOMPARE(image.size(), QSize(1600, 1000));
    // At 15 us the left side has its CPU copy (orange) and the right its DMA gather (blue).
    bool orangeLeft = false, blueRight = false;
    for (int y = 0; y < image.height(); y += 2)
      for (int x = 0; x < image.width(); x += 2) {
        const QColor colour = image.pixelColor(x, y);
        if (x < image.width() / 2 && colour == QColor(0xF2, 0x8C, 0x28)) orangeLeft = true;
        if (x > image.width() / 2 && colour == QColor(0x1F, 0x6F, 0xD1)) blueRight = true;
      }
    QVERIFY(orangeLeft);
    QVERIFY(blueRight);
    // SVG too.
    const QString svg = dir.filePath("compare.svg");
    QCOMPARE(runGui({"--export", svg, "--compare", tracePath("read-write.json"),
                     tracePath("sendfile.json")})
                 .exitCode,
             0);
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.readAll().contains("<svg"));
    // One trace is a usage error; a broken one exits 2 and writes nothing.
    QCOMPARE(runGui({"--export", out + "2", "--compare", tracePath("read-write.json")}).exitCode,
             1);
    const Run broken = runGui({"--export", dir.filePath("broken.png"), "--compare",
                               tracePath("read-write.json"), tracePath("truncated.json")});
    QCOMPARE(broken.exitCode, 2);
    QVERIFY2(broken.stderrText.contains("truncated.json:"), qPrintable(broken.stderrText));
    QVERIFY(!QFile::exists(dir.filePath("broken.png")));
  }

  void exportsTheChartsOfASweep() {
    QTemporaryDir dir;
    const QString out = dir.filePath("chart.png");
    const QString csv = QStringLiteral(IOSIM_GUI_TRACES "/../sweeps/size-sg.csv");
    Run run =
        runGui({"--export", out, "--sweep", csv, "--x", "files[0].size", "--series-by",
                "platform.nic.scatter_gather", "--metrics", "cpu.busy_ps", "--size", "1200x800"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QCOMPARE(QImage(out).size(), QSize(1200, 800));
    // Wrong column or metric: exit 1 naming it; a file that is not a sweep: exit 2.
    run = runGui({"--export", dir.filePath("x.png"), "--sweep", csv, "--x", "nope"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.stderrText.contains("--x: 'nope'"), qPrintable(run.stderrText));
    run = runGui({"--export", dir.filePath("x.png"), "--sweep", csv, "--metrics", "bogus"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.stderrText.contains("--metrics: 'bogus'"), qPrintable(run.stderrText));
    run = runGui({"--export", dir.filePath("x.png"), "--sweep", tracePath("read-write.json")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY(!QFile::exists(dir.filePath("x.png")));
  }

  void exportsSvgWithTimeline() {
    QTemporaryDir dir;
    const QString out = dir.filePath("burst.svg");
    const Run run = runGui({"--export", out, "--trace", tracePath("dma-burst-small.json"), "--at",
                            "48000000", "--timeline"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray svg = file.readAll();
    QVERIFY(svg.contains("<svg"));
    QVERIFY(svg.contains("dma0.ch1"));
  }

  void brokenTraceExitsTwoAndWritesNothing() {
    QTemporaryDir dir;
    const QString out = dir.filePath("never.png");
    const Run run = runGui({"--export", out, "--trace", tracePath("truncated.json")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.stderrText.contains(tracePath("truncated.json") + ":30:"),
             qPrintable(run.stderrText));
    QVERIFY(run.stderrText.contains(": error: "));
    QVERIFY(!QFileInfo::exists(out));

    const Run newer = runGui({"--export", out, "--trace", tracePath("newer-version.json")});
    QCOMPARE(newer.exitCode, 2);
    QVERIFY(newer.stderrText.contains("version 2 is newer"));
    QVERIFY(!QFileInfo::exists(out));
  }

  void playsARealTraceFromTheSimulator() {
#ifndef IOSIM_BINARY
    QSKIP("the iosim program is not built in this tree");
#else
    QTemporaryDir dir;
    const QString trace = dir.filePath("burst.json");
    QProcess simulator;
    simulator.start(QStringLiteral(IOSIM_BINARY),
                    {"run", QStringLiteral(IOSIM_SOURCE_DIR "/scenarios/mechanisms/dma-burst.yaml"),
                     "--trace", trace});
    QVERIFY(simulator.waitForFinished(120000));
    QCOMPARE(simulator.exitCode(), 0);
    const QString out = dir.filePath("burst.png");
    const Run run = runGui({"--export", out, "--trace", trace, "--timeline", "--size", "1200x800"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QCOMPARE(QImage(out).size(), QSize(1200, 800));
#endif
  }

  void badArgumentsExitOne() {
    QTemporaryDir dir;
    const QString out = dir.filePath("x.png");
    QCOMPARE(runGui({"--export", out, "--trace", tracePath("read-write.json"), "--size", "big"})
                 .exitCode,
             1);
    QCOMPARE(runGui({"--export", out, "--trace", tracePath("read-write.json"), "--at-step", "99"})
                 .exitCode,
             1);
    QVERIFY(!QFileInfo::exists(out));
  }

  void stepIdsAndTimeUnitsNameTheSameMoments() {
    // copy-2 is the third narrated step; its moment is the middle of copy 2 (13 to 17 us).
    const QImage byNumber = exportedAt({"--at-step", "3"});
    QVERIFY(!byNumber.isNull());
    QCOMPARE(exportedAt({"--at-step", "copy-2"}), byNumber);
    QCOMPARE(exportedAt({"--at", "15us"}), byNumber);
    QCOMPARE(exportedAt({"--at", "15000000"}), byNumber);
    QCOMPARE(exportedAt({"--at", "0.015ms"}), byNumber);
  }

  void unknownStepIdListsTheIds() {
    QTemporaryDir dir;
    const QString out = dir.filePath("x.png");
    const Run run =
        runGui({"--export", out, "--trace", tracePath("read-write.json"), "--at-step", "copy-9"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.stderrText.contains("no step 'copy-9'"), qPrintable(run.stderrText));
    QVERIFY(run.stderrText.contains("switch-1, copy-1, copy-2"));
    QVERIFY(!QFileInfo::exists(out));
  }

  void badTimesExitOne() {
    QTemporaryDir dir;
    const QString out = dir.filePath("x.png");
    for (const char* time : {"1.5ps", "-3us", "12 parsecs", "1e6"}) {
      const Run run =
          runGui({"--export", out, "--trace", tracePath("read-write.json"), "--at", time});
      QCOMPARE(run.exitCode, 1);
      QVERIFY2(run.stderrText.contains("--at"), qPrintable(run.stderrText));
    }
    QVERIFY(!QFileInfo::exists(out));
  }

  void parsesTimesExactly() {
    QCOMPARE(parseTime("13500000", nullptr), std::optional<Picoseconds>(13'500'000));
    QCOMPARE(parseTime("13.5us", nullptr), std::optional<Picoseconds>(13'500'000));
    QCOMPARE(parseTime("2 ns", nullptr), std::optional<Picoseconds>(2'000));
    QCOMPARE(parseTime("0.000001us", nullptr), std::optional<Picoseconds>(1));
    QCOMPARE(parseTime("1.25s", nullptr), std::optional<Picoseconds>(1'250'000'000'000));
    QCOMPARE(parseTime("3ms", nullptr), std::optional<Picoseconds>(3'000'000'000));
    QCOMPARE(parseTime("7ps", nullptr), std::optional<Picoseconds>(7));
    // 2^63 - 1 is the largest time; 2^53 + 1 must not go through a double.
    QCOMPARE(parseTime("9223372036854775807", nullptr),
             std::optional<Picoseconds>(std::numeric_limits<Picoseconds>::max()));
    QCOMPARE(parseTime("9007199254740993", nullptr),
             std::optional<Picoseconds>(9'007'199'254'740'993));
    QString error;
    QVERIFY(!parseTime("9223372036854775808", &error));
    QVERIFY(!parseTime("1.0000001us", &error));
    QVERIFY(error.contains("whole number"));
    QVERIFY(!parseTime("", &error));
    QVERIFY(!parseTime("us", &error));
    QCOMPARE(parseSpeed("1us/s", nullptr), std::optional<Picoseconds>(1'000'000));
    QCOMPARE(parseSpeed("500ns", nullptr), std::optional<Picoseconds>(500'000));
    QVERIFY(!parseSpeed("0us/s", &error));
  }

  void exportsTheTimelineAlone() {
    QTemporaryDir dir;
    const QString png = dir.filePath("timeline.png");
    Run run = runGui({"--export", png, "--trace", tracePath("read-write.json"), "--view",
                      "timeline", "--at", "13.5us"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    const QImage image(png);
    // As tall as its lanes need, not 900: a strip for a slide.
    QCOMPARE(image.width(), 1600);
    QVERIFY2(image.height() > 150 && image.height() < 400,
             qPrintable(QString::number(image.height())));

    const QString svg = dir.filePath("timeline.svg");
    run = runGui({"--export", svg, "--trace", tracePath("read-write.json"), "--view", "timeline",
                  "--from", "2us", "--to", "20us", "--at", "13.5us", "--size", "1200x300"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("dma0.ch1"));
    QVERIFY(text.contains("2.000 us to 20.000 us"));
    QVERIFY(!text.contains("process app"));  // no data-path view

    // --from/--to mean nothing to the data path alone.
    QCOMPARE(runGui({"--export", png, "--trace", tracePath("read-write.json"), "--from", "2us"})
                 .exitCode,
             1);
  }

  void writesNumberedFramesAndAManifestLast() {
    QTemporaryDir dir;
    const QString frames = dir.filePath("frames");
    // 0 to 36 us at 6 us per second and 5 fps: 31 frames, 0 to 36 us inclusive.
    Run run = runGui({"--frames", frames, "--trace", tracePath("read-write.json"), "--fps", "5",
                      "--speed", "6us/s", "--size", "400x300"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QCOMPARE(framesIn(frames).size(), 31);
    QCOMPARE(framesIn(frames).first(), QStringLiteral("frame-00001.png"));
    QCOMPARE(framesIn(frames).last(), QStringLiteral("frame-00031.png"));
    QCOMPARE(QImage(frames + "/frame-00017.png").size(), QSize(400, 300));
    QVERIFY(partialDirectoriesIn(frames).isEmpty());
    QFile manifest(frames + "/frames.txt");
    QVERIFY(manifest.open(QIODevice::ReadOnly));
    const QByteArray text = manifest.readAll();
    QVERIFY2(text.contains("frames: 31\n"), text.constData());
    QVERIFY(text.contains("speed_ps_per_s: 6000000\n"));

    // A second, shorter export into the same directory leaves no stale frame behind.
    run = runGui({"--frames", frames, "--trace", tracePath("read-write.json"), "--from", "13us",
                  "--to", "17us", "--fps", "2", "--speed", "1us/s", "--size", "400x300"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QCOMPARE(framesIn(frames).size(), 9);
    // Without --speed the range lasts 10 s, and the chosen speed is printed.
    run = runGui({"--frames", frames, "--trace", tracePath("read-write.json"), "--fps", "1",
                  "--size", "400x300"});
    QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
    QCOMPARE(framesIn(frames).size(), 11);
    QVERIFY2(run.stderrText.contains("3.600 us of simulated time per second"),
             qPrintable(run.stderrText));
  }

  void refusesTooManyFrames() {
    QTemporaryDir dir;
    const QString frames = dir.filePath("frames");
    const Run run =
        runGui({"--frames", frames, "--trace", tracePath("read-write.json"), "--speed", "1ps/s"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.stderrText.contains("--speed"), qPrintable(run.stderrText));
    QVERIFY(run.stderrText.contains("100000"));
    QVERIFY(!QFileInfo::exists(frames));
  }

  void cancelledFramesLeaveNothingThatLooksWhole() {
    QString error;
    const std::optional<Trace> trace = TraceFile::load(tracePath("read-write.json"), &error);
    QVERIFY2(trace, qPrintable(error));
    const TraceIndex index(*trace);
    QTemporaryDir dir;
    FramesOptions options;
    options.directory = dir.filePath("frames");
    options.size = QSize(320, 200);
    options.fps = 2;
    int calls = 0;
    int reportedTotal = 0;
    const bool written = exportFrames(
        index, options,
        [&](int done, int total) {
          ++calls;
          reportedTotal = total;
          return done < 3;  // cancel after the third frame
        },
        &error);
    QVERIFY(!written);
    QVERIFY2(error.contains("cancelled"), qPrintable(error));
    QCOMPARE(calls, 3);
    QCOMPARE(reportedTotal, 21);  // 10 s at 2 fps, both ends
    QVERIFY(framesIn(options.directory).isEmpty());
    QVERIFY(partialDirectoriesIn(options.directory).isEmpty());
    QVERIFY(!QFileInfo::exists(options.directory + "/frames.txt"));

    // The same, not cancelled: the plan and the files agree.
    const std::optional<FramesPlan> plan = planFrames(index, options, &error);
    QVERIFY(plan);
    QCOMPARE(plan->frames, 21);
    QCOMPARE(plan->timeOfFrame(20), Picoseconds(36'000'000));
    QVERIFY2(exportFrames(index, options, {}, &error), qPrintable(error));
    QCOMPARE(framesIn(options.directory).size(), 21);
  }

  void videoWithoutFfmpegIsAClearError() {
    QTemporaryDir dir;
    const QString out = dir.filePath("lecture.mp4");
    const Run run = runGui({"--video", out, "--trace", tracePath("read-write.json")},
                           {{"PATH", dir.path()}, {"IOSIM_FFMPEG", ""}});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.stderrText.contains("ffmpeg was not found"), qPrintable(run.stderrText));
    QVERIFY(!QFileInfo::exists(out));
    QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden),
             QStringList());
  }

  void encodesAVideoWithFfmpeg() {
    if (!hasFfmpeg()) QSKIP("ffmpeg is not on PATH");
    QTemporaryDir dir;
    for (const QString name : {QStringLiteral("lecture.mp4"), QStringLiteral("lecture.webm")}) {
      const QString out = dir.filePath(name);
      const Run run = runGui({"--video", out, "--trace", tracePath("sendfile-sg.json"), "--fps",
                              "5", "--size", "401x301", "--view", "all"});
      QVERIFY2(run.exitCode == 0, qPrintable(run.stderrText));
      QFile file(out);
      QVERIFY(file.open(QIODevice::ReadOnly));
      const QByteArray head = file.read(64);
      if (name.endsWith(".mp4"))
        QCOMPARE(head.mid(4, 4), QByteArray("ftyp"));
      else
        QCOMPARE(head.left(4), QByteArray("\x1A\x45\xDF\xA3"));  // EBML (Matroska / WebM)
    }
    // Only the two videos: no temporary file or frame directory left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden),
             QStringList({"lecture.mp4", "lecture.webm"}));
  }
};

QTEST_MAIN(GuiExportTest)
#include "gui_export_test.moc"
