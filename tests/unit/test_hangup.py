"""The pieces that get Parlons out when its terminal goes away."""

from __future__ import annotations

import os
import signal

from tests.harness.wait import until
from screens.hangup import HANGUP_STATUS, TERMINATED_STATUS, GuardedOutput, TerminalWatch


class DeadTerminal:
    def __init__(self, fail_after: int) -> None:
        self.written: list[str] = []
        self.fail_after = fail_after

    def write(self, text: str) -> None:
        if len(self.written) >= self.fail_after:
            raise OSError(5, "Input/output error")
        self.written.append(text)

    def flush(self) -> None:
        if len(self.written) >= self.fail_after:
            raise OSError(5, "Input/output error")

    def fileno(self) -> int:
        return 2


def test_a_failed_write_reports_the_loss_once_and_drops_the_rest():
    losses = []
    terminal = DeadTerminal(fail_after=2)
    output = GuardedOutput(terminal, lambda: losses.append(1))
    for text in "abcde":
        output.write(text)
    output.flush()
    assert terminal.written == ["a", "b"]
    assert losses == [1] and output.lost and not output.isatty()


async def test_sigterm_is_reported_once_with_its_status():
    gone = []
    previous = signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    watch = TerminalWatch(lambda reason, status: gone.append((reason, status)))
    watch.start()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await until(lambda: gone, timeout=5)
        watch.lost()  # a write failing as we leave: already said
        assert gone == [("terminated", TERMINATED_STATUS)]
        assert signal.SIGHUP in watch.watched_signals
    finally:
        watch.stop()
        signal.signal(signal.SIGHUP, previous)


async def test_an_ignored_sighup_stays_ignored_and_a_lost_terminal_is_reported_once():
    gone = []
    previous = signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    watch = TerminalWatch(lambda reason, status: gone.append((reason, status)))
    watch.start()
    try:
        assert signal.SIGHUP not in watch.watched_signals
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        watch.lost()  # the driver: the terminal's input ended
        watch.lost()  # ... and a write failed
        assert gone == [("terminal closed", HANGUP_STATUS)]
    finally:
        watch.stop()
        signal.signal(signal.SIGHUP, previous)
