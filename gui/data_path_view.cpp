#include "data_path_view.h"

#include "palette.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>

namespace iosim::gui {

namespace {

constexpr double kMargin = 12;
constexpr double kBandLabelWidth = 120;
constexpr double kHeaderHeight = 78;
constexpr double kLegendHeight = 30;
constexpr double kBoxGap = 14;

const char* const kLayers[] = {"user", "kernel", "hardware"};

QString bandTitle(const QString& layer) {
  if (layer == QLatin1String("user")) return QStringLiteral("user space");
  if (layer == QLatin1String("kernel")) return QStringLiteral("kernel space");
  return QStringLiteral("hardware");
}

QString engineTitle(const QString& engine) {
  if (engine == QLatin1String("cpu") || engine == QLatin1String("dma") ||
      engine == QLatin1String("nic"))
    return engine.toUpper();
  return engine;
}

// Lays `count` boxes of at most `maxWidth` side by side, centred in `row`.
std::vector<QRectF> layRow(const QRectF& row, int count, double maxWidth) {
  std::vector<QRectF> rects;
  if (count == 0) return rects;
  const double width = std::min(maxWidth, (row.width() - kBoxGap * (count - 1)) / count);
  const double total = width * count + kBoxGap * (count - 1);
  double x = row.left() + (row.width() - total) / 2;
  for (int i = 0; i < count; ++i, x += width + kBoxGap)
    rects.emplace_back(x, row.top(), width, row.height());
  return rects;
}

}  // namespace

QFont DataPathView::scaledFont(double pointSize, bool bold) const {
  QFont font;
  font.setPointSizeF(pointSize * style_.fontScale);
  font.setBold(bold || style_.highContrast);
  return font;
}

DataPathView::DataPathView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(640, 360);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void DataPathView::setIndex(const TraceIndex* index) {
  index_ = index;
  state_ = index_ ? index_->stateAt(0) : SceneState{};
  computeLayout(QRectF(rect()));
  update();
}

void DataPathView::setTime(Picoseconds t) {
  if (!index_) return;
  state_ = index_->stateAt(t, linger_);
  update();
}

void DataPathView::setLinger(Picoseconds linger) {
  linger_ = std::max<Picoseconds>(0, linger);
  if (index_) setTime(state_.time);
}

void DataPathView::setViewStyle(const ViewStyle& style) {
  if (style == style_) return;
  style_ = style;
  layoutRect_ = QRectF();  // sizes depend on the fonts: lay out again at the next paint
  computeLayout(QRectF(rect()));
  update();
}

void DataPathView::resizeEvent(QResizeEvent*) {
  computeLayout(QRectF(rect()));
}

void DataPathView::computeLayout(const QRectF& rect) {
  layoutRect_ = rect;
  boxes_.clear();
  bands_.clear();
  const QRectF inner = rect.adjusted(kMargin, kMargin, -kMargin, -kMargin);
  headerRect_ = QRectF(inner.left(), inner.top(), inner.width(), scaled(kHeaderHeight));
  legendRect_ = QRectF(inner.left(), inner.bottom() - scaled(kLegendHeight), inner.width(),
                       scaled(kLegendHeight));
  const double bandsTop = headerRect_.bottom() + 6;
  const double bandHeight = (legendRect_.top() - 6 - bandsTop) / 3;
  for (int i = 0; i < 3; ++i)
    bands_.insert(QLatin1String(kLayers[i]),
                  QRectF(inner.left(), bandsTop + i * bandHeight, inner.width(), bandHeight - 4));
  if (!index_) return;
  const Trace& trace = index_->trace();

  // Regions by layer, in declaration order; a region only named by a copy goes to hardware.
  QHash<QString, std::vector<Box>> byLayer;
  QStringList placed;
  for (const Region& region : trace.regions) {
    const QString layer = bands_.contains(region.layer) ? region.layer : QStringLiteral("hardware");
    byLayer[layer].push_back({region.name, region.label, layer, {}});
    placed << region.name;
  }
  auto placeUndeclared = [&](const QString& name) {
    if (placed.contains(name)) return;
    byLayer[QStringLiteral("hardware")].push_back({name, name, QStringLiteral("hardware"), {}});
    placed << name;
  };
  for (const LogicalCopy& copy : index_->logicalCopies()) {
    placeUndeclared(copy.from);
    placeUndeclared(copy.to);
  }
  for (const DescriptorRecord& descriptor : trace.descriptors) {
    placeUndeclared(descriptor.from);
    placeUndeclared(descriptor.to);
  }
  std::vector<Box> engines;
  for (const auto& [actor, engine] : index_->engineActors())
    engines.push_back({actor,
                       QStringLiteral("%1 %2").arg(engineTitle(engine), actor),
                       QStringLiteral("engine"),
                       {}});

  for (const char* layerName : kLayers) {
    const QString layer = QLatin1String(layerName);
    const QRectF band = bands_.value(layer);
    const QRectF content = band.adjusted(scaled(kBandLabelWidth), 8, -8, -8);
    std::vector<QRectF> rects;
    std::vector<Box>& boxes = byLayer[layer];
    if (layer == QLatin1String("hardware") && !engines.empty()) {
      // Two rows: where data lives, then what moves it.
      const double rowHeight = (content.height() - 8) / 2;
      const QRectF top(content.left(), content.top(), content.width(), rowHeight);
      const QRectF bottom(content.left(), content.top() + rowHeight + 8, content.width(),
                          rowHeight);
      rects = layRow(top, int(boxes.size()), scaled(230));
      const std::vector<QRectF> engineRects = layRow(bottom, int(engines.size()), scaled(230));
      for (size_t i = 0; i < engines.size(); ++i) engines[i].rect = engineRects[i];
    } else {
      const double height = std::min(content.height(), scaled(70.0));
      rects =
          layRow(QRectF(content.left(), content.center().y() - height / 2, content.width(), height),
                 int(boxes.size()), scaled(230));
    }
    for (size_t i = 0; i < boxes.size(); ++i) {
      boxes[i].rect = rects[i];
      boxes_.push_back(boxes[i]);
    }
  }
  for (const Box& engine : engines) boxes_.push_back(engine);
}

QRectF DataPathView::regionRect(const QString& name) const {
  for (const Box& box : boxes_)
    if (box.name == name) return box.rect;
  return {};
}

QRectF DataPathView::bandRect(const QString& layer) const {
  return bands_.value(layer);
}

std::vector<DataPathView::Block> DataPathView::blocks() const {
  std::vector<Block> result;
  if (!index_) return result;
  const QFontMetricsF metrics(scaledFont(9, true));
  const double blockHeight = scaled(40);
  int slot = 0;
  for (const CopyInFlight& flight : state_.copiesInFlight) {
    const LogicalCopy& copy = index_->logicalCopies()[size_t(flight.logicalCopy)];
    const QRectF from = regionRect(copy.from), to = regionRect(copy.to);
    if (from.isNull() || to.isNull()) continue;
    const QPointF centre = from.center() + (to.center() - from.center()) * flight.progress;
    // Several copies at once: stack them so their labels stay readable.
    const QPointF offset(0, (slot % 3) * (blockHeight + 4));
    ++slot;
    Block block;
    block.color = engineColor(copy.engine);
    block.engine = copy.engine;
    block.progress = flight.progress;
    block.logicalCopy = flight.logicalCopy;
    const QString name =
        copy.step.isEmpty() ? QStringLiteral("copy %1").arg(copy.copyId) : copy.step;
    block.label =
        QStringLiteral("%1: %2, %3\n%4 -> %5")
            .arg(name, engineTitle(copy.engine), formatBytes(copy.bytes),
                 index_->trace().regionLabel(copy.from), index_->trace().regionLabel(copy.to));
    // Wide enough for its label: the block is the thing the audience reads.
    double blockWidth = scaled(120);
    for (const QString& line : block.label.split(QLatin1Char('\n')))
      blockWidth = std::max(blockWidth, metrics.horizontalAdvance(line) + 16);
    block.rect = QRectF(centre.x() - blockWidth / 2, centre.y() - blockHeight / 2 + offset.y(),
                        blockWidth, blockHeight);
    result.push_back(block);
  }
  return result;
}

std::vector<DataPathView::Pointer> DataPathView::pointers() const {
  std::vector<Pointer> result;
  if (!index_) return result;
  const Trace& trace = index_->trace();
  for (const DescriptorInFlight& flight : state_.descriptorsInFlight) {
    const Record& record = trace.records[size_t(flight.recordIndex)];
    const DescriptorRecord& descriptor = trace.descriptors[size_t(record.detail)];
    const QRectF data = regionRect(descriptor.from), holder = regionRect(descriptor.to);
    if (data.isNull() || holder.isNull()) continue;
    Pointer pointer;
    pointer.recordIndex = flight.recordIndex;
    pointer.color = descriptorColor();
    // The arrow leaves the top of the holder and bows up into the top of the data, so it never
    // runs through boxes that sit between them in a row, and its label sits above the boxes.
    pointer.tail = QPointF(holder.center().x(), holder.top());
    pointer.head = QPointF(data.center().x(), data.top());
    const double span = std::abs(pointer.tail.x() - pointer.head.x());
    const double bow = std::max(45.0, span * 0.35);
    pointer.control = QPointF((pointer.tail.x() + pointer.head.x()) / 2,
                              std::min(pointer.tail.y(), pointer.head.y()) - bow);
    pointer.label = tr("%1: %2, %3 fragment%4, not a copy")
                        .arg(descriptor.what, formatBytes(descriptor.bytes))
                        .arg(descriptor.fragments)
                        .arg(descriptor.fragments == 1 ? QString() : QStringLiteral("s"));
    const QFontMetricsF metrics(scaledFont(9, true));
    const double width = metrics.horizontalAdvance(pointer.label) + 16;
    // The curve's apex is half-way to the control point.
    const double apexY = (std::min(pointer.tail.y(), pointer.head.y()) + pointer.control.y()) / 2;
    pointer.labelRect = QRectF(pointer.control.x() - width / 2, apexY - 26, width, 22);
    result.push_back(pointer);
  }
  return result;
}

std::vector<DataPathView::ModeArrow> DataPathView::modeArrows() const {
  std::vector<ModeArrow> result;
  if (!index_) return result;
  const QRectF kernelBand = bands_.value(QStringLiteral("kernel"));
  for (const ProcessState& process : state_.processes) {
    if (!process.switching) continue;
    const QRectF box = regionRect(process.name);
    if (box.isNull()) continue;
    // Right of the box's centre, clear of its label and of copies leaving its centre.
    const double x = box.center().x() + box.width() / 4;
    const QPointF user(x, box.bottom() + 2);
    const QPointF kernel(x, kernelBand.top() + scaled(28));
    ModeArrow arrow;
    arrow.process = process.name;
    arrow.toKernel = process.inKernel;
    arrow.from = process.inKernel ? user : kernel;
    arrow.to = process.inKernel ? kernel : user;
    arrow.label = tr("%1  (mode switch %2)")
                      .arg(describeModeSwitchCause(process.lastCause))
                      .arg(process.modeSwitches);
    result.push_back(arrow);
  }
  return result;
}

void DataPathView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  paintOn(painter, QRectF(rect()));
}

