#include "export.h"

#include "data_path_view.h"
#include "mode_lanes.h"
#include "timeline_view.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImageWriter>
#include <QPainter>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <memory>

namespace iosim::gui {

namespace {

constexpr double kTimelineTitleHeight = 30;
constexpr int kDefaultWidth = 1600;

void setError(QString* error, const QString& message) {
  if (error) *error = message;
}

Picoseconds resolvedEnd(const TraceIndex& index, const TimeRange& range) {
  return range.end < 0 ? std::max<Picoseconds>(1, index.endTime()) : range.end;
}

bool isSvg(const QString& path) {
  return path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive);
}

// The views of one export, built once and painted at any number of moments (a frame sequence
// reuses them: the data-path layout and the timeline lanes are computed once).
class SceneRenderer {
 public:
  SceneRenderer(const TraceIndex& index, ExportView view, const TimeRange& timelineRange)
      : index_(index), view_(view), timelineRange_(timelineRange) {
    if (view_ != ExportView::Timeline) {
      dataPath_ = std::make_unique<DataPathView>();
      modeLanes_ = std::make_unique<ModeLanes>();
      dataPath_->setIndex(&index_);
      modeLanes_->setIndex(&index_);
    }
    if (view_ != ExportView::DataPath) {
      timeline_ = std::make_unique<TimelineView>();
      timeline_->setIndex(&index_);
    }
  }

  // Height the timeline's lanes need (its minimum height as a widget).
  int timelineHeight() const { return timeline_ ? timeline_->minimumHeight() : 0; }

  void paint(QPainter& painter, const QRectF& all, Picoseconds time) {
    painter.fillRect(all, Qt::white);
    if (timeline_) {
      timeline_->setTime(time);
      // setTime() scrolls to keep the playhead in view; an export shows the range it was given.
      timeline_->setVisibleRange(timelineRange_.start, resolvedEnd(index_, timelineRange_));
    }
    if (view_ == ExportView::Timeline) {
      paintTimelineTitle(painter, QRectF(all.left(), all.top(), all.width(), kTimelineTitleHeight),
                         time);
      timeline_->paintOn(painter, all.adjusted(0, kTimelineTitleHeight, 0, 0));
      return;
    }
    dataPath_->setTime(time);
    modeLanes_->setTime(time);
    const double lanesHeight = ModeLanes::heightFor(int(index_.processes().size()));
    double dataPathHeight = all.height() - lanesHeight;
    if (timeline_) dataPathHeight = (all.height() - lanesHeight) * 0.62;
    dataPath_->paintOn(painter, QRectF(all.left(), all.top(), all.width(), dataPathHeight));
    modeLanes_->paintOn(painter,
                        QRectF(all.left(), all.top() + dataPathHeight, all.width(), lanesHeight));
    if (timeline_)
      timeline_->paintOn(painter, QRectF(all.left(), all.top() + dataPathHeight + lanesHeight,
                                         all.width(), all.height() - dataPathHeight - lanesHeight));
  }

 private:
  // The timeline alone has no header of its own: name the run, the range and the playhead.
  void paintTimelineTitle(QPainter& painter, const QRectF& row, Picoseconds time) {
    painter.save();
    QFont font = painter.font();
    font.setPointSizeF(11);
    font.setBold(true);
    painter.setFont(font);
    painter.setPen(Qt::black);
    const QRectF text = row.adjusted(8, 0, -8, 0);
    painter.drawText(text, Qt::AlignLeft | Qt::AlignVCenter, index_.trace().title);
    font.setBold(false);
    painter.setFont(font);
    painter.drawText(text, Qt::AlignRight | Qt::AlignVCenter,
                     QStringLiteral("timeline %1 to %2, t = %3")
                         .arg(formatTime(timelineRange_.start),
                              formatTime(resolvedEnd(index_, timelineRange_)), formatTime(time)));
    painter.restore();
  }

