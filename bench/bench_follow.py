"""Benchmark: what one frame of a flood costs while the log follows it.

    python bench/bench_follow.py [--frames 120] [--per-frame 110] [--size 160x48] [--runs 1]

Runs the real ParlonsApp headless (``App.run_test``) with one account that
does not connect (no server needed) and a 1:1 window in view.  Lines are
added to the window ``--per-frame`` at a time, one batch every 100 ms (the
log followed a flood 10 times a second until the thirty-first session;
``FLOOD_SYNC_INTERVAL`` is 5 now, each follow bringing twice the rows), as a
5,000-message flood in 4.5 s brings them; every batch scrolls a whole
screenful of new rows into view.

Reported per step, in the main thread's CPU time (median and total over
the frames): the app's model→screen sync (``ParlonsApp._sync``), the log's
follow (``MessageLog._sync_view``: its rows rendered and filtered ahead),
the compositor's frame (``Screen._compositor_refresh``) and writing the
frame out (``ChopsUpdate.render_segments``, which the headless driver
skips: timed here on its own), and the main thread's CPU for the whole
run (the lines' own making included).  In an end-to-end flood the number
of frames grows with the flood's duration, not with its messages: on this
host a slow spell stretches W2 from 4.5 to 18 s and its frames from ~45 to
~190 (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App  # noqa: E402
from textual.screen import Screen  # noqa: E402

from screens.app import ParlonsApp  # noqa: E402
from screens.widgets.message_log import MessageLog  # noqa: E402
from tests.harness.wait import until  # noqa: E402
from tui.config import AccountConfig, Config  # noqa: E402
from tui.core.model import Line, LineKind  # noqa: E402
from tui.core.windows import WindowKind  # noqa: E402

ACCOUNT = "alice@example.org"
PEER = "bob@example.org"
WORDS = ("the quick brown fox jumps over lazy dog xmpp prosody room message "
         "hello again tomorrow maybe later sure thanks").split()

STEPS = ("app sync", "log follow", "compositor frame", "frame written out")


def timing(times: dict[str, list[float]], name: str, step: Callable[..., Any]) -> Callable[..., Any]:
    """``step`` timed in the calling thread's CPU time into ``times[name]``."""
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return step(*args, **kwargs)
        finally:
            times[name].append(time.thread_time() - start)
    return timed


# the steps timed where they are defined: (class, method) → its name in the report
STEPS_TIMED = {(ParlonsApp, "_sync"): "app sync", (MessageLog, "_sync_view"): "log follow",
               (Screen, "_compositor_refresh"): "compositor frame"}


def time_the_steps(times: dict[str, list[float]]) -> Callable[[], None]:
    """Wrap the steps on their classes; returns what puts them back."""
    originals = [(cls, name, cls.__dict__[name]) for cls, name in [*STEPS_TIMED, (App, "_display")]]
    for (cls, name), step in STEPS_TIMED.items():
        setattr(cls, name, timing(times, step, cls.__dict__[name]))
    display = App._display

    def _display(app: App, screen: Screen, renderable: Any) -> None:
        if renderable is not None and hasattr(renderable, "render_segments"):  # (headless: not written)
            timing(times, "frame written out", renderable.render_segments)(app.console)
        display(app, screen, renderable)

    App._display = _display  # type: ignore[method-assign,assignment]

    def restore() -> None:
        for cls, name, original in originals:
            setattr(cls, name, original)
    return restore


async def run(frames: int, per_frame: int, size: tuple[int, int]) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="parlons-bench-follow-"))
    config = Config([AccountConfig(jid=ACCOUNT, password="unused", autoconnect=False)])
    app = ParlonsApp(config, data_dir=data_dir)
    times: dict[str, list[float]] = {step: [] for step in STEPS}
    async with app.run_test(size=size) as pilot:
        await until(lambda: app.client.accounts.get(ACCOUNT) is not None and app.main is not None)
        windows = app.client.windows
        window = windows.open(PEER, WindowKind.CHAT, ACCOUNT, PEER, focus=True)
        await pilot.pause(0.3)
        words = random.Random(1)
        restore = time_the_steps(times)
        try:
            start_cpu, start = time.thread_time(), time.perf_counter()
            for _batch in range(frames):
                for n in range(per_frame):
                    body = " ".join(words.choice(WORDS) for _ in range(words.randint(3, 14)))
                    nick = f"user{n % 7}"
                    windows.add_line(window, Line(body, LineKind.INCOMING, nick=nick, colour_key=nick))
                await asyncio.sleep(0.1)
            cpu, wall = time.thread_time() - start_cpu, time.perf_counter() - start
            last = window.lines[-1].body
            await until(lambda: any(last in row for row in _log_rows(app)), timeout=5)
        finally:
            restore()
    return {"times": times, "cpu": cpu, "wall": wall}


def _log_rows(app: ParlonsApp) -> list[str]:
    log = app.main.log_view if app.main is not None else None
    return [] if log is None else [log.render_line(y).text for y in range(log.size.height)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--per-frame", type=int, default=110)
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    for number in range(args.runs):
        result = asyncio.run(run(args.frames, args.per_frame, (width, height)))
        print(f"run {number + 1}: {args.frames} batches of {args.per_frame} lines at {width}x{height}, "
              f"{result['wall']:.1f} s; main thread CPU {result['cpu']:.2f} s")
        for step in STEPS:
            values = result["times"][step]
            median = 1000 * statistics.median(values) if values else 0.0
            print(f"  {step:18s} {len(values):4d} times, median {median:.2f} ms, total {sum(values):.3f} s")


if __name__ == "__main__":
    main()
