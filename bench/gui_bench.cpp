// gui_bench: how iosim-gui copes with a large trace. Writes a synthetic trace of 1,000,000
// records (CPU intervals, bus tenures, DMA copies reported page by page under shared copy_ids,
// CPU and NIC copies, device phases, interrupts, mode and context switches, syscalls, narration)
// to a temporary file, then times what the player does with it: read the file, build the index,
// stateAt() at random times, and paint one frame of the data-path view and of the timeline into
// a 1920x1080 image. Prints figures; it is not a test.
//
// Targets (the large-trace issue): open in a few seconds, animate at display rate (< 16 ms/frame).
//
//   gui_bench [RECORDS] [--keep FILE]
#include "data_path_view.h"
#include "scene_state.h"
#include "timeline_view.h"
#include "trace.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QTemporaryDir>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <queue>
#include <random>
#include <string>
#include <vector>

using namespace iosim::gui;

namespace {

constexpr Picoseconds kNs = 1000;
constexpr Picoseconds kUs = 1000 * kNs;

// Streams records in start order without holding the trace in memory (the peak RSS must be the
// reader's, not the writer's). Each source ("lane": a CPU, a DMA channel, the disk...) emits a
// burst of records from its next start time on; the generator always advances the lane furthest
// behind, and records wait in a small heap until no lane can emit an earlier one.
class TraceWriter {
 public:
  TraceWriter(std::FILE* file, long long target) : file_(file), target_(target) {}

  bool done() const { return queued_ >= target_; }
  long long written() const { return written_; }

  void record(const char* type, Picoseconds start, Picoseconds end, const std::string& actor,
              const std::string& step, const std::string& fields) {
    std::string line = "{\"type\":\"";
    line += type;
    line += "\",\"start\":" + std::to_string(start) + ",\"end\":" + std::to_string(end) +
            ",\"actor\":\"" + actor + "\",\"step\":\"" + step + "\"," + fields + "}";
    pending_.push({start, queued_++, std::move(line)});
  }

  // Writes every record that starts at or before `time`: no lane will emit an earlier one.
  void flushUpTo(Picoseconds time) {
    while (!pending_.empty() && pending_.top().start <= time) {
      std::fputs(written_ == 0 ? "\n" : ",\n", file_);
      std::fputs(pending_.top().line.c_str(), file_);
      pending_.pop();
      ++written_;
    }
  }

 private:
  struct Pending {
    Picoseconds start;
    long long order;  // ties keep emission order
    std::string line;
    bool operator<(const Pending& other) const {  // std::priority_queue is a max-heap
      return start != other.start ? start > other.start : order > other.order;
    }
  };
  std::FILE* file_;
  long long target_;
  long long queued_ = 0;
  long long written_ = 0;
  std::priority_queue<Pending> pending_;
};

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

struct Generator {
  static constexpr int kCpus = 4;
  static constexpr int kDmaChannels = 4;
  static constexpr int kProcesses = 8;

  explicit Generator(TraceWriter& writer) : out(writer) {}

  TraceWriter& out;
  std::mt19937_64 random{42};
  long long nextCopyId = 1;
  std::string step = "step-1";
  int stepNumber = 1;

  Picoseconds uniform(Picoseconds low, Picoseconds high) {
    return std::uniform_int_distribution<Picoseconds>(low, high)(random);
  }
  std::string process(int p) { return "app" + std::to_string(p); }

