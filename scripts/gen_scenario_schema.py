#!/usr/bin/env python3
"""Writes docs/schemas/scenario.schema.json, the JSON Schema of scenario files.

The platform part (every section and parameter with its unit kind), the preset names and the
metric names of `expect:` come from the program itself (`iosim params --csv`, `iosim presets`,
`iosim metrics --csv`), so they cannot drift from the loader; the rest (top-level keys, files,
processes, operations, expectation forms, knobs) is written out below, following
sim/scenario.cpp and docs/scenario-format.md.

    scripts/gen_scenario_schema.py --iosim build/sim/iosim              # rewrite the schema
    scripts/gen_scenario_schema.py --iosim build/sim/iosim --check      # exit 1 if it differs

Adding an operation to the scenario language: add an entry to OPERATIONS (its arguments, which
are required, and any rule between them), run this script, commit the schema. The schema test
(tests/schema_test.py) fails while an operation the loader accepts has no entry here.
"""

import argparse
import csv
import io
import json
import pathlib
import re
import subprocess
import sys

SCHEMA_PATH = pathlib.Path(__file__).resolve().parent.parent / "docs" / "schemas" / "scenario.schema.json"

# The number syntax of sim/units.cpp: optional '+', digits with at most one '.', blanks allowed
# around the number and between number and unit.
NUMBER = r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"


def quantity_pattern(units):
    """A value with one of `units`, as sim/units.cpp reads it."""
    alternatives = "|".join(re.escape(u) for u in sorted(units, key=lambda u: (-len(u), u)))
    return rf"^\s*{NUMBER}\s*(?:{alternatives})\s*$"


# Zero without a unit ("0", "0.0", or the YAML number 0): sim/units.cpp reads it as zero of any
# kind.
BARE_ZERO = r"^\s*\+?(?:0+(?:\.0*)?|\.0+)\s*$"


def quantity(description, units):
    """A value with a unit, or a bare zero."""
    return {
        "description": description,
        "anyOf": [
            {"type": "string", "pattern": quantity_pattern(units)},
            {"type": "string", "pattern": BARE_ZERO},
            {"type": "integer", "const": 0},
        ],
    }


TIME_UNITS = ["ps", "ns", "us", "\u00b5s", "\u03bcs", "ms", "s"]
SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "kB", "MB", "GB", "TB"]
RATE_UNITS = ["B/s", "kB/s", "MB/s", "GB/s", "KiB/s", "MiB/s", "GiB/s", "b/s", "kb/s", "Kb/s",
              "Mb/s", "Gb/s"]
FREQUENCY_UNITS = ["Hz", "kHz", "MHz", "GHz"]
# A fraction as text, at most 100% or 1: "25%", "100 %", "0.25", "1".
FRACTION_TEXT = (r"^\s*\+?(?:(?:0*100(?:\.0*)?|0*[0-9]{1,2}(?:\.[0-9]*)?|0*\.[0-9]+)\s*%"
                 r"|0*1(?:\.0*)?|0+(?:\.[0-9]*)?|0*\.[0-9]+)\s*$")
# A quantity whose number is zero ("0MHz", "0.0 GB/s"): platform sizes, rates and frequencies
# must be more than zero.
ZERO_QUANTITY = rf"^\s*\+?0*(?:\.0*)?\s*[^\s0-9.]"

DISKS = ["disk0", "disk1"]  # kDiskCount in sim/scenario.cpp
OPEN_FLAGS = ["write", "sync", "dsync", "direct", "append"]  # kOpenFlags in sim/scenario.cpp
CRASH_KINDS = ["process", "kernel", "power"]  # kCrashKinds in sim/scenario.cpp
MAP_MODES = ["shared", "private"]  # kMapKinds in sim/scenario.cpp
# Size parameters where 0 is a value of its own (0 = use the ratio form); zero_size_allowed() in
# sim/param_table.cpp.
ZERO_SIZE_PARAMS = {"kernel.dirty_bytes", "kernel.dirty_background_bytes"}
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_-]*$"
FILE_PATH = r"^[A-Za-z0-9_./-]+$"


def ref(name):
    return {"$ref": f"#/definitions/{name}"}


