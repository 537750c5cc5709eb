#include "models/os/program.h"

namespace iosim::os {

const char* to_string(Mechanism m) {
  switch (m) {
    case Mechanism::pio:
      return "pio";
    case Mechanism::interrupt:
      return "interrupt";
    case Mechanism::dma:
      return "dma";
    case Mechanism::channel:
      return "channel";
  }
  return "?";
}

const char* to_string(DmaMode m) {
  switch (m) {
    case DmaMode::burst:
      return "burst";
    case DmaMode::cycle_steal:
      return "cycle_steal";
    case DmaMode::transparent:
      return "transparent";
  }
  return "?";
}

const char* to_string(ReadOrder order) {
  switch (order) {
    case ReadOrder::sequential:
      return "sequential";
    case ReadOrder::random:
      return "random";
  }
  return "?";
}

const char* to_string(Advice advice) {
  switch (advice) {
    case Advice::normal:
      return "normal";
    case Advice::sequential:
      return "sequential";
    case Advice::random:
      return "random";
  }
  return "?";
}

const char* to_string(SpliceEnd end) {
  switch (end) {
    case SpliceEnd::file:
      return "file";
    case SpliceEnd::pipe:
      return "pipe";
    case SpliceEnd::socket:
      return "socket";
  }
  return "?";
}

const char* to_string(SyncKind kind) {
  switch (kind) {
    case SyncKind::fsync:
      return "fsync";
    case SyncKind::fdatasync:
      return "fdatasync";
    case SyncKind::sync_file_range:
      return "sync_file_range";
  }
  return "?";
}

const char* to_string(MapKind kind) {
  switch (kind) {
    case MapKind::shared:
      return "shared";
    case MapKind::private_copy:
      return "private";
  }
  return "?";
}

const char* to_string(CrashKind kind) {
  switch (kind) {
    case CrashKind::process:
      return "process";
    case CrashKind::kernel:
      return "kernel";
    case CrashKind::power:
      return "power";
  }
  return "?";
}

}  // namespace iosim::os
