// The scenario loader (sim/scenario.h), presets and the parameter table: good files load with
// every value in place; each broken file gets exactly one message at the right line and column.
#include <filesystem>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "sim/param_table.h"
#include "sim/presets.h"
#include "sim/report.h"
#include "sim/run.h"
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
     "compute, sleep, open, read, write, fwrite, fflush, fsync, fdatasync, sync_file_range, "
     "uring_read, mmap, map_read, map_write, msync, munmap, lseek, fadvise, close, connect, "
     "read_write, read_send_zerocopy, sendfile, mmap_write, pipe, splice, vmsplice, tee, crash, "
     "repeat)"},
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
    {"knob_unknown_key.yaml", 7, 19,
     "unknown key 'lable' in knobs[0] (allowed: name, label, path, choices)"},
    {"knob_path_not_found.yaml", 7, 25,
     "knobs[0].path: processes[0].program[0].device_read has no key 'size' (keys: bytes, "
     "mechanism)"},
    {"knob_index_out_of_range.yaml", 7, 25,
     "knobs[0].path: processes has 1 entry (indexes 0 to 0)"},
    {"knob_duplicate_name.yaml", 8, 13, "knobs[1].name: a knob called 'size' already exists"},
    {"knob_not_a_value.yaml", 7, 25,
     "knobs[0].path: processes[0].program[0].device_read is a map; a knob stands for a single "
     "value"},
    {"knob_missing_path.yaml", 7, 5,
     "knobs[0]: missing 'path' (where the knob's value is, like platform.preset)"},
    {"knob_bad_choice.yaml", 7, 88,
     "knobs[0].choices[1]: 'dmaa' is not a value processes[0].program[0].device_read.mechanism "
     "takes; did you mean 'dma'? (pio, interrupt, dma, channel)"},
    {"knob_value_not_a_choice.yaml", 7, 79,
     "knobs[0].choices: the current value '4KiB' of processes[0].program[0].device_read.bytes is "
     "not one of the choices (8KiB, 64KiB)"},
    {"knob_bad_path_syntax.yaml", 7, 25,
     "knobs[0].path: expected a list index (a whole number) in '[x]' of 'processes[x].name'"},
    {"knob_top_level_name.yaml", 7, 13,
     "knobs[0].name: 'title' is a top-level key of the scenario; a knob of that name must have "
     "path: title"},
    {"knobs_not_a_list.yaml", 7, 3,
     "knobs: expected a list of knobs, each with a name and a path; got a map"},
    // The storage path: files: and the file operations.
    {"file_unknown_in_read.yaml", 8, 23,
     "processes[0].program[1].read.file: no file called 'date.bin'; did you mean 'data.bin'? "
     "(files: data.bin)"},
    {"file_not_open.yaml", 7, 23,
     "processes[0].program[0].read.file: 'data.bin' is not open here; open it first with '- "
     "open: { file: data.bin }'"},
    {"read_after_close.yaml", 9, 23,
     "processes[0].program[2].read.file: 'data.bin' is not open here; open it first with '- "
     "open: { file: data.bin }'"},
    {"file_unknown_key.yaml", 3, 36,
     "unknown key 'cahce' in files[0] (allowed: path, size, device, seed, pattern, cache)"},
    {"file_bad_cache.yaml", 3, 43,
     "files[0].cache: expected cold (nothing cached) or warm (every page cached); got 'hot'"},
    {"file_seed_and_pattern.yaml", 3, 45,
     "files[0]: give either 'seed' or 'pattern' for the contents, not both"},
    {"read_bad_order.yaml", 8, 53,
     "processes[0].program[1].read.order: unknown read order 'randm'; did you mean 'random'? "
     "(sequential, random)"},
    {"fadvise_bad_advice.yaml", 8, 44,
     "processes[0].program[1].fadvise.advice: unknown advice 'willneed' (normal, sequential, "
     "random)"},
    {"read_unknown_key.yaml", 8, 33,
     "unknown key 'chunck' in processes[0].program[1].read; did you mean 'chunk'?"},
    {"lseek_missing_offset.yaml", 8, 16,
     "processes[0].program[1].lseek: missing 'offset' (where to go, like 64KiB)"},
    // {dir} stands for the corpus directory: include paths are resolved next to the file.
    {"include_missing_file.yaml", 2, 10,
     "include: cannot open '{dir}/parts/no-such-platform.yaml': no such file"},
    {"include_self.yaml", 2, 11,
     "include: cyclic include: {dir}/include_self.yaml -> {dir}/include_self.yaml"},
    {"repeat_zero_count.yaml", 5, 26,
     "processes[0].program[0].repeat.count: expected at least 1; got 0"},
    {"repeat_missing_do.yaml", 5, 17,
     "processes[0].program[0].repeat: missing 'do' (the list of operations to repeat)"},
    {"splice_file_to_socket.yaml", 10, 17,
     "processes[0].program[0].splice: splice moves a file to a pipe or a pipe to a socket here, "
     "not a file to a socket (one end must be a pipe; pipe to file and pipe to pipe are not "
     "modelled)"},
    {"splice_unknown_end.yaml", 10, 40,
     "processes[0].program[0].splice.to: 'piep' is no open file, pipe or socket here"},
    {"tee_same_pipe.yaml", 7, 14, "processes[0].program[0].tee: tee needs two different pipes"},
    {"repeat_leaves_file_open.yaml", 10, 13,
     "processes[0].program[0].repeat.do: every pass must leave files and sockets as it found "
     "them, but this one opens data.bin without closing it; move that out of the loop"},
    // The write path: open flags, write, fwrite, fsync, crashes, the vm.dirty_* parameters.
    {"open_unknown_flag.yaml", 7, 47,
     "processes[0].program[0].open.flags[1]: unknown open flag 'drect'; did you mean 'direct'? "
     "(flags: write, sync, dsync, direct, append)"},
    {"open_flags_not_a_list.yaml", 7, 39,
     "processes[0].program[0].open.flags: expected a list of flags, like [write, sync] (write, "
     "sync, dsync, direct, append); got a single value"},
    {"uring_zero_depth.yaml", 8, 47,
     "processes[0].program[1].uring_read.depth: between 1 and 4096 reads in flight (io_uring "
     "rings have at most 4096 entries here)"},
    {"uring_unknown_key.yaml", 8, 40,
     "unknown key 'deepth' in processes[0].program[1].uring_read; did you mean 'depth'?"},
    {"mmap_bad_mode.yaml", 8, 40,
     "processes[0].program[1].mmap.mode: unknown mapping mode 'sharde'; did you mean 'shared'? "
     "(shared, private)"},
    {"mmap_not_open.yaml", 7, 23,
     "processes[0].program[0].mmap.file: 'table.dat' is not open here; open it first with '- "
     "open: { file: table.dat }'"},
    {"map_read_without_mmap.yaml", 8, 27,
     "processes[0].program[1].map_read.file: no mapping of 'table.dat' here; map it first with "
     "'- mmap: { file: table.dat }'"},
    {"map_write_zero_bytes.yaml", 9, 46,
     "processes[0].program[2].map_write.bytes: a map_write of 0B stores nothing; store at least "
     "1B"},
    {"map_read_unknown_key.yaml", 9, 38,
     "unknown key 'ofset' in processes[0].program[2].map_read; did you mean 'offset'?"},
    {"write_zero_chunk.yaml", 8, 40,
     "processes[0].program[1].write.chunk: a write() of 0B writes nothing; write at least 1B"},
    {"write_unknown_key.yaml", 8, 46,
     "unknown key 'byte' in processes[0].program[1].write; did you mean 'bytes'?"},
    {"fsync_not_open.yaml", 7, 24,
     "processes[0].program[0].fsync.file: 'log.bin' is not open here; open it first with '- "
     "open: { file: log.bin }'"},
    {"fwrite_not_open.yaml", 7, 25,
     "processes[0].program[0].fwrite.file: 'log.bin' is not open here; open it first with '- "
     "open: { file: log.bin, flags: [write] }'"},
    {"fwrite_negative_bytes.yaml", 8, 54,
     "processes[0].program[1].fwrite.bytes: a size cannot be negative: '-1KiB'"},
    {"crash_without_at.yaml", 9, 8,
     "crash: missing 'at' (when the crash happens, a time like 150ms)"},
    {"crash_at_size_unit.yaml", 9, 14,
     "crash.at: unknown time unit 'KiB' in '64KiB' (time units: ps, ns, us (or \xC2\xB5s), ms, "
     "s)"},
    {"crash_bad_kind.yaml", 9, 24,
     "processes[0].program[2].crash.kind: unknown crash kind 'powr'; did you mean 'power'? "
     "(process, kernel, power)"},
    {"dirty_ratio_over_one.yaml", 3, 26,
     "platform.kernel.dirty_ratio: expected a fraction between 0 and 1 (0% to 100%); got '120%'"},
    {"dirty_bytes_one_page.yaml", 3, 26,
     "platform.kernel.dirty_bytes: vm.dirty_bytes must be at least 8KiB (two pages), or 0B to "
     "use dirty_ratio; got '4KiB'"},
};

