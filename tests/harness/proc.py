"""What a process costs, read from /proc: one reader for the tests
(tests/faults: RSS over a flood) and the benchmarks (bench/e2e/metrics.py)."""

from __future__ import annotations

import os
from pathlib import Path

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


def sched_seconds(pid: int | str) -> tuple[float, float]:
    """(on a CPU, waiting on a run queue for one) seconds, summed over the
    threads ``pid`` has now (/proc/PID/task/TID/schedstat, nanoseconds)."""
    on_cpu = waiting = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:  # the thread ended meanwhile
            continue
        on_cpu += int(fields[0])
        waiting += int(fields[1])
    return on_cpu / 1e9, waiting / 1e9


def wake_ups(pid: int | str = "self", task: int | None = None) -> int:
    """How many times a thread went to sleep and was woken (its voluntary
    context switches), of one ``task`` (a thread id) or summed over the
    threads ``pid`` has now (/proc/PID/task/TID/status)."""
    tasks = [Path(f"/proc/{pid}/task/{task}")] if task is not None else list(Path(f"/proc/{pid}/task").iterdir())
    total = 0
    for path in tasks:
        try:
            status = (path / "status").read_text()
        except OSError:  # the thread ended meanwhile
            if task is not None:
                raise
            continue
        total += int(status.split("\nvoluntary_ctxt_switches:")[1].split()[0])
    return total


def main_thread_seconds(pid: int | str = "self") -> float:
    """Seconds the process's main thread (its first: the event loop's, in
    Parlons and the bench's agents) spent on a CPU
    (/proc/PID/task/PID/schedstat, nanoseconds); ``cpu_seconds`` less this
    is its other threads' (Parlons: the history store's, the terminal's)."""
    pid = os.getpid() if pid == "self" else pid
    return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[0]) / 1e9


def rss_kib(pid: int | str) -> int:
    """Resident memory of ``pid`` now, KiB."""
    return status_kib(pid, "VmRSS")["VmRSS"]
