// The player window: data-path view, mode lanes and timeline on the left, narration and the
// details of the selected record on the right, a transport toolbar on top.
#pragma once

#include "playback.h"
#include "scene_state.h"

#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QPlainTextEdit;
class QSlider;
class QSplitter;
class QToolBar;

namespace iosim::gui {

class DataPathView;
class ModeLanes;
class CompareView;
class NarrationPanel;
class ScenarioBrowser;
class TimelineView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads a trace; on failure shows the message (and returns it in `error`), keeps the old one.
  bool openTrace(const QString& path, QString* error = nullptr);
  // Opens a trace (.json) or selects a scenario (.yaml) in the scenario pane.
  bool openFile(const QString& path, QString* error = nullptr);

  // Presenter mode: full screen, large high-contrast views, only the data path, the mode lanes,
  // the narration and the timeline; every control on the keyboard (F5 toggles, Esc leaves).
  void setPresenterMode(bool on);
  bool presenterMode() const { return presenter_; }
  // Every keyboard shortcut with what it does, for the help overlay and the docs.
  QList<QPair<QString, QString>> shortcuts() const;

  Playback& playback() { return playback_; }
  DataPathView* dataPathView() const { return dataPath_; }
  TimelineView* timelineView() const { return timeline_; }
  ModeLanes* modeLanes() const { return modeLanes_; }
  NarrationPanel* narrationPanel() const { return narration_; }
  ScenarioBrowser* scenarioBrowser() const { return browser_; }
  const TraceIndex* index() const { return loaded_ ? loaded_->index.get() : nullptr; }
  // The compare window "Run & compare" opened last (null if none or closed).
  CompareView* lastCompareView() const;
  QString detailsText() const;

 private:
  void openDialog();
  void showTime(Picoseconds t);
  void selectRecord(int recordIndex);
  void updateSpeedLabel();
  void applyViewStyle();
  void showShortcuts();
  void exportViewDialog();
  void exportTimelineDialog();
  void exportFramesDialog(bool video);
  void openCompareDialog();
  void openSweepDialog();
  QAction* addShortcutAction(QMenu* menu, const QString& text, const QKeySequence& key,
                             std::function<void()> slot);

  struct Loaded {
    QString path;
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
  QAction* presenterAction_ = nullptr;
  ScenarioBrowser* browser_ = nullptr;
  QDockWidget* browserDock_ = nullptr;
  QToolBar* transport_ = nullptr;
  QSplitter* rightSplitter_ = nullptr;
  bool presenter_ = false;
  QPointer<CompareView> lastCompare_;
  bool browserWasVisible_ = true;
  bool wasMaximized_ = false;
};

}  // namespace iosim::gui
