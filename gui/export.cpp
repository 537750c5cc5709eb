#include "export.h"

#include "data_path_view.h"
#include "mode_lanes.h"
#include "timeline_view.h"

#include <QImage>
#include <QPainter>
#include <QSvgGenerator>

namespace iosim::gui {

namespace {

// The same painting for PNG and SVG: data path on top, mode lanes, then the timeline.
void paintExport(QPainter& painter, const TraceIndex& index, const ExportOptions& options) {
  const QRectF all(QPointF(0, 0), QSizeF(options.size));
  DataPathView dataPath;
  ModeLanes modeLanes;
  dataPath.setIndex(&index);
  dataPath.setTime(options.time);
  modeLanes.setIndex(&index);
  modeLanes.setTime(options.time);
  const double lanesHeight = ModeLanes::heightFor(int(index.processes().size()));
  double dataPathHeight = all.height() - lanesHeight;
  std::unique_ptr<TimelineView> timeline;
  if (options.withTimeline) {
    timeline = std::make_unique<TimelineView>();
    timeline->setIndex(&index);
    timeline->setTime(options.time);
    dataPathHeight = (all.height() - lanesHeight) * 0.62;
  }
  painter.fillRect(all, Qt::white);
  dataPath.paintOn(painter, QRectF(0, 0, all.width(), dataPathHeight));
  modeLanes.paintOn(painter, QRectF(0, dataPathHeight, all.width(), lanesHeight));
  if (timeline)
    timeline->paintOn(painter, QRectF(0, dataPathHeight + lanesHeight, all.width(),
                                      all.height() - dataPathHeight - lanesHeight));
}

}  // namespace

bool exportView(const TraceIndex& index, const ExportOptions& options, QString* error) {
  if (options.output.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
    QSvgGenerator generator;
    generator.setFileName(options.output);
    generator.setSize(options.size);
    generator.setViewBox(QRect(QPoint(0, 0), options.size));
    generator.setTitle(index.trace().title);
    QPainter painter;
    if (!painter.begin(&generator)) {
      if (error) *error = QStringLiteral("%1: error: cannot write").arg(options.output);
      return false;
    }
    paintExport(painter, index, options);
    return painter.end();
  }
  QImage image(options.size, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  {
    QPainter painter(&image);
    paintExport(painter, index, options);
  }
  if (!image.save(options.output)) {
    if (error) *error = QStringLiteral("%1: error: cannot write the image").arg(options.output);
    return false;
  }
  return true;
}

}  // namespace iosim::gui
