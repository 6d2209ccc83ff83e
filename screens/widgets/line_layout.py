"""Pure layout of one log line into terminal rows (no Textual, no styles).

A line shows as ``HH:MM <nick> body`` (or ``HH:MM * nick body`` for actions,
``HH:MM -!- body`` for events).  Paragraph 0 is the prefix plus the first
line of the body; every ``\\n`` in the body starts another paragraph.  Rows
after the first are indented by a *hanging indent* so that they start under
the body column.

Everything is measured in terminal cells (``rich.cells``), never with
``len()``: CJK and emoji take two cells.  The functions return character
offsets, so the widget can slice the real strings and style them afterwards.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from itertools import accumulate
from typing import Sequence

from rich.cells import cell_len, get_character_cell_size, split_graphemes

from tui.core.model import Delivery, Line, LineKind

TIME_PLACEHOLDER = "00:00"  # same cell width as any "HH:MM"
TIME_CELLS = len(TIME_PLACEHOLDER) + 1  # "HH:MM "
# Below this many cells of body per row, the full hanging indent is given up
# (a long nick in a narrow window would leave no room for the text).
MIN_BODY_CELLS = 10
# Tabs have no column grid under a hanging indent: a fixed run of spaces.
TAB = "    "

MESSAGE_KINDS = frozenset({LineKind.INCOMING, LineKind.OUTGOING})
EVENT_MARKER = "-!- "
# Before the nick of a message (like Profanity's encryption char): it went
# out / came in encrypted; it went in clear while the conversation is
# encrypted (an old line, or a peer who sent in clear).
CRYPT_MARK = "~"
CLEAR_MARK = "!"
_SAID_KINDS = frozenset({LineKind.INCOMING, LineKind.OUTGOING, LineKind.ACTION})
_NOT_GONE = frozenset({Delivery.PENDING, Delivery.FAILED})  # nothing went out (yet)

_NON_SPACE = re.compile(r"[^ ]")

Row = tuple[int, int, int]  # (paragraph index, start offset, end offset)
PREFIX_ROW = -1  # "paragraph" index of rows that hold only the prefix


def text_cells(text: str) -> int:
    """Cell width of ``text``.  Sanitised ASCII is all printable: 1 cell each."""
    return len(text) if text.isascii() else cell_len(text)


def split_paragraphs(body: str) -> list[str]:
    """The rows a body asks for before any wrapping."""
    if "\t" in body:
        body = body.replace("\t", TAB)
    return body.split("\n")


def crypt_mark(line: Line, mark_clear: bool = False) -> str:
    """How a message went: CRYPT_MARK (encrypted), CLEAR_MARK (in clear, and
    ``mark_clear``: its conversation is encrypted now), else "". Lines that
    are not messages, and ours that did not go out (pending, failed), have
    none. Cheap: the log asks for every line it measures."""
    if line.kind not in _SAID_KINDS:
        return ""
    if line.encryption:
        return CRYPT_MARK
    if mark_clear and line.delivery not in _NOT_GONE:
        return CLEAR_MARK
    return ""


def prefix_pieces(kind: LineKind, nick: str, crypt: str = "") -> list[tuple[str, str]]:
    """What comes between the time and the body, as (text, role) pieces.

    Roles name the style the widget gives each piece: "bracket", "nick",
    "action", "event", "error", "crypt" (an encrypted message's mark),
    "clear" (a message in clear in an encrypted conversation). ``crypt``:
    :func:`crypt_mark` of the line.
    """
    if kind in MESSAGE_KINDS:
        if not nick:
            return _crypt_pieces(crypt)
        return [*_crypt_pieces(crypt), ("<", "bracket"), (nick, "nick"), ("> ", "bracket")]
    if kind is LineKind.ACTION:
        return [*_crypt_pieces(crypt), ("* ", "action"), (nick, "nick"), (" ", "action")]
    return [(EVENT_MARKER, "error" if kind is LineKind.ERROR else "event")]


def _crypt_pieces(crypt: str) -> list[tuple[str, str]]:
    if not crypt:
        return []
    return [(crypt, "crypt" if crypt == CRYPT_MARK else "clear"), (" ", "bracket")]


def prefix_text(kind: LineKind, nick: str, time_text: str = TIME_PLACEHOLDER, crypt: str = "") -> str:
    return time_text + " " + "".join(text for text, _ in prefix_pieces(kind, nick, crypt))


def prefix_width(kind: LineKind, nick: str, crypt: str = "") -> int:
    """Cells of ``prefix_text(kind, nick, crypt=crypt)``, without building it."""
    marked = len(crypt) + 1 if crypt and kind in _SAID_KINDS else 0
    if kind in MESSAGE_KINDS:
        return marked + (TIME_CELLS + 3 + text_cells(nick) if nick else TIME_CELLS)
    if kind is LineKind.ACTION:
        return marked + TIME_CELLS + 3 + text_cells(nick)
    return TIME_CELLS + len(EVENT_MARKER)


def hanging_indent(prefix_cells: int, width: int) -> int:
    """Indent of continuation rows: under the body if that leaves room for
    text, else under the time column, else none."""
    room = min(MIN_BODY_CELLS, width)
    for indent in (prefix_cells, TIME_CELLS):
        if width - indent >= room:
            return indent
    return 0


def wrap_text(text: str, first_width: int, rest_width: int) -> list[tuple[int, int]]:
    """Word-wrap one paragraph; returns (start, end) offsets of each row.

    The first row may be ``first_width`` cells wide, the others
    ``rest_width``.  Rows break at spaces (the spaces are dropped at the
    break); a word longer than a row is cut at a grapheme boundary.  A row
    always holds at least one grapheme, so a 2-cell glyph in a 1-cell row
    still makes progress (the renderer crops it).
    """
    n = len(text)
    width = max(1, first_width)
    # Positions are characters; cum[i] = cells before character i (None when
    # every character is one cell).  starts, when set, lists grapheme starts:
    # only joiner sequences (ZWJ emoji, VS16) need whole-grapheme steps.
    starts: list[int] | None = None
    cum: list[int] | None = None
    if text.isascii():
        if n <= width:
            return [(0, n)]
    elif "\u200d" in text or "\ufe0f" in text:
        spans, total = split_graphemes(text)
        if total <= width:
            return [(0, n)]
        starts = [start for start, _, _ in spans]
        starts.append(n)
        cum = [0]
        for _, _, cells in spans:
            cum.append(cum[-1] + cells)
    else:
        cum = [0, *accumulate(map(get_character_cell_size, text))]
        if cum[-1] <= width:
            return [(0, n)]
    # Leading indentation of a paragraph is not a break point; every later
    # row starts on a non-space, so a space after its start is one.
    lead = n - len(text.lstrip(" ")) if text[:1] == " " else 0

    rows: list[tuple[int, int]] = []
    row_start = 0
    while True:
        # fit_end: first offset that no longer fits on this row.
        if cum is None:
            fit_end = row_start + width
        elif starts is None:
            # bisect_right lands after zero-width marks that end the row.
            fit_end = max(bisect_right(cum, cum[row_start] + width) - 1, row_start + 1)
        else:
            first = bisect_right(starts, row_start) - 1
            last = bisect_right(cum, cum[first] + width) - 1
            fit_end = starts[max(last, first + 1)]
        if fit_end >= n:
            rows.append((row_start, n))
            return rows
        if text[fit_end] == " ":
            # The row ends exactly at a word end: drop the spaces that follow.
            rows.append((row_start, fit_end))
            match = _NON_SPACE.search(text, fit_end)
            if match is None:
                return rows
            row_start = match.start()
        else:
            space = text.rfind(" ", row_start, fit_end)
            if space > (lead if row_start == 0 else row_start):
                rows.append((row_start, space))
                row_start = space + 1
            else:
                rows.append((row_start, fit_end))
                row_start = fit_end
        width = max(1, rest_width)


def layout_rows(
    prefix: str, prefix_cells: int, paragraphs: list[str], width: int
) -> tuple[int, list[Row]]:
    """Rows of a whole line at ``width``: (hanging indent, rows).

    A row is (paragraph, start, end) with offsets into that paragraph of the
    body; paragraph ``PREFIX_ROW`` (-1) is a row of the prefix alone.  When
    the prefix leaves room for text (indent == prefix_cells), the first body
    row follows the prefix on the same row; otherwise the prefix gets rows of
    its own and the body starts below it.  Only ``prefix`` 's cell widths
    matter, so the index can pass a placeholder time.
    """
    indent = hanging_indent(prefix_cells, width)
    rest = width - indent
    rows: list[Row] = []
    if indent == prefix_cells:
        first = width - prefix_cells
    else:
        rows.extend((PREFIX_ROW, start, end) for start, end in wrap_text(prefix, width, width))
        first = rest
    for index, paragraph in enumerate(paragraphs):
        rows.extend(
            (index, start, end)
            for start, end in wrap_text(paragraph, first if index == 0 else rest, rest)
        )
    return indent, rows


def count_line_rows(line: Line, width: int, mark_clear: bool = False) -> int:
    """``len(layout_line(line, width, mark_clear)[1])``, cheaper: no prefix
    string and no row list for paragraphs that fit (the index calls this for
    every message wider than the window)."""
    cells = prefix_width(line.kind, line.nick, crypt_mark(line, mark_clear))
    indent = hanging_indent(cells, width)
    if indent != cells:  # the prefix needs rows of its own: rare, do it fully
        return len(layout_line(line, width, mark_clear)[1])
    rest = width - indent
    room = width - cells
    count = 0
    for paragraph in split_paragraphs(line.body):
        if len(paragraph) <= room and (paragraph.isascii() or text_cells(paragraph) <= room):
            count += 1
        else:
            count += len(wrap_text(paragraph, room, rest))
        room = rest
    return count


def unwrapped_cells(prefix_cells: int, paragraphs: list[str]) -> int:
    """Width at which the line needs no wrapping: one row per paragraph.

    The hanging indent never exceeds the prefix, so ``prefix + widest
    paragraph`` is enough for every paragraph.
    """
    return prefix_cells + max(map(text_cells, paragraphs))


def row_of_offset(rows: list[Row], paragraph: int, offset: int) -> int:
    """Index of the row that shows character ``offset`` of ``paragraph``
    (used to keep the same text at the top when the width changes)."""
    found = 0
    for index, (row_paragraph, start, _end) in enumerate(rows):
        if (row_paragraph, start) <= (paragraph, offset):
            found = index
        else:
            break
    return found


def layout_line(line: Line, width: int, mark_clear: bool = False) -> tuple[int, list[Row]]:
    """:func:`layout_rows` of a model line (placeholder time); ``mark_clear``:
    its conversation is encrypted (see :func:`crypt_mark`)."""
    crypt = crypt_mark(line, mark_clear)
    return layout_rows(
        prefix_text(line.kind, line.nick, crypt=crypt),
        prefix_width(line.kind, line.nick, crypt),
        split_paragraphs(line.body),
        width,
    )


class RowIndex:
    """Maps visual rows to the messages of one ``list[Line]`` at one width.

    Per message it keeps two width-independent numbers (cells needed
    unwrapped, paragraph count) and, per width, the first row of each
    message: flat arrays, ~20 bytes a message.  Messages that fit unwrapped
    (nearly all, in a wide window) cost a comparison at a new width; only
    the others are wrapped.  Row arrays for the last few widths are kept, so
    toggling a side panel back and forth does not re-wrap at all.
    """

    KEPT_WIDTHS = 3

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = lines
        self.width = 0
        # The conversation is encrypted: messages in clear carry CLEAR_MARK
        # (their prefix is wider); see set_mark_clear.
        self.mark_clear = False
        self._reset()
        self.sync()

    def _reset(self) -> None:
        self.measured = 0
        self._last_line: Line | None = None  # lines[measured - 1]: detects a refilled list
        self._unwrapped = array("I")
        self._paragraph_counts = array("I")
        self._starts_by_width: dict[int, array] = {}
        # First row of each message at self.width, then the total row count.
        self.row_starts = array("q", [0])
        if self.width:
            self._starts_by_width[self.width] = self.row_starts

    @property
    def row_count(self) -> int:
        return self.row_starts[-1]

    def sync(self) -> bool:
        """Catch up with the list (O(new lines)); True if anything changed.

        A list that shrank, or whose line at our last position is another
        one (cleared and refilled meanwhile), is indexed again from scratch.
        """
        lines = self.lines
        count = len(lines)
        if count < self.measured or (
            self.measured and lines[self.measured - 1] is not self._last_line
        ):
            self._reset()
        start = self.measured
        if count == start:
            return False
        self._measure(start, count)
        if self.width:
            self._extend_rows(self.row_starts, start, count, self.width)
        return True

    def reindex(self) -> None:
        """Index the whole list again (lines changed or were inserted before
        the end), at the current width."""
        self._reset()
        self.sync()

    def reindex_from(self, index: int) -> None:
        """Index again from message ``index`` on (it changed, or was inserted
        there): O(messages after it), so a correction or an error under a
        recent line costs little however long the window. Row arrays kept
        for other widths are dropped (they would be stale)."""
        if index <= 0 or index > self.measured:
            self.reindex()
            return
        del self._unwrapped[index:]
        del self._paragraph_counts[index:]
        self.measured = index
        self._last_line = self.lines[index - 1]
        starts = self.row_starts
        del starts[index + 1:]
        self._starts_by_width = {self.width: starts} if self.width else {}
        self.sync()

    def drop_head(self, count: int) -> None:
        """The list's first ``count`` messages were removed: O(messages
        kept), the kept widths' rows counted from the new first message."""
        if count <= 0:
            return
        if count >= self.measured:
            self._reset()
            self.sync()
            return
        del self._unwrapped[:count]
        del self._paragraph_counts[:count]
        self.measured -= count
        for width, starts in list(self._starts_by_width.items()):
            if len(starts) <= count:  # (measured at that width short of the cut: made again if needed)
                del self._starts_by_width[width]
                continue
            base = starts[count]
            self._starts_by_width[width] = array("q", [start - base for start in starts[count:]])
        if self.width:
            self.row_starts = self._starts_by_width[self.width]

    def set_mark_clear(self, mark_clear: bool) -> bool:
        """Mark messages in clear (their conversation became encrypted) or
        not (no longer): every message is measured again. True if it changed."""
        if mark_clear == self.mark_clear:
            return False
        self.mark_clear = mark_clear
        self.reindex()
        return True

    def line_cells(self, line: Line) -> int:
        """Cells ``line`` needs unwrapped (what the index keeps per message)."""
        return unwrapped_cells(prefix_width(line.kind, line.nick, crypt_mark(line, self.mark_clear)),
                               split_paragraphs(line.body))

    def is_stale(self, position: int) -> bool:
        """Message ``position`` no longer measures what the index holds (its
        encryption mark came or went): it needs :meth:`reindex_from`."""
        if position >= self.measured:
            return False
        line = self.lines[position]
        return self.line_cells(line) != self._unwrapped[position]

    def set_width(self, width: int) -> None:
        if width == self.width:
            return
        starts = self._starts_by_width.pop(width, None)
        if starts is None:
            starts = array("q", [0])
        self._extend_rows(starts, len(starts) - 1, self.measured, width)
        self._starts_by_width[width] = starts  # most recent last
        while len(self._starts_by_width) > self.KEPT_WIDTHS:
            del self._starts_by_width[next(iter(self._starts_by_width))]
        self.width = width
        self.row_starts = starts

    def message_at_row(self, row: int) -> int:
        return bisect_right(self.row_starts, row) - 1

    def _measure(self, start: int, end: int) -> None:
        unwrapped = self._unwrapped.append
        paragraph_counts = self._paragraph_counts.append
        mark_clear = self.mark_clear
        for line in self.lines[start:end]:
            paragraphs = split_paragraphs(line.body)
            crypt = crypt_mark(line, mark_clear)
            unwrapped(unwrapped_cells(prefix_width(line.kind, line.nick, crypt), paragraphs))
            paragraph_counts(len(paragraphs))
        self.measured = end
        self._last_line = self.lines[end - 1]

    def _extend_rows(self, starts: array, begin: int, end: int, width: int) -> None:
        lines = self.lines
        total = starts[-1]
        append = starts.append
        pairs = zip(self._unwrapped[begin:end], self._paragraph_counts[begin:end])
        for index, (unwrapped, paragraphs) in enumerate(pairs, begin):
            total += paragraphs if unwrapped <= width else count_line_rows(lines[index], width, self.mark_clear)
            append(total)
