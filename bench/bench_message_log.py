"""Benchmark of the MessageLog widget: appends, memory, paging, re-wrap.

    python bench/bench_message_log.py [N]      (default N = 100000)

Runs headless (App.run_test, 120x40).  Lines are made first (that is the
core model's cost, reported apart), then appended to the shown list in
batches of 100 with one notify_appended() per batch, one batch per turn of
the event loop, while Textual draws its frames as usual.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402
from textual.geometry import Region  # noqa: E402

from screens.widgets.line_layout import RowIndex  # noqa: E402
from screens.widgets.message_log import MessageLog  # noqa: E402
from tui.core.model import Line, LineKind  # noqa: E402

BATCH = 100
PAGE_UPS = 20
WORDS = (
    "the quick brown fox jumps over lazy dog xmpp prosody room message "
    "hello again tomorrow maybe later sure thanks"
).split()
CJK = "日本語のテキスト"


def rss_mib() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return float("nan")


def make_lines(count: int, seed: int = 42) -> list[Line]:
    """Mixed traffic: mostly short lines, some wrapping ones, some
    multi-line pastes, a few CJK lines, events and own messages."""
    rng = random.Random(seed)
    nicks = [f"user{i}" for i in range(50)]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    lines = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.70:
            body = " ".join(rng.choices(WORDS, k=rng.randint(2, 10)))
        elif roll < 0.85:
            body = " ".join(rng.choices(WORDS, k=rng.randint(12, 18)))
        elif roll < 0.93:
            body = " ".join(rng.choices(WORDS, k=rng.randint(40, 70)))  # wraps at 120
        elif roll < 0.98:
            body = "\n".join(
                " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
                for _ in range(rng.randint(2, 5))
            )
        else:
            body = CJK * rng.randint(1, 12)
        kind_roll = rng.random()
        kind = (
            LineKind.EVENT if kind_roll < 0.05
            else LineKind.OUTGOING if kind_roll < 0.15
            else LineKind.INCOMING
        )  # fmt: skip
        lines.append(
            Line(body, kind, nick=rng.choice(nicks), time=start + timedelta(seconds=index))
        )
    return lines


class BenchApp(App):
    def __init__(self, lines: list[Line]) -> None:
        super().__init__()
        self.shown = lines

    def compose(self) -> ComposeResult:
        yield MessageLog(self.shown)


async def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise SystemExit("benchmark: timed out waiting for the widget")
        await asyncio.sleep(0.005)


def render_viewport(log: MessageLog) -> None:
    for y in range(log.scrollable_content_region.height):
        log.render_line(y)


async def run(count: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    gc.collect()
    figures["rss_start"] = rss_mib()

    shown: list[Line] = []
    app = BenchApp(shown)
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.query_one(MessageLog)
        await wait_for(lambda: log.wrap_width == 119)
        await pilot.pause()
        gc.collect()
        figures["rss_app"] = rss_mib()

        started = time.perf_counter()
        pending = make_lines(count)
        figures["make_us"] = (time.perf_counter() - started) / count * 1e6
        gc.collect()
        figures["rss_lines"] = rss_mib()

        # Each batch in its own turn of the loop; Textual draws frames (60 fps)
        # in between as it would during a flood, and they count in the total.
        notify_total = 0.0
        started = time.perf_counter()
        for offset in range(0, count, BATCH):
            shown.extend(pending[offset : offset + BATCH])
            before = time.perf_counter()
            log.notify_appended()
            notify_total += time.perf_counter() - before
            await asyncio.sleep(0)
        await pilot.pause()
        figures["append_us"] = (time.perf_counter() - started) / count * 1e6
        figures["notify_us"] = notify_total / count * 1e6
        del pending
        assert log.is_at_bottom and log.row_count >= count
        gc.collect()
        figures["rss_end"] = rss_mib()

        # One notify per message (an app that does not coalesce): all in one
        # turn of the loop, then one loop turn per message.
        singles = make_lines(2000, seed=7)
        started = time.perf_counter()
        for line in singles[:1000]:
            shown.append(line)
            log.notify_appended()
        await asyncio.sleep(0)
        figures["single_notify_us"] = (time.perf_counter() - started) / 1000 * 1e6
        started = time.perf_counter()
        for line in singles[1000:]:
            shown.append(line)
            log.notify_appended()
            await asyncio.sleep(0)
        figures["single_turn_us"] = (time.perf_counter() - started) / 1000 * 1e6
        await pilot.pause()
        assert log.is_at_bottom and log.lines[-1] is singles[-1]

        direct, framed = [], []
        for _ in range(PAGE_UPS):
            log.page_up()
            started = time.perf_counter()
            render_viewport(log)  # cold: these messages were never rendered
            direct.append(time.perf_counter() - started)
        viewport = Region(0, 0, *log.size)
        for _ in range(PAGE_UPS):
            log.page_up()
            started = time.perf_counter()
            log.render_lines(viewport)  # the widget's share of a frame
            framed.append(time.perf_counter() - started)
        waited = []
        for _ in range(PAGE_UPS):
            started = time.perf_counter()
            log.page_up()
            await pilot.pause()  # includes waiting for the next frame
            waited.append(time.perf_counter() - started)
        figures["page_render_ms"] = statistics.mean(direct) * 1e3
        figures["page_frame_ms"] = statistics.mean(framed) * 1e3
        figures["page_pause_ms"] = statistics.mean(waited) * 1e3
        figures["lines_below"] = log.lines_below

        # Re-wrap: a fresh index of all messages (measure once, then rows
        # per width), and the whole resize through Textual, anchored on the
        # top message.
        started = time.perf_counter()
        index = RowIndex(shown)
        figures["measure_ms"] = (time.perf_counter() - started) * 1e3
        for label, width in (("79", 79), ("119", 119), ("79_kept", 79)):
            started = time.perf_counter()
            index.set_width(width)
            figures[f"rebuild_{label}_ms"] = (time.perf_counter() - started) * 1e3
        del index
        top = log.top_line_index
        for label, size in (("narrow", (80, 40)), ("back", (120, 40))):
            started = time.perf_counter()
            await pilot.resize_terminal(*size)
            await wait_for(lambda: log.wrap_width == size[0] - 1)  # noqa: B023 (polled in this iteration)
            await pilot.pause()
            figures[f"resize_{label}_ms"] = (time.perf_counter() - started) * 1e3
        figures["anchor_kept"] = float(log.top_line_index == top)

        other = make_lines(100, seed=9)
        log.set_lines(other)
        await pilot.pause()
        started = time.perf_counter()
        log.set_lines(shown)
        figures["set_lines_ms"] = (time.perf_counter() - started) * 1e3
        await pilot.pause()
        assert log.is_at_bottom
    return figures


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    f = asyncio.run(run(count))
    print(f"MessageLog benchmark, {count} messages, 120x40 headless")
    print(f"  make Line objects (core model):    {f['make_us']:7.1f} us/msg")
    print(f"  append, batches of {BATCH}, + frames:  {f['append_us']:7.1f} us/msg (wall, end to end)")
    print(f"    of which notify_appended():      {f['notify_us']:7.1f} us/msg")
    print(f"  notify_appended() per message:     {f['single_notify_us']:7.1f} us/call, same loop turn")
    print(f"                                     {f['single_turn_us']:7.1f} us/call, one loop turn each")
    print(f"  RSS start / app up:                {f['rss_start']:7.1f} / {f['rss_app']:.1f} MiB")
    print(f"  RSS after making lines:            {f['rss_lines']:7.1f} MiB"
          f"  (+{f['rss_lines'] - f['rss_app']:.1f} MiB Line objects)")
    print(f"  RSS after appending:               {f['rss_end']:7.1f} MiB"
          f"  (+{f['rss_end'] - f['rss_lines']:.1f} MiB widget)")
    print(f"  page_up, render viewport (cold):   {f['page_render_ms']:7.2f} ms")
    print(f"  page_up, widget.render_lines:      {f['page_frame_ms']:7.2f} ms (cold, with Textual's styling)")
    print(f"  page_up + await pilot.pause():     {f['page_pause_ms']:7.2f} ms (mostly waiting for a frame)")
    print(f"  index all messages (measure):      {f['measure_ms']:7.1f} ms")
    print(f"  re-wrap rows at 79 / 119 cells:    {f['rebuild_79_ms']:7.1f} / {f['rebuild_119_ms']:.1f} ms"
          f"  (79 again, kept: {f['rebuild_79_kept_ms']:.2f} ms)")
    print(f"  resize 120->80 cols incl. frame:   {f['resize_narrow_ms']:7.1f} ms")
    print(f"  resize back 80->120 (kept widths): {f['resize_back_ms']:7.1f} ms"
          f"  (top message kept: {bool(f['anchor_kept'])})")
    print(f"  set_lines back to the big window:  {f['set_lines_ms']:7.1f} ms")

if __name__ == "__main__":
    main()
