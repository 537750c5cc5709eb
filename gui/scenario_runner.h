// Runs the `iosim` program as a child process for the GUI: lists the built-in scenarios, asks
// for a scenario's main parameters (its knobs) and runs it into a trace file. The GUI never links
// the simulator; everything it knows about a scenario comes from `iosim list --json`,
// `iosim explain --json` and the trace that `iosim run --trace` writes (docs/cli.md).
// QtCore only, so it is tested without widgets.
#pragma once

#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <optional>
#include <vector>

namespace iosim::gui {

struct ScenarioEntry {
  QString path;  // absolute path of the YAML file
  QString file;  // its name, "pio.yaml"
  QString title;
  QString summary;
  QString error;  // non-empty when the file does not load (it is still listed)
};

struct ScenarioGroup {
  QString name;  // "mechanisms", "storage", "zero-copy", "cases", ...
  std::vector<ScenarioEntry> scenarios;
};

struct ScenarioCatalog {
  QString directory;
  std::vector<ScenarioGroup> groups;
};

// One main parameter of a scenario, as `iosim explain --json` describes it.
struct ScenarioKnob {
  QString name;
  QString label;
  QString path;   // where --set puts it: "processes[0].program[0].device_read.bytes"
  QString value;  // current value as a user types it: "64KiB"
  QString kind;   // "choice", "bool", "size", "time", "rate", "frequency", "count", "text"
  QStringList choices;
};

struct ScenarioInfo {
  QString file;
  QString title;
  QString teaches;
  QString preset;
  std::vector<ScenarioKnob> knobs;
};

struct RunResult {
  QString scenario;   // the file that ran
  QString tracePath;  // the trace it wrote (empty when the run did not get that far)
  int exitCode = -1;  // iosim's: 0 ok, 1 an expectation failed or data did not verify
  QString output;     // what iosim printed (the summary table)
  QString errors;     // what it printed on stderr
};

class ScenarioRunner : public QObject {
  Q_OBJECT
 public:
  explicit ScenarioRunner(QObject* parent = nullptr);
  ~ScenarioRunner() override;

  // Where `iosim` is: $IOSIM_PROGRAM, next to this program, ../sim/iosim from it (the build
  // tree), then PATH. Empty when none is found.
  static QString findProgram();
  void setProgram(const QString& program) { program_ = program; }
  QString program() const { return program_; }

  bool isBusy() const { return process_ != nullptr; }

  // Each starts one child process; starting another request cancels the one under way.
  void list();
  void explain(const QString& scenario, const QStringList& sets = {});
  // `sets` are "KEY=VALUE" overrides passed as --set (knob paths or names).
  void run(const QString& scenario, const QStringList& sets = {});
  void cancel();

  // The parsers of iosim's JSON outputs (public for tests). Errors are one line.
  static std::optional<ScenarioCatalog> parseCatalog(const QByteArray& json, QString* error);
  static std::optional<ScenarioInfo> parseExplain(const QByteArray& json, QString* error);

 signals:
  void listed(const iosim::gui::ScenarioCatalog& catalog);
  void explained(const iosim::gui::ScenarioInfo& info);
  void finished(const iosim::gui::RunResult& result);
  // The request could not be carried out: iosim missing, bad input (its file:line:col message),
  // a crash, or output that is not what it should be.
  void failed(const QString& message);
  void busyChanged(bool busy);

 private:
  enum class Request { List, Explain, Run };
  void start(Request request, const QStringList& arguments, const QString& scenario);
  void onFinished(int exitCode, QProcess::ExitStatus status);
  void onError(QProcess::ProcessError error);
  void finishWithFailure(const QString& message);

  QString program_;
  QProcess* process_ = nullptr;
  Request request_ = Request::List;
  QString scenario_;
  QString tracePath_;
  std::unique_ptr<QTemporaryDir> traceDir_;  // traces of this session's runs
  int runs_ = 0;
};

}  // namespace iosim::gui
