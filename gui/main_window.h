// The player window: data-path view, mode lanes and timeline on the left, narration and the
// details of the selected record on the right, a transport toolbar on top.
#pragma once

#include "playback.h"
#include "scene_state.h"

#include <QMainWindow>

#include <memory>

class QAction;
class QLabel;
class QPlainTextEdit;
class QSlider;

namespace iosim::gui {

class DataPathView;
class ModeLanes;
class NarrationPanel;
class TimelineView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads a trace; on failure shows the message (and returns it in `error`), keeps the old one.
  bool openTrace(const QString& path, QString* error = nullptr);

  Playback& playback() { return playback_; }
  DataPathView* dataPathView() const { return dataPath_; }
  TimelineView* timelineView() const { return timeline_; }
  ModeLanes* modeLanes() const { return modeLanes_; }
  NarrationPanel* narrationPanel() const { return narration_; }
  QString detailsText() const;

 private:
  void openDialog();
  void showTime(Picoseconds t);
  void selectRecord(int recordIndex);
  void updateSpeedLabel();

  struct Loaded {
    Trace trace;
    std::unique_ptr<TraceIndex> index;
  };
  std::unique_ptr<Loaded> loaded_;
  Playback playback_;
  DataPathView* dataPath_ = nullptr;
  ModeLanes* modeLanes_ = nullptr;
  TimelineView* timeline_ = nullptr;
  NarrationPanel* narration_ = nullptr;
  QPlainTextEdit* details_ = nullptr;
  QSlider* scrub_ = nullptr;
  QLabel* timeLabel_ = nullptr;
  QLabel* speedLabel_ = nullptr;
  QAction* playAction_ = nullptr;
};

}  // namespace iosim::gui
