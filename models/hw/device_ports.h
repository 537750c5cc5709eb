// The interfaces between devices and the engines that move their data.
//
// A device controller (the disk's) is reached three ways:
//   - by the CPU through registers on the bus (TLM target socket; PIO and command set-up);
//   - by a DMA controller channel through DREQ/DACK, modelled by DmaPeripheral;
//   - by a channel processor through the channel interface, modelled by ChannelDevice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <systemc>

namespace iosim::hw {

/// Device side of an 8237-style DMA channel.
///
/// The device raises DREQ while it has at least one transfer unit for the DMA controller
/// (device-to-memory) or room for one (memory-to-device). On each DACK cycle the controller
/// takes or gives `n` bytes. At terminal count the controller tells the device, which then ends
/// its command (the disk raises its completion interrupt).
class DmaPeripheral {
 public:
  virtual ~DmaPeripheral() = default;
  virtual std::string dma_device_name() const = 0;
  /// DREQ level now.
  virtual bool dma_request() const = 0;
  /// Notified whenever DREQ may have changed.
  virtual const sc_core::sc_event& dma_request_event() const = 0;
  /// DACK, device to memory: the device hands over its next `n` bytes (n <= what DREQ promised).
  virtual void dma_read(std::uint8_t* dst, std::size_t n) = 0;
  /// DACK, memory to device: the device takes `n` bytes.
  virtual void dma_write(const std::uint8_t* src, std::size_t n) = 0;
  /// The controller reached terminal count on this device's channel.
  virtual void dma_terminal_count() = 0;
};

/// Unit status bits a device reports to its channel (IBM S/360 CSW unit status byte).
namespace unit_status {
constexpr std::uint8_t attention = 0x80;
constexpr std::uint8_t status_modifier = 0x40;
constexpr std::uint8_t control_unit_end = 0x20;
constexpr std::uint8_t busy = 0x10;
constexpr std::uint8_t channel_end = 0x08;
constexpr std::uint8_t device_end = 0x04;
constexpr std::uint8_t unit_check = 0x02;
constexpr std::uint8_t unit_exception = 0x01;
}  // namespace unit_status

/// CCW command codes the channel passes to devices (TIC, 0x08, never reaches a device).
namespace ccw_command {
constexpr std::uint8_t write = 0x01;
constexpr std::uint8_t read = 0x02;
constexpr std::uint8_t no_operation = 0x03;
constexpr std::uint8_t sense = 0x04;
/// Control: positions the device at the block number given by 4 big-endian data bytes
/// (a fixed-block-architecture "locate", standing in for the CKD seek/search pair).
constexpr std::uint8_t locate = 0x07;
constexpr std::uint8_t transfer_in_channel = 0x08;
}  // namespace ccw_command

/// A device (through its control unit) as a channel sees it. All calls come from the channel's
/// SystemC thread and may wait(): a read blocks until the device has the data.
class ChannelDevice {
 public:
  virtual ~ChannelDevice() = default;
  virtual std::string channel_device_name() const = 0;
  /// Initial selection for a new command. Returns 0 when accepted, else unit status bits
  /// (busy, unit_check) and the channel ends the program with them.
  virtual std::uint8_t start_command(std::uint8_t command) = 0;
  /// Data from the device for the current read/sense command: waits until some is ready, copies
  /// up to `max` bytes and returns how many. Returns 0 when the device's record is exhausted.
  virtual std::size_t channel_read(std::uint8_t* dst, std::size_t max) = 0;
  /// Data to the device for the current write/control command; returns how many bytes it took.
  virtual std::size_t channel_write(const std::uint8_t* src, std::size_t n) = 0;
  /// Ends the current command: the channel has moved `count` bytes as the CCW asked. Returns
  /// the ending unit status (channel_end | device_end normally; unit_check on error).
  virtual std::uint8_t end_command() = 0;
};

}  // namespace iosim::hw
