#include "main_window.h"

#include "compare_view.h"
#include "data_path_view.h"
#include "export.h"
#include "mode_lanes.h"
#include "narration_panel.h"
#include "scenario_browser.h"
#include "sweep_chart.h"
#include "timeline_view.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace iosim::gui {

namespace {
constexpr int kScrubSteps = 10000;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("iosim player"));
  resize(1500, 950);

  dataPath_ = new DataPathView(this);
  modeLanes_ = new ModeLanes(this);
  timeline_ = new TimelineView(this);
  narration_ = new NarrationPanel(this);
  details_ = new QPlainTextEdit(this);
  details_->setReadOnly(true);
  details_->setPlaceholderText(tr("Click a record in the timeline to see its details."));

  auto* left = new QSplitter(Qt::Vertical, this);
  left->addWidget(dataPath_);
  left->addWidget(modeLanes_);
  left->addWidget(timeline_);
  left->setStretchFactor(0, 5);
  left->setStretchFactor(1, 1);
  left->setStretchFactor(2, 2);
  rightSplitter_ = new QSplitter(Qt::Vertical, this);
  rightSplitter_->addWidget(narration_);
  rightSplitter_->addWidget(details_);
  auto* main = new QSplitter(Qt::Horizontal, this);
  main->addWidget(left);
  main->addWidget(rightSplitter_);
  main->setStretchFactor(0, 4);
  main->setStretchFactor(1, 1);
  // The narration is read from the back of a lecture hall: give it room for its sentences.
  rightSplitter_->setMinimumWidth(340);
  main->setSizes({1140, 360});
  setCentralWidget(main);

  // The scenario pane: choose, set the knobs, run; the finished run's trace plays here.
  browser_ = new ScenarioBrowser(this);
  browser_->setMinimumWidth(300);  // scenario titles are sentences
  browserDock_ = new QDockWidget(tr("Scenarios"), this);
  browserDock_->setObjectName(QStringLiteral("scenarios"));
  browserDock_->setWidget(browser_);
  addDockWidget(Qt::LeftDockWidgetArea, browserDock_);
  connect(browser_, &ScenarioBrowser::traceReady, this,
          [this](const QString& path) { openTrace(path); });
  // "Run & compare": the new run beside the trace playing now (or alone if none is).
  connect(browser_, &ScenarioBrowser::compareReady, this, [this](const QString& path) {
    if (!loaded_) {
      openTrace(path);
      return;
    }
    auto* compare = new CompareView;
    compare->setAttribute(Qt::WA_DeleteOnClose);
    QString error;
    if (!compare->openTraces(loaded_->path, path, &error)) {
      delete compare;
      QMessageBox::warning(this, tr("Cannot compare"), error);
      return;
    }
    compare->setWindowTitle(
        tr("%1 vs %2 - iosim compare").arg(loaded_->trace.title, QFileInfo(path).fileName()));
    compare->show();
    lastCompare_ = compare;
  });

  QMenu* file = menuBar()->addMenu(tr("&File"));
  addShortcutAction(file, tr("&Open trace or scenario..."), QKeySequence::Open,
                    [this] { openDialog(); });
  file->addSeparator();
  addShortcutAction(file, tr("Export &view (PNG/SVG)..."), QKeySequence(Qt::CTRL | Qt::Key_E),
                    [this] { exportViewDialog(); });
  addShortcutAction(file, tr("Export &timeline (SVG/PNG)..."),
                    QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
                    [this] { exportTimelineDialog(); });
  addShortcutAction(file, tr("Export animation as &frames (PNG)..."), QKeySequence(),
                    [this] { exportFramesDialog(false); });
  addShortcutAction(file, tr("Export animation as &video..."), QKeySequence(),
                    [this] { exportFramesDialog(true); });
  file->addSeparator();
  addShortcutAction(file, tr("&Quit"), QKeySequence::Quit, [this] { close(); });

  QToolBar* transport = addToolBar(tr("Transport"));
  transport->setObjectName(QStringLiteral("transport"));
  transport_ = transport;
  QMenu* play = menuBar()->addMenu(tr("&Play"));
  // Actions belong to the window, not the toolbar, so their keys work with the toolbar hidden
  // (presenter mode is keyboard only).
  auto addTransport = [&](const QString& text, const QKeySequence& key, auto slot) {
    QAction* action = play->addAction(text, &playback_, slot);
    action->setShortcut(key);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(text, key.toString()));
    this->addAction(action);
    transport->addAction(action);
    return action;
  };
  addTransport(tr("Home"), QKeySequence(Qt::Key_Home), &Playback::home);
  addTransport(tr("Previous step"), QKeySequence(Qt::Key_PageUp), &Playback::previousLectureStep);
  addTransport(tr("Back"), QKeySequence(Qt::Key_Left), &Playback::stepBack);
  playAction_ = addTransport(tr("Play"), QKeySequence(Qt::Key_Space), &Playback::togglePlay);
  addTransport(tr("Forward"), QKeySequence(Qt::Key_Right), &Playback::stepForward);
  addTransport(tr("Next step"), QKeySequence(Qt::Key_PageDown), &Playback::nextLectureStep);
  addTransport(tr("Slower"), QKeySequence(Qt::Key_BracketLeft), &Playback::slower);
  addTransport(tr("Faster"), QKeySequence(Qt::Key_BracketRight), &Playback::faster);
  speedLabel_ = new QLabel(this);
  transport->addWidget(speedLabel_);
  transport->addSeparator();
  scrub_ = new QSlider(Qt::Horizontal, this);
  scrub_->setRange(0, kScrubSteps);
  scrub_->setFocusPolicy(Qt::NoFocus);  // arrows belong to step forward/back
  transport->addWidget(scrub_);
  timeLabel_ = new QLabel(this);
  timeLabel_->setMinimumWidth(200);
  transport->addWidget(timeLabel_);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  presenterAction_ = addShortcutAction(view, tr("&Presenter mode"), QKeySequence(Qt::Key_F5),
                                       [this] { setPresenterMode(!presenter_); });
  presenterAction_->setCheckable(true);
  addShortcutAction(view, tr("Leave presenter mode"), QKeySequence(Qt::Key_Escape), [this] {
    if (presenter_) setPresenterMode(false);
  });
  QAction* scenarios = browserDock_->toggleViewAction();
  scenarios->setShortcut(QKeySequence(Qt::Key_F9));
  view->addAction(scenarios);
  addAction(scenarios);
  view->addSeparator();
  addShortcutAction(view, tr("&Compare two traces..."), QKeySequence(Qt::CTRL | Qt::Key_D),
                    [this] { openCompareDialog(); });
  addShortcutAction(view, tr("Sweep &chart..."), QKeySequence(Qt::CTRL | Qt::Key_K),
                    [this] { openSweepDialog(); });
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  addShortcutAction(help, tr("&Keyboard shortcuts"), QKeySequence(Qt::Key_F1),
                    [this] { showShortcuts(); });

  connect(&playback_, &Playback::timeChanged, this, &MainWindow::showTime);
  connect(&playback_, &Playback::speedChanged, this, &MainWindow::updateSpeedLabel);
  connect(&playback_, &Playback::playingChanged, this,
          [this](bool playing) { playAction_->setText(playing ? tr("Pause") : tr("Play")); });
  connect(scrub_, &QSlider::sliderMoved, this, [this](int value) {
    if (loaded_)
      playback_.setTime(Picoseconds(double(loaded_->index->endTime()) * value / kScrubSteps));
  });
  connect(timeline_, &TimelineView::timeRequested, &playback_, &Playback::setTime);
  connect(timeline_, &TimelineView::recordClicked, this, &MainWindow::selectRecord);
  connect(narration_, &NarrationPanel::stepActivated, &playback_, &Playback::setTime);
  updateSpeedLabel();
  browser_->refresh();
}

