#include "main_window.h"

#include "data_path_view.h"
#include "mode_lanes.h"
#include "narration_panel.h"
#include "timeline_view.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
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
  auto* right = new QSplitter(Qt::Vertical, this);
  right->addWidget(narration_);
  right->addWidget(details_);
  auto* main = new QSplitter(Qt::Horizontal, this);
  main->addWidget(left);
  main->addWidget(right);
  main->setStretchFactor(0, 4);
  main->setStretchFactor(1, 1);
  // The narration is read from the back of a lecture hall: give it room for its sentences.
  right->setMinimumWidth(340);
  main->setSizes({1140, 360});
  setCentralWidget(main);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open trace..."), this, &MainWindow::openDialog);
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QToolBar* transport = addToolBar(tr("Transport"));
  auto addAction = [&](const QString& text, const QKeySequence& key, auto slot) {
    QAction* action = transport->addAction(text, &playback_, slot);
    action->setShortcut(key);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(text, key.toString()));
    return action;
  };
  addAction(tr("Home"), QKeySequence(Qt::Key_Home), &Playback::home);
  addAction(tr("Back"), QKeySequence(Qt::Key_Left), &Playback::stepBack);
  playAction_ = addAction(tr("Play"), QKeySequence(Qt::Key_Space), &Playback::togglePlay);
  addAction(tr("Forward"), QKeySequence(Qt::Key_Right), &Playback::stepForward);
  addAction(tr("Slower"), QKeySequence(Qt::Key_BracketLeft), &Playback::slower);
  addAction(tr("Faster"), QKeySequence(Qt::Key_BracketRight), &Playback::faster);
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
}

MainWindow::~MainWindow() = default;

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
  const QString path = QFileDialog::getOpenFileName(this, tr("Open trace"), QString(),
                                                    tr("iosim traces (*.json);;All files (*)"));
  if (!path.isEmpty()) openTrace(path);
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
}

}  // namespace iosim::gui
