"""The terminal's input thread, asleep until the terminal has something to say.

Textual's own (8.2.8, ``LinuxDriver.run_input_thread``) waits for the
terminal 0.1 s at a time, to look at its exit flag and to give a lone Escape
up as a key (its parser waits ``ESCAPE_DELAY`` for the rest of a sequence):
ten wake-ups a second for as long as Parlons runs.  Measured, Parlons idle in
a room under tmux: 10 of its 11.2 wake-ups a second and 1.6 of its 1.9 ms of
CPU a second — a laptop's battery pays for them, over SSH as well as locally.
Quitting (and suspending for $EDITOR) also waited up to 0.1 s for the thread.

:func:`read_terminal` waits on the terminal and on :class:`ExitFlag`'s pipe:
with no timeout unless the parser waits for the rest of an escape sequence
(then until it gives up on it); setting the flag writes to the pipe.  What it
reads goes through the same parser to the same ``process_message`` as
before.  Bytes that are not UTF-8 become U+FFFD (Textual's decoder raised,
and the app panicked).  A terminal that reads end of file or fails — hung
up: an SSH drop, a killed tmux — ends the thread and calls ``ended`` once:
a hang-up is seen the moment it happens, even by an idle app that writes
nothing and ignores SIGHUP.
"""

from __future__ import annotations

import codecs
import logging
import os
import selectors
import threading
import weakref
from collections.abc import Callable
from typing import Any

from .textual_private import event_clock, parser_deadline

log = logging.getLogger(__name__)

READ_SIZE = 4096


class ExitFlag(threading.Event):
    """The driver's exit flag (``LinuxDriver.exit_event``): setting it wakes
    the input thread at once, through a pipe it waits on beside the terminal."""

    def __init__(self) -> None:
        super().__init__()
        self._read_end, self._write_end = os.pipe()
        os.set_blocking(self._read_end, False)
        os.set_blocking(self._write_end, False)
        # the pipe lives as long as the flag: a driver's input thread stops
        # and starts again (Textual's suspend: $EDITOR), the flag stays
        self._closed = weakref.finalize(self, _close_both, self._read_end, self._write_end)

    def set(self) -> None:
        super().set()
        if not self._closed.alive:  # (its numbers may be other files' now)
            return
        try:
            os.write(self._write_end, b"\0")
        except OSError:  # full: the thread will wake all the same
            pass

    def fileno(self) -> int:
        return self._read_end

    def drain(self) -> None:
        """Forget the wake-ups written so far (the thread's next wait starts clean)."""
        try:
            while os.read(self._read_end, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        """Close the pipe now (tests; the flag is no use after this)."""
        self._closed()


def _close_both(read_end: int, write_end: int) -> None:
    os.close(read_end)
    os.close(write_end)


def _read(fd: int) -> bytes:
    """What the terminal has; b"" when it hung up (EIO) or ended."""
    try:
        return os.read(fd, READ_SIZE)
    except OSError as exc:
        log.info("the terminal's input failed: %s", exc)
        return b""


def read_terminal(fd: int, exit_flag: ExitFlag, parser: Any, deliver: Callable[[Any], None],
                  ended: Callable[[], None]) -> None:
    """Feed what the terminal ``fd`` sends through ``parser`` (Textual's
    ``XTermParser``) to ``deliver``, until ``exit_flag`` is set (then what the
    terminal had already sent is read without waiting, and the parser's
    pending sequence dropped, as Textual does), or the terminal ends
    (``ended()``, and no more reads)."""
    decode = codecs.getincrementaldecoder("utf-8")(errors="replace").decode
    exit_flag.drain()

    def feed(data: bytes) -> None:
        for message in parser.feed(decode(data)):
            deliver(message)

    with selectors.SelectSelector() as selector:  # (Textual's choice: kqueue cannot wait on a tty)
        selector.register(fd, selectors.EVENT_READ)
        selector.register(exit_flag.fileno(), selectors.EVENT_READ)
        try:
            while not exit_flag.is_set():
                deadline = parser_deadline(parser)
                timeout = None if deadline is None else max(0.0, deadline - event_clock())
                for key, _mask in selector.select(timeout):
                    if key.fd == exit_flag.fileno():
                        exit_flag.drain()
                        continue
                    data = _read(fd)
                    if not data:
                        ended()
                        return
                    feed(data)
                for message in parser.tick():
                    deliver(message)
            if any(key.fd == fd for key, _mask in selector.select(0)):
                data = _read(fd)
                if data:
                    feed(data)
        finally:
            try:
                for _message in parser.feed(""):
                    pass
            except Exception:  # (Textual: EOFError, ParseError) nothing more to give
                pass