def value_definitions():
    """Unit-carrying values and the other scalars the loader reads."""
    return {
        "time": quantity(
            "A time with its unit: ps, ns, us (also \u00b5s), ms, s. Like 7.4ms. Zero needs no unit.",
            TIME_UNITS),
        "size": quantity(
            "A size with its unit: B; KiB, MiB, GiB, TiB (1024-based); kB, MB, GB, TB (1000-based). Like 64KiB. Zero needs no unit.",
            SIZE_UNITS),
        "rate": quantity(
            "A data rate with its unit: B/s, kB/s, MB/s, GB/s; KiB/s, MiB/s, GiB/s; Kb/s, Mb/s, Gb/s (bits). Like 25.6GB/s. Zero needs no unit.",
            RATE_UNITS),
        "frequency": quantity(
            "A frequency with its unit: Hz, kHz, MHz, GHz. Like 33MHz. Zero needs no unit.",
            FREQUENCY_UNITS),
        "count": {
            "description": "A whole number without a unit, or hexadecimal like 0x40.",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\s*(?:\+?[0-9]+\.?|0x[0-9A-Fa-f]{1,16})\s*$"},
            ],
        },
        "fraction": {
            "description": "A percentage like 25% or a plain fraction like 0.25, between 0 and 1.",
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": FRACTION_TEXT},
            ],
        },
        "switch": {
            "description": "true or false.",
            "anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}],
        },
        "zero": {
            "description": "A quantity that is zero, with or without its unit.",
            "anyOf": [
                {"type": "string", "pattern": ZERO_QUANTITY},
                {"type": "string", "pattern": BARE_ZERO},
                {"type": "integer", "const": 0},
            ],
        },
        "positive_size": {"allOf": [ref("size"), {"not": ref("zero")}]},
        "positive_rate": {"allOf": [ref("rate"), {"not": ref("zero")}]},
        "positive_frequency": {"allOf": [ref("frequency"), {"not": ref("zero")}]},
        "plain_number": {
            "description": "A number without a unit.",
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": rf"^\s*{NUMBER}\s*$"},
            ],
        },
        "percent": {"type": "string", "pattern": rf"^\s*{NUMBER}\s*%\s*$"},
        "percent_of_metric": {
            "description": "A percentage of another metric of the same run, like '5% of sim_time_ps'.",
            "type": "string",
            "pattern": rf"^\s*{NUMBER}\s*%\s* of \s*\S.*$",
        },
        "identifier": {
            "description": "Letters, digits, '_' and '-', starting with a letter or '_'.",
            "type": "string",
            "pattern": IDENTIFIER,
        },
        "file_path": {
            "description": "A path of the files: section: letters, digits, '_', '-', '.' and '/'.",
            "type": "string",
            "pattern": FILE_PATH,
        },
    }


# How `iosim params --csv` names a unit kind -> the value definition for a platform parameter.
PARAM_KINDS = {
    "time": "time",
    "size": "positive_size",
    "data rate": "positive_rate",
    "frequency": "positive_frequency",
    "count": "count",
    "fraction": "fraction",
    "true/false": "switch",
}


def operation(name, description, properties, required=(), extra=None):
    """One program step: a map with the single key `name` and its arguments."""
    arguments = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        arguments["required"] = list(required)
    arguments.update(extra or {})
    return {
        "description": description,
        "type": "object",
        "required": [name],
        "additionalProperties": False,
        "properties": {name: arguments},
    }


def file_argument():
    return {"description": "A path from the files: section (open before use).", **ref("file_path")}


