"""Two result files of the e2e bench side by side (before → after a change):

    python -m bench.e2e.compare bench/results/OLD.json bench/results/NEW.json

For each workload in both: the medians of the floor's and Parlons' time, of
their ratio (per run, as the report computes it), Parlons' CPU and bytes
written, and the keys typed under load (median / worst), with the load
average each file was measured at.  Medians of few runs on a shared machine:
read the ratios and the CPU, as bench/README.md says.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

from bench.e2e.metrics import fmt, median, ratio, value_at

Runs = list[dict[str, Any]]


def _median_at(*path: str) -> Callable[[Runs], float | None]:
    """The runs' median of the figure at ``path`` (metrics.value_at)."""
    return lambda runs: median([value_at(run, *path) for run in runs])


COMPARED_ROWS: list[tuple[str, str, Callable[[Runs], float | None]]] = [
    ("floor time", "s", _median_at("floor_s")),
    ("Parlons time", "s", _median_at("parlons_s")),
    ("ratio", "x", lambda runs: median([ratio(value_at(run, "parlons_s"), value_at(run, "floor_s")) for run in runs])),
    ("Parlons CPU", "s", _median_at("parlons", "cpu")),
    ("Parlons CPU, main thread", "s", _median_at("parlons", "cpu_main")),
    ("Parlons peak RSS", "MiB", _median_at("parlons", "hwm")),
    ("Parlons writes", "B", _median_at("parlons", "write_bytes")),
    ("server's wait for a CPU, floor", "ms", _median_at("floor_server", "wait")),
    ("server's wait for a CPU, Parlons", "ms", _median_at("parlons_server", "wait")),
    ("floor's longest loop stall", "ms", _median_at("floor_stall_max")),
    ("key under load, median", "ms",
     lambda runs: median([value for run in runs for value in run.get("keys_flood", [])])),
    ("key under load, worst", "ms",
     lambda runs: max((value for run in runs for value in run.get("keys_flood", [])), default=None)),
]


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Markdown lines: one table per workload measured in both files."""
    lines = [f"old: {old.get('started')} (load {old.get('load_before')}), "
             f"new: {new.get('started')} (load {new.get('load_before')})", ""]
    names = [name for name in new.get("workloads", {}) if name in old.get("workloads", {})]
    if not names:
        return lines + ["(no workload in both files)"]
    for name in names:
        old_runs = old["workloads"][name]["runs"]
        new_runs = new["workloads"][name]["runs"]
        lines += [f"## {name} — {len(old_runs)} → {len(new_runs)} run(s)", "",
                  "| median | old | new | new / old |", "|---|---|---|---|"]
        for label, unit, pick in COMPARED_ROWS:
            before, after = pick(old_runs), pick(new_runs)
            if before is None and after is None:
                continue
            change = ratio(after, before)
            lines.append(f"| {label} | {fmt(before, unit)} | {fmt(after, unit)} | {fmt(change, 'x')} |")
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    print("\n".join(compare(json.loads(args.old.read_text()), json.loads(args.new.read_text()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
