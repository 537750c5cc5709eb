// Renders the data-path view (optionally with the timeline below it) at one moment to a PNG or
// an SVG file, without a window: the `iosim-gui --export` command and slide scripts use it.
#pragma once

#include "scene_state.h"

#include <QSize>
#include <QString>

namespace iosim::gui {

struct ExportOptions {
  QString output;  // .png or .svg
  QSize size{1600, 900};
  Picoseconds time = 0;
  bool withTimeline = false;
};

// Returns false and sets `error` when the file cannot be written.
bool exportView(const TraceIndex& index, const ExportOptions& options, QString* error);

}  // namespace iosim::gui
