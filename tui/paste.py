"""Paste policy: what a paste is, when it needs confirming, when it is refused.

Pure logic (no Textual): the input line feeds it pasted text (bracketed
paste) or key timings (terminals without bracketed paste) and acts on the
answers.  Nothing here sends anything; the point is that nothing pasted is
ever sent by accident.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Iterable

from .text import xml_safe

DEFAULT_CONFIRM_LINES = 2
# A key less than this after the previous one belongs to the same burst (a
# raw paste read in pieces a few ms apart is one burst), and an Enter that
# soon is not alone: held, judged with the keys before it.  Measured under tmux 3.3a (2026-12-04, 2 cores,
# load 8.7): the keys of one terminal write are stamped 26 µs apart (median;
# p99 4 ms, max 4.6 ms, the reader thread preempted mid-read — since
# 2026-12-05 a read's keys are stamped on the reader's CPU clock, so waits
# inside a read add nothing), two writes sent back to back 0.16 ms (median;
# some 10-12 ms); a person's keys come 30 ms or more apart.  Irssi uses 5 ms too.
DEFAULT_BURST_MS = 5.0
DEFAULT_SECRET_PATTERNS: tuple[str, ...] = (r"-----BEGIN [A-Z ]*PRIVATE KEY-----",)

# A password this long or longer is refused wherever it appears in a paste or
# line; a shorter one (the demo's "demo") would refuse ordinary words, so it is
# refused only as the whole text.
MIN_PASSWORD_LENGTH = 6

PASSWORD_REFUSED = "That looks like your password — not pasted."
PASSWORD_REFUSED_TYPED = "That looks like your password — not sent."


def normalise(text: str) -> str:
    """Line endings to ``\\n``, XML-invalid characters out (tabs kept), and
    the trailing newlines a copied block usually ends with dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return xml_safe(text).rstrip("\n")


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


class Verdict(enum.Enum):
    INSERT = "insert"  # goes into the input line as text, no questions
    CONFIRM = "confirm"  # the prompt: send as one / edit / send each / cancel
    REFUSE = "refuse"  # contains a password: never inserted, never sent


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    text: str
    warning: str = ""  # why a short paste still asks (a secret pattern matched)

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def describe(self) -> str:
        """"37 lines (2.1 KB)"."""
        count = len(self.lines)
        size = human_size(len(self.text.encode("utf-8")))
        return f"{count} line{'s' if count != 1 else ''} ({size})"


@dataclass
class PastePolicy:
    confirm_lines: int = DEFAULT_CONFIRM_LINES
    burst_ms: float = DEFAULT_BURST_MS
    secret_patterns: tuple[str, ...] = DEFAULT_SECRET_PATTERNS
    passwords: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._patterns = [re.compile(p) for p in self.secret_patterns]

    def add_password(self, password: str | None) -> None:
        if password:
            self.passwords.add(password)

    def has_password(self, text: str) -> bool:
        return self.password_start(text) is not None

    def password_start(self, text: str) -> int | None:
        """Where a password in ``text`` begins (the first, if several), or
        None: a long one anywhere, a short one only as the whole text."""
        whole = text.strip()
        starts = [text.find(p) for p in self.passwords
                  if p == whole or (len(p) >= MIN_PASSWORD_LENGTH and p in text)]
        return min(starts, default=None)

    def matched_pattern(self, text: str) -> str | None:
        for pattern in self._patterns:
            if pattern.search(text):
                return pattern.pattern
        return None

    def decide(self, raw: str) -> Decision:
        text = normalise(raw)
        if self.has_password(text):
            return Decision(Verdict.REFUSE, "")
        pattern = self.matched_pattern(text)
        if pattern is not None:
            return Decision(Verdict.CONFIRM, text,
                            warning=f"⚠ This looks like a secret (matches {pattern}).")
        if len(text.split("\n")) >= max(self.confirm_lines, 2):
            return Decision(Verdict.CONFIRM, text)
        return Decision(Verdict.INSERT, text)


