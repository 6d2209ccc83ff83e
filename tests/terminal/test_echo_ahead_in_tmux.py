"""Typing shows while the event loop is busy (screens/echo_ahead.py), in a
real terminal (tmux): the loop is stalled for seconds (tests/harness/stall:
its thread asleep, Textual's input and writer threads running).  Typed
characters (and Backspace) show on the input row while it is stalled; once it is back the
line holds each of them once, edits made meanwhile land where they were
made, and what is sent is what was typed.  Nothing typed shows on another
screen than the main one's line."""

from __future__ import annotations

import asyncio
import time

from tests.harness.stall import Stall
from tests.harness.terminal import NewBlogDraft, in_bob_window, input_row
from tests.harness.wait import until

KEY_GAP = 0.04


def input_text(tmux) -> str:
    """What the input line shows, the prompt and the trailing blanks left out."""
    return input_row(tmux).rstrip()


async def typed_while_stalled(tmux, stall: Stall, typed: str) -> list[str]:
    """Type ``typed`` while the loop is stalled; every screen seen from
    then until the stall is over (the loop has run nothing meanwhile)."""
    await asyncio.to_thread(tmux.type_at_pace, typed, KEY_GAP)
    screens: list[str] = []
    deadline = time.monotonic() + 15
    while not stall.over:
        assert time.monotonic() < deadline, "the stall never ended"
        screens.append(tmux.capture())
        await asyncio.sleep(0.02)
    return screens


async def test_typing_shows_while_the_loop_is_stalled_and_is_sent_once_as_typed(
        prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    stall = Stall(tmp_path)
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob, extra_env=stall.env)
    await asyncio.to_thread(tmux.type_at_pace, "hello", KEY_GAP)
    await until(lambda: input_text(tmux) == "hello", timeout=5, message=lambda: tmux.capture())

    await stall.begin(tmux)
    await asyncio.to_thread(tmux.type_at_pace, " therr", KEY_GAP)
    tmux.send_keys("BSpace")  # a typo taken back is echoed too
    await asyncio.to_thread(tmux.type_at_pace, "e", KEY_GAP)
    await until(lambda: input_text(tmux) == "hello there", timeout=3, message=lambda: tmux.capture())
    assert not stall.over, "shown only once the loop was back"  # (the code before: not before then)
    await stall.end()
    tmux.send_keys("Enter")
    await until(lambda: bob.bodies() == ["hello there"], timeout=10,
                message=lambda: f"bob got {bob.bodies()!r}; screen:\n{tmux.capture()}")
    assert input_text(tmux) == ""

    # an edit while stalled: the keys after it wait for the loop, and land where they were typed
    await stall.begin(tmux)
    await asyncio.to_thread(tmux.type_at_pace, "ab", KEY_GAP)
    tmux.send_keys("Left")
    await asyncio.to_thread(tmux.type_at_pace, "cd", KEY_GAP)
    await until(lambda: input_text(tmux) == "ab", timeout=3, message=lambda: tmux.capture())
    await stall.end()
    await until(lambda: input_text(tmux) == "acdb", timeout=5, message=lambda: tmux.capture())
    tmux.send_keys("Enter")
    await until(lambda: bob.bodies() == ["hello there", "acdb"], timeout=10,
                message=lambda: f"bob got {bob.bodies()!r}; screen:\n{tmux.capture()}")


async def test_nothing_typed_is_echoed_on_another_screen(prosody, make_account, tmux, tmp_path):
    """The blog composer here stands for any screen over the main one (the
    passphrase prompt is one): what is typed into it while the loop is
    stalled shows only once the loop has put it in its field."""
    jid, password = make_account("alice")
    stall = Stall(tmp_path)
    draft = await NewBlogDraft.open(tmux, tmp_path, prosody, jid, password, extra_env=stall.env)
    await stall.begin(tmux)
    typed = "not for the line"
    screens = await typed_while_stalled(tmux, stall, typed)
    assert screens and not any(typed in screen for screen in screens)  # (before the loop's check: shown)
    await until(lambda: draft.kept().get("title") == typed, timeout=10, message=lambda: f"{draft.kept()}")


async def test_nothing_is_echoed_after_a_resize_the_stalled_loop_has_not_seen(
        prosody, make_account, make_peer, tmux, tmp_path):
    """The input row moves with the terminal's height: keys typed after a
    resize, before the loop has laid the screen out again, wait for it."""
    jid, password = make_account("alice")
    bob = await make_peer()
    stall = Stall(tmp_path)
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob, extra_env=stall.env)
    await asyncio.to_thread(tmux.type_at_pace, "ok ", KEY_GAP)  # the line drawn after the window's switch
    await until(lambda: input_text(tmux) == "ok", timeout=5, message=lambda: tmux.capture())
    await stall.begin(tmux)
    tmux.resize(100, 30)
    typed = "resized"
    screens = await typed_while_stalled(tmux, stall, typed)
    assert screens and not any(typed in screen for screen in screens)  # (without the size check: shown)
    await until(lambda: input_text(tmux) == "ok " + typed, timeout=10, message=lambda: tmux.capture())
    assert len(tmux.capture().splitlines()) == 30
