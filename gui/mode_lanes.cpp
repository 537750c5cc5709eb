#include "mode_lanes.h"

#include "palette.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace iosim::gui {

namespace {
// Same label width and right margin as the timeline, so the two share one time axis.
constexpr double kLabelWidth = 110;  // at font scale 1; scaled with the fonts
constexpr double kRightMargin = 8;
constexpr double kTextHeight = 15;  // the counters, above the bar
constexpr double kBarHeight = 16;
constexpr double kLaneGap = 6;
}  // namespace

double ModeLanes::heightFor(int processes, double fontScale) {
  return 12 + processes * (kTextHeight + kBarHeight + kLaneGap) * fontScale;
}

ModeLanes::ModeLanes(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(60);
}

void ModeLanes::setIndex(const TraceIndex* index) {
  index_ = index;
  segments_.clear();
  contextTicks_.clear();
  if (index_) {
    const Trace& trace = index_->trace();
    const QStringList& processes = index_->processes();
    segments_.resize(size_t(processes.size()));
    contextTicks_.resize(size_t(processes.size()));
    std::vector<Picoseconds> since(size_t(processes.size()), 0);
    std::vector<bool> kernel(size_t(processes.size()), false);
    modeSwitchStarts_.assign(size_t(processes.size()), {});
    for (const Record& record : trace.records) {
      if (record.type == RecordType::ModeSwitch) {
        const ModeSwitchRecord& mode = trace.modeSwitches[size_t(record.detail)];
        const int process = processes.indexOf(mode.process);
        if (process < 0) continue;  // no process, no lane
        const auto p = size_t(process);
        segments_[p].push_back({since[p], record.start, kernel[p]});
        modeSwitchStarts_[p].push_back(record.start);
        since[p] = record.start;
        kernel[p] = mode.toKernel;
      } else if (record.type == RecordType::ContextSwitch) {
        const ContextSwitchRecord& context = trace.contextSwitches[size_t(record.detail)];
        for (const QString& name : {context.from, context.to}) {
          const int p = processes.indexOf(name);
          if (p >= 0) contextTicks_[size_t(p)].push_back(record.start);
        }
      }
    }
    for (size_t p = 0; p < segments_.size(); ++p)
      segments_[p].push_back({since[p], index_->endTime(), kernel[p]});
    state_ = index_->stateAt(0, linger_);
    setMinimumHeight(int(heightFor(int(processes.size()), style_.fontScale)));
  }
  update();
}

void ModeLanes::setTime(Picoseconds t) {
  if (!index_) return;
  state_ = index_->stateAt(t, linger_);
  update();
}

void ModeLanes::setLinger(Picoseconds linger) {
  linger_ = std::max<Picoseconds>(0, linger);
  if (index_) setTime(state_.time);
}

void ModeLanes::setViewStyle(const ViewStyle& style) {
  style_ = style;
  if (index_) setMinimumHeight(int(heightFor(int(index_->processes().size()), style_.fontScale)));
  update();
}

std::vector<ModeLanes::Lane> ModeLanes::lanes() const {
  std::vector<Lane> result;
  const QRectF area = paintRect_.isNull() ? QRectF(rect()) : paintRect_;
  const double scale = style_.fontScale;
  double y = area.top() + 6 + kTextHeight * scale;
  for (const ProcessState& process : state_.processes) {
    result.push_back(
        {process.name, process.inKernel, process.modeSwitches, process.contextSwitches,
         process.lastCause, process.switching,
         QRectF(area.left() + kLabelWidth * style_.fontScale, y,
                area.width() - kLabelWidth * style_.fontScale - kRightMargin, kBarHeight * scale)});
    y += (kTextHeight + kBarHeight + kLaneGap) * scale;
  }
  return result;
}

void ModeLanes::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  paintOn(painter, QRectF(rect()));
}

