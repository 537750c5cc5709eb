#include "compare_view.h"

#include "data_path_view.h"
#include "mode_lanes.h"
#include "palette.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QSlider>
#include <QSplitter>
#include <QTableWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>

namespace iosim::gui {

namespace {

constexpr int kScrubSteps = 10000;

enum Column { kLabelColumn, kLeftColumn, kRightColumn, kDifferenceColumn, kColumnCount };

// "now [end]": the value at the current time, the value at the end in brackets.
QString nowAndEnd(const QString& now, const QString& end) {
  return QStringLiteral("%1   [%2]").arg(now, end);
}

QString sideName(const QString& path) {
  return QFileInfo(path).completeBaseName();
}

}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setWindowTitle(tr("Compare traces - iosim player"));
  // Shortcuts are scoped to this widget and its children (it may sit inside the main window,
  // which has the same keys); it takes the focus itself so that they work when it is a window.
  setFocusPolicy(Qt::StrongFocus);

  auto* toolbar = new QToolBar(tr("Transport"), this);
  auto addTransport = [&](const QString& text, const QKeySequence& key, auto* receiver, auto slot) {
    QAction* action = toolbar->addAction(text, receiver, slot);
    action->setShortcut(key);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(text, key.toString()));
    this->addAction(action);  // the context is this widget, not only the toolbar
    return action;
  };
  addTransport(tr("Home"), QKeySequence(Qt::Key_Home), &playback_, &Playback::home);
  addTransport(tr("Back"), QKeySequence(Qt::Key_Left), this, &CompareView::stepBack);
  playAction_ =
      addTransport(tr("Play"), QKeySequence(Qt::Key_Space), &playback_, &Playback::togglePlay);
  addTransport(tr("Forward"), QKeySequence(Qt::Key_Right), this, &CompareView::stepForward);
  addTransport(tr("Slower"), QKeySequence(Qt::Key_BracketLeft), &playback_, &Playback::slower);
  addTransport(tr("Faster"), QKeySequence(Qt::Key_BracketRight), &playback_, &Playback::faster);
  speedLabel_ = new QLabel(this);
  toolbar->addWidget(speedLabel_);
  toolbar->addSeparator();
  scrub_ = new QSlider(Qt::Horizontal, this);
  scrub_->setRange(0, kScrubSteps);
  scrub_->setFocusPolicy(Qt::NoFocus);  // arrows belong to step forward/back
  toolbar->addWidget(scrub_);
  timeLabel_ = new QLabel(this);
  timeLabel_->setMinimumWidth(200);
  toolbar->addWidget(timeLabel_);

  auto makeSide = [this](QLabel*& title, DataPathView*& view, ModeLanes*& lanes) {
    auto* column = new QWidget(this);
    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(2, 2, 2, 2);
    title = new QLabel(column);
    QFont font = title->font();
    font.setBold(true);
    title->setFont(font);
    view = new DataPathView(column);
    lanes = new ModeLanes(column);
    lanes->setFixedHeight(int(ModeLanes::heightFor(1)));
    layout->addWidget(title);
    layout->addWidget(view, 5);
    layout->addWidget(lanes, 1);
    return column;
  };
  auto* sides = new QSplitter(Qt::Horizontal, this);
  sides->addWidget(makeSide(leftTitle_, leftView_, leftLanes_));
  sides->addWidget(makeSide(rightTitle_, rightView_, rightLanes_));

  table_ = new QTableWidget(0, kColumnCount, this);
  table_->setHorizontalHeaderLabels({tr("counter"), tr("left"), tr("right"), tr("difference")});
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->setFocusPolicy(Qt::NoFocus);  // arrows step the clock, they do not move a cell cursor
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(kLabelColumn, QHeaderView::ResizeToContents);
  for (int column = kLeftColumn; column < kColumnCount; ++column)
    table_->horizontalHeader()->setSectionResizeMode(column, QHeaderView::Stretch);

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(sides);
  split->addWidget(table_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({600, 400});

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(toolbar);
  layout->addWidget(split, 1);

  connect(&playback_, &Playback::timeChanged, this, &CompareView::showTime);
  connect(&playback_, &Playback::speedChanged, this, &CompareView::updateSpeedLabel);
  connect(&playback_, &Playback::playingChanged, this,
          [this](bool playing) { playAction_->setText(playing ? tr("Pause") : tr("Play")); });
  connect(scrub_, &QSlider::sliderMoved, this, [this](int value) {
    if (loaded_) playback_.setTime(Picoseconds(double(endTime()) * value / kScrubSteps));
  });
  updateSpeedLabel();
  showTime(0);
}

CompareView::~CompareView() {
  // The playback and the views point into loaded_: detach them before it goes.
  playback_.setIndex(nullptr);
}