  const TraceIndex& index_;
  ExportView view_;
  TimeRange timelineRange_;
  std::unique_ptr<DataPathView> dataPath_;
  std::unique_ptr<ModeLanes> modeLanes_;
  std::unique_ptr<TimelineView> timeline_;
};

ExportView effectiveView(const ExportOptions& options) {
  return options.withTimeline && options.view == ExportView::DataPath ? ExportView::All
                                                                      : options.view;
}

QSize sizeOrDefault(const TraceIndex& index, ExportView view, const QSize& size) {
  return size.isEmpty() ? defaultExportSize(index, view) : size;
}

QImage render(const TraceIndex& index, ExportView view, const TimeRange& range, const QSize& size,
              Picoseconds time) {
  QImage image(size, QImage::Format_RGB32);
  image.fill(Qt::white);
  SceneRenderer renderer(index, view, range);
  QPainter painter(&image);
  renderer.paint(painter, QRectF(QPointF(0, 0), QSizeF(size)), time);
  return image;
}

// Writes an image through QSaveFile: a temporary file in the same directory, renamed on commit.
bool saveImageAtomically(const QImage& image, const QString& path, QString* error) {
  const QByteArray format = QFileInfo(path).suffix().toLower().toLatin1();
  if (format.isEmpty() || !QImageWriter::supportedImageFormats().contains(format)) {
    setError(error, QStringLiteral("%1: error: unknown image type; use .png or .svg").arg(path));
    return false;
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    setError(error, QStringLiteral("%1: error: cannot write: %2").arg(path, file.errorString()));
    return false;
  }
  if (!image.save(&file, format.constData()) || !file.commit()) {
    file.cancelWriting();
    setError(error,
             QStringLiteral("%1: error: cannot write the image: %2").arg(path, file.errorString()));
    return false;
  }
  return true;
}

bool saveSvgAtomically(const TraceIndex& index, ExportView view, const TimeRange& range,
                       const QSize& size, Picoseconds time, const QString& path, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    setError(error, QStringLiteral("%1: error: cannot write: %2").arg(path, file.errorString()));
    return false;
  }
  QSvgGenerator generator;
  generator.setOutputDevice(&file);
  generator.setSize(size);
  generator.setViewBox(QRect(QPoint(0, 0), size));
  generator.setTitle(index.trace().title);
  {
    QPainter painter;
    if (!painter.begin(&generator)) {
      file.cancelWriting();
      setError(error, QStringLiteral("%1: error: cannot write").arg(path));
      return false;
    }
    SceneRenderer renderer(index, view, range);
    renderer.paint(painter, QRectF(QPointF(0, 0), QSizeF(size)), time);
    painter.end();
  }
  if (!file.commit()) {
    setError(error, QStringLiteral("%1: error: cannot write: %2").arg(path, file.errorString()));
    return false;
  }
  return true;
}

bool exportMoment(const TraceIndex& index, ExportView view, const TimeRange& range,
                  const QSize& size, Picoseconds time, const QString& path, QString* error) {
  if (isSvg(path)) return saveSvgAtomically(index, view, range, size, time, path, error);
  return saveImageAtomically(render(index, view, range, size, time), path, error);
}

QString viewName(ExportView view) {
  switch (view) {
    case ExportView::DataPath:
      return QStringLiteral("data-path");
    case ExportView::Timeline:
      return QStringLiteral("timeline");
    case ExportView::All:
      return QStringLiteral("all");
  }
  return {};
}

const QRegularExpression& frameFilePattern() {
  static const QRegularExpression pattern(QStringLiteral("^frame-\\d+\\.png$"));
  return pattern;
}

}  // namespace

std::optional<ExportView> parseExportView(const QString& name) {
  if (name == QLatin1String("data-path")) return ExportView::DataPath;
  if (name == QLatin1String("timeline")) return ExportView::Timeline;
  if (name == QLatin1String("all")) return ExportView::All;
  return std::nullopt;
}