TEST(SimBrokenScenario, EveryFileOfTheCorpusHasACase) {
  std::set<std::string> listed;
  for (const BrokenCase& c : kBroken) listed.insert(c.file);
  for (const auto& entry : std::filesystem::directory_iterator(kData + "/broken")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    EXPECT_TRUE(listed.count(entry.path().filename().string()))
        << entry.path() << " has no entry in kBroken";
  }
  for (const std::string& file : listed) {
    EXPECT_TRUE(std::filesystem::exists(kData + "/broken/" + file)) << file << " is missing";
  }
}

class SimBrokenScenario : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(SimBrokenScenario, OnePreciseMessage) {
  const BrokenCase& c = GetParam();
  const std::string path = kData + "/broken/" + c.file;
  std::string message = c.message;
  for (std::size_t at; (at = message.find("{dir}")) != std::string::npos;)
    message.replace(at, 5, kData + "/broken");
  try {
    load_scenario_file(path);
    FAIL() << c.file << " loaded without an error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pos().file, path);
    EXPECT_EQ(e.pos().line, c.line) << e.what();
    EXPECT_EQ(e.pos().column, c.column) << e.what();
    EXPECT_EQ(e.message(), message);
    EXPECT_EQ(std::string(e.what()), path + ":" + std::to_string(c.line) + ":" +
                                         std::to_string(c.column) + ": error: " + message);
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
              "(device_read, compute, sleep, open, read, write, fwrite, fflush, fsync, "
              "fdatasync, sync_file_range, uring_read, mmap, map_read, map_write, msync, munmap, "
              "lseek, fadvise, close, connect, read_write, read_send_zerocopy, sendfile, "
              "mmap_write, pipe, splice, "
              "vmsplice, tee, crash, repeat); got an empty list");
  }
}