# ------------------------------------------------------------------ bursts
#
# Key timing is a weak signal.  Keys typed 12 ms apart reach us bunched, with
# equal timestamps, whenever something delays the reading of the terminal:
# our own event loop busy with a flood (the key-reader thread waits for the
# GIL, switch interval 5 ms, or the keys wait behind the loop), a loaded
# machine, a laggy SSH link.  So a burst is only *possibly* a paste, and the
# rules below keep every typed key typing:
#
# - once the terminal is known to bracket its pastes (a bracketed paste was
#   seen), a burst is typing: pastes announce themselves;
# - only an Enter can send anything, so only an Enter is ever held: the
#   other keys of a burst show at once (a fast typist's keys coalesced by
#   SSH, a one-word paste), and a burst without an Enter is typing — it is
#   judged when it ends only for a password (then taken back);
# - an Enter alone — no key in the ``burst_ms`` before it — was typed: it
#   submits at once, even when the next keys bunch behind it — unless it
#   ended a burst less than the quiet time before: then it waits
#   ``burst_ms`` for a key behind it, and a line that follows at burst speed
#   with its own Enter makes the whole a paste (one cut right before its
#   newline), where keys without an Enter are typing bunched behind it;
# - an Enter in a burst (right behind its keys) is held with the rest of the
#   burst, and the keys shown before it are taken back: the burst is judged
#   as a whole when it ends, and can never be sent by that Enter unjudged;
# - a burst whose only Enter is its last key is a line and its Enter in one
#   write: typed (inserted, then submitted);
# - a burst that our own stall (loop lag) could have bunched is typing (as
#   many keys as could be typed during the stall, no more);
# - what remains — several lines arriving at paste speed while we were
#   responsive — goes to the paste policy (inserted, confirmed or refused).

# A loop this late (or a key handled this long after it was read) is a stall
# that can bunch keys typed a dozen ms apart: the GIL switch interval.
STALL_MS = 5.0
# Nobody types faster than a key every 10 ms (tmux send-keys in the tests:
# 12 ms; a person: 30 ms and more): a stall of S ms can have bunched at most
# S/10 + 2 typed keys.  A longer burst after a stall was not made by it —
# e.g. the rest of a long raw paste, read late because we were busy with its
# beginning.
FASTEST_TYPING_MS = 10.0


class KeyKind(enum.Enum):
    TYPED = "typed"  # handle the key as usual
    STARTED = "started"  # a burst began with the previous key (shown already) and this one
    OPENED = "opened"  # a burst began with this key: an Enter right behind an Enter or a non-text key
    CONTINUED = "continued"  # one more key of the burst
    # the burst that ended just before goes on (a raw paste read in pieces
    # further apart than a burst's gap): with the previous key (shown
    # already) and this one
    RESUMED = "resumed"
    # an Enter soon (less than the quiet time) after a burst it ended: typed
    # if no key follows it at burst speed (:meth:`BurstDetector.enter_settled`),
    # else the burst goes on with it (RESUMED): a raw paste cut right before
    # a newline
    PENDING = "pending"


@dataclass(frozen=True)
class Burst:
    text: str  # the keys' text, Enter as "\n"
    first: float  # time of its first key
    last: float  # time of its last key
    # A burst resumed after a gap: where its last piece starts in ``text``
    # and when its first key came.  The pieces before hold no Enter (they
    # were shown as they came): only the last piece is judged as typing or
    # paste; the whole is what was pasted.
    piece_at: int = 0
    piece_first: float | None = None

    @property
    def piece(self) -> tuple[str, float]:
        """The last piece's text and first key's time."""
        return self.text[self.piece_at:], self.first if self.piece_first is None else self.piece_first


def key_text(key: str, character: str | None, printable: bool) -> str | None:
    """What a key adds to a paste's text (Enter a newline, Tab a tab, a
    printable key its character); None for the others."""
    if key == "enter":
        return "\n"
    if key == "tab":
        return "\t"
    return character if printable and character else None


def is_line_and_enter(text: str) -> bool:
    """No Enter in the burst, or only as its last key: one line, typed."""
    return "\n" not in text[:-1]