QSize defaultExportSize(const TraceIndex& index, ExportView view) {
  if (view != ExportView::Timeline) return {kDefaultWidth, 900};
  TimelineView timeline;
  timeline.setIndex(&index);
  return {kDefaultWidth, int(kTimelineTitleHeight) + timeline.minimumHeight() + 4};
}

QImage renderView(const TraceIndex& index, const ExportOptions& options) {
  const ExportView view = effectiveView(options);
  return render(index, view, options.timelineRange, sizeOrDefault(index, view, options.size),
                options.time);
}

QImage renderTimeline(const TraceIndex& index, const TimelineExportOptions& options) {
  return render(index, ExportView::Timeline, options.range,
                sizeOrDefault(index, ExportView::Timeline, options.size), options.time);
}

bool exportWidget(QWidget& widget, const QString& output, const QSize& size, QString* error) {
  widget.resize(size);
  // Lay the widget out at its new size before painting it (it may never have been shown).
  widget.setAttribute(Qt::WA_DontShowOnScreen);
  widget.show();
  QCoreApplication::processEvents();
  if (QFileInfo(output).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0) {
    QSaveFile file(output);
    if (!file.open(QIODevice::WriteOnly)) {
      setError(error,
               QStringLiteral("%1: error: cannot write: %2").arg(output, file.errorString()));
      return false;
    }
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    {
      QPainter painter(&generator);
      widget.render(&painter);
    }
    if (!file.commit()) {
      setError(error, QStringLiteral("%1: error: cannot write").arg(output));
      return false;
    }
    return true;
  }
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  {
    QPainter painter(&image);
    widget.render(&painter);
  }
  return saveImageAtomically(image, output, error);
}

bool exportView(const TraceIndex& index, const ExportOptions& options, QString* error) {
  const ExportView view = effectiveView(options);
  return exportMoment(index, view, options.timelineRange, sizeOrDefault(index, view, options.size),
                      options.time, options.output, error);
}

bool exportTimeline(const TraceIndex& index, const TimelineExportOptions& options, QString* error) {
  return exportMoment(index, ExportView::Timeline, options.range,
                      sizeOrDefault(index, ExportView::Timeline, options.size), options.time,
                      options.output, error);
}

// --- Frames -----------------------------------------------------------------------------------

Picoseconds FramesPlan::timeOfFrame(qint64 frame) const {
  // 128-bit: frame x speed overflows 64 bits for fast speeds over long runs.
  const __int128 offset = __int128(frame) * speed / fps;
  return std::min<Picoseconds>(end, start + Picoseconds(offset));
}

QString FramesPlan::fileName(qint64 frame) const {
  return QStringLiteral("frame-%1.png").arg(frame + 1, digits, 10, QLatin1Char('0'));
}

std::optional<FramesPlan> planFrames(const TraceIndex& index, const FramesOptions& options,
                                     QString* error) {
  FramesPlan plan;
  plan.start = options.range.start;
  plan.end = resolvedEnd(index, options.range);
  if (plan.start < 0 || plan.end <= plan.start) {
    setError(error, QStringLiteral("error: the range %1 to %2 is empty")
                        .arg(formatTime(plan.start), formatTime(plan.end)));
    return std::nullopt;
  }
  if (options.fps < 1 || options.fps > 240) {
    setError(error, QStringLiteral("error: --fps must be 1 to 240"));
    return std::nullopt;
  }
  plan.fps = options.fps;
  plan.speed = options.speed > 0
                   ? options.speed
                   : std::max<Picoseconds>(1, (plan.end - plan.start) / kDefaultAnimationSeconds);
  // Frames at start, start + speed/fps, ... up to end, both ends included.
  const __int128 frames = __int128(plan.end - plan.start) * plan.fps / plan.speed + 1;
  if (frames > kMaxFrames) {
    const Picoseconds suggested =
        Picoseconds(__int128(plan.end - plan.start) * plan.fps / (kMaxFrames - 1)) + 1;
    setError(error, QStringLiteral("error: %1 frames (%2 at %3/s and %4 fps) is more than %5; "
                                   "use a faster --speed (at least %6/s) or a shorter range")
                        .arg(qint64(std::min<__int128>(frames, std::numeric_limits<qint64>::max())))
                        .arg(formatTime(plan.end - plan.start), formatTime(plan.speed))
                        .arg(plan.fps)
                        .arg(kMaxFrames)
                        .arg(formatTime(suggested)));
    return std::nullopt;
  }
  plan.frames = qint64(frames);
  plan.size = sizeOrDefault(index, options.view, options.size);
  plan.digits = std::max(5, int(QString::number(plan.frames).size()));
  return plan;
}

