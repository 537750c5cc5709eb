#include "models/platform.h"

#include <memory>
#include <stdexcept>

#include "models/core/context.h"
#include "models/hw/channel_processor.h"
#include "models/hw/cpu.h"
#include "models/hw/disk.h"
#include "models/hw/dma_controller.h"
#include "models/hw/dram.h"
#include "models/hw/interrupt_controller.h"
#include "models/hw/network_peer.h"
#include "models/hw/nic.h"
#include "models/os/kernel.h"

namespace iosim {
namespace {

// Target indices on the bus, in binding order.
enum Target : unsigned { kDram, kPic, kDma, kChannel, kNic, kFirstDisk };

/// The machine: modules are top-level SystemC objects (so records name them "cpu0", "disk0"),
/// owned and wired here. Like the TLM examples' top module, it only wires; every timing comes
/// from the parameters.
class Machine {
 public:
  Machine(const RunSpec& spec, ModelContext& context)
      : params_(spec.params),
        bus_("bus", params_.bus, context),
        dram_("dram", params_.dram, context),
        pic_("pic", params_.pic, context),
        cpu_("cpu0", params_.cpu, bus_, address_map::pic, context),
        dma_("dma0", params_.dma, context),
        channel_("channel0", params_.channel, context),
        nic_("nic0", params_.nic, context),
        peer_("peer0", params_.peer, context),
        irq_lines_("irq", params_.pic.lines),
        intr_("intr") {
    const unsigned highest_line = static_cast<unsigned>(irq_line::disk(kDiskCount - 1));
    if (params_.pic.lines <= highest_line) {
      throw std::invalid_argument("pic.lines must be at least " + std::to_string(highest_line + 1) +
                                  ": the disks interrupt on lines 14 and 15");
    }
    if (params_.dma.channels <= dma_channel(kDiskCount - 1)) {
      throw std::invalid_argument("dma.channels must be at least " +
                                  std::to_string(dma_channel(kDiskCount - 1) + 1) +
                                  ": the disks use channels 1 and 2");
    }
    if (params_.dram.size.bytes < (4ULL << 20) || params_.dram.size.bytes > address_map::io_base) {
      throw std::invalid_argument("dram.size must be between 4MiB and 1TiB");
    }

    cpu_.bus_socket.bind(bus_.initiator_socket);
    dma_.bus_socket.bind(bus_.initiator_socket);
    channel_.bus_socket.bind(bus_.initiator_socket);
    nic_.bus_socket.bind(bus_.initiator_socket);

    bus_.target_socket.bind(dram_.bus_socket);
    bus_.map(kDram, address_map::dram_base, params_.dram.size.bytes, "dram");
    bus_.target_socket.bind(pic_.register_socket);
    bus_.map(kPic, address_map::pic, address_map::io_window, "pic");
    bus_.target_socket.bind(dma_.register_socket);
    bus_.map(kDma, address_map::dma, address_map::io_window, "dma0");
    bus_.target_socket.bind(channel_.register_socket);
    bus_.map(kChannel, address_map::channel, address_map::io_window, "channel0");
    bus_.target_socket.bind(nic_.register_socket);
    bus_.map(kNic, address_map::nic, address_map::io_window, "nic0");
    // The card's bus-master reads are what the seeds' table counts as DMA copies.
    nic_.set_gather_engine(trace::Engine::dma);
    nic_.connect(peer_);
    nic_.irq_out.bind(irq_lines_[irq_line::nic]);
    pic_.name_line(irq_line::nic, "nic0");
    if (spec.keep_received_bytes) peer_.keep_bytes(true);

    for (unsigned i = 0; i < kDiskCount; ++i) {
      const std::string name = "disk" + std::to_string(i);
      disks_.push_back(std::make_unique<hw::Disk>(name.c_str(), params_.disk, i, context));
      hw::Disk& disk = *disks_.back();
      bus_.target_socket.bind(disk.register_socket);
      bus_.map(kFirstDisk + i, address_map::disk(i), address_map::io_window, name);
      disk.irq_out.bind(irq_lines_[irq_line::disk(i)]);
      pic_.name_line(irq_line::disk(i), name);
      dma_.attach(dma_channel(i), disk);
      channel_.attach(channel_device(i), disk);
    }
    channel_.irq_out.bind(irq_lines_[irq_line::channel]);
    pic_.name_line(irq_line::channel, "channel0");
    for (unsigned i = 0; i < irq_lines_.size(); ++i) pic_.irq_in[i].bind(irq_lines_[i]);
    pic_.intr_out.bind(intr_);
    cpu_.intr_in.bind(intr_);

    os::KernelWiring wiring;
    wiring.cpu = &cpu_;
    wiring.bus = &bus_;
    wiring.dram = &dram_;
    for (unsigned i = 0; i < kDiskCount; ++i) {
      wiring.disks.push_back(disks_[i].get());
      wiring.disk_registers.push_back(address_map::disk(i));
      wiring.disk_irq_lines.push_back(irq_line::disk(i));
      wiring.disk_dma_channels.push_back(dma_channel(i));
      wiring.disk_channel_devices.push_back(channel_device(i));
    }
    wiring.dma_registers = address_map::dma;
    wiring.dma_channel_stride = hw::DmaController::kChannelStride;
    wiring.channel_registers = address_map::channel;
    wiring.channel_is_selector = params_.channel.kind != "multiplexer";
    wiring.channel_irq_line = irq_line::channel;
    wiring.csw_address = params_.channel.csw_address;
    wiring.sector_size = params_.disk.sector_size.bytes;
    wiring.data_register_width = params_.disk.data_register_width.bytes;
    wiring.nic = &nic_;
    wiring.peer = &peer_;
    wiring.nic_registers = address_map::nic;
    wiring.nic_irq_line = irq_line::nic;
    kernel_ = std::make_unique<os::Kernel>("kernel", params_.kernel, wiring, context);
    for (const os::ProcessSpec& p : spec.processes) kernel_->add_process(p);
    for (const os::FileSpec& f : spec.files) kernel_->add_file(f);
    if (spec.crash) kernel_->schedule_crash(*spec.crash);
  }