  // A CPU: user work, a system call (mode switch in, kernel work with a CPU copy, mode switch
  // out), now and then an interrupt or a context switch, idle gaps.
  struct Cpu {
    int id = 0;
    Picoseconds next = 0;
    int process = 0;
  };
  void advanceCpu(Cpu& cpu) {
    const std::string name = "cpu" + std::to_string(cpu.id);
    const std::string proc = process(cpu.process);
    Picoseconds t = cpu.next;
    const Picoseconds user = uniform(500 * kNs, 5 * kUs);
    out.record("cpu", t, t + user, name, "",
               "\"cpu\":" + quoted(name) + ",\"process\":" + quoted(proc) +
                   ",\"state\":\"user\",\"stall\":0");
    t += user;
    out.record("mode_switch", t, t + 100 * kNs, name, step,
               "\"cpu\":" + quoted(name) + ",\"process\":" + quoted(proc) +
                   ",\"to_kernel\":true,\"cause\":\"syscall read\"");
    const Picoseconds kernel = uniform(1 * kUs, 6 * kUs);
    out.record("syscall", t, t + kernel, proc, "",
               "\"process\":" + quoted(proc) +
                   ",\"name\":\"read\",\"args\":\"fd 3, 4KiB\",\"result\":4096,\"error\":\"\"");
    out.record("cpu", t, t + kernel, name, step,
               "\"cpu\":" + quoted(name) + ",\"process\":" + quoted(proc) +
                   ",\"state\":\"kernel\",\"stall\":" + std::to_string(uniform(0, 50) * kNs));
    // The kernel's copy to the user buffer, 1 to 4 records of one copy_id.
    const long long copyId = nextCopyId++;
    const int pieces = int(uniform(1, 4));
    Picoseconds copyStart = t + 200 * kNs;
    for (int i = 0; i < pieces; ++i) {
      const Picoseconds piece = uniform(100 * kNs, 400 * kNs);
      out.record("copy", copyStart, copyStart + piece, name, step,
                 "\"copy_id\":" + std::to_string(copyId) +
                     ",\"engine\":\"cpu\",\"from\":\"page_cache\",\"to\":" + quoted(proc + ".buf") +
                     ",\"bytes\":1024");
      copyStart += piece;
    }
    t += kernel;
    out.record("mode_switch", t, t + 100 * kNs, name, step,
               "\"cpu\":" + quoted(name) + ",\"process\":" + quoted(proc) +
                   ",\"to_kernel\":false,\"cause\":\"sysret read\"");
    if (uniform(0, 9) == 0) {
      out.record("cpu", t, t + 2 * kUs, name, "",
                 "\"cpu\":" + quoted(name) + ",\"process\":\"\",\"state\":\"irq\",\"stall\":0");
      t += 2 * kUs;
    }
    if (uniform(0, 3) == 0) {
      const int other = (cpu.process + kCpus) % kProcesses;
      out.record("context_switch", t, t + 500 * kNs, name, "",
                 "\"cpu\":" + quoted(name) + ",\"from\":" + quoted(proc) +
                     ",\"to\":" + quoted(process(other)) + ",\"reason\":\"blocked\"");
      cpu.process = other;
      const Picoseconds idle = uniform(0, 3 * kUs);
      out.record("cpu", t, t + idle, name, "",
                 "\"cpu\":" + quoted(name) + ",\"process\":\"\",\"state\":\"idle\",\"stall\":0");
      t += idle;
    }
    cpu.next = t;
  }

  // A DMA channel: a 4 to 16 page transfer from the disk buffer to the page cache, one copy
  // record per page under one copy_id, the channel's transfer phase and the bus tenure per page.
  struct Channel {
    int id = 0;
    Picoseconds next = 0;
  };
  void advanceChannel(Channel& channel) {
    const std::string name = "dma0.ch" + std::to_string(channel.id);
    Picoseconds t = channel.next;
    const int pages = int(uniform(4, 16));
    const Picoseconds perPage = uniform(300 * kNs, 600 * kNs);
    out.record("device", t, t + pages * perPage, name, step,
               "\"device\":" + quoted(name) + ",\"phase\":\"transfer\",\"detail\":\"" +
                   std::to_string(pages) + " pages\"");
    const long long copyId = nextCopyId++;
    for (int page = 0; page < pages; ++page) {
      out.record("copy", t, t + perPage, name, step,
                 "\"copy_id\":" + std::to_string(copyId) +
                     ",\"engine\":\"dma\",\"from\":\"disk0.buffer\",\"to\":\"page_cache\","
                     "\"bytes\":4096");
      out.record("bus", t, t + perPage, "bus", step,
                 "\"initiator\":" + quoted(name) +
                     ",\"transactions\":512,\"bytes\":4096,\"busy\":" + std::to_string(perPage) +
                     ",\"stall\":0");
      t += perPage;
    }
    out.record("interrupt", t, t + 1 * kUs, "pic", step,
               "\"line\":" + std::to_string(20 + channel.id) + ",\"device\":" + quoted(name) +
                   ",\"handler_start\":" + std::to_string(t + 400 * kNs));
    channel.next = t + uniform(1 * kUs, 20 * kUs);
  }

