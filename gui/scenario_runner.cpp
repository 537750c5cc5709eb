#include "scenario_runner.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

namespace iosim::gui {

namespace {

constexpr int kExitBadInput = 2;  // iosim's status for a broken scenario or usage error

bool isExecutable(const QString& path) {
  const QFileInfo info(path);
  return info.isFile() && info.isExecutable();
}

// The last non-empty lines of a child's stderr: the message that matters is at the end.
QString lastLines(const QString& text, int count) {
  QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  if (lines.size() > count) lines = lines.mid(lines.size() - count);
  return lines.join(QLatin1Char('\n'));
}

std::optional<QJsonObject> parseObject(const QByteArray& json, const QString& what,
                                       QString* error) {
  QJsonParseError parseError;
  const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
  if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
    if (error)
      *error = QStringLiteral("%1: not the JSON object iosim should print (%2 at offset %3)")
                   .arg(what, parseError.errorString())
                   .arg(parseError.offset);
    return std::nullopt;
  }
  return document.object();
}

// A JSON value as the text a user would type: strings as they are, numbers without a
// trailing ".0", booleans as true/false.
QString valueText(const QJsonValue& value) {
  if (value.isString()) return value.toString();
  if (value.isBool()) return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
  if (value.isDouble()) return QString::number(value.toDouble(), 'g', 17);
  return {};
}

}  // namespace

ScenarioRunner::ScenarioRunner(QObject* parent) : QObject(parent), program_(findProgram()) {}

ScenarioRunner::~ScenarioRunner() {
  // The owner is being destroyed too: kill the child without telling anyone.
  blockSignals(true);
  cancel();
}

QString ScenarioRunner::findProgram() {
  const QString fromEnvironment = qEnvironmentVariable("IOSIM_PROGRAM");
  if (!fromEnvironment.isEmpty()) return fromEnvironment;
  const QString here = QCoreApplication::applicationDirPath();
  // Installed side by side in bin/, or the build tree (build/gui/iosim-gui, build/sim/iosim).
  for (const QString& candidate :
       {here + QStringLiteral("/iosim"), here + QStringLiteral("/../sim/iosim")})
    if (isExecutable(candidate)) return QDir::cleanPath(candidate);
  return QStandardPaths::findExecutable(QStringLiteral("iosim"));
}

void ScenarioRunner::list() {
  start(Request::List, {QStringLiteral("list"), QStringLiteral("--json")}, QString());
}

void ScenarioRunner::explain(const QString& scenario, const QStringList& sets) {
  QStringList arguments{QStringLiteral("explain"), scenario, QStringLiteral("--json")};
  for (const QString& set : sets) arguments << QStringLiteral("--set") << set;
  start(Request::Explain, arguments, scenario);
}

void ScenarioRunner::run(const QString& scenario, const QStringList& sets) {
  if (!traceDir_ || !traceDir_->isValid())
    traceDir_ =
        std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/iosim-gui-XXXXXX"));
  if (!traceDir_->isValid()) {
    emit failed(tr("cannot create a directory for traces in %1").arg(QDir::tempPath()));
    return;
  }
  ++runs_;
  tracePath_ = traceDir_->filePath(
      QStringLiteral("run-%1-%2.json").arg(runs_).arg(QFileInfo(scenario).completeBaseName()));
  QStringList arguments{QStringLiteral("run"), scenario, QStringLiteral("--trace"), tracePath_};
  for (const QString& set : sets) arguments << QStringLiteral("--set") << set;
  start(Request::Run, arguments, scenario);
}

void ScenarioRunner::start(Request request, const QStringList& arguments, const QString& scenario) {
  cancel();
  if (program_.isEmpty()) {
    emit failed(
        tr("the iosim program was not found: build it (sim/iosim), put it on PATH or set "
           "IOSIM_PROGRAM"));
    return;
  }
  request_ = request;
  scenario_ = scenario;
  process_ = new QProcess(this);
  process_->setProgram(program_);
  process_->setArguments(arguments);
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert(QStringLiteral("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE"), QStringLiteral("1"));
  process_->setProcessEnvironment(environment);
  connect(process_, &QProcess::finished, this, &ScenarioRunner::onFinished);
  connect(process_, &QProcess::errorOccurred, this, &ScenarioRunner::onError);
  process_->start();
  emit busyChanged(true);
}

void ScenarioRunner::cancel() {
  if (!process_) return;
  QProcess* process = process_;
  process_ = nullptr;
  process->disconnect(this);
  if (process->state() != QProcess::NotRunning) {
    process->kill();
    process->waitForFinished(3000);
  }
  process->deleteLater();
  emit busyChanged(false);
}

void ScenarioRunner::finishWithFailure(const QString& message) {
  cancel();
  emit failed(message);
}

void ScenarioRunner::onError(QProcess::ProcessError error) {
  if (!process_) return;
  // A crash also arrives through finished() with CrashExit; report it there, once.
  if (error != QProcess::FailedToStart) return;
  finishWithFailure(tr("cannot start %1: %2").arg(program_, process_->errorString()));
}

