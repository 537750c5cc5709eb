#include "sim/presets.h"

#include <stdexcept>

#include "sim/param_table.h"
#include "sim/units.h"

namespace iosim::sim {
namespace {

// Sources are kept short; docs/presets.md explains the derived ones. "unverified" marks a
// number chosen for plausibility that nobody has checked against a primary source yet.
std::vector<Preset> build_presets() {
  std::vector<Preset> all;

  all.push_back(Preset{
      "textbook",
      "Round numbers for lectures: the model defaults, every one documented in docs/parameters.md",
      {}});

  all.push_back(Preset{
      "pc-1995",
      "An ISA-era PC: 100 MHz Pentium, 8 MHz 16-bit ISA bus, 8237 DMA, 5400 rpm IDE disk",
      {
          {"cpu.clock", "100MHz", "Intel Pentium 100 (P54C, 1994)"},
          {"cpu.syscall_entry", "1us",
           "unverified: era-typical; lmbench (McVoy & Staelin, USENIX 1996) reports null syscalls "
           "of a few us on Pentium-class Unix"},
          {"cpu.syscall_exit", "1us", "unverified: as syscall_entry"},
          {"cpu.interrupt_entry", "3us",
           "unverified: two 8259A INTA cycles on ISA plus state save at 100 MHz"},
          {"cpu.interrupt_exit", "2us", "unverified: EOI to the 8259A over ISA plus iret"},
          {"cpu.context_switch", "10us",
           "unverified: lmbench 1996 context switches of several us to tens of us"},
          {"cpu.io_instruction", "100ns",
           "unverified: ~10 cycles of a serialising in/out at 100 MHz; the ISA cycle itself is "
           "bus time"},
          {"cpu.memcpy_bandwidth", "50MB/s", "unverified: Pentium rep movsd to EDO DRAM"},
          {"cpu.cache_line", "32B", "Intel Pentium: 32-byte cache lines"},
          {"cpu.compute_access_interval", "20us",
           "unverified: L1+L2 absorb most accesses; the one modelled bus is ISA, so a line fill "
           "costs ~2 us here"},
          {"bus.clock", "8MHz", "IBM PC/AT ISA bus: 8 MHz"},
          {"bus.width", "2B", "16-bit ISA"},
          {"bus.arbitration", "125ns", "unverified: one ISA clock for request and grant"},
          {"dram.size", "16MiB", "unverified: typical 1995 PC, 8-16 MB"},
          {"dram.access_latency", "70ns", "70 ns FPM/EDO DRAM speed grade"},
          {"disk.kind", "hdd", "IDE hard disk"},
          {"disk.cylinders", "4096",
           "derived: 4096 x 4 heads x 128 sectors x 512 B = 1 GiB, a 1995 disk's size"},
          {"disk.heads", "4", "derived, see cylinders"},
          {"disk.sectors_per_track", "128",
           "derived: media rate 128 x 512 B x 90 rev/s = 5.9 MB/s, within 1995 IDE's 5-8 MB/s"},
          {"disk.rpm", "5400", "1995 desktop IDE drives: 4500-5400 rpm"},
          {"disk.track_to_track_seek", "3ms", "unverified: 1990s drive data, 2-4 ms"},
          {"disk.average_seek", "12ms", "1995 IDE drive data sheets: 10-14 ms"},
          {"disk.full_stroke_seek", "24ms", "unverified: ~2x average seek"},
          {"disk.buffer_size", "128KiB", "1995 IDE drives: 64-256 KiB buffer"},
          {"disk.data_register_width", "2B", "ATA data register: 16 bits"},
          {"disk.register_latency", "350ns",
           "derived: 125 ns arbitration + one 125 ns ISA beat + 350 ns = 600 ns, the ATA PIO "
           "mode 0 cycle time (ATA-1)"},
          {"disk.command_overhead", "500us", "unverified: 1990s IDE controller command decode"},
          {"dma.channels", "4", "Intel 8237A: 4 channels per chip"},
          {"dma.transfer_unit", "2B", "PC/AT: channels 5-7 (slave 8237) move 16-bit words"},
          {"dma.cycle_overhead", "680ns",
           "derived: with arbitration, one ISA beat and DRAM latency, 1 us per 2-byte unit = "
           "2 MB/s, ISA DMA's practical 1-2 MB/s (unverified)"},
          {"kernel.driver_setup", "20us", "unverified: ~2000 instructions at 100 MHz"},
          {"kernel.timeslice", "200ms",
           "unverified: Linux 2.0 DEF_PRIORITY of 20 ticks at HZ=100 (include/linux/sched.h)"},
      }});

  all.push_back(Preset{
      "server-2024",
      "A 2024 server: 3 GHz cores, DDR4-3200, NVMe Gen4 SSD, one wide bus for PCIe and memory",
      {
          {"cpu.clock", "3GHz", "unverified: 2024 server cores run at 2.5-3.7 GHz"},
          {"cpu.syscall_entry", "90ns",
           "linux-io.md section 9: syscall entry+exit ~0.18 us measured on the build machine"},
          {"cpu.syscall_exit", "90ns", "linux-io.md section 9, as syscall_entry"},
          {"cpu.interrupt_entry", "1us",
           "linux-io.md section 9: 1-5 us entry+handler+exit (unverified there)"},
          {"cpu.interrupt_exit", "500ns", "linux-io.md section 9: 1-5 us in all (unverified)"},
          {"cpu.context_switch", "2us", "linux-io.md section 9: 1-3 us pipe ping-pong"},
          {"cpu.io_instruction", "200ns", "unverified: an uncached MMIO access posted to PCIe"},
          {"cpu.memcpy_bandwidth", "10GB/s", "linux-io.md section 9: 7-11 GB/s on one core"},
          {"cpu.cache_line", "64B", "x86-64: 64-byte cache lines"},
          {"bus.clock", "1GHz",
           "unverified: one bus stands for PCIe Gen4 and the memory controller; 64 GB/s peak"},
          {"bus.width", "64B", "one cache line per beat"},
          {"bus.arbitration", "2ns", "unverified: a few cycles of the fabric"},
          {"dram.size", "16GiB", "unverified: pages are allocated on first touch"},
          {"dram.access_latency", "27.5ns",
           "derived: DDR4-3200 CL22, tRCD + CL = 44 x 0.625 ns = 27.5 ns"},
          {"pic.lines", "24", "I/O APIC: 24 redirection entries (Intel 82093AA)"},
          {"disk.kind", "ssd", "NVMe SSD"},
          {"disk.ssd_read_latency", "50us",
           "linux-io.md section 9: NVMe Gen4 4K QD1 read ~50 us (Samsung 980 PRO)"},
          {"disk.ssd_write_latency", "20us", "unverified: writes land in the drive's cache"},
          {"disk.ssd_read_bandwidth", "7000MB/s", "linux-io.md section 9: Samsung 980 PRO"},
          {"disk.ssd_write_bandwidth", "5000MB/s", "linux-io.md section 9: Samsung 980 PRO"},
          {"disk.buffer_size", "1MiB", "unverified"},
          {"disk.data_register_width", "4B", "unverified: a 32-bit MMIO register"},
          {"disk.register_latency", "1us", "unverified: a PCIe MMIO read round trip"},
          {"disk.command_overhead", "2us",
           "unverified: most controller time is inside ssd_read_latency"},
          {"dma.channels", "8", "unverified"},
          {"dma.transfer_unit", "256B", "PCIe Max_Payload_Size of 256 B, common on servers"},
          {"dma.descriptor_size", "16B", "NVMe SGL descriptor: 16 bytes"},
          {"nic.link_rate", "25Gb/s", "a 25 GbE port (Mellanox ConnectX-4 Lx class), 3.125 GB/s"},
          {"nic.scatter_gather", "true", "every server NIC gathers (NETIF_F_SG)"},
          {"nic.checksum_offload", "true", "NETIF_F_HW_CSUM, needed for SG"},
          {"nic.tso", "true", "TCP segmentation offload"},
          {"peer.ack_every", "44",
           "a Linux receiver with GRO acknowledges each merged skb, and GRO merges up to 64 KiB "
           "(GRO_LEGACY_MAX_SIZE): 44 segments of 1460 B"},
          {"kernel.driver_setup", "1us", "unverified: blk-mq submission path"},
          {"kernel.timeslice", "3ms",
           "EEVDF base slice 0.75 ms x (1 + ilog2(8 CPUs)) (kernel/sched/fair.c, Linux 6.6)"},
      }});
  return all;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = build_presets();
  return all;
}

const Preset* find_preset(std::string_view name) {
  for (const Preset& p : presets()) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : presets()) names.emplace_back(p.name);
  return names;
}

const PresetValue* preset_value(const Preset& preset, std::string_view key) {
  for (const PresetValue& v : preset.values) {
    if (key == v.key) return &v;
  }
  return nullptr;
}

void apply_preset(const Preset& preset, PlatformParams& params) {
  std::vector<ParamRef> table = list_params(params);
  for (const PresetValue& value : preset.values) {
    const ParamRef* target = nullptr;
    for (const ParamRef& p : table) {
      if (p.key() == value.key) target = &p;
    }
    if (target == nullptr) {
      throw std::logic_error(std::string("preset ") + preset.name + " sets unknown parameter " +
                             value.key);
    }
    try {
      set_param(*target, value.value);
    } catch (const ParseError& e) {
      throw std::logic_error(std::string("preset ") + preset.name + ", " + value.key + ": " +
                             e.what());
    }
  }
}

}  // namespace iosim::sim
