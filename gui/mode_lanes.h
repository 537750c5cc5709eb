// A lane per process: user (green) or kernel (red) over the whole run, a tick at each context
// switch that involves the process, the playhead, and per-process counters up to the current time.
#pragma once

#include "scene_state.h"

#include <QWidget>

namespace iosim::gui {

class ModeLanes : public QWidget {
  Q_OBJECT
 public:
  struct Lane {
    QString process;
    bool inKernel = false;
    int modeSwitches = 0;
    QString lastCause;
    QRectF rect;
  };

  explicit ModeLanes(QWidget* parent = nullptr);
  void setIndex(const TraceIndex* index);
  void setTime(Picoseconds t);

  std::vector<Lane> lanes() const;
  // Height that shows `processes` lanes.
  static double heightFor(int processes);
  void paintOn(QPainter& painter, const QRectF& rect);
  QSize sizeHint() const override { return {1200, int(heightFor(3))}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  struct Segment {
    Picoseconds start, end;
    bool kernel;
  };
  const TraceIndex* index_ = nullptr;
  SceneState state_;
  std::vector<std::vector<Segment>> segments_;          // per process
  std::vector<std::vector<Picoseconds>> contextTicks_;  // per process
  QRectF paintRect_;
};

}  // namespace iosim::gui
