#pragma once

#include <string>

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::hw {

/// An IBM System/360-style I/O channel processor.
struct ChannelParams {
  std::string kind = "selector";
  ByteSize transfer_unit{8};
  sc_core::sc_time ccw_decode{1, sc_core::SC_US};
  sc_core::sc_time device_selection{2, sc_core::SC_US};
  std::uint64_t csw_address = 0x40;
  sc_core::sc_time register_latency{100, sc_core::SC_NS};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"kind",
               "selector: one device at a time, in burst; multiplexer: interleaves the data of "
               "several devices, transfer_unit bytes per turn",
               "IBM System/360 Principles of Operation"},
      kind, {"selector", "multiplexer"});
    v(ParamDoc{"transfer_unit", "Bytes the channel moves to or from memory per storage access",
               "S/360 selector channel: 8-byte storage words"},
      transfer_unit);
    v(ParamDoc{"ccw_decode", "Channel time to fetch-decode one CCW besides its memory read",
               "textbook"},
      ccw_decode);
    v(ParamDoc{"device_selection", "Channel time to select a device and pass it a command",
               "textbook"},
      device_selection);
    v(ParamDoc{"csw_address", "Memory address where the channel stores the CSW",
               "S/360: CSW at location 64"},
      csw_address);
    v(ParamDoc{"register_latency",
               "Channel time to decode one CPU access to its registers (CAW, DEVICE, START, ...); "
               "a START takes effect this long after the CPU's write",
               "textbook: like a device controller register"},
      register_latency);
  }
};

}  // namespace iosim::hw
