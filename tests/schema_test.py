#!/usr/bin/env python3
"""The JSON Schemas of docs/schemas/ against what iosim reads and writes.

- the committed scenario schema is what scripts/gen_scenario_schema.py generates from this iosim;
- every operation the loader accepts has a schema;
- every scenario under scenarios/ and tests/data/good/ is valid, and broken files are rejected;
- every valid trace of tests/data/traces/ and freshly written traces are valid, and broken traces
  are rejected; unknown record types and unknown fields are allowed (docs/trace-format.md).

    tests/schema_test.py --iosim build/sim/iosim --source . --workdir /tmp/schema-test

Needs python3-jsonschema and python3-yaml (scripts/setup.sh installs them).
"""

import argparse
import copy
import json
import pathlib
import re
import subprocess
import sys

try:
    import jsonschema
    import yaml
except ImportError as error:
    sys.exit(f"schema_test: {error}; install python3-jsonschema and python3-yaml (scripts/setup.sh)")

# Broken scenarios whose mistake is in the shape of the file, so the schema must reject them too
# (the others, like a duplicate key or a read of a file that is not open, need the loader).
BROKEN_SCENARIOS_THE_SCHEMA_REJECTS = [
    "mmap_bad_mode.yaml",
    "map_write_zero_bytes.yaml",
    "map_read_unknown_key.yaml",
    "uring_unknown_key.yaml",
    "open_unknown_flag.yaml",
    "open_flags_not_a_list.yaml",
    "write_zero_chunk.yaml",
    "write_unknown_key.yaml",
    "fwrite_negative_bytes.yaml",
    "crash_without_at.yaml",
    "crash_at_size_unit.yaml",
    "crash_bad_kind.yaml",
    "dirty_ratio_over_one.yaml",
    "ambiguous_size_unit.yaml",
    "bad_choice.yaml",
    "bad_expectation_form.yaml",
    "between_one_value.yaml",
    "compute_until_bad.yaml",
    "empty.yaml",
    "flag_expectation_number.yaml",
    "fraction_over_one.yaml",
    "knob_missing_path.yaml",
    "knob_unknown_key.yaml",
    "knobs_not_a_list.yaml",
    "missing_dash.yaml",
    "missing_title.yaml",
    "missing_unit.yaml",
    "mode_without_dma.yaml",
    "negative_size.yaml",
    "no_processes.yaml",
    "processes_not_a_list.yaml",
    "tolerance_without_equals.yaml",
    "unknown_device.yaml",
    "unknown_key_typo.yaml",
    "unknown_mechanism.yaml",
    "unknown_metric.yaml",
    "unknown_operation.yaml",
    "unknown_preset.yaml",
    "unknown_top_level_key.yaml",
    "unknown_unit.yaml",
    "wrong_type_list_for_map.yaml",
    "wrong_unit_in_expectation.yaml",
    "zero_bytes.yaml",
    "zero_frequency.yaml",
]

# Small broken scenarios of the parts the files above do not cover (the file operations).
_FILE_SCENARIO = """
title: t
files:
  - { path: data.bin, size: 64KiB }
processes:
  - name: reader
    program:
      - open: { file: data.bin }
      - %s
"""
INLINE_BROKEN_SCENARIOS = {
    "a file without size": "title: t\nfiles: [{path: a.bin}]\nprocesses: [{name: r, program: [{sleep: {for: 1ms}}]}]",
    "a file path with a space": "title: t\nfiles: [{path: a b, size: 1KiB}]\nprocesses: [{name: r, program: [{sleep: {for: 1ms}}]}]",
    "a read in an unknown order": _FILE_SCENARIO % "read: { file: data.bin, order: randm }",
    "a read of chunk 0B": _FILE_SCENARIO % "read: { file: data.bin, chunk: 0B }",
    "an unknown fadvise": _FILE_SCENARIO % "fadvise: { file: data.bin, advice: willneed }",
    "an lseek without offset": _FILE_SCENARIO % "lseek: { file: data.bin }",
    "a close with an extra key": _FILE_SCENARIO % "close: { file: data.bin, now: true }",
    "a compute with two amounts": _FILE_SCENARIO % "compute: { for: 1ms, cycles: 5 }",
    "an mmap without file": _FILE_SCENARIO % "mmap: { mode: shared }",
    "a map_read of a negative offset": _FILE_SCENARIO % "map_read: { file: data.bin, offset: -4KiB }",
    "an msync with an extra key": _FILE_SCENARIO % "msync: { file: data.bin, flags: [sync] }",
    "a munmap of a bad path": _FILE_SCENARIO % "munmap: { file: 'a b' }",
    "a process called idle": "title: t\nprocesses: [{name: idle, program: [{sleep: {for: 1ms}}]}]",
}

