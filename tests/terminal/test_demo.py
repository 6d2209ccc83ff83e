"""`make demo` in a real terminal: the demo world comes up, Parlons is online
as alice, bob answers, and quitting leaves nothing running."""

from __future__ import annotations

import os
from pathlib import Path

from tests.harness.wait import until

ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited; only its parent's wait is missing
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


async def test_make_demo_comes_up_online_and_cleans_up(tmux, tmp_path):
    state = tmp_path / "demo"
    tmux.start(["make", "-s", "demo"], env={"PARLONS_DEMO_STATE": str(state)}, width=120, height=40)
    await until(lambda: "alice@localhost: online" in tmux.capture(), timeout=60,
                message="Parlons online in the demo")
    server_pid = int((state / "prosody" / "prosody.pid").read_text())
    bots_pid = int((state / "bots.pid").read_text())
    assert alive(server_pid) and alive(bots_pid)

    tmux.send_text("/msg bob@localhost hello demo")
    tmux.send_keys("Enter")
    await until(lambda: "you said: hello demo" in tmux.capture(), timeout=15,
                message="bob's answer in his window")

    tmux.send_text("/quit")
    tmux.send_keys("Enter")
    assert tmux.wait_for_exit(timeout=20) == 0
    await until(lambda: not alive(server_pid) and not alive(bots_pid), timeout=10,
                message="demo server and bots stopped")