QAction* MainWindow::addShortcutAction(QMenu* menu, const QString& text, const QKeySequence& key,
                                       std::function<void()> slot) {
  QAction* action = menu->addAction(text);
  action->setShortcut(key);
  connect(action, &QAction::triggered, this, [slot = std::move(slot)] { slot(); });
  addAction(action);  // works with the menu bar hidden
  return action;
}

MainWindow::~MainWindow() = default;

CompareView* MainWindow::lastCompareView() const {
  return lastCompare_.data();
}

bool MainWindow::openTrace(const QString& path, QString* error) {
  QString message;
  std::optional<Trace> trace = TraceFile::load(path, &message);
  if (!trace) {
    if (error) *error = message;
    statusBar()->showMessage(message);
    if (isVisible()) QMessageBox::warning(this, tr("Cannot open trace"), message);
    return false;
  }
  // Views keep pointers into the old trace: detach them before it goes.
  playback_.setIndex(nullptr);
  dataPath_->setIndex(nullptr);
  modeLanes_->setIndex(nullptr);
  timeline_->setIndex(nullptr);
  narration_->setIndex(nullptr);
  auto loaded = std::make_unique<Loaded>();
  loaded->path = path;
  loaded->trace = std::move(*trace);
  loaded->index = std::make_unique<TraceIndex>(loaded->trace);
  loaded_ = std::move(loaded);
  const TraceIndex* index = loaded_->index.get();
  dataPath_->setIndex(index);
  modeLanes_->setIndex(index);
  timeline_->setIndex(index);
  narration_->setIndex(index);
  playback_.setIndex(index);
  details_->clear();
  setWindowTitle(tr("%1 - iosim player").arg(QFileInfo(path).fileName()));
  statusBar()->showMessage(tr("%1: %2 records, %3 regions")
                               .arg(path)
                               .arg(loaded_->trace.records.size())
                               .arg(loaded_->trace.regions.size()));
  showTime(playback_.time());
  return true;
}