# The operations of a program, as sim/scenario.cpp loads them (Loader::load_operation).
OPERATIONS = {
    "device_read": operation(
        "device_read",
        "Read from a disk into the process's buffer by a mechanism.",
        {
            "device": {"enum": DISKS, "description": "Default disk0."},
            "lba": {"description": "First block, default 0.", **ref("count")},
            "bytes": {"description": "How much: a whole number of sectors, not zero.", **ref("positive_size")},
            "mechanism": {"enum": ["pio", "interrupt", "dma", "channel"]},
            "mode": {"enum": ["burst", "cycle_steal", "transparent"],
                     "description": "Only with mechanism: dma (default cycle_steal)."},
            "into": {"description": "The process's buffer, default buf.", **ref("identifier")},
        },
        required=["bytes", "mechanism"],
        extra={"dependencies": {"mode": {"properties": {"mechanism": {"const": "dma"}}}}},
    ),
    "compute": operation(
        "compute",
        "CPU work: exactly one of for (a time), cycles (of cpu.clock) or until: end.",
        {
            "for": ref("time"),
            "cycles": ref("count"),
            "until": {"const": "end", "description": "Compute while other processes have work."},
        },
        extra={"minProperties": 1, "maxProperties": 1},
    ),
    "sleep": operation("sleep", "Blocked, off the CPU, for a time.", {"for": ref("time")},
                       required=["for"]),
    "open": operation(
        "open",
        "Open a file of the files: section; without flags read-only (O_RDONLY).",
        {
            "file": file_argument(),
            "flags": {"type": "array", "uniqueItems": True,
                      "items": {"enum": OPEN_FLAGS},
                      "description": "open() flags: write (O_RDWR), sync (O_SYNC), dsync "
                                     "(O_DSYNC), direct (O_DIRECT), append (O_APPEND)."},
        },
        required=["file"],
    ),
    "write": operation(
        "write",
        "write() calls of chunk bytes each on an open file, bytes in all, from a buffer the "
        "application fills with pattern (or bytes from the seed).",
        {
            "file": file_argument(),
            "chunk": {"description": "Bytes per write(), not zero; default 4KiB.",
                      **ref("positive_size")},
            "bytes": {"description": "How much in all, not zero; default one chunk.",
                      **ref("positive_size")},
            "from": {"description": "The process's buffer, default buf.", **ref("identifier")},
            "pattern": {"type": "string", "minLength": 1,
                        "description": "The bytes written: this text repeated."},
        },
        required=["file"],
    ),
    "fwrite": operation(
        "fwrite",
        "fwrite() calls of chunk bytes each through the C library's buffer of the stream "
        "(kernel.stdio_buffer), bytes in all.",
        {
            "file": file_argument(),
            "chunk": {"description": "Bytes per fwrite(), not zero; default 4KiB.",
                      **ref("positive_size")},
            "bytes": {"description": "How much in all, not zero; default one chunk.",
                      **ref("positive_size")},
            "pattern": {"type": "string", "minLength": 1,
                        "description": "The bytes written: this text repeated."},
        },
        required=["file"],
    ),
    "fflush": operation("fflush", "fflush(): the C library write()s what its buffer holds.",
                        {"file": file_argument()}, required=["file"]),
    "fsync": operation("fsync", "fsync(): the file's data and metadata to stable media.",
                       {"file": file_argument()}, required=["file"]),
    "fdatasync": operation("fdatasync",
                           "fdatasync(): the file's data (and the metadata needed to read it) to "
                           "stable media.",
                           {"file": file_argument()}, required=["file"]),
    "sync_file_range": operation(
        "sync_file_range",
        "sync_file_range(fd, 0, 0, WAIT_BEFORE | WRITE | WAIT_AFTER): writes the dirty pages "
        "and waits, without flushing the disk's cache.",
        {"file": file_argument()}, required=["file"]),
    "crash": operation(
        "crash",
        "A crash when the process gets here: the run ends and the kernel reports what was "
        "lost.",
        {"kind": {"enum": CRASH_KINDS, "description": "What dies; default power."}}),
    "read": operation(
        "read",
        "read() an open file through the page cache.",
        {
            "file": file_argument(),
            "chunk": {"description": "Bytes per read() call, not zero.", **ref("positive_size")},
            "bytes": {"description": "How much in all.", **ref("size")},
            "into": ref("identifier"),
            "order": {"enum": ["sequential", "random"]},
        },
        required=["file"],
    ),
    "uring_read": operation(
        "uring_read",
        "Asynchronous O_DIRECT reads through io_uring: depth reads in flight, compute on each "
        "completed chunk while the others go on.",
        {
            "file": file_argument(),
            "chunk": {"description": "Bytes per read, not zero; default 128KiB.",
                      **ref("positive_size")},
            "bytes": {"description": "How much in all; default to the end of the file.",
                      **ref("size")},
            "depth": {"description": "Reads in flight at most (ring entries), at least 1; "
                                     "default 4.", **ref("count")},
            "into": ref("identifier"),
            "compute": {"description": "User-mode work on each completed chunk.",
                        **ref("time")},
        },
        required=["file"],
    ),
    "mmap": operation(
        "mmap",
        "mmap() of the whole open file: a VMA, no page mapped yet; map_read, map_write, msync "
        "and munmap name the mapping by the file.",
        {
            "file": file_argument(),
            "mode": {"enum": MAP_MODES,
                     "description": "shared (MAP_SHARED, stores reach the file) or private "
                                    "(MAP_PRIVATE, copy-on-write); default shared."},
        },
        required=["file"],
    ),
    "map_read": operation(
        "map_read",
        "Loads from the process's mapping of the file (user mode; the first touch of a page "
        "faults it in).",
        {
            "file": {"description": "A file mapped before with mmap.", **ref("file_path")},
            "offset": {"description": "Where in the file; default 0.", **ref("size")},
            "bytes": {"description": "How much, not zero; default 4KiB.",
                      **ref("positive_size")},
        },
        required=["file"],
    ),
    "map_write": operation(
        "map_write",
        "Stores into the process's mapping of the file: shared, the page-cache pages become "
        "dirty; private, each page is copied on its first store.",
        {
            "file": {"description": "A file mapped before with mmap.", **ref("file_path")},
            "offset": {"description": "Where in the file; default 0.", **ref("size")},
            "bytes": {"description": "How much, not zero; default 4KiB.",
                      **ref("positive_size")},
            "pattern": {"type": "string", "minLength": 1,
                        "description": "The bytes stored: this text repeated (default: bytes "
                                       "from the seed)."},
        },
        required=["file"],
    ),
    "msync": operation("msync",
                       "msync(MS_SYNC) of the whole mapping: its dirty pages written and waited "
                       "for, the disk's cache flushed.",
                       {"file": {"description": "A file mapped before with mmap.",
                                 **ref("file_path")}},
                       required=["file"]),
    "munmap": operation("munmap",
                        "munmap(): the mapping's page-table entries and its VMA go.",
                        {"file": {"description": "A file mapped before with mmap.",
                                  **ref("file_path")}},
                        required=["file"]),
    "lseek": operation("lseek", "Move an open file's offset.",
                       {"file": file_argument(), "offset": ref("size")},
                       required=["file", "offset"]),
    "fadvise": operation("fadvise", "posix_fadvise() on an open file.",
                         {"file": file_argument(),
                          "advice": {"enum": ["normal", "sequential", "random"]}},
                         required=["file", "advice"]),
    "close": operation("close", "Close an open file.", {"file": file_argument()},
                       required=["file"]),
    "connect": operation("connect", "socket() and connect() to the peer at the end of the wire.",
                         {"socket": {"description": "The socket's name, default sock.",
                                     **ref("identifier")}}),
    "read_send_zerocopy": operation(
        "read_send_zerocopy",
        "read() of chunk bytes into a buffer, then send() with MSG_ZEROCOPY to a socket (the NIC "
        "gathers from the pinned buffer), then the completion notification, until bytes are "
        "sent.",
        {
            "file": file_argument(),
            "socket": {"description": "A connected socket, default sock.", **ref("identifier")},
            "chunk": {"description": "Bytes per call, not zero; default 64KiB.",
                      **ref("positive_size")},
            "bytes": {"description": "How much in all; default to the end of the file.",
                      **ref("size")},
            "into": ref("identifier"),
        },
        required=["file"],
    ),
    "read_write": operation(
        "read_write",
        "read() of chunk bytes of an open file into a buffer, then write() of them to a socket, "
        "until the end of the file (or bytes).",
        {
            "file": file_argument(),
            "socket": {"description": "A connected socket.", **ref("identifier")},
            "chunk": {"description": "Bytes per read() and write(), not zero.", **ref("positive_size")},
            "bytes": {"description": "How much in all.", **ref("size")},
            "into": ref("identifier"),
        },
        required=["file", "socket"],
    ),
    "sendfile": operation(
        "sendfile",
        "sendfile() of chunk bytes per call from an open file to a socket, until the end of the "
        "file (or bytes).",
        {
            "socket": {"description": "A connected socket.", **ref("identifier")},
            "file": file_argument(),
            "chunk": {"description": "Bytes per sendfile(), not zero.", **ref("positive_size")},
            "bytes": {"description": "How much in all.", **ref("size")},
        },
        required=["file", "socket"],
    ),
    "mmap_write": operation(
        "mmap_write",
        "mmap() an open file (MAP_SHARED, read), then write() it from the mapping to a socket, "
        "chunk bytes per call; the first touch of each page faults it in.",
        {
            "file": file_argument(),
            "socket": {"description": "A connected socket.", **ref("identifier")},
            "chunk": {"description": "Bytes per write(), not zero.", **ref("positive_size")},
            "bytes": {"description": "How much in all.", **ref("size")},
        },
        required=["file", "socket"],
    ),
    "pipe": operation("pipe", "pipe2(): a pipe the process names (default pipe).",
                      {"name": {"description": "The pipe's name.", **ref("identifier")}}),
    "splice": operation(
        "splice",
        "splice() of up to bytes from an open file to a pipe (page references) or from a pipe "
        "to a socket (fragments a scatter-gather NIC gathers, or a CPU copy without SG).",
        {
            "from": {"type": "string", "minLength": 1,
                     "description": "An open file's path or a pipe."},
            "to": {"type": "string", "minLength": 1, "description": "A pipe or a socket."},
            "bytes": {"description": "Most bytes this call moves, not zero.",
                      **ref("positive_size")},
        },
        required=["from", "to", "bytes"],
    ),
    "vmsplice": operation(
        "vmsplice",
        "vmsplice() with SPLICE_F_GIFT: the process fills a buffer and hands its pages to a pipe "
        "by reference.",
        {
            "pipe": {"description": "A pipe made before.", **ref("identifier")},
            "from": {"description": "The buffer, default buf.", **ref("identifier")},
            "bytes": {"description": "How much, not zero.", **ref("positive_size")},
            "pattern": {"type": "string", "minLength": 1,
                        "description": "The bytes: this text repeated."},
        },
        required=["pipe", "bytes"],
    ),
    "tee": operation(
        "tee",
        "tee(): up to bytes at the head of one pipe duplicated into another (references).",
        {
            "from": {"description": "A pipe.", **ref("identifier")},
            "to": {"description": "Another pipe.", **ref("identifier")},
            "bytes": {"description": "Not zero.", **ref("positive_size")},
        },
        required=["from", "to", "bytes"],
    ),
    "repeat": operation(
        "repeat",
        "Run the operations of do count times in a row (a loop, not copies). Every pass must "
        "leave files and sockets as it found them.",
        {
            "count": {"description": "How many passes, at least 1.", **ref("count")},
            "do": {"type": "array", "minItems": 1, "items": ref("operation")},
        },
        required=["count", "do"],
    ),
}


