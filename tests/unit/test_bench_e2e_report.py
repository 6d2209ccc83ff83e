"""The end-to-end bench's report: each workload has its rows, and an optional
row shows for the workloads that measure it only."""

from __future__ import annotations

from bench.e2e.__main__ import OPTIONAL_ROWS, parse_args, report
from bench.e2e.workloads import WORKLOADS


def test_every_workload_has_its_rows():
    assert set(OPTIONAL_ROWS) == set(WORKLOADS)


def a_run() -> dict:
    side = {"cpu": 1.0, "cpu_main": 0.8, "hwm": 50.0, "write_bytes": 1024, "cpu_settled": 1.0,
            "write_bytes_settled": 1024, "rss_growth": 1.0, "hwm_online": 49.0}
    return {"floor_s": 1.0, "parlons_s": 1.1, "floor": dict(side), "parlons": dict(side), "send_s": 0.3,
            "setup_s": 2.0, "floor_server": {"cpu": 1.0, "wait": 0.01}, "parlons_server": {"cpu": 1.0, "wait": 0.02},
            "keys_idle": [1.0], "keys_flood": [2.0], "page_up": [8.0], "searches": {"the": [30.0]}, "host_s": [0.03]}


def test_an_optional_row_shows_where_the_workload_measures_it():
    args = parse_args([])
    text = {name: "\n".join(report(name, [a_run()], args)) for name in WORKLOADS}
    assert [n for n in text if "at the server's pace" in text[n]] == ["W2", "W2N", "W3", "W5", "W6", "W7"]
    assert [n for n in text if "the same 1 s later" in text[n]] == ["W2", "W3", "W4", "W4P", "W5"]
    assert [n for n in text if "flood → last on screen (typing" in text[n]] == ["W4", "W4P"]
    assert [n for n in text if "PageUp" in text[n]] == ["W5"]
    assert [n for n in text if "| /search |" in text[n]] == ["W8"]
    assert [n for n in text if "peak RSS when online" in text[n]] == ["W1"]
    assert [n for n in text if "the component wrote the storm" in text[n]] == ["W6"]
