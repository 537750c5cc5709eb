// Screenshot tests: fixed moments of the classic data paths rendered by the export code
// (renderView / renderTimeline, what `iosim-gui --export` writes) and compared with the reference
// PNGs in tests/data/screenshots/.
//
// Comparison, tolerant of font rendering but not of drawing changes: a pixel differs when one of
// its channels differs by more than 48 (of 255). The image fails when
//   - more than 0.5 % of all pixels differ (many small changes: text moved or changed), or
//   - in any 16x16 tile more than half the pixels differ (one solid change: a block moved,
//     recoloured, missing). Anti-aliasing or hinting changes never fill half a tile.
// On failure the actual image and a diff image (differing pixels red over a faded reference) are
// written to <build>/tests/screenshot-failures/ and their paths printed.
//
// Regenerate after an intended drawing change:
//   ninja -C BUILD update-screenshots
// (or IOSIM_UPDATE_SCREENSHOTS=1 BUILD/tests/gui_screenshot_test): writes the references instead
// of comparing, and copies the ones docs/gui.md shows into docs/images/.
#include "data_path_view.h"
#include "export.h"

#include <QApplication>
#include <QPainter>
#include <QSaveFile>
#include <QtTest>

using namespace iosim::gui;

namespace {

constexpr int kChannelTolerance = 48;
constexpr double kMaxDifferentShare = 0.005;
constexpr int kTile = 16;
const QSize kScreenshotSize(1280, 720);

QString tracePath(const QString& name) {
  return QStringLiteral(IOSIM_GUI_TRACES "/") + name;
}

bool updating() {
  return qEnvironmentVariableIntValue("IOSIM_UPDATE_SCREENSHOTS") == 1;
}

struct Comparison {
  bool same = true;
  QString why;
  QImage diff;
};

Comparison compareImages(const QImage& actualImage, const QImage& referenceImage) {
  Comparison result;
  if (actualImage.size() != referenceImage.size()) {
    result.same = false;
    result.why = QStringLiteral("size %1x%2, reference %3x%4")
                     .arg(actualImage.width())
                     .arg(actualImage.height())
                     .arg(referenceImage.width())
                     .arg(referenceImage.height());
    return result;
  }
  const QImage actual = actualImage.convertToFormat(QImage::Format_RGB32);
  const QImage reference = referenceImage.convertToFormat(QImage::Format_RGB32);
  const int width = actual.width();
  const int height = actual.height();
  result.diff = QImage(actual.size(), QImage::Format_RGB32);
  const int tilesX = (width + kTile - 1) / kTile;
  std::vector<int> tileCounts(size_t(tilesX * ((height + kTile - 1) / kTile)), 0);
  qint64 different = 0;
  for (int y = 0; y < height; ++y) {
    const auto* a = reinterpret_cast<const QRgb*>(actual.constScanLine(y));
    const auto* r = reinterpret_cast<const QRgb*>(reference.constScanLine(y));
    auto* d = reinterpret_cast<QRgb*>(result.diff.scanLine(y));
    for (int x = 0; x < width; ++x) {
      const int delta =
          std::max({std::abs(qRed(a[x]) - qRed(r[x])), std::abs(qGreen(a[x]) - qGreen(r[x])),
                    std::abs(qBlue(a[x]) - qBlue(r[x]))});
      if (delta > kChannelTolerance) {
        ++different;
        ++tileCounts[size_t((y / kTile) * tilesX + x / kTile)];
        d[x] = qRgb(255, 0, 0);
      } else {
        const int grey = 200 + qGray(r[x]) * 55 / 255;  // the reference, faded
        d[x] = qRgb(grey, grey, grey);
      }
    }
  }
  const double share = double(different) / double(qint64(width) * height);
  if (share > kMaxDifferentShare) {
    result.same = false;
    result.why = QStringLiteral("%1 % of the pixels differ (limit %2 %)")
                     .arg(share * 100, 0, 'f', 2)
                     .arg(kMaxDifferentShare * 100, 0, 'f', 1);
  }
  for (size_t tile = 0; tile < tileCounts.size(); ++tile)
    if (tileCounts[tile] > kTile * kTile / 2) {
      result.same = false;
      result.why += QStringLiteral("%1the %2x%2 tile at (%3, %4) changed")
                        .arg(result.why.isEmpty() ? QString() : QStringLiteral("; "))
                        .arg(kTile)
                        .arg(int(tile % size_t(tilesX)) * kTile)
                        .arg(int(tile / size_t(tilesX)) * kTile);
      break;
    }
  return result;
}

bool saveAtomically(const QImage& image, const QString& path) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return false;
  if (!image.save(&file, "PNG")) {
    file.cancelWriting();
    return false;
  }
  return file.commit();
}

}  // namespace

class GuiScreenshotTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    // Fixed font for stable glyphs: DejaVu Sans (fonts-dejavu-core), 9 pt; the views set their
    // own sizes from it.
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSize(9);
    QApplication::setFont(font);
    QVERIFY2(QFontInfo(font).family().contains(QLatin1String("DejaVu")),
             qPrintable(QStringLiteral("font DejaVu Sans is missing (fonts-dejavu-core); got ") +
                        QFontInfo(font).family()));
  }

  void screenshots_data() {
    QTest::addColumn<QString>("trace");
    QTest::addColumn<QString>("moment");  // a step id or a time ("13.5us")
    QTest::addColumn<bool>("timelineAlone");
    QTest::addColumn<QString>("docsName");  // copied to docs/images/ when regenerating

    QTest::newRow("read-write-copy-1") << "read-write.json"
                                       << "copy-1" << false << "";
    QTest::newRow("read-write-copy-2") << "read-write.json"
                                       << "copy-2" << false << "read-write-copy-2.png";
    QTest::newRow("read-write-copy-3") << "read-write.json"
                                       << "copy-3" << false << "";
    QTest::newRow("read-write-copy-4") << "read-write.json"
                                       << "copy-4" << false << "";
    QTest::newRow("read-write-switch-1") << "read-write.json"
                                         << "switch-1" << false << "";
    QTest::newRow("sendfile-copy-2") << "sendfile.json"
                                     << "copy-2" << false << "";
    QTest::newRow("sendfile-sg-descriptor") << "sendfile-sg.json"
                                            << "13.5us" << false << "sendfile-sg-descriptor.png";
    QTest::newRow("sendfile-sg-copy-2") << "sendfile-sg.json"
                                        << "copy-2" << false << "";
    QTest::newRow("read-write-timeline") << "read-write.json"
                                         << "copy-2" << true << "read-write-timeline.png";
  }

  void screenshots() {
    QFETCH(QString, trace);
    QFETCH(QString, moment);
    QFETCH(bool, timelineAlone);
    QFETCH(QString, docsName);
    const QString name = QString::fromLatin1(QTest::currentDataTag());

    QString error;
    const std::optional<Trace> loaded = TraceFile::load(tracePath(trace), &error);
    QVERIFY2(loaded, qPrintable(error));
    const TraceIndex index(*loaded);
    std::optional<Picoseconds> time =
        moment.front().isDigit() ? parseTime(moment, &error) : stepMoment(index, moment, &error);
    QVERIFY2(time, qPrintable(error));

    if (name == QLatin1String("sendfile-sg-descriptor")) {
      // The moment must show what the picture is for: the descriptor arrow, no copy.
      DataPathView view;
      view.resize(kScreenshotSize);
      view.setIndex(&index);
      view.setTime(*time);
      const std::vector<DataPathView::Pointer> pointers = view.pointers();
      QCOMPARE(int(pointers.size()), 1);
      QVERIFY2(pointers.front().label.contains(QLatin1String("sg descriptor"), Qt::CaseInsensitive),
               qPrintable(pointers.front().label));
      QVERIFY(view.blocks().empty());
    }

    QImage actual;
    if (timelineAlone) {
      TimelineExportOptions options;
      options.time = *time;
      actual = renderTimeline(index, options);
    } else {
      ExportOptions options;
      options.size = kScreenshotSize;
      options.time = *time;
      actual = renderView(index, options);
    }
    QVERIFY(!actual.isNull());

    const QString referencePath =
        QStringLiteral(IOSIM_SCREENSHOTS_DIR "/") + name + QStringLiteral(".png");
    if (updating()) {
      QVERIFY2(saveAtomically(actual, referencePath), qPrintable(referencePath));
      qInfo("wrote %s", qPrintable(referencePath));
      if (!docsName.isEmpty()) {
        const QString docsPath = QStringLiteral(IOSIM_DOCS_IMAGES_DIR "/") + docsName;
        QVERIFY2(saveAtomically(actual, docsPath), qPrintable(docsPath));
        qInfo("wrote %s", qPrintable(docsPath));
      }
      return;
    }

    const QImage reference(referencePath);
    QVERIFY2(!reference.isNull(),
             qPrintable(QStringLiteral("no reference %1; create it with IOSIM_UPDATE_SCREENSHOTS=1")
                            .arg(referencePath)));
    const Comparison comparison = compareImages(actual, reference);
    if (!comparison.same) {
      const QString failures =
          QCoreApplication::applicationDirPath() + QStringLiteral("/screenshot-failures");
      QDir().mkpath(failures);
      const QString actualPath = failures + QLatin1Char('/') + name + QStringLiteral("-actual.png");
      const QString diffPath = failures + QLatin1Char('/') + name + QStringLiteral("-diff.png");
      actual.save(actualPath);
      if (!comparison.diff.isNull()) comparison.diff.save(diffPath);
      QFAIL(qPrintable(QStringLiteral("%1 differs from %2: %3\n  actual: %4\n  diff:   %5\n  "
                                      "(intended? regenerate: ninja -C BUILD update-screenshots)")
                           .arg(name, referencePath, comparison.why, actualPath,
                                comparison.diff.isNull() ? QStringLiteral("-") : diffPath)));
    }
  }

  // The comparison itself: font-sized noise passes, a moved block does not.
  void comparisonToleratesNoiseButNotChanges() {
    QImage reference(400, 300, QImage::Format_RGB32);
    reference.fill(Qt::white);
    {
      QPainter painter(&reference);
      painter.fillRect(QRect(100, 100, 80, 30), QColor(0xF2, 0x8C, 0x28));
    }
    QImage noisy = reference;
    for (int i = 0; i < 300; ++i) noisy.setPixel((i * 37) % 400, (i * 53) % 300, qRgb(0, 0, 0));
    QVERIFY(compareImages(noisy, reference).same);  // 0.25 % scattered

    QImage moved(400, 300, QImage::Format_RGB32);
    moved.fill(Qt::white);
    {
      QPainter painter(&moved);
      painter.fillRect(QRect(120, 100, 80, 30), QColor(0xF2, 0x8C, 0x28));
    }
    QVERIFY(!compareImages(moved, reference).same);  // 20 px: 1 % of the image, whole tiles
    // A recoloured block in a full-size screenshot is only 0.26 % of it: the tiles catch it.
    QImage large(kScreenshotSize, QImage::Format_RGB32);
    large.fill(Qt::white);
    QImage recoloured = large;
    QPainter(&large).fillRect(QRect(600, 300, 80, 30), QColor(0xF2, 0x8C, 0x28));
    QPainter(&recoloured).fillRect(QRect(600, 300, 80, 30), QColor(0x1F, 0x6F, 0xD1));
    QVERIFY(!compareImages(recoloured, large).same);
    QVERIFY(!compareImages(reference.scaled(200, 150), reference).same);
  }
};

int main(int argc, char** argv) {
  // The same platform as `iosim-gui --export` without a screen, whatever the session has: the
  // DPI and font rasterisation must not depend on a display.
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  GuiScreenshotTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "gui_screenshot_test.moc"
