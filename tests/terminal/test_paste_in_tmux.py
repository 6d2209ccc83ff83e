"""Pastes in a real terminal (tmux), with and without bracketed paste:
nothing is sent before the user confirms; passwords are refused."""

from __future__ import annotations

import asyncio
import time

from tests.harness.terminal import (in_bob_window, input_row, online_with_bob_window, screen_shows, title,
                                    without_prompt)
from tests.harness.wait import until


async def type_slowly(tmux, text: str) -> None:
    """One key per tmux command, like a person (tens of ms apart)."""
    for character in text:
        tmux.send_text(character)
        await asyncio.sleep(0.03)
    # a person's Enter comes after the last key too; and the screen must show
    # the line first, or a loaded machine reads the last keys as one chunk
    await until(lambda: text[-20:] in input_row(tmux), timeout=5)
    tmux.send_keys("Enter")


async def paste_and_answer(tmux, bob, sent: list[str], text: str, prompt: str, key: str,
                           *, bracketed: bool = True) -> str:
    """Paste ``text``: the prompt shows ``prompt`` and bob has received no
    more than ``sent``; answer with ``key`` and wait for the prompt to leave
    the screen (so the next one seen is new). Returns the prompt's screen."""
    tmux.paste(text, bracketed=bracketed)
    pasted = time.monotonic()
    screen = await screen_shows(tmux, prompt)
    assert bob.bodies() == sent
    # a person answers after seeing it: keys within the detector's quiet
    # window (50 ms) of the paste's last key are more of a raw paste read in
    # pieces (PasteConfirmScreen.collect), and the prompt can show sooner
    await asyncio.sleep(max(0.0, pasted + 0.08 - time.monotonic()))
    tmux.send_keys(key)
    await until(lambda: "Esc cancel" not in tmux.capture(), timeout=5)
    return screen


async def barrier(tmux, bob, text: str, expected: list[str]) -> None:
    """bob gets ``text`` last: whatever we sent before it has arrived."""
    await type_slowly(tmux, text)
    await until(lambda: bob.bodies()[-1:] == [text], timeout=5)
    assert bob.bodies() == expected + [text]