bool exportFrames(const TraceIndex& index, const FramesOptions& options,
                  const ExportProgress& progress, QString* error) {
  const std::optional<FramesPlan> plan = planFrames(index, options, error);
  if (!plan) {
    if (error) *error = options.directory + QStringLiteral(": ") + *error;
    return false;
  }
  QDir directory(options.directory);
  if (!directory.mkpath(QStringLiteral("."))) {
    setError(error,
             QStringLiteral("%1: error: cannot create the directory").arg(options.directory));
    return false;
  }
  const QString partialName = QStringLiteral(".partial-%1").arg(QCoreApplication::applicationPid());
  const QString partialPath = directory.filePath(partialName);
  QDir partial(partialPath);
  partial.removeRecursively();  // a leftover of this very pid cannot be running: reuse the name
  if (!directory.mkdir(partialName)) {
    setError(error,
             QStringLiteral("%1: error: cannot create %2").arg(options.directory, partialName));
    return false;
  }
  auto abandon = [&](const QString& message) {
    partial.removeRecursively();
    setError(error, message);
    return false;
  };

  TimeRange range{plan->start, plan->end};
  SceneRenderer renderer(index, options.view, range);
  QImage image(plan->size, QImage::Format_RGB32);
  const QRectF all(QPointF(0, 0), QSizeF(plan->size));
  const int total = int(plan->frames);
  for (int frame = 0; frame < total; ++frame) {
    {
      QPainter painter(&image);
      renderer.paint(painter, all, plan->timeOfFrame(frame));
    }
    const QString path = partial.filePath(plan->fileName(frame));
    if (!image.save(path, "PNG"))
      return abandon(QStringLiteral("%1: error: cannot write %2").arg(options.directory, path));
    if (progress && !progress(frame + 1, total))
      return abandon(QStringLiteral("%1: error: cancelled").arg(options.directory));
  }

  // Complete: swap the new frames in. The manifest goes first and comes back last, so a
  // directory with frames.txt always holds exactly the frames it lists.
  const QString manifestPath = directory.filePath(QStringLiteral("frames.txt"));
  if (QFileInfo::exists(manifestPath) && !QFile::remove(manifestPath))
    return abandon(QStringLiteral("%1: error: cannot replace frames.txt").arg(options.directory));
  for (const QString& old : directory.entryList({QStringLiteral("frame-*.png")}, QDir::Files))
    if (frameFilePattern().match(old).hasMatch()) directory.remove(old);
  for (int frame = 0; frame < total; ++frame) {
    const QString name = plan->fileName(frame);
    if (!QFile::rename(partial.filePath(name), directory.filePath(name)))
      return abandon(
          QStringLiteral("%1: error: cannot move %2 into place").arg(options.directory, name));
  }
  partial.removeRecursively();

  QSaveFile manifest(manifestPath);
  if (!manifest.open(QIODevice::WriteOnly | QIODevice::Text)) {
    setError(error, QStringLiteral("%1: error: cannot write frames.txt").arg(options.directory));
    return false;
  }
  const QString text =
      QStringLiteral(
          "# iosim-gui frames: complete. Frame N shows start_ps + (N-1) * speed_ps_per_s / fps.\n"
          "trace_title: %1\nview: %2\nsize: %3x%4\nfps: %5\nspeed_ps_per_s: %6\nstart_ps: %7\n"
          "end_ps: %8\nframes: %9\n")
          .arg(index.trace().title, viewName(options.view))
          .arg(plan->size.width())
          .arg(plan->size.height())
          .arg(plan->fps)
          .arg(plan->speed)
          .arg(plan->start)
          .arg(plan->end)
          .arg(plan->frames) +
      QStringLiteral("first: %1\nlast: %2\n")
          .arg(plan->fileName(0), plan->fileName(plan->frames - 1));
  manifest.write(text.toUtf8());
  if (!manifest.commit()) {
    setError(error, QStringLiteral("%1: error: cannot write frames.txt").arg(options.directory));
    return false;
  }
  return true;
}

