from datetime import datetime, timezone

from tui.core.days import DAY_PREFIX, with_day_changes
from tui.core.events import EventBus
from tui.core.model import Line, LineKind
from tui.core.windows import WindowKind, WindowList


def at(day: int, hour: int = 12) -> datetime:
    # noon local time: far from midnight whatever the machine's zone
    return datetime(2026, 11, day, hour).astimezone().astimezone(timezone.utc)


def test_a_day_change_line_goes_between_lines_of_different_days():
    lines = [Line("a", LineKind.INCOMING, time=at(1)), Line("b", LineKind.INCOMING, time=at(1, 13)),
             Line("c", LineKind.INCOMING, time=at(3))]
    out = with_day_changes(None, lines)
    assert [l.body for l in out][:2] == ["a", "b"]
    assert out[2].body.startswith(DAY_PREFIX) and out[2].kind is LineKind.EVENT
    assert out[3].body == "c" and len(out) == 4


def test_live_lines_and_history_pages_get_day_lines_too():
    windows = WindowList(EventBus())
    window = windows.open("bob", WindowKind.CHAT, "a@x", "bob@x")
    windows.add_line(window, Line("today", LineKind.INCOMING, time=at(10)))
    windows.add_line(window, Line("tomorrow", LineKind.INCOMING, time=at(11)))
    assert [l.body.startswith(DAY_PREFIX) for l in window.lines] == [False, True, False]
    windows.prepend_lines(window, [Line("old", LineKind.INCOMING, time=at(8))])
    bodies = [l.body for l in window.lines]
    assert bodies[0] == "old" and bodies[1].startswith(DAY_PREFIX) and bodies[2] == "today"
    assert sum(b.startswith(DAY_PREFIX) for b in bodies) == 2


def test_a_block_put_above_a_line_gets_its_day_lines_and_the_line_s_own_moves():
    """A room's catch-up read backwards puts an older page above the newer
    one in one change (WindowList.insert_before): the day line that stood
    above the newer page goes where the day changes now."""
    from tui.core.events import LineChanged

    bus = EventBus()
    changed: list = []
    bus.subscribe(LineChanged, changed.append)
    windows = WindowList(bus)
    window = windows.open("room", WindowKind.ROOM, "a@x", "room@x")
    windows.add_line(window, Line("before", LineKind.INCOMING, time=at(1)))
    newest = Line("newest", LineKind.INCOMING, time=at(3))
    windows.add_line(window, newest)
    windows.insert_before(window, newest, [Line("older 2", LineKind.INCOMING, time=at(2)),
                                           Line("older 2b", LineKind.INCOMING, time=at(2, 13))])
    bodies = [l.body if not l.body.startswith(DAY_PREFIX) else "DAY" for l in window.lines]
    assert bodies == ["before", "DAY", "older 2", "older 2b", "DAY", "newest"]
    assert len(changed) == 1 and changed[0].reflow and changed[0].line is window.lines[1]
    windows.insert_before(window, window.lines[2], [Line("older 1", LineKind.INCOMING, time=at(1, 13))])
    bodies = [l.body if not l.body.startswith(DAY_PREFIX) else "DAY" for l in window.lines]
    assert bodies == ["before", "older 1", "DAY", "older 2", "older 2b", "DAY", "newest"]


def test_first_newer_is_the_oldest_line_at_the_end_stamped_after_a_time():
    from tui.core.timeline import first_newer

    windows = WindowList(EventBus())
    window = windows.open("room", WindowKind.ROOM, "a@x", "room@x")
    lines = [Line(body, LineKind.INCOMING, time=at(1, hour)) for body, hour in (("a", 9), ("b", 11), ("c", 12))]
    for line in lines:
        windows.add_line(window, line)
    windows.add_line(window, Line("an event", LineKind.EVENT, time=at(1, 13)))
    assert first_newer(window, at(1, 10)) is lines[1]
    assert first_newer(window, at(1, 8)) is lines[0]
    assert first_newer(window, at(1, 12)) is None  # the newest line is not newer: at the end
