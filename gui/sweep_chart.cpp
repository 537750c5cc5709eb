#include "sweep_chart.h"

#include <QApplication>
#include <QBarCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHash>
#include <QImage>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QLogValueAxis>
#include <QPainter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QSplitter>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace iosim::gui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const QString kPointColumn = QStringLiteral("point");
const QString kStatusColumn = QStringLiteral("status");

// --- Units ----------------------------------------------------------------------------------

struct UnitFactor {
  const char* name;
  double factor;  // base units per one of this unit
};

struct KindUnits {
  QuantityKind kind;
  std::vector<UnitFactor> units;
};

const std::vector<KindUnits>& unitTable() {
  static const std::vector<KindUnits> table = {
      {QuantityKind::Bytes,
       {{"B", 1},
        {"KiB", 1024.0},
        {"MiB", 1024.0 * 1024},
        {"GiB", 1024.0 * 1024 * 1024},
        {"TiB", 1024.0 * 1024 * 1024 * 1024},
        {"kB", 1e3},
        {"KB", 1e3},
        {"MB", 1e6},
        {"GB", 1e9},
        {"TB", 1e12}}},
      {QuantityKind::Time,
       {{"ps", 1},
        {"ns", 1e3},
        {"us", 1e6},
        {"\u00B5s", 1e6},  // MICRO SIGN
        {"\u03BCs", 1e6},  // GREEK SMALL LETTER MU
        {"ms", 1e9},
        {"s", 1e12}}},
      {QuantityKind::Rate,
       {{"B/s", 1},
        {"kB/s", 1e3},
        {"KB/s", 1e3},
        {"MB/s", 1e6},
        {"GB/s", 1e9},
        {"KiB/s", 1024.0},
        {"MiB/s", 1024.0 * 1024},
        {"GiB/s", 1024.0 * 1024 * 1024},
        {"b/s", 1 / 8.0},
        {"bit/s", 1 / 8.0},
        {"kb/s", 1e3 / 8},
        {"Kb/s", 1e3 / 8},
        {"kbit/s", 1e3 / 8},
        {"Kbit/s", 1e3 / 8},
        {"Mb/s", 1e6 / 8},
        {"Mbit/s", 1e6 / 8},
        {"Gb/s", 1e9 / 8},
        {"Gbit/s", 1e9 / 8}}},
      {QuantityKind::Frequency, {{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}}},
  };
  return table;
}

// The unit a value of `kind` is shown in, chosen so that `magnitude` reads as 1..999 (or 1..1023).
struct DisplayUnit {
  double factor = 1;  // base units per displayed unit
  QString name;       // empty for plain numbers
};

DisplayUnit displayUnit(QuantityKind kind, double magnitude) {
  static const std::vector<UnitFactor> kBytes = {
      {"GiB", 1024.0 * 1024 * 1024}, {"MiB", 1024.0 * 1024}, {"KiB", 1024.0}, {"B", 1}};
  static const std::vector<UnitFactor> kTimes = {
      {"s", 1e12}, {"ms", 1e9}, {"us", 1e6}, {"ns", 1e3}, {"ps", 1}};
  static const std::vector<UnitFactor> kRates = {
      {"GB/s", 1e9}, {"MB/s", 1e6}, {"kB/s", 1e3}, {"B/s", 1}};
  static const std::vector<UnitFactor> kFrequencies = {
      {"GHz", 1e9}, {"MHz", 1e6}, {"kHz", 1e3}, {"Hz", 1}};
  const std::vector<UnitFactor>* units = nullptr;
  switch (kind) {
    case QuantityKind::Plain:
      return {};
    case QuantityKind::Bytes:
      units = &kBytes;
      break;
    case QuantityKind::Time:
      units = &kTimes;
      break;
    case QuantityKind::Rate:
      units = &kRates;
      break;
    case QuantityKind::Frequency:
      units = &kFrequencies;
      break;
  }
  for (const UnitFactor& unit : *units)
    if (std::abs(magnitude) >= unit.factor) return {unit.factor, QLatin1String(unit.name)};
  return {units->back().factor, QLatin1String(units->back().name)};
}

// What a metric measures, from its name (docs/trace-format.md: "_ps" times, "bytes" sizes).
QuantityKind metricKind(const QString& metric) {
  if (metric.endsWith(QLatin1String("_ps"))) return QuantityKind::Time;
  if (metric == QLatin1String(SweepChart::kDerivedThroughput) ||
      metric.startsWith(QLatin1String("throughput")) || metric.endsWith(QLatin1String("_bps")))
    return QuantityKind::Rate;
  if (metric.startsWith(QLatin1String("bytes")) || metric.endsWith(QLatin1String(".bytes")) ||
      metric.endsWith(QLatin1String("_bytes")))
    return QuantityKind::Bytes;
  return QuantityKind::Plain;
}