const Knob& knob(const Scenario& s, const std::string& name) {
  for (const Knob& k : s.knobs) {
    if (k.name == name) return k;
  }
  throw std::out_of_range("no knob " + name);
}

TEST(SimKnobs, EveryKindFollowsWhatTheLoaderExpects) {
  const Scenario s = load_scenario_file(kData + "/good/knobs.yaml");
  ASSERT_EQ(s.knobs.size(), 14U);
  const Knob& size = knob(s, "size");
  EXPECT_EQ(size.label, "Bytes to read");
  EXPECT_EQ(size.path, "processes[0].program[0].device_read.bytes");
  EXPECT_EQ(size.value, "8KiB");
  EXPECT_EQ(size.kind, KnobKind::size);
  EXPECT_TRUE(size.choices.empty());
  EXPECT_EQ(size.pos.line, 19);

  const Knob& mechanism = knob(s, "mechanism");
  EXPECT_EQ(mechanism.label, "mechanism") << "the name when there is no label";
  EXPECT_EQ(mechanism.kind, KnobKind::choice);
  EXPECT_EQ(mechanism.choices, (std::vector<std::string>{"pio", "interrupt", "dma", "channel"}));
  EXPECT_EQ(knob(s, "mode").choices,
            (std::vector<std::string>{"burst", "cycle_steal", "transparent"}));
  EXPECT_EQ(knob(s, "preset").choices, preset_names());
  EXPECT_EQ(knob(s, "preset").value, "pc-1995");

  EXPECT_EQ(knob(s, "preemption").kind, KnobKind::boolean);
  EXPECT_EQ(knob(s, "seek").kind, KnobKind::time);
  EXPECT_EQ(knob(s, "bandwidth").kind, KnobKind::rate);
  EXPECT_EQ(knob(s, "bus_clock").kind, KnobKind::frequency);
  EXPECT_EQ(knob(s, "angle").kind, KnobKind::fraction);
  EXPECT_EQ(knob(s, "seed").kind, KnobKind::count);
  EXPECT_EQ(knob(s, "work").kind, KnobKind::time);
  EXPECT_EQ(knob(s, "reader_name").kind, KnobKind::text);
  // A metric name is one key, dots and all.
  EXPECT_EQ(knob(s, "work_ratio").path, "expect.cpu.io_ps.at_least");
  EXPECT_EQ(knob(s, "work_ratio").kind, KnobKind::time);

  const Knob& block = knob(s, "block");
  EXPECT_EQ(block.kind, KnobKind::choice) << "declared choices make a choice";
  EXPECT_EQ(block.choices, (std::vector<std::string>{"4KiB", "8KiB", "64KiB"}));

  EXPECT_STREQ(to_string(KnobKind::boolean), "bool");
  EXPECT_STREQ(to_string(KnobKind::rate), "rate");
}

const char* const kWritePathScenario = R"(title: The write path
platform:
  kernel: { dirty_ratio: 5%, dirty_background_ratio: 0.02, dirty_bytes: 0B, dirty_writeback_interval: 1s }
files:
  - { path: log.bin, size: 0B }
  - { path: data.bin, size: 64KiB }
processes:
  - name: writer
    program:
      - open: { file: log.bin, flags: [write, sync, dsync, direct, append] }
      - open: { file: data.bin }
      - write: { file: log.bin, chunk: 16KiB, bytes: 1MiB, from: block, pattern: "abc" }
      - write: { file: log.bin }
      - write: { file: data.bin, chunk: 8KiB }
      - fwrite: { file: log.bin, chunk: 100B, bytes: 10KiB, pattern: "line\n" }
      - fwrite: { file: log.bin }
      - fflush: { file: log.bin }
      - fsync: { file: log.bin }
      - fdatasync: { file: log.bin }
      - sync_file_range: { file: data.bin }
      - crash: { kind: process }
      - crash: {}
crash: { at: 150ms, kind: kernel }
knobs:
  - { name: flag, path: "processes[0].program[0].open.flags[1]" }
  - { name: when, path: crash.at }
)";

TEST(SimScenario, UringReadLoadsIntoTheModelsStruct) {
  const Scenario s = parse_scenario(R"(
title: io_uring
files:
  - { path: t.dat, size: 1MiB }
processes:
  - name: p
    program:
      - open: { file: t.dat, flags: [direct] }
      - uring_read: { file: t.dat, chunk: 64KiB, bytes: 512KiB, depth: 8, into: slots, compute: 2ms }
      - uring_read: { file: t.dat }
)",
                                    "inline");
  const auto& u = std::get<os::UringRead>(s.processes.at(0).program[1]);
  EXPECT_EQ(u.path, "t.dat");
  EXPECT_EQ(u.chunk.bytes, 64U << 10);
  EXPECT_EQ(u.bytes.bytes, 512U << 10);
  EXPECT_EQ(u.depth, 8U);
  EXPECT_EQ(u.into, "slots");
  EXPECT_EQ(u.compute, sc_core::sc_time(2, sc_core::SC_MS));
  const auto& d = std::get<os::UringRead>(s.processes.at(0).program[2]);
  EXPECT_EQ(d.chunk.bytes, 128U << 10);
  EXPECT_EQ(d.bytes.bytes, 0U);
  EXPECT_EQ(d.depth, 4U);
  EXPECT_EQ(d.into, "buf");
  EXPECT_EQ(describe_operation(s.processes.at(0).program[1]),
            "uring_read: { file: t.dat, chunk: 64KiB, bytes: 512KiB, depth: 8, into: slots, "
            "compute: 2ms }");
}

