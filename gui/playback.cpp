#include "playback.h"

#include "scene_state.h"

#include <algorithm>
#include <cmath>

namespace iosim::gui {

Picoseconds Playback::speedOfLevel(int level) {
  level = std::clamp(level, 0, kSpeedLevels - 1);
  // 1 ns/s = 1e3 ps/s; each level is 10^(1/3): 1, 2, 5 per decade after rounding.
  static constexpr double kMantissa[3] = {1.0, 2.0, 5.0};
  return Picoseconds(std::llround(1e3 * std::pow(10.0, level / 3) * kMantissa[level % 3]));
}

Playback::Playback(QObject* parent) : QObject(parent) {
  timer_.setInterval(16);  // ~60 Hz
  timer_.setTimerType(Qt::PreciseTimer);
  connect(&timer_, &QTimer::timeout, this, &Playback::onTick);
}

void Playback::setIndex(const TraceIndex* index) {
  pause();
  index_ = index;
  time_ = -1;
  setTime(0);
}

void Playback::setTime(Picoseconds t) {
  const Picoseconds end = index_ ? index_->endTime() : 0;
  t = std::clamp<Picoseconds>(t, 0, end);
  if (t == time_) return;
  time_ = t;
  emit timeChanged(time_);
}

void Playback::play() {
  if (playing_ || !index_) return;
  if (time_ >= index_->endTime()) setTime(0);
  playing_ = true;
  wallClock_.start();
  timer_.start();
  emit playingChanged(true);
}

void Playback::pause() {
  if (!playing_) return;
  playing_ = false;
  timer_.stop();
  emit playingChanged(false);
}

void Playback::togglePlay() {
  playing_ ? pause() : play();
}

void Playback::stepForward() {
  if (index_) setTime(index_->nextEvent(time_));
}

void Playback::stepBack() {
  if (index_) setTime(index_->previousEvent(time_));
}

void Playback::nextLectureStep() {
  if (index_) setTime(index_->nextStepStart(time_));
}

void Playback::previousLectureStep() {
  if (index_) setTime(index_->previousStepStart(time_));
}

void Playback::home() {
  setTime(0);
}

void Playback::faster() {
  setSpeedLevel(speedLevel_ + 1);
}

void Playback::slower() {
  setSpeedLevel(speedLevel_ - 1);
}

void Playback::setSpeedLevel(int level) {
  level = std::clamp(level, 0, kSpeedLevels - 1);
  if (level == speedLevel_) return;
  speedLevel_ = level;
  emit speedChanged(speed());
}

void Playback::advance(qint64 wallMs) {
  if (!index_) return;
  // Big traces play for simulated hours: multiply in double, a qint64 product could overflow.
  const double delta = double(speed()) * double(wallMs) / 1000.0;
  const double target = std::min(double(time_) + delta, double(index_->endTime()));
  setTime(Picoseconds(target));
  if (time_ >= index_->endTime()) pause();
}

void Playback::onTick() {
  advance(wallClock_.restart());
}

}  // namespace iosim::gui