// --- Video ------------------------------------------------------------------------------------

QString findFfmpeg() {
  const QString configured = qEnvironmentVariable("IOSIM_FFMPEG");
  if (!configured.isEmpty()) return QFileInfo(configured).isExecutable() ? configured : QString();
  return QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
}

namespace {

QString videoFormat(const QString& output) {
  const QString suffix = QFileInfo(output).suffix().toLower();
  return suffix == QLatin1String("mp4") || suffix == QLatin1String("webm") ? suffix : QString();
}

QString missingFfmpegMessage(const QString& output) {
  return QStringLiteral(
             "%1: error: ffmpeg was not found on PATH; install it (apt-get install ffmpeg) or "
             "write PNG frames with --frames DIR")
      .arg(output);
}

}  // namespace

bool encodeVideo(const QString& framesDirectory, int digits, int fps, const QString& output,
                 QString* error) {
  const QString format = videoFormat(output);
  if (format.isEmpty()) {
    setError(error, QStringLiteral("%1: error: the video must be .mp4 or .webm").arg(output));
    return false;
  }
  const QString ffmpeg = findFfmpeg();
  if (ffmpeg.isEmpty()) {
    setError(error, missingFfmpegMessage(output));
    return false;
  }
  const QFileInfo target(output);
  // Same directory as the target, so the final rename cannot cross file systems; the suffix
  // stays last for people, the format is given explicitly for ffmpeg.
  const QString temporary = target.dir().filePath(QStringLiteral(".%1.partial-%2.%3")
                                                      .arg(target.completeBaseName())
                                                      .arg(QCoreApplication::applicationPid())
                                                      .arg(format));
  QStringList arguments{
      QStringLiteral("-hide_banner"), QStringLiteral("-loglevel"), QStringLiteral("error"),
      QStringLiteral("-y"), QStringLiteral("-framerate"), QString::number(fps),
      QStringLiteral("-i"),
      QDir(framesDirectory)
          .filePath(QStringLiteral("frame-%0") + QString::number(digits) + QStringLiteral("d.png")),
      // yuv420p needs even sizes; pad rather than scale, so text stays sharp.
      QStringLiteral("-vf"), QStringLiteral("pad=ceil(iw/2)*2:ceil(ih/2)*2"),
      QStringLiteral("-pix_fmt"), QStringLiteral("yuv420p")};
  if (format == QLatin1String("mp4"))
    arguments << QStringList{QStringLiteral("-c:v"),      QStringLiteral("libx264"),
                             QStringLiteral("-crf"),      QStringLiteral("20"),
                             QStringLiteral("-movflags"), QStringLiteral("+faststart"),
                             QStringLiteral("-f"),        QStringLiteral("mp4")};
  else
    arguments << QStringList{
        QStringLiteral("-c:v"),      QStringLiteral("libvpx-vp9"), QStringLiteral("-b:v"),
        QStringLiteral("0"),         QStringLiteral("-crf"),       QStringLiteral("32"),
        QStringLiteral("-deadline"), QStringLiteral("good"),       QStringLiteral("-cpu-used"),
        QStringLiteral("4"),         QStringLiteral("-row-mt"),    QStringLiteral("1"),
        QStringLiteral("-f"),        QStringLiteral("webm")};
  arguments << temporary;

  QProcess process;
  process.setProcessChannelMode(QProcess::SeparateChannels);
  process.start(ffmpeg, arguments);
  if (!process.waitForStarted()) {
    setError(
        error,
        QStringLiteral("%1: error: cannot run %2: %3").arg(output, ffmpeg, process.errorString()));
    return false;
  }
  process.waitForFinished(-1);
  if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
    QFile::remove(temporary);
    const QString details = QString::fromLocal8Bit(process.readAllStandardError()).trimmed();
    setError(error, QStringLiteral("%1: error: ffmpeg failed (exit %2)%3")
                        .arg(output)
                        .arg(process.exitCode())
                        .arg(details.isEmpty() ? QString() : QStringLiteral(": ") + details));
    return false;
  }
  // rename(2) replaces an existing target atomically; QFile::rename refuses to.
  if (std::rename(QFile::encodeName(temporary).constData(),
                  QFile::encodeName(output).constData()) != 0) {
    QFile::remove(temporary);
    setError(error, QStringLiteral("%1: error: cannot move the video into place").arg(output));
    return false;
  }
  return true;
}

