"""Notifications in a real terminal: tmux records the bell (window flag) and
the title Parlons sets (pane title), and the title is given back at exit.

Desktop notifications (OSC 777/9) are not checked here: tmux 3.3a swallows
unknown OSCs, so a capture cannot show them; tests/ui/test_notifications.py
checks the bytes written for a real peer's message instead."""

from __future__ import annotations

from tests.harness.terminal import screen_shows, start_parlons
from tests.harness.wait import until


def pane(tmux, fmt: str) -> str:
    return tmux.tmux("display-message", "-p", "-t", "main", fmt).rstrip("\n")


async def test_message_to_us_rings_the_bell_and_counts_in_the_title(prosody, make_account, make_peer,
                                                                    tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    bob_name = bob.jid.split("@")[0]
    start_parlons(tmux, tmp_path, prosody, jid, password)
    await screen_shows(tmux, f"{jid}: online")
    await until(lambda: pane(tmux, "#{pane_title}") == "Parlons — 1:status", timeout=5,
                message=lambda: pane(tmux, "#{pane_title}"))
    assert pane(tmux, "#{window_bell_flag}") == "0"  # a detached session flags every bell

    bob.send(jid, "are you there?")
    await until(lambda: pane(tmux, "#{window_bell_flag}") == "1", timeout=5, message="bell flag")
    await until(lambda: pane(tmux, "#{pane_title}") == "(1) Parlons — 1:status", timeout=5,
                message=lambda: pane(tmux, "#{pane_title}"))

    tmux.send_keys("M-2")  # read it: the count goes
    await until(lambda: pane(tmux, "#{pane_title}") == f"Parlons — 2:{bob_name}", timeout=5,
                message=lambda: pane(tmux, "#{pane_title}"))

    tmux.type_line("/quit")
    assert tmux.wait_for_exit(timeout=15) == 0
    # the title from before Parlons (tmux starts with the host name) is back
    assert pane(tmux, "#{pane_title}") == pane(tmux, "#{host}")
