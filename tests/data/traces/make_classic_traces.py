#!/usr/bin/env python3
"""Writes the hand-made traces of the classic zero-copy paths used by the GUI tests.

They follow the numbered steps of the lecture (shared/seeds/002): sendfile (3 copies, 2 mode
switches) and sendfile with a scatter-gather NIC (2 copies and a descriptor, 2 mode switches).
Times are round numbers in picoseconds (1 us = 1,000,000 ps) so tests can compute positions by
hand. Run it from this directory; it rewrites sendfile.json and sendfile-sg.json.
"""
import json

US = 1_000_000
REGIONS = [
    ("app", "user", "process app"),
    ("page_cache", "kernel", "page cache"),
    ("socket.buf", "kernel", "socket buffer"),
    ("disk0.buffer", "hardware", "disk0 buffer"),
    ("dram", "hardware", "main memory"),
    ("nic0.buffer", "hardware", "nic0 buffer"),
]


def rec(kind, start, end, actor, step="", **fields):
    return {"type": kind, "start": start, "end": end, "actor": actor, "step": step, **fields}


def common_start(records, title_call):
    for name, layer, label in REGIONS:
        records.append(rec("region", 0, 0, name, name=name, layer=layer, label=label))
    records.append(rec("context_switch", 0, US // 2, "cpu0", cpu="cpu0", **{"from": "idle"},
                       to="app", reason="start"))
    records.append(rec("cpu", 0, 1 * US, "cpu0", cpu="cpu0", process="app", state="user", stall=0))
    records.append(rec("narration", 1 * US, 2 * US, "kernel", "switch-1",
                       text=f"The user process calls {title_call}: user mode -> kernel mode."))
    records.append(rec("mode_switch", 1 * US, 1 * US + US // 10, "cpu0", "switch-1", cpu="cpu0",
                       process="app", to_kernel=True, cause="syscall sendfile"))
    records.append(rec("cpu", 1 * US, 2 * US, "cpu0", cpu="cpu0", process="app", state="kernel",
                       stall=0))
    records.append(rec("narration", 2 * US, 13 * US, "kernel", "copy-1",
                       text="The DMA controller copies the data from disk to the kernel buffer "
                            "(page cache)."))
    records.append(rec("device", 2 * US, 3 * US, "disk0", "copy-1", device="disk0",
                       phase="command", detail="READ DMA lba 0 count 8"))
    records.append(rec("cpu", 2 * US, 12 * US, "cpu0", cpu="cpu0", process="", state="idle",
                       stall=0))
    records.append(rec("device", 3 * US, 11 * US, "disk0", "copy-1", device="disk0",
                       phase="transfer", detail="sectors 0-7 (4096 B), media -> buffer"))
    records.append(rec("copy", 3 * US, 11 * US, "dma0.ch1", "copy-1", copy_id=1, engine="dma",
                       **{"from": "disk0.buffer"}, to="page_cache", bytes=4096))
    records.append(rec("bus", 3 * US, 11 * US, "bus", "copy-1", initiator="dma0.ch1",
                       transactions=512, bytes=4096, busy=8 * US, stall=0))
    records.append(rec("interrupt", 11 * US, 12 * US + US // 2, "pic", "copy-1", line=14,
                       device="disk0", handler_start=12 * US))
    records.append(rec("cpu", 12 * US, 12 * US + US // 2, "cpu0", cpu="cpu0", process="",
                       state="irq", stall=0))


def common_end(records, start, copies):
    records.append(rec("narration", start, start + 1 * US, "kernel", "switch-2",
                       text="sendfile() returns: kernel mode -> user mode."))
    records.append(rec("mode_switch", start, start + US // 10, "cpu0", "switch-2", cpu="cpu0",
                       process="app", to_kernel=False, cause="sysret sendfile"))
    records.append(rec("cpu", start, start + 1 * US, "cpu0", cpu="cpu0", process="app",
                       state="user", stall=0))
    records.append(rec("syscall", 1 * US, start + US // 10, "app", process="app",
                       name="sendfile", args="socket 4, file 3, 4KiB", result=4096, error=""))
    records.append(rec("verification", start + 1 * US, start + 1 * US, "nic0",
                       what="nic0.buffer", bytes=4096, mismatched=0))


