#pragma once

#include <string>

#include <systemc>

#include "models/core/params.h"
#include "models/core/units.h"

namespace iosim::hw {

/// A disk drive and its controller. `kind` picks the media model: an HDD whose timing follows
/// from geometry, rotation and a seek curve, or an SSD with a latency and a bandwidth.
struct DiskParams {
  std::string kind = "hdd";
  ByteSize sector_size{512};
  // HDD geometry and mechanics.
  std::uint64_t cylinders = 10000;
  std::uint64_t heads = 4;
  std::uint64_t sectors_per_track = 1000;
  std::uint64_t rpm = 6000;
  sc_core::sc_time track_to_track_seek{1, sc_core::SC_MS};
  sc_core::sc_time average_seek{8, sc_core::SC_MS};
  sc_core::sc_time full_stroke_seek{16, sc_core::SC_MS};
  std::uint64_t start_cylinder = 0;
  double start_angle = 0.0;
  // SSD.
  sc_core::sc_time ssd_read_latency{50, sc_core::SC_US};
  sc_core::sc_time ssd_write_latency{20, sc_core::SC_US};
  Bandwidth ssd_read_bandwidth{500'000'000};
  Bandwidth ssd_write_bandwidth{450'000'000};
  // Controller.
  ByteSize buffer_size{64ULL << 10};
  ByteSize data_register_width{4};
  sc_core::sc_time register_latency{100, sc_core::SC_NS};
  sc_core::sc_time command_overhead{10, sc_core::SC_US};
  // Volatile write cache.
  std::string write_cache = "write_through";
  ByteSize write_cache_size{16ULL << 20};

  template <class V>
  void visit_params(V& v) {
    v(ParamDoc{"kind",
               "Media model: hdd (geometry, rotation, seek curve) or ssd (latency + "
               "bandwidth)",
               "a model switch, not a measured value: hdd for the mechanics lectures, ssd for "
               "flash (linux-io.md section 9 gives both)"},
      kind, {"hdd", "ssd"});
    v(ParamDoc{"sector_size", "Logical block size", "ATA: 512 B"}, sector_size);
    v(ParamDoc{"cylinders", "HDD cylinders", "textbook: 10000 (20 GB with 4 heads, 1000 sectors)"},
      cylinders);
    v(ParamDoc{"heads", "HDD heads (tracks per cylinder)", "textbook: 4 (2 platters)"}, heads);
    v(
        ParamDoc{
            "sectors_per_track", "HDD sectors per track (no zoned recording)",
            "textbook: 1000, a 10 us sector at 6000 rpm (51 MB/s; real 2020s drives 150-275 MB/s)"},
        sectors_per_track);
    v(ParamDoc{"rpm", "HDD spindle speed; one revolution takes 60 s / rpm",
               "textbook: 6000 rpm, a 10 ms revolution (real: 7200 rpm, 8.33 ms; linux-io.md "
               "section 9)"},
      rpm);
    v(ParamDoc{"track_to_track_seek", "HDD seek over one cylinder", "Seagate/WD data: ~1 ms"},
      track_to_track_seek);
    v(ParamDoc{"average_seek", "HDD seek over a third of the cylinders (the average random seek)",
               "WD Ultrastar HC310: 7.4-8.2 ms"},
      average_seek);
    v(ParamDoc{"full_stroke_seek", "HDD seek across all cylinders", "~2x average seek"},
      full_stroke_seek);
    v(ParamDoc{"start_cylinder", "HDD head position at time zero",
               "textbook: cylinder 0, where the file system starts, so the first seek is short "
               "and easy to follow"},
      start_cylinder);
    v(ParamDoc{"start_angle",
               "HDD rotational position at time zero, as a fraction of a turn: "
               "sector s of a track passes under the head at angle s / "
               "sectors_per_track",
               "textbook: 0, so that the first rotational wait can be worked out by hand"},
      start_angle);
    v(ParamDoc{"ssd_read_latency", "SSD time to first byte of a read", "SATA SSD 4K QD1 ~77 us"},
      ssd_read_latency);
    v(ParamDoc{"ssd_write_latency", "SSD time to accept a write", "textbook"}, ssd_write_latency);
    v(ParamDoc{"ssd_read_bandwidth", "SSD sustained read rate", "SATA SSD 560 MB/s"},
      ssd_read_bandwidth);
    v(ParamDoc{"ssd_write_bandwidth", "SSD sustained write rate", "SATA SSD 530 MB/s"},
      ssd_write_bandwidth);
    v(ParamDoc{"buffer_size", "Controller sector buffer; the media stops when it is full",
               "1990s IDE: 64-256 KiB"},
      buffer_size);
    v(ParamDoc{"data_register_width", "Bytes moved by one access to the data register (PIO)",
               "ATA: 2 B, 4 B with 32-bit I/O"},
      data_register_width);
    v(ParamDoc{"register_latency", "Controller time to answer one register access", "textbook"},
      register_latency);
    v(ParamDoc{"command_overhead", "Controller time to decode a command before the media moves",
               "textbook"},
      command_overhead);
    v(ParamDoc{"write_cache",
               "write_through: a write completes when its sectors are on the media; write_back: "
               "when the drive has them in its volatile cache (FLUSH CACHE and WRITE DMA FUA EXT "
               "then make data durable)",
               "ATA8-ACS SET FEATURES 02h/82h (enable/disable write cache); Linux "
               "Documentation/block/writeback_cache_control.rst"},
      write_cache, {"write_through", "write_back"});
    v(ParamDoc{"write_cache_size",
               "write_back: bytes the drive holds that are not yet on the media; when full the "
               "host's next sector waits for the oldest one to reach the media",
               "HDD DRAM cache: 16-32 MiB (Seagate Barracuda 7200.12), 256-512 MB (2020s, "
               "linux-io.md section 9)"},
      write_cache_size);
  }
};

}  // namespace iosim::hw
