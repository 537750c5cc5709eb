// Tests of `iosim-gui --export`: runs the program as a user's script would.
#include <QtTest>

namespace {
QString tracePath(const char* name) {
  return QStringLiteral(IOSIM_GUI_TRACES "/") + name;
}

struct Run {
  int exitCode = -1;
  QString stderrText;
};

Run runGui(const QStringList& arguments) {
  QProcess process;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert("QT_QPA_PLATFORM", "offscreen");
  process.setProcessEnvironment(environment);
  process.start(QStringLiteral(IOSIM_GUI_BINARY), arguments);
  if (!process.waitForFinished(60000)) return {};
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardError())};
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
};

QTEST_GUILESS_MAIN(GuiExportTest)
#include "gui_export_test.moc"