bool CompareView::openTraces(const QString& leftPath, const QString& rightPath, QString* error) {
  auto loaded = std::make_unique<Loaded>();
  const std::pair<Side*, const QString*> sides[] = {{&loaded->left, &leftPath},
                                                    {&loaded->right, &rightPath}};
  for (const auto& [side, path] : sides) {
    QString message;
    std::optional<Trace> trace = TraceFile::load(*path, &message);
    if (!trace) {
      if (error) *error = message;
      return false;  // nothing shown has changed yet
    }
    side->path = *path;
    side->trace = std::move(*trace);
    side->index = std::make_unique<TraceIndex>(side->trace);
    side->counters = std::make_unique<CounterSet>(*side->index);
  }

  // Views keep pointers into the old traces: detach them before those go.
  playback_.setIndex(nullptr);
  for (DataPathView* view : {leftView_, rightView_}) view->setIndex(nullptr);
  for (ModeLanes* lanes : {leftLanes_, rightLanes_}) lanes->setIndex(nullptr);
  loaded_ = std::move(loaded);
  leftView_->setIndex(loaded_->left.index.get());
  leftLanes_->setIndex(loaded_->left.index.get());
  rightView_->setIndex(loaded_->right.index.get());
  rightLanes_->setIndex(loaded_->right.index.get());
  // The views draw the trace's title in their header; the label above says which file it is.
  leftTitle_->setText(QFileInfo(leftPath).fileName());
  rightTitle_->setText(QFileInfo(rightPath).fileName());
  leftTitle_->setToolTip(leftTitle());
  rightTitle_->setToolTip(rightTitle());
  // Lanes as tall as their processes need: the rest goes to the views and the table.
  leftLanes_->setFixedHeight(
      int(ModeLanes::heightFor(std::max(1, int(loaded_->left.index->processes().size())))));
  rightLanes_->setFixedHeight(
      int(ModeLanes::heightFor(std::max(1, int(loaded_->right.index->processes().size())))));
  setWindowTitle(tr("%1 vs %2 - iosim player").arg(sideName(leftPath), sideName(rightPath)));
  rebuildTable();
  // The clock's range is the longer trace; step forward/back are ours (events of both sides).
  playback_.setIndex(loaded_->left.index->endTime() >= loaded_->right.index->endTime()
                         ? loaded_->left.index.get()
                         : loaded_->right.index.get());
  showTime(playback_.time());
  return true;
}

CompareView* CompareView::openFromDialog(QWidget* parent) {
  const QString filter = tr("iosim traces (*.json);;All files (*)");
  const QString left =
      QFileDialog::getOpenFileName(parent, tr("Compare: first trace (left)"), QString(), filter);
  if (left.isEmpty()) return nullptr;
  const QString right = QFileDialog::getOpenFileName(parent, tr("Compare: second trace (right)"),
                                                     QFileInfo(left).absolutePath(), filter);
  if (right.isEmpty()) return nullptr;
  auto* view = new CompareView(parent);
  view->setWindowFlag(Qt::Window);  // its own window, owned by `parent`
  view->setAttribute(Qt::WA_DeleteOnClose);
  QString error;
  if (!view->openTraces(left, right, &error)) {
    QMessageBox::warning(parent, tr("Cannot open trace"), error);
    delete view;
    return nullptr;
  }
  view->resize(view->sizeHint());
  view->show();
  view->setFocus();
  return view;
}

void CompareView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  // As a window, take the focus so that the transport keys work at once.
  if (isWindow() && !isAncestorOf(QApplication::focusWidget())) setFocus();
}

QString CompareView::leftTitle() const {
  return loaded_ ? loaded_->left.trace.title : QString();
}

QString CompareView::rightTitle() const {
  return loaded_ ? loaded_->right.trace.title : QString();
}

Picoseconds CompareView::endTime() const {
  return loaded_ ? std::max(loaded_->left.index->endTime(), loaded_->right.index->endTime()) : 0;
}

void CompareView::stepForward() {
  if (!loaded_) return;
  const Picoseconds t = playback_.time();
  Picoseconds next = t;
  for (const TraceIndex* index : {loaded_->left.index.get(), loaded_->right.index.get()}) {
    const Picoseconds candidate = index->nextEvent(t);  // t itself when there is none
    if (candidate > t && (next == t || candidate < next)) next = candidate;
  }
  playback_.setTime(next);
}

void CompareView::stepBack() {
  if (!loaded_) return;
  const Picoseconds t = playback_.time();
  Picoseconds previous = 0;
  for (const TraceIndex* index : {loaded_->left.index.get(), loaded_->right.index.get()})
    previous = std::max(previous, index->previousEvent(t));  // 0 when there is none
  playback_.setTime(previous);
}

void CompareView::showTime(Picoseconds t) {
  leftView_->setTime(t);
  rightView_->setTime(t);
  leftLanes_->setTime(t);
  rightLanes_->setTime(t);
  const Picoseconds end = std::max<Picoseconds>(1, endTime());
  if (!scrub_->isSliderDown()) {
    const QSignalBlocker blocker(scrub_);
    scrub_->setValue(int(double(t) / double(end) * kScrubSteps));
  }
  timeLabel_->setText(tr("%1 / %2").arg(formatTime(t), formatTime(endTime())));
  updateTable(t);
}

