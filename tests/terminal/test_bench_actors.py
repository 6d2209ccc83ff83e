"""bench/e2e/actors.py: a launch or a wait that fails leaves nothing running.

A Parlons left behind by a failed run (its tmux server, its process) takes
the CPU of every run after it on a 2-core machine, and the figures with it.
"""

from __future__ import annotations

import sys

import pytest

from bench.e2e import actors
from bench.e2e.actors import Parlons, closed_on_failure
from tests.harness.wait import wait_until

# a program that stays until its terminal goes (it reads it to the end)
STAYS = [sys.executable, "-c", "import sys; print('up', flush=True); sys.stdin.read()"]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class _Actor:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def test_an_actor_is_closed_when_what_follows_raises_and_only_then():
    kept = _Actor()
    with closed_on_failure(kept) as actor:
        assert actor is kept
    assert kept.closed == 0

    failed = _Actor()
    with pytest.raises(TimeoutError):
        with closed_on_failure(failed):
            raise TimeoutError("'online' not on screen")
    assert failed.closed == 1


def test_a_pane_whose_output_cannot_be_read_leaves_no_tmux_behind(tmux, tmp_path, monkeypatch):
    tmux.start(STAYS, width=80, height=12)
    wait_until(lambda: "up" in tmux.capture(), timeout=10, message="the program in the pane")
    server, program = tmux.server_pid, tmux.pane_pid()
    assert server is not None and _alive(server) and _alive(program)

    controls: list[actors.TmuxControl] = []

    class RecordedControl(actors.TmuxControl):
        def __init__(self, driver):
            super().__init__(driver)
            controls.append(self)

    def refused(*_args):
        raise RuntimeError("pipe-pane refused")

    monkeypatch.setattr(actors, "TmuxControl", RecordedControl)
    monkeypatch.setattr(actors, "PaneOutput", refused)
    parlons = Parlons.__new__(Parlons)
    parlons.tmux = tmux
    with pytest.raises(RuntimeError, match="pipe-pane refused"):
        parlons._watch(tmp_path)

    assert len(controls) == 1
    control = controls[0].proc
    wait_until(lambda: control.poll() is not None, timeout=10, message="the control client's end")
    wait_until(lambda: not _alive(server), timeout=10, message="the tmux server's end")
    wait_until(lambda: not _alive(program), timeout=10, message="the pane's program's end")