class BurstDetector:
    """Tell a pasted burst of keys from typing, by their arrival times.

    A terminal without bracketed paste types the pasted text for us, a key
    every 0.01–0.2 ms; people type a key every ~100 ms.  Two text keys less
    than ``burst_ms`` apart start a burst, which includes the earlier one —
    unless the earlier one is an Enter, which was typed after a pause and
    has submitted already.  An Enter less than ``burst_ms`` after any key
    is never alone: it starts a burst of its own if no burst is under way.
    The caller shows a burst's keys as they come until it holds an Enter
    (:attr:`holding`): from then on they are held, and what the burst
    showed is taken back at that Enter, to be judged with it.  The burst
    ends at the next key
    that comes ``end_ms`` (default ``burst_ms``: a raw paste read in pieces
    a few ms apart is one burst, its Enter takes back every piece) or more
    after the previous one (the caller asks
    :meth:`interrupted` before feeding each key), or after ``quiet_ms``
    without a key (the caller asks :meth:`finished` from a timer).  A burst
    without an Enter that a key interrupted less than ``quiet_ms`` after its
    last one is *resumed* (:attr:`KeyKind.RESUMED`) when that key, not an
    Enter, starts another burst: a loaded machine reads one raw paste in
    pieces tens of ms apart, and its Enter must take back every piece.  An
    Enter that interrupts a burst less than ``quiet_ms`` after its last key
    is *pending* (:attr:`KeyKind.PENDING`): typed once ``burst_ms`` passed
    with no key behind it (the caller asks :meth:`enter_settled` before
    each key and from a timer), else the burst is resumed with it, and its
    last piece — that Enter and what followed — is judged: keys without
    another Enter are typing bunched behind a typed Enter (SSH, a bench
    typing at machine speed), a line with its own Enter is the rest of a
    raw paste that reached us in two writes, cut exactly before its
    newline.  What still sends a first line: such a cut in a two-line
    paste without a final newline ("a⏎b" cut before its only newline reads
    as "a", then Enter and "b" bunched).  One read is never cut: its keys
    are stamped together, however long the reader thread waits for the CPU
    between them (``screens.textual_private.stamp_keys_by_read``).
    ``burst_ms <= 0`` turns the detector off, and so does :meth:`bracketed`
    (the terminal brackets its pastes).  Times are seconds (``events.Key.time``)."""

    def __init__(self, burst_ms: float = DEFAULT_BURST_MS, quiet_ms: float | None = None,
                 end_ms: float | None = None) -> None:
        self.retime(burst_ms, quiet_ms, end_ms)
        self.buffer: list[str] = []
        self.last_time: float | None = None
        self.first_time: float | None = None  # of the burst being buffered
        self.pastes_bracketed = False
        self.holding = False  # the burst holds an Enter: its keys are held from it on
        self._previous: str | None = None  # the text of the previous text key, if any
        # the last burst without an Enter and the time of the key that
        # interrupted it: resumable by that key's Enter or next burst
        self._resumable: tuple[Burst, float] | None = None
        self._piece: tuple[int, float] | None = None  # the burst being buffered was resumed
        # an Enter that ended a burst soon after it, and that burst: typed
        # unless a key follows at burst speed (KeyKind.PENDING)
        self._pending: tuple[Burst, float] | None = None

    def retime(self, burst_ms: float, quiet_ms: float | None = None, end_ms: float | None = None) -> None:
        """Its timings (a new paste policy); what is under way — a burst, a
        pending Enter, a burst that may be resumed — goes on under them."""
        self.gap = burst_ms / 1000
        self.end_gap = (end_ms if end_ms is not None else burst_ms) / 1000
        self.quiet = (quiet_ms if quiet_ms is not None else max(50.0, burst_ms * 10)) / 1000

    @property
    def active(self) -> bool:
        return bool(self.buffer)

    @property
    def on(self) -> bool:
        return self.gap > 0 and not self.pastes_bracketed

    def bracketed(self) -> None:
        """The terminal brackets its pastes (one was seen): bursts are typing."""
        self.pastes_bracketed = True

    def key(self, text: str, time: float) -> KeyKind:
        """A text key (a character; ``"\\n"`` for Enter) at ``time``."""
        previous, last = self._previous, self.last_time
        self.last_time = time
        if self.buffer:
            self.buffer.append(text)
            self.holding = self.holding or text == "\n"
            return KeyKind.CONTINUED
        resumable, self._resumable = self._resumable, None
        soon = self.on and last is not None and time - last < self.gap
        pending, self._pending = self._pending, None
        if pending is not None:  # (not settled: this key came at burst speed) the burst goes on
            head, enter = pending
            self._resume(head, ["\n", text], enter)
            return KeyKind.RESUMED
        if resumable is not None:
            head, interrupter = resumable
            if text == "\n" and interrupter == time and time - head.last < self.quiet:
                self._pending = (head, time)
                self._previous = None
                return KeyKind.PENDING
            if soon and interrupter == last and previous is not None and previous != "\n" \
                    and last - head.last < self.quiet:
                self._resume(head, [previous, text], last)
                return KeyKind.RESUMED
            if interrupter == time:
                self._resumable = resumable  # this key may start the next piece
        if soon and previous is not None and previous != "\n":
            self.buffer = [previous, text]
            self.first_time = last
            self._previous = None
            self.holding = text == "\n"
            return KeyKind.STARTED
        if soon and text == "\n":
            # right behind an Enter or a key that is not text (e.g. a
            # paste's blank line): not alone, so held
            self.buffer = [text]
            self.first_time = time
            self._previous = None
            self.holding = True
            return KeyKind.OPENED
        self._previous = text
        return KeyKind.TYPED

    def _resume(self, head: Burst, keys: list[str], first: float) -> None:
        self.buffer = [head.text, *keys]
        self.first_time = head.first
        self._piece = (len(head.text), first)
        self._previous = None
        self.holding = "\n" in keys

    @property
    def pending(self) -> bool:
        """An Enter waits to be typed (KeyKind.PENDING)."""
        return self._pending is not None

    def enter_settled(self, time: float, force: bool = False) -> bool:
        """True once the pending Enter is typed: no key came within the
        burst gap after it by ``time`` (or ``force``: a key that is not text
        came).  The caller asks before feeding each key, and from a timer."""
        if self._pending is None or (not force and time - self._pending[1] < self.gap):
            return False
        self._pending = None
        self._previous = "\n"  # as a typed Enter leaves it
        return True

    def other_key(self, time: float) -> None:
        """A key that is not text (arrows, Ctrl+…) outside a burst: no burst spans it."""
        if not self.buffer:
            self._previous = None
            self._resumable = None
            self.last_time = time

    def interrupted(self, time: float) -> Burst | None:
        """The burst if a key at ``time`` comes too late to belong to it."""
        if self.buffer and self.last_time is not None and time - self.last_time >= self.end_gap:
            burst = self.take()
            if "\n" not in burst.text:
                self._resumable = (burst, time)
            return burst
        return None

    def take(self) -> Burst:
        """End the burst now (e.g. a key that is not text came)."""
        piece_at, piece_first = self._piece if self._piece is not None else (0, None)
        burst = Burst("".join(self.buffer), self.first_time or 0.0, self.last_time or 0.0, piece_at, piece_first)
        self.buffer = []
        self._previous = None
        self.first_time = None
        self._piece = None
        self.holding = False
        self._resumable = None
        return burst

    def finished(self, now: float) -> Burst | None:
        """The burst once ``quiet`` passed since its last key, else None."""
        if not self.buffer or self.last_time is None or now - self.last_time < self.quiet:
            return None
        return self.take()

    def remaining(self, now: float) -> float:
        """Seconds until the burst can be finished."""
        if self.last_time is None:
            return self.quiet
        return max(0.0, self.quiet - (now - self.last_time))