  // The disk: command, seek, rotate, transfer.
  Picoseconds diskNext = 0;
  void advanceDisk() {
    Picoseconds t = diskNext;
    const std::array<std::pair<const char*, Picoseconds>, 4> phases{
        {{"command", uniform(200 * kNs, 1 * kUs)},
         {"seek", uniform(1 * kUs, 8 * kUs)},
         {"rotate", uniform(1 * kUs, 6 * kUs)},
         {"transfer", uniform(2 * kUs, 8 * kUs)}}};
    for (const auto& [phase, duration] : phases) {
      out.record("device", t, t + duration, "disk0", step,
                 "\"device\":\"disk0\",\"phase\":\"" + std::string(phase) +
                     "\",\"detail\":\"READ DMA lba 0 count 8\"");
      t += duration;
    }
    diskNext = t + uniform(0, 2 * kUs);
  }

  // The NIC: copies from the socket buffer to its buffer by its own DMA.
  Picoseconds nicNext = 0;
  void advanceNic() {
    Picoseconds t = nicNext;
    const Picoseconds duration = uniform(1 * kUs, 4 * kUs);
    out.record("device", t, t + duration, "nic0", step,
               "\"device\":\"nic0\",\"phase\":\"transfer\",\"detail\":\"tx 1500 B\"");
    out.record("copy", t, t + duration, "nic0.dma", step,
               "\"copy_id\":" + std::to_string(nextCopyId++) +
                   ",\"engine\":\"nic\",\"from\":\"socket.buf\",\"to\":\"nic0.buffer\","
                   "\"bytes\":1500");
    nicNext = t + duration + uniform(0, 5 * kUs);
  }

  // A lecture step every 200 us.
  Picoseconds narrationNext = 0;
  void advanceNarration() {
    step = "step-" + std::to_string(stepNumber);
    out.record("narration", narrationNext, narrationNext + 200 * kUs, "kernel", step,
               "\"text\":\"Step " + std::to_string(stepNumber) +
                   ": the machine reads files and sends them.\"");
    ++stepNumber;
    narrationNext += 200 * kUs;
  }

