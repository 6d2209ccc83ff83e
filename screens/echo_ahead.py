"""Typed characters on screen before the loop hears of them.

A key typed in the input line reaches the screen through the event loop:
Textual's input thread parses it and posts it, the loop hands it to the
line, the line is drawn in a frame, Textual's writer thread writes the
frame.  During a flood the loop thread shares two cores with the server,
the storm and tmux: the traced slow keys of W4 and W6 spent most of their
20–30 ms waiting for the loop's turn on a CPU, not in Parlons' work.  A
terminal's own local echo, or mosh's, does not wait for the application;
this does the same for the one case where the outcome is certain.

On the input thread, a read of plain printable ASCII and Backspace
(typing; no Enter, no escape sequence, no other control key) whose effect
the last frame allows to foresee — the main screen's input line focused, its cursor at the end of a
line that does not scroll, nothing selected, nothing held by the paste
guard, not a password, every key before it already drawn by the loop — is
written at once, in the line's own colours, straight to the terminal
(ordered with Textual's frames: see :class:`Output`).  The loop then takes
the same keys as ever; until it has drawn them, any frame of the line draws
them too (:meth:`EchoAhead.drawn`), so a frame in between never takes them
back; a key it did not give the line (a prompt opened meanwhile) has its
cells drawn again (:meth:`EchoAhead.missed`).

Any other read (an Enter, Tab, an arrow, a paste, a mouse event) makes the
next keys wait for the loop, until the line has been drawn after it: what
it does to the line is the loop's to say.  Nothing is echoed on any other
screen (a passphrase prompt, the setup form) or into any other field; the
echo stops at the frame that shows such a screen, before anyone can type
into it.  Only keys the user typed, in the range " "–"~", are ever written
(Backspace writes blanks and the cursor); Backspace is echoed only over
characters one cell wide, never past the line's start.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from typing import Any, Protocol, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip

SEQ = "_parlons_seq"  # the attribute each parsed message gets: its place in the input
OUTPUT_WAIT = 0.02  # the longest the input thread waits for the writer to finish a frame


class Output(Protocol):
    """The terminal as the writer thread writes it: ``written`` is the id
    of the last frame written (see ``hangup.TerminalDriver.write``), and
    ``write_now`` writes in order with the frames, or not at all (False)."""

    written: int

    def write_now(self, text: str, wait: float) -> bool: ...

    def size(self) -> tuple[int, int]: ...


@dataclass(frozen=True)
class Spot:
    """Where the next typed character goes, as the last frame of the line
    left the terminal."""

    screen: tuple[int, int]  # the terminal's size it was drawn for (columns, rows)
    row: int  # screen row of the input line
    x: int  # screen column of the cursor cell
    right: int  # first screen column the cursor cell may not reach
    narrow: int  # characters at the end of the text, each one cell (what Backspace may take; 0 on an empty line)
    text: tuple[str, str]  # the line's text colours: SGR on, SGR off
    cursor: tuple[str, str]  # the cursor cell's
    covers: int  # the last input message whose effect this drawing includes
    shown: int | None = None  # the frame (write id) that holds it; None: not yet displayed


@dataclass(frozen=True)
class LineView:
    """What the input line tells about its last drawing (loop thread)."""

    eligible: bool  # focused, cursor at the end, nothing selected or held, not a password, not scrolled
    screen: tuple[int, int]  # the app's size (columns, rows)
    row: int  # screen row
    left: int  # screen column of the line's first cell (crop.x == 0)
    cursor: int  # cell of the cursor within the drawn strip
    width: int  # cells of the drawn strip
    right_gutter: int  # cells at the right end that are not text (padding)
    cursor_visible: bool
    text_start: int  # cell of the text's first character within the strip
    style: Style  # the line's own style: an empty line's text colours
    narrow: int  # characters at the end of the text, each one cell wide (so never more than the text's cells)


def sgr(style: Style | None, console: Any) -> tuple[str, str]:
    """The escape sequences Textual writes around a cell of ``style``."""
    if style is None:
        return "", ""
    marked = Strip([Segment("\x00", style)]).render(console)
    on, _, off = marked.partition("\x00")
    return on, off


def style_at(strip: Strip, cell: int) -> Style | None:
    """The style of one cell of ``strip``."""
    for text, style, _control in strip.crop(cell, cell + 1):
        if text:
            return style
    return None


BACKSPACE = "\x7f"  # what a terminal's Backspace key sends (Textual: "backspace")


def typing(data: str) -> bool:
    """Plain printable ASCII and Backspace: keys whose effect on a line
    with its cursor at the end the input thread can tell."""
    return all(" " <= character <= "~" or character == BACKSPACE for character in data)


def net_effect(ops: Sequence[str]) -> tuple[int, str]:
    """What ``ops`` (characters typed, Backspace) do at the end of a line:
    (characters taken from the line, text added after them).  Whether the
    line has that many characters, each one cell wide, is the caller's to
    check."""
    taken, added = 0, []
    for op in ops:
        if op != BACKSPACE:
            added.append(op)
        elif added:
            added.pop()
        else:
            taken += 1
    return taken, "".join(added)


class EchoAhead:
    """One per app.  ``read`` runs on Textual's input thread; the rest on
    the loop.  ``_lock`` guards what both touch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.output: Output | None = None  # set by the driver when it starts
        self._seq = 0  # input messages parsed (input thread)
        self._doubt = 0  # the last one whose effect only the loop can tell
        self._spot: Spot | None = None
        self._ahead: list[tuple[int, str]] = []  # echoed, not yet in the line: (seq, character)
        self.handled = 0  # the last key the line took (loop)
        self._cursor: Style | None = None  # the cursor cell's style when last seen
        self._refused: frozenset[str] = frozenset()  # characters a binding takes before the line
        self._sgr: dict[Style | None, tuple[str, str]] = {}  # sgr() of the few styles the line uses

    def refuse(self, characters: str) -> None:
        """Never echo these: keys the screen or the app bind (a key map may
        bind a printable key; the line would never see it)."""
        self._refused = frozenset(characters)

    # -- the input thread -------------------------------------------------------
    def read(self, data: str, messages: Sequence[Any]) -> None:
        """One terminal read and what Textual parsed of it, before the
        messages are posted: number them, and echo them if the outcome is
        certain."""
        echo = None
        with self._lock:
            for message in messages:
                self._seq += 1
                setattr(message, SEQ, self._seq)
            if not messages:
                return
            echo = self._echo(data, messages)
            if echo is None:
                self._doubt = self._seq
        if echo is not None and not self._write(echo):
            self.forget()

    def _echo(self, data: str, messages: Sequence[Any]) -> str | None:
        spot, output = self._spot, self.output
        if spot is None or output is None or spot.shown is None or output.written < spot.shown:
            return None  # no frame of the line on the terminal to go by (yet)
        if self._doubt > spot.covers or not typing(data) or len(messages) != len(data):
            return None
        if output.size() != spot.screen:
            return None  # resized since: the loop, asleep, has not laid the screen out again
        if not self._refused.isdisjoint(data):
            return None
        for message, character in zip(messages, data):
            if not isinstance(message, events.Key) or message.character != character:
                return None
        since = [op for seq, op in self._ahead if seq > spot.covers]
        taken, added = net_effect(since + list(data))
        if taken > spot.narrow:
            return None  # Backspace into a wide character, or at the line's start
        taken_since, added_since = net_effect(since)
        x = spot.x - taken_since + len(added_since)
        if spot.x - taken + len(added) + 1 >= spot.right:
            return None  # the line would scroll (Input keeps a cell after the cursor's)
        first = self._seq - len(data) + 1
        self._ahead.extend(zip(range(first, self._seq + 1), data))
        return self._drawing(spot, x, data)

    @staticmethod
    def _drawing(spot: Spot, x: int, data: str) -> str:
        """The terminal sequences that type ``data`` at column ``x``."""
        text_on, text_off = spot.text
        cursor = f"{spot.cursor[0]} {spot.cursor[1]}"
        parts = []
        for run in re.split(f"({BACKSPACE}+)", data):
            if run.startswith(BACKSPACE):  # the cursor back over what it takes, its cells emptied
                x -= len(run)
                parts.append(f"\x1b[{spot.row + 1};{x + 1}H{cursor}{text_on}{' ' * len(run)}{text_off}")
            elif run:
                parts.append(f"\x1b[{spot.row + 1};{x + 1}H{text_on}{run}{text_off}{cursor}")
                x += len(run)
        return "".join(parts)

    def _write(self, echo: str) -> bool:
        output = self.output
        return output is not None and output.write_now(echo, OUTPUT_WAIT)

    # -- the loop ---------------------------------------------------------------
    def took(self, key: events.Key) -> None:
        """The input line took ``key`` (handled it, whatever it did)."""
        seq = getattr(key, SEQ, None)
        if seq is not None:
            self.handled = max(self.handled, seq)

    def echoed(self, key: events.Key) -> bool:
        seq = getattr(key, SEQ, None)
        with self._lock:
            return any(s == seq for s, _ in self._ahead)

    def missed(self, key: events.Key) -> None:
        """An echoed key went somewhere else than the line: forget its echo
        (the caller has its cells drawn again) and wait for the loop."""
        seq = getattr(key, SEQ, None)
        with self._lock:
            self._ahead = [(s, c) for s, c in self._ahead if s != seq]
            self._spot = None
            self._doubt = max(self._doubt, seq or 0)

    def forget(self) -> None:
        """Echo nothing until the line is drawn again (the terminal was
        taken over, lost, or the line left the screen)."""
        with self._lock:
            self._spot = None
            self._doubt = self._seq

    def drawn(self, view: LineView, strip: Strip, console: Any) -> Strip:
        """The line's strip as it is to be drawn, with the echoed keys it has
        not taken yet; the spot the next keys go to (loop thread, from the
        line's ``render_lines``)."""
        with self._lock:
            self._ahead = [(s, c) for s, c in self._ahead if s > self.handled]
            self._spot = None
            if not view.eligible:
                return strip
            if view.cursor_visible:
                self._cursor = style_at(strip, view.cursor)
            taken, added = net_effect([op for _, op in self._ahead])
            base = view.cursor - taken  # the cell the first added character goes to
            after = base + len(added)  # the cursor's cell, with what was echoed
            limit = view.width - view.right_gutter
            if (self._cursor is None or taken > view.narrow or after + 1 >= limit
                    or strip.crop(view.cursor + 1, limit).text.strip()):
                return strip  # no room, or something drawn after the cursor (a placeholder, a hint)
            # the text's colours: its last character's (a blank cell may be drawn without a foreground)
            text_style = style_at(strip, view.cursor - 1) if view.cursor > view.text_start else view.style
            if self._ahead:
                cursor_style = self._cursor if view.cursor_visible else text_style
                cleared = max(0, view.cursor - after)  # cells of the line Backspace emptied
                echoed = [Segment(added, text_style), Segment(" ", cursor_style), Segment(" " * cleared, text_style)]
                strip = Strip.join([
                    strip.crop(0, base),
                    Strip([segment for segment in echoed if segment.text]),
                    strip.crop(after + 1 + cleared, view.width),
                ])
            self._spot = Spot(
                screen=view.screen, row=view.row, x=view.left + after, right=view.left + limit,
                narrow=view.narrow - taken + len(added),
                text=self._sgr_of(text_style, console), cursor=self._sgr_of(self._cursor, console),
                covers=self._ahead[-1][0] if self._ahead else self.handled,
            )
            return strip

    def _sgr_of(self, style: Style | None, console: Any) -> tuple[str, str]:
        known = self._sgr.get(style)
        if known is None:
            if len(self._sgr) > 64:
                self._sgr.clear()
            known = self._sgr[style] = sgr(style, console)
        return known

    def displayed(self, frame: int, still: bool) -> None:
        """A frame went to the writer as write ``frame`` (its last); ``still``:
        the main screen's line still has the focus."""
        with self._lock:
            if not still:
                self._spot = None
            elif self._spot is not None and self._spot.shown is None:
                self._spot = replace(self._spot, shown=frame)
