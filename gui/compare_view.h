// Two traces side by side on one clock (read() + write() beside sendfile(), say): each side has
// its own data-path view and mode lanes, titled with the trace's title, and a table below
// compares their counters (copies by engine, descriptors, mode switches, CPU time...) at the
// current time and at the end. One Playback drives both sides; its range is the longer trace and
// stepForward()/stepBack() stop at the next event of either trace.
//
// Usable embedded or as a top-level window (it has its own transport bar and shortcuts: Space,
// Left, Right, [, ], Home).
#pragma once

#include "counters.h"
#include "playback.h"
#include "scene_state.h"

#include <QWidget>

#include <memory>

class QAction;
class QLabel;
class QSlider;
class QTableWidget;

namespace iosim::gui {

class DataPathView;
class ModeLanes;

class CompareView : public QWidget {
  Q_OBJECT
 public:
  // One line of the counters table, as data.
  struct CounterRow {
    QString key;    // counterDefinitions() key: "copies.cpu", "cpu.kernel_ps"...
    QString label;  // first column
    CounterUnit unit = CounterUnit::Count;
    qint64 left = 0;  // at the current time
    qint64 right = 0;
    qint64 leftEnd = 0;  // at the end of each trace
    qint64 rightEnd = 0;
    qint64 difference() const { return right - left; }           // right minus left, now
    qint64 differenceEnd() const { return rightEnd - leftEnd; }  // at the ends
    QStringList cells;  // the texts of the four columns as shown
  };

  explicit CompareView(QWidget* parent = nullptr);
  ~CompareView() override;

  // Loads both traces. On failure (either file), returns false with the message of
  // TraceFile::load in `error` and leaves what is shown unchanged.
  bool openTraces(const QString& leftPath, const QString& rightPath, QString* error = nullptr);
  bool hasTraces() const { return bool(loaded_); }

  // Asks for two trace files (two file dialogs) and opens a new top-level CompareView on them
  // (deleted on close). Returns it, or null if cancelled or a file cannot be read (the message
  // is shown in a box over `parent`).
  static CompareView* openFromDialog(QWidget* parent);

  // The shared clock. Its index is the longer trace (for the range): step with
  // CompareView::stepForward/stepBack, which stop at the events of both traces, rather than with
  // Playback's own, which know only that trace's events.
  Playback* playback() { return &playback_; }
  DataPathView* leftView() const { return leftView_; }
  DataPathView* rightView() const { return rightView_; }
  ModeLanes* leftLanes() const { return leftLanes_; }
  ModeLanes* rightLanes() const { return rightLanes_; }
  QTableWidget* countersTable() const { return table_; }
  QString leftTitle() const;
  QString rightTitle() const;
  // The table's rows (only those shown: per-engine rows that are 0 in both traces are hidden).
  std::vector<CounterRow> counterRows() const;

  QSize sizeHint() const override { return {1600, 1000}; }

 public slots:
  // To the next / previous event (copy, descriptor, mode or context switch, interrupt, narration
  // step) of either trace. Right and Left.
  void stepForward();
  void stepBack();

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  struct Side {
    QString path;
    Trace trace;
    std::unique_ptr<TraceIndex> index;
    std::unique_ptr<CounterSet> counters;
  };
  struct Loaded {
    Side left, right;
  };

  void showTime(Picoseconds t);
  void rebuildTable();
  void updateTable(Picoseconds t);
  void updateSpeedLabel();
  Picoseconds endTime() const;

  std::unique_ptr<Loaded> loaded_;
  Playback playback_;
  QLabel* leftTitle_ = nullptr;
  QLabel* rightTitle_ = nullptr;
  DataPathView* leftView_ = nullptr;
  DataPathView* rightView_ = nullptr;
  ModeLanes* leftLanes_ = nullptr;
  ModeLanes* rightLanes_ = nullptr;
  QTableWidget* table_ = nullptr;
  std::vector<int> tableDefinitions_;  // per table row: index into counterDefinitions()
  QSlider* scrub_ = nullptr;
  QLabel* timeLabel_ = nullptr;
  QLabel* speedLabel_ = nullptr;
  QAction* playAction_ = nullptr;
};

}  // namespace iosim::gui
