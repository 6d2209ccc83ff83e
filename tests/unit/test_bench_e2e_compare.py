"""bench/e2e/compare.py: two result files side by side (the arithmetic only)."""

from __future__ import annotations

from bench.e2e.compare import compare


def results(started: str, **workloads: list[dict]) -> dict:
    return {"started": started, "load_before": [1.0, 1.0, 1.0],
            "workloads": {name: {"runs": runs} for name, runs in workloads.items()}}


def run(floor: float, parlons: float, cpu: float, keys: list[float] | None = None) -> dict:
    return {"floor_s": floor, "parlons_s": parlons, "parlons": {"cpu": cpu, "hwm": 65536, "write_bytes": 0},
            **({"keys_flood": keys} if keys is not None else {})}


def row(lines: list[str], label: str) -> list[str]:
    found = [line for line in lines if line.startswith(f"| {label} |")]
    assert len(found) == 1, lines
    return [cell.strip() for cell in found[0].strip("|").split("|")]


def test_medians_of_each_file_and_their_change():
    old = results("A", W2=[run(2.0, 4.0, 3.0), run(4.0, 6.0, 5.0), run(3.0, 9.0, 4.0)])
    new = results("B", W2=[run(2.0, 2.4, 1.0), run(3.0, 3.3, 1.2)])
    lines = compare(old, new)
    assert "## W2 — 3 → 2 run(s)" in lines
    assert row(lines, "Parlons time") == ["Parlons time", "6.00 s", "2.85 s", "0.47×"]
    # the ratio's median is of the per-run ratios (2, 1.5, 3 → 2; 1.2, 1.1 → 1.15)
    assert row(lines, "ratio") == ["ratio", "2.00×", "1.15×", "0.57×"]
    assert row(lines, "Parlons CPU") == ["Parlons CPU", "4.00 s", "1.10 s", "0.28×"]


def test_keys_under_load_pool_the_runs():
    old = results("A", W7=[run(1.0, 2.0, 1.0, [0.010, 0.030]), run(1.0, 2.0, 1.0, [0.020, 0.500])])
    new = results("B", W7=[run(1.0, 1.2, 1.0, [0.008, 0.009, 0.012])])
    lines = compare(old, new)
    assert row(lines, "key under load, median") == ["key under load, median", "25 ms", "9.0 ms", "0.36×"]
    assert row(lines, "key under load, worst") == ["key under load, worst", "500 ms", "12 ms", "0.02×"]


def test_only_workloads_in_both_files():
    lines = compare(results("A", W1=[run(1, 2, 1)]), results("B", W2=[run(1, 2, 1)]))
    assert lines[-1] == "(no workload in both files)"
    assert not any(line.startswith("## ") for line in lines)
