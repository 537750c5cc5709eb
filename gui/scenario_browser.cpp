#include "scenario_browser.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace iosim::gui {

namespace {

constexpr int kPathRole = Qt::UserRole;

// What a user may type into a knob of each kind: the placeholder is the hint.
QString exampleFor(const QString& kind) {
  if (kind == QLatin1String("size")) return QStringLiteral("e.g. 64KiB, 1MiB");
  if (kind == QLatin1String("time")) return QStringLiteral("e.g. 7.4ms, 100ns");
  if (kind == QLatin1String("rate")) return QStringLiteral("e.g. 25.6GB/s, 10Gbit/s");
  if (kind == QLatin1String("frequency")) return QStringLiteral("e.g. 3GHz");
  if (kind == QLatin1String("count")) return QStringLiteral("a whole number");
  return {};
}

}  // namespace

ScenarioBrowser::ScenarioBrowser(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  tree_ = new QTreeWidget(this);
  tree_->setHeaderHidden(true);
  tree_->setColumnCount(1);
  tree_->setMinimumHeight(160);
  layout->addWidget(new QLabel(tr("<b>Scenarios</b>"), this));
  layout->addWidget(tree_, 2);

  title_ = new QLabel(tr("Choose a scenario."), this);
  title_->setWordWrap(true);
  QFont titleFont = title_->font();
  titleFont.setBold(true);
  title_->setFont(titleFont);
  teaches_ = new QLabel(this);
  teaches_->setWordWrap(true);
  layout->addWidget(title_);
  layout->addWidget(teaches_);

  formHost_ = new QWidget(this);
  form_ = new QFormLayout(formHost_);
  form_->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(formHost_);

  auto* buttons = new QHBoxLayout;
  runButton_ = new QPushButton(tr("&Run"), this);
  runButton_->setToolTip(tr("Run the scenario with these values and play its trace (Ctrl+R)"));
  runButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  cancelButton_ = new QPushButton(tr("Cancel"), this);
  resetButton_ = new QPushButton(tr("Reset"), this);
  compareButton_ = new QPushButton(tr("Run && compare"), this);
  compareButton_->setToolTip(
      tr("Run it and show it beside the trace playing now, on one clock (Ctrl+Shift+R)"));
  compareButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  resetButton_->setToolTip(tr("Back to the values in the file"));
  buttons->addWidget(runButton_);
  buttons->addWidget(cancelButton_);
  buttons->addWidget(compareButton_);
  buttons->addWidget(resetButton_);
  layout->addLayout(buttons);

  log_ = new QPlainTextEdit(this);
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(2000);
  log_->setPlaceholderText(tr("What iosim says appears here."));
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::Monospace);
  log_->setFont(mono);
  layout->addWidget(log_, 1);

  runButton_->setEnabled(false);
  compareButton_->setEnabled(false);
  cancelButton_->setEnabled(false);
  resetButton_->setEnabled(false);

  connect(tree_, &QTreeWidget::itemActivated, this, &ScenarioBrowser::onItemActivated);
  connect(tree_, &QTreeWidget::itemClicked, this, &ScenarioBrowser::onItemActivated);
  connect(runButton_, &QPushButton::clicked, this, &ScenarioBrowser::runSelected);
  connect(compareButton_, &QPushButton::clicked, this, &ScenarioBrowser::runSelectedToCompare);
  connect(cancelButton_, &QPushButton::clicked, this, [this] {
    runner_.cancel();
    log_->appendPlainText(tr("Run cancelled."));
  });
  connect(resetButton_, &QPushButton::clicked, this, [this] { showInfo(info_); });

  connect(&queries_, &ScenarioRunner::listed, this, &ScenarioBrowser::showCatalog);
  connect(&queries_, &ScenarioRunner::explained, this, &ScenarioBrowser::showInfo);
  connect(&queries_, &ScenarioRunner::failed, this, &ScenarioBrowser::showFailure);
  connect(&runner_, &ScenarioRunner::failed, this, [this](const QString& message) {
    showFailure(message);
    emit runFailed(message);
  });
  connect(&runner_, &ScenarioRunner::busyChanged, this, [this](bool busy) {
    runButton_->setEnabled(!busy && !selected_.isEmpty());
    compareButton_->setEnabled(!busy && !selected_.isEmpty());
    cancelButton_->setEnabled(busy);
  });
  connect(&runner_, &ScenarioRunner::finished, this, [this](const RunResult& result) {
    if (!result.output.trimmed().isEmpty()) log_->appendPlainText(result.output.trimmed());
    if (result.exitCode == 1)
      log_->appendPlainText(
          tr("The run finished, but an expectation failed or the data did not "
             "verify (see above). Its trace is shown."));
    else
      log_->appendPlainText(tr("Done: playing %1").arg(QFileInfo(result.scenario).fileName()));
    if (runIsForCompare_)
      emit compareReady(result.tracePath, result);
    else
      emit traceReady(result.tracePath, result);
  });
}

