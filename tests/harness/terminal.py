"""Parlons in a tmux pane (see tests/harness/tmux.py): starting it with a
private config and XDG dirs, and reading its screen."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from tests.harness.app import account_config
from tests.harness.wait import until
from tui.config import write_config

ROOT = Path(__file__).resolve().parents[2]


def start_parlons(tmux, tmp_path: Path, server, jid: str, password: str, *, probe_after_exit=False,
                  debug=False, extra_env: dict[str, str] | None = None, shell_prefix: str = "",
                  account: dict | None = None):
    """Parlons in the tmux pane; ``shell_prefix`` goes before the command
    in the pane's shell (e.g. ``trap '' HUP;``); ``account`` overrides
    account settings (e.g. host/port of a proxy in front of the server)."""
    config_path = tmp_path / "config" / "parlons" / "config.toml"
    write_config(config_path, account_config(server, jid, password, **(account or {})))
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
