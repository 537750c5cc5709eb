// The simulated clock of the player: current time, play/pause, speed. A QTimer at ~60 Hz advances
// it by (wall time elapsed) x speed, so repaints are rate-limited to the display, never per record.
#pragma once

#include "trace.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace iosim::gui {

class TraceIndex;

class Playback : public QObject {
  Q_OBJECT
 public:
  // Speed levels: simulated ps per wall second, 3 per decade from 1 ns/s to 1 s/s.
  static constexpr int kSpeedLevels = 28;
  static Picoseconds speedOfLevel(int level);

  explicit Playback(QObject* parent = nullptr);

  // The index gives the end time and the events of interest; null = no trace.
  void setIndex(const TraceIndex* index);

  Picoseconds time() const { return time_; }
  bool isPlaying() const { return playing_; }
  int speedLevel() const { return speedLevel_; }
  Picoseconds speed() const { return speedOfLevel(speedLevel_); }

 public slots:
  void setTime(Picoseconds t);
  void play();
  void pause();
  void togglePlay();
  void stepForward();          // to the next event of interest
  void stepBack();             // to the previous one
  void nextLectureStep();      // to the start of the next narration step
  void previousLectureStep();  // to the start of the step before the current one
  void home();
  void faster();
  void slower();
  void setSpeedLevel(int level);
  // Advances by `wallMs` of wall time (the timer calls it; tests call it directly).
  void advance(qint64 wallMs);

 signals:
  void timeChanged(iosim::gui::Picoseconds t);
  void playingChanged(bool playing);
  void speedChanged(iosim::gui::Picoseconds psPerSecond);

 private:
  void onTick();

  const TraceIndex* index_ = nullptr;
  Picoseconds time_ = 0;
  bool playing_ = false;
  int speedLevel_ = 9;  // 1 us/s
  QTimer timer_;
  QElapsedTimer wallClock_;
};

}  // namespace iosim::gui
