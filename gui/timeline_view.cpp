#include "timeline_view.h"

#include "palette.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace iosim::gui {

namespace {

constexpr double kLabelWidth = 110;  // at font scale 1; scaled with the fonts
constexpr double kLaneHeight = 22;
constexpr double kLaneGap = 4;
constexpr double kAxisHeight = 22;

QColor phaseColor(const QString& phase) {
  if (phase == QLatin1String("transfer")) return QColor(0x1F, 0x6F, 0xD1);
  if (phase == QLatin1String("seek")) return QColor(0xFF, 0xA0, 0x00);
  if (phase == QLatin1String("rotate")) return QColor(0xFD, 0xD8, 0x35);
  if (phase == QLatin1String("command")) return QColor(0x78, 0x90, 0x9C);
  if (phase == QLatin1String("cache")) return QColor(0x26, 0xA6, 0x9A);
  return QColor(0x2E, 0x9E, 0x4F);  // ccw, program, ...: channel-ish green
}

QColor initiatorColor(const QString& initiator) {
  if (initiator.startsWith(QLatin1String("cpu"))) return engineColor(QStringLiteral("cpu"));
  if (initiator.startsWith(QLatin1String("dma"))) return engineColor(QStringLiteral("dma"));
  if (initiator.startsWith(QLatin1String("channel"))) return engineColor(QStringLiteral("channel"));
  if (initiator.startsWith(QLatin1String("nic"))) return engineColor(QStringLiteral("nic"));
  return QColor(0x60, 0x60, 0x60);
}

}  // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(120);
  setMouseTracking(false);
}

void TimelineView::setIndex(const TraceIndex* index) {
  index_ = index;
  cache_ = DrawCache();  // a new trace may live where the old one did
  lanes_.clear();
  time_ = 0;
  if (!index_) {
    update();
    return;
  }
  const Trace& trace = index_->trace();
  std::vector<Lane> cpuLanes, deviceLanes, dmaLanes, otherLanes;
  Lane bus{QStringLiteral("bus"), QStringLiteral("bus"), {}, 0};
  auto laneOf = [](std::vector<Lane>& lanes, const QString& name, const QString& kind) -> Lane& {
    for (Lane& lane : lanes)
      if (lane.name == name) return lane;
    lanes.push_back({name, kind, {}, 0});
    return lanes.back();
  };
  for (int i = 0; i < int(trace.records.size()); ++i) {
    const Record& record = trace.records[size_t(i)];
    const auto d = size_t(record.detail);
    if (record.type == RecordType::Cpu) {
      const CpuRecord& cpu = trace.cpus[d];
      laneOf(cpuLanes, cpu.cpu, QStringLiteral("cpu"))
          .items.push_back({record.start, record.end, cpuStateColor(cpu.state), i});
    } else if (record.type == RecordType::Device) {
      const DeviceRecord& device = trace.devices[d];
      const bool isDma = device.device.startsWith(QLatin1String("dma"));
      laneOf(isDma ? dmaLanes : deviceLanes, device.device, QStringLiteral("device"))
          .items.push_back({record.start, record.end, phaseColor(device.phase), i});
    } else if (record.type == RecordType::Bus) {
      bus.items.push_back({record.start, record.end, initiatorColor(trace.buses[d].initiator), i});
    } else if (record.type == RecordType::Other) {
      // Record types the player does not model (readahead, cache_access, eviction...): a lane
      // per type, so that whatever a later scenario records is still on the timeline.
      laneOf(otherLanes, trace.others[d].type, QStringLiteral("other"))
          .items.push_back({record.start, record.end, QColor(0x00, 0x89, 0x7B), i});
    }
  }
  for (auto* group : {&cpuLanes, &deviceLanes, &dmaLanes, &otherLanes})
    for (Lane& lane : *group) lanes_.push_back(std::move(lane));
  lanes_.push_back(std::move(bus));
  for (Lane& lane : lanes_)
    for (const Item& item : lane.items)
      lane.longest = std::max(lane.longest, item.end - item.start);
  setVisibleRange(0, std::max<Picoseconds>(1, index_->endTime()));
  setMinimumHeight(
      int((kAxisHeight + lanes_.size() * (kLaneHeight + kLaneGap)) * style_.fontScale + 16));
}

void TimelineView::setTime(Picoseconds t) {
  time_ = t;
  // Keep the playhead in view while playing a zoomed-in timeline.
  if (t < viewStart_ || t > viewEnd_) {
    const Picoseconds span = viewEnd_ - viewStart_;
    setVisibleRange(std::max<Picoseconds>(0, t - span / 10),
                    std::max<Picoseconds>(0, t - span / 10) + span);
  }
  update();
}