  Picoseconds run() {
    std::vector<Cpu> cpus(kCpus);
    for (int i = 0; i < kCpus; ++i) cpus[size_t(i)] = {i, Picoseconds(i) * 300 * kNs, i};
    std::vector<Channel> channels(kDmaChannels);
    for (int i = 0; i < kDmaChannels; ++i) channels[size_t(i)] = {i, Picoseconds(i) * 700 * kNs};
    Picoseconds last = 0;
    while (!out.done()) {
      // The lane furthest behind goes next: records come out sorted by start.
      Picoseconds earliest = narrationNext;
      int lane = 0;
      auto consider = [&](Picoseconds next, int id) {
        if (next < earliest) {
          earliest = next;
          lane = id;
        }
      };
      for (int i = 0; i < kCpus; ++i) consider(cpus[size_t(i)].next, 1 + i);
      for (int i = 0; i < kDmaChannels; ++i) consider(channels[size_t(i)].next, 100 + i);
      consider(diskNext, 200);
      consider(nicNext, 300);
      out.flushUpTo(earliest - 1);
      last = std::max(last, earliest);
      if (lane == 0)
        advanceNarration();
      else if (lane < 100)
        advanceCpu(cpus[size_t(lane - 1)]);
      else if (lane < 200)
        advanceChannel(channels[size_t(lane - 100)]);
      else if (lane == 200)
        advanceDisk();
      else
        advanceNic();
    }
    out.flushUpTo(std::numeric_limits<Picoseconds>::max());
    return last + 50 * kUs;
  }
};

// Writes the trace; returns its end time.
Picoseconds writeTrace(const QString& path, long long records, long long* written) {
  std::FILE* file = std::fopen(QFile::encodeName(path).constData(), "w");
  if (!file) {
    std::fprintf(stderr, "gui_bench: cannot write %s\n", qPrintable(path));
    std::exit(1);
  }
  std::fputs(
      "{\"format\":\"iosim-trace\",\"version\":1,\"time_unit\":\"ps\",\n"
      "\"scenario\":{\"title\":\"gui_bench: synthetic "
      "trace\",\"file\":\"gui_bench\",\"seed\":42},\n"
      "\"regions\":[\n",
      file);
  std::string regions;
  for (int p = 0; p < Generator::kProcesses; ++p)
    regions += "{\"name\":\"app" + std::to_string(p) +
               "\",\"layer\":\"user\",\"label\":\"process app" + std::to_string(p) +
               "\"},\n{\"name\":\"app" + std::to_string(p) +
               ".buf\",\"layer\":\"user\",\"label\":\"app" + std::to_string(p) + " buffer\"},\n";
  regions +=
      "{\"name\":\"page_cache\",\"layer\":\"kernel\",\"label\":\"page cache\"},\n"
      "{\"name\":\"socket.buf\",\"layer\":\"kernel\",\"label\":\"socket buffer\"},\n"
      "{\"name\":\"disk0.buffer\",\"layer\":\"hardware\",\"label\":\"disk0 buffer\"},\n"
      "{\"name\":\"nic0.buffer\",\"layer\":\"hardware\",\"label\":\"nic0 buffer\"}],\n"
      "\"records\":[";
  std::fputs(regions.c_str(), file);
  TraceWriter writer(file, records);
  Generator generator(writer);
  const Picoseconds end = generator.run();
  *written = writer.written();
  std::fprintf(file, "\n],\n\"end_time\":%lld}\n", static_cast<long long>(end));
  std::fclose(file);
  return end;
}

long peakRssKiB() {
  QFile status(QStringLiteral("/proc/self/status"));
  if (!status.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : status.readAll().split('\n'))
    if (line.startsWith("VmHWM:")) return line.mid(6).trimmed().split(' ').first().toLong();
  return -1;
}

double millisecondsSince(const QElapsedTimer& timer) {
  return double(timer.nsecsElapsed()) / 1e6;
}

template <typename Paint>
double meanFrameMs(int frames, Paint paint) {
  QImage image(1920, 1080, QImage::Format_ARGB32_Premultiplied);
  QElapsedTimer timer;
  double total = 0;
  for (int i = 0; i < frames; ++i) {
    image.fill(Qt::white);
    QPainter painter(&image);
    timer.start();
    paint(painter, i);
    total += millisecondsSince(timer);
  }
  return total / frames;
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  long long records = 1'000'000;
  QString keep;
  for (int i = 1; i < argc; ++i) {
    const QString argument = QString::fromLocal8Bit(argv[i]);
    if (argument == QLatin1String("--keep") && i + 1 < argc)
      keep = QString::fromLocal8Bit(argv[++i]);
    else
      records = argument.toLongLong();
  }
  if (records < 1000) {
    std::fprintf(stderr, "usage: gui_bench [RECORDS >= 1000] [--keep FILE]\n");
    return 1;
  }

  QTemporaryDir directory;
  const QString path =
      keep.isEmpty() ? directory.filePath(QStringLiteral("bench-trace.json")) : keep;
  QElapsedTimer timer;
  timer.start();
  long long recordsWritten = 0;
  const Picoseconds endTime = writeTrace(path, records, &recordsWritten);
  const double writeMs = millisecondsSince(timer);
  std::printf("gui_bench: %lld records, %s of simulated time\n", recordsWritten,
              qPrintable(formatTime(endTime)));
  std::printf("  file size                  %8.1f MB   (written in %.0f ms)\n",
              double(QFileInfo(path).size()) / 1e6, writeMs);
  const long rssBeforeLoad = peakRssKiB();

  QString error;
  timer.start();
  std::optional<Trace> trace = TraceFile::load(path, &error);
  const double loadMs = millisecondsSince(timer);
  if (!trace) {
    std::fprintf(stderr, "%s\n", qPrintable(error));
    return 1;
  }
  std::printf("  TraceFile::load            %8.0f ms   (%zu records kept)\n", loadMs,
              trace->records.size());

  timer.start();
  const TraceIndex index(*trace);
  const double indexMs = millisecondsSince(timer);
  std::printf("  TraceIndex                 %8.0f ms   (%zu logical copies, %zu steps)\n", indexMs,
              index.logicalCopies().size(), index.steps().size());
  std::printf("  open = load + index        %8.0f ms\n", loadMs + indexMs);

  std::mt19937_64 random(7);
  std::uniform_int_distribution<Picoseconds> anyTime(0, endTime);
  constexpr int kStateSamples = 1000;
  size_t inFlight = 0;
  timer.start();
  for (int i = 0; i < kStateSamples; ++i)
    inFlight += index.stateAt(anyTime(random)).copiesInFlight.size();
  std::printf("  stateAt (mean of %d)     %8.3f ms   (%.1f copies in flight on average)\n",
              kStateSamples, millisecondsSince(timer) / kStateSamples,
              double(inFlight) / kStateSamples);

  constexpr int kFrames = 20;
  std::vector<Picoseconds> frameTimes;
  for (int i = 0; i < kFrames; ++i) frameTimes.push_back(anyTime(random));
  DataPathView dataPath;
  dataPath.resize(1920, 1080);
  dataPath.setIndex(&index);
  const double dataPathMs = meanFrameMs(kFrames, [&](QPainter& painter, int i) {
    dataPath.setTime(frameTimes[size_t(i)]);  // includes stateAt, as a played frame does
    dataPath.paintOn(painter, QRectF(0, 0, 1920, 1080));
  });
  std::printf(
      "  DataPathView frame         %8.2f ms   (1920x1080, setTime + paintOn, mean of %d)\n",
      dataPathMs, kFrames);

  TimelineView timeline;
  timer.start();
  timeline.setIndex(&index);
  const double timelineSetupMs = millisecondsSince(timer);
  std::printf("  TimelineView::setIndex     %8.0f ms   (lanes built once per trace)\n",
              timelineSetupMs);
  const double wholeMs = meanFrameMs(kFrames, [&](QPainter& painter, int i) {
    timeline.setTime(frameTimes[size_t(i)]);
    timeline.setVisibleRange(0, endTime);
    timeline.paintOn(painter, QRectF(0, 0, 1920, 1080));
  });
  std::printf("  TimelineView, whole run    %8.2f ms   (mean of %d)\n", wholeMs, kFrames);
  const Picoseconds zoomSpan = 200 * kUs;
  const double zoomedMs = meanFrameMs(kFrames, [&](QPainter& painter, int i) {
    const Picoseconds start = std::max<Picoseconds>(0, frameTimes[size_t(i)] - zoomSpan / 2);
    timeline.setTime(frameTimes[size_t(i)]);
    timeline.setVisibleRange(start, start + zoomSpan);
    timeline.paintOn(painter, QRectF(0, 0, 1920, 1080));
  });
  std::printf("  TimelineView, 200 us range %8.2f ms   (mean of %d)\n", zoomedMs, kFrames);
  std::printf("  peak RSS (VmHWM)           %8.0f MB   (%.0f MB before loading)\n",
              double(peakRssKiB()) / 1024, double(rssBeforeLoad) / 1024);
  return 0;
}
