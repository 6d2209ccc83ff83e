"""tui.core.notify: who rings, how often, the unread count, and OSC bytes
that hostile text cannot break out of."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tui.core.events import EventBus
from tui.core.model import Line, LineKind, now
from tui.core.notify import (
    DesktopNotification,
    NotifyPolicy,
    NotifySettings,
    desktop_sequence,
    osc_text,
    title_sequence,
)
from tui.core.windows import Activity, WindowKind, WindowList


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def world():
    windows = WindowList(EventBus())
    bob = windows.open("bob", WindowKind.CHAT, "alice@x", "bob@x")
    clock = Clock()
    policy = NotifyPolicy(NotifySettings(desktop="osc777"), clock=clock)
    return windows, bob, policy, clock


def incoming(text="hi", nick="bob", **kw) -> Line:
    return Line(text, LineKind.INCOMING, nick=nick, **kw)


def test_a_message_in_another_window_rings_and_pops_up(world):
    _windows, bob, policy, _clock = world
    alert = policy.on_line(bob, incoming("hello"), active=False, focused=True)
    assert alert.bell
    assert alert.desktop == DesktopNotification("bob", "hello")


def test_own_lines_never_notify_even_highlighted(world):
    _windows, bob, policy, _clock = world
    for line in (Line("me", LineKind.OUTGOING, nick="alice"),
                 Line("me", LineKind.OUTGOING, nick="alice", elsewhere=True),
                 Line("me", LineKind.OUTGOING, nick="alice", highlight=True)):
        assert not policy.on_line(bob, line, active=False, focused=False)


def test_events_in_a_chat_window_do_not_but_highlights_anywhere_do(world):
    windows, bob, policy, _clock = world
    assert not policy.on_line(bob, Line("bob is away", LineKind.EVENT), active=False, focused=True)
    assert not policy.on_line(windows.status, Line("connected", LineKind.INFO), active=False, focused=True)
    room = windows.open("lounge", WindowKind.ROOM, "alice@x", "lounge@muc.x")
    assert not policy.on_line(room, incoming("chatter"), active=False, focused=True)
    assert policy.on_line(room, incoming("alice: ping", highlight=True), active=False, focused=True).bell


def test_active_window_is_quiet_only_while_the_terminal_has_focus(world):
    _windows, bob, policy, _clock = world
    assert not policy.on_line(bob, incoming(), active=True, focused=True)
    assert policy.on_line(bob, incoming(), active=True, focused=False).bell


def test_replay_and_old_lines_ring_nothing(world):
    _windows, bob, policy, _clock = world
    assert not policy.on_line(bob, incoming(), active=False, focused=False, replay=True)
    old = incoming(time=now() - timedelta(hours=3))
    assert not policy.on_line(bob, old, active=False, focused=False)
    # and they did not use up the rate limit
    assert policy.on_line(bob, incoming(), active=False, focused=False).bell


def test_bell_rings_at_most_once_per_interval(world):
    windows, bob, policy, clock = world
    carol = windows.open("carol", WindowKind.CHAT, "alice@x", "carol@x")
    assert policy.on_line(bob, incoming(), active=False, focused=True).bell
    clock.t += 0.5
    second = policy.on_line(carol, incoming(nick="carol"), active=False, focused=True)
    assert not second.bell
    assert second.desktop is not None  # another window: its own popup limit
    clock.t += 0.5
    assert not policy.on_line(bob, incoming(), active=False, focused=True)  # flood: nothing
    clock.t += 1.5  # 2.5 s after the first
    assert policy.on_line(bob, incoming(), active=False, focused=True).bell


def test_settings_turn_bell_and_popups_off(world):
    _windows, bob, _policy, _clock = world
    quiet = NotifyPolicy(NotifySettings(bell=False, desktop="off"))
    assert not quiet.on_line(bob, incoming(), active=False, focused=False)
    with pytest.raises(ValueError):
        NotifySettings(desktop="osc99")


def test_title_counts_windows_with_unread_messages(world):
    windows, bob, policy, _clock = world
    assert policy.title(windows, windows.active) == "Parlons — 1:status"
    windows.add_line(bob, incoming(), Activity.HIGHLIGHT)
    carol = windows.open("carol", WindowKind.CHAT, "alice@x", "carol@x")
    windows.add_line(carol, incoming(nick="carol"))
    windows.add_line(carol, incoming(nick="carol"))  # windows are counted, not lines
    windows.status_line("presence changed", LineKind.EVENT)  # events are not unread messages
    assert policy.title(windows, windows.active) == "(2) Parlons — 1:status"
    windows.switch(bob.number)
    assert policy.title(windows, windows.active) == "(1) Parlons — 2:bob"


def test_active_window_counts_while_unfocused_until_focus_returns(world):
    windows, bob, policy, _clock = world
    windows.switch(bob.number)
    line = incoming()
    windows.add_line(bob, line)
    policy.on_line(bob, line, active=True, focused=False)
    assert policy.unread_count(windows, windows.active) == 1
    policy.focus_changed(True)
    assert policy.unread_count(windows, windows.active) == 0


# ------------------------------------------------------------- OSC bytes

HOSTILE = [
    "\x07\x1b]2;pwned\x07",  # BEL ends the OSC, then a new one
    "\x1b\\\x1b[2J",  # ST ends it, then clear screen
    "\x9c\x9b2J\x9d0;x",  # C1 ST, CSI, OSC
    "a\nb\rc\td\x00e\x7ff",
    "\u202eevil",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_osc_text_has_no_control_characters(text):
    cleaned = osc_text(text, 100)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", cleaned)


@pytest.mark.parametrize("mode", ["osc777", "osc9"])
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_nick_and_body_cannot_end_the_sequence_early(mode, text):
    sequence = desktop_sequence(mode, DesktopNotification(text + ";x", text))
    # exactly one introducer and one terminator, at the ends
    assert sequence.count("\x1b") == 1 and sequence.startswith("\x1b]")
    assert sequence.count("\x07") == 1 and sequence.endswith("\x07")
    assert not re.search(r"[\x80-\x9f]", sequence)
    if mode == "osc777":
        # the title's ';' cannot add a field: only the body (the last field) keeps its own
        assert sequence.count(";") == 3 + osc_text(text, 200).count(";")


def test_osc777_and_osc9_layout():
    note = DesktopNotification("bob", "lunch; later?")
    assert desktop_sequence("osc777", note) == "\x1b]777;notify;Parlons: bob;lunch; later?\x07"
    assert desktop_sequence("osc9", note) == "\x1b]9;bob: lunch; later?\x07"
    # a ';' in the title would shift text into the body (777) or make a ConEmu command (9)
    assert desktop_sequence("osc777", DesktopNotification("a;b", "c")) == "\x1b]777;notify;Parlons: a,b;c\x07"
    assert desktop_sequence("osc9", DesktopNotification("4;1", "c")) == "\x1b]9;4,1: c\x07"
    assert desktop_sequence("off", note) == ""


def test_lengths_are_capped():
    sequence = desktop_sequence("osc777", DesktopNotification("n" * 500, "b" * 5000))
    assert len(sequence) < 300
    assert len(title_sequence("t" * 1000)) < 130
    assert osc_text("abcdef", 4) == "abc…"


def test_title_sequence_is_osc2():
    assert title_sequence("(1) Parlons — 2:bob") == "\x1b]2;(1) Parlons — 2:bob\x07"
    assert title_sequence("x\x07\x1b]0;y") == "\x1b]2;x]0;y\x07"


def test_a_window_opened_with_its_history_is_noticed_by_its_activity(world):
    """The first message of a conversation opens its window with the stored
    history (that message included) and raises the activity, with no live
    LineAdded: the rise to HIGHLIGHT is what rings."""
    windows, bob, policy, _clock = world
    assert policy.raised_windows(windows) == []
    bob.lines += [Line("old", LineKind.INCOMING, nick="bob", time=now() - timedelta(days=2)),
                  Line("you there?", LineKind.INCOMING, nick="bob")]
    windows.raise_activity(bob, Activity.HIGHLIGHT)
    assert policy.raised_windows(windows) == [bob]
    assert policy.raised_windows(windows) == []  # once per rise
    alert = policy.on_raised(bob, focused=True)
    assert alert.bell and alert.desktop == DesktopNotification("bob", "you there?")
    # a rise caused by history alone (its newest line is old) rings nothing
    carol = windows.open("carol", WindowKind.CHAT, "alice@x", "carol@x")
    carol.lines.append(Line("last week", LineKind.INCOMING, nick="carol", time=now() - timedelta(days=7)))
    windows.raise_activity(carol, Activity.HIGHLIGHT)
    assert policy.raised_windows(windows) == [carol]
    assert not policy.on_raised(carol, focused=True)
    # seen (activity back to none), then raised again: noticed again
    windows.switch(bob.number)
    windows.switch(windows.status.number)
    assert policy.raised_windows(windows) == []  # the app looks on every WindowsChanged
    windows.raise_activity(bob, Activity.HIGHLIGHT)
    assert policy.raised_windows(windows) == [bob]
