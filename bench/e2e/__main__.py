"""End-to-end benchmark (issue 14): Parlons under tmux against a bare
slixmpp floor, on a Prosody of its own per workload.

    python -m bench.e2e [--runs N] [--only W2,W3] [--messages 5000]

Prints median (min–max) over the runs and the ratio to the floor, and writes
every figure to bench/results/<timestamp>.json.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench.e2e.actors import Server
from bench.e2e.metrics import (at_server_pace, fmt, fmt_summary, host_probe, median, other_threads, percentile,
                               ratio, summary, value_at)
from bench.e2e.workloads import WITH_COMPONENT, WORKLOADS

RESULTS = Path(__file__).resolve().parents[1] / "results"

TITLES = {
    "W1": "W1 launch → online, {contacts} contacts",
    "W2": "W2 room flood, {messages} messages → last on screen",
    "W2N": ("W2N the floor against itself: W2's flood received twice by the floor, its second time in the "
            "Parlons column (what the host alone moves W2's ratios by)"),
    "W3": "W3 1:1 flood, {messages} messages → last on screen",
    "W4": "W4 key → on screen, room window ({messages}-message flood)",
    "W4P": "W4P the same with Poezio in the pane (the reference client; its figures in the Parlons column)",
    "W5": "W5 {big} messages in one room window",
    "W6": "W6 {presences} contacts, one presence change each → settled (their last message shown)",
    "W7": "W7 joining a room of {occupants} occupants: Enter → nick list complete",
    "W8": "W8 /search over {stored} stored messages: Enter → results on screen",
}

# what keys are typed during (the ``keys_flood`` / ``words_flood`` samples)
DURING = {"W4": "the flood", "W4P": "the flood", "W6": "the storm", "W7": "the join"}

# The rows of each workload's table besides those every one has (time, CPU,
# peak RSS, bytes written, the host probe); the keys' rows go with DURING.
#   typing: time is the flood's while keys are typed, with no floor
#   pace: the time ratio at the server's pace      threads: main thread / the others
#   server: the server's CPU and wait meanwhile    settled: 1 s later, per message, RSS growth
#   writer: how long the bot (or component) took   online: RSS when online shows
#   crowd: how long the crowd took to fill the room
#   pages: PageUp timings                          searches: the /search table
_FLOOD = frozenset({"pace", "threads", "server", "settled", "writer"})
_TYPING = frozenset({"typing", "threads", "server", "settled"})
OPTIONAL_ROWS: dict[str, frozenset[str]] = {
    "W1": frozenset({"online"}),
    "W2": _FLOOD,
    "W2N": _FLOOD - {"settled"},
    "W3": _FLOOD,
    "W4": _TYPING,
    "W4P": _TYPING,
    "W5": _FLOOD | {"pages"},
    "W6": frozenset({"pace", "threads", "server", "writer"}),
    "W7": frozenset({"pace", "threads", "server", "crowd"}),
    "W8": frozenset({"searches"}),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="W1,W2,W3,W4",
                        help="workloads, e.g. W2,W3 (default W1-W4; W5-W8, W2N and W4P only when named)")
    parser.add_argument("--messages", type=int, default=5000, help="flood size (W2, W3, W4)")
    parser.add_argument("--big", type=int, default=100_000, help="messages in one window (W5)")
    parser.add_argument("--presences", type=int, default=5000, help="contacts changing presence (W6)")
    parser.add_argument("--occupants", type=int, default=1000, help="occupants of the room joined (W7)")
    parser.add_argument("--stored", type=int, default=1_000_000, help="messages in the history (W8)")
    parser.add_argument("--repeat", type=int, default=3, help="times each search is typed (W8)")
    parser.add_argument("--contacts", type=int, default=1000, help="roster size (W1)")
    parser.add_argument("--server-gc", choices=("generational",),
                        help="Prosody's collector in this mode (default: Prosody's own, incremental with a "
                             "105 %% pause); generational halves its CPU per flood, so more of a ratio is "
                             "the client's: a diagnostic, not the issue's setting")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs (logs, histories)")
    return parser.parse_args(argv)


def loadavg() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _values(runs: list[dict[str, Any]], *path: str) -> list[float | None]:
    return [value_at(run, *path) for run in runs]


def _thread_split(runs: list[dict[str, Any]], who: str) -> str:
    """``main / others``: CPU seconds, medians (see metrics.other_threads)."""
    main = _values(runs, who, "cpu_main")
    others = [other_threads(cpu, cpu_main) for cpu, cpu_main in zip(_values(runs, who, "cpu"), main)]
    return f"{fmt(median(main), 's')} / {fmt(median(others), 's')}"


def report(name: str, runs: list[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    title = TITLES[name].format(messages=args.messages, contacts=args.contacts, big=args.big, presences=args.presences,
                                 stored=args.stored, occupants=args.occupants)
    lines = [f"## {title} — {len(runs)} run(s)", ""]
    if not runs:
        return lines + ["(no run succeeded)", ""]
    floor_s, parlons_s = _values(runs, "floor_s"), _values(runs, "parlons_s")
    ratios = [ratio(p, f) for p, f in zip(parlons_s, floor_s)]
    rows = OPTIONAL_ROWS[name]
    lines += ["| | floor | Parlons | ratio |", "|---|---|---|---|"]
    if "typing" in rows:
        lines.append(f"| flood → last on screen (typing meanwhile) | — | {fmt_summary(parlons_s, 's')} | |")
    else:
        lines.append(f"| time | {fmt_summary(floor_s, 's')} | {fmt_summary(parlons_s, 's')} "
                     f"| {fmt_summary(ratios, 'x')} |")
    if "pace" in rows:
        lines.append(f"| time ratio at the server's pace (÷ its CPU ratio: the host's speed moves) | | "
                     f"| {fmt_summary([at_server_pace(run) for run in runs], 'x')} |")
    lines.append(f"| CPU seconds | {fmt_summary(_values(runs, 'floor', 'cpu'), 's')} "
                 f"| {fmt_summary(_values(runs, 'parlons', 'cpu'), 's')} "
                 f"| {fmt_summary([ratio(p, f) for p, f in zip(_values(runs, 'parlons', 'cpu'), _values(runs, 'floor', 'cpu'))], 'x')} |")
    if "threads" in rows:
        # the loop's thread (parsing, services, the UI) apart from the others (the store's, the terminal's)
        lines.append(f"| of which the main thread / the others (medians) "
                     f"| {_thread_split(runs, 'floor')} | {_thread_split(runs, 'parlons')} | |")
    lines.append(f"| peak RSS (VmHWM) | {fmt_summary(_values(runs, 'floor', 'hwm'), 'MiB')} "
                 f"| {fmt_summary(_values(runs, 'parlons', 'hwm'), 'MiB')} | |")
    if any(value is not None for value in _values(runs, "floor_stall_max")):
        # what a key would wait in a bare slixmpp client: its loop's longest stall
        # (a 5 ms ticker's lateness) while it received the flood / the join
        lines.append(f"| event loop's longest stall meanwhile | {fmt_summary(_values(runs, 'floor_stall_max'), 'ms')} "
                     "| | |")
    if "online" in rows:
        lines.append(f"| peak RSS when online shows | | {fmt_summary(_values(runs, 'parlons', 'hwm_online'), 'MiB')} | |")
    lines.append(f"| bytes written to disk (write_bytes) | {fmt_summary(_values(runs, 'floor', 'write_bytes'), 'B')} "
                 f"| {fmt_summary(_values(runs, 'parlons', 'write_bytes'), 'B')} | |")
    flood = args.big if name == "W5" else args.messages
    if "server" in rows:
        # Prosody does most of each workload's work: what it waited for a CPU, the workload lost
        lines.append(f"| the server meanwhile: CPU s / waited for a CPU "
                     f"| {fmt_summary(_values(runs, 'floor_server', 'cpu'), 's')} / "
                     f"{fmt_summary(_values(runs, 'floor_server', 'wait'), 'ms')} "
                     f"| {fmt_summary(_values(runs, 'parlons_server', 'cpu'), 's')} / "
                     f"{fmt_summary(_values(runs, 'parlons_server', 'wait'), 'ms')} | |")
    if "settled" in rows:
        lines.append(f"| the same 1 s later (CPU s / bytes) | | {fmt_summary(_values(runs, 'parlons', 'cpu_settled'), 's')} / "
                     f"{fmt_summary(_values(runs, 'parlons', 'write_bytes_settled'), 'B')} | |")
        per_message = [w / flood if w is not None else None for w in _values(runs, "parlons", "write_bytes")]
        lines.append(f"| of which per message | | {fmt_summary(per_message, 'B')} | |")
        lines.append(f"| RSS growth over the flood | {fmt_summary(_values(runs, 'floor', 'rss_growth'), 'MiB')} "
                     f"| {fmt_summary(_values(runs, 'parlons', 'rss_growth'), 'MiB')} | |")
    if name in DURING:
        lines += ["", "| key → on screen | median | p90 | worst | samples |", "|---|---|---|---|---|"]
        during = DURING[name]
        for key, label in (("keys_idle", "key, 40 ms apart, idle"), ("words_idle", "word in one write, idle"),
                           ("keys_flood", f"key, 40 ms apart, during {during}"),
                           ("words_flood", f"word in one write, during {during}")):
            samples = [value for run in runs for value in run.get(key, [])]
            if samples:
                lines.append(f"| {label} | {fmt(statistics.median(samples), 'ms')} "
                             f"| {fmt(percentile(samples, 0.9), 'ms')} "
                             f"| {fmt(max(samples), 'ms')} | {len(samples)} |")
    if "pages" in rows:
        pages = [value for run in runs for value in run.get("page_up", [])]
        if pages:
            lines.append(f"| PageUp → screen changed, median / worst ({len(pages)}) | "
                         f"| {fmt(statistics.median(pages), 'ms')} / {fmt(max(pages), 'ms')} | |")
    if "searches" in rows:
        lines += ["", "| /search | median | worst | samples |", "|---|---|---|---|"]
        searches: dict[str, list[float]] = {}
        for run in runs:
            for words, values in run.get("searches", {}).items():
                searches.setdefault(words, []).extend(values)
        for words, values in searches.items():
            lines.append(f"| `{words}` | {fmt(statistics.median(values), 'ms')} | {fmt(max(values), 'ms')} "
                         f"| {len(values)} |")
    if "writer" in rows:
        lines.append("")
        writer = "the component wrote the storm" if name == "W6" else "the bot wrote the flood"
        lines.append(f"({writer} in {fmt_summary(_values(runs, 'send_s'), 's')})")
    if "crowd" in rows:
        lines.append("")
        lines.append(f"(the crowd filled the room in {fmt_summary(_values(runs, 'setup_s'), 's')})")
    probes = [seconds for run in runs for seconds in run.get("host_s", [])]
    if probes:
        lines.append("")
        lines.append(f"(host probe, before and after each run: {fmt_summary(probes, 'ms')} of CPU for a fixed "
                     "piece of Python; higher: a slower host)")
    lines.append("")
    return lines


def compile_parlons() -> None:
    """Parlons' bytecode written once, as installing it does (pip compiles):
    with PYTHONDONTWRITEBYTECODE set (as on the build machines) and no .pyc,
    every launch would compile its ~120 modules again (~0.2 s of CPU in W1)
    while the floor's slixmpp, installed, is compiled."""
    root = Path(__file__).resolve().parents[2]
    for package in ("tui", "screens"):
        compileall.compile_dir(root / package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    compile_parlons()
    # kill PID: the finally blocks still stop Prosody, the agents and tmux
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = [name.strip().upper() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        print(f"unknown workload(s): {', '.join(unknown)}; known: {', '.join(WORKLOADS)}", file=sys.stderr)
        return 2
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    results: dict[str, Any] = {
        "started": stamp, "argv": sys.argv[1:], "cpus": os.cpu_count(), "load_before": loadavg(),
        "messages": args.messages, "contacts": args.contacts, "server_gc": args.server_gc, "workloads": {},
    }
    out: list[str] = []
    failed = False
    for name in names:
        base = Path(tempfile.mkdtemp(prefix=f"parlons-e2e-{name}-"))
        runs: list[dict[str, Any]] = []
        errors: list[str] = []
        server = Server(base, component=name in WITH_COMPONENT, gc=args.server_gc)
        try:
            for index in range(args.runs):
                run_dir = base / f"run{index}"
                run_dir.mkdir()
                load = loadavg()
                probe = host_probe()
                try:
                    run = WORKLOADS[name](server, run_dir, args)
                except Exception:
                    failed = True
                    errors.append(traceback.format_exc())
                    print(f"{name} run {index + 1}: FAILED\n{errors[-1]}", file=sys.stderr)
                    continue
                run["load"] = load
                run["host_s"] = [probe, host_probe()]  # before and after the run
                runs.append(run)
                print(f"{name} run {index + 1}/{args.runs}: floor {fmt(run.get('floor_s'), 's')}, "
                      f"Parlons {fmt(run.get('parlons_s'), 's')}, load {load[0]}, "
                      f"host probe {probe * 1000:.0f}/{run['host_s'][1] * 1000:.0f} ms", file=sys.stderr)
        finally:
            server.close()
            if args.keep:
                print(f"{name}: kept {base}", file=sys.stderr)
            else:
                shutil.rmtree(base, ignore_errors=True)
        results["workloads"][name] = {"runs": runs, "errors": errors,
                                      "summary": {"floor_s": summary(_values(runs, "floor_s")),
                                                  "parlons_s": summary(_values(runs, "parlons_s"))}}
        section = report(name, runs, args)
        out += section
        print("\n".join(section), flush=True)
    results["load_after"] = loadavg()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(results, indent=1))
    collector = f"; Prosody's collector: {args.server_gc} (--server-gc)" if args.server_gc else ""
    print(f"load average before/after: {results['load_before']} / {results['load_after']}; "
          f"{results['cpus']} CPUs{collector}; results in {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
