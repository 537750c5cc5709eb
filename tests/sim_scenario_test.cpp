// The scenario loader (sim/scenario.h), presets and the parameter table: good files load with
// every value in place; each broken file gets exactly one message at the right line and column.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "sim/param_table.h"
#include "sim/presets.h"
#include "sim/scenario.h"

namespace iosim::sim {
namespace {

const std::string kData = IOSIM_TEST_DATA;

ParamOrigin origin(const Scenario& s, const std::string& key) {
  return s.param_origins.at(key);
}

TEST(SimScenario, LoadsEveryFeature) {
  const Scenario s = load_scenario_file(kData + "/good/all_features.yaml");
  EXPECT_EQ(s.title, "Every feature of the scenario format");
  EXPECT_EQ(s.teaches,
            "A scenario names a platform, processes with programs,\nand what the run must show.\n");
  EXPECT_EQ(s.seed, 42U);
  EXPECT_EQ(s.preset, "pc-1995");

  // Overrides, preset values and defaults, each with its origin.
  EXPECT_EQ(s.params.disk.rpm, 7200U);
  EXPECT_EQ(s.params.disk.average_seek, sc_core::sc_time(7.4, sc_core::SC_MS));
  EXPECT_EQ(s.params.disk.start_angle, 0.25);
  EXPECT_EQ(s.params.bus.clock.hertz, 33'000'000U);
  EXPECT_FALSE(s.params.kernel.wakeup_preemption);
  EXPECT_EQ(s.params.cpu.memcpy_bandwidth.bytes_per_second, 1'500'000'000U);
  EXPECT_EQ(origin(s, "disk.rpm"), ParamOrigin::scenario);
  EXPECT_EQ(s.params.bus.width.bytes, 2U);  // pc-1995: 16-bit ISA
  EXPECT_EQ(origin(s, "bus.width"), ParamOrigin::preset);
  EXPECT_EQ(s.params.disk.sector_size.bytes, 512U);
  EXPECT_EQ(origin(s, "disk.sector_size"), ParamOrigin::model_default);

  ASSERT_EQ(s.processes.size(), 2U);
  const os::ProcessSpec& reader = s.processes[0];
  EXPECT_EQ(reader.name, "reader");
  ASSERT_EQ(reader.program.size(), 3U);
  const auto& read = std::get<os::DeviceRead>(reader.program[0]);
  EXPECT_EQ(read.device, "disk1");
  EXPECT_EQ(read.lba, 16U);
  EXPECT_EQ(read.bytes.bytes, 8192U);
  EXPECT_EQ(read.mechanism, os::Mechanism::dma);
  EXPECT_EQ(read.dma_mode, os::DmaMode::burst);
  EXPECT_EQ(read.into, "block");
  EXPECT_EQ(std::get<os::Sleep>(reader.program[1]).duration, sc_core::sc_time(1.5, sc_core::SC_MS));
  const auto& defaults = std::get<os::DeviceRead>(reader.program[2]);
  EXPECT_EQ(defaults.device, "disk0");
  EXPECT_EQ(defaults.into, "buf");
  EXPECT_EQ(defaults.mechanism, os::Mechanism::channel);

  const os::ProcessSpec& cruncher = s.processes[1];
  EXPECT_EQ(std::get<os::Compute>(cruncher.program[0]).duration,
            sc_core::sc_time(2, sc_core::SC_MS));
  // 1000 cycles of the 100 MHz pc-1995 clock.
  EXPECT_EQ(std::get<os::Compute>(cruncher.program[1]).duration,
            sc_core::sc_time(10, sc_core::SC_US));
  EXPECT_TRUE(std::get<os::Compute>(cruncher.program[2]).until_end);

  ASSERT_EQ(s.expectations.size(), 9U);
  const Expectation& total = s.expectations[0];
  EXPECT_EQ(total.metric, "copies.total");
  EXPECT_EQ(total.pos.line, 26);
  EXPECT_EQ(total.pos.column, 3);
  ASSERT_TRUE(total.equals.has_value());
  EXPECT_EQ(to_string(total.equals->number), "2");
  EXPECT_EQ(to_string(s.expectations[1].at_most->number), "100000000000");  // 100ms in ps
  EXPECT_EQ(s.expectations[2].at_least->of_metric, "sim_time_ps");
  EXPECT_EQ(to_string(s.expectations[2].at_least->number), "0.05");
  EXPECT_EQ(to_string(s.expectations[3].at_most->number), "0.5");
  EXPECT_TRUE(s.expectations[4].tolerance_is_relative);
  EXPECT_EQ(to_string(s.expectations[4].equals->number), "8192");
  EXPECT_FALSE(s.expectations[5].tolerance_is_relative);
  EXPECT_EQ(to_string(s.expectations[5].tolerance->number), "10000000");
  EXPECT_EQ(s.expectations[6].equals_flag, std::optional<bool>(true));
  EXPECT_EQ(s.expectations[1].describe(), "at most 100ms");
  EXPECT_EQ(s.expectations[3].describe(), "between 0% and 50%");
}

TEST(SimScenario, MissingFileAndDirectory) {
  try {
    load_scenario_file(kData + "/no-such-file.yaml");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pos().line, 0);
    EXPECT_EQ(std::string(e.what()),
              kData + "/no-such-file.yaml: error: cannot open the scenario: no such file");
  }
  try {
    load_scenario_file(kData);
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.message(), "cannot open the scenario: it is a directory");
  }
}

struct BrokenCase {
  const char* file;
  int line, column;
  const char* message;
};

// One entry per file in tests/data/broken: where the loader must point and what it must say.
const BrokenCase kBroken[] = {
    {"unknown_key_typo.yaml", 4, 33,
     "unknown key 'avg_seek' in platform.disk; did you mean 'average_seek'?"},
    {"negative_size.yaml", 5, 46,
     "processes[0].program[0].device_read.bytes: a size cannot be negative: '-64KiB'"},
    {"unknown_unit.yaml", 4, 19,
     "platform.disk.average_seek: unknown time unit 'parsecs' in '5 parsecs' (time units: ps, ns, "
     "us (or \xC2\xB5s), ms, s)"},
    {"ambiguous_size_unit.yaml", 5, 46,
     "processes[0].program[0].device_read.bytes: unknown size unit 'KB' in '64KB'; did you mean kB "
     "(1000 bytes) or KiB (1024 bytes)? (size units: B, KiB, MiB, GiB, TiB (1024-based), kB, MB, "
     "GB, TB (1000-based))"},
    {"missing_unit.yaml", 4, 19,
     "platform.disk.average_seek: expected a time with a unit, like 7.4ms; got '8' without a unit"},
    {"wrong_type_list_for_map.yaml", 3, 8,
     "platform.dma: expected a map of channels, transfer_unit, descriptor_size, cycle_overhead; "
     "got a list"},
    {"missing_title.yaml", 1, 1, "missing 'title': every scenario needs a one-line title"},
    {"yaml_syntax_error.yaml", 6, 9, "YAML syntax error: end of map flow not found"},
    {"unknown_preset.yaml", 3, 11,
     "unknown preset 'pc-1996'; did you mean 'pc-1995'? (presets: textbook, pc-1995, server-2024)"},
    {"unknown_mechanism.yaml", 5, 64,
     "processes[0].program[0].device_read.mechanism: unknown mechanism 'dmaa'; did you mean 'dma'? "
     "(mechanisms: pio, interrupt, dma, channel)"},
    {"unknown_metric.yaml", 8, 3,
     "unknown metric 'copies.cpus'; did you mean 'copies.cpu'? (see 'iosim metrics' for the list)"},
    {"bad_expectation_form.yaml", 7, 24,
     "unknown key 'at_mots' in expect.cpu.other_work_ps; did you mean 'at_most'?"},
    {"duplicate_key.yaml", 3, 1, "duplicate key 'title' in the scenario (first given at line 1)"},
    {"zero_bytes.yaml", 5, 46,
     "processes[0].program[0].device_read.bytes: a read of 0B moves nothing; read at least one "
     "sector (512B)"},
    {"not_sector_multiple.yaml", 5, 46,
     "processes[0].program[0].device_read.bytes: 1000B is not a whole number of sectors "
     "(platform.disk.sector_size is 512B)"},
    {"unknown_device.yaml", 5, 32,
     "processes[0].program[0].device_read.device: no device called 'disk2'; did you mean 'disk0'? "
     "(devices: disk0, disk1)"},
    {"mode_without_dma.yaml", 5, 68,
     "processes[0].program[0].device_read.mode: a mode applies only to mechanism: dma"},
    {"unknown_operation.yaml", 5, 9,
     "unknown operation 'device_raed'; did you mean 'device_read'? (operations: device_read, "
     "compute, sleep)"},
    {"empty.yaml", 1, 1, "the file is empty: a scenario needs at least a title"},
    {"processes_not_a_list.yaml", 3, 3,
     "processes: expected a list of processes, each with a name and a program; got a map"},
    {"bad_choice.yaml", 3, 17, "platform.disk.kind: expected one of hdd, ssd; got 'floppy'"},
    {"percent_of_unknown_metric.yaml", 7, 33,
     "unknown metric 'sim_time'; did you mean 'sim_time_ps'? (see 'iosim metrics' for the list)"},
    {"expect_unknown_process.yaml", 7, 3,
     "metric 'process.writer.user_ps' names process 'writer', which the scenario does not have "
     "(processes: reader)"},
    {"fraction_over_one.yaml", 3, 24,
     "platform.disk.start_angle: expected a fraction between 0 and 1 (0% to 100%); got '150%'"},
    {"missing_dash.yaml", 5, 9,
     "processes[0].program[0]: expected an operation written as one key and its arguments, like '- "
     "compute: { for: 2ms }'; got 2 keys (is a '-' missing?)"},
    {"compute_until_bad.yaml", 5, 27,
     "processes[0].program[0].compute.until: expected 'end' (compute while other processes have "
     "work); got 'forever'"},
    {"zero_frequency.yaml", 3, 17, "platform.bus.clock: a frequency must be more than 0Hz"},
    {"between_one_value.yaml", 7, 27,
     "expect.sim_time_ps.between: expected a list of two values, like [1ms, 2ms]; got a list of 1"},
    {"time_overflow.yaml", 3, 25,
     "platform.disk.average_seek: '99999999999s' is too large: a time is at most 2^64-1 "
     "picoseconds"},
    {"duplicate_process.yaml", 6, 11,
     "processes[1].name: a process called 'reader' already exists"},
    {"wrong_unit_in_expectation.yaml", 7, 25,
     "expect.cpu.io_ps.at_most: this metric is a time: unknown time unit 'KiB' in '64KiB' (time "
     "units: ps, ns, us (or \xC2\xB5s), ms, s)"},
    {"tolerance_without_equals.yaml", 7, 33,
     "expect.sim_time_ps: a tolerance needs 'equals' beside it"},
    {"unknown_top_level_key.yaml", 2, 1,
     "unknown key 'platfrom' in the scenario; did you mean 'platform'?"},
    {"flag_expectation_number.yaml", 7, 13, "expect.verified: expected true or false; got '3'"},
    {"no_processes.yaml", 1, 1,
     "missing 'processes': a scenario needs at least one process with a program"},
};

class SimBrokenScenario : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(SimBrokenScenario, OnePreciseMessage) {
  const BrokenCase& c = GetParam();
  const std::string path = kData + "/broken/" + c.file;
  try {
    load_scenario_file(path);
    FAIL() << c.file << " loaded without an error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pos().file, path);
    EXPECT_EQ(e.pos().line, c.line) << e.what();
    EXPECT_EQ(e.pos().column, c.column) << e.what();
    EXPECT_EQ(e.message(), c.message);
    EXPECT_EQ(std::string(e.what()), path + ":" + std::to_string(c.line) + ":" +
                                         std::to_string(c.column) + ": error: " + c.message);
  }
}

std::string case_name(const ::testing::TestParamInfo<BrokenCase>& info) {
  std::string name = info.param.file;
  name = name.substr(0, name.find('.'));
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, SimBrokenScenario, ::testing::ValuesIn(kBroken), case_name);

TEST(SimScenario, ParseErrorsOfInlineText) {
  // parse_scenario reports positions in the text it is given, under the name it is given.
  try {
    parse_scenario("title: x\nprocesses:\n  - name: a\n    program: []\n", "inline");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()),
              "inline:4:14: error: processes[0].program: expected a list of operations "
              "(device_read, compute, sleep); got an empty list");
  }
}

