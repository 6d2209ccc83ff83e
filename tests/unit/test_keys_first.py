"""A log redraw due right after a key waits for the key's frame, boundedly."""

from __future__ import annotations

import pytest

from screens import keys_first
from screens.keys_first import KEY_FRAME, MAX_HOLD, hold


@pytest.fixture(autouse=True)
def no_key_yet(monkeypatch):
    """Each test starts with no key typed or on its way (the module's state
    is global: another test's key would still count here)."""
    monkeypatch.setattr(keys_first, "_last_key", float("-inf"))
    monkeypatch.setattr(keys_first, "_arrived", float("-inf"))


def test_a_redraw_right_after_a_key_waits_for_its_frame(monkeypatch):
    monkeypatch.setattr(keys_first, "_last_key", 10.0)
    assert abs(hold(due_since=10.005, now=10.005) - (KEY_FRAME - 0.005)) < 1e-9
    assert hold(due_since=10.0, now=10.0 + KEY_FRAME) == 0.0  # the key's frame is out
    assert hold(due_since=9.0, now=9.5) == 0.0  # no key lately


def test_never_held_longer_than_max_hold_in_all(monkeypatch):
    # someone typing without pause: each key would hold it again
    due = 20.0
    monkeypatch.setattr(keys_first, "_last_key", due + MAX_HOLD - 0.01)
    assert abs(hold(due_since=due, now=due + MAX_HOLD - 0.01) - 0.01) < 1e-9  # only up to the bound
    assert hold(due_since=due, now=due + MAX_HOLD) == 0.0


def test_a_redraw_waits_for_a_key_parsed_and_not_yet_at_the_line(monkeypatch):
    """A key parsed on the input thread (key_arrived) holds a redraw due from
    then as a typed one does: the follow's 2-6 ms would come before it."""
    monkeypatch.setattr(keys_first, "_last_key", 5.0)
    monkeypatch.setattr(keys_first, "_arrived", 10.0)
    assert abs(hold(due_since=10.002, now=10.002) - (KEY_FRAME - 0.002)) < 1e-9
    assert hold(due_since=10.0, now=10.0 + KEY_FRAME) == 0.0


def test_key_pressed_is_the_time_of_the_key(monkeypatch):
    monkeypatch.setattr(keys_first, "_last_key", float("-inf"))
    keys_first.key_pressed()
    assert abs(hold(due_since=keys_first._last_key, now=keys_first._last_key) - KEY_FRAME) < 1e-9


def test_the_servers_next_slice_waits_for_a_key_on_its_way(monkeypatch):
    """From the app hearing of a key to its frame, the server's slices wait
    (tui/core/pacing.py asks key_on_its_way); after KEY_PATH they go."""
    from screens.keys_first import KEY_PATH, key_on_its_way

    monkeypatch.setattr(keys_first, "_arrived", 30.0)
    assert abs(key_on_its_way(now=30.004) - (KEY_PATH - 0.004)) < 1e-9
    assert key_on_its_way(now=30.0 + KEY_PATH) == 0.0
    monkeypatch.setattr(keys_first, "_arrived", float("-inf"))
    assert key_on_its_way(now=30.0) == 0.0
    keys_first.key_arrived()
    assert 0 < key_on_its_way() <= KEY_PATH


def test_the_slices_go_once_the_keys_frame_is_out(monkeypatch):
    """key_drawn ends the hold when every key parsed has reached the input
    line; a key parsed since still holds them."""
    monkeypatch.setattr(keys_first, "_arrived", 50.0)  # parsed
    monkeypatch.setattr(keys_first, "_last_key", 50.002)  # at the line
    assert keys_first.key_on_its_way(now=50.003) > 0
    keys_first.key_drawn()
    assert keys_first.key_on_its_way(now=50.003) == 0.0
    monkeypatch.setattr(keys_first, "_arrived", 50.004)  # another key, not at the line yet
    keys_first.key_drawn()  # (the first key's draw)
    assert keys_first.key_on_its_way(now=50.005) > 0
