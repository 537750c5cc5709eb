// iosim-gui: the desktop player of iosim traces, and its screenless --export mode.
// Exit codes: 0 success, 1 usage or output error, 2 the trace could not be read.
#include "export.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QRegularExpression>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using iosim::gui::Picoseconds;

int fail(const QString& message, int code) {
  std::fprintf(stderr, "%s\n", qUtf8Printable(message));
  return code;
}

int runExport(const QCommandLineParser& parser) {
  using namespace iosim::gui;
  const QString tracePath = parser.value(QStringLiteral("trace"));
  if (tracePath.isEmpty()) return fail(QStringLiteral("iosim-gui: --export needs --trace FILE"), 1);
  ExportOptions options;
  options.output = parser.value(QStringLiteral("export"));
  options.withTimeline = parser.isSet(QStringLiteral("timeline"));
  if (parser.isSet(QStringLiteral("size"))) {
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("^(\\d+)x(\\d+)$")).match(parser.value("size"));
    if (!match.hasMatch() || match.captured(1).toInt() < 200 || match.captured(2).toInt() < 150 ||
        match.captured(1).toInt() > 10000 || match.captured(2).toInt() > 10000)
      return fail(QStringLiteral("iosim-gui: --size must be WIDTHxHEIGHT, 200x150 to 10000x10000"),
                  1);
    options.size = QSize(match.captured(1).toInt(), match.captured(2).toInt());
  }
  QString error;
  const std::optional<Trace> trace = TraceFile::load(tracePath, &error);
  if (!trace) return fail(error, 2);
  const TraceIndex index(*trace);
  if (parser.isSet(QStringLiteral("at"))) {
    bool ok = false;
    options.time = parser.value(QStringLiteral("at")).toLongLong(&ok);
    if (!ok || options.time < 0)
      return fail(QStringLiteral("iosim-gui: --at takes a time in picoseconds"), 1);
  } else if (parser.isSet(QStringLiteral("at-step"))) {
    bool ok = false;
    const int step = parser.value(QStringLiteral("at-step")).toInt(&ok);
    // Step N is the N-th narration; a trace without narration steps through its events.
    const bool narrated = !index.steps().empty();
    const int count = narrated ? int(index.steps().size()) : int(index.eventsOfInterest().size());
    if (!ok || step < 1 || step > count)
      return fail(QStringLiteral("iosim-gui: --at-step must be 1 to %1 for this trace").arg(count),
                  1);
    options.time = narrated ? index.steps()[size_t(step - 1)].start
                            : index.eventsOfInterest()[size_t(step - 1)];
    // Show the step under way, not its first picosecond: half-way into its first copy if any.
    for (const LogicalCopy& copy : index.logicalCopies())
      if (copy.start >= options.time && (!narrated || size_t(step) == index.steps().size() ||
                                         copy.start < index.steps()[size_t(step)].start)) {
        options.time = copy.start + (copy.end - copy.start) / 2;
        break;
      }
  } else if (!index.logicalCopies().empty()) {
    // Default: the middle of the first copy, the moment that shows data moving.
    const LogicalCopy& first = index.logicalCopies().front();
    options.time = first.start + (first.end - first.start) / 2;
  }
  if (!exportView(index, options, &error)) return fail(error, 1);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Exports must work without a screen: default to the offscreen platform when there is none.
  bool exporting = false;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--export") == 0 || std::strncmp(argv[i], "--export=", 9) == 0)
      exporting = true;
  if (exporting && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") &&
      !std::getenv("QT_QPA_PLATFORM"))
    qputenv("QT_QPA_PLATFORM", "offscreen");

  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("iosim-gui"));
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Player of iosim trace files"));
  parser.addHelpOption();
  parser.addPositionalArgument(QStringLiteral("TRACE"), QStringLiteral("trace file to open"));
  parser.addOptions({
      {QStringLiteral("export"), QStringLiteral("Render to OUT (.png or .svg) and exit."),
       QStringLiteral("OUT")},
      {QStringLiteral("trace"), QStringLiteral("Trace file to export."), QStringLiteral("FILE")},
      {QStringLiteral("at"), QStringLiteral("Moment to export, in ps."), QStringLiteral("TIME_PS")},
      {QStringLiteral("at-step"), QStringLiteral("Export lecture step N (1-based)."),
       QStringLiteral("N")},
      {QStringLiteral("size"), QStringLiteral("Image size, default 1600x900."),
       QStringLiteral("WxH")},
      {QStringLiteral("timeline"), QStringLiteral("Add the timeline below the data path.")},
  });
  parser.process(app);
  if (parser.isSet(QStringLiteral("export"))) return runExport(parser);

  iosim::gui::MainWindow window;
  const QStringList positional = parser.positionalArguments();
  if (!positional.isEmpty()) {
    QString error;
    if (!window.openTrace(positional.first(), &error))
      std::fprintf(stderr, "%s\n", qUtf8Printable(error));
  }
  window.show();
  return app.exec();
}
