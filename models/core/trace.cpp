#include "models/core/trace.h"

namespace iosim::trace {

const char* to_string(Layer layer) {
  switch (layer) {
    case Layer::user:
      return "user";
    case Layer::kernel:
      return "kernel";
    case Layer::hardware:
      return "hardware";
  }
  return "?";
}

const char* to_string(Engine engine) {
  switch (engine) {
    case Engine::cpu:
      return "cpu";
    case Engine::dma:
      return "dma";
    case Engine::channel:
      return "channel";
    case Engine::nic:
      return "nic";
    case Engine::disk:
      return "disk";
  }
  return "?";
}

const char* to_string(CpuState state) {
  switch (state) {
    case CpuState::idle:
      return "idle";
    case CpuState::user:
      return "user";
    case CpuState::kernel:
      return "kernel";
    case CpuState::irq:
      return "irq";
  }
  return "?";
}

}  // namespace iosim::trace
