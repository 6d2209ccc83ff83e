from tui.core.events import EventBus, LineAdded, WindowsChanged
from tui.core.model import Line, LineKind
from tui.core.windows import Activity, WindowKind, WindowList


def make():
    bus = EventBus()
    events = []
    bus.subscribe(WindowsChanged, events.append)
    bus.subscribe(LineAdded, events.append)
    return WindowList(bus), events


def test_status_window_is_one_and_cannot_close():
    windows, _ = make()
    assert windows.active.number == 1
    assert windows.close(1) is False
    assert len(windows) == 1


def test_new_windows_take_the_lowest_free_number():
    windows, _ = make()
    bob = windows.open("bob", WindowKind.CHAT, "a@x", "bob@x")
    carol = windows.open("carol", WindowKind.CHAT, "a@x", "carol@x")
    assert (bob.number, carol.number) == (2, 3)
    windows.close(2)
    dave = windows.open("dave", WindowKind.CHAT, "a@x", "dave@x")
    assert dave.number == 2
    # the same target gives the same window, whatever the case
    assert windows.open("x", WindowKind.CHAT, "a@x", "CAROL@x") is carol


def test_activity_rises_in_inactive_windows_and_clears_on_switch():
    windows, events = make()
    bob = windows.open("bob", WindowKind.CHAT, "a@x", "bob@x")
    windows.add_line(bob, Line("joined", LineKind.EVENT))
    assert bob.activity is Activity.EVENTS
    windows.add_line(bob, Line("hi", LineKind.INCOMING))
    assert bob.activity is Activity.MESSAGES
    windows.add_line(bob, Line("alice: hi", LineKind.INCOMING, highlight=True))
    assert bob.activity is Activity.HIGHLIGHT
    windows.add_line(bob, Line("later", LineKind.EVENT))
    assert bob.activity is Activity.HIGHLIGHT  # never lowered by a lesser line
    windows.switch(bob.number)
    assert bob.activity is Activity.NONE
    windows.add_line(bob, Line("seen", LineKind.INCOMING))
    assert bob.activity is Activity.NONE  # the active window collects none
    assert any(isinstance(e, LineAdded) for e in events)


def test_next_prev_wrap_and_next_with_activity_prefers_highest():
    windows, _ = make()
    a = windows.open("a", WindowKind.CHAT, "x", "a@x")
    b = windows.open("b", WindowKind.CHAT, "x", "b@x")
    c = windows.open("c", WindowKind.CHAT, "x", "c@x")
    windows.prev()
    assert windows.active is c
    windows.next()
    assert windows.active.number == 1
    windows.add_line(a, Line("ev", LineKind.EVENT))
    windows.add_line(c, Line("msg", LineKind.INCOMING))
    assert windows.next_with_activity()
    assert windows.active is c
    assert windows.next_with_activity()
    assert windows.active is a
    assert not windows.next_with_activity()
    assert b.activity is Activity.NONE


def test_closing_the_active_window_goes_to_its_neighbour_below():
    windows, _ = make()
    windows.open("a", WindowKind.CHAT, "x", "a@x")
    b = windows.open("b", WindowKind.CHAT, "x", "b@x", focus=True)
    windows.close(b.number)
    assert windows.active.number == 2


def test_names_are_sanitised():
    windows, _ = make()
    w = windows.open("ev\x1b[1mil\u202e", WindowKind.CHAT, "x", "e@x")
    assert w.name == "ev\u241b[1mil"


def test_a_window_says_what_kind_of_conversation_it_is():
    windows, _ = make()
    chat = windows.open("bob", WindowKind.CHAT, "a@x", "bob@x")
    room = windows.open("lobby", WindowKind.ROOM, "a@x", "lobby@rooms.x")
    roster = windows.open("roster", WindowKind.ROSTER, "a@x", "roster")
    assert (chat.is_chat, chat.is_room, chat.is_conversation) == (True, False, True)
    assert (room.is_chat, room.is_room, room.is_conversation) == (False, True, True)
    assert not any((roster.is_chat, roster.is_room, roster.is_conversation, windows.status.is_conversation))
    assert (chat.peer_jid, chat.room_jid) == ("bob@x", None)
    assert (room.peer_jid, room.room_jid) == (None, "lobby@rooms.x")
    assert roster.peer_jid is None and roster.room_jid is None and windows.status.room_jid is None


def test_a_window_lets_go_of_its_oldest_lines_but_not_of_messages_still_to_send(monkeypatch):
    from tui.core import windows as windows_module
    from tui.core.events import LinesDropped
    from tui.core.model import Delivery
    monkeypatch.setattr(windows_module, "KEEP_LINES", 10)
    monkeypatch.setattr(windows_module, "LET_GO", 3)
    windows, _ = make()
    dropped = []
    windows._bus.subscribe(LinesDropped, dropped.append)
    bob = windows.open("bob", WindowKind.CHAT, "a@x", "bob@x")
    for n in range(14):
        windows.add_line(bob, Line(f"line {n}", LineKind.INCOMING))
    assert [l.body for l in bob.lines] == [f"line {n}" for n in range(4, 14)]
    assert [(e.count, e.prefix) for e in dropped] == [(4, True)]
    failed = Line("not sent", LineKind.OUTGOING, delivery=Delivery.FAILED)
    windows.add_line(bob, failed)
    windows.reading = lambda window: window is bob  # read away from its end: nothing goes
    for n in range(14, 20):
        windows.add_line(bob, Line(f"line {n}", LineKind.INCOMING))
    assert len(bob.lines) == 17 and len(dropped) == 1
    windows.reading = lambda window: False
    for n in range(20, 30):
        windows.add_line(bob, Line(f"line {n}", LineKind.INCOMING))
    assert bob.lines[0] is failed  # kept, at the front, still retriable
    assert [l.body for l in bob.lines[1:]] == [f"line {n}" for n in range(18, 30)]
    assert [(e.count, e.prefix) for e in dropped[1:]] == [(8, True), (3, False), (3, False)]
    assert bob.out_of_place == 1

    # The page it belongs to comes back: it goes back to its place (the same
    # line); a page older than it leaves it at the front, still out of place.
    from tui.core.events import LinesPrepended
    prepended = []
    windows._bus.subscribe(LinesPrepended, prepended.append)
    older = [Line(f"line {n}", LineKind.INCOMING) for n in range(0, 4)]
    windows.prepend_lines(bob, older)
    assert bob.lines[0] is failed and bob.lines[1:5] == older and bob.out_of_place == 1
    assert [(e.count, e.replaced) for e in prepended] == [(5, 1)]
    around = [Line(f"line {n}", LineKind.INCOMING) for n in range(12, 14)]
    windows.prepend_lines(bob, [*around[:1], failed, *around[1:]])
    assert bob.lines[:3] == [around[0], failed, around[1]] and bob.out_of_place == 0
    assert [l.body for l in bob.lines[3:]] == [f"line {n}" for n in [*range(0, 4), *range(18, 30)]]
    assert [(e.count, e.replaced) for e in prepended[1:]] == [(3, 1)]
