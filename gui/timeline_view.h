// The timeline: a Gantt chart with a lane per CPU (user / kernel / irq / idle), per device (its
// phases; DMA channels are devices too) and for the bus (by initiator), a playhead, click to
// select a record, wheel to zoom. Many records per pixel are merged while drawing, so a frame
// costs the visible records, not a draw call each.
#pragma once

#include "palette.h"
#include "scene_state.h"

#include <QColor>
#include <QWidget>

namespace iosim::gui {

class TimelineView : public QWidget {
  Q_OBJECT
 public:
  struct Item {
    Picoseconds start = 0;
    Picoseconds end = 0;
    QColor color;
    int recordIndex = -1;
  };
  struct Lane {
    QString name;             // "cpu0", "disk0", "dma0.ch1", "bus"
    QString kind;             // "cpu", "device", "bus"
    std::vector<Item> items;  // by start
    Picoseconds longest = 0;
  };

  explicit TimelineView(QWidget* parent = nullptr);

  void setIndex(const TraceIndex* index);
  void setTime(Picoseconds t);
  void setVisibleRange(Picoseconds start, Picoseconds end);
  void setViewStyle(const ViewStyle& style);
  Picoseconds visibleStart() const { return viewStart_; }
  Picoseconds visibleEnd() const { return viewEnd_; }

  const std::vector<Lane>& lanes() const { return lanes_; }
  QStringList laneNames() const;
  QRectF laneRect(const QString& name) const;
  // The record drawn under a point (within 3 px), or -1.
  int recordAt(const QPointF& point) const;
  double xOfTime(Picoseconds t) const;

  void paintOn(QPainter& painter, const QRectF& rect);
  QSize sizeHint() const override { return {1200, 260}; }

 signals:
  void recordClicked(int recordIndex);
  void timeRequested(iosim::gui::Picoseconds t);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  Picoseconds timeOfX(double x) const;
  QRectF plotRect() const;

  const TraceIndex* index_ = nullptr;
  std::vector<Lane> lanes_;
  Picoseconds time_ = 0;
  Picoseconds viewStart_ = 0;
  Picoseconds viewEnd_ = 1;
  QRectF paintRect_;
  ViewStyle style_;
  // The merged rectangles of every lane for one visible range and plot geometry. While playing,
  // only the playhead moves: frames reuse them, so a frame costs at most a rectangle per pixel
  // column and lane, whatever the number of records.
  struct DrawCache {
    const TraceIndex* index = nullptr;
    Picoseconds start = -1, end = -1;
    QRectF plot;
    std::vector<std::vector<std::pair<QRectF, QColor>>> lanes;
  };
  DrawCache cache_;
  void rebuildCache(const QRectF& plot);
};

}  // namespace iosim::gui