void TimelineView::setVisibleRange(Picoseconds start, Picoseconds end) {
  viewStart_ = std::max<Picoseconds>(0, start);
  viewEnd_ = std::max(viewStart_ + 1, end);
  update();
}

QStringList TimelineView::laneNames() const {
  QStringList names;
  for (const Lane& lane : lanes_) names << lane.name;
  return names;
}

void TimelineView::setViewStyle(const ViewStyle& style) {
  style_ = style;
  cache_ = DrawCache();
  setMinimumHeight(
      int((kAxisHeight + lanes_.size() * (kLaneHeight + kLaneGap)) * style_.fontScale + 16));
  update();
}

QRectF TimelineView::plotRect() const {
  const QRectF area = paintRect_.isNull() ? QRectF(rect()) : paintRect_;
  return area.adjusted(kLabelWidth * style_.fontScale, 6, -8, -kAxisHeight * style_.fontScale);
}

QRectF TimelineView::laneRect(const QString& name) const {
  const QRectF plot = plotRect();
  for (size_t i = 0; i < lanes_.size(); ++i)
    if (lanes_[i].name == name)
      return QRectF(plot.left(), plot.top() + i * (kLaneHeight + kLaneGap) * style_.fontScale,
                    plot.width(), kLaneHeight * style_.fontScale);
  return {};
}

double TimelineView::xOfTime(Picoseconds t) const {
  const QRectF plot = plotRect();
  return plot.left() + plot.width() * double(t - viewStart_) / double(viewEnd_ - viewStart_);
}

Picoseconds TimelineView::timeOfX(double x) const {
  const QRectF plot = plotRect();
  return viewStart_ + Picoseconds((x - plot.left()) / plot.width() * double(viewEnd_ - viewStart_));
}

int TimelineView::recordAt(const QPointF& point) const {
  const QRectF plot = plotRect();
  const double tolerance = 3.0 * double(viewEnd_ - viewStart_) / std::max(1.0, plot.width());
  const Picoseconds t = timeOfX(point.x());
  for (const Lane& lane : lanes_) {
    if (!laneRect(lane.name).contains(point)) continue;
    // Items are by start; the one under t started at most `longest` before it.
    auto it = std::lower_bound(
        lane.items.begin(), lane.items.end(), t - lane.longest - Picoseconds(tolerance),
        [](const Item& item, Picoseconds time) { return item.start < time; });
    int best = -1;
    double bestDistance = tolerance + 1;
    for (; it != lane.items.end() && double(it->start) <= double(t) + tolerance; ++it) {
      const double distance = t < it->start ? double(it->start - t)
                              : t > it->end ? double(t - it->end)
                                            : 0.0;
      if (distance <= tolerance && distance < bestDistance) {
        bestDistance = distance;
        best = it->recordIndex;
      }
    }
    return best;
  }
  return -1;
}

void TimelineView::mousePressEvent(QMouseEvent* event) {
  const QPointF point = event->position();
  const int record = recordAt(point);
  if (record >= 0) {
    emit recordClicked(record);
    emit timeRequested(index_->trace().records[size_t(record)].start);
  } else if (plotRect().contains(point) || point.y() > plotRect().bottom()) {
    emit timeRequested(
        std::clamp<Picoseconds>(timeOfX(point.x()), 0, index_ ? index_->endTime() : 0));
  }
}

void TimelineView::wheelEvent(QWheelEvent* event) {
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0 || !index_) return;
  const double factor = std::pow(0.8, steps);  // wheel up zooms in, around the cursor
  const Picoseconds pivot = timeOfX(event->position().x());
  const double span = std::max(1000.0, double(viewEnd_ - viewStart_) * factor);
  const double left = double(pivot) - double(pivot - viewStart_) * factor;
  const double maxEnd = double(std::max<Picoseconds>(1, index_->endTime()));
  const double start = std::clamp(left, 0.0, std::max(0.0, maxEnd - span));
  setVisibleRange(Picoseconds(start), Picoseconds(std::min(maxEnd, start + span)));
  event->accept();
}

void TimelineView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  paintOn(painter, QRectF(rect()));
}

