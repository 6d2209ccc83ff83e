"""Numbered windows, Irssi style.

Window 1 is the status window and never closes. A new window takes the
lowest free number. Each window has an activity level that the window bar
shows while the window is not the active one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Callable

from ..text import sanitize_line
from .days import is_day_line, with_day_changes
from .events import (EventBus, LineAdded, LineChanged, LinesDropped, LinesPrepended, RevealLine, WindowCleared,
                     WindowsChanged)
from .model import Delivery, Line, LineKind

STATUS_NUMBER = 1
# Lines a window keeps in memory: past KEEP_LINES + LET_GO, its oldest go
# (LET_GO at a time: the log's layout drops them in one step). A stored
# message comes back from the history when scrolled to, like any older one;
# an event or command output is gone, as in Irssi or Poezio. A message
# still to send (not sent, or failed: retriable) stays, at the front
# (``Window.out_of_place``) until the page it belongs to comes back. Not
# while the window is read away from its end (``WindowList.reading``).
KEEP_LINES = 10_000
LET_GO = 1_000
RETRIABLE = frozenset({Delivery.PENDING, Delivery.FAILED})


class Activity(enum.IntEnum):
    NONE = 0
    EVENTS = 1  # joins, presence, status output
    MESSAGES = 2  # someone said something
    HIGHLIGHT = 3  # our nick, a message to us


class WindowKind(enum.Enum):
    STATUS = "status"
    CHAT = "chat"
    ROOM = "room"
    ROSTER = "roster"
    BLOG = "blog"


# Where messages are said, corrected and kept: a conversation, 1:1 or in a room.
CONVERSATIONS = frozenset({WindowKind.CHAT, WindowKind.ROOM})


_ACTIVITY_OF_KIND = {
    LineKind.INCOMING: Activity.MESSAGES,
    LineKind.ACTION: Activity.MESSAGES,
    LineKind.OUTGOING: Activity.NONE,
    LineKind.EVENT: Activity.EVENTS,
    LineKind.INFO: Activity.EVENTS,
    LineKind.ERROR: Activity.EVENTS,
}


@dataclass(eq=False)
class Window:
    number: int
    name: str
    kind: WindowKind
    account: str | None = None  # bare JID of the account this window belongs to
    target: str | None = None  # the peer / room JID
    lines: list[Line] = field(default_factory=list)
    # The first ``out_of_place`` lines stayed when older lines around them
    # were let go of (messages still to send): their place is among those,
    # and the page that brings those back puts them there.
    out_of_place: int = 0
    activity: Activity = Activity.NONE
    # Input history lives with the window (Up/Down recall per window).
    input_history: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = sanitize_line(self.name)

    # -- what kind of window (asked everywhere: asked here) ------------------
    @property
    def is_chat(self) -> bool:
        return self.kind is WindowKind.CHAT

    @property
    def is_room(self) -> bool:
        return self.kind is WindowKind.ROOM

    @property
    def is_conversation(self) -> bool:
        """A 1:1 conversation or a room: messages are sent and corrected here."""
        return self.kind in CONVERSATIONS

    @property
    def peer_jid(self) -> str | None:
        """The JID a 1:1 conversation's window talks with; None for any other window."""
        return self.target if self.kind is WindowKind.CHAT and self.target else None

    @property
    def room_jid(self) -> str | None:
        """The JID of the room a room's window shows; None for any other window."""
        return self.target if self.kind is WindowKind.ROOM and self.target else None


