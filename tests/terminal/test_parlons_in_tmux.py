"""Parlons in a real terminal (tmux): keys as a terminal sends them, the
exit status, and what is left of the terminal afterwards."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from tests.harness.wait import until
from tui.config import write_config
from tests.harness.app import account_config

ROOT = Path(__file__).resolve().parents[2]


def start_parlons(tmux, tmp_path: Path, server, jid: str, password: str, *, probe_after_exit=False,
                  debug=False, extra_env: dict[str, str] | None = None, shell_prefix: str = ""):
    """Parlons in the tmux pane; ``shell_prefix`` goes before the command
    in the pane's shell (e.g. ``trap '' HUP;``)."""
    config_path = tmp_path / "config" / "parlons" / "config.toml"
    write_config(config_path, account_config(server, jid, password))
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PYTHONPATH": str(ROOT),
        "TERM": "tmux-256color",
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "tui", "--config", str(config_path)] + (["--debug"] if debug else [])
    if shell_prefix:
        command = f"{shell_prefix} {shlex.join(command)}"
    tmux.start(command, env=env,
               width=120, height=40, probe_after_exit=probe_after_exit)
    return config_path


async def screen_shows(tmux, text: str, timeout: float = 10.0) -> str:
    return await until(lambda: text in tmux.capture() and tmux.capture(), timeout=timeout,
                       message=f"{text!r} on screen")


async def online_with_bob_window(tmux, tmp_path, server, jid, password, bob, **start) -> str:
    """Parlons online; bob writes, which opens window 2; returns bob's window name."""
    start_parlons(tmux, tmp_path, server, jid, password, **start)
    await screen_shows(tmux, f"{jid}: online")
    bob.send(jid, "hi")
    bob_name = bob.jid.split("@")[0]
    await screen_shows(tmux, f"2:{bob_name}")
    return bob_name


def input_row(tmux) -> str:
    """The bottom row of the screen: Parlons' input line (the composer's last line)."""
    return tmux.capture().splitlines()[-1]


def title(tmux) -> str:
    return tmux.capture().splitlines()[0]


async def test_window_keys_help_unknown_command_and_quit(prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    start_parlons(tmux, tmp_path, prosody, jid, password, probe_after_exit=True, debug=True)
    await screen_shows(tmux, f"{jid}: online")

    bob.send(jid, "hello from bob")
    bob_name = bob.jid.split("@")[0]
    await screen_shows(tmux, f"2:{bob_name}")

    tmux.send_keys("M-2")  # legacy encoding: ESC 2
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    await screen_shows(tmux, "hello from bob")
    tmux.send_keys("M-1")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    tmux.send_keys("C-n")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("C-p")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    assert "palette" not in tmux.capture().lower()  # Ctrl+P did not open the command palette
    tmux.send_keys("M-Right")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("M-Left")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    bob.send(jid, "activity please")
    await until(lambda: "[Act: 2]" in tmux.capture(), timeout=5)
    tmux.send_keys("M-a")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("M-1")
    await until(lambda: "1:status" in title(tmux), timeout=5)

    tmux.type_line("/help")
    screen = await screen_shows(tmux, "Type /help COMMAND")
    # the list is longer than the screen (rooms, bookmarks...): its top is a page up
    tmux.send_keys("PPage")
    screen += await screen_shows(tmux, "/connect")
    tmux.send_keys("NPage")
    for name in ("/connect", "/disconnect", "/reconnect", "/quit", "/window", "/close", "/clear",
                 "/help", "/msg", "/query"):
        assert name in screen

    tmux.send_keys("M-2")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.type_line("/nosuch")
    await screen_shows(tmux, "Unknown command /nosuch (try /help)")
    tmux.type_line("//barrier")
    await until(lambda: bob.bodies(), timeout=5)
    assert bob.bodies() == ["/barrier"]

    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=15) == 0
    assert tmux.mouse_modes_on() == []
    assert not tmux.terminal_modes()["alternate_on"]
    assert not tmux.bracketed_paste_left_on()

    # --debug logs every stanza to the file (never the terminal), the SASL exchange redacted
    log_text = (tmp_path / "state" / "parlons" / "parlons.log").read_text()
    assert "<auth" in log_text and "/barrier" in log_text
    assert password not in log_text
    import base64
    sasl_plain = base64.b64encode(f"\0{jid.split('@')[0]}\0{password}".encode()).decode()
    assert sasl_plain not in log_text


async def test_alt_digit_in_the_kitty_encoding(prosody, make_account, make_peer, tmux, tmp_path):
    """Under the kitty keyboard protocol Alt+2 arrives as CSI 50;3u."""
    jid, password = make_account("alice")
    bob = await make_peer()
    bob_name = await online_with_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    tmux.send_keys("-l", "\x1b[50;3u")  # kitty: key '2' with the Alt modifier
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    tmux.send_keys("-l", "\x1b[49;3u")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=15) == 0

