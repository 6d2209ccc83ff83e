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
