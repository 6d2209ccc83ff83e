"""Where a late message goes in a window: in time order, near the end.

Conversations and rooms alike: a message stamped in the past (offline
storage, an archive read late) is inserted among the lines shown in time
order; older than everything shown, it stays in the store for scrollback.
"""

from __future__ import annotations

from .model import Line, LineKind
from .windows import Window, WindowList


def place_delayed(windows: WindowList, window: Window, line: Line) -> bool:
    """True if ``line`` belongs at the end (the caller adds it); otherwise
    it was inserted in place, or belongs to scrollback (older than all shown)."""
    # Walk back from the end: a late message belongs near the end, and a
    # catch-up into a long window must not scan all of it per message.
    newest = None
    for shown in reversed(window.lines):
        if shown.kind is LineKind.EVENT:
            continue
        if newest is None:
            newest = shown
            if line.time >= shown.time:
                return True
        if shown.time <= line.time:
            windows.insert_after(window, shown, line)
            return False
    # empty window: the end; older than everything shown: scrollback has it
    return newest is None


def older_than_shown(window: Window, line: Line) -> bool:
    first = next((shown for shown in window.lines if shown.kind is not LineKind.EVENT), None)
    return first is not None and line.time < first.time


def first_newer(window: Window, time) -> Line | None:
    """The oldest of the lines at the end of ``window`` stamped after
    ``time`` (None: the newest line shown is not): where a block of older
    lines read late goes, above it (``WindowList.insert_before``)."""
    found = None
    for shown in reversed(window.lines):
        if shown.kind is LineKind.EVENT:
            continue
        if shown.time <= time:
            break
        found = shown
    return found
