#include "narration_panel.h"

#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

namespace iosim::gui {

NarrationPanel::NarrationPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  text_ = new QLabel(this);
  text_->setWordWrap(true);
  text_->setMinimumHeight(90);
  text_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  QFont font = text_->font();
  font.setPointSizeF(font.pointSizeF() * 1.3);
  text_->setFont(font);
  list_ = new QListWidget(this);
  list_->setWordWrap(true);
  baseTextFont_ = text_->font();
  baseListFont_ = list_->font();
  layout->addWidget(new QLabel(tr("<b>Current step</b>"), this));
  layout->addWidget(text_);
  layout->addWidget(new QLabel(tr("<b>Steps</b>"), this));
  layout->addWidget(list_, 1);
  connect(list_, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
    if (index_) emit stepActivated(index_->steps()[size_t(list_->row(item))].start);
  });
  connect(list_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    if (index_) emit stepActivated(index_->steps()[size_t(list_->row(item))].start);
  });
}

void NarrationPanel::setIndex(const TraceIndex* index) {
  index_ = index;
  list_->clear();
  currentStep_ = -2;
  if (index_) {
    for (const Step& step : index_->steps())
      list_->addItem(step.id.isEmpty() ? step.text
                                       : QStringLiteral("%1: %2").arg(step.id, step.text));
  }
  setCurrentStep(-1);
}

void NarrationPanel::setCurrentStep(int step) {
  if (step == currentStep_) return;
  currentStep_ = step;
  text_->setText(currentText());
  const QSignalBlocker blocker(list_);
  if (step >= 0 && step < list_->count()) {
    list_->setCurrentRow(step);
    list_->scrollToItem(list_->item(step));
  } else {
    list_->clearSelection();
  }
}

void NarrationPanel::setFontScale(double scale) {
  QFont textFont = baseTextFont_;
  textFont.setPointSizeF(baseTextFont_.pointSizeF() * scale);
  text_->setFont(textFont);
  QFont listFont = baseListFont_;
  listFont.setPointSizeF(baseListFont_.pointSizeF() * scale);
  list_->setFont(listFont);
}

QString NarrationPanel::currentText() const {
  if (!index_) return {};
  if (index_->steps().empty()) return tr("This trace has no lecture steps.");
  if (currentStep_ < 0) return tr("(before the first step)");
  return index_->steps()[size_t(currentStep_)].text;
}

int NarrationPanel::stepCount() const {
  return list_->count();
}

}  // namespace iosim::gui