TEST(SimPresets, EveryPresetAppliesAndIsSourced) {
  ASSERT_EQ(preset_names(), (std::vector<std::string>{"textbook", "pc-1995", "server-2024"}));
  for (const Preset& preset : presets()) {
    PlatformParams params;
    EXPECT_NO_THROW(apply_preset(preset, params)) << preset.name;
    std::set<std::string> keys;
    for (const PresetValue& v : preset.values) {
      EXPECT_TRUE(keys.insert(v.key).second) << preset.name << " sets " << v.key << " twice";
      EXPECT_STRNE(v.source, "") << preset.name << " " << v.key << " has no source";
    }
  }
  EXPECT_TRUE(presets().front().values.empty()) << "textbook is the model defaults";
}

TEST(SimPresets, Pc1995AndServer2024) {
  PlatformParams pc;
  apply_preset(*find_preset("pc-1995"), pc);
  EXPECT_EQ(pc.bus.clock.hertz, 8'000'000U);
  EXPECT_EQ(pc.bus.width.bytes, 2U);
  EXPECT_EQ(pc.dma.transfer_unit.bytes, 2U);
  EXPECT_EQ(pc.disk.rpm, 5400U);
  EXPECT_EQ(pc.disk.average_seek, sc_core::sc_time(12, sc_core::SC_MS));
  EXPECT_EQ(pc.disk.data_register_width.bytes, 2U);
  // 8237 DMA on ISA: arbitration + one beat + DRAM latency + cycle overhead = 1 us per 2 bytes.
  const sc_core::sc_time dma_cycle =
      pc.bus.arbitration + pc.bus.clock.cycles(1) + pc.dram.access_latency + pc.dma.cycle_overhead;
  EXPECT_EQ(dma_cycle, sc_core::sc_time(1, sc_core::SC_US));
  // ATA PIO mode 0: a 600 ns data-register cycle.
  EXPECT_EQ(pc.bus.arbitration + pc.bus.clock.cycles(1) + pc.disk.register_latency,
            sc_core::sc_time(600, sc_core::SC_NS));
  // Media rate within 1995 IDE's 5-8 MB/s.
  const std::uint64_t media_rate =
      pc.disk.sectors_per_track * pc.disk.sector_size.bytes * pc.disk.rpm / 60;
  EXPECT_GE(media_rate, 5'000'000U);
  EXPECT_LE(media_rate, 8'000'000U);

  PlatformParams server;
  apply_preset(*find_preset("server-2024"), server);
  EXPECT_EQ(server.disk.kind, "ssd");
  EXPECT_EQ(server.disk.ssd_read_latency, sc_core::sc_time(50, sc_core::SC_US));
  EXPECT_EQ(server.disk.ssd_read_bandwidth.bytes_per_second, 7'000'000'000U);
  EXPECT_EQ(server.bus.width.bytes, 64U);
  EXPECT_GE(server.bus.clock.hertz, 1'000'000'000U);
  EXPECT_LE(server.cpu.syscall_entry + server.cpu.syscall_exit,
            sc_core::sc_time(200, sc_core::SC_NS));
}

TEST(SimParamTable, EveryParameterRoundTripsThroughText) {
  // For the defaults and every preset: formatting a value and parsing it back changes nothing.
  for (const Preset& preset : presets()) {
    PlatformParams original;
    apply_preset(preset, original);
    PlatformParams copy;
    std::vector<ParamRef> from = list_params(original);
    std::vector<ParamRef> to = list_params(copy);
    ASSERT_EQ(from.size(), to.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
      set_param(to[i], format_param(from[i]));
      EXPECT_EQ(format_param(to[i]), format_param(from[i])) << preset.name << " " << from[i].key();
    }
    EXPECT_EQ(copy.disk.average_seek, original.disk.average_seek);
    EXPECT_EQ(copy.dram.access_latency, original.dram.access_latency);
  }
}

TEST(SimParamTable, KeysAreUniqueAndSectionsComplete) {
  PlatformParams params;
  std::set<std::string> keys;
  for (const ParamRef& p : list_params(params)) {
    EXPECT_TRUE(keys.insert(p.key()).second) << p.key();
    EXPECT_STRNE(p.doc.description, "") << p.key();
  }
  EXPECT_EQ(section_names(), (std::vector<std::string>{"cpu", "bus", "dram", "pic", "disk", "dma",
                                                       "channel", "kernel"}));
  EXPECT_TRUE(keys.count("disk.average_seek"));
  EXPECT_TRUE(keys.count("kernel.wakeup_preemption"));
}

TEST(SimScenario, DescribesOperations) {
  os::DeviceRead read;
  read.bytes = ByteSize(4096);
  read.mechanism = os::Mechanism::dma;
  read.dma_mode = os::DmaMode::transparent;
  EXPECT_EQ(describe_operation(read),
            "device_read: { device: disk0, lba: 0, bytes: 4KiB, mechanism: dma, mode: transparent, "
            "into: buf }");
  os::Compute compute;
  compute.until_end = true;
  EXPECT_EQ(describe_operation(compute), "compute: { until: end }");
}

}  // namespace
}  // namespace iosim::sim
