"""When the program in the pane writes: the bench reads the screen then.

The bench's waits for text on screen used to read the screen (a
``capture-pane`` through the control client) every 1–5 ms whatever the
program did: ~200 reads a second while it waited for a flood's last line,
~1,000 while it timed a key's echo — tmux's work, and the bench's, on a
2-core machine where Prosody needs a core of its own to deliver the flood
or the storm being timed (W2, W6).  The floor, timed inside its own process,
costs the machine nothing of the kind.

Here tmux copies what the program writes to its pane into a FIFO
(``pipe-pane -O``); a thread drains it and counts the writes.  A wait reads
the screen once at once and then each time the count moved — the screen
can only change when the program wrote — and at least every ``FALLBACK``
seconds (a screen that changes with no write to wait for, if tmux ever
stopped copying).  No change is missed: the count is read before the screen
is, so a write while the screen is being read brings another read.  tmux
parses a write into its screen before it copies it out (one callback of
its loop), and answers a ``capture-pane`` after that, so the read that
follows a write shows it.
"""

from __future__ import annotations

import os
import select
import shlex
import threading
import time
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from tests.harness.tmux import SESSION, TmuxDriver

FALLBACK = 0.05  # seconds between two reads of a screen whose program wrote nothing
CHUNK = 1 << 16


class PaneOutput:
    """Counts the writes of the program in ``driver``'s pane (see the module's docstring)."""

    def __init__(self, driver: TmuxDriver, directory: Path) -> None:
        self.path = directory / f"pane-output-{os.getpid()}-{id(self):x}.fifo"
        os.mkfifo(self.path, 0o600)
        # read and write: the FIFO never reads as ended while cat is not (yet) there
        self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        self._wake_r, self._wake_w = os.pipe()
        self._changed = threading.Condition()
        self.writes = 0  # reads that found the program's output (several writes may make one)
        self._closed = False
        self._thread = threading.Thread(target=self._drain, name="pane-output", daemon=True)
        self._thread.start()
        try:
            driver.tmux("pipe-pane", "-O", "-t", SESSION, f"exec cat > {shlex.quote(str(self.path))}")
        except BaseException:
            self.close()
            raise

    def _drain(self) -> None:
        while True:
            ready, _, _ = select.select([self._fd, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            got = False
            while True:
                try:
                    chunk = os.read(self._fd, CHUNK)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                got = True
            if got:
                with self._changed:
                    self.writes += 1
                    self._changed.notify_all()

    def turns(self, deadline: float, fallback: float = FALLBACK) -> Iterator[float]:
        """Moments to read the screen at, until ``deadline`` (monotonic):
        now, then each time the program wrote since the last one (at least
        every ``fallback`` s).  Each is the time read just before it is yielded."""
        while True:
            with self._changed:
                before = self.writes
            now = time.monotonic()
            yield now
            if now > deadline:
                return
            with self._changed:
                if self._closed:
                    raise RuntimeError("the pane's output is no longer watched")
                self._changed.wait_for(partial(self._moved, before),
                                       max(0.0, min(fallback, deadline - time.monotonic())))

    def _moved(self, before: int) -> bool:
        return self.writes != before or self._closed

    def first_seen(self, shows: Callable[[], bool], deadline: float) -> float | None:
        """The moment (monotonic) of the first of these readings (``turns``)
        for which ``shows()`` — which reads the screen — holds; None when
        none did by ``deadline``."""
        for now in self.turns(deadline):
            if shows():
                return now
        return None

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if self._thread.is_alive():
            os.write(self._wake_w, b"x")
            self._thread.join(5)
        for fd in (self._fd, self._wake_r, self._wake_w):
            os.close(fd)
        self.path.unlink(missing_ok=True)
