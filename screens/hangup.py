"""Leave cleanly when the terminal goes away: an SSH drop, a closed terminal
window, a killed tmux server — or a plain ``kill``.

Left to itself, Textual does not survive a hung-up terminal: its writer
thread dies of EIO on the next frame, the next 30 writes fill its queue and
the event loop blocks forever on the 31st (even ``App.exit`` writes), while
the input thread reads end-of-file in a loop. So:

- :class:`TerminalDriver` hands Textual's writer thread a
  :class:`GuardedOutput`: a failed write marks the terminal lost, tells the
  app, and every later write is dropped; the input thread is stopped.
- Its input thread (screens/terminal_input.py) waits on the terminal, which
  reads end of file or fails the moment it hangs up: it tells the app the
  same way, and stops.  That covers an idle app, which writes nothing, and
  a hang-up whose SIGHUP went only to a session leader that is not us.
- :class:`TerminalWatch` turns SIGHUP and SIGTERM into the same call (a SIGHUP
  ignored when we started, as under ``nohup``, stays ignored).

Whichever comes first, the app is told once and quits as ``/quit`` does
(unavailable presence, streams closed, the store flushed), with exit status
128 + signal.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import IO, Callable

from textual.drivers.linux_driver import LinuxDriver

from .terminal_input import ExitFlag, read_terminal
from .textual_private import (app_of, call_on_app_loop, guard_driver_output, replace_driver_exit_flag,
                              stop_driver_input, terminal_parser)

HANGUP_STATUS = 128 + signal.SIGHUP
TERMINATED_STATUS = 128 + signal.SIGTERM


class TerminalWatch:
    """Call ``on_gone(reason, status)`` once, when the terminal is gone
    (:meth:`lost`) or a SIGHUP/SIGTERM arrives. ``start()`` on the running
    loop; ``stop()`` undoes the signal handlers."""

    def __init__(self, on_gone: Callable[[str, int], None]) -> None:
        self.on_gone = on_gone
        self._fired = False
        self._signals: list[int] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        watched = [(signal.SIGTERM, "terminated", TERMINATED_STATUS)]
        if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
            watched.append((signal.SIGHUP, "terminal hung up", HANGUP_STATUS))
        for signum, reason, status in watched:
            try:
                self._loop.add_signal_handler(signum, self._fire, reason, status)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or no signals here
            self._signals.append(signum)

    @property
    def watched_signals(self) -> tuple[int, ...]:
        """The signals this watch handles now (an ignored SIGHUP is left alone)."""
        return tuple(self._signals)

    def lost(self) -> None:
        """The terminal is gone (a write failed, or its input ended)."""
        self._fire("terminal closed", HANGUP_STATUS)

    def stop(self) -> None:
        if self._loop is not None:
            for signum in self._signals:
                self._loop.remove_signal_handler(signum)
        self._signals = []

    def _fire(self, reason: str, status: int) -> None:
        if not self._fired:
            self._fired = True
            self.on_gone(reason, status)


class Frame(str):
    """A write the app queued for the terminal, with its number (the
    writer thread hands the same object to :class:`GuardedOutput`)."""

    number: int  # (a str subclass takes no __slots__)


class GuardedOutput:
    """The terminal as Textual's writer thread sees it: the first write or
    flush that fails calls ``on_lost`` (from that thread), and from then on
    everything is dropped.  ``written``: the number of the last
    :class:`Frame` written; ``write_now`` writes from another thread (the
    input thread's echo: screens/echo_ahead.py) in order with the frames."""

    def __init__(self, file: IO[str], on_lost: Callable[[], None]) -> None:
        self._file = file
        self._on_lost = on_lost
        self.lost = False
        self.written = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            if not self.lost:
                try:
                    self._file.write(text)
                except (OSError, ValueError):
                    self._lose()
            self.written = getattr(text, "number", self.written)

    def flush(self) -> None:
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self.lost:
            try:
                self._file.flush()
            except (OSError, ValueError):
                self._lose()

    def write_now(self, text: str, wait: float) -> bool:
        """Write and flush ``text`` after what the writer thread is writing;
        False if that takes longer than ``wait`` or the terminal is lost."""
        if not self._lock.acquire(timeout=wait):
            return False
        try:
            if self.lost:
                return False
            try:
                self._file.write(text)
            except (OSError, ValueError):
                self._lose()
                return False
            self._flush()
            return not self.lost
        finally:
            self._lock.release()

    def fileno(self) -> int:
        return self._file.fileno()

    def size(self) -> tuple[int, int]:
        """The terminal's size now (columns, rows); (0, 0) if unknown."""
        try:
            columns, rows = os.get_terminal_size(self.fileno())
        except (OSError, ValueError):
            return 0, 0
        return columns, rows

    def isatty(self) -> bool:
        return not self.lost

    def _lose(self) -> None:
        self.lost = True
        self._on_lost()


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver, minus the hang on a hung-up terminal, and
    with an input thread that sleeps until there is input
    (screens/terminal_input.py)."""

    def __init__(self, app, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self.output: GuardedOutput | None = None
        self.frames = 0  # writes queued (Frame numbers)
        guard_driver_output(self, self._guard)
        self._exit_flag = ExitFlag()
        replace_driver_exit_flag(self, self._exit_flag)

    def run_input_thread(self) -> None:
        read_terminal(self.fileno, self._exit_flag, terminal_parser(self), self.process_message,
                      self._input_ended)

    def _guard(self, file: IO[str]) -> GuardedOutput:
        self.output = GuardedOutput(file, self._output_lost)
        return self.output

    def write(self, data: str) -> None:
        self.frames += 1
        frame = Frame(data)
        frame.number = self.frames
        super().write(frame)

    def start_application_mode(self) -> None:
        super().start_application_mode()
        echo = getattr(app_of(self), "echo_ahead", None)
        if echo is not None:
            echo.output = self.output
            echo.forget()

    def stop_application_mode(self) -> None:
        echo = getattr(app_of(self), "echo_ahead", None)
        if echo is not None:
            echo.forget()
            echo.output = None
        super().stop_application_mode()

    def _output_lost(self) -> None:  # on the writer thread
        stop_driver_input(self)
        self._input_ended()

    def _input_ended(self) -> None:  # on the input or the writer thread
        terminal_lost = getattr(app_of(self), "terminal_lost", None)
        if terminal_lost is not None:
            call_on_app_loop(self, terminal_lost)
