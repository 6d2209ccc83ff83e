"""The terminal goes away (SSH drop, window closed, tmux killed) or someone
sends SIGTERM: Parlons leaves as /quit does — an unavailable presence, the
streams closed — and does not linger on a dead terminal."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.harness.terminal import online_with_bob_window, parlons_pid, screen_shows
from tests.harness.wait import until


async def other_resource(make_peer, jid: str, password: str):
    """alice's second client: sees the unavailable presence Parlons sends
    when it leaves cleanly (a killed process sends none)."""
    peer = await make_peer(jid, password)
    peer.goodbyes = []
    peer.xmpp.add_event_handler(
        "presence_unavailable",
        lambda presence: peer.goodbyes.append(presence["status"])
        if presence["from"].bare == jid and presence["from"] != peer.xmpp.boundjid else None,
    )
    return peer


def log_text(tmp_path: Path) -> str:
    path = tmp_path / "state" / "parlons" / "parlons.log"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("sighup", ["delivered", "ignored"])
async def test_leaves_cleanly_when_the_terminal_disappears(
        sighup, prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    twin = await other_resource(make_peer, jid, password)
    # ignored: as under nohup, or when the hang-up reaches only a session
    # leader that is not Parlons; it must notice the dead terminal itself
    prefix = "trap '' HUP;" if sighup == "ignored" else ""
    await online_with_bob_window(tmux, tmp_path, prosody, jid, password, bob,
                                 debug=True, shell_prefix=prefix)

    groups = tmux.hang_up()
    await until(lambda: twin.goodbyes, timeout=10, message="alice's unavailable presence")
    assert twin.goodbyes == ["Parlons"]
    await until(lambda: tmux.groups_gone(groups), timeout=10, message="Parlons gone")
    expected = "leaving: terminal closed" if sighup == "ignored" else "leaving: terminal"
    assert expected in log_text(tmp_path)


async def test_sigterm_quits_like_quit_and_gives_the_terminal_back(
        prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    twin = await other_resource(make_peer, jid, password)
    await online_with_bob_window(tmux, tmp_path, prosody, jid, password, bob, probe_after_exit=True)
    await screen_shows(tmux, "online")

    os.kill(parlons_pid(tmux), signal.SIGTERM)
    assert tmux.wait_for_exit(timeout=15) == 128 + signal.SIGTERM
    await until(lambda: twin.goodbyes, timeout=10, message="alice's unavailable presence")
    assert twin.goodbyes == ["Parlons"]
    assert not tmux.terminal_modes()["alternate_on"]
    assert tmux.mouse_modes_on() == []
    assert not tmux.bracketed_paste_left_on()
