"""Parlons in a tmux pane (see tests/harness/tmux.py): starting it with a
private config and XDG dirs, and reading its screen."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from typing import Callable

from tests.harness.app import account_config
from tests.harness.wait import until
from tui.config import write_config

ROOT = Path(__file__).resolve().parents[2]


def start_parlons(tmux, tmp_path: Path, server, jid: str, password: str, *, probe_after_exit=False,
                  debug=False, extra_env: dict[str, str] | None = None, shell_prefix: str = "",
                  account: dict | None = None, size: tuple[int, int] = (120, 40)):
    """Parlons in the tmux pane; ``shell_prefix`` goes before the command
    in the pane's shell (e.g. ``trap '' HUP;``); ``account`` overrides
    account settings (e.g. host/port of a proxy in front of the server);
    ``size`` is the terminal's (columns, rows): bench/e2e uses 160x48."""
    config_path = tmp_path / "config" / "parlons" / "config.toml"
    write_config(config_path, account_config(server, jid, password, **(account or {})))
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
        "TERM": "tmux-256color",
        **(extra_env or {}),
    }
    command: list[str] | str = [sys.executable, "-m", "tui", "--config", str(config_path)] + (
        ["--debug"] if debug else [])
    if shell_prefix:
        command = f"{shell_prefix} {shlex.join(command)}"
    tmux.start(command, env=env,
               width=size[0], height=size[1], probe_after_exit=probe_after_exit)
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


async def in_bob_window(tmux, tmp_path, server, jid, password, bob, **start) -> str:
    """Parlons online with bob's window (2) open and active; its name."""
    bob_name = await online_with_bob_window(tmux, tmp_path, server, jid, password, bob, **start)
    tmux.send_keys("M-2")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    return bob_name


# The input line's prompt ("[bob] ", "[(status)] ", "[bob] correcting: ") before the text.
_PROMPT = re.compile(r"^ \[[^\]]*\](?: correcting:)?")


def without_prompt(row: str) -> str:
    """An input row's text, the prompt left out (a composer's later rows have none)."""
    return _PROMPT.sub("", row, count=1)


def input_row(tmux) -> str:
    """The bottom row of the screen: Parlons' input line (the composer's
    last line), without the prompt."""
    return without_prompt(tmux.capture().splitlines()[-1])


def prompt_row(tmux) -> str:
    """The bottom row as it is, prompt included."""
    return tmux.capture().splitlines()[-1]


def title(tmux) -> str:
    return tmux.capture().splitlines()[0]


def parlons_pid(tmux) -> int:
    """The pid of the Parlons process in the pane (the pane's shell or one
    of its descendants running ``-m tui``)."""
    return pane_process(tmux, lambda command: b"-m" in command and b"tui" in command, "Parlons")


def pane_process(tmux, matches: Callable[[list[bytes]], bool], name: str) -> int:
    """The pid of the process in the pane (its shell or a descendant) whose
    argv (``/proc/PID/cmdline``, split) ``matches``; LookupError if none."""
    root = tmux.pane_pid()
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if matches(command):
            return pid
        todo += children.get(pid, [])
    raise LookupError(f"no {name} process under pane pid {root}")


class NewBlogDraft:
    """The blog composer opened on a new entry in a Parlons under tmux, and
    the draft file it keeps (tui/store/drafts.py), read from outside."""

    def __init__(self, tmp_path: Path, jid: str) -> None:
        from tui.store.drafts import drafts_path

        self.path = drafts_path(tmp_path / "data" / "parlons", jid)

    def kept(self) -> dict:
        import json

        from tui.store.drafts import NEW_POST

        return json.loads(self.path.read_text()).get(NEW_POST, {}) if self.path.exists() else {}

    @classmethod
    async def open(cls, tmux, tmp_path: Path, server, jid: str, password: str, **start) -> NewBlogDraft:
        start_parlons(tmux, tmp_path, server, jid, password, **start)
        await screen_shows(tmux, f"{jid}: online")
        tmux.type_line("/blog post")
        await screen_shows(tmux, "New blog entry")
        return cls(tmp_path, jid)