class LoopLag:
    """Stalls of our own event loop, as seen from it: a heartbeat that ran
    late, or a key handled long after the terminal reader stamped it.

    A stall under way when a burst's first key was read could have bunched
    typed keys: such a burst is typing.  Only stalls that began before it
    count — reading and handling a long paste makes the loop late too."""

    def __init__(self, stall_ms: float = STALL_MS, keep: int = 32) -> None:
        self.stall = stall_ms / 1000
        self.keep = keep
        self.stalls: list[tuple[float, float]] = []  # (from, until), oldest first

    def _add(self, start: float, end: float) -> None:
        self.stalls.append((start, end))
        del self.stalls[: -self.keep]

    def beat(self, due: float, ran: float) -> None:
        """A heartbeat due at ``due`` ran at ``ran``."""
        if ran - due >= self.stall:
            self._add(due, ran)

    def key(self, stamped: float, handled: float) -> None:
        """A key the reader stamped at ``stamped`` reached us at ``handled``."""
        if handled - stamped >= self.stall:
            self._add(stamped, handled)

    def around(self, time: float) -> bool:
        """Were we stalled when a key was read at ``time``, by a stall that
        began before it?  (The reader thread hogging the GIL to parse a long
        paste makes the loop late too — after the paste's first key.)"""
        return self.delayed_keys(time) > 0

    def delayed_keys(self, time: float) -> int:
        """How many typed keys a stall of ours under way when a key was read
        at ``time`` can have bunched (0: no such stall)."""
        longest = max((end - start for start, end in self.stalls
                       if start < time and end >= time - self.stall), default=None)
        if longest is None:
            return 0
        return int(longest * 1000 / FASTEST_TYPING_MS) + 2