void CompareView::rebuildTable() {
  const std::vector<CounterDefinition>& definitions = counterDefinitions();
  const CounterValues leftEnd = loaded_->left.counters->atEnd();
  const CounterValues rightEnd = loaded_->right.counters->atEnd();
  tableDefinitions_.clear();
  for (int i = 0; i < int(definitions.size()); ++i) {
    const CounterDefinition& definition = definitions[size_t(i)];
    // "copies by channel: 0, 0" says nothing: keep only engines either trace used.
    if (definition.engineDetail && leftEnd.value(definition.key) == 0 &&
        rightEnd.value(definition.key) == 0)
      continue;
    tableDefinitions_.push_back(i);
  }
  table_->clearContents();
  table_->setRowCount(int(tableDefinitions_.size()));
  table_->setHorizontalHeaderLabels({tr("counter"),
                                     tr("%1: now [end]").arg(sideName(loaded_->left.path)),
                                     tr("%1: now [end]").arg(sideName(loaded_->right.path)),
                                     tr("difference (right - left): now [end]")});
  for (int row = 0; row < int(tableDefinitions_.size()); ++row) {
    const CounterDefinition& definition = definitions[size_t(tableDefinitions_[size_t(row)])];
    auto* label = new QTableWidgetItem(definition.label);
    label->setToolTip(definition.key);
    if (!definition.engine.isEmpty())
      label->setData(Qt::DecorationRole, engineColor(definition.engine));
    table_->setItem(row, kLabelColumn, label);
    for (int column = kLeftColumn; column < kColumnCount; ++column) {
      auto* item = new QTableWidgetItem;
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      table_->setItem(row, column, item);
    }
  }
}

std::vector<CompareView::CounterRow> CompareView::counterRows() const {
  std::vector<CounterRow> rows;
  if (!loaded_) return rows;
  const Picoseconds t = playback_.time();
  const CounterValues left = loaded_->left.counters->at(t);
  const CounterValues right = loaded_->right.counters->at(t);
  const CounterValues leftEnd = loaded_->left.counters->atEnd();
  const CounterValues rightEnd = loaded_->right.counters->atEnd();
  const std::vector<CounterDefinition>& definitions = counterDefinitions();
  for (int row = 0; row < int(tableDefinitions_.size()); ++row) {
    const CounterDefinition& definition = definitions[size_t(tableDefinitions_[size_t(row)])];
    CounterRow counter;
    counter.key = definition.key;
    counter.label = definition.label;
    counter.unit = definition.unit;
    counter.left = left.value(definition.key);
    counter.right = right.value(definition.key);
    counter.leftEnd = leftEnd.value(definition.key);
    counter.rightEnd = rightEnd.value(definition.key);
    for (int column = 0; column < kColumnCount; ++column) {
      const QTableWidgetItem* item = table_->item(row, column);
      counter.cells << (item ? item->text() : QString());
    }
    rows.push_back(std::move(counter));
  }
  return rows;
}

void CompareView::updateTable(Picoseconds t) {
  if (!loaded_) return;
  // O(log n) per counter and side: cheap enough for every frame of playback.
  const CounterValues left = loaded_->left.counters->at(t);
  const CounterValues right = loaded_->right.counters->at(t);
  const CounterValues leftEnd = loaded_->left.counters->atEnd();
  const CounterValues rightEnd = loaded_->right.counters->atEnd();
  const std::vector<CounterDefinition>& definitions = counterDefinitions();
  for (int row = 0; row < int(tableDefinitions_.size()); ++row) {
    const CounterDefinition& definition = definitions[size_t(tableDefinitions_[size_t(row)])];
    const QString& key = definition.key;
    const qint64 leftNow = left.value(key), rightNow = right.value(key);
    const qint64 leftLast = leftEnd.value(key), rightLast = rightEnd.value(key);
    table_->item(row, kLeftColumn)
        ->setText(nowAndEnd(formatCounter(leftNow, definition.unit),
                            formatCounter(leftLast, definition.unit)));
    table_->item(row, kRightColumn)
        ->setText(nowAndEnd(formatCounter(rightNow, definition.unit),
                            formatCounter(rightLast, definition.unit)));
    QTableWidgetItem* difference = table_->item(row, kDifferenceColumn);
    difference->setText(nowAndEnd(formatCounterDifference(rightNow - leftNow, definition.unit),
                                  formatCounterDifference(rightLast - leftLast, definition.unit)));
    QFont font = difference->font();
    if (font.bold() != (rightNow != leftNow)) {
      font.setBold(rightNow != leftNow);
      difference->setFont(font);
    }
  }
}

void CompareView::updateSpeedLabel() {
  speedLabel_->setText(tr(" %1 per second ").arg(formatTime(playback_.speed())));
}

}  // namespace iosim::gui