async def test_pastes_ask_first_and_passwords_are_refused(prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    bob_name = await online_with_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    tmux.send_keys("M-2")
    await until(lambda: f"2:{bob_name}" in title(tmux), timeout=5)
    sent: list[str] = []

    # a raw burst (no bracketed paste, and none seen yet: tmux 3.3a does not
    # answer DECRQM, so support is unknown): the prompt, nothing sent before it
    await paste_and_answer(tmux, bob, sent, "line1\nline2\n", "Paste 2 lines", "Enter", bracketed=False)
    await until(lambda: bob.bodies()[-1:] == ["line1\nline2"], timeout=5)
    sent.append("line1\nline2")

    # bracketed paste of 3 lines: the prompt; Esc sends nothing
    screen = await paste_and_answer(tmux, bob, sent, "l1\nl2\nl3\n", "Paste 3 lines", "Escape")
    assert f"to {bob.jid}?" in screen and "│ l1" in screen
    await screen_shows(tmux, "Paste cancelled.")
    await barrier(tmux, bob, "b1", sent)
    sent.append("b1")

    # Enter: exactly one message with the 3 lines
    await paste_and_answer(tmux, bob, sent, "l1\nl2\nl3\n", "Paste 3 lines", "Enter")
    await until(lambda: bob.bodies()[-1:] == ["l1\nl2\nl3"], timeout=5)
    sent.append("l1\nl2\nl3")

    # Ctrl+S: 3 messages in order
    await paste_and_answer(tmux, bob, sent, "m1\nm2\nm3", "Ctrl+S send as 3 messages", "C-s")
    await barrier(tmux, bob, "b2", sent + ["m1", "m2", "m3"])
    sent += ["m1", "m2", "m3", "b2"]

    # once the terminal has bracketed a paste, a burst is typing: each Enter sends
    tmux.paste("r1\nr2\n", bracketed=False)
    await until(lambda: bob.bodies()[len(sent):] == ["r1", "r2"], timeout=5)
    assert "Esc cancel" not in tmux.capture()
    sent += ["r1", "r2"]

    # typing at human speed sends at once
    await type_slowly(tmux, "hello")
    await until(lambda: bob.bodies()[-1:] == ["hello"], timeout=5)
    sent.append("hello")

    # alice's password: refused, not in the input line, not sent
    tmux.paste(password, bracketed=True)
    screen = await screen_shows(tmux, "That looks like your password — not pasted.")
    assert password not in screen
    await barrier(tmux, bob, "b3", sent)
    sent.append("b3")

    # Alt+Enter: a 2-line message, sent as one
    # (each key waits for the screen: keys sent together would arrive at
    # paste speed, and an Enter right behind "y" is a newline)
    tmux.send_text("x")
    await until(lambda: input_row(tmux).strip() == "x", timeout=5)
    tmux.send_keys("M-Enter")
    await until(lambda: [without_prompt(row).strip() for row in tmux.capture().splitlines()[-2:]] == ["x", ""],
                timeout=5)
    tmux.send_text("y")
    await until(lambda: input_row(tmux).strip() == "y", timeout=5)
    tmux.send_keys("Enter")
    await until(lambda: bob.bodies()[-1:] == ["x\ny"], timeout=5)
    assert bob.bodies() == sent + ["x\ny"]

    await type_slowly(tmux, "/quit")
    assert tmux.wait_for_exit(timeout=15) == 0


async def test_a_terminal_that_says_it_brackets_pastes_makes_bursts_typing(prosody, make_account, make_peer,
                                                                          tmux, tmp_path):
    """Parlons asks the terminal (DECRQM 2004) at start. tmux 3.3a does not
    answer, so the test answers for it, as xterm, VTE or kitty would: mode
    2004 set. From then on a burst of keys is typing — every Enter sends —
    before any paste was seen."""
    jid, password = make_account("alice")
    bob = await make_peer()
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    tmux.send_text("\x1b[?2004;1$y")  # the terminal's answer
    await barrier(tmux, bob, "b1", [])  # read after the answer
    tmux.paste("d1\nd2\n", bracketed=False)
    await until(lambda: bob.bodies() == ["b1", "d1", "d2"], timeout=5, message=lambda: f"{bob.bodies()!r}")
    assert "Esc cancel" not in tmux.capture() and input_row(tmux).strip() == ""


async def test_only_an_enter_is_held_without_bracketed_paste(prosody, make_account, make_peer, tmux, tmp_path):
    """tmux 3.3a does not answer DECRQM and no bracketed paste is seen here:
    bursts are judged by their keys' timing.  A word in one write is in the
    line with nothing else sent (shown as it came, not judged as a paste);
    a lone Enter sends it; an unbracketed paste with newlines still asks;
    the password pasted with its Enter is refused — that Enter sends
    nothing, neither the password nor the draft before it."""
    jid, password = make_account("alice")
    bob = await make_peer()
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob)

    tmux.send_in_one_write("quick word")
    await until(lambda: input_row(tmux).strip() == "quick word", timeout=5)
    tmux.send_keys("Enter")  # alone: typed a while after the word showed
    await until(lambda: bob.bodies() == ["quick word"], timeout=5)
    await until(lambda: input_row(tmux).strip() == "", timeout=5)

    # a paste with newlines, no brackets: the prompt, nothing sent before it
    # (long enough that no stall of a loaded machine passes it for typing:
    # tui.paste.LoopLag)
    await paste_and_answer(tmux, bob, ["quick word"], "the first pasted line\nthe second pasted line\n",
                           "Paste 2 lines", "Escape", bracketed=False)
    await screen_shows(tmux, "Paste cancelled.")

    # a draft, then alice's password and its Enter in one raw paste
    tmux.send_in_one_write("draft")
    await until(lambda: input_row(tmux).strip() == "draft", timeout=5)
    # a person's pause before pasting: the draft shows within a few ms, and a
    # paste less than the detector's quiet window (50 ms) after it is judged
    # with it as one resumed burst (a raw paste read in pieces) — another case,
    # tested in tests/ui/test_paste_arriving.py
    await asyncio.sleep(0.06)
    tmux.paste(password + "\n", bracketed=False)
    screen = await screen_shows(tmux, "That looks like your password — not pasted.")
    assert password not in screen
    assert input_row(tmux).strip() == "draft"
    tmux.send_keys("C-u")
    await until(lambda: input_row(tmux).strip() == "", timeout=5)
    await barrier(tmux, bob, "b1", ["quick word"])


async def test_a_raw_paste_arriving_in_flights_is_one_paste_in_a_real_terminal(prosody, make_account, make_peer,
                                                                             tmux, tmp_path):
    """A long unbracketed paste over a slow link comes in flights a round
    trip apart: a flight written after the prompt showed joins the paste
    (its Enters answer nothing, its text is kept); a key pressed alone then
    answers, and bob gets every line once, in order."""
    jid, password = make_account("alice")
    bob = await make_peer()
    await in_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    tmux.paste("flight one a\nflight one b\n", bracketed=False)
    await screen_shows(tmux, "Paste 2 lines")
    await asyncio.sleep(0.12)  # the next flight, a round trip later
    tmux.paste("flight two a\nflight two b\n", bracketed=False)
    await screen_shows(tmux, "Paste 4 lines")
    await asyncio.sleep(0.1)
    assert bob.bodies() == [] and "Paste 4 lines" in tmux.capture()
    tmux.send_keys("C-s")
    await until(lambda: bob.bodies() == ["flight one a", "flight one b", "flight two a", "flight two b"],
                timeout=5, message=lambda: f"{bob.bodies()!r}")
    await barrier(tmux, bob, "b1", ["flight one a", "flight one b", "flight two a", "flight two b"])