TEST(SimScenario, MappingOperationsLoadIntoTheModelsStructs) {
  const Scenario s = parse_scenario(R"(
title: mmap
files:
  - { path: t.dat, size: 1MiB }
  - { path: u.dat, size: 64KiB }
processes:
  - name: p
    program:
      - open: { file: t.dat, flags: [write] }
      - mmap: { file: t.dat }
      - map_read: { file: t.dat, offset: 8KiB, bytes: 64KiB }
      - map_read: { file: t.dat }
      - map_write: { file: t.dat, offset: 100B, bytes: 10000B, pattern: "ab" }
      - map_write: { file: t.dat }
      - msync: { file: t.dat }
      - munmap: { file: t.dat }
      - open: { file: u.dat }
      - mmap: { file: u.dat, mode: private }
      - map_write: { file: u.dat, bytes: 1B }
      - mmap: { file: t.dat, mode: shared }
)",
                                    "inline");
  const std::vector<os::Operation>& program = s.processes.at(0).program;
  ASSERT_EQ(program.size(), 12U);
  const auto& shared = std::get<os::MmapFile>(program[1]);
  EXPECT_EQ(shared.path, "t.dat");
  EXPECT_EQ(shared.kind, os::MapKind::shared) << "the default";
  const auto& read = std::get<os::MapRead>(program[2]);
  EXPECT_EQ(read.path, "t.dat");
  EXPECT_EQ(read.offset.bytes, 8U << 10);
  EXPECT_EQ(read.bytes.bytes, 64U << 10);
  const auto& read_default = std::get<os::MapRead>(program[3]);
  EXPECT_EQ(read_default.offset.bytes, 0U);
  EXPECT_EQ(read_default.bytes.bytes, 4096U);
  const auto& write = std::get<os::MapWrite>(program[4]);
  EXPECT_EQ(write.path, "t.dat");
  EXPECT_EQ(write.offset.bytes, 100U);
  EXPECT_EQ(write.bytes.bytes, 10000U);
  EXPECT_EQ(write.pattern, "ab");
  const auto& write_default = std::get<os::MapWrite>(program[5]);
  EXPECT_EQ(write_default.offset.bytes, 0U);
  EXPECT_EQ(write_default.bytes.bytes, 4096U);
  EXPECT_EQ(write_default.pattern, "") << "bytes from the seed";
  EXPECT_EQ(std::get<os::Msync>(program[6]).path, "t.dat");
  EXPECT_EQ(std::get<os::Munmap>(program[7]).path, "t.dat");
  EXPECT_EQ(std::get<os::MmapFile>(program[9]).kind, os::MapKind::private_copy);
  EXPECT_EQ(std::get<os::MapWrite>(program[10]).bytes.bytes, 1U);
  // Mapped again after munmap.
  EXPECT_EQ(std::get<os::MmapFile>(program[11]).kind, os::MapKind::shared);

  EXPECT_EQ(describe_operation(program[1]), "mmap: { file: t.dat, mode: shared }");
  EXPECT_EQ(describe_operation(program[9]), "mmap: { file: u.dat, mode: private }");
  EXPECT_EQ(describe_operation(program[2]),
            "map_read: { file: t.dat, offset: 8KiB, bytes: 64KiB }");
  EXPECT_EQ(describe_operation(program[3]), "map_read: { file: t.dat, offset: 0B, bytes: 4KiB }");
  EXPECT_EQ(describe_operation(program[4]),
            "map_write: { file: t.dat, offset: 100B, bytes: 10000B, pattern: \"ab\" }");
  EXPECT_EQ(describe_operation(program[5]), "map_write: { file: t.dat, offset: 0B, bytes: 4KiB }");
  EXPECT_EQ(describe_operation(program[6]), "msync: { file: t.dat }");
  EXPECT_EQ(describe_operation(program[7]), "munmap: { file: t.dat }");
  // What explain prints is what the loader read back: the description loads again.
  const Scenario again = parse_scenario(
      "title: t\nfiles:\n  - { path: t.dat, size: 1MiB }\nprocesses:\n  - name: p\n"
      "    program:\n      - open: { file: t.dat }\n      - " +
          describe_operation(program[1]) + "\n      - " + describe_operation(program[4]) + "\n",
      "inline");
  EXPECT_EQ(std::get<os::MapWrite>(again.processes.at(0).program[2]).pattern, "ab");
}

