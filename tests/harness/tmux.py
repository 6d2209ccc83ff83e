"""Drive a program in a real terminal: a private tmux server per test.

Each driver has its own socket (`tmux -L <unique>`) and no user config
(`-f /dev/null`), so tests neither see nor disturb anyone's tmux. Panes stay
after their program exits (`remain-on-exit on`) so the exit status and the
terminal modes the program left behind can still be read.

tmux 3.3a facts this relies on: when a pane dies its screen is scrolled
into history and "Pane is dead" is written on the last line, so read a dead
pane with `capture(history=True)`; there is no format for the bracketed-
paste mode, so `bracketed_paste_left_on()` probes it by pasting.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Sequence

from tests.harness.wait import wait_until

SESSION = "main"
TYPING_GAP = 0.03  # s: a person's pace between text and an Enter (here) or any two writes (bench/e2e/tmuxctl.py)


def keep_typing_gap(since: float) -> None:
    """Wait until TYPING_GAP has passed since ``since`` (monotonic)."""
    rest = TYPING_GAP - (time.monotonic() - since)
    if rest > 0:
        time.sleep(rest)
EXIT_MARKER = "[parlons-test: program exited with status "

# Pane format variables tmux 3.3a offers for the terminal modes a program can
# leave behind (see FORMATS in tmux(1)). Bracketed paste is not among them.
MODE_FLAGS = (
    "alternate_on",
    "mouse_any_flag",
    "mouse_all_flag",
    "mouse_button_flag",
    "mouse_standard_flag",
    "mouse_sgr_flag",
    "mouse_utf8_flag",
    "cursor_flag",
    "keypad_flag",
    "keypad_cursor_flag",
    "insert_flag",
    "origin_flag",
)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


class TmuxError(RuntimeError):
    pass


class TmuxDriver:
    def __init__(self, name: str | None = None) -> None:
        self.name = name or f"parlons-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.socket_path: Path | None = None
        self.server_pid: int | None = None
        self.probe_after_exit = False
        self._tmp = Path(tempfile.mkdtemp(prefix="parlons-tmux-"))
        self._typed_at = float("-inf")  # when text was last written (send_keys' Enter waits)

    # -- plumbing ------------------------------------------------------------

    def tmux(self, *args: str, check: bool = True) -> str:
        # A test run from inside tmux must not talk to the user's server.
        env = {key: value for key, value in os.environ.items() if key not in ("TMUX", "TMUX_PANE")}
        result = subprocess.run(
            ["tmux", "-L", self.name, "-f", "/dev/null", *args],
            capture_output=True, text=True, env=env, timeout=10,
        )
        if check and result.returncode != 0:
            raise TmuxError(f"tmux {args[0]} failed: {result.stderr.strip()}")
        return result.stdout

    def _format(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", SESSION, fmt).rstrip("\n")

    # -- starting ------------------------------------------------------------

    def start(
        self,
        command: Sequence[str] | str,
        env: dict[str, str] | None = None,
        width: int = 160,
        height: int = 45,
        probe_after_exit: bool = False,
    ) -> "TmuxDriver":
        """Run `command` in a fresh detached session of width x height.

        `env` is added to this process's environment. With
        `probe_after_exit`, `cat -v` takes over the same terminal when the
        program ends (after a line with its exit status), so
        `bracketed_paste_left_on()` can test what the program left behind;
        the pane then stays alive and `exited_status()` replaces `exit_status()`.
        """
        shell_command = command if isinstance(command, str) else shlex.join(command)
        if probe_after_exit:
            shell_command = f'{shell_command}; printf "\\n{EXIT_MARKER}%d]\\n" $?; exec cat -v'
        self.probe_after_exit = probe_after_exit
        env_args: list[str] = []
        for key, value in (env or {}).items():
            env_args += ["-e", f"{key}={value}"]
        # Options set in the same invocation, before the session exists, so a
        # program that exits at once still leaves its pane to inspect.
        self.tmux(
            "start-server", ";",
            "set-option", "-g", "remain-on-exit", "on", ";",
            "set-option", "-g", "default-terminal", "tmux-256color", ";",
            "set-option", "-g", "history-limit", "5000", ";",
            "new-session", "-d", "-s", SESSION, "-x", str(width), "-y", str(height),
            *env_args, shell_command,
        )
        socket_path, server_pid = self._format("#{socket_path}|#{pid}").split("|")
        self.socket_path, self.server_pid = Path(socket_path), int(server_pid)
        return self

    # -- input ---------------------------------------------------------------

    def send_keys(self, *keys: str) -> None:
        """tmux key names: "Enter", "Escape", "C-c", "M-2", "Up", "F1", ...
        An Enter alone is pressed at least TYPING_GAP after the last text
        written, as a person would: one right behind the text is inside the
        burst a paste detector treats as a paste, and Parlons echoes a key in
        less than its burst window (5 ms) — seeing the text is not enough."""
        if keys == ("Enter",):
            keep_typing_gap(self._typed_at)
        self.tmux("send-keys", "-t", SESSION, *keys)

    def send_text(self, text: str) -> None:
        """Type `text` literally (each character as a key press, no names)."""
        self.tmux("send-keys", "-t", SESSION, "-l", "--", text)
        self._typed_at = time.monotonic()

    def type_line(self, text: str, timeout: float = 10.0) -> None:
        """Type ``text``, wait until the screen shows it, then press Enter
        (a person's pace after the text: ``send_keys``)."""
        self.send_text(text)
        self.wait_for_text(text[-30:], timeout=timeout)
        self.send_keys("Enter")

    def type_at_pace(self, text: str, key_gap: float = 0.012) -> None:
        """Type ``text`` like a person: one tmux command per key, ``key_gap``
        seconds apart (blocking: call it from a thread in an async test)."""
        for character in text:
            self.send_text(character)
            time.sleep(key_gap)

    def send_in_one_write(self, text: str) -> None:
        """``text`` in ONE tmux command, so that its keys reach the program
        in one terminal write (keys bunched by a laggy SSH link); "\\r" in
        it is Enter."""
        self.tmux("send-keys", "-t", SESSION, "-l", "--", text)
        self._typed_at = time.monotonic()

    def paste(self, text: str, bracketed: bool = True) -> None:
        """Paste like a terminal does: LF becomes CR. `bracketed=True` wraps
        it in ESC[200~ … ESC[201~ *if the program enabled that mode*;
        `bracketed=False` sends a raw burst, as terminals without the mode do."""
        buffer_file = self._tmp / f"paste-{uuid.uuid4().hex[:8]}"
        buffer_file.write_text(text, encoding="utf-8")
        buffer_name = buffer_file.name
        self.tmux("load-buffer", "-b", buffer_name, str(buffer_file))
        flags = ["-p"] if bracketed else []
        self.tmux("paste-buffer", "-d", "-b", buffer_name, *flags, "-t", SESSION)
        buffer_file.unlink()

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", SESSION, "-x", str(width), "-y", str(height))

    # -- output --------------------------------------------------------------

    def capture(self, history: bool = False, escapes: bool = False) -> str:
        """The screen as text. `history=True` includes scrollback (needed
        for a dead pane); `escapes=True` keeps colour/attribute sequences."""
        args = ["capture-pane", "-p", "-t", SESSION]
        if history:
            args += ["-S", "-"]
        if escapes:
            args.append("-e")
        return self.tmux(*args)

    def wait_for_text(
        self, text_or_regex: str | re.Pattern[str], timeout: float = 10.0, history: bool = False
    ) -> str:
        """Wait until the screen shows `text_or_regex` (plain text is matched
        literally); return the screen. Fails with the screen in the message."""
        pattern = text_or_regex if isinstance(text_or_regex, re.Pattern) else re.compile(re.escape(text_or_regex))
        screens = [""]

        def shows() -> bool:
            screens[0] = self.capture(history=history)
            return pattern.search(screens[0]) is not None

        try:
            wait_until(shows, timeout=timeout, interval=0.02)
        except AssertionError:
            raise AssertionError(
                f"timed out after {timeout} s waiting for {pattern.pattern!r} on screen:\n{screens[0]}"
            ) from None
        return screens[0]

    # -- program state -------------------------------------------------------

    def pane_dead(self) -> bool:
        return self._format("#{pane_dead}") == "1"

    def _exit_state(self) -> tuple[bool, str, str]:
        dead, status, signal = self._format("#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}").split("|")
        return dead == "1", status, signal

    def exit_status(self) -> int | None:
        """Exit status of the program; None while it runs or if a signal killed it.

        tmux marks a pane dead when the pty closes, a moment before it has
        reaped the process: use wait_for_exit() to wait for the status too."""
        dead, status, _signal = self._exit_state()
        return int(status) if dead and status else None

    def wait_for_exit(self, timeout: float = 10.0) -> int | None:
        """Wait until the program ended and was reaped; return its exit status
        (None if a signal killed it)."""
        if self.probe_after_exit:
            self.wait_for_text(re.compile(re.escape(EXIT_MARKER) + r"\d+\]"), timeout=timeout, history=True)
            return self.exited_status()

        def reaped() -> bool:
            dead, status, signal = self._exit_state()
            if dead and not (status or signal):
                self._nudge_reaper()
            return dead and bool(status or signal)

        try:
            wait_until(reaped, timeout=timeout)
        except AssertionError:
            raise AssertionError(f"program still running after {timeout} s; screen:\n{self.capture()}") from None
        return self.exit_status()

    def _nudge_reaper(self) -> None:
        """tmux 3.3a sometimes misses the SIGCHLD of a pane's program (seen
        with `cat` ended by Ctrl+D: a zombie, pane dead, no status, for good).
        Another SIGCHLD makes the server reap it."""
        if self.server_pid:
            try:
                os.kill(self.server_pid, signal.SIGCHLD)
            except ProcessLookupError:
                pass

    def exited_status(self) -> int | None:
        """With probe_after_exit: the status printed when the program ended."""
        match = re.search(re.escape(EXIT_MARKER) + r"(\d+)\]", self.capture(history=True))
        return int(match.group(1)) if match else None

    def terminal_modes(self) -> dict[str, bool]:
        """Terminal modes currently set in the pane (see MODE_FLAGS); still
        readable after the program exited."""
        values = self._format("|".join(f"#{{{flag}}}" for flag in MODE_FLAGS)).split("|")
        return {flag: value == "1" for flag, value in zip(MODE_FLAGS, values)}

    def mouse_modes_on(self) -> list[str]:
        modes = self.terminal_modes()
        return [flag for flag in MODE_FLAGS if flag.startswith("mouse_") and modes[flag]]

    def bracketed_paste_left_on(self, timeout: float = 5.0) -> bool:
        """Whether the pane still has bracketed paste on after the program
        exited (requires `start(..., probe_after_exit=True)`): pastes a marker
        into the `cat -v` that took over and looks for the ESC[200~ prefix."""
        if not self.probe_after_exit:
            raise TmuxError("start the program with probe_after_exit=True to probe bracketed paste")
        self.wait_for_exit(timeout)
        marker = f"probe{uuid.uuid4().hex[:6]}"
        self.paste(marker + "\n", bracketed=True)
        screen = self.wait_for_text(marker, timeout=timeout, history=True)
        return f"^[[200~{marker}" in screen

    # -- teardown ------------------------------------------------------------

    def kill(self) -> None:
        """Kill the program, the private server, and remove its socket (tmux
        3.3a leaves it). The program is stopped first, so that no test leaves
        a process behind whatever it does when its terminal disappears."""
        self._stop_pane_programs()
        self.tmux("kill-server", check=False)
        socket_path = self.socket_path or (
            Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}" / self.name
        )
        try:
            socket_path.unlink()
        except FileNotFoundError:
            pass
        for leftover in self._tmp.glob("*"):
            leftover.unlink()
        try:
            self._tmp.rmdir()
        except OSError:
            pass

    def pane_pid(self) -> int:
        """The pid of the pane's first process (the shell running the command)."""
        return int(self._format("#{pane_pid}"))

    def pane_groups(self) -> list[int]:
        """The process groups of the panes' programs."""
        if self.socket_path is None:
            return []
        groups = []
        for pid in self.tmux("list-panes", "-a", "-F", "#{pane_pid}", check=False).split():
            try:
                groups.append(os.getpgid(int(pid)))
            except (ValueError, ProcessLookupError):
                continue
        return groups

    def hang_up(self) -> list[int]:
        """The terminal disappears under the program (an SSH drop, a closed
        window): the server is killed with the programs still running.
        Returns their process groups, for `groups_gone`."""
        groups = self.pane_groups()
        self.tmux("kill-server", check=False)
        return groups

    @staticmethod
    def groups_gone(groups: list[int]) -> bool:
        return not any(_group_alive(group) for group in groups)

    def _stop_pane_programs(self) -> None:
        groups = self.pane_groups()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            alive = []
            for group in groups:
                try:
                    os.killpg(group, sig)
                    alive.append(group)
                except (ProcessLookupError, PermissionError):
                    pass
            if not alive:
                return
            try:
                wait_until(lambda: not any(_group_alive(g) for g in alive), timeout=0.5)  # noqa: B023 (polled in this iteration)
                return
            except AssertionError:
                groups = alive

    def __enter__(self) -> "TmuxDriver":
        return self

    def __exit__(self, *exc_info) -> None:
        self.kill()
