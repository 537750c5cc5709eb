// The lecture steps: the current step's text in large type and the list of steps, the current
// one highlighted; activating a step asks to jump to it.
#pragma once

#include "scene_state.h"

#include <QWidget>

class QLabel;
class QListWidget;

namespace iosim::gui {

class NarrationPanel : public QWidget {
  Q_OBJECT
 public:
  explicit NarrationPanel(QWidget* parent = nullptr);
  void setIndex(const TraceIndex* index);
  void setCurrentStep(int step);
  // Presenter mode reads from the back of the room: scales the step text and the list.
  void setFontScale(double scale);

  int currentStep() const { return currentStep_; }
  QString currentText() const;
  int stepCount() const;

 signals:
  void stepActivated(iosim::gui::Picoseconds start);

 private:
  const TraceIndex* index_ = nullptr;
  int currentStep_ = -2;
  QLabel* text_ = nullptr;
  QListWidget* list_ = nullptr;
  QFont baseTextFont_;
  QFont baseListFont_;
};

}  // namespace iosim::gui
