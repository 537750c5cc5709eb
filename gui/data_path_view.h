// The data-path view: three bands (user space, kernel space, hardware) with a box per region and
// per copy engine, and every copy in flight drawn as a block moving from its source box to its
// destination box, coloured by engine. Everything drawn is also reported (blocks(), regionRect())
// so tests check positions and colours without looking at pixels.
#pragma once

#include "palette.h"
#include "scene_state.h"

#include <QColor>
#include <QHash>
#include <QRectF>
#include <QWidget>

namespace iosim::gui {

class DataPathView : public QWidget {
  Q_OBJECT
 public:
  struct Block {
    QRectF rect;
    QColor color;
    QString label;  // "copy-1: DMA, 4 KiB\ndisk0 sector buffer -> page cache"
    QString engine;
    double progress = 0;
    int logicalCopy = -1;
  };
  // A descriptor passed instead of data: an arrow from the holder of the reference (`tail`, e.g.
  // the socket buffer) to the data it points at (`head`, e.g. the page cache). Not a block:
  // nothing moves.
  struct Pointer {
    QPointF tail;
    QPointF head;
    QPointF control;  // the arrow bows through here (quadratic curve), clear of the boxes
    QRectF labelRect;
    QString label;  // "SG descriptor: 4 KiB, 1 fragment (no copy)"
    QColor color;
    int recordIndex = -1;
  };
  // A mode switch under way: an arrow across the user/kernel boundary at the process's box,
  // down on entry to the kernel, up on return, labelled with its cause.
  struct ModeArrow {
    QString process;
    bool toKernel = false;
    QString label;  // "read() entry  (switch 1)"
    QPointF from;
    QPointF to;
  };
  struct Box {
    QString name;  // region name, or engine actor ("cpu0", "dma0.ch1")
    QString label;
    QString layer;  // "user", "kernel", "hardware", "engine"
    QRectF rect;
  };

  explicit DataPathView(QWidget* parent = nullptr);

  void setIndex(const TraceIndex* index);
  void setTime(Picoseconds t);
  // Short events (mode switches, descriptors) stay drawn for at least this much simulated time.
  void setLinger(Picoseconds linger);
  Picoseconds linger() const { return linger_; }
  void setViewStyle(const ViewStyle& style);
  const ViewStyle& viewStyle() const { return style_; }
  Picoseconds time() const { return state_.time; }
  const SceneState& state() const { return state_; }

  // What is drawn for the current size and time.
  std::vector<Block> blocks() const;
  std::vector<Pointer> pointers() const;
  std::vector<ModeArrow> modeArrows() const;
  const std::vector<Box>& boxes() const { return boxes_; }
  QRectF regionRect(const QString& name) const;  // also engine boxes by actor; null if absent
  QRectF bandRect(const QString& layer) const;

  // Paints the whole view into `rect` (the widget, a PNG or an SVG export).
  void paintOn(QPainter& painter, const QRectF& rect);

  QSize sizeHint() const override { return {1200, 620}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void computeLayout(const QRectF& rect);
  QFont scaledFont(double pointSize, bool bold = false) const;
  double scaled(double size) const { return size * style_.fontScale; }

  const TraceIndex* index_ = nullptr;
  SceneState state_;
  Picoseconds linger_ = 0;
  ViewStyle style_;
  QRectF layoutRect_;
  QRectF headerRect_;
  QRectF legendRect_;
  QHash<QString, QRectF> bands_;
  std::vector<Box> boxes_;
};

}  // namespace iosim::gui
