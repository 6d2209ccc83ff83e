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

from tui.text import xml_safe

DEFAULT_CONFIRM_LINES = 2
DEFAULT_BURST_MS = 5.0
DEFAULT_SECRET_PATTERNS: tuple[str, ...] = (r"-----BEGIN [A-Z ]*PRIVATE KEY-----",)

# Inside a burst keys come microseconds apart; a key a millisecond or more
# after the previous one was typed after the paste (e.g. its Enter, sent by
# another `tmux send-keys`), so it ends the burst.
BURST_END_MS = 1.0

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
        whole = text.strip()
        return any(p == whole or (len(p) >= MIN_PASSWORD_LENGTH and p in text)
                   for p in self.passwords)

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


class KeyKind(enum.Enum):
    TYPED = "typed"  # handle the key as usual
    STARTED = "started"  # a burst began: undo the previous key, it is part of it
    CONTINUED = "continued"  # one more key of the burst, already buffered


class BurstDetector:
    """Tell a pasted burst of keys from typing, by their arrival times.

    A terminal without bracketed paste types the pasted text for us, a key
    every 0.01–0.2 ms; people type a key every ~100 ms.  Two text keys less
    than ``burst_ms`` apart start a burst, which includes the earlier one
    (the caller undoes it).  The burst ends at the next key that comes
    ``end_ms`` (default the smaller of ``burst_ms`` and BURST_END_MS) or
    more after the previous one (the caller asks
    :meth:`interrupted` before feeding each key), or after ``quiet_ms``
    without a key (the caller asks :meth:`finished` from a timer).  ``burst_ms <= 0`` turns
    the detector off.  Times are seconds (``events.Key.time``)."""

    def __init__(self, burst_ms: float = DEFAULT_BURST_MS, quiet_ms: float | None = None,
                 end_ms: float | None = None) -> None:
        self.gap = burst_ms / 1000
        self.end_gap = (end_ms if end_ms is not None else min(burst_ms, BURST_END_MS)) / 1000
        self.quiet = (quiet_ms if quiet_ms is not None else max(50.0, burst_ms * 10)) / 1000
        self.buffer: list[str] = []
        self.last_time: float | None = None
        self._previous: str | None = None  # the text of the previous text key, if any

    @property
    def active(self) -> bool:
        return bool(self.buffer)

    def key(self, text: str, time: float) -> KeyKind:
        """A text key (a character; ``"\\n"`` for Enter) at ``time``."""
        previous, last = self._previous, self.last_time
        self.last_time = time
        if self.buffer:
            self.buffer.append(text)
            return KeyKind.CONTINUED
        if self.gap > 0 and previous is not None and last is not None and time - last < self.gap:
            self.buffer = [previous, text]
            self._previous = None
            return KeyKind.STARTED
        self._previous = text
        return KeyKind.TYPED

    def other_key(self, time: float) -> None:
        """A key that is not text (arrows, Ctrl+…): no burst spans it."""
        if not self.buffer:
            self._previous = None
            self.last_time = time

    def interrupted(self, time: float) -> str | None:
        """The burst's text if a key at ``time`` comes too late to belong to it."""
        if self.buffer and self.last_time is not None and time - self.last_time >= self.end_gap:
            return self._take()
        return None

    def _take(self) -> str:
        text = "".join(self.buffer)
        self.buffer = []
        self._previous = None
        return text

    def finished(self, now: float) -> str | None:
        """The burst's text once ``quiet`` passed since its last key, else None."""
        if not self.buffer or self.last_time is None or now - self.last_time < self.quiet:
            return None
        return self._take()

    def remaining(self, now: float) -> float:
        """Seconds until the burst can be finished."""
        if self.last_time is None:
            return self.quiet
        return max(0.0, self.quiet - (now - self.last_time))


def replay(detector: BurstDetector, keys: Iterable[tuple[str, float]]) -> tuple[str, list[str]]:
    """Feed recorded ``(key, time)`` pairs; return what was typed (Enter as
    ``⏎``: it would have submitted) and the bursts, as an input line would."""
    typed: list[str] = []
    bursts: list[str] = []
    last = 0.0
    for key, time in keys:
        done = detector.finished(time) or detector.interrupted(time)
        if done is not None:
            bursts.append(done)
        text = "\n" if key == "enter" else key
        kind = detector.key(text, time)
        if kind is KeyKind.TYPED:
            typed.append("⏎" if text == "\n" else text)
        elif kind is KeyKind.STARTED:
            typed.pop()
        last = time
    done = detector.finished(last + 2 * detector.quiet)
    if done is not None:
        bursts.append(done)
    return "".join(typed), bursts