TEST(SimScenario, WritePathOperationsLoadIntoTheModelsStructs) {
  const Scenario s = parse_scenario(kWritePathScenario, "inline");
  ASSERT_EQ(s.files.size(), 2U);
  EXPECT_EQ(s.files[0].size.bytes, 0U) << "an empty file, created by writing";
  EXPECT_DOUBLE_EQ(s.params.kernel.dirty.dirty_ratio, 0.05);
  EXPECT_DOUBLE_EQ(s.params.kernel.dirty.dirty_background_ratio, 0.02);
  EXPECT_EQ(s.params.kernel.dirty.dirty_bytes.bytes, 0U);
  EXPECT_EQ(s.params.kernel.dirty.dirty_writeback_interval, sc_core::sc_time(1, sc_core::SC_SEC));
  EXPECT_EQ(origin(s, "kernel.dirty_ratio"), ParamOrigin::scenario);

  const std::vector<os::Operation>& program = s.processes.at(0).program;
  ASSERT_EQ(program.size(), 13U);
  const auto& open = std::get<os::FileOpen>(program[0]);
  EXPECT_EQ(open.path, "log.bin");
  EXPECT_TRUE(open.flags.write);
  EXPECT_TRUE(open.flags.sync);
  EXPECT_TRUE(open.flags.dsync);
  EXPECT_TRUE(open.flags.direct);
  EXPECT_TRUE(open.flags.append);
  const auto& read_only = std::get<os::FileOpen>(program[1]);
  EXPECT_FALSE(read_only.flags.write || read_only.flags.sync || read_only.flags.dsync ||
               read_only.flags.direct || read_only.flags.append)
      << "no flags: O_RDONLY";

  const auto& write = std::get<os::FileWrite>(program[2]);
  EXPECT_EQ(write.path, "log.bin");
  EXPECT_EQ(write.chunk.bytes, 16384U);
  EXPECT_EQ(write.bytes.bytes, 1U << 20);
  EXPECT_EQ(write.from, "block");
  EXPECT_EQ(write.pattern, "abc");
  const auto& defaults = std::get<os::FileWrite>(program[3]);
  EXPECT_EQ(defaults.chunk.bytes, 4096U);
  EXPECT_EQ(defaults.bytes.bytes, 4096U) << "bytes defaults to one chunk";
  EXPECT_EQ(defaults.from, "buf");
  EXPECT_EQ(defaults.pattern, "");
  // A write to a file opened without `write` loads: the kernel answers EBADF.
  const auto& to_read_only = std::get<os::FileWrite>(program[4]);
  EXPECT_EQ(to_read_only.path, "data.bin");
  EXPECT_EQ(to_read_only.bytes.bytes, 8192U);

  const auto& fwrite = std::get<os::StdioWrite>(program[5]);
  EXPECT_EQ(fwrite.path, "log.bin");
  EXPECT_EQ(fwrite.chunk.bytes, 100U);
  EXPECT_EQ(fwrite.bytes.bytes, 10240U);
  EXPECT_EQ(fwrite.pattern, "line\n");
  EXPECT_EQ(std::get<os::StdioWrite>(program[6]).bytes.bytes, 4096U);
  EXPECT_EQ(std::get<os::StdioFlush>(program[7]).path, "log.bin");
  EXPECT_EQ(std::get<os::FileSync>(program[8]).kind, os::SyncKind::fsync);
  EXPECT_EQ(std::get<os::FileSync>(program[9]).kind, os::SyncKind::fdatasync);
  EXPECT_EQ(std::get<os::FileSync>(program[10]).kind, os::SyncKind::sync_file_range);
  EXPECT_EQ(std::get<os::FileSync>(program[10]).path, "data.bin");
  EXPECT_EQ(std::get<os::Crash>(program[11]).kind, os::CrashKind::process);
  EXPECT_EQ(std::get<os::Crash>(program[12]).kind, os::CrashKind::power) << "the default kind";

  ASSERT_TRUE(s.crash.has_value());
  EXPECT_EQ(s.crash->at, sc_core::sc_time(150, sc_core::SC_MS));
  EXPECT_EQ(s.crash->kind, os::CrashKind::kernel);
  const RunSpec spec = make_run_spec(s);
  ASSERT_TRUE(spec.crash.has_value()) << "the run gets the scenario's crash";
  EXPECT_EQ(spec.crash->at, sc_core::sc_time(150, sc_core::SC_MS));
  EXPECT_EQ(spec.crash->kind, os::CrashKind::kernel);
  EXPECT_FALSE(make_run_spec(load_scenario_file(kData + "/run/dma_small.yaml")).crash.has_value());

  // Knobs on the new values get the right controls.
  EXPECT_EQ(knob(s, "flag").kind, KnobKind::choice);
  EXPECT_EQ(knob(s, "flag").choices,
            (std::vector<std::string>{"write", "sync", "dsync", "direct", "append"}));
  EXPECT_EQ(knob(s, "when").kind, KnobKind::time);

  EXPECT_EQ(describe_operation(program[0]),
            "open: { file: log.bin, flags: [write, sync, dsync, direct, append] }");
  EXPECT_EQ(describe_operation(program[1]), "open: { file: data.bin }");
  EXPECT_EQ(describe_operation(program[2]),
            "write: { file: log.bin, chunk: 16KiB, bytes: 1MiB, from: block, pattern: \"abc\" }");
  EXPECT_EQ(describe_operation(program[6]), "fwrite: { file: log.bin, chunk: 4KiB, bytes: 4KiB }");
  EXPECT_EQ(describe_operation(program[7]), "fflush: { file: log.bin }");
  EXPECT_EQ(describe_operation(program[10]), "sync_file_range: { file: data.bin }");
  EXPECT_EQ(describe_operation(program[12]), "crash: { kind: power }");

  // explain shows the scenario's crash; a scenario without one shows none.
  EXPECT_NE(format_explain(s).find("\nCrash\n  kernel at 150ms\n"), std::string::npos)
      << format_explain(s);
  EXPECT_NE(explain_to_json(s).find("\"crash\": {\n    \"at\": \"150ms\",\n    \"kind\": "
                                    "\"kernel\"\n  }"),
            std::string::npos)
      << explain_to_json(s);
  const Scenario plain = load_scenario_file(kData + "/run/dma_small.yaml");
  EXPECT_EQ(format_explain(plain).find("Crash"), std::string::npos);
  EXPECT_EQ(explain_to_json(plain).find("\"crash\""), std::string::npos);
}

