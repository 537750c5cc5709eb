// A lane per process: user (green) or kernel (red) over the whole run, a tick at each context
// switch that involves the process, the playhead, and per-process counters up to the current time.
#pragma once

#include "palette.h"
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
    int contextSwitches = 0;
    QString lastCause;
    bool switching = false;  // a mode switch is under way (drawn as a teal marker with its cause)
    QRectF rect;
  };

  explicit ModeLanes(QWidget* parent = nullptr);
  void setIndex(const TraceIndex* index);
  void setTime(Picoseconds t);
  void setLinger(Picoseconds linger);
  void setViewStyle(const ViewStyle& style);

  std::vector<Lane> lanes() const;
  // Height that shows `processes` lanes.
  static double heightFor(int processes, double fontScale = 1.0);
  void paintOn(QPainter& painter, const QRectF& rect);
  QSize sizeHint() const override { return {1200, int(heightFor(3, style_.fontScale))}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  struct Segment {
    Picoseconds start, end;
    bool kernel;
  };
  const TraceIndex* index_ = nullptr;
  SceneState state_;
  Picoseconds linger_ = 0;
  ViewStyle style_;
  std::vector<std::vector<Segment>> segments_;              // per process
  std::vector<std::vector<Picoseconds>> contextTicks_;      // per process
  std::vector<std::vector<Picoseconds>> modeSwitchStarts_;  // per process
  QRectF paintRect_;
};

}  // namespace iosim::gui
