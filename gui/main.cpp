// iosim-gui: the desktop player of iosim traces, and its screenless exports (--export, --frames,
// --video). Exit codes: 0 success, 1 usage or output error, 2 the trace could not be read.
#include "compare_view.h"
#include "export.h"
#include "main_window.h"
#include "scenario_browser.h"
#include "sweep_chart.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QRegularExpression>

#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using iosim::gui::Picoseconds;

int fail(const QString& message, int code) {
  std::fprintf(stderr, "%s\n", qUtf8Printable(message));
  return code;
}

QString usageError(const QString& message) {
  return QStringLiteral("iosim-gui: ") + message;
}

// The command line of one export, checked before the trace is read (bad arguments exit 1 even
// when the trace is bad too; a bad trace exits 2).
struct ExportRequest {
  enum class Kind { Image, Frames, Video } kind = Kind::Image;
  QString output;  // the image, the frames directory or the video
  QString tracePath;
  iosim::gui::ExportView view = iosim::gui::ExportView::DataPath;
  QSize size;  // empty: the default for the view
  std::optional<Picoseconds> at;
  QString atStep;
  iosim::gui::TimeRange range;
  bool rangeGiven = false;
  int fps = 30;
  Picoseconds speed = 0;
};

// Reads --NAME as a time ("13.5us"); an error names the option.
bool readTime(const QCommandLineParser& parser, const char* name, Picoseconds* out,
              QString* error) {
  if (!parser.isSet(QLatin1String(name))) return true;
  QString why;
  const std::optional<Picoseconds> value =
      iosim::gui::parseTime(parser.value(QLatin1String(name)), &why);
  if (!value) {
    *error = usageError(QStringLiteral("--%1: %2").arg(QLatin1String(name), why));
    return false;
  }
  *out = *value;
  return true;
}