/// The message of loading `yaml` inline, or "(no error)".
std::string inline_error(const std::string& yaml) {
  try {
    parse_scenario(yaml, "inline");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SimScenario, MappingMistakes) {
  const std::string head =
      "title: t\nfiles:\n  - { path: t.dat, size: 1MiB }\n  - { path: u.dat, size: 1MiB }\n"
      "processes:\n  - name: p\n    program:\n      - open: { file: t.dat }\n";
  EXPECT_EQ(inline_error(head + "      - mmap: { file: t.dat }\n      - mmap: { file: t.dat }\n"),
            "inline:10:23: error: processes[0].program[2].mmap.file: 't.dat' is already mapped "
            "here; unmap it first with '- munmap: { file: t.dat }'");
  EXPECT_EQ(
      inline_error(head + "      - mmap: { file: t.dat, mode: shared }\n"
                          "      - munmap: { file: t.dat }\n      - munmap: { file: t.dat }\n"),
      "inline:11:25: error: processes[0].program[3].munmap.file: no mapping of 't.dat' here; "
      "map it first with '- mmap: { file: t.dat }'");
  EXPECT_EQ(inline_error(head + "      - mmap: { file: t.dat }\n      - open: { file: u.dat }\n"
                                "      - map_read: { file: u.dat }\n"),
            "inline:11:27: error: processes[0].program[3].map_read.file: no mapping of 'u.dat' "
            "here; map it first with '- mmap: { file: u.dat }'; did you mean 't.dat'?");
  EXPECT_EQ(inline_error(head + "      - mmap: { file: t.dat }\n"
                                "      - map_read: { file: t.dat, bytes: 0B }\n"),
            "inline:10:41: error: processes[0].program[2].map_read.bytes: a map_read of 0B loads "
            "nothing; load at least 1B");
  EXPECT_EQ(inline_error(head + "      - mmap: { file: t.dat }\n"
                                "      - map_write: { file: t.dat, pattern: \"\" }\n"),
            "inline:10:44: error: processes[0].program[2].map_write.pattern: the text is empty "
            "(leave pattern out for bytes generated from the seed)");
  EXPECT_EQ(inline_error(head + "      - mmap: { file: t.dat }\n"
                                "      - map_read: { file: t.dat, offset: -4KiB }\n"),
            "inline:10:42: error: processes[0].program[2].map_read.offset: a size cannot be "
            "negative: '-4KiB'");
  EXPECT_EQ(inline_error(head + "      - mmap: { file: t.dat, mode: [shared] }\n"),
            "inline:9:36: error: processes[0].program[1].mmap.mode: expected a mapping mode; got "
            "a list");
  EXPECT_EQ(inline_error(head + "      - msync: { file: t.dat, flags: [sync] }\n"),
            "inline:9:31: error: unknown key 'flags' in processes[0].program[1].msync (allowed: "
            "file)");
  // A loop must unmap what it maps, and leave mappings from before it alone.
  EXPECT_EQ(
      inline_error(head + "      - repeat: { count: 2, do: [ { mmap: { file: t.dat } } ] }\n"),
      "inline:9:33: error: processes[0].program[1].repeat.do: every pass must leave files "
      "and sockets as it found them, but this one maps t.dat without unmapping it; move "
      "that out of the loop");
  EXPECT_EQ(
      inline_error(head + "      - mmap: { file: t.dat }\n"
                          "      - repeat: { count: 2, do: [ { munmap: { file: t.dat } } ] }\n"),
      "inline:10:33: error: processes[0].program[2].repeat.do: every pass must leave files "
      "and sockets as it found them, but this one unmaps t.dat, mapped before the loop; "
      "move that out of the loop");
  EXPECT_EQ(inline_error(head + "      - repeat: { count: 3, do: [ { mmap: { file: t.dat } }, "
                                "{ map_read: { file: t.dat } }, { munmap: { file: t.dat } } ] }\n"),
            "(no error)");
  // Mappings are per process.
  EXPECT_EQ(
      inline_error(head + "      - mmap: { file: t.dat }\n  - name: q\n    program:\n"
                          "      - open: { file: t.dat }\n      - map_read: { file: t.dat }\n"),
      "inline:13:27: error: processes[1].program[1].map_read.file: no mapping of 't.dat' "
      "here; map it first with '- mmap: { file: t.dat }'");
}

TEST(SimScenario, WritePathMistakes) {
  const std::string head =
      "title: t\nfiles:\n  - { path: log.bin, size: 0B }\nprocesses:\n  - name: w\n"
      "    program:\n";
  EXPECT_EQ(inline_error(head + "      - open: { file: log.bin, flags: [sync, sync] }\n"),
            "inline:7:46: error: processes[0].program[0].open.flags[1]: the flag 'sync' is given "
            "twice");
  EXPECT_EQ(inline_error(head + "      - open: { file: log.bin, flags: [write] }\n"
                                "      - write: { file: log.bin, bytes: 0B }\n"),
            "inline:8:40: error: processes[0].program[1].write.bytes: writing 0B in all writes "
            "nothing; leave bytes out for one chunk");
  EXPECT_EQ(inline_error(head + "      - open: { file: log.bin, flags: [write] }\n"
                                "      - fwrite: { file: log.bin, from: buf }\n"),
            "inline:8:34: error: unknown key 'from' in processes[0].program[1].fwrite (allowed: "
            "file, chunk, bytes, pattern)");
  EXPECT_EQ(inline_error(head + "      - open: { file: log.bin, flags: [write] }\n"
                                "      - write: { file: log.bin, pattern: \"\" }\n"),
            "inline:8:42: error: processes[0].program[1].write.pattern: the text is empty (leave "
            "pattern out for bytes generated from the seed)");
  EXPECT_EQ(inline_error(head + "      - open: { file: log.bin, flags: [write] }\n"
                                "      - close: { file: log.bin }\n"
                                "      - fdatasync: { file: log.bin }\n"),
            "inline:9:28: error: processes[0].program[2].fdatasync.file: 'log.bin' is not open "
            "here; open it first with '- open: { file: log.bin }'");
  EXPECT_EQ(inline_error(head + "      - sleep: { for: 1ms }\ncrash: { at: 1ms, kind: disk }\n"),
            "inline:8:25: error: crash.kind: unknown crash kind 'disk' (process, kernel, power)");
  EXPECT_EQ(inline_error(head + "      - sleep: { for: 1ms }\ncrash: 10ms\n"),
            "inline:8:8: error: crash: expected a map of at, kind; got a single value");
  EXPECT_EQ(inline_error(head + "      - sleep: { for: 1ms }\ncrash: { at: 1ms, when: 2ms }\n"),
            "inline:8:19: error: unknown key 'when' in crash (allowed: at, kind)");
  EXPECT_EQ(inline_error("title: t\nplatform: { kernel: { dirty_bytes: 8KiB, "
                         "dirty_background_bytes: 0B } }\nprocesses:\n  - name: w\n"
                         "    program:\n      - sleep: { for: 1ms }\n"),
            "(no error)")
      << "two pages is the least vm.dirty_bytes; 0B is the ratio form";
}

/// Loads `file` with the given --set arguments (the text after --set).
Scenario load_with(const std::string& file, const std::vector<std::string>& sets) {
  std::vector<ScenarioOverride> overrides;
  for (const std::string& set : sets) overrides.push_back(parse_override(set));
  return load_scenario_file(file, overrides);
}

/// The message of the ScenarioError that loading with `sets` throws.
std::string error_with(const std::string& file, const std::vector<std::string>& sets) {
  try {
    load_with(file, sets);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SimOverrides, SetAMapKeyAListIndexAndACreatedKey) {
  const std::string file = kData + "/good/all_features.yaml";
  const Scenario s =
      load_with(file, {"platform.disk.rpm=5400", "processes[1].program[0].compute.for=3ms",
                       "platform.dram.access_latency=70ns", "seed=9",
                       "processes[0].program[2]={sleep: {for: 2ms}}"});
  EXPECT_EQ(s.params.disk.rpm, 5400U);
  EXPECT_EQ(s.param_origins.at("disk.rpm"), ParamOrigin::scenario);
  EXPECT_EQ(std::get<os::Compute>(s.processes[1].program[0]).duration,
            sc_core::sc_time(3, sc_core::SC_MS));
  // The file has no platform.dram: the key is created.
  EXPECT_EQ(s.params.dram.access_latency, sc_core::sc_time(70, sc_core::SC_NS));
  EXPECT_EQ(s.param_origins.at("dram.access_latency"), ParamOrigin::scenario);
  EXPECT_EQ(s.seed, 9U);
  EXPECT_EQ(std::get<os::Sleep>(s.processes[0].program[2]).duration,
            sc_core::sc_time(2, sc_core::SC_MS));

  // Sections that do not exist yet are created with the key; the last --set wins.
  const Scenario c = load_with(kData + "/run/dma_small.yaml",
                               {"platform.disk.rpm=7200", "platform.disk.rpm=10000"});
  EXPECT_EQ(c.params.disk.rpm, 10000U);
  // A metric name under expect is one key.
  const Scenario e = load_with(kData + "/run/dma_small.yaml", {"expect.copies.total=2"});
  EXPECT_EQ(e.expectations.back().metric, "copies.total");
  EXPECT_EQ(e.expectations.back().pos.to_string(),
            kData + "/run/dma_small.yaml: --set expect.copies.total=2");
}

TEST(SimOverrides, AKnobNameStandsForItsPath) {
  const std::string file = kData + "/good/knobs.yaml";
  const Scenario s = load_with(file, {"size=64KiB", "mode=transparent", "preset=server-2024"});
  const auto& read = std::get<os::DeviceRead>(s.processes[0].program[0]);
  EXPECT_EQ(read.bytes.bytes, 65536U);
  EXPECT_EQ(read.dma_mode, os::DmaMode::transparent);
  EXPECT_EQ(s.preset, "server-2024");
  EXPECT_EQ(knob(s, "size").value, "64KiB") << "knobs show the value after --set";
  EXPECT_EQ(knob(s, "block").value, "64KiB");
  // A path works as well as the name.
  EXPECT_EQ(knob(load_with(file, {"processes[0].program[0].device_read.bytes=4KiB"}), "size").value,
            "4KiB");
  EXPECT_EQ(error_with(file, {"sise=1"}),
            file +
                ": --set sise=1: error: 'sise' is neither a knob of this scenario (knobs: size, "
                "mechanism, mode, preset, preemption, seek, bandwidth, bus_clock, angle, seed, "
                "work, reader_name, block, work_ratio) nor a top-level key; did you mean 'size'?");
}

TEST(SimOverrides, TheLoadersMessageNamesTheSetArgument) {
  const std::string file = kData + "/good/knobs.yaml";
  EXPECT_EQ(error_with(file, {"size=64KB"}),
            file +
                ": --set size=64KB: error: processes[0].program[0].device_read.bytes: unknown size "
                "unit 'KB' in '64KB'; did you mean kB (1000 bytes) or KiB (1024 bytes)? (size "
                "units: B, KiB, MiB, GiB, TiB (1024-based), kB, MB, GB, TB (1000-based))");
  EXPECT_EQ(error_with(file, {"platform.disk.rpm=fast"}),
            file +
                ": --set platform.disk.rpm=fast: error: platform.disk.rpm: expected a whole "
                "number, like 128; got 'fast'");
  EXPECT_EQ(error_with(file, {"platform.disk.rpmm=1"}),
            file +
                ": --set platform.disk.rpmm=1: error: unknown key 'rpmm' in platform.disk; did "
                "you mean 'rpm'?");
  EXPECT_EQ(error_with(file, {"platform.disk={kind: floppy}"}),
            file +
                ": --set platform.disk={kind: floppy}: error: platform.disk.kind: expected one of "
                "hdd, ssd; got 'floppy'");
  // The position has no line of the file.
  try {
    load_with(file, {"preset=pc-1996"});
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.pos().line, 0);
    EXPECT_EQ(e.pos().origin, "--set preset=pc-1996");
    EXPECT_EQ(e.message(),
              "unknown preset 'pc-1996'; did you mean 'pc-1995'? (presets: textbook, pc-1995, "
              "server-2024)");
  }
}

TEST(SimOverrides, PathsThatDoNotFitTheDocument) {
  const std::string file = kData + "/run/dma_small.yaml";
  EXPECT_EQ(error_with(file, {"processes[3].name=x"}),
            file + ": --set processes[3].name=x: error: processes has 2 entries (indexes 0 to 1)");
  EXPECT_EQ(error_with(file, {"processes[0].program[1].sleep.for=1ms"}),
            file +
                ": --set processes[0].program[1].sleep.for=1ms: error: processes[0].program has "
                "1 entry (indexes 0 to 0)");
  EXPECT_EQ(error_with(file, {"processes.name=x"}),
            file +
                ": --set processes.name=x: error: processes is a list, not a map; use an index, "
                "like processes[0]");
  EXPECT_EQ(error_with(file, {"title.text=x"}),
            file + ": --set title.text=x: error: title is a single value, not a map");
  EXPECT_EQ(error_with(file, {"platform.disk[0]=x"}),
            file +
                ": --set platform.disk[0]=x: error: platform.disk does not exist (--set creates "
                "missing map keys, but a list index must exist)");
}

TEST(SimOverrides, MalformedArguments) {
  auto message = [](const std::string& argument) {
    try {
      parse_override(argument);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message("platform.disk.rpm"),
            "--set platform.disk.rpm: error: expected KEY=VALUE, like platform.disk.rpm=7200 or "
            "size=128KiB");
  EXPECT_EQ(message("=5"), "--set =5: error: expected a path like platform.disk.rpm; got nothing");
  EXPECT_EQ(message("files[x].size=1"),
            "--set files[x].size=1: error: expected a list index (a whole number) in '[x]' of "
            "'files[x].size'");
  EXPECT_EQ(message("a..b=1"),
            "--set a..b=1: error: expected a key at character 3 of 'a..b' (paths look like "
            "platform.disk.rpm or files[0].size)");
  EXPECT_EQ(message("title={"),
            "--set title={: error: the value is not valid YAML: end of map flow not found");
  const ScenarioOverride o = parse_override(" size = 64KiB");
  EXPECT_EQ(o.key, "size");
  EXPECT_EQ(o.value, " 64KiB");
  EXPECT_EQ(o.argument, "--set  size = 64KiB");
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
                                                       "channel", "nic", "peer", "kernel"}));
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