// --- CSV ------------------------------------------------------------------------------------

struct CsvRecord {
  int line = 0;
  QStringList fields;
};

// RFC 4180 records with the line each starts on. Lines that are entirely empty are skipped.
bool splitCsv(const QString& text, const QString& displayName, std::vector<CsvRecord>* records,
              QString* error) {
  int line = 1;
  int i = 0;
  const int n = int(text.size());
  while (i < n) {
    CsvRecord record;
    record.line = line;
    QString field;
    bool recordDone = false;
    bool sawAnything = false;
    while (!recordDone) {
      if (i < n && text[i] == QLatin1Char('"')) {
        // A quoted field: up to the closing quote, "" is a quote, line breaks are data.
        sawAnything = true;
        const int openedOn = line;
        ++i;
        bool closed = false;
        while (i < n) {
          const QChar c = text[i];
          if (c == QLatin1Char('"')) {
            if (i + 1 < n && text[i + 1] == QLatin1Char('"')) {
              field += QLatin1Char('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == QLatin1Char('\n')) ++line;
          field += c;
          ++i;
        }
        if (!closed) {
          if (error)
            *error = QStringLiteral("%1:%2: error: a quoted field is not closed (missing '\"')")
                         .arg(displayName)
                         .arg(openedOn);
          return false;
        }
        // After the closing quote: a separator, the end of the line or the end of the file.
        if (i < n && text[i] != QLatin1Char(',') && text[i] != QLatin1Char('\n') &&
            text[i] != QLatin1Char('\r')) {
          if (error)
            *error = QStringLiteral("%1:%2: error: text after the closing quote of a field")
                         .arg(displayName)
                         .arg(line);
          return false;
        }
      }
      while (i < n && text[i] != QLatin1Char(',') && text[i] != QLatin1Char('\n') &&
             !(text[i] == QLatin1Char('\r') && (i + 1 >= n || text[i + 1] == QLatin1Char('\n')))) {
        sawAnything = true;
        field += text[i];
        ++i;
      }
      record.fields << field;
      field.clear();
      if (i >= n) {
        recordDone = true;
      } else if (text[i] == QLatin1Char(',')) {
        sawAnything = true;
        ++i;
      } else {  // "\n" or "\r\n"
        if (text[i] == QLatin1Char('\r')) ++i;
        ++i;
        ++line;
        recordDone = true;
      }
    }
    if (sawAnything) records->push_back(std::move(record));
  }
  return true;
}

bool parseMetricNumber(const QString& text, double* value) {
  const QString trimmed = text.trimmed();
  if (trimmed.isEmpty()) {
    *value = kNaN;  // no value for this run (a metric that does not occur in it)
    return true;
  }
  if (trimmed == QLatin1String("true")) {
    *value = 1;
    return true;
  }
  if (trimmed == QLatin1String("false")) {
    *value = 0;
    return true;
  }
  bool ok = false;
  *value = trimmed.toDouble(&ok);
  return ok && std::isfinite(*value);
}

// "platform.nic.scatter_gather" -> "scatter_gather", "files[0].size" -> "size".
QString shortKey(const QString& key) {
  return key.section(QLatin1Char('.'), -1);
}

}  // namespace

std::optional<Quantity> parseQuantity(const QString& text) {
  static const QRegularExpression pattern(
      QStringLiteral("^\\s*([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?)\\s*(\\S*)\\s*$"));
  const QRegularExpressionMatch match = pattern.match(text);
  if (!match.hasMatch()) return std::nullopt;
  bool ok = false;
  const double number = match.captured(1).toDouble(&ok);
  if (!ok) return std::nullopt;
  const QString unit = match.captured(2);
  if (unit.isEmpty()) return Quantity{number, QuantityKind::Plain};
  for (const KindUnits& kind : unitTable())
    for (const UnitFactor& candidate : kind.units)
      if (unit == QString::fromUtf8(candidate.name))
        return Quantity{number * candidate.factor, kind.kind};
  return std::nullopt;
}

int SweepTable::failedRows() const {
  return int(std::count_if(rows.begin(), rows.end(), [](const SweepRow& row) { return !row.ok; }));
}

std::optional<SweepTable> parseSweepCsv(const QByteArray& data, const QString& displayName,
                                        QString* error) {
  auto fail = [&](int line, const QString& message) -> std::optional<SweepTable> {
    if (error) *error = QStringLiteral("%1:%2: error: %3").arg(displayName).arg(line).arg(message);
    return std::nullopt;
  };
  QString text = QString::fromUtf8(data);
  if (text.startsWith(QChar(0xFEFF))) text.remove(0, 1);  // a byte order mark
  std::vector<CsvRecord> records;
  QString splitError;
  if (!splitCsv(text, displayName, &records, &splitError)) {
    if (error) *error = splitError;
    return std::nullopt;
  }
  if (records.empty())
    return fail(1, QStringLiteral("no header line (expected point,PARAMETER...,status,METRIC...)"));

  const CsvRecord& header = records.front();
  QStringList columns;
  for (const QString& name : header.fields) columns << name.trimmed();
  if (columns.first() != kPointColumn)
    return fail(header.line,
                QStringLiteral("no header line: the first column must be 'point', not '%1'")
                    .arg(columns.first()));
  const int statusColumn = int(columns.indexOf(kStatusColumn));
  if (statusColumn < 0)
    return fail(header.line, QStringLiteral("no 'status' column in the header"));
  QSet<QString> seen;
  for (const QString& name : columns) {
    if (name.isEmpty()) return fail(header.line, QStringLiteral("a column has no name"));
    if (seen.contains(name))
      return fail(header.line, QStringLiteral("column '%1' twice").arg(name));
    seen.insert(name);
  }

  SweepTable table;
  table.path = displayName;
  table.parameters = columns.mid(1, statusColumn - 1);
  table.metrics = columns.mid(statusColumn + 1);
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (record.fields.size() != columns.size())
      return fail(record.line, QStringLiteral("%1 fields, the header has %2 columns")
                                   .arg(record.fields.size())
                                   .arg(columns.size()));
    SweepRow row;
    row.line = record.line;
    bool ok = false;
    row.point = record.fields[0].trimmed().toInt(&ok);
    if (!ok || row.point < 0)
      return fail(
          record.line,
          QStringLiteral("column 'point': '%1' is not a 0-based index").arg(record.fields[0]));
    row.parameters = record.fields.mid(1, statusColumn - 1);
    const QString status = record.fields[statusColumn].trimmed();
    if (status != QLatin1String("ok") && status != QLatin1String("failed") &&
        status != QLatin1String("error"))
      return fail(record.line,
                  QStringLiteral("column 'status': expected 'ok', 'failed' or 'error', not '%1'")
                      .arg(status));
    row.expectationFailed = status == QLatin1String("failed");
    for (int m = 0; m < table.metrics.size(); ++m) {
      const QString& field = record.fields[statusColumn + 1 + m];
      double value = 0;
      if (!parseMetricNumber(field, &value))
        return fail(
            record.line,
            QStringLiteral("column '%1': '%2' is not a number").arg(table.metrics[m], field));
      row.metrics.push_back(value);
    }
    row.ok = status != QLatin1String("error") &&
             std::any_of(row.metrics.begin(), row.metrics.end(),
                         [](double value) { return !std::isnan(value); });
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::optional<SweepTable> loadSweepCsv(const QString& path, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = QStringLiteral("%1: error: cannot read: %2").arg(path, file.errorString());
    return std::nullopt;
  }
  return parseSweepCsv(file.readAll(), path, error);
}

// --- SweepChart -----------------------------------------------------------------------------

SweepChart::SweepChart(QWidget* parent) : QWidget(parent) {
  setWindowTitle(tr("Sweep charts - iosim player"));
  xCombo_ = new QComboBox(this);
  seriesCombo_ = new QComboBox(this);
  metricList_ = new QListWidget(this);
  metricList_->setMinimumWidth(220);
  filterLabel_ = new QLabel(this);
  filterLabel_->setWordWrap(true);
  failedLabel_ = new QLabel(this);
  errorLabel_ = new QLabel(this);
  errorLabel_->setStyleSheet(QStringLiteral("color: #c62828"));
  errorLabel_->setWordWrap(true);

  auto* controls = new QVBoxLayout;
  controls->addWidget(new QLabel(tr("x axis:"), this));
  controls->addWidget(xCombo_);
  controls->addWidget(new QLabel(tr("one line per value of:"), this));
  controls->addWidget(seriesCombo_);
  controls->addWidget(new QLabel(tr("metrics (one chart each):"), this));
  controls->addWidget(metricList_, 1);

  chartArea_ = new QWidget(this);
  chartGrid_ = new QGridLayout(chartArea_);
  chartGrid_->setContentsMargins(0, 0, 0, 0);

  auto* right = new QVBoxLayout;
  right->addWidget(errorLabel_);
  right->addWidget(filterLabel_);
  right->addWidget(failedLabel_);
  right->addWidget(chartArea_, 1);

  auto* layout = new QHBoxLayout(this);
  layout->addLayout(controls);
  layout->addLayout(right, 1);

  connect(xCombo_, &QComboBox::currentIndexChanged, this, [this](int) {
    if (!updatingChoices_) setXParameter(xCombo_->currentData().toString());
  });
  connect(seriesCombo_, &QComboBox::currentIndexChanged, this, [this](int) {
    if (!updatingChoices_) setSeriesBy(seriesCombo_->currentData().toString());
  });
  connect(metricList_, &QListWidget::itemChanged, this, [this](QListWidgetItem*) {
    if (updatingChoices_) return;
    QStringList chosen;
    for (int i = 0; i < metricList_->count(); ++i)
      if (metricList_->item(i)->checkState() == Qt::Checked)
        chosen << metricList_->item(i)->data(Qt::UserRole).toString();
    setMetrics(chosen);
  });
  rebuild();
}

SweepChart::~SweepChart() = default;

bool SweepChart::openCsv(const QString& path, QString* error) {
  QString message;
  std::optional<SweepTable> table = loadSweepCsv(path, &message);
  if (!table) {
    if (error) *error = message;
    errorLabel_->setText(message);
    errorLabel_->show();
    return false;  // the previous chart stays
  }
  errorLabel_->clear();
  errorLabel_->hide();
  table_ = std::move(table);
  setWindowTitle(tr("%1 - sweep charts").arg(QFileInfo(path).fileName()));

  // Defaults: x = the varied column with the most distinct values (a size sweep), one line per
  // value of the other when there are exactly two varied columns.
  const QStringList& parameters = table_->parameters;
  xParameter_ = parameters.isEmpty() ? kPointColumn : parameters.first();
  int mostDistinct = 0;
  for (int p = 0; p < parameters.size(); ++p) {
    QSet<QString> distinct;
    for (const SweepRow& row : table_->rows) distinct.insert(row.parameters[p]);
    if (int(distinct.size()) > mostDistinct) {
      mostDistinct = int(distinct.size());
      xParameter_ = parameters[p];
    }
  }
  seriesBy_.clear();
  if (parameters.size() == 2)
    seriesBy_ = parameters[0] == xParameter_ ? parameters[1] : parameters[0];

  const QStringList available = availableMetrics();
  selectedMetrics_.clear();
  const QString throughput = table_->metrics.contains(QStringLiteral("throughput_bps"))
                                 ? QStringLiteral("throughput_bps")
                                 : QString::fromLatin1(kDerivedThroughput);
  for (const QString& metric :
       {throughput, QStringLiteral("cpu.busy_ps"), QStringLiteral("copies.total")})
    if (available.contains(metric)) selectedMetrics_ << metric;
  if (selectedMetrics_.isEmpty() && !available.isEmpty()) selectedMetrics_ << available.first();

  rebuildChoices();
  rebuild();
  return true;
}

QStringList SweepChart::availableMetrics() const {
  QStringList metrics;
  if (!table_) return metrics;
  const bool hasThroughput =
      std::any_of(table_->metrics.begin(), table_->metrics.end(),
                  [](const QString& name) { return metricKind(name) == QuantityKind::Rate; });
  if (!hasThroughput && table_->metrics.contains(QStringLiteral("bytes.verified")) &&
      table_->metrics.contains(QStringLiteral("sim_time_ps")))
    metrics << QString::fromLatin1(kDerivedThroughput);
  metrics << table_->metrics;
  return metrics;
}

bool SweepChart::setXParameter(const QString& parameter) {
  if (!table_ || (parameter != kPointColumn && !table_->parameters.contains(parameter)))
    return false;
  xParameter_ = parameter;
  if (seriesBy_ == parameter) seriesBy_.clear();
  rebuildChoices();
  rebuild();
  return true;
}

bool SweepChart::setSeriesBy(const QString& parameter) {
  if (!table_ || (!parameter.isEmpty() &&
                  (!table_->parameters.contains(parameter) || parameter == xParameter_)))
    return false;
  seriesBy_ = parameter;
  rebuildChoices();
  rebuild();
  return true;
}

void SweepChart::setMetrics(const QStringList& metrics) {
  const QStringList available = availableMetrics();
  selectedMetrics_.clear();
  for (const QString& metric : metrics)
    if (available.contains(metric) && !selectedMetrics_.contains(metric))
      selectedMetrics_ << metric;
  rebuildChoices();
  rebuild();
}

void SweepChart::rebuildChoices() {
  updatingChoices_ = true;
  xCombo_->clear();
  seriesCombo_->clear();
  metricList_->clear();
  if (table_) {
    for (const QString& parameter : table_->parameters) xCombo_->addItem(parameter, parameter);
    xCombo_->addItem(tr("point (run index)"), kPointColumn);
    xCombo_->setCurrentIndex(xCombo_->findData(xParameter_));
    seriesCombo_->addItem(tr("(none)"), QString());
    for (const QString& parameter : table_->parameters)
      if (parameter != xParameter_) seriesCombo_->addItem(parameter, parameter);
    seriesCombo_->setCurrentIndex(std::max(0, seriesCombo_->findData(seriesBy_)));
    for (const QString& metric : availableMetrics()) {
      auto* item = new QListWidgetItem(
          metric == QLatin1String(kDerivedThroughput) ? tr("throughput (derived)") : metric,
          metricList_);
      item->setData(Qt::UserRole, metric);
      item->setToolTip(metricLabel(metric));
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
      item->setCheckState(selectedMetrics_.contains(metric) ? Qt::Checked : Qt::Unchecked);
    }
  }
  updatingChoices_ = false;
}

QString SweepChart::metricLabel(const QString& metric) const {
  static const QHash<QString, QString> kLabels = {
      {QStringLiteral("sim_time_ps"), QStringLiteral("simulated time")},
      {QStringLiteral("cpu.busy_ps"), QStringLiteral("CPU busy time")},
      {QStringLiteral("cpu.kernel_ps"), QStringLiteral("CPU kernel time")},
      {QStringLiteral("cpu.user_ps"), QStringLiteral("CPU user time")},
      {QStringLiteral("cpu.irq_ps"), QStringLiteral("CPU interrupt time")},
      {QStringLiteral("cpu.idle_ps"), QStringLiteral("CPU idle time")},
      {QStringLiteral("copies.total"), QStringLiteral("copies")},
      {QStringLiteral("copies.cpu"), QStringLiteral("CPU copies")},
      {QStringLiteral("copies.dma"), QStringLiteral("DMA copies")},
      {QStringLiteral("mode_switches"), QStringLiteral("mode switches")},
      {QStringLiteral("bytes.verified"), QStringLiteral("bytes verified")},
      {QStringLiteral("throughput_bps"), QStringLiteral("throughput")},
      {QString::fromLatin1(kDerivedThroughput), QStringLiteral("throughput")},
  };
  return kLabels.value(metric, metric);
}

double SweepChart::metricValue(const SweepRow& row, const QString& metric) const {
  if (metric == QLatin1String(kDerivedThroughput)) {
    const double bytes = row.metrics[size_t(table_->metricIndex(QStringLiteral("bytes.verified")))];
    const double ps = row.metrics[size_t(table_->metricIndex(QStringLiteral("sim_time_ps")))];
    if (!(ps > 0) || std::isnan(bytes)) return kNaN;
    return bytes / (ps / 1e12);  // bytes per second
  }
  const int index = table_->metricIndex(metric);
  return index < 0 ? kNaN : row.metrics[size_t(index)];
}

void SweepChart::rebuild() {
  series_.clear();
  categories_.clear();
  failedSkipped_ = 0;
  xAxisKind_ = AxisKind::None;
  xAxisTitle_.clear();
  filterLabel_->clear();
  failedLabel_->clear();

  if (table_) {
    const SweepTable& table = *table_;
    const int xColumn = table.parameterIndex(xParameter_);  // -1: the point column
    const int seriesColumn = table.parameterIndex(seriesBy_);
    auto xText = [&](const SweepRow& row) {
      return xColumn < 0 ? QString::number(row.point) : row.parameters[xColumn];
    };

    // Other varied columns: keep the rows where they equal their value in the first row, and say
    // so, rather than averaging over them silently.
    std::vector<const SweepRow*> rows;
    QStringList fixed;
    for (const SweepRow& row : table.rows) {
      bool keep = true;
      for (int p = 0; p < table.parameters.size(); ++p)
        if (p != xColumn && p != seriesColumn && row.parameters[p] != table.rows[0].parameters[p])
          keep = false;
      if (keep) rows.push_back(&row);
    }
    for (int p = 0; p < table.parameters.size(); ++p) {
      if (p == xColumn || p == seriesColumn) continue;
      const bool varies = std::any_of(
          table.rows.begin(), table.rows.end(),
          [&](const SweepRow& row) { return row.parameters[p] != table.rows[0].parameters[p]; });
      if (varies)
        fixed << QStringLiteral("%1 = %2").arg(table.parameters[p], table.rows[0].parameters[p]);
    }
    if (!fixed.isEmpty())
      filterLabel_->setText(tr("Only the runs with %1 (the first value; %2 of %3 runs not shown). "
                               "Choose \"one line per value of\" to see another column.")
                                .arg(fixed.join(QStringLiteral(", ")))
                                .arg(table.rows.size() - rows.size())
                                .arg(table.rows.size()));

    // The x axis: numeric when every value of the column reads as one kind of quantity.
    bool numeric = !table.rows.empty();
    std::optional<QuantityKind> kind;
    double minPositive = std::numeric_limits<double>::infinity(), maxValue = 0;
    bool anyNonPositive = false;
    for (const SweepRow& row : table.rows) {
      const std::optional<Quantity> quantity = parseQuantity(xText(row));
      if (!quantity || (kind && *kind != quantity->kind)) {
        numeric = false;
        break;
      }
      kind = quantity->kind;
      if (quantity->value > 0)
        minPositive = std::min(minPositive, quantity->value);
      else
        anyNonPositive = true;
      maxValue = std::max(maxValue, quantity->value);
    }
    if (numeric) {
      xKind_ = *kind;
      const DisplayUnit unit =
          displayUnit(xKind_, std::isfinite(minPositive) ? minPositive : maxValue);
      xScale_ = unit.factor;
      xAxisKind_ = !anyNonPositive && std::isfinite(minPositive) && maxValue / minPositive >= 100
                       ? AxisKind::Log
                       : AxisKind::Linear;
      xLogRange_ = maxValue / minPositive;
      xAxisTitle_ =
          unit.name.isEmpty() ? xParameter_ : QStringLiteral("%1 (%2)").arg(xParameter_, unit.name);
    } else {
      xKind_ = QuantityKind::Plain;
      xScale_ = 1;
      xAxisKind_ = AxisKind::Category;
      xAxisTitle_ = xParameter_;
      for (const SweepRow* row : rows)
        if (!categories_.contains(xText(*row))) categories_ << xText(*row);
    }

    // Series: one per value of the "series by" column, in file order.
    QStringList groups;
    if (seriesColumn >= 0)
      for (const SweepRow* row : rows)
        if (!groups.contains(row->parameters[seriesColumn]))
          groups << row->parameters[seriesColumn];
    if (groups.isEmpty()) groups << QString();

    QStringList skippedPoints, plottedFailures;
    for (const SweepRow* row : rows) {
      if (!row->ok)
        skippedPoints << QString::number(row->point);
      else if (row->expectationFailed)
        plottedFailures << QString::number(row->point);
    }
    failedSkipped_ = int(skippedPoints.size());
    QStringList notes;
    if (failedSkipped_ > 0)
      notes << tr("%n failed run(s) skipped (point %1).", nullptr, failedSkipped_)
                   .arg(skippedPoints.join(QStringLiteral(", ")));
    if (!plottedFailures.isEmpty())
      notes << tr("%n run(s) failed an expectation but completed; shown (point %1).", nullptr,
                  int(plottedFailures.size()))
                   .arg(plottedFailures.join(QStringLiteral(", ")));
    failedLabel_->setText(notes.join(QLatin1Char(' ')));

    for (const QString& metric : selectedMetrics_) {
      for (const QString& group : groups) {
        Series line;
        line.metric = metric;
        // "scatter_gather = true": the last part of the key, so that legends fit small charts
        // (the whole key is in the "one line per value of" box).
        line.name = seriesColumn >= 0 ? QStringLiteral("%1 = %2").arg(shortKey(seriesBy_), group)
                                      : metricLabel(metric);
        for (const SweepRow* row : rows) {
          if (!row->ok) continue;
          if (seriesColumn >= 0 && row->parameters[seriesColumn] != group) continue;
          const double y = metricValue(*row, metric);
          if (std::isnan(y)) continue;
          const double x = numeric ? parseQuantity(xText(*row))->value
                                   : double(categories_.indexOf(xText(*row)));
          line.points.emplace_back(x, y);
        }
        std::stable_sort(line.points.begin(), line.points.end(),
                         [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
        series_.push_back(std::move(line));
      }
    }
  }
  filterLabel_->setVisible(!filterLabel_->text().isEmpty());
  failedLabel_->setVisible(!failedLabel_->text().isEmpty());

  // Redraw: one chart per metric, two columns when there are several.
  for (QChartView* view : chartViews_) delete view;
  chartViews_.clear();
  const int columns = selectedMetrics_.size() > 1 ? 2 : 1;
  for (int m = 0; m < selectedMetrics_.size(); ++m) {
    auto* view = new QChartView(makeChart(selectedMetrics_[m]), chartArea_);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(320, 240);
    chartGrid_->addWidget(view, m / columns, m % columns);
    chartViews_ << view;
  }
}

QChart* SweepChart::makeChart(const QString& metric) const {
  auto* chart = new QChart;
  chart->setTitle(metric == QLatin1String(kDerivedThroughput) ? tr("throughput (derived)")
                                                              : metric);
  QFont titleFont = chart->titleFont();
  titleFont.setPointSizeF(14);  // projector sizes
  titleFont.setBold(true);
  chart->setTitleFont(titleFont);
  QFont labelFont = chart->font();
  labelFont.setPointSizeF(11);

  // The y unit: the one that shows the largest value as 1..999.
  const QuantityKind kind = metricKind(metric);
  double maxY = 0, minY = 0;
  for (const Series& data : series_) {
    if (data.metric != metric) continue;
    for (const QPointF& point : data.points) {
      maxY = std::max(maxY, point.y());
      minY = std::min(minY, point.y());
    }
  }
  const DisplayUnit yUnit = displayUnit(kind, std::max(std::abs(maxY), std::abs(minY)));

  QAbstractAxis* xAxis = nullptr;
  switch (xAxisKind_) {
    case AxisKind::Log: {
      auto* axis = new QLogValueAxis;
      // Sizes double: ticks at powers of 2 (4, 16, 64... when the range is wide, at most about
      // eight ticks); anything else by decades.
      double base = 10;
      if (xKind_ == QuantityKind::Bytes && std::isfinite(xLogRange_) && xLogRange_ > 0)
        base = std::pow(2.0, std::max(1.0, std::ceil(std::log2(xLogRange_) / 8)));
      axis->setBase(base);
      axis->setLabelFormat(QStringLiteral("%g"));
      axis->setMinorTickCount(-1);
      xAxis = axis;
      break;
    }
    case AxisKind::Category: {
      auto* axis = new QBarCategoryAxis;
      axis->append(categories_);
      xAxis = axis;
      break;
    }
    default: {
      auto* axis = new QValueAxis;
      axis->setLabelFormat(QStringLiteral("%g"));
      xAxis = axis;
      break;
    }
  }
  xAxis->setTitleText(xAxisTitle_);
  xAxis->setLabelsFont(labelFont);
  auto* yAxis = new QValueAxis;
  yAxis->setTitleText(yAxisTitle(metric));
  yAxis->setLabelsFont(labelFont);
  yAxis->setLabelFormat(QStringLiteral("%g"));
  chart->addAxis(xAxis, Qt::AlignBottom);
  chart->addAxis(yAxis, Qt::AlignLeft);

  double minX = std::numeric_limits<double>::infinity(), maxX = -minX;
  int lines = 0;
  for (const Series& data : series_) {
    if (data.metric != metric) continue;
    auto* line = new QLineSeries;
    line->setName(data.name);
    line->setPointsVisible(true);
    // Thick lines in colours that stay apart on a projector and for colour-blind readers
    // (Okabe-Ito), the same colour for the same series in every chart.
    static const QColor kColors[] = {QColor(0x00, 0x72, 0xB2), QColor(0xE6, 0x9F, 0x00),
                                     QColor(0x00, 0x9E, 0x73), QColor(0xCC, 0x79, 0xA7),
                                     QColor(0x56, 0xB4, 0xE9), QColor(0xD5, 0x5E, 0x00),
                                     QColor(0xF0, 0xE4, 0x42), QColor(0x00, 0x00, 0x00)};
    line->setPen(QPen(kColors[lines % 8], 3));
    for (const QPointF& point : data.points) {
      const double x = xAxisKind_ == AxisKind::Category ? point.x() : point.x() / xScale_;
      line->append(x, point.y() / yUnit.factor);
      minX = std::min(minX, x);
      maxX = std::max(maxX, x);
    }
    chart->addSeries(line);
    line->attachAxis(xAxis);
    line->attachAxis(yAxis);
    ++lines;
  }
  // Ranges: y from 0 (comparisons start at nothing), x over the points.
  yAxis->setRange(std::min(0.0, minY / yUnit.factor), std::max(maxY / yUnit.factor, 1e-9) * 1.05);
  yAxis->applyNiceNumbers();
  if (xAxisKind_ == AxisKind::Linear && std::isfinite(minX)) {
    auto* axis = static_cast<QValueAxis*>(xAxis);
    if (minX == maxX)
      axis->setRange(minX - 1, maxX + 1);
    else
      axis->setRange(minX, maxX);
    // Round ticks (4..64 KiB ticks at 0, 10, 20... rather than 4, 19, 34...).
    axis->applyNiceNumbers();
  } else if (xAxisKind_ == AxisKind::Log && std::isfinite(minX)) {
    static_cast<QLogValueAxis*>(xAxis)->setRange(minX / 1.5, maxX * 1.5);
  }
  chart->legend()->setVisible(!seriesBy_.isEmpty() && lines > 0);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->legend()->setFont(labelFont);
  return chart;
}

QString SweepChart::yAxisTitle(const QString& metric) const {
  double maxY = 0;
  for (const Series& line : series_)
    if (line.metric == metric)
      for (const QPointF& point : line.points) maxY = std::max(maxY, std::abs(point.y()));
  const DisplayUnit unit = displayUnit(metricKind(metric), maxY);
  return unit.name.isEmpty() ? metricLabel(metric)
                             : QStringLiteral("%1 (%2)").arg(metricLabel(metric), unit.name);
}

QStringList SweepChart::seriesNames(const QString& metric) const {
  QStringList names;
  for (const Series& line : series_)
    if (line.metric == metric) names << line.name;
  return names;
}

std::vector<QPointF> SweepChart::points(const QString& metric, const QString& seriesName) const {
  for (const Series& line : series_)
    if (line.metric == metric && line.name == seriesName) return line.points;
  return {};
}

QString SweepChart::filterText() const {
  return filterLabel_->text();
}

QString SweepChart::failedText() const {
  return failedLabel_->text();
}

QString SweepChart::errorText() const {
  return errorLabel_->text();
}

bool SweepChart::exportImage(const QString& path, QString* error, QSize size) const {
  if (size.isEmpty()) size = QSize(1600, 900);
  const int count = int(selectedMetrics_.size());
  const int columns = count > 1 ? 2 : 1;
  const int rows = std::max(1, (count + columns - 1) / columns);
  const QSizeF cell(double(size.width()) / columns, double(size.height()) / rows);

  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    if (error) *error = QStringLiteral("%1: error: cannot write: %2").arg(path, file.errorString());
    return false;
  }
  // Fresh charts in views that are never shown, laid out at the cell size: the export does not
  // depend on the window's size or on its being visible.
  auto paintCharts = [&](QPainter& painter) {
    painter.fillRect(QRectF(QPointF(0, 0), QSizeF(size)), Qt::white);
    for (int m = 0; m < count; ++m) {
      QChartView view(makeChart(selectedMetrics_[m]));
      view.setAttribute(Qt::WA_DontShowOnScreen);
      view.setRenderHint(QPainter::Antialiasing);
      view.resize(cell.toSize());
      view.show();
      QCoreApplication::sendPostedEvents();
      const QRectF target(QPointF((m % columns) * cell.width(), (m / columns) * cell.height()),
                          cell);
      view.render(&painter, target, QRect(QPoint(0, 0), cell.toSize()));
    }
  };
  const bool svg = path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive);
  if (svg) {
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    generator.setTitle(windowTitle());
    QPainter painter(&generator);
    paintCharts(painter);
  } else {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    {
      QPainter painter(&image);
      painter.setRenderHint(QPainter::Antialiasing);
      paintCharts(painter);
    }
    const QByteArray format = QFileInfo(path).suffix().toLower().toLatin1();
    if (!image.save(&file, format.isEmpty() ? "png" : format.constData())) {
      if (error) *error = QStringLiteral("%1: error: cannot write this image format").arg(path);
      file.cancelWriting();
      return false;
    }
  }
  if (!file.commit()) {
    if (error) *error = QStringLiteral("%1: error: cannot write: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace iosim::gui
