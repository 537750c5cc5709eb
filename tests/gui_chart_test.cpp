// Tests of the sweep charts (gui/sweep_chart.h): the CSV reader (format, quoting, errors with
// line numbers), unit parsing, and what the charts draw (axis kinds, series, points, skipped
// failed runs, the note on rows left out), on the hand-written CSVs in tests/data/sweeps/.
#include "sweep_chart.h"

#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QImage>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace iosim::gui;

namespace {
QString sweepPath(const QString& name) {
  return QStringLiteral(IOSIM_GUI_SWEEPS "/") + name;
}

const QString kSize = QStringLiteral("files[0].size");
const QString kSg = QStringLiteral("platform.nic.scatter_gather");
const QString kDerived = QString::fromLatin1(SweepChart::kDerivedThroughput);

QAbstractAxis::AxisType horizontalAxisType(QChartView* view) {
  const QList<QAbstractAxis*> axes = view->chart()->axes(Qt::Horizontal);
  return axes.isEmpty() ? QAbstractAxis::AxisTypeNoAxis : axes.first()->type();
}
}  // namespace

class GuiChartTest : public QObject {
  Q_OBJECT
 private slots:
  void parsesQuantities() {
    struct Case {
      const char* text;
      double value;
      QuantityKind kind;
    };
    const Case cases[] = {
        {"4KiB", 4096, QuantityKind::Bytes},
        {"64 MiB", 64.0 * 1024 * 1024, QuantityKind::Bytes},
        {"2GiB", 2.0 * 1024 * 1024 * 1024, QuantityKind::Bytes},
        {"512B", 512, QuantityKind::Bytes},
        {"8KB", 8000, QuantityKind::Bytes},
        {"1.5MB", 1.5e6, QuantityKind::Bytes},
        {"3GB", 3e9, QuantityKind::Bytes},
        {"250ps", 250, QuantityKind::Time},
        {"7.4ms", 7.4e9, QuantityKind::Time},
        {"12us", 12e6, QuantityKind::Time},
        {"3ns", 3000, QuantityKind::Time},
        {"2s", 2e12, QuantityKind::Time},
        {"25.6GB/s", 25.6e9, QuantityKind::Rate},
        {"100MB/s", 1e8, QuantityKind::Rate},
        {"1KiB/s", 1024, QuantityKind::Rate},
        {"100Mb/s", 12.5e6, QuantityKind::Rate},
        {"1Gbit/s", 1.25e8, QuantityKind::Rate},
        {"8MHz", 8e6, QuantityKind::Frequency},
        {"42", 42, QuantityKind::Plain},
        {"-1.5e3", -1500, QuantityKind::Plain},
    };
    for (const Case& c : cases) {
      const std::optional<Quantity> quantity = parseQuantity(QString::fromUtf8(c.text));
      QVERIFY2(quantity, c.text);
      QVERIFY2(qFuzzyCompare(quantity->value, c.value), c.text);
      QVERIFY2(quantity->kind == c.kind, c.text);
    }
    for (const char* text : {"ssd", "true", "4 parsecs", "", "KiB", "1.2.3"})
      QVERIFY2(!parseQuantity(QString::fromUtf8(text)), text);
  }

