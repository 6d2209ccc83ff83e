"""What a process costs, read from /proc, and the summaries the report prints.

Pure helpers (no Textual, no slixmpp): tests/unit/test_bench_e2e_metrics.py
covers the arithmetic.
"""

from __future__ import annotations

import math
import os
import statistics
from pathlib import Path
from typing import Iterable, Sequence

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | str = "self") -> float:
    """utime + stime of the process (all its threads), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_kib(pid: int | str, *keys: str) -> dict[str, int]:
    """``kB`` lines of /proc/PID/status (VmHWM: peak RSS, VmRSS: RSS now),
    from one read: read apart, a peak could come out under an RSS that grew
    in between (seen: VmHWM 415,628 against VmRSS 415,632 KiB)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in keys:
            values[key] = int(rest.split()[0])
    missing = [key for key in keys if key not in values]
    if missing:
        raise LookupError(f"no {', '.join(missing)} for {pid}")
    return values


def io_counters(pid: int | str = "self") -> dict[str, int]:
    """/proc/PID/io: write_bytes is what went to the storage layer (files,
    SQLite, its WAL); wchar also counts the terminal and the sockets."""
    counters = {}
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        key, _, value = line.partition(":")
        counters[key.strip()] = int(value)
    return counters


def proc_stats(pid: int | str = "self") -> dict[str, float]:
    """cpu (s), hwm and rss (KiB), write_bytes and wchar (bytes) of ``pid``."""
    io = io_counters(pid)
    memory = status_kib(pid, "VmHWM", "VmRSS")
    return {
        "cpu": cpu_seconds(pid),
        "hwm": memory["VmHWM"],
        "rss": memory["VmRSS"],
        "write_bytes": io.get("write_bytes", 0),
        "wchar": io.get("wchar", 0),
    }


def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    """Counters consumed between two proc_stats; peak and current RSS as they are after."""
    return {
        "cpu": after["cpu"] - before["cpu"],
        "hwm": after["hwm"],
        "rss": after["rss"],
        "rss_growth": after["rss"] - before["rss"],
        "write_bytes": after["write_bytes"] - before["write_bytes"],
        "wchar": after["wchar"] - before["wchar"],
    }


def summary(values: Iterable[float | None]) -> tuple[float, float, float] | None:
    """(min, median, max) of the values measured (None: not measured)."""
    known = [value for value in values if value is not None]
    if not known:
        return None
    return min(known), statistics.median(known), max(known)


def ratio(value: float | None, floor: float | None) -> float | None:
    if value is None or not floor:
        return None
    return value / floor


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value * 1000:.0f} ms" if value >= 0.0095 else f"{value * 1000:.1f} ms"
    if unit == "MiB":
        return f"{value / 1024:.1f} MiB"  # KiB in
    if unit == "B":
        return f"{value / 1048576:.2f} MiB" if value >= 104858 else f"{value / 1024:.0f} KiB"
    if unit == "x":
        return f"{value:.2f}×"
    return f"{value:g}"


def fmt_summary(values: Iterable[float | None], unit: str) -> str:
    """``median (min–max)``, or the one value when min == max."""
    stats = summary(values)
    if stats is None:
        return "—"
    low, middle, high = stats
    if low == high:
        return fmt(middle, unit)
    return f"{fmt(middle, unit)} ({fmt(low, unit)}–{fmt(high, unit)})"
