"""/edit, Ctrl+X Ctrl+E, /copy and pastes into non-text widgets, in the real
app (Pilot) against the real Prosody and real peers.

A headless app has no terminal to suspend, so the Pilot tests run the editor
with ``editor.run_plain`` (a real subprocess, no suspend); the real suspended
run is tests/terminal/test_edit_in_tmux.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from screens import editor
from screens import textual_private
from tests.harness.app import running_app, status_text, window_text
from tests.harness.room_windows import ROOM, fill, open_room
from tests.harness.wait import until
from tui.commands.compose import last_url, nth_message, urls_in
from tui.commands.registry import CommandError
from tui.core.model import Line, LineKind
from tui.core.room import Room


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


async def enter(app, pilot, text: str) -> None:
    app.main.input_line.focus()
    app.main.input_line.value = text
    await pilot.press("enter")


async def chat_with(app, pilot, jid: str, peer) -> object:
    peer.send(jid, "hi alice")
    window = await until(lambda: app.client.windows.find(jid, peer.jid), timeout=5)
    app.client.windows.switch(window.number)
    await until(lambda: app.client.windows.active is window, timeout=2)
    return window


# -- the logic, without an app --------------------------------------------------------
def test_urls_are_found_and_sentence_punctuation_is_left_out() -> None:
    text = ("see https://example.org/a?b=1, then (https://en.wikipedia.org/wiki/X_(y)). "
            "or xmpp:room@conference.example.org?join! not https:// nor <http://x.org/q>")
    assert urls_in(text) == ["https://example.org/a?b=1", "https://en.wikipedia.org/wiki/X_(y)",
                             "xmpp:room@conference.example.org?join", "http://x.org/q"]
    assert urls_in("nothing here, http:/ broken") == []


def test_nth_message_and_last_url_skip_command_output() -> None:
    lines = [Line("one https://a.example/1", LineKind.INCOMING), Line("two", LineKind.OUTGOING),
             Line("info https://b.example/", LineKind.INFO), Line("three", LineKind.INCOMING),
             Line("oops", LineKind.ERROR)]
    assert nth_message(lines, 1) == "three"
    assert nth_message(lines, 3) == "one https://a.example/1"
    assert last_url(lines) == "https://a.example/1"
    with pytest.raises(CommandError, match="Only 3 message"):
        nth_message(lines, 4)
    with pytest.raises(CommandError, match="counts from 1"):
        nth_message(lines, 0)
    with pytest.raises(CommandError, match="No URL"):
        last_url(lines[1:])


def test_editor_choice_visual_then_editor_then_a_fallback(tmp_path: Path) -> None:
    assert editor.editor_argv({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor.editor_argv({"EDITOR": "'my editor' -n"}) == ["my editor", "-n"]
    script(tmp_path, "nano", "exit 0")
    assert editor.editor_argv({"EDITOR": "  ", "PATH": str(tmp_path)}) == ["nano"]
    with pytest.raises(editor.EditorError, match="set \\$VISUAL or \\$EDITOR"):
        editor.editor_argv({"PATH": str(tmp_path / "empty")})
    with pytest.raises(editor.EditorError, match="cannot be parsed"):
        editor.editor_argv({"EDITOR": "vi 'unclosed"})
    assert editor.strip_final_newline("a\n\n") == "a\n"
    assert editor.strip_final_newline("a\r\n") == "a"
    assert editor.strip_final_newline("a") == "a"


# -- /edit and Ctrl+X Ctrl+E ----------------------------------------------------------
async def test_edit_puts_the_editors_text_in_the_input_line_and_sends_nothing(
        alice, make_peer, tmp_path, monkeypatch):
    bob = await make_peer()
    seen = tmp_path / "seen"
    # The script sees the draft, records the file's mode and name, appends.
    monkeypatch.setenv("EDITOR", str(script(tmp_path, "ed.sh", (
        f'stat -c "%a %n" "$1" > {seen}; cat "$1" >> {seen}\n'
        'printf "%s + edited\\nsecond line\\n" "$(cat "$1")" > "$1"'))))
    monkeypatch.delenv("VISUAL", raising=False)
    async with running_app(alice.config) as (app, pilot):
        app.editor_runner = editor.run_plain
        window = await chat_with(app, pilot, alice.jid, bob)
        await enter(app, pilot, "/edit a draft")
        line = app.main.input_line
        await until(lambda: line.value == "a draft + edited\nsecond line", timeout=5,
                    message=lambda: repr(line.value))
        mode, name = seen.read_text().splitlines()[0].split(" ", 1)
        assert mode == "600" and "parlons-edit-" in name
        assert seen.read_text().splitlines()[1] == "a draft"  # the editor got the text
        assert not Path(name).exists()  # the private file is gone
        assert not any(l.kind is LineKind.OUTGOING for l in window.lines)
        # nothing went out: the first (and only) message bob gets is sent by Enter
        await pilot.press("enter")
        await until(lambda: bob.bodies(), timeout=5)
        assert bob.bodies() == ["a draft + edited\nsecond line"]


async def test_ctrl_x_ctrl_e_edits_the_input_line_and_ctrl_x_ctrl_e_apart_do_not(
        alice, tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    upper = script(tmp_path, "up.sh", f'echo run >> {runs}; tr a-z A-Z < "$1" > "$1.x"; mv "$1.x" "$1"')
    monkeypatch.setenv("VISUAL", str(upper))
    async with running_app(alice.config) as (app, pilot):
        app.editor_runner = editor.run_plain
        line = app.main.input_line
        line.focus()
        line.value = "shout this"
        await pilot.press("ctrl+x", "ctrl+e")
        await until(lambda: line.value == "SHOUT THIS", timeout=5, message=lambda: repr(line.value))
        assert line.cursor_position == len("SHOUT THIS")
        # Ctrl+E alone is still End; Ctrl+X, a key, Ctrl+E is no chord
        line.value = "quiet"
        line.cursor_position = 0
        await pilot.press("ctrl+e")
        assert line.cursor_position == 5
        await pilot.press("ctrl+x", "home", "ctrl+e")
        assert line.value == "quiet" and line.cursor_position == 5
        await enter(app, pilot, "/clear")  # a round trip through the command queue
        assert runs.read_text().splitlines() == ["run"]
        # Ctrl+X still cuts a selection
        line.value = "cut me"
        line.select_all()
        await pilot.press("ctrl+x")
        await until(lambda: line.value == "" and app.clipboard == "cut me", timeout=2)


async def test_a_failing_or_missing_editor_is_one_line_and_the_text_stays(alice, tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    temp = tmp_path / "temp"  # the editor's files: counted here, not among other runs'
    temp.mkdir()
    monkeypatch.setattr(editor.tempfile, "tempdir", str(temp))
    async with running_app(alice.config) as (app, pilot):
        line = app.main.input_line
        # headless: no terminal to hand over
        line.value = "keep me"
        await pilot.press("ctrl+x", "ctrl+e")
        await until(lambda: "Cannot hand this terminal to an editor" in status_text(app), timeout=5)
        assert line.value == "keep me"
        app.editor_runner = editor.run_plain
        monkeypatch.setenv("EDITOR", str(script(tmp_path, "fail.sh", 'echo junk > "$1"; exit 3')))
        await pilot.press("ctrl+x", "ctrl+e")
        await until(lambda: "exited with status 3" in status_text(app), timeout=5)
        assert line.value == "keep me"
        monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor") + " --flag")
        await enter(app, pilot, "/edit")
        await until(lambda: "Editor not found: " in status_text(app), timeout=5)
        assert "Traceback" not in status_text(app) and app.is_running
        assert editor.tempfile.gettempdir() == str(temp)
        assert not list(temp.glob("parlons-edit-*"))


# -- /copy ---------------------------------------------------------------------------------
async def test_copy_last_nth_and_url_and_says_where(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        window = await chat_with(app, pilot, alice.jid, bob)
        bob.send(alice.jid, "the doc is at https://example.org/doc?page=2.")
        bob.send(alice.jid, "and the last one")
        await until(lambda: "and the last one" in window_text(window), timeout=5)
        await enter(app, pilot, "/copy")
        await until(lambda: app.clipboard == "and the last one", timeout=5)
        # headless: no terminal for OSC 52, and no display for pyperclip here
        await until(lambda: "Copied 16 characters (" in window_text(window), timeout=5)
        await enter(app, pilot, "/copy 2")
        await until(lambda: app.clipboard == "the doc is at https://example.org/doc?page=2.", timeout=5)
        await enter(app, pilot, "/copy url")
        await until(lambda: app.clipboard == "https://example.org/doc?page=2", timeout=5)
        await until(lambda: "Copied the URL https://example.org/doc?page=2 (" in window_text(window),
                    timeout=5)
        await enter(app, pilot, "/copy 9")
        await until(lambda: "Only 3 message(s) in this window" in window_text(window), timeout=5)
        await enter(app, pilot, "/copy bogus")
        await until(lambda: "Usage: /copy [N|url] (not understood: bogus)" in window_text(window),
                    timeout=5, message=lambda: window_text(window))
        assert app.clipboard == "https://example.org/doc?page=2"


async def test_copy_says_which_clipboards_it_reached(alice, monkeypatch):
    """The message names each way the text went out; pyperclip's backend is
    faked here (no display in the test machine), OSC 52 is claimed only with
    a real terminal."""
    import pyperclip

    from screens import clipboard

    monkeypatch.setattr(pyperclip, "copy", lambda text: None)
    async with running_app(alice.config) as (app, pilot):
        assert await app.copy_text("x") == "the system clipboard"
        monkeypatch.setattr(clipboard, "osc52_copy", lambda app, text: True)
        assert await app.copy_text("x") == "OSC 52, and the system clipboard"

        def no_backend(text):
            raise pyperclip.PyperclipException("no clipboard mechanism")

        monkeypatch.setattr(pyperclip, "copy", no_backend)
        assert await app.copy_text("x") == "OSC 52 only: no system clipboard here"


# -- pastes into widgets that take no text ----------------------------------------------------
async def test_a_paste_into_the_roster_or_the_nick_list_is_ignored(alice):
    async with running_app(alice.config) as (app, pilot):
        commands: list[str] = []
        original = app.client.handle_input

        async def recording(text, *args, **kwargs):
            commands.append(text)
            await original(text, *args, **kwargs)

        app.client.handle_input = recording
        await pilot.press("f3")
        pane = app.main.roster_pane
        await until(lambda: pane.display and pane.has_focus, timeout=5)
        windows_before = len(list(app.client.windows))
        paste = events.Paste("q/quit\r/msg x@y hi\r")
        app.post_message(paste)  # as the driver delivers a bracketed paste
        await pilot.pause()
        await until(lambda: textual_private.propagation_stopped(paste), timeout=2)  # the roster view took it
        assert pane.filter_text == "" and pane.has_focus
        assert app.main.input_line.value == ""
        await pilot.press("escape")
        await until(lambda: app.main.input_line.has_focus, timeout=2)

        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant"})
        open_room(app, alice.jid, room)
        nick_list = app.main.nick_list
        await until(lambda: nick_list.display, timeout=5)
        paste = events.Paste("/quit\r")
        nick_list.post_message(paste)
        await until(lambda: textual_private.propagation_stopped(paste), timeout=2)
        await enter(app, pilot, "/clear")  # the queue has run: had /quit run, it would be first
        await until(lambda: commands == ["/clear"], timeout=5, message=lambda: repr(commands))
        assert app.is_running and len(list(app.client.windows)) == windows_before + 1
        assert app.main.input_line.value == ""
