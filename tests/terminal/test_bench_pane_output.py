"""bench/e2e/pane_output.py against a small real program in tmux: the bench
reads the screen when the program writes, and misses no write."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from bench.e2e.pane_output import PaneOutput
from bench.e2e.tmuxctl import TmuxControl
from tests.harness.tmux import TmuxError

# Writes "written <monotonic>" (the clock every process here shares) after
# each line it reads, then waits for the next.
WRITER = r"""
import sys, time
print("ready", flush=True)
for line in sys.stdin:
    print("written", repr(time.monotonic()), line.strip(), flush=True)
"""


def _written_at(lines: list[str], word: str) -> float | None:
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "written" and parts[2] == word:
            return float(parts[1])
    return None


def test_each_write_is_read_at_once_with_no_reading_meanwhile(tmux, tmp_path):
    tmux.start([sys.executable, "-c", WRITER], width=80, height=12)
    ctl = TmuxControl(tmux)
    output = PaneOutput(tmux, tmp_path)
    try:
        assert output.first_seen(lambda: any("ready" in line for line in ctl.capture()),
                                 time.monotonic() + 10) is not None, "the program never wrote"
        # A fallback far longer than the test: only the program's writes
        # can bring a reading of the screen before the deadline.
        for word in ("one", "two", "three"):
            ctl.send_text(word)
            ctl.send_keys("Enter")
            reads, seen, written, writes = 0, None, None, output.writes
            for now in output.turns(time.monotonic() + 20, fallback=60):
                reads += 1
                written = _written_at(ctl.capture(), word)
                if written is not None:
                    seen = now
                    break
            assert seen is not None and written is not None, f"{word!r} never read on screen"
            assert seen - written < 5, (word, seen - written)  # woken by the write, not the 60 s fallback
            assert reads <= output.writes - writes + 1, reads  # the read at once, then one per write
        assert output.writes >= 3
    finally:
        ctl.close()
        output.close()
    assert not output.path.exists()


def test_a_screen_that_does_not_change_is_read_at_the_fallback_pace(tmux, tmp_path):
    tmux.start(["sleep", "60"], width=40, height=5)
    output = PaneOutput(tmux, tmp_path)
    try:
        started = time.monotonic()
        turns = list(output.turns(started + 0.5, fallback=0.1))
        elapsed = time.monotonic() - started
        assert 0.5 <= elapsed < 2.5
        assert 4 <= len(turns) <= 8, turns  # now, then every 0.1 s, and one past the deadline
        assert all(b > a for a, b in zip(turns, turns[1:]))
    finally:
        output.close()


def test_a_pane_that_cannot_be_watched_leaves_nothing_behind(tmux, tmp_path):
    """tmux refusing the pipe (no such session): the error, no FIFO, no thread."""
    before = {thread.name for thread in threading.enumerate()}
    with pytest.raises(TmuxError):
        PaneOutput(tmux, tmp_path)  # (the driver was never started: no session)
    assert not list(tmp_path.glob("*.fifo"))
    assert "pane-output" not in {thread.name for thread in threading.enumerate()} - before
