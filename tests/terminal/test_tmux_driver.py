"""The tmux driver against small real programs (no Parlons involved)."""

from __future__ import annotations

import re
import sys

from tests.harness.tmux import TmuxDriver

# Shows every read() from the terminal as a Python bytes repr, one per line,
# after turning on bracketed paste and SGR mouse reporting. Ctrl+Q quits;
# with "leave-on" it "forgets" to turn the modes off, like a crashed app.
RAW_ECHO = r"""
import os, sys, termios, tty
fd = sys.stdin.fileno()
saved = termios.tcgetattr(fd)
tty.setraw(fd)
os.write(1, b"\x1b[?2004h\x1b[?1000h\x1b[?1006h" + b"ready\r\n")
try:
    while True:
        data = os.read(fd, 4096)
        os.write(1, repr(data).encode() + b"\r\n")
        if b"\x11" in data:
            break
finally:
    if sys.argv[1] != "leave-on":
        os.write(1, b"\x1b[?2004l\x1b[?1000l\x1b[?1006l")
    termios.tcsetattr(fd, termios.TCSADRAIN, saved)
"""


def raw_echo(mode: str = "clean") -> list[str]:
    return [sys.executable, "-c", RAW_ECHO, mode]


def test_typed_text_and_keys_reach_the_program(tmux):
    tmux.start(["cat"], width=80, height=10)

    tmux.type_line("héllo -n $HOME")
    screen = tmux.wait_for_text(re.compile(r"héllo -n \$HOME\n.*héllo -n \$HOME"))
    assert screen.count("héllo -n $HOME") == 2  # the terminal's echo, then cat's copy

    tmux.send_keys("C-d")
    assert tmux.wait_for_exit(timeout=5) == 0


def test_bracketed_paste_is_wrapped_and_raw_paste_is_a_burst(tmux):
    tmux.start(raw_echo())
    tmux.wait_for_text("ready")

    tmux.paste("line one\nline two", bracketed=True)
    tmux.wait_for_text(r"b'\x1b[200~line one\rline two\x1b[201~'")

    tmux.paste("three\nfour", bracketed=False)
    tmux.wait_for_text(r"b'three\rfour'")

    tmux.send_keys("M-2")
    tmux.wait_for_text(r"b'\x1b2'")


def test_modes_left_on_by_a_careless_program_are_detected(tmux):
    tmux.start(raw_echo("leave-on"), probe_after_exit=True)
    tmux.wait_for_text("ready")
    assert tmux.terminal_modes()["mouse_sgr_flag"]

    tmux.send_keys("C-q")

    assert tmux.wait_for_exit(timeout=5) == 0
    assert tmux.bracketed_paste_left_on()
    assert "mouse_standard_flag" in tmux.mouse_modes_on()


def test_a_tidy_program_leaves_no_modes_on(tmux):
    tmux.start(raw_echo("clean"), probe_after_exit=True)
    tmux.wait_for_text("ready")

    tmux.send_keys("C-q")

    assert tmux.wait_for_exit(timeout=5) == 0
    assert not tmux.bracketed_paste_left_on()
    assert tmux.mouse_modes_on() == []


def test_environment_exit_status_and_dead_pane(tmux):
    tmux.start("echo \"value=$PARLONS_PROBE\"; exit 3", env={"PARLONS_PROBE": "it works"}, width=60, height=5)

    assert tmux.wait_for_exit(timeout=5) == 3
    assert tmux.pane_dead()
    # tmux 3.3a scrolls a dead pane's screen into history.
    assert "value=it works" in tmux.capture(history=True)


def test_kill_removes_the_server_and_its_socket():
    driver = TmuxDriver()
    driver.start(["sleep", "30"])
    socket_path = driver.socket_path
    assert socket_path is not None and socket_path.exists()

    driver.kill()

    assert not socket_path.exists()
    assert driver.tmux("list-sessions", check=False) == ""