void MainWindow::openDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open trace or scenario"), QString(),
      tr("iosim traces and scenarios (*.json *.yaml *.yml);;All files (*)"));
  if (!path.isEmpty()) openFile(path);
}

bool MainWindow::openFile(const QString& path, QString* error) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == QLatin1String("yaml") || suffix == QLatin1String("yml")) {
    if (!QFileInfo::exists(path)) {
      const QString message = tr("%1: error: no such file").arg(path);
      if (error) *error = message;
      statusBar()->showMessage(message);
      return false;
    }
    browserDock_->show();
    browser_->openScenario(path);
    return true;
  }
  return openTrace(path, error);
}

void MainWindow::showTime(Picoseconds t) {
  dataPath_->setTime(t);
  modeLanes_->setTime(t);
  timeline_->setTime(t);
  if (!loaded_) return;
  narration_->setCurrentStep(dataPath_->state().currentStep);
  const Picoseconds end = std::max<Picoseconds>(1, loaded_->index->endTime());
  if (!scrub_->isSliderDown()) {
    const QSignalBlocker blocker(scrub_);
    scrub_->setValue(int(double(t) / double(end) * kScrubSteps));
  }
  timeLabel_->setText(tr("%1 / %2").arg(formatTime(t), formatTime(end)));
}

void MainWindow::selectRecord(int recordIndex) {
  if (loaded_) details_->setPlainText(loaded_->trace.describe(recordIndex));
}

QString MainWindow::detailsText() const {
  return details_->toPlainText();
}

void MainWindow::updateSpeedLabel() {
  speedLabel_->setText(tr(" %1 per second ").arg(formatTime(playback_.speed())));
  // A 100 ns mode switch lasts a blink at most speeds: keep short events on screen for about
  // half a second of wall time, whatever the speed.
  constexpr double kLingerWallSeconds = 0.4;
  const auto linger = Picoseconds(double(playback_.speed()) * kLingerWallSeconds);
  dataPath_->setLinger(linger);
  modeLanes_->setLinger(linger);
}

void MainWindow::applyViewStyle() {
  const ViewStyle style = presenter_ ? presenterStyle() : ViewStyle{};
  dataPath_->setViewStyle(style);
  modeLanes_->setViewStyle(style);
  timeline_->setViewStyle(style);
  narration_->setFontScale(style.fontScale);
}

void MainWindow::setPresenterMode(bool on) {
  if (on == presenter_) return;
  presenter_ = on;
  presenterAction_->setChecked(on);
  if (on) {
    browserWasVisible_ = browserDock_->isVisible();
    wasMaximized_ = isMaximized();
    browserDock_->hide();
    details_->hide();
    menuBar()->hide();
    transport_->hide();
    statusBar()->hide();
    showFullScreen();
  } else {
    browserDock_->setVisible(browserWasVisible_);
    details_->show();
    menuBar()->show();
    transport_->show();
    statusBar()->show();
    wasMaximized_ ? showMaximized() : showNormal();
  }
  applyViewStyle();
  // Keys go to the window's actions, not to a list or text box that would swallow arrows.
  setFocus();
}

QList<QPair<QString, QString>> MainWindow::shortcuts() const {
  QList<QPair<QString, QString>> result;
  for (const QAction* action : actions())
    if (!action->shortcut().isEmpty())
      result.append({action->shortcut().toString(QKeySequence::NativeText),
                     QString(action->text()).remove(QLatin1Char('&'))});
  return result;
}