void ModeLanes::paintOn(QPainter& painter, const QRectF& rect) {
  paintRect_ = rect;
  painter.save();
  painter.fillRect(rect, Qt::white);
  QFont font;
  font.setPointSizeF(9 * style_.fontScale);
  font.setBold(style_.highContrast);
  painter.setFont(font);
  if (!index_) {
    painter.restore();
    return;
  }
  const Picoseconds end = std::max<Picoseconds>(1, index_->endTime());
  const std::vector<Lane> drawn = lanes();
  for (size_t p = 0; p < drawn.size(); ++p) {
    const Lane& lane = drawn[p];
    const QRectF box = lane.rect;
    auto xOf = [&](Picoseconds t) { return box.left() + box.width() * double(t) / double(end); };
    painter.setPen(Qt::black);
    painter.drawText(
        QRectF(rect.left() + 6, box.top(), kLabelWidth * style_.fontScale - 10, box.height()),
        Qt::AlignLeft | Qt::AlignVCenter,
        painter.fontMetrics().elidedText(lane.process, Qt::ElideMiddle,
                                         int(kLabelWidth * style_.fontScale - 12)));
    // One rectangle per run of pixels in one mode, not one per segment: a trace with a million
    // switches costs at most the lane's width in draw calls. A pixel column covering several
    // segments takes the mode that filled most of it.
    const int columns = std::max(1, int(std::ceil(box.width())));
    std::vector<double> kernelShare(size_t(columns), 0.0), covered(size_t(columns), 0.0);
    const double psPerColumn = double(end) / double(columns);
    for (const Segment& segment : segments_[p]) {
      const double from = double(segment.start) / psPerColumn;
      const double to = std::max(double(segment.end) / psPerColumn, from);
      for (int column = std::clamp(int(from), 0, columns - 1);
           column < columns && double(column) < std::max(to, from + 1e-9); ++column) {
        const double overlap = std::min(to, double(column + 1)) - std::max(from, double(column));
        const double weight = std::max(overlap, 1e-9);  // an instant still marks its column
        covered[size_t(column)] += weight;
        if (segment.kernel) kernelShare[size_t(column)] += weight;
      }
    }
    int runStart = 0;
    auto columnIsKernel = [&](int column) {
      return covered[size_t(column)] > 0 &&
             kernelShare[size_t(column)] * 2 > covered[size_t(column)];
    };
    for (int column = 1; column <= columns; ++column) {
      if (column < columns && columnIsKernel(column) == columnIsKernel(runStart)) continue;
      painter.fillRect(QRectF(box.left() + runStart, box.top(), column - runStart, box.height()),
                       cpuStateColor(columnIsKernel(runStart) ? QStringLiteral("kernel")
                                                              : QStringLiteral("user")));
      runStart = column;
    }
    // Context switches are a different thing from mode switches: black ticks below the lane,
    // at most one per pixel column.
    painter.setPen(QPen(Qt::black, 1.5));
    int lastTickColumn = -1;
    for (Picoseconds tick : contextTicks_[p]) {
      const int column = int(xOf(tick));
      if (column == lastTickColumn) continue;
      lastTickColumn = column;
      painter.drawLine(QPointF(xOf(tick), box.bottom() - 4), QPointF(xOf(tick), box.bottom() + 2));
    }
    const double playhead = xOf(state_.time);
    painter.setPen(QPen(QColor(0xD3, 0x2F, 0x2F), 2));
    painter.drawLine(QPointF(playhead, box.top()), QPointF(playhead, box.bottom()));
    // The switch under way: a teal marker at its start.
    if (lane.switching && !modeSwitchStarts_[p].empty()) {
      const auto last =
          std::upper_bound(modeSwitchStarts_[p].begin(), modeSwitchStarts_[p].end(), state_.time);
      if (last != modeSwitchStarts_[p].begin()) {
        const double x = xOf(*(last - 1));
        painter.setPen(QPen(modeSwitchColor(), style_.lineWidth(4)));
        painter.drawLine(QPointF(x, box.top() - 3), QPointF(x, box.bottom() + 3));
      }
    }
    const double textHeight = kTextHeight * style_.fontScale;
    const QRectF textRow(box.left(), box.top() - textHeight, box.width(), textHeight);
    QString text = tr("%1 mode   mode switches %2   context switches %3")
                       .arg(lane.inKernel ? tr("kernel") : tr("user"))
                       .arg(lane.modeSwitches)
                       .arg(lane.contextSwitches);
    if (!lane.lastCause.isEmpty())
      text += tr("   last: %1").arg(describeModeSwitchCause(lane.lastCause));
    if (lane.switching) {
      // The counter that just went up, in the switch's colour, so the room sees it change.
      painter.setPen(modeSwitchColor());
      text = tr("switching -> %1").arg(text);
    } else {
      painter.setPen(Qt::black);
    }
    painter.drawText(textRow, Qt::AlignLeft | Qt::AlignVCenter, text);
  }
  painter.restore();
}

}  // namespace iosim::gui
