// The scenario pane: the built-in scenarios grouped as `iosim list` groups them (mechanisms,
// storage, zero-copy, cases), a form with the chosen scenario's main parameters (its knobs:
// file size, buffer size, method, preset, NIC SG, cache...), and Run. It runs `iosim` through a
// ScenarioRunner and hands the trace of a finished run to the player; a failed run shows
// iosim's own message, never a crash.
#pragma once

#include "scenario_runner.h"

#include <QWidget>

class QLabel;
class QFormLayout;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace iosim::gui {

class ScenarioBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit ScenarioBrowser(QWidget* parent = nullptr);

  // Runs scenarios; `queries()` lists and explains them (two children, so choosing another
  // scenario while one runs does not cancel the run).
  ScenarioRunner& runner() { return runner_; }
  ScenarioRunner& queries() { return queries_; }
  // Points both at one iosim program (tests, or a --iosim option).
  void setProgram(const QString& program);

  // Asks iosim for the built-in scenarios (asynchronous: `catalogChanged` follows).
  void refresh();
  // Selects a scenario file (built in or not) and asks for its knobs.
  void openScenario(const QString& path);
  // Runs the selected scenario with the form's values (those that differ from the file's).
  void runSelected();
  // Runs it too, but its trace is for comparing with the one playing: `compareReady` instead of
  // `traceReady` (the window opens both side by side).
  void runSelectedToCompare();

  // What the pane shows, for tests.
  QString selectedScenario() const { return selected_; }
  const ScenarioCatalog& catalog() const { return catalog_; }
  const ScenarioInfo& info() const { return info_; }
  QStringList groupNames() const;
  // The --set arguments the form's current values make ("path=value", changed knobs only).
  QStringList currentSets() const;
  // Sets one knob's editor as a user would (text, choice or "true"/"false"); false if unknown.
  bool setKnobValue(const QString& name, const QString& value);
  QWidget* knobEditor(const QString& name) const;
  QString message() const;
  bool isRunning() const { return runner_.isBusy(); }

 signals:
  // A run finished and wrote this trace (also when an expectation failed: `result.exitCode` 1).
  void traceReady(const QString& tracePath, const iosim::gui::RunResult& result);
  void compareReady(const QString& tracePath, const iosim::gui::RunResult& result);
  void catalogChanged();
  void scenarioExplained();
  void runFailed(const QString& message);

 private:
  void startRun();
  void showCatalog(const ScenarioCatalog& catalog);
  void showInfo(const ScenarioInfo& info);
  void showFailure(const QString& message);
  void onItemActivated(QTreeWidgetItem* item);
  void clearForm();
  QString editorValue(const ScenarioKnob& knob) const;

  ScenarioRunner runner_;
  ScenarioRunner queries_;
  ScenarioCatalog catalog_;
  ScenarioInfo info_;
  QString selected_;
  QTreeWidget* tree_ = nullptr;
  QLabel* title_ = nullptr;
  QLabel* teaches_ = nullptr;
  QWidget* formHost_ = nullptr;
  QFormLayout* form_ = nullptr;
  std::vector<QWidget*> editors_;  // parallel to info_.knobs
  QPushButton* runButton_ = nullptr;
  QPushButton* cancelButton_ = nullptr;
  QPushButton* resetButton_ = nullptr;
  QPushButton* compareButton_ = nullptr;
  bool runIsForCompare_ = false;
  QPlainTextEdit* log_ = nullptr;
};

}  // namespace iosim::gui
