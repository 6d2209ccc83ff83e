"""/edit and /copy in a real terminal (tmux): the TUI hands the terminal to
$EDITOR and takes it back; /copy reaches tmux's clipboard by OSC 52."""

from __future__ import annotations

from pathlib import Path

from tests.harness.terminal import input_row, screen_shows, start_parlons, title
from tests.harness.wait import until

# An "editor" that owns the terminal for a while: it shows a prompt, reads a
# line from the keyboard (only possible if Parlons stopped reading it), and
# writes known text into its file argument.
EDITOR_SCRIPT = """#!/bin/sh
printf 'FAKE EDITOR on %s, was: %s\\nanswer? ' "$(basename "$1" | cut -c1-13)" "$(cat "$1")"
read answer
printf 'edited by script: %s' "$answer" > "$1"
"""


def write_editor(tmp_path: Path) -> Path:
    path = tmp_path / "fake-editor.sh"
    path.write_text(EDITOR_SCRIPT)
    path.chmod(0o755)
    return path


async def enter_line(tmux, text: str) -> None:
    """Type ``text``, then Enter once it shows: an Enter right behind typed
    text would be part of the same burst of keys (a paste, not a command)."""
    tmux.send_text(text)
    await until(lambda: input_row(tmux).strip().endswith(text), timeout=5,
                message=lambda: tmux.capture())
    tmux.send_keys("Enter")


async def test_ctrl_x_ctrl_e_and_edit_hand_the_terminal_to_editor_and_take_the_text_back(
        prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    _start_with_editor(tmux, tmp_path, prosody, jid, password, write_editor(tmp_path))
    await screen_shows(tmux, f"{jid}: online")
    bob.send(jid, "hello alice")
    bob_name = bob.jid.split("@")[0]
    await screen_shows(tmux, f"2:{bob_name}")
    tmux.send_keys("M-2")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)

    tmux.send_text("my draft")
    await until(lambda: "my draft" in input_row(tmux), timeout=5)
    tmux.send_keys("C-x", "C-e")
    await screen_shows(tmux, "FAKE EDITOR on parlons-edit-, was: my draft")
    # the loop keeps running while the editor has the terminal: bob's message
    # arrives, but nothing is drawn over the editor
    bob.send(jid, "sent while you edit")
    tmux.type_line("yes")
    await until(lambda: "edited by script: yes" in input_row(tmux), timeout=10,
                message=lambda: tmux.capture())
    await screen_shows(tmux, "sent while you edit")
    assert "FAKE EDITOR" not in tmux.capture()  # the TUI is back on its own screen
    assert tmux.terminal_modes()["alternate_on"]
    assert bob.bodies() == []  # nothing was sent by the edit

    # /edit TEXT does the same from the command line; Enter then sends it
    tmux.send_keys("C-u")
    await enter_line(tmux, "/edit from the command")
    await until(lambda: "was: from the command" in tmux.capture(), timeout=10,
                message=lambda: tmux.capture(history=True))
    tmux.type_line("ok")
    await until(lambda: "edited by script: ok" in input_row(tmux), timeout=10)
    assert bob.bodies() == []
    tmux.send_keys("Enter")
    await until(lambda: bob.bodies(), timeout=5)
    assert bob.bodies() == ["edited by script: ok"]


def _start_with_editor(tmux, tmp_path, server, jid, password, editor: Path) -> None:
    start_parlons(tmux, tmp_path, server, jid, password,
                  extra_env={"EDITOR": str(editor), "VISUAL": ""})


async def test_copy_reaches_tmux_by_osc52(prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    _start_with_editor(tmux, tmp_path, prosody, jid, password, write_editor(tmp_path))
    # tmux 3.3a: with set-clipboard on, an application's OSC 52 becomes a paste buffer
    tmux.tmux("set-option", "-g", "set-clipboard", "on")
    await screen_shows(tmux, f"{jid}: online")
    bob.send(jid, "look at https://example.org/page (really)")
    bob.send(jid, "the last one")
    bob_name = bob.jid.split("@")[0]
    await screen_shows(tmux, f"2:{bob_name}")
    tmux.send_keys("M-2")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    await screen_shows(tmux, "the last one")

    await enter_line(tmux, "/copy")
    await screen_shows(tmux, "Copied 12 characters (OSC 52")
    await until(lambda: tmux.tmux("show-buffer", check=False) == "the last one", timeout=5)
    await enter_line(tmux, "/copy url")
    await screen_shows(tmux, "Copied the URL https://example.org/page (OSC 52")
    await until(lambda: tmux.tmux("show-buffer", check=False) == "https://example.org/page", timeout=5)
    await enter_line(tmux, "/copy 2")
    await until(lambda: tmux.tmux("show-buffer", check=False)
                == "look at https://example.org/page (really)", timeout=5)