void TimelineView::rebuildCache(const QRectF& plot) {
  cache_.index = index_;
  cache_.start = viewStart_;
  cache_.end = viewEnd_;
  cache_.plot = plot;
  cache_.lanes.assign(lanes_.size(), {});
  for (size_t l = 0; l < lanes_.size(); ++l) {
    const Lane& lane = lanes_[l];
    const QRectF laneBox = laneRect(lane.name);
    auto& out = cache_.lanes[l];
    auto it =
        std::lower_bound(lane.items.begin(), lane.items.end(), viewStart_ - lane.longest,
                         [](const Item& item, Picoseconds time) { return item.start < time; });
    // Merge neighbours that share a colour and touch within a pixel: one rectangle for many.
    QRectF pending;
    QColor pendingColor;
    auto flush = [&] {
      if (!pending.isNull()) out.emplace_back(pending, pendingColor);
      pending = QRectF();
    };
    for (; it != lane.items.end() && it->start <= viewEnd_; ++it) {
      if (it->end < viewStart_) continue;
      const double x1 = std::max(plot.left(), xOfTime(it->start));
      const double x2 = std::min(plot.right(), std::max(xOfTime(it->end), x1 + 1));
      if (!pending.isNull() && it->color == pendingColor && x1 <= pending.right() + 1) {
        pending.setRight(std::max(pending.right(), x2));
        continue;
      }
      // Within the pixel already drawn: a record narrower than a pixel adds nothing visible.
      if (!pending.isNull() && x2 <= pending.right() + 1 && x2 - x1 <= 1) continue;
      flush();
      pending = QRectF(x1, laneBox.top() + 2, x2 - x1, laneBox.height() - 4);
      pendingColor = it->color;
    }
    flush();
  }
}

void TimelineView::paintOn(QPainter& painter, const QRectF& rect) {
  paintRect_ = rect;
  painter.save();
  painter.fillRect(rect, Qt::white);
  QFont font;
  font.setPointSizeF(9 * style_.fontScale);
  font.setBold(style_.highContrast);
  painter.setFont(font);
  const QRectF plot = plotRect();
  for (const Lane& lane : lanes_) {
    const QRectF laneBox = laneRect(lane.name);
    painter.setPen(Qt::black);
    // Long names ("channel0.sub400") are elided in the middle, keeping both ends readable.
    painter.drawText(QRectF(rect.left() + 6, laneBox.top(), kLabelWidth * style_.fontScale - 10,
                            laneBox.height()),
                     Qt::AlignLeft | Qt::AlignVCenter,
                     painter.fontMetrics().elidedText(lane.name, Qt::ElideMiddle,
                                                      int(kLabelWidth * style_.fontScale - 12)));
    painter.fillRect(laneBox, QColor(0xF5, 0xF5, 0xF5));
  }
  if (cache_.index != index_ || cache_.start != viewStart_ || cache_.end != viewEnd_ ||
      cache_.plot != plot)
    rebuildCache(plot);
  for (const auto& lane : cache_.lanes)
    for (const auto& [box, color] : lane) painter.fillRect(box, color);

  // Time axis: about 8 ticks at round values.
  painter.setPen(QColor(0x60, 0x60, 0x60));
  painter.drawLine(QPointF(plot.left(), plot.bottom() + 2),
                   QPointF(plot.right(), plot.bottom() + 2));
  const double span = double(viewEnd_ - viewStart_);
  // As many ticks as labels fit side by side (about 8 on a desk, fewer with presenter fonts).
  const double labelWidth = painter.fontMetrics().horizontalAdvance(QStringLiteral("00.000 ms"));
  const double wanted = std::clamp(plot.width() / (labelWidth * 1.6), 2.0, 8.0);
  double tick = std::pow(10.0, std::floor(std::log10(std::max(1.0, span / wanted))));
  if (span / tick > 2 * wanted)
    tick *= 5;
  else if (span / tick > wanted)
    tick *= 2;
  for (double t = std::ceil(double(viewStart_) / tick) * tick; t <= double(viewEnd_); t += tick) {
    const double x = xOfTime(Picoseconds(t));
    painter.drawLine(QPointF(x, plot.bottom() + 2), QPointF(x, plot.bottom() + 6));
    painter.drawText(QRectF(x - 60 * style_.fontScale, plot.bottom() + 6, 120 * style_.fontScale,
                            kAxisHeight * style_.fontScale - 6),
                     Qt::AlignCenter, formatTime(Picoseconds(t)));
  }
  // Playhead.
  if (time_ >= viewStart_ && time_ <= viewEnd_) {
    const double x = xOfTime(time_);
    painter.setPen(QPen(QColor(0xD3, 0x2F, 0x2F), 2));
    painter.drawLine(QPointF(x, plot.top() - 4), QPointF(x, plot.bottom() + 2));
  }
  painter.restore();
}

}  // namespace iosim::gui