  void readsTheSweepCsv() {
    QString error;
    const std::optional<SweepTable> table = loadSweepCsv(sweepPath("size-sg.csv"), &error);
    QVERIFY2(table, qPrintable(error));
    QCOMPARE(table->parameters, QStringList({kSize, kSg}));
    QCOMPARE(table->metrics.first(), QStringLiteral("sim_time_ps"));
    QCOMPARE(table->metrics.last(), QStringLiteral("bytes.verified"));
    QCOMPARE(table->rows.size(), size_t(8));
    QCOMPARE(table->failedRows(), 1);
    const SweepRow& row = table->rows[2];
    QCOMPARE(row.line, 4);
    QCOMPARE(row.point, 2);
    QCOMPARE(row.parameters, QStringList({"64KiB", "false"}));
    QVERIFY(row.ok);
    QCOMPARE(row.metrics[size_t(table->metricIndex("cpu.busy_ps"))], 200000000.0);
    QVERIFY(!table->rows[5].ok);
    QVERIFY(std::isnan(table->rows[5].metrics[0]));

    // CRLF line ends, quoted fields with a comma and doubled quotes.
    const std::optional<SweepTable> mechanisms = loadSweepCsv(sweepPath("mechanisms.csv"), &error);
    QVERIFY2(mechanisms, qPrintable(error));
    QCOMPARE(mechanisms->rows.size(), size_t(4));
    QCOMPARE(mechanisms->rows[2].parameters.first(), QStringLiteral("dma, burst \"fast\""));
    QCOMPARE(mechanisms->rows[3].line, 5);

    // A sweep with nothing varied and no run yet is valid: x is the run index.
    const std::optional<SweepTable> bare =
        parseSweepCsv("point,status,sim_time_ps\n", "bare", &error);
    QVERIFY2(bare, qPrintable(error));
    QVERIFY(bare->parameters.isEmpty());
    QCOMPARE(bare->metrics, QStringList({"sim_time_ps"}));
    QVERIFY(bare->rows.empty());
    QVERIFY(!parseSweepCsv("point,status,a,a\n", "dup", &error));
    QCOMPARE(error, QStringLiteral("dup:1: error: column 'a' twice"));
    QVERIFY(!parseSweepCsv("point,\"x\"y,status\n", "junk", &error));
    QCOMPARE(error, QStringLiteral("junk:1: error: text after the closing quote of a field"));
    QVERIFY(!parseSweepCsv("point,status\nzero,ok\n", "point", &error));
    QVERIFY2(error.startsWith("point:2: error: column 'point'"), qPrintable(error));

    // Booleans in a metric column are 1 and 0.
    const std::optional<SweepTable> seek = loadSweepCsv(sweepPath("seek-clock.csv"), &error);
    QVERIFY2(seek, qPrintable(error));
    QCOMPARE(seek->rows[0].metrics[size_t(seek->metricIndex("verified"))], 1.0);
    QCOMPARE(seek->rows[7].metrics[size_t(seek->metricIndex("verified"))], 0.0);
  }