bool exportVideo(const TraceIndex& index, const FramesOptions& options, const QString& output,
                 const ExportProgress& progress, QString* error) {
  if (videoFormat(output).isEmpty()) {
    setError(error, QStringLiteral("%1: error: the video must be .mp4 or .webm").arg(output));
    return false;
  }
  if (findFfmpeg().isEmpty()) {
    setError(error, missingFfmpegMessage(output));
    return false;
  }
  const std::optional<FramesPlan> plan = planFrames(index, options, error);
  if (!plan) {
    if (error) *error = output + QStringLiteral(": ") + *error;
    return false;
  }
  QTemporaryDir frames;
  if (!frames.isValid()) {
    setError(error, QStringLiteral("%1: error: cannot create a temporary directory").arg(output));
    return false;
  }
  FramesOptions inTemporary = options;
  inTemporary.directory = frames.path();
  if (!exportFrames(index, inTemporary, progress, error)) return false;
  return encodeVideo(frames.path(), plan->digits, plan->fps, output, error);
}

// --- Moments ----------------------------------------------------------------------------------

std::optional<Picoseconds> parseTime(const QString& text, QString* error) {
  static const QRegularExpression pattern(
      QStringLiteral("^(\\d+)(?:\\.(\\d+))?\\s*(ps|ns|us|\u00B5s|ms|s)?$"));
  const QString trimmed = text.trimmed();
  const QRegularExpressionMatch match = pattern.match(trimmed);
  if (!match.hasMatch()) {
    setError(error, trimmed.startsWith(QLatin1Char('-'))
                        ? QStringLiteral("'%1': a time cannot be negative").arg(text)
                        : QStringLiteral("'%1' is not a time (examples: 13500000, 13.5us, 2ns, "
                                         "1ms; units ps, ns, us, ms, s)")
                              .arg(text));
    return std::nullopt;
  }
  const QString unit = match.captured(3);
  int unitDigits = 0;  // the unit is 10^unitDigits ps
  if (unit == QLatin1String("ns"))
    unitDigits = 3;
  else if (unit == QLatin1String("us") || unit == QStringLiteral("\u00B5s"))
    unitDigits = 6;
  else if (unit == QLatin1String("ms"))
    unitDigits = 9;
  else if (unit == QLatin1String("s"))
    unitDigits = 12;
  QString fraction = match.captured(2);
  while (fraction.endsWith(QLatin1Char('0'))) fraction.chop(1);
  if (fraction.size() > unitDigits) {
    setError(error, QStringLiteral("'%1' is not a whole number of picoseconds").arg(text));
    return std::nullopt;
  }
  // Decimal arithmetic: "13.5us" = (13 * 10^6) + (5 * 10^5) ps, exactly.
  __int128 value = 0;
  for (const QChar digit : match.captured(1)) {
    value = value * 10 + digit.digitValue();
    if (value > std::numeric_limits<Picoseconds>::max()) break;
  }
  for (int i = 0; i < unitDigits; ++i) value *= 10;
  __int128 fractionValue = 0;
  for (const QChar digit : fraction) fractionValue = fractionValue * 10 + digit.digitValue();
  for (int i = int(fraction.size()); i < unitDigits; ++i) fractionValue *= 10;
  value += fractionValue;
  if (value > std::numeric_limits<Picoseconds>::max()) {
    setError(error, QStringLiteral("'%1' is too large").arg(text));
    return std::nullopt;
  }
  return Picoseconds(value);
}