void MainWindow::showShortcuts() {
  QString text = QStringLiteral("<table cellpadding=4>");
  for (const auto& [key, what] : shortcuts())
    text += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
                .arg(key.toHtmlEscaped(), what.toHtmlEscaped());
  text += QStringLiteral("</table>");
  QMessageBox box(QMessageBox::NoIcon, tr("Keyboard shortcuts"), text, QMessageBox::Close, this);
  box.setTextFormat(Qt::RichText);
  box.exec();
}

void MainWindow::exportViewDialog() {
  if (!loaded_) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export view"), QString(),
                                                    tr("PNG image (*.png);;SVG drawing (*.svg)"));
  if (path.isEmpty()) return;
  ExportOptions options;
  options.output = path;
  options.time = playback_.time();
  options.view = ExportView::All;
  options.size = dataPath_->size().expandedTo(QSize(1600, 900));
  QString error;
  if (!exportView(*loaded_->index, options, &error))
    QMessageBox::warning(this, tr("Export failed"), error);
  else
    statusBar()->showMessage(tr("Wrote %1").arg(path));
}

void MainWindow::exportTimelineDialog() {
  if (!loaded_) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export timeline"), QString(),
                                                    tr("SVG drawing (*.svg);;PNG image (*.png)"));
  if (path.isEmpty()) return;
  TimelineExportOptions options;
  options.output = path;
  options.time = playback_.time();
  // What the timeline shows now, zoom included.
  options.range = {timeline_->visibleStart(), timeline_->visibleEnd()};
  QString error;
  if (!exportTimeline(*loaded_->index, options, &error))
    QMessageBox::warning(this, tr("Export failed"), error);
  else
    statusBar()->showMessage(tr("Wrote %1").arg(path));
}

void MainWindow::exportFramesDialog(bool video) {
  if (!loaded_) return;
  FramesOptions options;
  options.view = ExportView::All;
  options.speed = playback_.speed();
  QString output;
  if (video) {
    if (findFfmpeg().isEmpty()) {
      QMessageBox::information(this, tr("No ffmpeg"),
                               tr("Encoding a video needs ffmpeg (apt-get install ffmpeg). The "
                                  "animation can still be exported as PNG frames."));
      return;
    }
    output = QFileDialog::getSaveFileName(this, tr("Export animation as video"), QString(),
                                          tr("MP4 video (*.mp4);;WebM video (*.webm)"));
  } else {
    output = QFileDialog::getExistingDirectory(this, tr("Directory for the frames"));
    options.directory = output;
  }
  if (output.isEmpty()) return;
  QString error;
  const std::optional<FramesPlan> plan = planFrames(*loaded_->index, options, &error);
  if (!plan) {
    QMessageBox::warning(this, tr("Export failed"), error);
    return;
  }
  QProgressDialog progressDialog(
      tr("Rendering %1 frames at %2 per second...").arg(plan->frames).arg(formatTime(plan->speed)),
      tr("Cancel"), 0, int(plan->frames), this);
  progressDialog.setWindowModality(Qt::WindowModal);
  progressDialog.setMinimumDuration(0);
  const ExportProgress progress = [&progressDialog](int done, int total) {
    progressDialog.setMaximum(total);
    progressDialog.setValue(done);
    return !progressDialog.wasCanceled();
  };
  const bool ok = video ? exportVideo(*loaded_->index, options, output, progress, &error)
                        : exportFrames(*loaded_->index, options, progress, &error);
  progressDialog.reset();
  if (!ok)
    QMessageBox::warning(this, tr("Export failed"), error);
  else
    statusBar()->showMessage(tr("Wrote %1 frames to %2").arg(plan->frames).arg(output));
}

void MainWindow::openCompareDialog() {
  if (CompareView* compare = CompareView::openFromDialog(this)) {
    compare->show();
    compare->raise();
  }
}

void MainWindow::openSweepDialog() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open sweep results"), QString(),
                                                    tr("iosim sweep CSV (*.csv);;All files (*)"));
  if (path.isEmpty()) return;
  auto* chart = new SweepChart;
  chart->setAttribute(Qt::WA_DeleteOnClose);
  QString error;
  if (!chart->openCsv(path, &error)) {
    delete chart;
    QMessageBox::warning(this, tr("Cannot open sweep"), error);
    return;
  }
  chart->setWindowTitle(tr("%1 - iosim sweep").arg(QFileInfo(path).fileName()));
  chart->resize(1200, 800);
  chart->show();
}

}  // namespace iosim::gui
