// What a simulated process does: a program of operations, as plain data. The scenario loader
// builds these from a file; tests build them directly.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <systemc>

#include "models/core/units.h"

namespace iosim::os {

/// How a driver moves data between a device and memory.
enum class Mechanism { pio, interrupt, dma, channel };
/// The DMA controller's bus discipline, for Mechanism::dma.
enum class DmaMode { burst, cycle_steal, transparent };

const char* to_string(Mechanism m);
const char* to_string(DmaMode m);

/// Read `bytes` from block `lba` of a raw disk into the process's buffer `into`.
struct DeviceRead {
  std::string device = "disk0";
  std::uint64_t lba = 0;
  ByteSize bytes{0};
  Mechanism mechanism = Mechanism::dma;
  DmaMode dma_mode = DmaMode::cycle_steal;
  std::string into = "buf";
};

/// Compute in user mode for `duration` of CPU time, or, with until_end, for as long as any other
/// process still has work (the competing process of the mechanism scenarios).
struct Compute {
  sc_core::sc_time duration = sc_core::SC_ZERO_TIME;
  bool until_end = false;
};

/// Sleep (blocked, off the CPU) for `duration`.
struct Sleep {
  sc_core::sc_time duration = sc_core::SC_ZERO_TIME;
};

using Operation = std::variant<DeviceRead, Compute, Sleep>;

struct ProcessSpec {
  std::string name;
  std::vector<Operation> program;
};

}  // namespace iosim::os