std::optional<Picoseconds> parseSpeed(const QString& text, QString* error) {
  QString time = text.trimmed();
  if (time.endsWith(QLatin1String("/s"))) time.chop(2);
  const std::optional<Picoseconds> speed = parseTime(time, error);
  if (!speed) {
    setError(error, QStringLiteral("'%1' is not a speed (simulated time per wall second, "
                                   "e.g. 1us/s, 500ns/s)")
                        .arg(text));
    return std::nullopt;
  }
  if (*speed <= 0) {
    setError(error, QStringLiteral("the speed must be more than 0"));
    return std::nullopt;
  }
  return speed;
}

Picoseconds defaultMoment(const TraceIndex& index) {
  if (index.logicalCopies().empty()) return 0;
  const LogicalCopy& first = index.logicalCopies().front();
  return first.start + (first.end - first.start) / 2;
}

std::optional<Picoseconds> stepMoment(const TraceIndex& index, const QString& step,
                                      QString* error) {
  const std::vector<Step>& steps = index.steps();
  const bool narrated = !steps.empty();
  const int count = narrated ? int(steps.size()) : int(index.eventsOfInterest().size());
  bool isNumber = false;
  const int number = step.toInt(&isNumber);
  int stepIndex = -1;  // 0-based
  if (isNumber) {
    if (number < 1 || number > count) {
      setError(error, QStringLiteral("--at-step must be 1 to %1 for this trace").arg(count));
      return std::nullopt;
    }
    stepIndex = number - 1;
  } else {
    for (int i = 0; i < int(steps.size()) && stepIndex < 0; ++i)
      if (steps[size_t(i)].id == step) stepIndex = i;
    if (stepIndex < 0) {
      QStringList ids;
      for (const Step& s : steps)
        if (!s.id.isEmpty() && !ids.contains(s.id)) ids << s.id;
      setError(error,
               ids.isEmpty()
                   ? QStringLiteral("this trace has no step ids; use a number, 1 to %1").arg(count)
                   : QStringLiteral("no step '%1' in this trace; steps: %2 (or 1 to %3)")
                         .arg(step, ids.join(QStringLiteral(", ")))
                         .arg(count));
      return std::nullopt;
    }
  }
  const Picoseconds start =
      narrated ? steps[size_t(stepIndex)].start : index.eventsOfInterest()[size_t(stepIndex)];
  // Show the step under way, not its first picosecond: half-way into its first copy if any.
  const bool last = stepIndex + 1 == count;
  for (const LogicalCopy& copy : index.logicalCopies())
    if (copy.start >= start &&
        (!narrated || last || copy.start < steps[size_t(stepIndex + 1)].start))
      return copy.start + (copy.end - copy.start) / 2;
  // No copy (a mode switch, a descriptor handed over): half-way through the narrated step.
  if (narrated) {
    const Record& narration = index.trace().records[size_t(steps[size_t(stepIndex)].recordIndex)];
    return start + (narration.end - narration.start) / 2;
  }
  return start;
}

}  // namespace iosim::gui