def amount(kind):
    """A value of an expectation, in the metric's unit (sim/expectations.cpp parse_amount)."""
    forms = {
        "count": [ref("plain_number")],
        "time (ps)": [ref("time"), ref("plain_number")],
        "bytes": [ref("size"), ref("plain_number")],
        "ratio": [ref("percent"), ref("plain_number")],
    }[kind]
    return {"anyOf": forms + [ref("percent_of_metric")]}


def expectation(kind):
    if kind == "true/false":
        return {
            "anyOf": [
                ref("switch"),
                {"type": "object", "additionalProperties": False, "required": ["equals"],
                 "properties": {"equals": ref("switch")}},
            ]
        }
    value = amount(kind)
    return {
        "anyOf": [
            value,
            {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "properties": {
                    "equals": value,
                    "tolerance": {"anyOf": [ref("percent"), value],
                                  "description": "With equals: a percentage is relative, a value with a unit absolute."},
                    "at_least": value,
                    "at_most": value,
                    "between": {"type": "array", "minItems": 2, "maxItems": 2, "items": value},
                },
                "dependencies": {
                    "tolerance": ["equals"],
                    "equals": {"not": {"anyOf": [{"required": ["at_least"]},
                                                 {"required": ["at_most"]},
                                                 {"required": ["between"]}]}},
                    "between": {"not": {"anyOf": [{"required": ["at_least"]},
                                                  {"required": ["at_most"]}]}},
                },
            },
        ]
    }