# Traces of tests/data/traces/ that the reader rejects (and the schema too, when they are JSON).
BROKEN_TRACES = {"missing-field.json", "newer-version.json", "truncated.json"}

# Scenarios whose fresh traces are checked: the mechanisms, the page cache's record types and
# page faults.
TRACED_SCENARIOS = ["scenarios/mechanisms/dma-burst.yaml", "scenarios/mechanisms/channel.yaml",
                    "scenarios/storage/readahead-sequential.yaml",
                    "scenarios/storage/fsync-power-loss.yaml", "scenarios/storage/dirty-writeback.yaml",
                    "scenarios/storage/mmap-private-cow.yaml"]

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}")


def errors(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def describe(error_list):
    return "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:160]}"
                     for e in error_list[:3])


def load_schema(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def loader_operation_names(iosim, workdir):
    """The operations the loader accepts, from its message for an unknown one."""
    probe = workdir / "unknown-operation.yaml"
    probe.write_text("title: probe\nprocesses:\n  - name: a\n    program:\n"
                     "      - no_such_operation: {}\n", encoding="utf-8")
    result = subprocess.run([iosim, "validate", str(probe)], capture_output=True, text=True)
    match = re.search(r"\(operations: ([^)]*)\)", result.stderr + result.stdout)
    if match is None:
        failures.append(f"cannot find the operation list in: {result.stderr.strip()}")
        return []
    return [name.strip() for name in match.group(1).split(",")]


def test_scenarios(source, iosim, workdir):
    schema_path = source / "docs/schemas/scenario.schema.json"
    generated = subprocess.run(
        [sys.executable, str(source / "scripts/gen_scenario_schema.py"), "--iosim", iosim,
         "--check", "--output", str(schema_path)], capture_output=True, text=True)
    check(generated.returncode == 0,
          "docs/schemas/scenario.schema.json differs from what scripts/gen_scenario_schema.py "
          f"generates from this iosim (run it and commit the result): {generated.stderr.strip()}")
    validator = load_schema(schema_path)

    operations = set(validator.schema["definitions"]["operations"])
    accepted = set(loader_operation_names(iosim, workdir))
    check(accepted == operations,
          f"operations the loader accepts {sorted(accepted)} != operations with a schema "
          f"{sorted(operations)}: add them to OPERATIONS in scripts/gen_scenario_schema.py")

    # Files under include/ are fragments for include:, not scenarios; the test's lecture.yaml
    # uses include: and repeat:.
    good = sorted(p for p in (source / "scenarios").rglob("*.yaml")
                  if "include" not in p.relative_to(source / "scenarios").parts[:-1]) + sorted(
        (source / "tests/data/good").glob("*.yaml")) + [source / "tests/data/include/lecture.yaml"]
    check(len(good) >= 6, f"only {len(good)} scenarios found")
    for path in good:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = errors(validator, document)
        check(not found, f"{path.relative_to(source)} is valid but the schema rejects it: "
                         f"{describe(found)}")

    for name in BROKEN_SCENARIOS_THE_SCHEMA_REJECTS:
        path = source / "tests/data/broken" / name
        if not path.exists():
            check(False, f"tests/data/broken/{name} is missing")
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        check(errors(validator, document), f"tests/data/broken/{name} is broken but the schema "
                                           "accepts it")
    # The broken ones below differ from this one in one place each.
    for step in ("read: { file: data.bin, chunk: 4KiB, order: random }", "close: { file: data.bin }",
                 "mmap: { file: data.bin, mode: private }",
                 "map_write: { file: data.bin, offset: 0, bytes: 1KiB, pattern: ab }",
                 "fadvise: { file: data.bin, advice: sequential }", "lseek: { file: data.bin, offset: 4KiB }"):
        found = errors(validator, yaml.safe_load(_FILE_SCENARIO % step))
        check(not found, f"a scenario with '{step}' is valid but rejected: {describe(found)}")
    for what, text in INLINE_BROKEN_SCENARIOS.items():
        check(errors(validator, yaml.safe_load(text)), f"a scenario with {what} is accepted")
    print(f"scenario schema: {len(good)} scenarios checked, "
          f"{len(BROKEN_SCENARIOS_THE_SCHEMA_REJECTS) + len(INLINE_BROKEN_SCENARIOS)} broken ones "
          "checked, "
          f"{len(operations)} operations")


def broken_traces(good):
    """Small edits of a good trace that break one rule each."""
    def edited(change):
        t = copy.deepcopy(good)
        change(t)
        return t

    copy_index = next(i for i, r in enumerate(good["records"]) if r["type"] == "copy")
    return {
        "newer version": edited(lambda t: t.update(version=2)),
        "time unit ns": edited(lambda t: t.update(time_unit="ns")),
        "no metrics": edited(lambda t: t.pop("metrics")),
        "negative end_time": edited(lambda t: t.update(end_time=-1)),
        "record without start": edited(lambda t: t["records"][0].pop("start")),
        "copy without bytes": edited(lambda t: t["records"][copy_index].pop("bytes")),
        "copy with a float size": edited(lambda t: t["records"][copy_index].update(bytes=1.5)),
        "copy with unknown engine": edited(
            lambda t: t["records"][copy_index].update(engine="gpu")),
        "record of unknown type without actor": edited(lambda t: t["records"].append(
            {"type": "future", "start": 0, "end": 0, "step": ""})),
        "metric that is a string": edited(lambda t: t["metrics"].update(verified="yes")),
        "region with unknown layer": edited(
            lambda t: t["regions"].append({"name": "x", "layer": "firmware", "label": "x"})),
    }


def test_traces(source, iosim, workdir):
    validator = load_schema(source / "docs/schemas/trace.schema.json")
    checked = 0
    for path in sorted((source / "tests/data/traces").glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            check(path.name in BROKEN_TRACES, f"{path.name} is not JSON")
            continue
        found = errors(validator, document)
        if path.name in BROKEN_TRACES:
            check(found, f"tests/data/traces/{path.name} is broken but the schema accepts it")
        else:
            check(not found, f"tests/data/traces/{path.name}: {describe(found)}")
            checked += 1

    fresh = None
    for scenario in TRACED_SCENARIOS:
        if not (source / scenario).exists():
            continue
        out = workdir / (pathlib.Path(scenario).stem + ".trace.json")
        out.unlink(missing_ok=True)
        run = subprocess.run([iosim, "run", str(source / scenario), "--trace", str(out)],
                             capture_output=True, text=True,
                             env={"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1", "PATH": "/usr/bin:/bin"})
        # Status 1 is a failed expectation: the trace is still written and must still be valid.
        if run.returncode not in (0, 1) or not out.exists():
            check(False, f"iosim run {scenario} --trace failed ({run.returncode}): "
                         f"{run.stderr.strip()[-400:]}")
            continue
        document = json.loads(out.read_text(encoding="utf-8"))
        found = errors(validator, document)
        check(not found, f"fresh trace of {scenario}: {describe(found)}")
        types = sorted({r["type"] for r in document["records"]})
        print(f"fresh trace of {scenario}: {len(document['records'])} records of types {types}")
        checked += 1
        fresh = fresh or document
    check(fresh is not None, "no fresh trace was written")

    # Edits of a small valid trace (the fresh ones have thousands of records: slow to copy).
    small = json.loads((source / "tests/data/traces/read-write.json").read_text(encoding="utf-8"))
    check(not errors(validator, small), "tests/data/traces/read-write.json must be valid")
    # Within version 1 a writer may add record types and fields: a reader skips and ignores them.
    newer = copy.deepcopy(small)
    newer["records"].append({"type": "tlb_shootdown", "start": 5, "end": 7, "actor": "cpu0",
                             "step": "", "address": 4096})
    newer["records"][0]["colour"] = "red"
    newer["future_section"] = {"anything": [1, 2]}
    check(not errors(validator, newer), "unknown record types and fields must be allowed: "
                                        f"{describe(errors(validator, newer))}")
    # Integers beyond 2^53 are valid times.
    newer["end_time"] = 9_000_000_000_000_000_001
    check(not errors(validator, newer), "a time beyond 2^53 must be valid")

    # A page fault of a mapped file, and the same with one field wrong or missing.
    fault = {"type": "page_fault", "start": 5, "end": 7, "actor": "mapper", "step": "fault",
             "process": "mapper", "file": "table.dat", "page": 3, "kind": "major", "mapped": 16}
    with_fault = copy.deepcopy(small)
    with_fault["records"].append(fault)
    check(not errors(validator, with_fault),
          f"a page_fault record must be valid: {describe(errors(validator, with_fault))}")
    for what, change in {"an unknown kind": {"kind": "soft"}, "a negative page": {"page": -1},
                         "no mapped": {"mapped": None}}.items():
        bad = copy.deepcopy(small)
        edited_fault = {k: v for k, v in {**fault, **change}.items() if v is not None}
        bad["records"].append(edited_fault)
        check(errors(validator, bad), f"a page_fault record with {what} is accepted by the schema")

    broken = broken_traces(small)
    for what, document in broken.items():
        check(errors(validator, document), f"a trace with {what} is accepted by the schema")
    print(f"trace schema: {checked} traces checked, {len(broken)} broken ones checked")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iosim", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    source = pathlib.Path(args.source).resolve()
    workdir = pathlib.Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    test_scenarios(source, args.iosim, workdir)
    test_traces(source, args.iosim, workdir)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all schema checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
