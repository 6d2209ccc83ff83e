"""A tmux control-mode client (``tmux -C``) on a TmuxDriver's private server.

Every ``tmux capture-pane`` from a shell costs a process start (2–5 ms on
the project's machine, and CPU the measured program then lacks); a control
client is one process for the whole run, a command is one line written and a
block read back (≈0.2 ms), so the screen can be polled every few
milliseconds and a key's echo timed to about a millisecond.

Attached with ``no-output`` (tmux does not copy the pane's output to us)
and ``ignore-size`` (we do not shrink the window to a control client's
80x24).
"""

from __future__ import annotations

import os
import subprocess
import time

from tests.harness.tmux import SESSION, TmuxDriver, keep_typing_gap


# The bench types like a person: two writes to the pane at least TYPING_GAP
# apart (tests.harness.tmux.TYPING_GAP; the tests' harness keeps it before an Enter).
# Parlons' paste guard holds an Enter that comes within burst_ms (5 ms) of
# other keys, with what follows it, as a possible paste; once Parlons echoed
# in under 5 ms, a bench that pressed Enter as soon as it saw the text (W7,
# W8) was faster than any typist and its lines were judged as pastes.


class TmuxControl:
    def __init__(self, driver: TmuxDriver) -> None:
        self._written = float("-inf")  # when the last keys were written
        env = {key: value for key, value in os.environ.items() if key not in ("TMUX", "TMUX_PANE")}
        self.proc = subprocess.Popen(
            ["tmux", "-L", driver.name, "-f", "/dev/null", "-C",
             "attach-session", "-t", SESSION, "-f", "no-output,ignore-size"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1,
        )
        self._read_block()  # the attach command's own (empty) reply

    def _read_block(self) -> list[str]:
        assert self.proc.stdout is not None
        lines: list[str] = []
        inside = False
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("tmux control client ended")
            line = line.rstrip("\n")
            if not inside:
                if line.startswith("%begin "):
                    inside = True
                continue  # a notification (%window-add, %layout-change, ...)
            if line.startswith(("%end ", "%error ")):
                if line.startswith("%error "):
                    raise RuntimeError("tmux: " + "\n".join(lines))
                return lines
            lines.append(line)

    def command(self, command: str) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        return self._read_block()

    def capture(self, first: int | None = None, last: int | None = None) -> list[str]:
        """Rows of the visible screen (``first``..``last``, 0-based, inclusive)."""
        args = f"capture-pane -p -t {SESSION}"
        if first is not None:
            args += f" -S {first}"
        if last is not None:
            args += f" -E {last}"
        return self.command(args)

    def send_text(self, text: str) -> float:
        """Type ``text`` in one write to the pane; the time it was written
        (tmux writes it to the pty before answering)."""
        quoted = "'" + text.replace("'", "'\\''") + "'"
        self._typing_gap()
        before = time.monotonic()
        self.command(f"send-keys -t {SESSION} -l -- {quoted}")
        self._written = after = time.monotonic()
        return (before + after) / 2

    def send_keys(self, *keys: str) -> float:
        """Keys by name (Enter, C-u, PPage) in one write; the time it was written."""
        self._typing_gap()
        before = time.monotonic()
        self.command(f"send-keys -t {SESSION} " + " ".join(keys))
        self._written = after = time.monotonic()
        return (before + after) / 2

    def _typing_gap(self) -> None:
        keep_typing_gap(self._written)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(2)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
