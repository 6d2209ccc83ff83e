"""An idle Parlons sleeps: online against the real server, a chat window
open, nobody typing or writing, none of its threads wakes up.  Textual's
input thread woke ten times a second (screens/terminal_input.py now waits
for the terminal), the app looked at the terminal every second, the
collector at the idle state every five: a laptop's battery paid for them."""

from __future__ import annotations

import asyncio
import time

from tests.harness.proc import wake_ups
from tests.harness.terminal import online_with_bob_window, parlons_pid

SETTLE = 30.0  # the login's own work (the archive's catch-up, presences, frames) ends within this
QUIET = 3.0  # the idle spell asserted


async def wake_ups_over(pid: int, seconds: float) -> int:
    """The process's wake-ups (all threads) over ``seconds``: the interval
    is what is measured, not a wait for something."""
    before = wake_ups(pid)
    await asyncio.sleep(seconds)
    return wake_ups(pid) - before


async def test_an_idle_parlons_does_not_wake_up(prosody, make_account, make_peer, tmux, tmp_path):
    jid, password = make_account("alice")
    bob = await make_peer()
    await online_with_bob_window(tmux, tmp_path, prosody, jid, password, bob)
    pid = parlons_pid(tmux)
    deadline = time.monotonic() + SETTLE
    while (woke := await wake_ups_over(pid, 1.0)) > 1:
        assert time.monotonic() < deadline, f"still {woke} wake-ups a second {SETTLE} s after login"
    # the status bar's clock (every 30 s) may tick once in the spell; the
    # polling threads and timers made over 30 wake-ups in it
    assert await wake_ups_over(pid, QUIET) <= 2
