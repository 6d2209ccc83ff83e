"""NickList: a room's occupants in the right-hand pane (Line API).

A room can hold 1,000+ occupants, so this is no ListView: like the roster
view it renders only the visible rows (``render_line``) over a flat list of
small tuples, rebuilt only when the room's ``version`` moved (or the app
says the confusable flags changed), at most once per app sync — one
rebuild per frame however many presences a join storm brings.  While we
are still joining (the room's presences come before our own), at most one
rebuild every :data:`JOINING_REBUILD` seconds: each rebuild redraws every
row in view (a new occupant moves those below it), and nobody reads a list
that grows 30 times a second; our own presence ends the join and the list
is complete in the next frame (as Irssi shows NAMES at their end).

Layout (about 20 columns)::

     42 people            header: occupants in the room
    Moderators 2          one heading per non-empty role
     @alice
    ⚠@bοb                 ⚠: confusable with another nick or a contact
    Participants 39
      carol               away / extended away: dimmed
    Visitors 1
      dave                visitors: dimmed

The pane never takes focus (the input line keeps the keys) and ignores a
paste.  Nicks are untrusted: they go into ``Segment``s as plain strings,
never through markup.
"""

from __future__ import annotations

import asyncio
from time import monotonic

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.room import Occupant, Room

from ..textual_private import PlainDrawing, PlainRows, call_after, set_virtual_size

ROLE_TITLES = {
    "moderator": "Moderators",
    "participant": "Participants",
    "visitor": "Visitors",
    "none": "Others",
}
ROLE_MARKS = {"moderator": "@", "participant": " ", "visitor": " ", "none": " "}
FLAG = "⚠"  # one cell (no VS16): the layout does not move when a flag appears
EDGE = "▏"  # the pane's left edge: Textual's "vkey" border glyph

_HEADER = Style(dim=True)
_GROUP = Style(bold=True)
_COUNT = Style(dim=True)
_MODERATOR = Style(color="green", bold=True)
_DIMMED = Style(dim=True)
_FLAG = Style(color="red", bold=True)
_OWN = Style(bold=True)

# A row: ("header", count) | ("group", role, count) | ("occupant", Occupant)
Row = tuple

# seconds between two rebuilds while the join is in progress: twice a second
# shows a slow join's progress; a rebuild redraws every row in view (W7, a
# room of 1,000: ~17 ms of frames for the one at 0.25 s, before the last
# presences came)
JOINING_REBUILD = 0.5


def nick_rows(room: Room | None) -> list[Row]:
    """The flat rows the pane shows for ``room`` (pure; sorting is the model's)."""
    if room is None:
        return []
    rows: list[Row] = [("header", len(room.occupants))]
    for role, people in room.by_role():
        rows.append(("group", role, len(people)))
        rows.extend(("occupant", occupant) for occupant in people)
    return rows


class NickList(ScrollView, PlainDrawing, can_focus=False):
    # Its left edge is drawn in its own first column (EDGE, the glyph of
    # Textual's "vkey" border, in the colour the main screen's panes use
    # for theirs) rather than by a CSS border: with no border, its rows go
    # to the compositor without Textual's per-row styling (PlainRows), and
    # a room's window opening — a layout pass that draws every row of the
    # pane, mostly blank — costs ~1 ms less.
    COMPONENT_CLASSES = {"nick-list--edge"}
    DEFAULT_CSS = """
    NickList {
        overflow-y: auto;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .nick-list--edge { color: $foreground 30%; }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.room: Room | None = None
        self.rows: list[Row] = []
        self.rebuilds = 0  # how often the rows were rebuilt (tests and the bench count them)
        self._built: tuple[int, int] | None = None  # (id(room), version) of the rows
        self._built_at = float("-inf")  # monotonic time of the last rebuild
        self._trailing: asyncio.TimerHandle | None = None  # the rebuild a join's last presences wait for
        self._plain_rows = PlainRows(self)
        self._edge: Segment | None = None  # the left edge's cell (styled when first drawn)
        self._blank: Strip | None = None  # a row below the list: its edge only (kept for one width)

    # -- model -----------------------------------------------------------------
    def set_room(self, room: Room | None, *, force: bool = False) -> None:
        """Catch up with ``room``; a no-op when its version did not move.
        ``force``: rebuild anyway (the confusable flags changed).  A hidden
        pane waits until shown."""
        self.room = room
        if not self.display:
            return
        key = (id(room), room.version) if room is not None else None
        if key == self._built and not force:
            return
        now = monotonic()
        if (room is not None and not room.joined and not force and self._built is not None
                and self._built[0] == id(room)):
            wait = self._built_at + JOINING_REBUILD - now
            if wait > 0:  # joining: later (and surely: the last presences may be followed by none)
                if self._trailing is None:
                    self._trailing = call_after(self, wait, self._rebuild_later)
                return
        if self._trailing is not None:
            self._trailing.cancel()
            self._trailing = None
        self._built = key
        self._built_at = now
        self.rows = nick_rows(room)
        self.rebuilds += 1
        set_virtual_size(self, Size(self.size.width, len(self.rows)))
        self.refresh()

    def _rebuild_later(self) -> None:
        self._trailing = None
        self.set_room(self.room)

    def row_texts(self) -> list[str]:
        """What every row reads as (tests)."""
        width = max(self.size.width, 40)
        return [self.render_row(row, width).text.rstrip() for row in self.rows]

    def on_show(self) -> None:
        self.set_room(self.room)

    def on_resize(self, _event: events.Resize) -> None:
        set_virtual_size(self, Size(self.size.width, len(self.rows)))

    def _on_paste(self, event: events.Paste) -> None:
        # A paste is text for the input line, never anything here.
        event.stop()
        event.prevent_default()

    # -- rendering -----------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._edge = self._blank = None

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._plain_rows.render(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = self.scroll_offset.y + y
        if self._edge is None:
            self._edge = Segment(EDGE, self.get_component_rich_style("nick-list--edge"))
        if not 0 <= index < len(self.rows):
            if self._blank is None or self._blank.cell_length != width:
                self._blank = Strip([self._edge]).crop_extend(0, width, self.base_style())
            return self._blank
        return Strip.join([Strip([self._edge], 1), self.render_row(self.rows[index], width - 1)])

    def render_row(self, row: Row, width: int) -> Strip:
        """One row of the list, ``width`` cells wide, styled."""
        base = self.base_style()
        kind = row[0]
        if kind == "header":
            count = row[1]
            segments = [Segment(f" {count} {'person' if count == 1 else 'people'}", base + _HEADER)]
        elif kind == "group":
            _, role, count = row
            segments = [Segment(ROLE_TITLES.get(role, role), base + _GROUP),
                        Segment(f" {count}", base + _COUNT)]
        else:
            segments = self._occupant_segments(row[1], base)
        return Strip(segments).crop_extend(0, width, base)

    def _occupant_segments(self, occupant: Occupant, base: Style) -> list[Segment]:
        flagged = occupant.confusable_with is not None
        mark = ROLE_MARKS.get(occupant.role, " ")
        style = base
        if occupant.role == "visitor" or occupant.show in ("away", "xa"):
            style = base + _DIMMED
        if self.room is not None and occupant.nick == self.room.nick:
            style = style + _OWN
        return [
            Segment(FLAG if flagged else " ", base + _FLAG),
            Segment(mark, base + _MODERATOR if mark == "@" else base),
            Segment(occupant.nick, style),
        ]
