"""MessageLog: the virtualised log every Parlons window shows.

A Line-API widget (like Toolong's log view): it never holds a widget, a Text
or a Strip per message.  A :class:`~.line_layout.RowIndex` keeps a few
numbers per message in flat arrays; ``render_line(y)`` maps a visual row to
(message, row in message) with a binary search and renders only that
message, keeping recent renders in an LRU cache.

The list of lines belongs to the core model (``window.lines``): the widget
reads it and never copies it.  The app tells it what happened to the list:
:meth:`notify_appended`, :meth:`notify_cleared`, :meth:`set_lines`.

Untrusted text (bodies, nicks) is only ever put into ``Segment``s as plain
strings: it is never parsed as markup.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from time import monotonic, thread_time
from typing import ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.colours import consistent_rgb
from tui.core.model import Delivery, Line, LineKind

from .. import keys_first
from ..textual_private import PlainDrawing, PlainRows, call_after, frames_cpu, set_virtual_size, within_layout
from .line_layout import (
    PREFIX_ROW,
    RowIndex,
    crypt_mark,
    layout_line,
    layout_rows,
    prefix_pieces,
    row_of_offset,
    split_paragraphs,
    text_cells,
)

# Rendered messages kept; a page needs ~40, scrolling back and forth a few pages more.
STRIP_CACHE_MESSAGES = 512
# Row indexes of recently shown windows kept for a quick switch back.
KEPT_INDEXES = 4
# Scroll position and scrollbar follow new lines at most this often (s).
# Each follow re-renders every visible row (Textual redraws a scrolled
# widget whole: ~44 rows, 3-10 ms): lines that come in a stream are followed
# 20 times a second, and a line after a quiet spell shows at once.
VIEW_SYNC_INTERVAL = 1 / 20
# A flood (FLOOD_STREAK follows in a row each held back by the interval) is
# followed 5 times a second: a py-spy profile of W2 at 20 a second put ~45 %
# of the main thread's samples in Textual's compositor redrawing the log,
# and at 10 a second the follows and their frames were still ~30 % of them
# (with each follow ~10 KB written to the terminal: 100 KB a second over
# SSH for lines nobody can read at that pace).  Not for every stream: a
# command's second line of output would wait for the interval (W8's Enter →
# screen went from 35 to 76 ms at 10 a second).
FLOOD_SYNC_INTERVAL = 1 / 5
FLOOD_STREAK = 5
# At most 5 times a second, and less often where a frame costs more (a slow
# or busy machine): the next follow of a flood waits what keeps its frames —
# the follow's own rows, then the frames that draw them, in the main thread's
# CPU — at FLOOD_FRAME_SHARE of the time, up to FLOOD_SYNC_MAX.  Each frame
# redraws the whole log, whatever it brings, so a flood's frames follow its
# duration, not its messages: on this project's host a slow spell makes a
# 5,000-message flood last three times as long and each frame twice as dear
# (~8 ms: the follow ~3, the frames ~5, measured in the app).  The share is
# 5 a second of 4 ms frames; at 8 ms, 2.5 a second (a steady flood
# headless: the main thread's CPU 1.38–1.47 s at 10 a second, 1.17–1.21 s
# paced; bench/README.md).
FLOOD_FRAME_SHARE = 0.02
FLOOD_SYNC_MAX = 0.4
# ... unless its lines stop coming: a flood's last lines are followed once
# FLOOD_QUIET passes without a new one, not up to FLOOD_SYNC_MAX later.  The
# app brings a stream's lines at most 30 times a second (screens/app.py
# FRAME), so a flood's come every ~34 ms (34–47 in W2 on this host).
FLOOD_QUIET = 0.05


def flood_interval(previous: float, frame_cpu: float) -> float:
    """The wait between two follows of a flood whose last follow cost
    ``frame_cpu`` (its rows rendered, its frames drawn): what keeps them at
    FLOOD_FRAME_SHARE of the time, within [FLOOD_SYNC_INTERVAL,
    FLOOD_SYNC_MAX], and halfway from ``previous`` (one dear frame — a
    garbage collection in it — does not halve the rate at once)."""
    wanted = min(FLOOD_SYNC_MAX, max(FLOOD_SYNC_INTERVAL, frame_cpu / FLOOD_FRAME_SHARE))
    return (previous + wanted) / 2


_BODY_ROLE = {
    LineKind.OUTGOING: "own",
    LineKind.EVENT: "event",
    LineKind.INFO: "event",
    LineKind.ERROR: "error",
}


@lru_cache(maxsize=4096)
def nick_colour(key: str) -> Style:
    """XEP-0392: the same JID (or room nick) has the same colour here as in
    Conversations, Dino or Gajim, in every run."""
    return Style(color=Color.from_rgb(*consistent_rgb(key)))


# One cell between the time and the nick says where a message is in its life
# cycle, so marks never change the layout (no re-wrap when a receipt comes).
_MARKS = {
    Delivery.PENDING: ("…", "error"),
    Delivery.FAILED: ("✗", "error"),
    Delivery.UNANSWERED: ("?", "error"),  # no receipt, no error, from a client that confirms
    Delivery.DELIVERED: ("✓", "time"),
}


def line_mark(line: Line, base: Style, roles: dict[str, Style]) -> tuple[str, Style]:
    """The mark cell: a confusable sender (⚠, someone may be impersonated),
    failed/pending/no answer (?), then corrected (✎), from another device (⇄), delivered
    (✓); a space when there is nothing to say."""
    if line.imitates:
        char, role = "⚠", "error"
    elif line.delivery in (Delivery.FAILED, Delivery.PENDING, Delivery.UNANSWERED):
        char, role = _MARKS[line.delivery]
    elif line.corrected:
        char, role = "✎", "time"
    elif line.elsewhere:
        char, role = "⇄", "time"
    elif line.delivery is Delivery.DELIVERED:
        char, role = _MARKS[line.delivery]
    else:
        return " ", base
    return char, base + roles[role]


def local_hhmm(line: Line) -> str:
    local = line.time.astimezone()
    return f"{local.hour:02d}:{local.minute:02d}"


class MessageLog(ScrollView, PlainDrawing, can_focus=False):
    """Shows a window's ``list[Line]``, wrapped with a hanging indent."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "message-log--time",
        "message-log--nick",
        "message-log--own",
        "message-log--event",
        "message-log--error",
        "message-log--highlight",
        "message-log--crypt",
        "message-log--clear",
    }

    # A permanent scrollbar keeps the wrap width fixed: with "auto" the bar
    # appearing would re-wrap everything and could hide the bar again.
    DEFAULT_CSS = """
    MessageLog {
        overflow-y: scroll;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .message-log--time { color: $text-muted; }
        & > .message-log--nick { text-style: bold; }
        & > .message-log--own { color: $text-accent; }
        & > .message-log--event { color: $text-muted; }
        & > .message-log--error { color: $text-error; }
        & > .message-log--highlight { background: $warning 20%; }
        & > .message-log--crypt { color: $text-success; }
        & > .message-log--clear { color: $text-error; text-style: bold; }
    }
    """

    lines_below: var[int] = var(0)
    """Messages entirely below the viewport (0 when following the tail): the
    app watches this to show "-- more --"."""

    def __init__(
        self,
        lines: list[Line] | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Indexes of recently shown lists, so switching windows back and
        # forth only catches up with what arrived meanwhile.  Keyed by
        # id(list); holding the index holds the list, so the id stays valid.
        self._indexes: OrderedDict[int, RowIndex] = OrderedDict()
        self._index = self._index_for(lines if lines is not None else [])
        self._follow = True
        self._view_sync_pending = False
        self._last_view_sync = 0.0
        self._view_sync_due: float | None = None  # when the pending sync was first due
        self._held_syncs = 0  # follows in a row held back by the interval (a flood)
        self._flood_interval = FLOOD_SYNC_INTERVAL  # between a flood's follows (flood_interval)
        self._appended_at = float("-inf")  # (monotonic) when lines were last appended
        self._flood_due: float | None = None  # when a held follow of a flood is due at the latest
        self._frames_mark: float | None = None  # frames_cpu() after a flood's last follow
        self._width_check_pending = False
        self._plain_rows = PlainRows(self)
        self._pass_geometry: tuple[int, int] | None = None  # (_geometry) within _one_geometry
        self._strip_cache: LRUCache[tuple[Line, int], list[Strip]] = LRUCache(
            STRIP_CACHE_MESSAGES
        )
        self._role_styles: dict[str, Style] | None = None
        # Styles of a message's pieces, by what they depend on (highlight,
        # kind, nick colour): a flood's messages share a few dozen of these.
        self._piece_styles: LRUCache[tuple, tuple[Style, Style, dict[str, Style]]] = LRUCache(1024)

    # -- public API ---------------------------------------------------------

    @property
    def lines(self) -> list[Line]:
        """The model's list being shown (not a copy)."""
        return self._index.lines  # type: ignore[return-value]

    @property
    def wrap_width(self) -> int:
        """Cells per row the index was built for (0 before the first layout)."""
        return self._index.width

    @property
    def row_count(self) -> int:
        """Visual rows of all indexed messages at the current width."""
        return self._index.row_count

    @property
    def top_line_index(self) -> int | None:
        """Index in :attr:`lines` of the message on the top row, if any."""
        if not self.row_count:
            return None
        return self._index.message_at_row(min(self.scroll_offset.y, self.row_count - 1))

    @property
    def is_at_bottom(self) -> bool:
        """True when the view follows the newest line."""
        return self._follow

    def cached_renders(self) -> set[tuple[Line, int]]:
        """(line, width) of every message whose rows are cached: what a
        change must drop, and what it must leave alone."""
        return set(self._strip_cache.keys())

    def role_style(self, role: str) -> Style:
        """The style a kind of text gets from the theme: "time", "nick",
        "own", "event", "error", "highlight", or "base" (the widget's own)."""
        return self._roles()[role]

    def set_lines(self, lines: list[Line]) -> None:
        """Show another window's list, scrolled to its newest line."""
        width = self._index.width
        self._index = self._index_for(lines)
        if width:
            self._index.set_width(width)
        self._follow = True
        self._sync_view()

    def notify_appended(self) -> None:
        """The list grew at its end (by any number of lines).

        Indexes the new lines now, O(new lines); the scroll position, the
        scrollbar and :attr:`lines_below` follow at most once per frame
        however many calls come meanwhile (a MAM catch-up may call this per
        message).
        """
        if self._index.sync():
            self._appended_at = monotonic()
            self._schedule_view_sync()

    def _render_ahead(self) -> None:
        """Render (and filter) the rows a follow is about to show, in the
        follow's step, not in the frame's: a frame of a flood made each of
        its 44 new rows (3 ms headless, 4-6 under tmux with the server and
        the bot on the other core), and a key typed meanwhile waited for it
        all; now two steps of half that, a key's turn between them.  Only
        what the follow shows: the last screenful."""
        index = self._index
        if not index.width:
            return
        height = self.scrollable_content_region.height
        first = max(0, index.message_at_row(max(0, index.row_count - height)))
        with self._one_geometry():
            rows = [row for message in range(first, min(index.measured, len(self.lines)))
                    for row in self._message_strips(message)]
        self._plain_rows.prepare(rows)

    def notify_cleared(self) -> None:
        """The list was emptied."""
        self._index.sync()
        self._strip_cache.clear()
        self._follow = True
        self._held_syncs = 0  # (not a flood: never held for a key's frame)
        self._sync_view()

    @property
    def mark_clear(self) -> bool:
        """Messages in clear are marked: the conversation shown is encrypted."""
        return self._index.mark_clear

    def set_mark_clear(self, mark_clear: bool) -> None:
        """The conversation shown became encrypted (messages in clear get
        CLEAR_MARK), or no longer is: re-measured, keeping the reader's place."""
        anchor = None if self._follow or not self._index.width else self._top_anchor()
        if not self._index.set_mark_clear(mark_clear):
            return
        self._strip_cache.clear()
        self._reindexed(anchor)
        self.refresh()

    def notify_changed(self, reflow: bool = False, line: Line | None = None) -> None:
        """A shown line changed: its marks only (``reflow=False``: re-render),
        or its text / a line inserted mid-list (``reflow=True``: re-index,
        keeping the reader's place). Given ``line``, only it and what follows
        are re-indexed (it is looked for from the end: changes are recent)
        and only its renders are dropped. A mark that widens the prefix (the
        encryption mark, once a message went out encrypted) re-indexes too."""
        self._forget_renders(line)
        if not reflow and line is not None and self._may_widen(line):
            position = self._position_of(line)
            reflow = position is not None and self._index.is_stale(position)
        if reflow:
            anchor = None if self._follow or not self._index.width else self._top_anchor()
            position = self._position_of(line) if line is not None else None
            if position is None:
                self._index.reindex()
            else:
                self._index.reindex_from(position)
            self._reindexed(anchor)
        self.refresh()

    def _reindexed(self, anchor) -> None:
        """After a re-index: the new height, the reader's place kept (``anchor``, when not following)."""
        if self._index.width:
            set_virtual_size(self, Size(self._index.width, self.row_count))
        if anchor is not None:
            self.scroll_to(y=self._anchor_row(anchor), animate=False)
        self._sync_view()

    def notify_changed_elsewhere(self, lines: list[Line], reflow: bool, line: Line | None = None) -> None:
        """A line changed in a list not shown now: its kept layout (if
        ``reflow``) and its cached renders are stale."""
        if reflow:
            self._indexes.pop(id(lines), None)
        elif line is not None:
            index = self._indexes.get(id(lines))
            if index is not None and self._may_widen(line, index):
                position = next((p for p in range(min(len(lines), index.measured) - 1, -1, -1)
                                 if lines[p] is line), None)
                if position is not None and index.is_stale(position):
                    self._indexes.pop(id(lines), None)
        self._forget_renders(line)

    def _may_widen(self, line: Line, index: RowIndex | None = None) -> bool:
        """Can a change of ``line``'s marks have changed its prefix's width?"""
        return bool(line.encryption) or (index or self._index).mark_clear

    def _forget_renders(self, line: Line | None) -> None:
        """Drop the cached renders of ``line`` (at every width), or all of
        them when it is not known. A render depends on its line alone, so a
        delivery mark in a window behind does not re-render the one shown."""
        if line is None:
            self._strip_cache.clear()
            return
        for key in [key for key in self._strip_cache.keys() if key[0] is line]:
            self._strip_cache.discard(key)

    def _position_of(self, line: Line) -> int | None:
        lines = self.lines
        for position in range(min(len(lines), self._index.measured + 1) - 1, -1, -1):
            if lines[position] is line:
                return position
        return None

    def notify_prepended(self, count: int, replaced: int = 0) -> None:
        """``count`` older lines now stand where the first ``replaced`` did:
        re-index and keep the same message on the top row (scrollback
        paging); a top line among those replaced (out of place, put back
        among the page's): the first line below them."""
        anchor = None if self._follow or not self._index.width else self._top_anchor()
        if anchor is not None:
            message, paragraph, offset = anchor
            anchor = (message - replaced + count, paragraph, offset) if message >= replaced else (count, 0, 0)
        self._index.reindex()
        self._strip_cache.clear()
        self._reindexed(anchor)
        self.refresh()

    def notify_dropped(self, count: int, prefix: bool = True) -> None:
        """The list's ``count`` oldest lines were let go of (memory; the
        model does it only while the view follows the end or is elsewhere):
        the same rows stay on screen. ``prefix`` False: lines kept among them
        moved to the front, indexed again."""
        anchor = None if self._follow or not self._index.width else self._top_anchor()
        if prefix:
            self._index.drop_head(count)
        else:
            self._index.reindex()
        if anchor is not None:  # (the top message itself gone: the new first one)
            anchor = (anchor[0] - count, anchor[1], anchor[2]) if anchor[0] >= count else (0, 0, 0)
        self._reindexed(anchor)
        self.refresh()

    def notify_dropped_elsewhere(self, lines: list[Line], count: int, prefix: bool = True) -> None:
        """The same, for a list not shown now: its kept layout follows."""
        index = self._indexes.get(id(lines))
        if index is not None and index.lines is lines:
            if prefix:
                index.drop_head(count)
            else:
                del self._indexes[id(lines)]

    def reveal(self, line: Line) -> bool:
        """Scroll so that ``line`` is in view, a third down the screen (/goto)."""
        lines = self.lines
        for index in range(len(lines) - 1, -1, -1):
            if lines[index] is line:
                break
        else:
            return False
        self._index.sync()
        if not self._index.width:
            return False
        set_virtual_size(self, Size(self._index.width, self.row_count))
        row = self._index.row_starts[index]
        target = max(0, row - self.scrollable_content_region.height // 3)
        self._follow = target >= self.max_scroll_y
        self.scroll_to(y=target, animate=False)
        self.refresh()
        return True

    @property
    def at_top(self) -> bool:
        """The first row is on screen (time to page older history in)."""
        return self.scroll_offset.y <= 0

    def page_up(self) -> None:
        self.scroll_to(y=self.scroll_offset.y - self._page_rows(), animate=False)

    def page_down(self) -> None:
        self.scroll_to(y=self.scroll_offset.y + self._page_rows(), animate=False)

    def scroll_to_bottom(self) -> None:
        """Jump to the newest line and follow it again."""
        self._follow = True
        self._scroll_to_end()

    # -- index and view -----------------------------------------------------

    def _index_for(self, lines: list[Line]) -> RowIndex:
        index = self._indexes.pop(id(lines), None)
        if index is None or index.lines is not lines:
            index = RowIndex(lines)
        else:
            index.sync()
        self._indexes[id(lines)] = index
        while len(self._indexes) > KEPT_INDEXES:
            self._indexes.popitem(last=False)
        return index

    def _schedule_view_sync(self) -> None:
        # At most one sync per frame: each one changes virtual_size, which
        # costs Textual a layout pass, and a flood may arrive one message per
        # turn of the event loop.
        if self._view_sync_pending or not self.is_attached:
            return
        self._view_sync_pending = True
        flood = self._held_syncs >= FLOOD_STREAK
        now = monotonic()
        wait = self._last_view_sync + (self._flood_interval if flood else VIEW_SYNC_INTERVAL) - now
        self._held_syncs = self._held_syncs + 1 if wait > 0 else 0
        if wait <= 0:
            self.call_later(self.sync_view_now)
        elif flood:
            self._flood_due = now + wait
            self._follow_flood(self._flood_due)
        else:
            call_after(self, wait, self.sync_view_now)  # (a Textual one-shot timer may be dropped)

    def _follow_flood(self, due: float) -> None:
        """A flood's held follow: at ``due``, or once its lines stop coming
        (FLOOD_QUIET without one), whichever is first."""
        if self._flood_due != due:
            return  # followed meanwhile (an Enter's frame, a window switch: _sync_view), or a newer hold
        now = monotonic()
        at = min(due, self._appended_at + FLOOD_QUIET)
        if now < at:
            call_after(self, at - now, lambda: self._follow_flood(due))
        else:
            self.sync_view_now()

    def sync_view_now(self) -> None:
        """The sync due (lines added), if not done already: what the two
        calls above run, and the app for the frame about to be drawn (an
        Enter's, with what its line shows)."""
        if self._view_sync_pending:
            self._sync_view()

    def _sync_view(self) -> None:
        """Bring scrollbar, scroll position and "more below" up to date with
        the index."""
        now = monotonic()
        if self._view_sync_due is None:
            self._view_sync_due = now
        flood = self._follow and self._held_syncs >= FLOOD_STREAK  # (a command's output is not held)
        wait = keys_first.hold(self._view_sync_due, now) if flood else 0.0
        if wait > 0 and self.is_attached:
            call_after(self, wait, self._sync_view)  # a key's frame first (screens/keys_first.py)
            return
        self._view_sync_due = None
        self._view_sync_pending = False
        self._flood_due = None
        self._last_view_sync = now
        if not self._index.width or not self.is_attached:  # (a follow due after the log was removed)
            return
        old_rows = self.virtual_size.height
        # no layout of the whole screen per follow (textual_private.set_virtual_size)
        set_virtual_size(self, Size(self._index.width, self.row_count))
        if self._follow:
            began = thread_time()
            self._render_ahead()
            top = self.scroll_offset.y
            self._scroll_to_end()
            if self.scroll_offset.y == top:  # a scroll redraws the log: a refresh too would redraw it twice
                self.refresh()
            self._paced(flood, thread_time() - began)
        else:
            self._frames_mark = None  # (the frames until the next follow are not its cost)
            if old_rows != self.row_count and min(old_rows, self.row_count) < (
                self.scroll_offset.y + self.size.height
            ):
                self.refresh()  # rows inside the viewport changed
        self._update_lines_below()

    def _paced(self, flood: bool, follow_cpu: float) -> None:
        """The next follow of a flood waits what this one cost: its own
        ``follow_cpu`` and the frames drawn since the last one (which drew
        that one's rows; none counted across a sync that did not follow:
        the reader scrolled up meanwhile).  Out of a flood, FLOOD_SYNC_INTERVAL again."""
        if not flood:
            self._flood_interval, self._frames_mark = FLOOD_SYNC_INTERVAL, None
            return
        frames = frames_cpu()
        if self._frames_mark is not None:
            self._flood_interval = flood_interval(self._flood_interval, follow_cpu + frames - self._frames_mark)
        self._frames_mark = frames

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        # Textual tells the new size here, within the layout pass, then draws the
        # frame, then sends Resize: the width applied here is the width that
        # frame shows.  Applied on Resize, the frame drew the log at its old
        # width, and the Resize a frame again (a room's window opening: 3–7 ms
        # under tmux after the layout, keys typed meanwhile waiting for both).
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if resized and self.is_attached:
            within_layout(self, self._apply_width)
        return resized

    def _apply_width(self) -> None:
        self._width_check_pending = False
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        if width != self._index.width:
            old_width = self._index.width
            anchor = None if self._follow or not old_width else self._top_anchor()
            self._index.set_width(width)
            self._strip_cache.clear()
            set_virtual_size(self, Size(width, self.row_count))
            if anchor is not None:
                self.scroll_to(y=self._anchor_row(anchor), animate=False)
            self.refresh()
        self._sync_view()

    def _top_anchor(self) -> tuple[int, int, int]:
        """(message, paragraph, character offset) shown on the top row."""
        top = min(self.scroll_offset.y, max(0, self.row_count - 1))
        message = self._index.message_at_row(top)
        _, rows = layout_line(self.lines[message], self._index.width, self._index.mark_clear)
        row = min(top - self._index.row_starts[message], len(rows) - 1)
        paragraph, offset, _ = rows[row]
        return message, paragraph, offset

    def _anchor_row(self, anchor: tuple[int, int, int]) -> int:
        message, paragraph, offset = anchor
        if message >= self._index.measured:
            return 0
        _, rows = layout_line(self.lines[message], self._index.width, self._index.mark_clear)
        return self._index.row_starts[message] + row_of_offset(rows, paragraph, offset)

    def _scroll_to_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False)

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._follow = round(new_value) >= self.max_scroll_y
        self._update_lines_below()

    def _update_lines_below(self) -> None:
        total = self.row_count
        bottom = self.scroll_offset.y + self.scrollable_content_region.height - 1
        if self._follow or bottom >= total - 1:
            self.lines_below = 0
        else:
            self.lines_below = self._index.measured - 1 - self._index.message_at_row(bottom)

    # -- rendering ----------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._role_styles = None
        self._piece_styles.clear()
        self._strip_cache.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # A width change no layout pass told (_size_updated: e.g. CSS changed
        # the scrollbar) is caught here; applied after this frame, never mid-render.
        if (
            not self._width_check_pending
            and self.scrollable_content_region.width != self._index.width
        ):
            self._width_check_pending = True
            self.call_later(self._apply_width)
        # each row is whole and kept (by message): no per-row styling to redo
        with self._one_geometry():
            return self._plain_rows.render(crop)

    @contextmanager
    def _one_geometry(self) -> Iterator[None]:
        """Within it, :meth:`_geometry` is asked of the widget once: a
        drawing or a rendering ahead, not each of its rows (Textual finds a
        widget's size through the screen's map: a third of a row's render)."""
        outer = self._pass_geometry
        self._pass_geometry = outer or (self.scroll_offset.y, self.size.width)
        try:
            yield
        finally:
            self._pass_geometry = outer

    def _geometry(self) -> tuple[int, int]:
        """(the first row shown, the widget's width in cells)."""
        return self._pass_geometry or (self.scroll_offset.y, self.size.width)

    def render_line(self, y: int) -> Strip:
        top, width = self._geometry()
        row = top + y
        index = self._index
        base = self._roles()["base"]
        if not index.width or not 0 <= row < index.row_count:
            return Strip.blank(width, base)
        message = index.message_at_row(row)
        if message >= len(self.lines):
            # the model emptied its list in place (/clear) and the app has not
            # told us yet (its sync is at most a frame away): nothing to show
            return Strip.blank(width, base)
        strips = self._message_strips(message)
        strip = strips[min(row - index.row_starts[message], len(strips) - 1)]
        # Rows are cached at the wrap width; the scrollbar column is added here.
        return strip if strip.cell_length == width else strip.crop_extend(0, width, base)

    def _message_strips(self, message: int) -> list[Strip]:
        line = self.lines[message]
        key = (line, self._index.width)
        strips = self._strip_cache.get(key)
        if strips is None:
            strips = self._render_message(line, self._index.width)
            self._strip_cache[key] = strips
        return strips

    def _roles(self) -> dict[str, Style]:
        if self._role_styles is None:
            self._role_styles = {
                role: self._component_style(f"message-log--{role}")
                for role in ("time", "nick", "own", "event", "error", "highlight", "crypt", "clear")
            }
            self._role_styles["base"] = self.base_style()
        return self._role_styles

    def _component_style(self, name: str) -> Style:
        """What a component class adds over the widget's style.  The partial
        style drops alpha, so colours are taken from the blended full style."""
        partial = self.get_component_rich_style(name, partial=True)
        full = self.get_component_rich_style(name)
        return partial.without_color + Style(
            color=full.color if partial.color else None,
            bgcolor=full.bgcolor if partial.bgcolor else None,
        )

    def _styles_of(self, line: Line) -> tuple[Style, Style, dict[str, Style]]:
        """The line's style, its body's, and its prefix pieces' (by role)."""
        own = line.kind is LineKind.OUTGOING
        key = (line.highlight, line.kind, own or (line.colour_key or line.nick))
        styles = self._piece_styles.get(key)
        if styles is None:
            roles = self._roles()
            line_style = roles["base"]
            if line.highlight:
                line_style += roles["highlight"]
            body_role = _BODY_ROLE.get(line.kind)
            body_style = line_style + roles[body_role] if body_role else line_style
            piece_styles = {
                "bracket": line_style + roles["time"],
                "nick": line_style + roles["nick"] + (roles["own"] if own else nick_colour(line.colour_key or line.nick)),
                "action": body_style,
                "event": line_style + roles["event"],
                "error": line_style + roles["error"],
                "crypt": line_style + roles["crypt"],
                "clear": line_style + roles["clear"],
                "time": line_style + roles["time"],
            }
            styles = self._piece_styles[key] = (line_style, body_style, piece_styles)
        return styles

    def _render_message(self, line: Line, width: int) -> list[Strip]:
        roles = self._roles()
        line_style, body_style, piece_styles = self._styles_of(line)
        crypt = crypt_mark(line, self._index.mark_clear)
        pieces = [(local_hhmm(line), piece_styles["time"]), line_mark(line, line_style, roles)]
        pieces += [(text, piece_styles[role]) for text, role in prefix_pieces(line.kind, line.nick, crypt)]
        prefix = "".join(text for text, _ in pieces)
        prefix_spans = []
        offset = 0
        for text, style in pieces:
            prefix_spans.append((offset, offset + len(text), style))
            offset += len(text)

        paragraphs = split_paragraphs(line.body)
        indent, rows = layout_rows(prefix, text_cells(prefix), paragraphs, width)
        inline_prefix = indent == text_cells(prefix)
        indent_segment = Segment(" " * indent, line_style)

        full_width = max(width, self._geometry()[1])
        scrollbar_pad = Segment(" " * (full_width - width), roles["base"]) if full_width > width else None
        strips = []
        for number, (paragraph, start, end) in enumerate(rows):
            segments: list[Segment] = []
            if paragraph == PREFIX_ROW:
                text, spans = prefix, prefix_spans
            else:
                if number == 0 and inline_prefix:
                    segments.extend(Segment(text, style) for text, style in pieces)
                else:
                    segments.append(indent_segment)
                text = paragraphs[paragraph]
                spans = [(0, len(text), body_style)]
            for span_start, span_end, style in spans:
                low, high = max(span_start, start), min(span_end, end)
                if low < high:
                    segments.append(Segment(text[low:high], style))
            strips.append(_row_strip(segments, width, full_width, line_style, scrollbar_pad))
        return strips


def _row_strip(segments: list[Segment], width: int, full_width: int, fill: Style,
               scrollbar_pad: Segment | None) -> Strip:
    """One row as one Strip of ``full_width`` cells: the text padded to the
    wrap ``width`` in the line's style, then the scrollbar's column in the
    widget's.  A Strip is costly to make (Textual gives each its caches):
    one per row, not one per crop and pad step."""
    cells = sum(text_cells(segment.text) for segment in segments)
    if cells > width:  # never from layout_rows; kept exact should it happen
        strip = Strip(segments).crop_extend(0, width, fill)
        return strip.extend_cell_length(full_width, scrollbar_pad.style if scrollbar_pad else None)
    if cells < width:
        segments.append(Segment(" " * (width - cells), fill))
    if scrollbar_pad is not None:
        segments.append(scrollbar_pad)
    return Strip(segments, full_width)