  void reportsErrorsWithTheirLine_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing file") << "broken/no-such-file.csv"
                                  << "no-such-file.csv: error: cannot read";
    QTest::newRow("empty") << "broken/empty.csv"
                           << "empty.csv:1: error: no header line";
    QTest::newRow("no header") << "broken/no-header.csv"
                               << "no-header.csv:1: error: no header line";
    QTest::newRow("no status") << "broken/no-status.csv"
                               << "no-status.csv:1: error: no 'status' column";
    // Line 2 holds a quoted field over two lines: the short row is on line 4.
    QTest::newRow("wrong field count") << "broken/wrong-fields.csv"
                                       << "wrong-fields.csv:4: error: 3 fields, the header has 4";
    QTest::newRow("not a number")
        << "broken/not-a-number.csv"
        << "not-a-number.csv:4: error: column 'cpu.busy_ps': '12ms' is not a number";
    QTest::newRow("unclosed quote") << "broken/unclosed-quote.csv"
                                    << "unclosed-quote.csv:3: error: a quoted field is not closed";
    QTest::newRow("bad status") << "broken/bad-status.csv"
                                << "bad-status.csv:2: error: column 'status': expected 'ok', "
                                   "'failed' or 'error', not 'maybe'";
  }

  void reportsErrorsWithTheirLine() {
    QFETCH(QString, file);
    QFETCH(QString, expected);
    SweepChart chart;
    QString error;
    QVERIFY(chart.openCsv(sweepPath("size-sg.csv"), &error));
    const std::vector<SweepChart::Series> before = chart.series();
    QVERIFY(!chart.openCsv(sweepPath(file), &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(error.startsWith(sweepPath(file)), qPrintable(error));
    QVERIFY(!error.contains('\n'));
    QCOMPARE(chart.errorText(), error);
    // The previous chart is intact.
    QCOMPARE(chart.table().path, sweepPath("size-sg.csv"));
    QCOMPARE(chart.series().size(), before.size());
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Log);
    QCOMPARE(chart.chartViews().size(), 3);
  }

  void sizeSweepWithTwoScatterGatherSeries() {
    SweepChart chart;
    chart.resize(1400, 900);
    QString error;
    QVERIFY2(chart.openCsv(sweepPath("size-sg.csv"), &error), qPrintable(error));
    // Defaults: x = the size (most values), a line per SG value, throughput derived from
    // bytes.verified / sim time (no throughput column), CPU busy time, copies.
    QCOMPARE(chart.xParameter(), kSize);
    QCOMPARE(chart.seriesBy(), kSg);
    QCOMPARE(chart.metrics(), QStringList({kDerived, QStringLiteral("cpu.busy_ps"),
                                           QStringLiteral("copies.total")}));
    QVERIFY(chart.availableMetrics().contains(kDerived));

    // 4 KiB .. 64 MiB: a log axis in KiB.
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Log);
    QCOMPARE(chart.xAxisTitle(), kSize + QStringLiteral(" (KiB)"));
    QCOMPARE(chart.chartViews().size(), 3);
    for (QChartView* view : chart.chartViews())
      QCOMPARE(horizontalAxisType(view), QAbstractAxis::AxisTypeLogValue);
    // 14 doublings: ticks at powers of 4 (4, 16, 64... KiB), not 15 crowded powers of 2.
    auto* logAxis =
        qobject_cast<QLogValueAxis*>(chart.chartViews().first()->chart()->axes(Qt::Horizontal)[0]);
    QVERIFY(logAxis);
    QCOMPARE(logAxis->base(), 4.0);

    // Legends name the series by the last part of the key, to fit small charts.
    const QStringList names = {"scatter_gather = false", "scatter_gather = true"};
    QCOMPARE(chart.seriesNames("cpu.busy_ps"), names);
    QCOMPARE(chart.seriesNames("copies.total"), names);
    // The failed run (1 MiB with SG) is skipped and said so.
    QCOMPARE(chart.failedRowsSkipped(), 1);
    QVERIFY2(chart.failedText().contains("point 5"), qPrintable(chart.failedText()));
    QVERIFY(chart.filterText().isEmpty());

    const std::vector<QPointF> busyFalse = chart.points("cpu.busy_ps", names[0]);
    QCOMPARE(busyFalse.size(), size_t(4));
    QCOMPARE(busyFalse[0], QPointF(4096, 20e6));
    QCOMPARE(busyFalse[3], QPointF(64.0 * 1024 * 1024, 190e9));
    const std::vector<QPointF> busyTrue = chart.points("cpu.busy_ps", names[1]);
    QCOMPARE(busyTrue.size(), size_t(3));
    QCOMPARE(busyTrue[1], QPointF(65536, 140e6));
    QCOMPARE(busyTrue[2].x(), 64.0 * 1024 * 1024);
    // Throughput = bytes.verified / sim time: 4096 B in 40 us = 102.4 MB/s.
    const std::vector<QPointF> throughput = chart.points(kDerived, names[0]);
    QVERIFY(qFuzzyCompare(throughput[0].y(), 4096 / 40e-6));
    QCOMPARE(chart.yAxisTitle(kDerived), QStringLiteral("throughput (MB/s)"));
    QCOMPARE(chart.yAxisTitle("cpu.busy_ps"), QStringLiteral("CPU busy time (ms)"));
    QCOMPARE(chart.yAxisTitle("copies.total"), QStringLiteral("copies"));

    // What Qt Charts draws: the same lines, x in KiB, y in ms.
    QChart* busyChart = chart.chartViews().at(1)->chart();
    QCOMPARE(busyChart->series().size(), 2);
    auto* line = qobject_cast<QLineSeries*>(busyChart->series().first());
    QVERIFY(line);
    QCOMPARE(line->name(), names[0]);
    QCOMPARE(line->count(), 4);
    QCOMPARE(line->at(0), QPointF(4, 0.02));
    QCOMPARE(line->at(3), QPointF(65536, 190));
    QVERIFY(busyChart->legend()->isVisible());

    // Without "series by", the other varied column is fixed at its first value, and said so.
    QVERIFY(chart.setSeriesBy(QString()));
    QCOMPARE(chart.seriesNames("cpu.busy_ps"), QStringList({"CPU busy time"}));
    QCOMPARE(chart.points("cpu.busy_ps", "CPU busy time").size(), size_t(4));
    QVERIFY2(chart.filterText().contains(kSg + " = false"), qPrintable(chart.filterText()));
    QVERIFY2(chart.filterText().contains("4 of 8 runs not shown"), qPrintable(chart.filterText()));
    QCOMPARE(chart.failedRowsSkipped(), 0);  // the failed run had SG on: not among these

    // The SG column as x: two values, not numbers: categories in file order.
    QVERIFY(chart.setXParameter(kSg));
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Category);
    QCOMPARE(chart.categories(), QStringList({"false", "true"}));
    QCOMPARE(horizontalAxisType(chart.chartViews().first()), QAbstractAxis::AxisTypeBarCategory);

    // Choosing metrics.
    chart.setMetrics({"copies.cpu", "no.such.metric"});
    QCOMPARE(chart.metrics(), QStringList({"copies.cpu"}));
    QCOMPARE(chart.chartViews().size(), 1);
    QVERIFY(!chart.setXParameter("no.such.parameter"));
  }

  void categoricalSweepInFileOrder() {
    SweepChart chart;
    QString error;
    QVERIFY2(chart.openCsv(sweepPath("mechanisms.csv"), &error), qPrintable(error));
    const QString mechanism = QStringLiteral("processes[0].program[0].device_read.mechanism");
    QCOMPARE(chart.xParameter(), mechanism);
    QCOMPARE(chart.seriesBy(), QString());
    // A throughput column: used as it is, nothing derived.
    QVERIFY(!chart.availableMetrics().contains(kDerived));
    QCOMPARE(chart.metrics(), QStringList({"throughput_bps", "cpu.busy_ps", "copies.total"}));
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Category);
    QCOMPARE(chart.categories(), QStringList({"pio", "dma", "dma, burst \"fast\"", "channel"}));
    QCOMPARE(horizontalAxisType(chart.chartViews().first()), QAbstractAxis::AxisTypeBarCategory);
    const std::vector<QPointF> throughput = chart.points("throughput_bps", "throughput");
    QCOMPARE(throughput.size(), size_t(3));  // the channel run failed
    QCOMPARE(throughput[0], QPointF(0, 327680));
    QCOMPARE(throughput[2], QPointF(2, 2048000));
    QCOMPARE(chart.yAxisTitle("throughput_bps"), QStringLiteral("throughput (MB/s)"));
    QCOMPARE(chart.failedRowsSkipped(), 1);
    QVERIFY(!chart.chartViews().first()->chart()->legend()->isVisible());
  }

  void linearTimeAxisAndRowsLeftOut() {
    SweepChart chart;
    QString error;
    QVERIFY2(chart.openCsv(sweepPath("seek-clock.csv"), &error), qPrintable(error));
    // Three varied columns: x = the seek (most values), no series, the bus clock fixed.
    QCOMPARE(chart.xParameter(), QStringLiteral("platform.disk.average_seek"));
    QCOMPARE(chart.seriesBy(), QString());
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Linear);  // 2..12 ms: max/min < 100
    QCOMPARE(chart.xAxisTitle(), QStringLiteral("platform.disk.average_seek (ms)"));
    QCOMPARE(horizontalAxisType(chart.chartViews().first()), QAbstractAxis::AxisTypeValue);
    QVERIFY2(chart.filterText().contains("platform.bus.clock = 8MHz"),
             qPrintable(chart.filterText()));
    QVERIFY(!chart.filterText().contains("seed"));  // constant: nothing left out because of it
    const std::vector<QPointF> simTime = chart.points("sim_time_ps", "simulated time");
    QVERIFY(simTime.empty());  // not a chosen metric
    chart.setMetrics({"sim_time_ps"});
    const std::vector<QPointF> chosen = chart.points("sim_time_ps", "simulated time");
    QCOMPARE(chosen.size(), size_t(4));
    QCOMPARE(chosen[0], QPointF(2e9, 3e9));
    QCOMPARE(chosen[3], QPointF(12e9, 13e9));
    // The bus clock as series: two lines, nothing left out.
    QVERIFY(chart.setSeriesBy("platform.bus.clock"));
    QCOMPARE(chart.seriesNames("sim_time_ps"), QStringList({"clock = 8MHz", "clock = 33MHz"}));
    QVERIFY(chart.filterText().isEmpty());
    // The bus clock as x: numbers in MHz, linear.
    QVERIFY(chart.setXParameter("platform.bus.clock"));
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Linear);
    QCOMPARE(chart.xAxisTitle(), QStringLiteral("platform.bus.clock (MHz)"));
  }

  void chartWithoutVariedColumnsUsesTheRunIndex() {
    QTemporaryDir dir;
    QFile file(dir.filePath("runs.csv"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("point,status,sim_time_ps\n0,ok,1000000\n1,ok,3000000\n2,failed,\n");
    file.close();
    SweepChart chart;
    QString error;
    QVERIFY2(chart.openCsv(file.fileName(), &error), qPrintable(error));
    QCOMPARE(chart.xParameter(), QStringLiteral("point"));
    QCOMPARE(chart.metrics(), QStringList({"sim_time_ps"}));
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Linear);
    QCOMPARE(chart.points("sim_time_ps", "simulated time"),
             std::vector<QPointF>({QPointF(0, 1e6), QPointF(1, 3e6)}));
    QCOMPARE(chart.yAxisTitle("sim_time_ps"), QStringLiteral("simulated time (us)"));
    QCOMPARE(chart.failedRowsSkipped(), 1);
  }

  void errorRowsAreSkippedAndFailedRowsWithResultsShown() {
    // As iosim sweep writes them: "failed" = completed, an expectation did not hold (metrics are
    // real); "error" = the run produced nothing.
    QTemporaryDir dir;
    QFile file(dir.filePath("statuses.csv"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        "point,size,status,sim_time_ps\n0,4KiB,ok,1000000\n1,8KiB,failed,2000000\n"
        "2,16KiB,error,\n3,32KiB,ok,4000000\n");
    file.close();
    SweepChart chart;
    QString error;
    QVERIFY2(chart.openCsv(file.fileName(), &error), qPrintable(error));
    QCOMPARE(chart.points("sim_time_ps", "simulated time"),
             std::vector<QPointF>({QPointF(4096, 1e6), QPointF(8192, 2e6), QPointF(32768, 4e6)}));
    QCOMPARE(chart.failedRowsSkipped(), 1);
    QVERIFY2(chart.failedText().contains("skipped (point 2)"), qPrintable(chart.failedText()));
    QVERIFY2(chart.failedText().contains("failed an expectation but completed; shown (point 1)"),
             qPrintable(chart.failedText()));
  }

#ifdef IOSIM_BINARY
  // End to end: a real `iosim sweep` over a built-in scenario's knobs opens in the chart with
  // a numeric size axis and one line per mechanism.
  void chartsARealSweep() {
    QTemporaryDir dir;
    const QString out = dir.filePath("sweep.csv");
    QProcess sweep;
    sweep.start(
        QStringLiteral(IOSIM_BINARY),
        {"sweep", QStringLiteral(IOSIM_SOURCE_DIR "/scenarios/mechanisms/pio.yaml"), "--vary",
         "size=4KiB..16KiB:x2", "--vary", "mechanism=pio,interrupt", "--jobs", "2", "--out", out});
    QVERIFY(sweep.waitForFinished(300000));
    QVERIFY2(sweep.exitCode() == 0 || sweep.exitCode() == 1,
             qPrintable(QString::fromUtf8(sweep.readAllStandardError())));
    SweepChart chart;
    QString error;
    QVERIFY2(chart.openCsv(out, &error), qPrintable(error));
    QVERIFY(chart.setXParameter("size"));
    QVERIFY(chart.setSeriesBy("mechanism"));
    // Lines are drawn for the selected metrics only; the default choice is throughput, CPU busy
    // time and copies, so ask for the simulated time.
    chart.setMetrics({"sim_time_ps"});
    QCOMPARE(chart.xAxisKind(), SweepChart::AxisKind::Linear);  // 4 to 16 KiB: not 100x
    QFile written(out);
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QString csv = QString::fromUtf8(written.readAll());  // shown when a check fails
    QVERIFY2(!csv.contains(",error,"), qPrintable(csv));
    QCOMPARE(chart.seriesNames("sim_time_ps"),
             QStringList({"mechanism = pio", "mechanism = interrupt"}));
    const std::vector<QPointF> pio = chart.points("sim_time_ps", "mechanism = pio");
    QCOMPARE(pio.size(), size_t(3));
    QCOMPARE(pio[0].x(), 4096.0);
    QCOMPARE(pio[2].x(), 16384.0);
    QVERIFY(pio[0].y() < pio[1].y() && pio[1].y() < pio[2].y());  // more bytes, more time
  }
#endif

  void exportsPngAndSvg() {
    SweepChart chart;
    QString error;
    QVERIFY2(chart.openCsv(sweepPath("size-sg.csv"), &error), qPrintable(error));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString png = dir.filePath("sweep.png");
    QVERIFY2(chart.exportImage(png, &error, QSize(1200, 800)), qPrintable(error));
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1200, 800));
    // Not blank: lines and text were drawn.
    int dark = 0;
    for (int y = 0; y < image.height(); y += 4)
      for (int x = 0; x < image.width(); x += 4)
        if (qGray(image.pixel(x, y)) < 128) ++dark;
    QVERIFY2(dark > 200, qPrintable(QString::number(dark)));

    const QString svg = dir.filePath("sweep.svg");
    QVERIFY2(chart.exportImage(svg, &error), qPrintable(error));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("<svg"));
    QVERIFY(text.contains("cpu.busy_ps"));

    QVERIFY(!chart.exportImage(dir.filePath("no/such/dir/x.png"), &error));
    QVERIFY2(error.contains("error: cannot write"), qPrintable(error));
  }
};

QTEST_MAIN(GuiChartTest)
#include "gui_chart_test.moc"
