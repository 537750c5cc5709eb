// Colours shared by every view and the legend, so "DMA is blue" means the same everywhere.
#pragma once

#include <QColor>
#include <QString>

namespace iosim::gui {

// Copy engines: CPU copies (orange) and DMA copies (blue) must never be confused.
inline QColor engineColor(const QString& engine) {
  if (engine == QLatin1String("cpu")) return QColor(0xF2, 0x8C, 0x28);      // orange
  if (engine == QLatin1String("dma")) return QColor(0x1F, 0x6F, 0xD1);      // blue
  if (engine == QLatin1String("channel")) return QColor(0x2E, 0x9E, 0x4F);  // green
  if (engine == QLatin1String("nic")) return QColor(0x8E, 0x44, 0xAD);      // purple
  if (engine == QLatin1String("disk")) return QColor(0x7F, 0x6A, 0x55);     // brown
  return QColor(0x70, 0x70, 0x70);
}

// A descriptor (a reference passed instead of data): dark slate, unlike any copy engine.
inline QColor descriptorColor() {
  return QColor(0x26, 0x32, 0x38);
}

// CPU states in the timeline and the mode lanes.
inline QColor cpuStateColor(const QString& state) {
  if (state == QLatin1String("user")) return QColor(0x4C, 0xAF, 0x50);    // green
  if (state == QLatin1String("kernel")) return QColor(0xE5, 0x39, 0x35);  // red
  if (state == QLatin1String("irq")) return QColor(0x8E, 0x24, 0xAA);     // violet
  return QColor(0xCF, 0xD8, 0xDC);                                        // idle: light grey
}

inline QColor layerColor(const QString& layer, bool highContrast = false) {
  // On a projector pale tints wash out to white: high contrast uses stronger ones.
  if (layer == QLatin1String("user"))
    return highContrast ? QColor(0xC8, 0xE6, 0xC9) : QColor(0xE8, 0xF5, 0xE9);
  if (layer == QLatin1String("kernel"))
    return highContrast ? QColor(0xFF, 0xCD, 0xD2) : QColor(0xFF, 0xEB, 0xEE);
  return highContrast ? QColor(0xCF, 0xD8, 0xDC) : QColor(0xEC, 0xEF, 0xF1);
}

// A mode switch under way: teal, unlike the engines and the user/kernel colours.
inline QColor modeSwitchColor() {
  return QColor(0x00, 0x83, 0x8F);
}

// How the views draw: normal on a desk, or large and high-contrast for presenting (projectors
// lose contrast and the back row is far away).
struct ViewStyle {
  double fontScale = 1.0;     // multiplies every font size and the sizes that depend on text
  bool highContrast = false;  // black text and outlines, stronger fills, thicker lines

  double lineWidth(double normal) const { return highContrast ? normal * 1.8 : normal; }
  bool operator==(const ViewStyle& other) const {
    return fontScale == other.fontScale && highContrast == other.highContrast;
  }
  bool operator!=(const ViewStyle& other) const { return !(*this == other); }
};

// The style of presenter mode.
inline ViewStyle presenterStyle() {
  return ViewStyle{1.6, true};
}

}  // namespace iosim::gui