class WindowList:
    """The ordered set of windows and which one is active."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._by_number: dict[int, Window] = {}
        self._by_target: dict[tuple[str | None, str], Window] = {}
        self.status = self._insert(Window(STATUS_NUMBER, "status", WindowKind.STATUS))
        self.active: Window = self.status
        # Is the user reading this window away from its newest line? (The
        # face installs its own; its oldest lines stay while so.)
        self.reading: Callable[[Window], bool] = lambda window: False

    # -- queries ---------------------------------------------------------
    def __iter__(self):
        return iter(sorted(self._by_number.values(), key=lambda w: w.number))

    def __len__(self) -> int:
        return len(self._by_number)

    def __contains__(self, window: object) -> bool:
        """Is this very window still open (not one like it)."""
        return isinstance(window, Window) and self._by_number.get(window.number) is window

    def get(self, number: int) -> Window | None:
        return self._by_number.get(number)

    def find(self, account: str | None, target: str) -> Window | None:
        return self._by_target.get((account, target.lower()))

    def find_by_name(self, name: str) -> Window | None:
        name = name.lower()
        for window in self:
            if window.name.lower() == name or (window.target or "").lower() == name:
                return window
        return None

    # -- changes ---------------------------------------------------------
    def _insert(self, window: Window) -> Window:
        self._by_number[window.number] = window
        if window.target is not None:
            self._by_target[(window.account, window.target.lower())] = window
        return window

    def _lowest_free(self) -> int:
        n = STATUS_NUMBER
        while n in self._by_number:
            n += 1
        return n

    def open(
        self,
        name: str,
        kind: WindowKind,
        account: str | None = None,
        target: str | None = None,
        *,
        focus: bool = False,
    ) -> Window:
        """Return the window for ``target``, creating it at the lowest free number."""
        existing = self.find(account, target) if target is not None else None
        window = existing or self._insert(
            Window(self._lowest_free(), name, kind, account, target)
        )
        if focus:
            self.switch(window.number)
        elif existing is None:
            self._bus.emit(WindowsChanged())
        return window

    def close(self, number: int) -> bool:
        """Close a window; the status window cannot be closed."""
        window = self._by_number.get(number)
        if window is None or number == STATUS_NUMBER:
            return False
        del self._by_number[number]
        if window.target is not None:
            self._by_target.pop((window.account, window.target.lower()), None)
        if self.active is window:
            self.active = self._neighbour(number, -1) or self.status
            self.active.activity = Activity.NONE
        self._bus.emit(WindowsChanged())
        return True

    def switch(self, number: int) -> bool:
        window = self._by_number.get(number)
        if window is None:
            return False
        self.active = window
        window.activity = Activity.NONE
        self._bus.emit(WindowsChanged())
        return True

    def _neighbour(self, number: int, step: int) -> Window | None:
        numbers = sorted(self._by_number)
        if not numbers:
            return None
        if number in numbers:
            index = (numbers.index(number) + step) % len(numbers)
        else:  # the window just closed: the nearest one below it
            below = [n for n in numbers if n < number]
            index = numbers.index(below[-1]) if below else 0
        return self._by_number[numbers[index]]

    def next(self) -> None:
        target = self._neighbour(self.active.number, +1)
        if target is not None:
            self.switch(target.number)

    def prev(self) -> None:
        target = self._neighbour(self.active.number, -1)
        if target is not None:
            self.switch(target.number)

    def next_with_activity(self) -> bool:
        """Irssi's Alt+A: the window with the highest activity, lowest number first."""
        candidates = [w for w in self if w.activity > Activity.NONE and w is not self.active]
        if not candidates:
            return False
        best = max(candidates, key=lambda w: (w.activity, -w.number))
        return self.switch(best.number)

    def add_line(self, window: Window, line: Line, activity: Activity | None = None,
                 *, replay: bool = False) -> None:
        """Append a line; an inactive window's activity rises to ``activity``
        (by default derived from the line's kind and highlight)."""
        marker = with_day_changes(window.lines[-1] if window.lines else None, [line])
        if len(marker) > 1:
            window.lines.append(marker[0])
        window.lines.append(line)
        if len(window.lines) > KEEP_LINES + LET_GO and not self.reading(window):
            self._let_go(window, len(window.lines) - KEEP_LINES)
        if window is not self.active:
            level = activity
            if level is None:
                level = Activity.HIGHLIGHT if line.highlight else _ACTIVITY_OF_KIND[line.kind]
            if level > window.activity:
                window.activity = level
                self._bus.emit(WindowsChanged())
        self._bus.emit(LineAdded(window, line, replay))

    def _let_go(self, window: Window, count: int) -> None:
        """Drop the window's ``count`` oldest lines from memory, but for
        messages still to send (they move to the front, out of place)."""
        oldest = window.lines[:count]
        kept = [line for line in oldest if line.delivery in RETRIABLE]
        window.lines[:count] = kept
        window.out_of_place = len(kept) + max(0, window.out_of_place - count)
        self._bus.emit(LinesDropped(window, count - len(kept), prefix=not kept))

    def raise_activity(self, window: Window, level: Activity) -> None:
        if window is not self.active and level > window.activity:
            window.activity = level
            self._bus.emit(WindowsChanged())

    def reveal(self, window: Window, line: Line) -> None:
        self.switch(window.number)
        self._bus.emit(RevealLine(window, line))

    def update_line(self, window: Window, line: Line, *, reflow: bool = False) -> None:
        """A shown line changed in place (delivery mark, corrected text)."""
        self._bus.emit(LineChanged(window, line, reflow))

    def insert_after(self, window: Window, anchor: Line, line: Line) -> None:
        """Put ``line`` right under ``anchor`` (e.g. an error under the message
        it is about); at the end when the anchor is gone."""
        for index in range(len(window.lines) - 1, -1, -1):
            if window.lines[index] is anchor:
                window.lines.insert(index + 1, line)
                self._bus.emit(LineChanged(window, line, reflow=True))
                return
        self.add_line(window, line)

    def insert_before(self, window: Window, anchor: Line, lines: list[Line]) -> None:
        """Put ``lines`` (older, read late: a room's catch-up read backwards)
        right above ``anchor``, with their day changes, in one change; at the
        end when the anchor is gone."""
        index = next((i for i in range(len(window.lines) - 1, -1, -1) if window.lines[i] is anchor), None)
        if index is None or not lines:
            for line in lines:
                self.add_line(window, line, Activity.NONE, replay=True)
            return
        start = index
        while start > 0 and is_day_line(window.lines[start - 1]):
            start -= 1  # the anchor's day change: said again where it belongs
        block = with_day_changes(window.lines[start - 1] if start else None, lines)
        block += with_day_changes(block[-1], [anchor])[:-1]
        window.lines[start:index] = block
        self._bus.emit(LineChanged(window, block[0], reflow=True))

    def prepend_lines(self, window: Window, lines: list[Line]) -> None:
        """Older lines (history, scrollback) go before the first line in
        place; a line out of place at the front that ``lines`` holds (the
        same object) goes back to its place among them; those still out of
        place stay at the front, older than the page."""
        if not lines:
            return
        ahead = window.out_of_place
        page = with_day_changes(None, lines)
        if len(window.lines) > ahead:
            # a day-change between the page and what was already there
            page += with_day_changes(page[-1], [window.lines[ahead]])[:-1]
        placed = {id(line) for line in page}
        still = [line for line in window.lines[:ahead] if id(line) not in placed]
        window.lines[:ahead] = still + page
        window.out_of_place = len(still)
        self._bus.emit(LinesPrepended(window, len(still) + len(page), replaced=ahead))

    def clear(self, window: Window) -> None:
        window.lines.clear()
        window.out_of_place = 0
        self._bus.emit(WindowCleared(window))

    def status_line(self, text: str, kind: LineKind = LineKind.INFO) -> Line:
        """Add a line to the status window (server events, errors, command output)."""
        line = Line(text, kind)
        self.add_line(self.status, line)
        return line