def metric_pattern(name):
    """`interrupts.<device>` -> ^interrupts\\..+$ (a name may hold dots: dma0.ch1)."""
    parts = re.split(r"<[^>]+>", name)
    return "^" + ".+".join(re.escape(p) for p in parts) + "$"


def run(iosim, *args):
    return subprocess.run([iosim, *args], check=True, capture_output=True, text=True).stdout


def build_schema(iosim):
    params = list(csv.DictReader(io.StringIO(run(iosim, "params", "--csv"))))
    metrics = list(csv.DictReader(io.StringIO(run(iosim, "metrics", "--csv"))))
    presets = re.findall(r"^([A-Za-z0-9_-]+): ", run(iosim, "presets"), flags=re.M)

    sections = {}
    for p in params:
        section, key = p["parameter"].split(".", 1)
        unit = p["unit"]
        if unit == "size" and p["parameter"] in ZERO_SIZE_PARAMS:
            value = dict(ref("size"))
        elif unit in PARAM_KINDS:
            value = dict(ref(PARAM_KINDS[unit]))
        elif "|" in unit:  # a choice: "hdd | ssd"
            value = {"enum": [c.strip() for c in unit.split("|")]}
        else:
            sys.exit(f"gen_scenario_schema: parameter {p['parameter']} has unit kind '{unit}', "
                     "which this script does not know; add it to PARAM_KINDS")
        description = p["description"] + f" (default {p['default']})"
        sections.setdefault(section, {})[key] = {"description": description, **value}

    platform_properties = {"preset": {"enum": presets, "description": "docs/presets.md; default textbook."}}
    for section, keys in sections.items():
        platform_properties[section] = {
            "type": "object",
            "additionalProperties": False,
            "properties": keys,
        }

    expect_patterns = {}
    for m in metrics:
        if m["metric"].startswith("expectations."):
            continue  # counts the expectations themselves: cannot be expected
        expect_patterns[metric_pattern(m["metric"])] = {
            "description": m["meaning"], **expectation(m["kind"])}

    definitions = value_definitions()
    definitions["operation"] = {
        "description": "One step of a program: one key, the operation's name, and its arguments.",
        "anyOf": [ref(f"operations/{name}") for name in OPERATIONS],
    }
    definitions["operations"] = OPERATIONS
    definitions["file"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["path", "size"],
        "properties": {
            "path": ref("file_path"),
            "size": {"description": "How large; 0B for a file a program creates by writing.",
                     **ref("size")},
            "device": {"enum": DISKS},
            "seed": {"description": "Contents generated from this seed.", **ref("count")},
            "pattern": {"type": "string", "minLength": 1, "description": "Contents: this text repeated."},
            "cache": {"enum": ["cold", "warm"]},
        },
        "not": {"required": ["seed", "pattern"]},
    }
    definitions["process"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "program"],
        "properties": {
            "name": {"allOf": [ref("identifier"), {"not": {"const": "idle"}}],
                     "description": "Unique; not idle."},
            "setup": {"type": "array", "minItems": 1, "items": ref("operation"),
                      "description": "Operations before the program (open, connect), not "
                                     "counted in the transfer's metrics."},
            "program": {"type": "array", "minItems": 1, "items": ref("operation")},
        },
    }
    definitions["knob"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "path"],
        "properties": {
            "name": ref("identifier"),
            "label": {"type": "string"},
            "path": {"type": "string", "minLength": 1,
                     "description": "Where the value is: keys joined by '.', list items by [i]."},
            "choices": {"type": "array", "minItems": 1,
                        "items": {"type": ["string", "number", "boolean"]}},
        },
    }

    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "iosim scenario",
        "description": "A scenario file (docs/scenario-format.md). Generated by "
                       "scripts/gen_scenario_schema.py from the iosim program: do not edit.",
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "processes"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "description": "One line: what the scenario shows."},
            "teaches": {"type": "string"},
            "seed": {"description": "Every payload byte derives from it; default 1.", **ref("count")},
            "include": {
                "description": "Files (relative to this one) whose platform and files come "
                               "first; this file's values win.",
                "oneOf": [{"type": "string", "minLength": 1},
                          {"type": "array", "minItems": 1,
                           "items": {"type": "string", "minLength": 1}}]},
            "platform": {"type": "object", "additionalProperties": False,
                         "properties": platform_properties},
            "files": {"type": "array", "items": ref("file")},
            "processes": {"type": "array", "minItems": 1, "items": ref("process")},
            "crash": {
                "description": "A crash at a simulated time, wherever the processes are: the run "
                               "ends there and the kernel reports what was lost.",
                "type": "object",
                "additionalProperties": False,
                "required": ["at"],
                "properties": {
                    "at": {"description": "When, a time like 150ms.", **ref("time")},
                    "kind": {"enum": CRASH_KINDS, "description": "What dies; default power."},
                },
            },
            "expect": {"type": "object", "additionalProperties": False,
                       "patternProperties": expect_patterns},
            "knobs": {"type": "array", "items": ref("knob")},
        },
        "definitions": definitions,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iosim", required=True, help="the iosim program to ask")
    parser.add_argument("--output", default=str(SCHEMA_PATH))
    parser.add_argument("--check", action="store_true",
                        help="compare with the file instead of writing it; exit 1 if it differs")
    args = parser.parse_args()
    text = json.dumps(build_schema(args.iosim), indent=2, ensure_ascii=False) + "\n"
    path = pathlib.Path(args.output)
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run scripts/gen_scenario_schema.py --iosim IOSIM",
                  file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