std::optional<ExportRequest> readRequest(const QCommandLineParser& parser, QString* error) {
  using namespace iosim::gui;
  ExportRequest request;
  const int kinds = int(parser.isSet(QStringLiteral("export"))) +
                    int(parser.isSet(QStringLiteral("frames"))) +
                    int(parser.isSet(QStringLiteral("video")));
  if (kinds > 1) {
    *error = usageError(QStringLiteral("give only one of --export, --frames and --video"));
    return std::nullopt;
  }
  if (parser.isSet(QStringLiteral("frames"))) {
    request.kind = ExportRequest::Kind::Frames;
    request.output = parser.value(QStringLiteral("frames"));
  } else if (parser.isSet(QStringLiteral("video"))) {
    request.kind = ExportRequest::Kind::Video;
    request.output = parser.value(QStringLiteral("video"));
  } else {
    request.output = parser.value(QStringLiteral("export"));
  }
  const QString option = request.kind == ExportRequest::Kind::Image    ? QStringLiteral("--export")
                         : request.kind == ExportRequest::Kind::Frames ? QStringLiteral("--frames")
                                                                       : QStringLiteral("--video");
  request.tracePath = parser.value(QStringLiteral("trace"));
  if (parser.isSet(QStringLiteral("sweep"))) {
    if (request.kind != ExportRequest::Kind::Image) {
      *error = usageError(QStringLiteral("--sweep exports a chart (--export), not %1").arg(option));
      return std::nullopt;
    }
  } else if (parser.isSet(QStringLiteral("compare"))) {
    if (request.kind != ExportRequest::Kind::Image) {
      *error =
          usageError(QStringLiteral("--compare exports one moment (--export), not %1").arg(option));
      return std::nullopt;
    }
    if (parser.positionalArguments().size() != 2 || !request.tracePath.isEmpty()) {
      *error =
          usageError(QStringLiteral("--export ... --compare takes two traces: "
                                    "--compare LEFT.json RIGHT.json"));
      return std::nullopt;
    }
  } else if (request.tracePath.isEmpty()) {
    *error = usageError(QStringLiteral("%1 needs --trace FILE").arg(option));
    return std::nullopt;
  }
  if (parser.isSet(QStringLiteral("view"))) {
    const std::optional<ExportView> view = parseExportView(parser.value(QStringLiteral("view")));
    if (!view) {
      *error = usageError(QStringLiteral("--view must be data-path, timeline or all"));
      return std::nullopt;
    }
    request.view = *view;
  }
  if (parser.isSet(QStringLiteral("timeline"))) {
    if (request.view == ExportView::Timeline) {
      *error = usageError(QStringLiteral("--timeline means --view all; give one of them"));
      return std::nullopt;
    }
    request.view = ExportView::All;
  }
  if (parser.isSet(QStringLiteral("size"))) {
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("^(\\d+)x(\\d+)$")).match(parser.value("size"));
    if (!match.hasMatch() || match.captured(1).toInt() < 200 || match.captured(2).toInt() < 150 ||
        match.captured(1).toInt() > 10000 || match.captured(2).toInt() > 10000) {
      *error = usageError(QStringLiteral("--size must be WIDTHxHEIGHT, 200x150 to 10000x10000"));
      return std::nullopt;
    }
    request.size = QSize(match.captured(1).toInt(), match.captured(2).toInt());
  }
  if (parser.isSet(QStringLiteral("at")) && parser.isSet(QStringLiteral("at-step"))) {
    *error = usageError(QStringLiteral("give --at or --at-step, not both"));
    return std::nullopt;
  }
  if (parser.isSet(QStringLiteral("at"))) {
    Picoseconds at = 0;
    if (!readTime(parser, "at", &at, error)) return std::nullopt;
    request.at = at;
  }
  request.atStep = parser.value(QStringLiteral("at-step"));
  request.rangeGiven = parser.isSet(QStringLiteral("from")) || parser.isSet(QStringLiteral("to"));
  if (!readTime(parser, "from", &request.range.start, error) ||
      !readTime(parser, "to", &request.range.end, error))
    return std::nullopt;
  if (parser.isSet(QStringLiteral("to")) && request.range.end <= request.range.start) {
    *error = usageError(QStringLiteral("--to must be after --from"));
    return std::nullopt;
  }

  if (request.kind == ExportRequest::Kind::Image) {
    if (request.rangeGiven && request.view == ExportView::DataPath) {
      *error = usageError(
          QStringLiteral("--from/--to choose the timeline's range: use them with --view timeline "
                         "or all, --frames or --video"));
      return std::nullopt;
    }
    for (const char* name : {"fps", "speed"})
      if (parser.isSet(QLatin1String(name))) {
        *error = usageError(QStringLiteral("--%1 is for --frames and --video").arg(name));
        return std::nullopt;
      }
    return request;
  }
  if (request.kind == ExportRequest::Kind::Video &&
      !request.output.endsWith(QLatin1String(".mp4"), Qt::CaseInsensitive) &&
      !request.output.endsWith(QLatin1String(".webm"), Qt::CaseInsensitive)) {
    *error = usageError(QStringLiteral("--video writes .mp4 or .webm"));
    return std::nullopt;
  }
  if (request.at || !request.atStep.isEmpty()) {
    *error = usageError(
        QStringLiteral("%1 animates a range: use --from/--to, not --at/--at-step").arg(option));
    return std::nullopt;
  }
  if (parser.isSet(QStringLiteral("fps"))) {
    bool ok = false;
    request.fps = parser.value(QStringLiteral("fps")).toInt(&ok);
    if (!ok || request.fps < 1 || request.fps > 240) {
      *error = usageError(QStringLiteral("--fps must be a whole number, 1 to 240"));
      return std::nullopt;
    }
  }
  if (parser.isSet(QStringLiteral("speed"))) {
    QString why;
    const std::optional<Picoseconds> speed =
        parseSpeed(parser.value(QStringLiteral("speed")), &why);
    if (!speed) {
      *error = usageError(QStringLiteral("--speed: ") + why);
      return std::nullopt;
    }
    request.speed = *speed;
  }
  return request;
}

volatile std::sig_atomic_t interrupted = 0;

// Ctrl+C or a kill during --frames / --video: stop after the current frame and remove the
// partial output, instead of dying with it on disk.
void onInterrupt(int) {
  interrupted = 1;
}

