"""The arithmetic of bench/e2e's report (the benchmark itself is not a test)."""

from __future__ import annotations

import os

import pytest

from bench.e2e.metrics import (at_server_pace, delta, fmt, fmt_summary, median, other_threads, percentile, proc_stats,
                               ratio, server_share_from, summary, value_at)


def test_summary_skips_what_was_not_measured():
    assert summary([3.0, None, 1.0, 2.0]) == (1.0, 2.0, 3.0)
    assert summary([None]) is None


def test_median_and_value_at_skip_what_was_not_measured():
    assert median([3.0, None, 1.0, 2.0]) == 2.0 and median([None]) is None
    run = {"parlons": {"cpu": 1.5}, "floor_s": 2.0}
    assert value_at(run, "parlons", "cpu") == 1.5 and value_at(run, "floor_s") == 2.0
    assert value_at(run, "parlons", "cpu_main") is None and value_at(run, "floor_s", "cpu") is None


def test_ratio_needs_a_floor():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(3.0, None) is None and ratio(None, 2.0) is None and ratio(1.0, 0.0) is None


def test_delta_subtracts_counters_and_keeps_the_peak():
    before = {"cpu": 1.0, "cpu_main": 0.75, "hwm": 100, "rss": 90, "write_bytes": 10, "wchar": 20}
    after = {"cpu": 1.5, "cpu_main": 1.0, "hwm": 150, "rss": 120, "write_bytes": 110, "wchar": 70}
    assert delta(after, before) == {"cpu": 0.5, "cpu_main": 0.25, "hwm": 150, "rss": 120, "rss_growth": 30,
                                    "write_bytes": 100, "wchar": 50}


def test_other_threads_never_go_below_zero():
    assert other_threads(1.5, 1.25) == 0.25
    assert other_threads(1.0, 1.004) == 0.0  # ticks against nanoseconds
    assert other_threads(None, 1.0) is None and other_threads(1.0, None) is None


def test_the_time_ratio_at_the_servers_pace():
    run = {"floor_s": 6.0, "parlons_s": 9.0, "floor_server": {"cpu": 5.0}, "parlons_server": {"cpu": 7.5}}
    assert at_server_pace(run) == 1.0  # 1.5x the time, the server 1.5x as slow: nothing of Parlons'
    run["parlons_s"] = 9.9
    assert at_server_pace(run) == pytest.approx(1.1)
    assert at_server_pace({"floor_s": 6.0, "parlons_s": 9.0}) is None  # no server figures (W4)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 0.5) == 5.0
    assert percentile(values, 0.9) == 9.0
    assert percentile(values, 1.0) == 10.0
    assert percentile([7.0], 0.99) == 7.0


def test_formats():
    assert fmt(None) == "—"
    assert fmt(1.234, "s") == "1.23 s"
    assert fmt(0.0086, "ms") == "8.6 ms" and fmt(0.061, "ms") == "61 ms"
    assert fmt(2048, "MiB") == "2.0 MiB"
    assert fmt(3 * 1048576, "B") == "3.00 MiB" and fmt(4096, "B") == "4 KiB"
    assert fmt_summary([2.0, 1.0, 3.0], "s") == "2.00 s (1.00 s–3.00 s)"
    assert fmt_summary([2.0], "x") == "2.00×"


def test_proc_stats_of_this_process():
    stats = proc_stats(os.getpid())
    assert stats["cpu"] > 0 and stats["hwm"] >= stats["rss"] > 0
    assert 0 < stats["cpu_main"] <= stats["cpu"] + 0.02  # (ticks: 10 ms)


def test_the_main_threads_cpu_leaves_the_others_out():
    """A second thread busy for 0.3 s: the process's CPU counts it, the main
    thread's does not (the bench splits Parlons' CPU so: the loop, the store)."""
    import threading
    import time

    before = proc_stats(os.getpid())

    def spin() -> None:
        end = time.thread_time() + 0.3
        while time.thread_time() < end:
            pass

    worker = threading.Thread(target=spin)
    worker.start()
    worker.join()
    used = delta(proc_stats(os.getpid()), before)
    assert used["cpu"] >= 0.28
    assert used["cpu_main"] < 0.1


def test_server_stats_count_the_time_waited_for_a_cpu():
    """Two busy processes on one CPU: each waits for the other's turns,
    and server_share_from (the bench's reading of Prosody) says so."""
    import subprocess
    import sys
    import time

    cpu = min(os.sched_getaffinity(0))
    spin = "import time\nend = time.monotonic() + 0.6\nwhile time.monotonic() < end: pass\n"
    rival = subprocess.Popen([sys.executable, "-c", spin], preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    try:
        share = server_share_from(rival.pid)
        time.sleep(0.05)
        old_affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {cpu})
        try:
            end = time.monotonic() + 0.3
            while time.monotonic() < end:
                pass
        finally:
            os.sched_setaffinity(0, old_affinity)
        spent = share()
    finally:
        rival.wait(10)
    assert 0.05 < spent["cpu"] < 0.4
    assert spent["wait"] > 0.05  # the rival waited while we spun on its CPU