void DataPathView::paintOn(QPainter& painter, const QRectF& rect) {
  if (rect != layoutRect_) computeLayout(rect);
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing);
  painter.fillRect(rect, Qt::white);
  QFont base = scaledFont(10);
  painter.setFont(base);
  if (!index_) {
    painter.drawText(rect, Qt::AlignCenter, tr("Open a trace (File > Open)"));
    painter.restore();
    return;
  }
  const Trace& trace = index_->trace();

  // Header: title and time, the step being shown, the counters.
  const QFont titleFont = scaledFont(13, true);
  painter.setFont(titleFont);
  painter.setPen(Qt::black);
  const QRectF titleRow(headerRect_.left(), headerRect_.top(), headerRect_.width(), scaled(24));
  painter.drawText(titleRow, Qt::AlignLeft | Qt::AlignVCenter, trace.title);
  painter.drawText(titleRow, Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("t = %1").arg(formatTime(state_.time)));
  painter.setFont(base);
  QString stepText = tr("(no lecture step)");
  if (state_.currentStep >= 0) {
    const Step& step = index_->steps()[size_t(state_.currentStep)];
    stepText = step.id.isEmpty() ? step.text : QStringLiteral("[%1] %2").arg(step.id, step.text);
  }
  painter.drawText(
      QRectF(headerRect_.left(), titleRow.bottom() + 2, headerRect_.width(), scaled(30)),
      Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, stepText);
  QStringList copies;
  for (auto it = state_.copiesByEngine.constBegin(); it != state_.copiesByEngine.constEnd(); ++it)
    copies << QStringLiteral("%1 %2").arg(it.value()).arg(engineTitle(it.key()));
  copies.sort();
  painter.setPen(style_.highContrast ? QColor(Qt::black) : QColor(0x37, 0x47, 0x4F));
  painter.drawText(QRectF(headerRect_.left(), headerRect_.bottom() - scaled(18),
                          headerRect_.width(), scaled(18)),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   tr("mode switches %1   context switches %2   interrupts %3   copies: %4%5")
                       .arg(state_.modeSwitches)
                       .arg(state_.contextSwitches)
                       .arg(state_.interrupts)
                       .arg(copies.isEmpty() ? tr("none") : copies.join(QStringLiteral(", ")))
                       .arg(index_->trace().descriptors.empty()
                                ? QString()
                                : tr("   descriptors (not copies) %1").arg(state_.descriptors)));

  // Bands.
  for (const char* layerName : kLayers) {
    const QString layer = QLatin1String(layerName);
    const QRectF band = bands_.value(layer);
    painter.setPen(Qt::NoPen);
    painter.setBrush(layerColor(layer, style_.highContrast));
    painter.drawRoundedRect(band, 6, 6);
    painter.setFont(scaledFont(10, true));
    painter.setPen(style_.highContrast ? QColor(Qt::black) : QColor(0x45, 0x5A, 0x64));
    painter.drawText(
        QRectF(band.left() + 8, band.top(), scaled(kBandLabelWidth) - 12, band.height()),
        Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, bandTitle(layer));
  }

  // Which boxes take part in a copy right now: highlighted in the engine's colour.
  QHash<QString, QColor> active;
  for (const CopyInFlight& flight : state_.copiesInFlight) {
    const LogicalCopy& copy = index_->logicalCopies()[size_t(flight.logicalCopy)];
    const QColor color = engineColor(copy.engine);
    active.insert(copy.from, color);
    active.insert(copy.to, color);
    active.insert(copy.actor, color);
  }
  QHash<QString, const ProcessState*> processByName;
  for (const ProcessState& process : state_.processes) processByName.insert(process.name, &process);

  for (const Box& box : boxes_) {
    const bool isEngine = box.layer == QLatin1String("engine");
    const auto highlight = active.constFind(box.name);
    const bool lit = highlight != active.constEnd();
    QColor fill = isEngine ? QColor(0xFA, 0xFA, 0xFA) : Qt::white;
    if (lit && isEngine) fill = highlight->lighter(170);
    painter.setBrush(fill);
    const QColor idleOutline = style_.highContrast ? QColor(Qt::black) : QColor(0x90, 0xA4, 0xAE);
    painter.setPen(QPen(lit ? *highlight : idleOutline, style_.lineWidth(lit ? 3 : 1.2),
                        isEngine ? Qt::DashLine : Qt::SolidLine));
    painter.drawRoundedRect(box.rect, 5, 5);
    painter.setFont(base);
    painter.setPen(Qt::black);
    QRectF textRect = box.rect.adjusted(6, 4, -6, -4);
    // A process box says which mode the process is in.
    if (const auto process = processByName.constFind(box.name);
        process != processByName.constEnd()) {
      const ProcessState& state = **process;
      const QRectF badge(box.rect.left() + 6, box.rect.bottom() - scaled(20), box.rect.width() - 12,
                         scaled(16));
      // During the switch itself the badge turns teal (not orange: that is CPU copies) and says
      // where it goes and why.
      painter.setBrush(state.switching ? modeSwitchColor()
                                       : cpuStateColor(state.inKernel ? QStringLiteral("kernel")
                                                                      : QStringLiteral("user")));
      painter.setPen(Qt::NoPen);
      painter.drawRoundedRect(badge, 3, 3);
      painter.setPen(Qt::white);
      QString badgeText = state.inKernel ? tr("kernel mode") : tr("user mode");
      if (state.switching) badgeText = tr("-> %1").arg(badgeText);
      if (!state.lastCause.isEmpty())
        badgeText += QStringLiteral(" (%1)").arg(describeModeSwitchCause(state.lastCause));
      painter.drawText(
          badge, Qt::AlignCenter,
          painter.fontMetrics().elidedText(badgeText, Qt::ElideRight, int(badge.width() - 4)));
      painter.setPen(Qt::black);
      textRect.setBottom(badge.top() - 2);
    }
    painter.drawText(textRect, Qt::AlignCenter | Qt::TextWordWrap, box.label);
  }

  // Copies in flight: a dashed path from source to destination, then the moving block.
  const std::vector<Block> drawn = blocks();
  for (const Block& block : drawn) {
    const LogicalCopy& copy = index_->logicalCopies()[size_t(block.logicalCopy)];
    painter.setPen(QPen(block.color, style_.lineWidth(2), Qt::DashLine));
    painter.drawLine(regionRect(copy.from).center(), regionRect(copy.to).center());
  }
  // Mode switches: a thick teal arrow across the user/kernel boundary, with the cause.
  for (const ModeArrow& arrow : modeArrows()) {
    const QColor color = modeSwitchColor();
    painter.setPen(QPen(color, style_.lineWidth(5), Qt::SolidLine, Qt::RoundCap));
    painter.drawLine(arrow.from, arrow.to);
    const double direction = arrow.toKernel ? 1 : -1;
    const double head = scaled(14);
    painter.setPen(Qt::NoPen);
    painter.setBrush(color);
    painter.drawPolygon(QPolygonF({arrow.to + QPointF(0, direction * 4),
                                   arrow.to + QPointF(-head * 0.7, -direction * head),
                                   arrow.to + QPointF(head * 0.7, -direction * head)}));
    painter.setFont(scaledFont(10, true));
    const double width = painter.fontMetrics().horizontalAdvance(arrow.label) + scaled(14);
    const double boundary = bands_.value(QStringLiteral("kernel")).top();
    const QRectF labelRect(arrow.from.x() + scaled(12), boundary - scaled(12), width, scaled(24));
    painter.setBrush(color);
    painter.drawRoundedRect(labelRect, 4, 4);
    painter.setPen(Qt::white);
    painter.drawText(labelRect, Qt::AlignCenter, arrow.label);
  }

  // Descriptors: an arrow with a dot at its tail, the way a pointer is drawn on a blackboard.
  for (const Pointer& pointer : pointers()) {
    painter.setPen(QPen(pointer.color, 2.5));
    painter.setBrush(Qt::NoBrush);
    QPainterPath curve(pointer.tail);
    curve.quadTo(pointer.control, pointer.head);
    painter.drawPath(curve);
    painter.setBrush(pointer.color);
    painter.drawEllipse(pointer.tail, 5, 5);
    // The arrowhead follows the curve's last tangent, which points from the control point.
    const QLineF line(pointer.head, pointer.control);
    const double kArrowLength = 14, kArrowHalfAngle = 25;
    QLineF wing1 = line, wing2 = line;
    wing1.setLength(kArrowLength);
    wing2.setLength(kArrowLength);
    wing1.setAngle(line.angle() + kArrowHalfAngle);
    wing2.setAngle(line.angle() - kArrowHalfAngle);
    painter.drawPolygon(QPolygonF({pointer.head, wing1.p2(), wing2.p2()}));
    painter.setFont(scaledFont(9, true));
    painter.setPen(QPen(pointer.color, 1.5));
    painter.setBrush(Qt::white);
    painter.drawRoundedRect(pointer.labelRect, 4, 4);
    painter.setPen(pointer.color);
    painter.drawText(pointer.labelRect, Qt::AlignCenter, pointer.label);
  }

  painter.setFont(scaledFont(9, true));
  for (const Block& block : drawn) {
    painter.setPen(QPen(block.color.darker(150), 1.5));
    painter.setBrush(block.color);
    painter.drawRoundedRect(block.rect, 6, 6);
    painter.setPen(Qt::white);
    painter.drawText(block.rect.adjusted(4, 2, -4, -2), Qt::AlignCenter, block.label);
  }

  // Legend: every engine colour, so orange-vs-blue needs no explanation.
  painter.setFont(base);
  double x = legendRect_.left();
  const double y = legendRect_.center().y();
  for (const char* engine : {"cpu", "dma", "channel", "nic", "disk"}) {
    const QString name = QLatin1String(engine);
    painter.setPen(Qt::NoPen);
    painter.setBrush(engineColor(name));
    painter.drawRoundedRect(QRectF(x, y - scaled(8), scaled(28), scaled(16)), 3, 3);
    painter.setPen(Qt::black);
    const QString text = tr("%1 copy").arg(engineTitle(name));
    painter.drawText(QPointF(x + scaled(34), y + scaled(5)), text);
    x += scaled(34) + painter.fontMetrics().horizontalAdvance(text) + scaled(24);
  }
  // The descriptor's sign: a pointer, not a block.
  painter.setPen(QPen(descriptorColor(), 2.5));
  painter.setBrush(descriptorColor());
  painter.drawEllipse(QPointF(x + 4, y), 4, 4);
  painter.drawLine(QPointF(x + 4, y), QPointF(x + scaled(26), y));
  painter.drawPolygon(QPolygonF({QPointF(x + scaled(30), y), QPointF(x + scaled(22), y - 5),
                                 QPointF(x + scaled(22), y + 5)}));
  painter.setPen(Qt::black);
  painter.drawText(QPointF(x + scaled(36), y + scaled(5)), tr("descriptor (no copy)"));
  x +=
      scaled(36) + painter.fontMetrics().horizontalAdvance(tr("descriptor (no copy)")) + scaled(24);
  // And the mode switch's sign.
  painter.setPen(QPen(modeSwitchColor(), 3));
  painter.drawLine(QPointF(x + scaled(8), y - scaled(9)), QPointF(x + scaled(8), y + scaled(7)));
  painter.setPen(Qt::black);
  painter.drawText(QPointF(x + scaled(18), y + scaled(5)), tr("mode switch"));
  painter.restore();
}

}  // namespace iosim::gui