// "frames 120/301" on one line, rewritten in place, for a person watching a terminal; and the
// check for an interruption after every frame.
class TerminalProgress {
 public:
  TerminalProgress() : enabled_(isatty(fileno(stderr)) != 0) {
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
  }
  ~TerminalProgress() {
    if (shown_) std::fputc('\n', stderr);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
  bool operator()(int done, int total) {
    if (interrupted) return false;
    if (!enabled_) return true;
    std::fprintf(stderr, "\riosim-gui: frames %d/%d", done, total);
    std::fflush(stderr);
    shown_ = true;
    return true;
  }

 private:
  bool enabled_;
  bool shown_ = false;
};

// `--export OUT --compare LEFT RIGHT [--at T]`: the compare view (both data paths, their mode
// lanes and the counters table) at one moment, for a slide that sets two paths side by side.
int runCompareExport(const QCommandLineParser& parser, const ExportRequest& request) {
  using namespace iosim::gui;
  const QStringList traces = parser.positionalArguments();
  CompareView view;
  QString error;
  if (!view.openTraces(traces[0], traces[1], &error)) return fail(error, 2);
  view.playback()->setTime(request.at.value_or(0));
  const QSize size = request.size.isEmpty() ? QSize(1920, 1200) : request.size;
  if (!exportWidget(view, request.output, size, &error)) return fail(error, 1);
  return 0;
}

// `--export OUT --sweep RESULTS.csv [--x KEY] [--series-by KEY] [--metrics A,B]`: the charts of
// an `iosim sweep` for a slide.
int runSweepExport(const QCommandLineParser& parser, const ExportRequest& request) {
  using namespace iosim::gui;
  SweepChart chart;
  QString error;
  if (!chart.openCsv(parser.value(QStringLiteral("sweep")), &error)) return fail(error, 2);
  if (parser.isSet(QStringLiteral("x")) && !chart.setXParameter(parser.value(QStringLiteral("x"))))
    return fail(usageError(QStringLiteral("--x: '%1' is not a varied column of the sweep")
                               .arg(parser.value(QStringLiteral("x")))),
                1);
  if (parser.isSet(QStringLiteral("series-by")) &&
      !chart.setSeriesBy(parser.value(QStringLiteral("series-by"))))
    return fail(usageError(QStringLiteral("--series-by: '%1' is not a varied column of the sweep")
                               .arg(parser.value(QStringLiteral("series-by")))),
                1);
  if (parser.isSet(QStringLiteral("metrics"))) {
    const QStringList wanted =
        parser.value(QStringLiteral("metrics")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString& metric : wanted)
      if (!chart.availableMetrics().contains(metric))
        return fail(
            usageError(QStringLiteral("--metrics: '%1' is not in the sweep (it has %2)")
                           .arg(metric, chart.availableMetrics().join(QStringLiteral(", ")))),
            1);
    chart.setMetrics(wanted);
  }
  if (!chart.exportImage(request.output, &error, request.size)) return fail(error, 1);
  return 0;
}

int runExport(const QCommandLineParser& parser) {
  using namespace iosim::gui;
  QString error;
  const std::optional<ExportRequest> request = readRequest(parser, &error);
  if (!request) return fail(error, 1);
  if (parser.isSet(QStringLiteral("sweep"))) return runSweepExport(parser, *request);
  if (parser.isSet(QStringLiteral("compare"))) return runCompareExport(parser, *request);

  const std::optional<Trace> trace = TraceFile::load(request->tracePath, &error);
  if (!trace) return fail(error, 2);
  const TraceIndex index(*trace);

  if (request->kind == ExportRequest::Kind::Image) {
    Picoseconds time = defaultMoment(index);
    if (request->at) {
      time = *request->at;
    } else if (!request->atStep.isEmpty()) {
      const std::optional<Picoseconds> moment = stepMoment(index, request->atStep, &error);
      if (!moment) return fail(usageError(error), 1);
      time = *moment;
    }
    if (request->view == ExportView::Timeline) {
      TimelineExportOptions options;
      options.output = request->output;
      options.size = request->size;
      options.time = time;
      options.range = request->range;
      if (!exportTimeline(index, options, &error)) return fail(error, 1);
      return 0;
    }
    ExportOptions options;
    options.output = request->output;
    options.size =
        request->size.isEmpty() ? defaultExportSize(index, request->view) : request->size;
    options.time = time;
    options.view = request->view;
    options.timelineRange = request->range;
    if (!exportView(index, options, &error)) return fail(error, 1);
    return 0;
  }

  FramesOptions options;
  options.directory = request->output;
  options.view = request->view;
  options.size = request->size;
  options.fps = request->fps;
  options.speed = request->speed;
  options.range = request->range;
  if (request->kind == ExportRequest::Kind::Video && findFfmpeg().isEmpty())
    return fail(request->output +
                    QStringLiteral(": error: ffmpeg was not found on PATH; install it (apt-get "
                                   "install ffmpeg) or write PNG frames with --frames DIR"),
                1);
  const std::optional<FramesPlan> plan = planFrames(index, options, &error);
  if (!plan) return fail(request->output + QStringLiteral(": ") + error, 1);
  std::fprintf(stderr, "iosim-gui: %lld frames at %d fps, %s of simulated time per second%s\n",
               static_cast<long long>(plan->frames), plan->fps,
               qUtf8Printable(formatTime(plan->speed)),
               request->speed > 0
                   ? ""
                   : qUtf8Printable(
                         QStringLiteral(" (the range lasts %1 s)").arg(kDefaultAnimationSeconds)));
  bool ok = false;
  {
    TerminalProgress progress;
    ok = request->kind == ExportRequest::Kind::Frames
             ? exportFrames(index, options, std::ref(progress), &error)
             : exportVideo(index, options, request->output, std::ref(progress), &error);
  }
  return ok ? 0 : fail(error, 1);
}

bool isExportArgument(const char* argument) {
  for (const char* option : {"--export", "--frames", "--video"}) {
    const size_t length = std::strlen(option);
    if (std::strncmp(argument, option, length) == 0 &&
        (argument[length] == '\0' || argument[length] == '='))
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // Exports must work without a screen: default to the offscreen platform when there is none.
  bool exporting = false;
  for (int i = 1; i < argc; ++i) exporting = exporting || isExportArgument(argv[i]);
  if (exporting && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY") &&
      !std::getenv("QT_QPA_PLATFORM"))
    qputenv("QT_QPA_PLATFORM", "offscreen");

  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("iosim-gui"));
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral(
      "Player of iosim trace files.\n\n"
      "Without a screen:\n"
      "  iosim-gui --export OUT.png|OUT.svg --trace FILE [--at T | --at-step N|ID]\n"
      "            [--view data-path|timeline|all] [--from T --to T] [--size WxH]\n"
      "  iosim-gui --frames DIR --trace FILE [--fps 30] [--speed 1us/s] [--from T --to T]\n"
      "            [--view ...] [--size WxH]\n"
      "  iosim-gui --video OUT.mp4|OUT.webm --trace FILE [same options as --frames]\n"
      "  iosim-gui --export OUT.png|OUT.svg --compare LEFT.json RIGHT.json [--at T] [--size WxH]\n"
      "  iosim-gui --export OUT.png|OUT.svg --sweep RESULTS.csv [--x KEY] [--series-by KEY]\n"
      "            [--metrics A,B] [--size WxH]\n"
      "On a screen: iosim-gui [TRACE.json | SCENARIO.yaml] [--presenter] [--iosim PATH],\n"
      "  iosim-gui --compare LEFT.json RIGHT.json\n"
      "Times: a bare number is ps; or 13.5us, 2ns, 1ms, 0.5s (units ps ns us ms s).\n"
      "Exit status: 0 written, 1 bad arguments or output error, 2 the trace cannot be read."));
  parser.addHelpOption();
  parser.addPositionalArgument(QStringLiteral("FILE"),
                               QStringLiteral("trace (.json) to play or scenario (.yaml) to open"));
  parser.addOptions({
      {QStringLiteral("export"),
       QStringLiteral("Render one moment to OUT (.png or .svg) and exit."), QStringLiteral("OUT")},
      {QStringLiteral("frames"),
       QStringLiteral("Render the animation to DIR/frame-00001.png ... and DIR/frames.txt "
                      "(written last: a directory without it is incomplete), and exit."),
       QStringLiteral("DIR")},
      {QStringLiteral("video"),
       QStringLiteral("Render the animation to OUT (.mp4 or .webm) with ffmpeg from PATH, and "
                      "exit."),
       QStringLiteral("OUT")},
      {QStringLiteral("trace"), QStringLiteral("Trace file to export."), QStringLiteral("FILE")},
      {QStringLiteral("view"),
       QStringLiteral("What to draw: data-path (with the mode lanes; default), timeline (the "
                      "Gantt chart alone) or all."),
       QStringLiteral("VIEW")},
      {QStringLiteral("at"),
       QStringLiteral("Moment to export (default: the middle of the first copy)."),
       QStringLiteral("T")},
      {QStringLiteral("at-step"),
       QStringLiteral("Export lecture step N (1-based) or the step with id ID (copy-2): the "
                      "middle of its first copy, or of the step."),
       QStringLiteral("N|ID")},
      {QStringLiteral("from"),
       QStringLiteral("Start of the timeline's range or of the animation (default 0)."),
       QStringLiteral("T")},
      {QStringLiteral("to"),
       QStringLiteral("End of the timeline's range or of the animation (default: the end)."),
       QStringLiteral("T")},
      {QStringLiteral("fps"), QStringLiteral("Frames per second of wall time, default 30."),
       QStringLiteral("N")},
      {QStringLiteral("speed"),
       QStringLiteral("Simulated time per wall second, e.g. 1us/s (default: the range lasts "
                      "10 s)."),
       QStringLiteral("T/s")},
      {QStringLiteral("size"),
       QStringLiteral("Image size, default 1600x900 (the timeline alone: 1600 wide, as tall as "
                      "its lanes)."),
       QStringLiteral("WxH")},
      {QStringLiteral("timeline"), QStringLiteral("Same as --view all.")},
      {QStringLiteral("compare"),
       QStringLiteral("Open the two traces given as arguments side by side on one clock (with "
                      "--export: render that view).")},
      {QStringLiteral("sweep"),
       QStringLiteral("With --export: chart the results of `iosim sweep` (a CSV)."),
       QStringLiteral("CSV")},
      {QStringLiteral("x"), QStringLiteral("With --sweep: the varied column on the x axis."),
       QStringLiteral("KEY")},
      {QStringLiteral("series-by"),
       QStringLiteral("With --sweep: one line per value of this varied column."),
       QStringLiteral("KEY")},
      {QStringLiteral("metrics"),
       QStringLiteral("With --sweep: the metrics to chart, comma-separated (default: throughput, "
                      "CPU busy time, copies)."),
       QStringLiteral("A,B")},
      {QStringLiteral("presenter"),
       QStringLiteral("Start in presenter mode (full screen, large, high contrast; F5 or Esc "
                      "leaves it).")},
      {QStringLiteral("iosim"),
       QStringLiteral("The iosim program that runs scenarios (default: $IOSIM_PROGRAM, next to "
                      "this program, or PATH)."),
       QStringLiteral("PATH")},
  });
  parser.process(app);
  if (exporting) return runExport(parser);

  const QStringList positional = parser.positionalArguments();
  if (parser.isSet(QStringLiteral("compare"))) {
    if (positional.size() != 2)
      return fail(usageError(QStringLiteral("--compare takes two traces: --compare LEFT RIGHT")),
                  1);
    iosim::gui::CompareView compare;
    QString error;
    if (!compare.openTraces(positional[0], positional[1], &error)) return fail(error, 2);
    compare.show();
    return app.exec();
  }
  if (parser.isSet(QStringLiteral("iosim")))
    qputenv("IOSIM_PROGRAM", parser.value(QStringLiteral("iosim")).toLocal8Bit());
  iosim::gui::MainWindow window;
  if (!positional.isEmpty()) {
    // A trace plays; a scenario (.yaml) is chosen in the Scenarios pane, ready to run.
    QString error;
    if (!window.openFile(positional.first(), &error))
      std::fprintf(stderr, "%s\n", qUtf8Printable(error));
  }
  window.show();
  if (parser.isSet(QStringLiteral("presenter"))) window.setPresenterMode(true);
  return app.exec();
}
