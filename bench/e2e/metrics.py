"""What a process costs (read from /proc by tests/harness/proc.py, shared
with the tests) and the summaries the report prints.

Pure helpers (no Textual, no slixmpp): tests/unit/test_bench_e2e_metrics.py
covers the arithmetic.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Callable, Iterable, Sequence

from tests.harness.proc import cpu_seconds, io_counters, main_thread_seconds, sched_seconds, status_kib


def proc_stats(pid: int | str = "self") -> dict[str, float]:
    """cpu (s; cpu_main: its main thread's), hwm and rss (KiB), write_bytes
    and wchar (bytes) of ``pid``."""
    io = io_counters(pid)
    memory = status_kib(pid, "VmHWM", "VmRSS")
    return {
        "cpu": cpu_seconds(pid),
        "cpu_main": main_thread_seconds(pid),
        "hwm": memory["VmHWM"],
        "rss": memory["VmRSS"],
        "write_bytes": io.get("write_bytes", 0),
        "wchar": io.get("wchar", 0),
    }


def host_probe(rounds: int = 3) -> float:
    """CPU seconds (this thread's: a wait for a CPU is not in it) of a
    fixed piece of pure Python, the least of ``rounds``: how fast the host
    runs code now.  This host has spells where the processes' CPU seconds
    (Parlons', Prosody's, the floor's) inflate, by up to ~1.8×; a set's
    figures are read with the probe beside them."""
    import time

    best = math.inf
    for _ in range(rounds):
        start = time.thread_time()
        total, table = 0, {}
        for i in range(200_000):
            total += i * i % 7
            table[i & 1023] = str(i)
        best = min(best, time.thread_time() - start)
    return best


def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    """Counters consumed between two proc_stats; peak and current RSS as they are after."""
    return {
        "cpu": after["cpu"] - before["cpu"],
        "cpu_main": after["cpu_main"] - before["cpu_main"],
        "hwm": after["hwm"],
        "rss": after["rss"],
        "rss_growth": after["rss"] - before["rss"],
        "write_bytes": after["write_bytes"] - before["write_bytes"],
        "wchar": after["wchar"] - before["wchar"],
    }


def other_threads(cpu: float | None, cpu_main: float | None) -> float | None:
    """CPU seconds of a process's threads but its main one.  ``cpu`` counts
    in clock ticks (10 ms), ``cpu_main`` in nanoseconds: never below 0."""
    if cpu is None or cpu_main is None:
        return None
    return max(0.0, cpu - cpu_main)


def at_server_pace(run: dict) -> float | None:
    """A workload's time ratio (Parlons' / the floor's) over the ratio of
    the server's CPU seconds for the two halves (a flood, a presence storm,
    a join): Prosody is their bottleneck, the same work for both (to the
    syscall: W2, W3, W6 measured), and the host's
    speed moves between the two halves of one run (its CPU for the same
    flood seen 1.7 times the floor's).  It divides out more than the host:
    Prosody is preempted 2.4-5.4x as often while Parlons receives (its
    threads, tmux, the screen poll on two cores), which costs Prosody CPU
    too; so this is a lower bound of Parlons' share, the plain ratio an
    upper one (bench/README.md, the twenty-fifth session)."""
    server = ratio(value_at(run, "parlons_server", "cpu"), value_at(run, "floor_server", "cpu"))
    time_ratio = ratio(value_at(run, "parlons_s"), value_at(run, "floor_s"))
    return ratio(time_ratio, server)


def server_share_from(pid: int) -> Callable[[], dict[str, float]]:
    """From now, the server's (Prosody's) seconds on a CPU ("cpu") and
    waiting on a run queue for one ("wait"): call the result for the share
    since.  Prosody is the floods' bottleneck (a core of its own at 100 %):
    what it waits for a CPU another process holds, the flood takes longer."""
    before = sched_seconds(pid)

    def since() -> dict[str, float]:
        on_cpu, waiting = sched_seconds(pid)
        return {"cpu": on_cpu - before[0], "wait": waiting - before[1]}

    return since


def summary(values: Iterable[float | None]) -> tuple[float, float, float] | None:
    """(min, median, max) of the values measured (None: not measured)."""
    known = [value for value in values if value is not None]
    if not known:
        return None
    return min(known), statistics.median(known), max(known)


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values measured (None: none was)."""
    stats = summary(values)
    return None if stats is None else stats[1]


def value_at(run: dict[str, Any], *path: str) -> Any:
    """``run[path[0]][path[1]]…``, None where a step is missing (a figure
    a workload does not measure, or an older results file)."""
    value: Any = run
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


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
