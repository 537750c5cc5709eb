// Renders the player's views without a window, for lectures and scripts: one moment to a PNG or
// an SVG (the data path, the timeline alone, or both), the whole animation as a numbered PNG
// sequence, and that sequence encoded to a video by ffmpeg. `iosim-gui --export / --frames /
// --video` and the screenshot tests call these functions; the window's menus can call them too.
//
// Every file is written atomically: to a temporary name in the target directory, renamed into
// place only when complete, so an interrupted export never leaves a file that looks whole.
#pragma once

#include "scene_state.h"

#include <QImage>
#include <QSize>
#include <QString>
#include <QWidget>

#include <functional>
#include <optional>

namespace iosim::gui {

// What an export shows.
enum class ExportView {
  DataPath,  // the data-path view and the mode lanes
  Timeline,  // the timeline (Gantt chart) alone, under a one-line title
  All,       // data path, mode lanes and the timeline below them
};

// "data-path", "timeline", "all"; nullopt for anything else.
std::optional<ExportView> parseExportView(const QString& name);

// A time range of the run; `end` < 0 means the end of the run (TraceIndex::endTime()).
struct TimeRange {
  Picoseconds start = 0;
  Picoseconds end = -1;
};

struct ExportOptions {
  QString output;  // .png or .svg (other image suffixes Qt can write work too)
  QSize size{1600, 900};
  Picoseconds time = 0;
  ExportView view = ExportView::DataPath;
  bool withTimeline = false;  // older spelling of view = All; either one adds the timeline
  TimeRange timelineRange;    // what the timeline shows (views Timeline and All)
};

struct TimelineExportOptions {
  QString output;        // .png or .svg
  QSize size;            // empty: 1600 wide and just tall enough for every lane
  Picoseconds time = 0;  // the playhead; not drawn when outside the range
  TimeRange range;
};

// Renders to an image: what exportView() / exportTimeline() write to a PNG. The screenshot tests
// compare these images.
QImage renderView(const TraceIndex& index, const ExportOptions& options);
QImage renderTimeline(const TraceIndex& index, const TimelineExportOptions& options);

// Write one moment. Return false and set `error` ("OUT: error: ...") when the file cannot be
// written; no file is created then.
bool exportView(const TraceIndex& index, const ExportOptions& options, QString* error);
bool exportTimeline(const TraceIndex& index, const TimelineExportOptions& options, QString* error);

// The size exports use when none is given: 1600x900, or for the timeline alone 1600 wide and as
// tall as its lanes need.
QSize defaultExportSize(const TraceIndex& index, ExportView view);

// Renders a whole widget (the compare view, a chart) at `size` to a PNG or an SVG, atomically.
// The widget is resized to `size` first; it need not be shown.
bool exportWidget(QWidget& widget, const QString& output, const QSize& size, QString* error);

// --- The animation as frames ---------------------------------------------------------------

// More frames than this is almost certainly a mistake (a too slow --speed): refused.
constexpr int kMaxFrames = 100000;
// Without a speed, the range plays in this many wall seconds.
constexpr int kDefaultAnimationSeconds = 10;

struct FramesOptions {
  QString directory;  // frames go to DIRECTORY/frame-00001.png, ... (created if missing)
  ExportView view = ExportView::DataPath;
  QSize size;             // empty: defaultExportSize(index, view)
  int fps = 30;           // frames per wall second
  Picoseconds speed = 0;  // simulated ps per wall second; 0: the range lasts 10 s
  TimeRange range;        // the part of the run to animate
};

// What exportFrames() will do, computed before rendering anything: the range resolved, the speed
// chosen, the frame count (main prints it and refuses more than kMaxFrames).
struct FramesPlan {
  Picoseconds start = 0;
  Picoseconds end = 0;
  Picoseconds speed = 0;  // simulated ps per wall second
  int fps = 30;
  qint64 frames = 0;  // frame i (0-based) shows start + i * speed / fps; the last shows <= end
  QSize size;
  int digits = 5;  // frame-%0<digits>d.png
  Picoseconds timeOfFrame(qint64 frame) const;
  QString fileName(qint64 frame) const;  // "frame-00001.png" for frame 0
};

// Returns nullopt and sets `error` for an empty or inverted range, fps outside 1..240 or more
// than kMaxFrames frames (the message suggests --speed).
std::optional<FramesPlan> planFrames(const TraceIndex& index, const FramesOptions& options,
                                     QString* error);

// Called after each frame with (frames done, total); return false to cancel.
using ExportProgress = std::function<bool(int done, int total)>;

// Renders every frame into DIRECTORY/.partial-<pid>/, then, only when all are written, replaces
// any earlier frame-*.png of DIRECTORY with them and writes DIRECTORY/frames.txt last (the
// manifest: trace title, range, speed, fps, frame count). A directory without frames.txt, or
// with a .partial-* subdirectory, holds an interrupted export. On error or cancel the partial
// directory is removed and false returned (error "cancelled" for a cancel).
bool exportFrames(const TraceIndex& index, const FramesOptions& options,
                  const ExportProgress& progress, QString* error);

// ffmpeg from PATH (or the IOSIM_FFMPEG environment variable); empty when there is none.
QString findFfmpeg();

// Encodes DIRECTORY/frame-%0<digits>d.png at `fps` into `output` (.mp4: H.264, .webm: VP9) with
// ffmpeg, into a temporary file renamed to `output` when ffmpeg succeeds.
bool encodeVideo(const QString& framesDirectory, int digits, int fps, const QString& output,
                 QString* error);

// exportFrames() into a temporary directory, then encodeVideo(); the frames are deleted after.
// Checks for ffmpeg before rendering anything.
bool exportVideo(const TraceIndex& index, const FramesOptions& options, const QString& output,
                 const ExportProgress& progress, QString* error);

// --- Moments, as the command line names them ----------------------------------------------

// "13500000", "13.5us", "2 ns", "1ms", "0.5s": picoseconds, exactly (decimal arithmetic, no
// floating point). Units ps, ns, us, ms, s; a bare number is ps. Nullopt and `error` for
// anything else, a negative time or a value that is not a whole number of ps.
std::optional<Picoseconds> parseTime(const QString& text, QString* error);
// "1us/s", "1us" (per wall second implied), "500ns/s": simulated ps per wall second.
std::optional<Picoseconds> parseSpeed(const QString& text, QString* error);

// The moment that shows step `step` best: the middle of its first copy, or its start when it has
// no copy. `step` is a 1-based number (the N-th narration; a trace without narration counts its
// events of interest instead) or a step id such as "copy-2" (the first step with that id).
// Nullopt and an error listing the valid numbers or ids otherwise.
std::optional<Picoseconds> stepMoment(const TraceIndex& index, const QString& step, QString* error);
// The default moment of an export: the middle of the first copy (data moving), else 0.
Picoseconds defaultMoment(const TraceIndex& index);

}  // namespace iosim::gui