def is_typing(burst: Burst, lag: LoopLag | None = None) -> bool:
    """Is this burst typing (rather than possibly a paste)?  Judged on its
    last piece: the pieces before it were shown as they came.  A piece
    resumed by the Enter that ended the burst, with no other Enter, is that
    Enter typed and keys bunched behind it (SSH); one with another Enter
    is the rest of a paste cut right before its newline."""
    text, first = burst.piece
    enter_and_keys = burst.piece_at > 0 and text.startswith("\n") and "\n" not in text[1:]
    return is_line_and_enter(text) or enter_and_keys or (lag is not None and len(text) <= lag.delayed_keys(first))


def replay(detector: BurstDetector, keys: Iterable[tuple[str, float]],
           lag: LoopLag | None = None, shown: list[str] | None = None) -> tuple[str, list[str]]:
    """Feed recorded ``(key, time)`` pairs; return what was typed (an Enter
    that submits as ``⏎``) and the bursts taken for pastes, as an input line
    would.  ``lag``: our stalls meanwhile.  ``shown``: gets what the line
    shows after each key (the typed text so far, ``⏎`` included)."""
    typed: list[str] = []
    bursts: list[str] = []
    start = 0  # where in ``typed`` the burst under way began
    last = 0.0

    def ended(burst: Burst | None) -> None:
        if burst is None or "\n" not in burst.text:
            return  # no burst, or one shown as it came: it stays
        if is_typing(burst, lag):  # an Enter in it (what it showed is back in it): judged
            typed.append(burst.text.replace("\n", "⏎"))
        else:
            bursts.append(burst.text)

    for key, time in keys:
        if detector.enter_settled(time):
            typed.append("⏎")
        ended(detector.finished(time) or detector.interrupted(time))
        text = "\n" if key == "enter" else key
        holding = detector.holding
        kind = detector.key(text, time)
        if kind is KeyKind.PENDING:
            last = time
            if shown is not None:
                shown.append("".join(typed))
            continue
        if kind is KeyKind.STARTED:
            start = len(typed) - 1
        elif kind is KeyKind.RESUMED:
            pass  # the burst that ended before goes on: it began at ``start``
        elif kind is KeyKind.OPENED:
            start = len(typed)
        if kind is KeyKind.TYPED or not detector.holding:
            typed.append("⏎" if text == "\n" else text)
        elif not holding:
            del typed[start:]  # the burst's first Enter: what it showed goes back into it
        if shown is not None:
            shown.append("".join(typed))
        last = time
    if detector.enter_settled(last + 2 * detector.quiet):
        typed.append("⏎")
    ended(detector.finished(last + 2 * detector.quiet))
    return "".join(typed), bursts
