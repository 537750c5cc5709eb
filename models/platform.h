// The whole simulated machine: parameters, the address map, and one call that builds and runs it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/core/trace.h"
#include "models/hw/bus.h"
#include "models/hw/channel_params.h"
#include "models/hw/cpu_params.h"
#include "models/hw/disk_params.h"
#include "models/hw/dma_params.h"
#include "models/hw/dram_params.h"
#include "models/hw/nic_params.h"
#include "models/os/kernel_params.h"
#include "models/os/program.h"

namespace iosim {

/// Every parameter of the machine, in sections named as in the scenario file (`platform.cpu`,
/// `platform.disk`, ...).
struct PlatformParams {
  hw::CpuParams cpu;
  hw::BusParams bus;
  hw::DramParams dram;
  hw::InterruptControllerParams pic;
  hw::DiskParams disk;
  hw::DmaParams dma;
  hw::ChannelParams channel;
  hw::NicParams nic;
  hw::NetworkPeerParams peer;
  os::KernelParams kernel;

  /// Calls v(section_name, section) for each section.
  template <class V>
  void visit_sections(V& v) {
    v("cpu", cpu);
    v("bus", bus);
    v("dram", dram);
    v("pic", pic);
    v("disk", disk);
    v("dma", dma);
    v("channel", channel);
    v("nic", nic);
    v("peer", peer);
    v("kernel", kernel);
  }
};

/// Physical address map: DRAM from 0, device registers in an I/O window far above any DRAM.
namespace address_map {
constexpr std::uint64_t dram_base = 0;
constexpr std::uint64_t io_base = 1ULL << 40;  // 1 TiB: DRAM may be as large as that
constexpr std::uint64_t io_window = 0x100;     // each device gets one window
constexpr std::uint64_t pic = io_base + 0x000;
constexpr std::uint64_t dma = io_base + 0x100;
constexpr std::uint64_t channel = io_base + 0x200;
constexpr std::uint64_t nic = io_base + 0x300;
constexpr std::uint64_t disk(unsigned index) {
  return io_base + 0x1000 + index * io_window;
}
}  // namespace address_map

/// Device numbers of the disks on the channel processor (S/360 style "190", "191").
constexpr std::uint16_t channel_device(unsigned disk_index) {
  return static_cast<std::uint16_t>(0x190 + disk_index);
}
/// The DMA channel each disk's DREQ/DACK lines are wired to.
constexpr unsigned dma_channel(unsigned disk_index) {
  return 1 + disk_index;
}

/// Interrupt lines.
namespace irq_line {
constexpr int dma = 2;
constexpr int channel = 3;
constexpr int nic = 11;  // a PCI line, as a legacy PC routes its cards to 9-11
constexpr int disk(unsigned index) {
  return 14 + static_cast<int>(index);
}
}  // namespace irq_line

/// The number of disks the platform has (disk0 on the ATA controller and the channel, disk1 on
/// the channel as its second device).
constexpr unsigned kDiskCount = 2;

struct RunSpec {
  PlatformParams params;
  std::vector<os::ProcessSpec> processes;
  /// The files of the disks' file system, created before the run (docs/models/kernel.md).
  std::vector<os::FileSpec> files;
  std::uint64_t seed = 1;
  /// A crash at a simulated time (the scenario's top-level `crash`): the run ends there and the
  /// kernel reports what was lost (docs/models/kernel.md, durability).
  std::optional<os::CrashSpec> crash;
  /// A run that has not finished by this simulated time is stopped and reported incomplete.
  sc_core::sc_time time_limit{100, sc_core::SC_SEC};
  /// Keep the bytes the network peer receives and return them in RunOutcome::received (tests).
  bool keep_received_bytes = false;
};

struct RunOutcome {
  Picoseconds end_time = 0;  // when the last process with finite work finished
  bool completed = false;    // false if the simulation stopped with work left (deadlock, error)
  std::string error;         // why, when not completed
  /// The models refused the parameters while the platform was being built (rpm 0, a socket
  /// buffer out of range): bad input rather than a failed run; nothing was simulated.
  bool refused = false;
  /// With RunSpec::keep_received_bytes: the byte stream of each connection at the peer.
  std::map<std::uint32_t, std::vector<std::uint8_t>> received;
};

/// Builds the platform for `spec`, runs it to completion and reports through `sink`.
/// SystemC allows one elaboration per OS process: call this at most once per process.
RunOutcome run_platform(const RunSpec& spec, trace::Sink& sink);

}  // namespace iosim