void ScenarioBrowser::setProgram(const QString& program) {
  runner_.setProgram(program);
  queries_.setProgram(program);
}

void ScenarioBrowser::refresh() {
  queries_.list();
}

QStringList ScenarioBrowser::groupNames() const {
  QStringList names;
  for (const ScenarioGroup& group : catalog_.groups) names << group.name;
  return names;
}

void ScenarioBrowser::showCatalog(const ScenarioCatalog& catalog) {
  catalog_ = catalog;
  tree_->clear();
  for (const ScenarioGroup& group : catalog.groups) {
    auto* groupItem = new QTreeWidgetItem(tree_, {group.name});
    QFont bold = groupItem->font(0);
    bold.setBold(true);
    groupItem->setFont(0, bold);
    groupItem->setFlags(Qt::ItemIsEnabled);
    for (const ScenarioEntry& entry : group.scenarios) {
      auto* item = new QTreeWidgetItem(groupItem, {entry.title});
      item->setData(0, kPathRole, entry.path);
      if (entry.error.isEmpty()) {
        item->setToolTip(0, QStringLiteral("%1\n%2").arg(entry.file, entry.summary));
      } else {
        // Listed anyway, so the user sees that the file exists and why it does not load.
        item->setText(0, tr("%1 (does not load)").arg(entry.file));
        item->setForeground(0, QColor(0xC6, 0x28, 0x28));
        item->setToolTip(0, entry.error);
      }
    }
    groupItem->setExpanded(true);
  }
  if (catalog.groups.empty())
    log_->appendPlainText(tr("No built-in scenarios in %1.").arg(catalog.directory));
  emit catalogChanged();
}

void ScenarioBrowser::onItemActivated(QTreeWidgetItem* item) {
  const QString path = item ? item->data(0, kPathRole).toString() : QString();
  if (!path.isEmpty() && path != selected_) openScenario(path);
}

void ScenarioBrowser::openScenario(const QString& path) {
  selected_ = path;
  clearForm();
  title_->setText(QFileInfo(path).fileName());
  teaches_->clear();
  runButton_->setEnabled(false);
  compareButton_->setEnabled(false);
  queries_.explain(path);
}

void ScenarioBrowser::clearForm() {
  while (form_->rowCount() > 0) form_->removeRow(0);
  editors_.clear();
}