  os::Kernel& kernel() { return *kernel_; }
  const hw::NetworkPeer& peer() const { return peer_; }

 private:
  PlatformParams params_;
  hw::Bus bus_;
  hw::Dram dram_;
  hw::InterruptController pic_;
  hw::Cpu cpu_;
  hw::DmaController dma_;
  hw::ChannelProcessor channel_;
  hw::Nic nic_;
  hw::NetworkPeer peer_;
  std::vector<std::unique_ptr<hw::Disk>> disks_;
  sc_core::sc_vector<sc_core::sc_signal<bool>> irq_lines_;
  sc_core::sc_signal<bool> intr_;
  std::unique_ptr<os::Kernel> kernel_;
};

}  // namespace

RunOutcome run_platform(const RunSpec& spec, trace::Sink& sink) {
  RunOutcome outcome;
  try {
    check_time_resolution();
    // The models report through records, never by printing (sc_stop's notice included).
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    ModelContext context(sink, spec.seed);
    std::unique_ptr<Machine> built;
    try {
      built = std::make_unique<Machine>(spec, context);
    } catch (const std::invalid_argument& e) {
      // The constructors check their parameters (and the files their disks): the input's fault.
      outcome.refused = true;
      outcome.error = e.what();
      return outcome;
    }
    Machine& machine = *built;
    sc_core::sc_start(spec.time_limit);
    os::Kernel& kernel = machine.kernel();
    outcome.completed = kernel.finished();
    outcome.end_time = outcome.completed ? kernel.end_time() : to_ps(sc_core::sc_time_stamp());
    if (spec.keep_received_bytes) {
      for (std::uint32_t c : kernel.connections()) outcome.received[c] = machine.peer().stream(c);
    }
    if (!kernel.failure().empty()) {
      outcome.completed = false;
      outcome.error = kernel.failure();
    } else if (!outcome.completed) {
      const bool hit_limit = sc_core::sc_time_stamp() >= spec.time_limit;
      outcome.error = (hit_limit ? "stopped at the time limit of " + format_time(spec.time_limit)
                                 : std::string("nothing left to simulate")) +
                      ": " + kernel.describe_unfinished();
    }
  } catch (const std::exception& e) {
    outcome.completed = false;
    outcome.error = e.what();
  }
  return outcome;
}

}  // namespace iosim