def write(path, title, records, metrics):
    records.sort(key=lambda r: r["start"])  # stable: ties keep the order above
    end = max(r["end"] for r in records)
    regions = [{"name": n, "layer": l, "label": lb} for n, l, lb in REGIONS]
    with open(path, "w") as out:
        out.write("{\n")
        out.write('  "format": "iosim-trace",\n  "version": 1,\n  "time_unit": "ps",\n')
        out.write('  "scenario": ' + json.dumps({"title": title, "file": "hand-written",
                                                 "seed": 1}, separators=(",", ":")) + ",\n")
        out.write(f'  "end_time": {end},\n  "regions": [\n')
        out.write(",\n".join("    " + json.dumps(r, separators=(",", ":")) for r in regions))
        out.write("\n  ],\n  \"records\": [\n")
        out.write(",\n".join("    " + json.dumps(r, separators=(",", ":")) for r in records))
        out.write("\n  ],\n  \"metrics\": " + json.dumps(metrics, separators=(",", ":")) + "\n}\n")


def sendfile():
    records = []
    common_start(records, "sendfile()")
    records.append(rec("cpu", 12 * US + US // 2, 18 * US, "cpu0", cpu="cpu0", process="app",
                       state="kernel", stall=0))
    records.append(rec("narration", 13 * US, 18 * US, "kernel", "copy-2",
                       text="The CPU copies the data from the kernel buffer to the socket "
                            "buffer."))
    records.append(rec("copy", 13 * US, 17 * US, "cpu0", "copy-2", copy_id=2, engine="cpu",
                       **{"from": "page_cache"}, to="socket.buf", bytes=4096))
    records.append(rec("bus", 13 * US, 17 * US, "bus", "copy-2", initiator="cpu0",
                       transactions=128, bytes=8192, busy=4 * US, stall=0))
    records.append(rec("narration", 18 * US, 27 * US, "kernel", "copy-3",
                       text="The DMA controller copies the data from the socket buffer to the "
                            "NIC."))
    records.append(rec("cpu", 18 * US, 27 * US, "cpu0", cpu="cpu0", process="", state="idle",
                       stall=0))
    records.append(rec("copy", 18 * US, 26 * US, "dma0.ch2", "copy-3", copy_id=3, engine="dma",
                       **{"from": "socket.buf"}, to="nic0.buffer", bytes=4096))
    records.append(rec("bus", 18 * US, 26 * US, "bus", "copy-3", initiator="dma0.ch2",
                       transactions=512, bytes=4096, busy=8 * US, stall=0))
    common_end(records, 27 * US, 3)
    write("sendfile.json", "sendfile(): three copies, two mode switches", records,
          {"copies.cpu": 1, "copies.dma": 2, "copies.total": 3, "mode_switches": 2,
           "verified": True})


def sendfile_sg():
    records = []
    common_start(records, "sendfile()")
    records.append(rec("cpu", 12 * US + US // 2, 14 * US, "cpu0", cpu="cpu0", process="app",
                       state="kernel", stall=0))
    records.append(rec("narration", 13 * US, 14 * US, "kernel", "descriptor",
                       text="The CPU writes the descriptor (address, offset, length) of the "
                            "page-cache data into the socket buffer: this is not a copy."))
    records.append(rec("descriptor", 13 * US, 14 * US, "cpu0", "descriptor",
                       **{"from": "page_cache"}, to="socket.buf", bytes=4096, fragments=1,
                       what="sg descriptor"))
    records.append(rec("narration", 14 * US, 23 * US, "kernel", "copy-2",
                       text="The DMA controller gathers the data from the page cache to the NIC "
                            "by the descriptor (scatter-gather)."))
    records.append(rec("cpu", 14 * US, 23 * US, "cpu0", cpu="cpu0", process="", state="idle",
                       stall=0))
    records.append(rec("copy", 14 * US, 22 * US, "nic0.dma", "copy-2", copy_id=2, engine="dma",
                       **{"from": "page_cache"}, to="nic0.buffer", bytes=4096))
    records.append(rec("bus", 14 * US, 22 * US, "bus", "copy-2", initiator="nic0.dma",
                       transactions=64, bytes=4096, busy=8 * US, stall=0))
    common_end(records, 23 * US, 2)
    write("sendfile-sg.json", "sendfile() with an SG-DMA NIC: two copies, no CPU copy", records,
          {"copies.cpu": 0, "copies.dma": 2, "copies.total": 2, "descriptors": 1,
           "mode_switches": 2, "verified": True})


if __name__ == "__main__":
    sendfile()
    sendfile_sg()
