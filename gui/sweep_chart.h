// Charts of a parameter sweep: the CSV that `iosim sweep` writes (one row per run: the varied
// parameters as written on the command line, a status, the run's metrics) drawn as one small
// line chart per chosen metric against one varied parameter, optionally one line per value of
// another varied parameter ("series by"). The CSV format is in docs/gui.md (Sweep charts).
//
// The reading part (SweepTable, parseSweepCsv, parseQuantity) is QtCore only, so tests check it
// without widgets; SweepChart is the Qt Charts widget.
#pragma once

#include <QPointF>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <optional>
#include <vector>

class QChart;
class QChartView;
class QComboBox;
class QGridLayout;
class QLabel;
class QListWidget;

namespace iosim::gui {

// --- The CSV --------------------------------------------------------------------------------

// What a value with a unit measures, and the base unit it is converted to.
enum class QuantityKind {
  Plain,      // a number without a unit
  Bytes,      // B, KiB, MiB, GiB, TiB (1024-based), kB/KB, MB, GB, TB (1000-based)
  Time,       // picoseconds: ps, ns, us (µs), ms, s
  Rate,       // bytes per second: B/s, kB/s, MB/s, GB/s, KiB/s..., b/s, Kb/s, Mb/s, Gb/s, bit/s...
  Frequency,  // hertz: Hz, kHz, MHz, GHz
};

struct Quantity {
  double value = 0;  // in the base unit of `kind`
  QuantityKind kind = QuantityKind::Plain;
};

// "4KiB" -> {4096, Bytes}, "2.5 ms" -> {2.5e9, Time}, "100Mb/s" -> {12.5e6, Rate}, "7" -> Plain.
// Not a number, or an unknown unit ("ssd", "true"): nullopt.
std::optional<Quantity> parseQuantity(const QString& text);

struct SweepRow {
  int line = 0;            // 1-based line of the file where the row starts
  int point = 0;           // the `point` column
  QStringList parameters;  // the varied columns' values, as written
  // Has results to draw: status "ok", or "failed" (an expectation did not hold or the data did
  // not verify; the run completed and its metrics are real) with at least one metric value.
  // "error" rows (the run produced nothing) and rows without values are skipped.
  bool ok = true;
  bool expectationFailed = false;  // status "failed"
  std::vector<double> metrics;     // one per SweepTable::metrics; NaN where the field is empty
};

struct SweepTable {
  QString path;
  QStringList parameters;  // the varied columns, between `point` and `status`, in file order
  QStringList metrics;     // the columns after `status`
  std::vector<SweepRow> rows;

  int parameterIndex(const QString& name) const { return parameters.indexOf(name); }
  int metricIndex(const QString& name) const { return metrics.indexOf(name); }
  int failedRows() const;
};

// Parses the CSV (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks). On an
// error returns nullopt and a one-line "FILE:LINE: error: ..." in `error`.
std::optional<SweepTable> parseSweepCsv(const QByteArray& data, const QString& displayName,
                                        QString* error);
// Reads a file; a file that cannot be read gives "FILE: error: cannot read: ...".
std::optional<SweepTable> loadSweepCsv(const QString& path, QString* error);

// --- The chart widget -----------------------------------------------------------------------

class SweepChart : public QWidget {
  Q_OBJECT
 public:
  enum class AxisKind { None, Linear, Log, Category };

  // One line as drawn, in raw units: x in the base unit of the x column (bytes, ps, B/s, Hz,
  // a plain number) or the category index; y in the metric's unit (ps, bytes, count, B/s).
  struct Series {
    QString metric;  // the metric key (or kDerivedThroughput)
    QString name;    // "scatter_gather = true" (last part of the key), or the metric's label
    std::vector<QPointF> points;
  };

  // The derived metric bytes.verified / sim_time_ps, in bytes per second, offered when the CSV has
  // no throughput column.
  static constexpr const char* kDerivedThroughput = "throughput (bytes.verified / sim_time_ps)";

  explicit SweepChart(QWidget* parent = nullptr);
  ~SweepChart() override;

  // Loads a sweep CSV. On failure returns false with "FILE:LINE: error: ..." in `error`, shows it
  // and keeps the previous chart.
  bool openCsv(const QString& path, QString* error = nullptr);
  bool hasTable() const { return table_.has_value(); }
  const SweepTable& table() const { return *table_; }

  // Choices. setXParameter / setSeriesBy take a varied column (setSeriesBy("") for none);
  // setMetrics takes metric keys (including kDerivedThroughput when offered). Unknown names are
  // ignored (returns false).
  bool setXParameter(const QString& parameter);
  bool setSeriesBy(const QString& parameter);
  void setMetrics(const QStringList& metrics);
  QString xParameter() const { return xParameter_; }
  QString seriesBy() const { return seriesBy_; }
  QStringList metrics() const { return selectedMetrics_; }
  QStringList availableMetrics() const;  // the CSV's metrics, derived throughput first if offered

  // Writes the charts as shown (all metrics, in their grid) to a PNG (or any format QImage
  // writes) or, for a ".svg" path, an SVG. `size` 0x0: 1600x900.
  bool exportImage(const QString& path, QString* error = nullptr, QSize size = {}) const;

  // What is drawn, for tests.
  AxisKind xAxisKind() const { return xAxisKind_; }
  QString xAxisTitle() const { return xAxisTitle_; }
  QStringList categories() const { return categories_; }  // for a category axis, in file order
  const std::vector<Series>& series() const { return series_; }
  QStringList seriesNames(const QString& metric) const;
  std::vector<QPointF> points(const QString& metric, const QString& seriesName) const;
  QString yAxisTitle(const QString& metric) const;
  int failedRowsSkipped() const { return failedSkipped_; }
  QString filterText() const;  // which rows were left out because other columns vary
  QString failedText() const;
  QString errorText() const;
  QList<QChartView*> chartViews() const { return chartViews_; }

  QSize sizeHint() const override { return {1400, 900}; }

 private:
  void rebuildChoices();
  void rebuild();
  // A new chart of one metric's series (the caller owns it).
  QChart* makeChart(const QString& metric) const;
  double metricValue(const SweepRow& row, const QString& metric) const;
  QString metricLabel(const QString& metric) const;

  std::optional<SweepTable> table_;
  QString xParameter_;
  QString seriesBy_;
  QStringList selectedMetrics_;

  // The model of what is drawn, recomputed by rebuild().
  AxisKind xAxisKind_ = AxisKind::None;
  QuantityKind xKind_ = QuantityKind::Plain;
  double xScale_ = 1;     // base unit per displayed unit
  double xLogRange_ = 0;  // max / min of the x values, for a log axis
  QString xAxisTitle_;
  QStringList categories_;
  std::vector<Series> series_;
  int failedSkipped_ = 0;

  QComboBox* xCombo_ = nullptr;
  QComboBox* seriesCombo_ = nullptr;
  QListWidget* metricList_ = nullptr;
  QLabel* filterLabel_ = nullptr;
  QLabel* failedLabel_ = nullptr;
  QLabel* errorLabel_ = nullptr;
  QWidget* chartArea_ = nullptr;
  QGridLayout* chartGrid_ = nullptr;
  QList<QChartView*> chartViews_;
  bool updatingChoices_ = false;
};

}  // namespace iosim::gui
