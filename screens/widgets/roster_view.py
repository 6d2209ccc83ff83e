"""RosterView: the roster as a flat list of rows (Line API).

Used twice, same class: as the body of the roster window and as the
toggle-able side pane.  Like the message log it renders only the visible
rows (``render_line``) over a flat list built by
:func:`tui.core.roster.visible_rows`; the list is rebuilt only when the
model's version moved, at most once per app sync (once per frame), however
many presences arrived.  Measured: 5,000 contacts' presences apply + one
rebuild + a screenful of rows in well under 100 ms (tests/ui/test_roster_ui.py).

Presence symbols: ``●`` online (free for chat: bold), ``◐`` away,
``○`` extended away, ``⊘`` do not disturb, ``·`` offline.  A marker follows the
name when the subscription is not mutual: ``[pending]`` (we asked, no answer),
``[to]`` (we see them, they do not see us), ``[from]``, ``[none]``, and
``[asks]`` (they asked us: /authorize or /deny).

Keys (while focused): letters filter as you type (name or JID), Backspace
edits the filter, Escape clears it and, when empty, hands focus back to the
input line; ``/`` with an empty filter starts a command in the input line;
Up/Down/Home/End move; Enter opens a chat with the contact (on a group: folds
it); Space folds a group; Left folds (or goes to the group), Right unfolds.
A paste is ignored: it never runs as keys.

Names and status texts are untrusted: they go into ``Segment``s as plain
strings, never through markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.roster import ContactRow, GroupRow, Roster, Row, visible_rows

from ..textual_private import PlainDrawing, set_virtual_size

SYMBOLS = {
    "chat": "●",
    "available": "●",
    "away": "◐",
    "xa": "○",
    "dnd": "⊘",
    "offline": "·",
}
_SYMBOL_STYLES = {
    "chat": Style(color="green", bold=True),
    "available": Style(color="green"),
    "away": Style(color="yellow"),
    "xa": Style(color="dark_orange"),
    "dnd": Style(color="red"),
    "offline": Style(dim=True),
}
_GROUP = Style(bold=True)
_COUNT = Style(dim=True)
_STATUS = Style(dim=True, italic=True)
_MARKER = Style(color="yellow")
_OFFLINE_NAME = Style(dim=True)
_FILTER = Style(bold=True, reverse=True)
_CURSOR_FOCUSED = Style(reverse=True)
_CURSOR_BLURRED = Style(underline=True)


class RosterView(ScrollView, PlainDrawing, can_focus=True):
    DEFAULT_CSS = """
    RosterView {
        overflow-y: auto;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    @dataclass
    class ContactChosen(Message):
        """Enter on a contact: open the conversation."""

        roster_view: "RosterView"
        account: str
        jid: str

    @dataclass
    class Dismissed(Message):
        """Escape with an empty filter: the user wants the input line back."""

        roster_view: "RosterView"
        text: str = ""  # what to put in the input line ("/" to start a command)

    def __init__(self, roster: Roster | None = None, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.roster = roster
        self.collapsed: set[str] = set()
        self.filter_text = ""
        self.cursor = 0
        self.rows: list[Row] = []
        self.rebuilds = 0  # how often the rows were rebuilt (the bench test counts them)
        self._built_version = -1
        self._built_for: Roster | None = None

    # -- model ---------------------------------------------------------------
    def set_roster(self, roster: Roster | None) -> None:
        if roster is not self.roster:
            self.roster = roster
            self._built_for = None
        self.roster_changed()

    def roster_changed(self) -> None:
        """Rebuild the rows if the model moved; cheap when it did not.  Hidden
        views wait until shown."""
        if not self.display:
            return
        roster = self.roster
        if roster is self._built_for and roster is not None and roster.version == self._built_version:
            return
        self._rebuild()

    def _rebuild(self) -> None:
        current = self._current_key()
        roster = self.roster
        self.rows = visible_rows(roster, self.collapsed, self.filter_text) if roster else []
        self._built_for = roster
        self._built_version = roster.version if roster else -1
        self.rebuilds += 1
        if current is not None:
            for index, row in enumerate(self.rows):
                if row.key == current:
                    self.cursor = index
                    break
        self._clamp_cursor()
        set_virtual_size(self, Size(self.size.width, len(self.rows) + self._header))
        self._scroll_to_cursor()
        self.refresh()

    def _current_key(self) -> str | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor].key
        return None

    @property
    def _header(self) -> int:
        return 1 if self.filter_text else 0

    @property
    def current_row(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def row_texts(self) -> list[str]:
        """What every row reads as (tests and screen readers of the future)."""
        width = max(self.size.width, 80)
        return [self._render_row(row, False, width).text.rstrip() for row in self.rows]

    # -- cursor and scrolling ------------------------------------------------------
    def _clamp_cursor(self) -> None:
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.scroll_offset.y
        if self.cursor < top:
            top = self.cursor
        elif self.cursor + self._header > top + height - 1:
            top = self.cursor + self._header - height + 1
        self.scroll_to(y=max(0, top), animate=False)

    def move(self, delta: int) -> None:
        self.cursor += delta
        self._clamp_cursor()
        self._scroll_to_cursor()
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        set_virtual_size(self, Size(self.size.width, len(self.rows) + self._header))
        self._scroll_to_cursor()

    def on_show(self) -> None:
        self.roster_changed()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- actions --------------------------------------------------------------------
    def activate(self) -> None:
        row = self.current_row
        if isinstance(row, GroupRow):
            self.toggle_group(row.name)
        elif isinstance(row, ContactRow) and self.roster is not None:
            self.post_message(self.ContactChosen(self, self.roster.account, row.contact.jid))

    def toggle_group(self, name: str, collapse: bool | None = None) -> None:
        if collapse is None:
            collapse = name not in self.collapsed
        if collapse:
            self.collapsed.add(name)
        else:
            self.collapsed.discard(name)
        self._rebuild()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.cursor = 0
        self._rebuild()
        # the first contact, not its group header, is what Enter should open
        if text and len(self.rows) > 1 and isinstance(self.rows[0], GroupRow):
            self.cursor = 1
            self._scroll_to_cursor()

    # -- keys ------------------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        row = self.current_row
        if key == "up":
            self.move(-1)
        elif key == "down":
            self.move(1)
        elif key == "home":
            self.move(-len(self.rows))
        elif key == "end":
            self.move(len(self.rows))
        elif key == "enter":
            self.activate()
        elif key == "space" and isinstance(row, GroupRow):
            self.toggle_group(row.name)
        elif key == "left" and row is not None:
            if isinstance(row, GroupRow):
                self.toggle_group(row.name, collapse=True)
            else:  # to its group's header
                while self.cursor > 0 and not isinstance(self.rows[self.cursor], GroupRow):
                    self.cursor -= 1
                self.move(0)
        elif key == "right" and isinstance(row, GroupRow):
            self.toggle_group(row.name, collapse=False)
        elif key == "backspace":
            if self.filter_text:
                self.set_filter(self.filter_text[:-1])
        elif key == "escape":
            if self.filter_text:
                self.set_filter("")
            else:
                self.post_message(self.Dismissed(self))
        elif event.is_printable and event.character and key != "space":
            if event.character == "/" and not self.filter_text:
                self.post_message(self.Dismissed(self, "/"))
            else:
                self.set_filter(self.filter_text + event.character)
        else:
            return  # not ours: app bindings (Alt+N, F3, ...) get it
        event.stop()
        event.prevent_default()

    def _on_paste(self, event: events.Paste) -> None:
        # A paste is text, not keys: never filter, never open a chat with it.
        event.stop()
        event.prevent_default()

    # -- rendering ----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.base_style()
        if self._header and y == 0:
            text = f" filter: {self.filter_text}  ({sum(isinstance(r, ContactRow) for r in self.rows)})"
            return Strip([Segment(text, base + _FILTER)]).crop_extend(0, width, base + _FILTER)
        index = self.scroll_offset.y + y - self._header
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        strip = self._render_row(self.rows[index], index == self.cursor, width)
        return strip

    def _render_row(self, row: Row, is_cursor: bool, width: int) -> Strip:
        base = self.base_style()
        if is_cursor:
            base = base + (_CURSOR_FOCUSED if self.has_focus else _CURSOR_BLURRED)
        segments: list[Segment]
        if isinstance(row, GroupRow):
            arrow = "▸" if row.collapsed else "▾"
            segments = [
                Segment(f"{arrow} ", base + _GROUP),
                Segment(row.name, base + _GROUP),
                Segment(f" {row.online}/{row.total}", base + _COUNT),
            ]
        else:
            contact = row.contact
            best = contact.best
            show = best.show if best is not None else "offline"
            name_style = base if best is not None else base + _OFFLINE_NAME
            segments = [
                Segment("  ", base),
                Segment(SYMBOLS[show], base + _SYMBOL_STYLES[show]),
                Segment(" ", base),
                Segment(contact.display_name, name_style),
            ]
            marker = contact.subscription_marker
            if marker:
                segments += [Segment(" ", base), Segment(marker, base + _MARKER)]
            if best is not None and best.status:
                segments += [Segment("  ", base), Segment(best.status, base + _STATUS)]
        return Strip(segments).crop_extend(0, width, base)