void ScenarioBrowser::showInfo(const ScenarioInfo& info) {
  info_ = info;
  clearForm();
  title_->setText(info.title.isEmpty() ? QFileInfo(selected_).fileName() : info.title);
  teaches_->setText(info.teaches.trimmed());
  for (const ScenarioKnob& knob : info.knobs) {
    QWidget* editor = nullptr;
    if (knob.kind == QLatin1String("bool")) {
      auto* box = new QCheckBox(formHost_);
      box->setChecked(knob.value == QLatin1String("true"));
      editor = box;
    } else if (knob.kind == QLatin1String("choice") || !knob.choices.isEmpty()) {
      auto* combo = new QComboBox(formHost_);
      combo->addItems(knob.choices);
      if (!knob.choices.contains(knob.value)) combo->addItem(knob.value);
      combo->setCurrentText(knob.value);
      editor = combo;
    } else {
      auto* line = new QLineEdit(knob.value, formHost_);
      line->setPlaceholderText(exampleFor(knob.kind));
      connect(line, &QLineEdit::returnPressed, this, &ScenarioBrowser::runSelected);
      editor = line;
    }
    editor->setObjectName(knob.name);
    editor->setToolTip(tr("%1 (--set %2=...)").arg(knob.kind, knob.path));
    form_->addRow(knob.label + QLatin1Char(':'), editor);
    editors_.push_back(editor);
  }
  if (info.knobs.empty())
    form_->addRow(
        new QLabel(tr("This scenario declares no knobs; edit its file to change it."), formHost_));
  runButton_->setEnabled(!runner_.isBusy());
  compareButton_->setEnabled(!runner_.isBusy());
  resetButton_->setEnabled(!info.knobs.empty());
  emit scenarioExplained();
}

void ScenarioBrowser::showFailure(const QString& message) {
  log_->appendHtml(
      QStringLiteral("<span style=\"color:#c62828\">%1</span>")
          .arg(message.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"))));
  if (!selected_.isEmpty() && info_.file.isEmpty()) runButton_->setEnabled(false);
}

QString ScenarioBrowser::editorValue(const ScenarioKnob& knob) const {
  const auto position = size_t(&knob - info_.knobs.data());
  QWidget* editor = position < editors_.size() ? editors_[position] : nullptr;
  if (auto* box = qobject_cast<QCheckBox*>(editor))
    return box->isChecked() ? QStringLiteral("true") : QStringLiteral("false");
  if (auto* combo = qobject_cast<QComboBox*>(editor)) return combo->currentText();
  if (auto* line = qobject_cast<QLineEdit*>(editor)) return line->text().trimmed();
  return knob.value;
}

QStringList ScenarioBrowser::currentSets() const {
  QStringList sets;
  for (const ScenarioKnob& knob : info_.knobs) {
    const QString value = editorValue(knob);
    if (value != knob.value) sets << QStringLiteral("%1=%2").arg(knob.path, value);
  }
  return sets;
}

bool ScenarioBrowser::setKnobValue(const QString& name, const QString& value) {
  QWidget* editor = knobEditor(name);
  if (auto* box = qobject_cast<QCheckBox*>(editor)) {
    box->setChecked(value == QLatin1String("true"));
    return true;
  }
  if (auto* combo = qobject_cast<QComboBox*>(editor)) {
    combo->setCurrentText(value);
    return combo->currentText() == value;
  }
  if (auto* line = qobject_cast<QLineEdit*>(editor)) {
    line->setText(value);
    return true;
  }
  return false;
}

QWidget* ScenarioBrowser::knobEditor(const QString& name) const {
  for (size_t i = 0; i < info_.knobs.size() && i < editors_.size(); ++i)
    if (info_.knobs[i].name == name) return editors_[i];
  return nullptr;
}

QString ScenarioBrowser::message() const {
  return log_->toPlainText();
}

void ScenarioBrowser::runSelectedToCompare() {
  runIsForCompare_ = true;
  startRun();
}

void ScenarioBrowser::runSelected() {
  runIsForCompare_ = false;
  startRun();
}

void ScenarioBrowser::startRun() {
  if (selected_.isEmpty()) {
    showFailure(tr("Choose a scenario first."));
    return;
  }
  const QStringList sets = currentSets();
  log_->appendPlainText(
      tr("Running %1%2 ...")
          .arg(QFileInfo(selected_).fileName(),
               sets.isEmpty() ? QString()
                              : QStringLiteral(" --set ") + sets.join(QStringLiteral(" --set "))));
  runner_.run(selected_, sets);
}

}  // namespace iosim::gui
