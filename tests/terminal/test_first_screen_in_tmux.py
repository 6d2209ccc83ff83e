"""Issue 12 in a real terminal (tmux) at 60x24: the welcome on a new
profile's first screen, the Irssi prompt on the input row, a room's nick
list leaving the log 45 columns, and a window bar that says "…" where
windows are off it while Alt+A still reaches them."""

from __future__ import annotations

import uuid

from tests.harness.terminal import prompt_row, screen_shows, start_parlons, title
from tests.harness.wait import until


def window_bar(tmux) -> str:
    return tmux.capture().splitlines()[-3]  # above the status bar and the input row


async def test_first_screen_prompt_and_narrow_layout(prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    start_parlons(tmux, tmp_path, prosody, jid, password)
    tmux.resize(60, 24)
    await screen_shows(tmux, f"{jid}: online")
    screen = tmux.capture()
    assert "Welcome to Parlons!" in screen and "/help lists the commands" in screen
    assert all(len(row) <= 60 for row in screen.splitlines())
    await until(lambda: prompt_row(tmux).startswith(" [(status)]"), timeout=5,
                message=lambda: tmux.capture())

    # a room: the nick list sits right of a log of at least 45 columns, and the prompt says #room
    room = f"narrow-{uuid.uuid4().hex[:6]}"
    tmux.type_line(f"/join {room}@{prosody.muc_domain}")
    await until(lambda: f"[#{room}]" in prompt_row(tmux), timeout=10, message=lambda: tmux.capture())
    screen = await screen_shows(tmux, "1 person")
    header = next(row for row in screen.splitlines() if "1 person" in row)
    assert header.index("1 person") >= 46, screen

    # windows that do not fit: "…" on the bar, and Alt+A reaches bob's message
    for n in range(5):
        tmux.type_line(f"/query contact{n}-{uuid.uuid4().hex[:8]}@{prosody.domain}")
        expected = f"{n + 3}:contact{n}"
        await until(lambda expected=expected: expected in title(tmux), timeout=5, message=lambda: tmux.capture())
    tmux.send_keys("M-1")
    await until(lambda: "1:status" in title(tmux), timeout=5)
    bob.send(jid, "are you there?")
    await until(lambda: "[Act: 8]" in window_bar(tmux), timeout=10, message=lambda: tmux.capture())
    bar = window_bar(tmux)
    assert bar.startswith(" 1:status ") and "…" in bar and " 8:" not in bar, bar
    tmux.send_keys("M-a")
    bob_name = bob.jid.split("@")[0]
    await until(lambda: f"8:{bob_name}" in title(tmux), timeout=5, message=lambda: tmux.capture())
    await screen_shows(tmux, "are you there?")
    await until(lambda: window_bar(tmux).startswith("…") and f" 8:{bob_name}" in window_bar(tmux),
                timeout=5, message=lambda: tmux.capture())
    assert prompt_row(tmux).startswith(f" [{bob_name}]")