void ScenarioRunner::onFinished(int exitCode, QProcess::ExitStatus status) {
  if (!process_) return;
  const QByteArray output = process_->readAllStandardOutput();
  const QString errors = QString::fromUtf8(process_->readAllStandardError());
  const QString command = QFileInfo(program_).fileName();
  if (status == QProcess::CrashExit) {
    finishWithFailure(
        tr("%1 crashed while working on %2%3")
            .arg(command, scenario_.isEmpty() ? tr("the list") : scenario_,
                 errors.isEmpty() ? QString() : QStringLiteral(":\n") + lastLines(errors, 5)));
    return;
  }
  // Exit 1 from `run` means the run finished but an expectation failed: the trace is there and
  // worth seeing. Anything else that is not 0 is a refusal, whose message is on stderr.
  const bool runWithFailedExpectations = request_ == Request::Run && exitCode == 1;
  if (exitCode != 0 && !runWithFailedExpectations) {
    QString message = lastLines(errors, 8);
    if (message.isEmpty()) message = tr("%1 exited with status %2").arg(command).arg(exitCode);
    if (exitCode != kExitBadInput) message += tr(" (exit status %1)").arg(exitCode);
    finishWithFailure(message);
    return;
  }
  const Request request = request_;
  cancel();
  QString error;
  switch (request) {
    case Request::List:
      if (const auto catalog = parseCatalog(output, &error)) {
        emit listed(*catalog);
        return;
      }
      break;
    case Request::Explain:
      if (const auto info = parseExplain(output, &error)) {
        emit explained(*info);
        return;
      }
      break;
    case Request::Run: {
      RunResult result;
      result.scenario = scenario_;
      result.exitCode = exitCode;
      result.output = QString::fromUtf8(output);
      result.errors = errors;
      if (QFileInfo::exists(tracePath_)) {
        result.tracePath = tracePath_;
      } else {
        emit failed(tr("%1 finished but wrote no trace to %2").arg(command, tracePath_));
        return;
      }
      emit finished(result);
      return;
    }
  }
  emit failed(error);
}

std::optional<ScenarioCatalog> ScenarioRunner::parseCatalog(const QByteArray& json,
                                                            QString* error) {
  const auto object = parseObject(json, QStringLiteral("iosim list --json"), error);
  if (!object) return std::nullopt;
  ScenarioCatalog catalog;
  catalog.directory = object->value(QLatin1String("scenarios_dir")).toString();
  const QJsonValue groups = object->value(QLatin1String("groups"));
  if (!groups.isArray()) {
    if (error) *error = QStringLiteral("iosim list --json: no 'groups' array");
    return std::nullopt;
  }
  for (const QJsonValue& groupValue : groups.toArray()) {
    const QJsonObject group = groupValue.toObject();
    ScenarioGroup entry;
    entry.name = group.value(QLatin1String("name")).toString();
    for (const QJsonValue& scenarioValue : group.value(QLatin1String("scenarios")).toArray()) {
      const QJsonObject scenario = scenarioValue.toObject();
      ScenarioEntry item;
      item.path = scenario.value(QLatin1String("path")).toString();
      item.file = scenario.value(QLatin1String("file")).toString();
      item.title = scenario.value(QLatin1String("title")).toString();
      item.summary = scenario.value(QLatin1String("summary")).toString();
      item.error = scenario.value(QLatin1String("error")).toString();
      if (item.path.isEmpty()) {
        if (error) *error = QStringLiteral("iosim list --json: a scenario without a path");
        return std::nullopt;
      }
      if (item.file.isEmpty()) item.file = QFileInfo(item.path).fileName();
      if (item.title.isEmpty()) item.title = item.file;
      entry.scenarios.push_back(item);
    }
    catalog.groups.push_back(entry);
  }
  return catalog;
}

std::optional<ScenarioInfo> ScenarioRunner::parseExplain(const QByteArray& json, QString* error) {
  const auto object = parseObject(json, QStringLiteral("iosim explain --json"), error);
  if (!object) return std::nullopt;
  ScenarioInfo info;
  info.file = object->value(QLatin1String("file")).toString();
  info.title = object->value(QLatin1String("title")).toString();
  info.teaches = object->value(QLatin1String("teaches")).toString();
  info.preset = object->value(QLatin1String("preset")).toString();
  for (const QJsonValue& knobValue : object->value(QLatin1String("knobs")).toArray()) {
    const QJsonObject knob = knobValue.toObject();
    ScenarioKnob item;
    item.name = knob.value(QLatin1String("name")).toString();
    item.label = knob.value(QLatin1String("label")).toString();
    item.path = knob.value(QLatin1String("path")).toString();
    item.value = valueText(knob.value(QLatin1String("value")));
    item.kind = knob.value(QLatin1String("kind")).toString(QStringLiteral("text"));
    for (const QJsonValue& choice : knob.value(QLatin1String("choices")).toArray())
      item.choices << valueText(choice);
    if (item.name.isEmpty() || item.path.isEmpty()) {
      if (error) *error = QStringLiteral("iosim explain --json: a knob without a name or path");
      return std::nullopt;
    }
    if (item.label.isEmpty()) item.label = item.name;
    info.knobs.push_back(item);
  }
  return info;
}

}  // namespace iosim::gui
