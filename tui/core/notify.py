"""When Parlons calls for attention, and the bytes that do it (no Textual).

A line calls for attention when it is *to us*: a message from someone else
in a 1:1 window, or any line marked ``highlight`` (our nick in a room). It
then may ring the bell and pop a desktop notification, unless

- we wrote it (an outgoing line, also one sent from another of our devices),
- it lands in the active window while the terminal has focus (we see it),
- it is history being replayed (store, MAM catch-up) or stamped long ago,
- the bell rang less than ``bell_interval`` seconds ago (a flood rings once;
  desktop notifications are limited the same way, per window).

The terminal title carries an unread count: the number of windows with
unread messages (activity MESSAGES or HIGHLIGHT), plus the active window when
messages arrived in it while the terminal was not focused.

Everything written into an OSC sequence comes through :func:`osc_text`: a
peer's nick or message must not be able to end the sequence early and
smuggle its own escape sequences to the terminal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from .model import LineKind, now as utc_now
from .windows import Activity

DESKTOP_MODES = ("off", "osc777", "osc9")
BELL_INTERVAL = 2.0  # seconds: at most one bell (and one desktop popup per window) per interval
# A line stamped longer ago than this is history (offline storage, archive),
# whatever its source says: it shows in its window but rings nothing.
STALE_AFTER = timedelta(minutes=10)

TITLE_LIMIT = 120  # characters of the terminal title
POPUP_TITLE_LIMIT = 64
POPUP_BODY_LIMIT = 200
APP_NAME = "Parlons"

_ESC, _BEL = "\x1b", "\x07"
# Bidi controls that could reorder what a notification daemon shows.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class NotifySettings:
    bell: bool = True
    desktop: str = "off"  # one of DESKTOP_MODES
    terminal_title: bool = True
    bell_interval: float = BELL_INTERVAL

    def __post_init__(self) -> None:
        if self.desktop not in DESKTOP_MODES:
            raise ValueError(f"desktop must be one of {', '.join(DESKTOP_MODES)}")


@dataclass(frozen=True)
class DesktopNotification:
    title: str
    body: str


@dataclass(frozen=True)
class Alert:
    """What to do for one line."""

    bell: bool = False
    desktop: DesktopNotification | None = None

    def __bool__(self) -> bool:
        return self.bell or self.desktop is not None


NOTHING = Alert()


def is_to_us(window, line) -> bool:
    """A line addressed to us: a message from someone else in a 1:1 window,
    or a highlight anywhere. Our own lines never are."""
    if line.kind is LineKind.OUTGOING:
        return False
    if line.highlight:
        return True
    return window.is_chat and line.kind in (LineKind.INCOMING, LineKind.ACTION)


def is_stale(line, now: datetime | None = None) -> bool:
    now = now or utc_now()
    stamp = line.time if line.time.tzinfo else line.time.replace(tzinfo=timezone.utc)
    return now - stamp > STALE_AFTER


class NotifyPolicy:
    """Decides, line by line, whether to ring and pop up; counts unread windows."""

    def __init__(self, settings: NotifySettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._last_bell: float | None = None
        self._last_popup: dict[int, float] = {}  # id(window) -> time
        self._unseen_active = None  # the active window, if it got messages unfocused
        self._levels: dict[int, Activity] = {}  # id(window) -> activity at the last look

    def on_line(self, window, line, *, active: bool, focused: bool, replay: bool = False) -> Alert:
        """``active``: ``window`` is the active window; ``focused``: the
        terminal has focus (True when the terminal cannot tell us)."""
        if replay or not is_to_us(window, line) or is_stale(line):
            return NOTHING
        if active and focused:
            return NOTHING
        if active:
            self._unseen_active = window
        now = self._clock()
        bell = False
        if self.settings.bell and self._due(self._last_bell, now):
            self._last_bell = now
            bell = True
        desktop = None
        if self.settings.desktop != "off" and self._due(self._last_popup.get(id(window)), now):
            if len(self._last_popup) > 64:  # forget windows whose limit has passed
                self._last_popup = {k: t for k, t in self._last_popup.items() if not self._due(t, now)}
            self._last_popup[id(window)] = now
            desktop = DesktopNotification(line.nick or window.name, line.body)
        return Alert(bell, desktop)

    def raised_windows(self, windows: Iterable) -> list:
        """Windows whose activity rose to HIGHLIGHT since the last call.

        A conversation's first message opens its window with the history
        from the store, that message included, and raises the activity
        without a LineAdded: this is how that message is noticed."""
        levels: dict[int, Activity] = {}
        raised = []
        for window in windows:
            levels[id(window)] = window.activity
            before = self._levels.get(id(window), Activity.NONE)
            if window.activity >= Activity.HIGHLIGHT > before:
                raised.append(window)
        self._levels = levels
        return raised

    def on_raised(self, window, *, focused: bool) -> Alert:
        """The alert for a window raised to HIGHLIGHT with no live line seen:
        about its newest line to us (nothing if that is history)."""
        for line in reversed(window.lines[-50:]):
            if is_to_us(window, line):
                return self.on_line(window, line, active=False, focused=focused)
        return NOTHING

    def _due(self, last: float | None, now: float) -> bool:
        return last is None or now - last >= self.settings.bell_interval

    def focus_changed(self, focused: bool) -> None:
        if focused:
            self._unseen_active = None

    def unread_count(self, windows: Iterable, active) -> int:
        count = 0
        for window in windows:
            if window.activity >= Activity.MESSAGES:
                count += 1
            elif window is active and window is self._unseen_active:
                count += 1
        return count

    def title(self, windows: Iterable, active) -> str:
        """``(3) Parlons — 1:status``; the count only when there is one."""
        base = f"{APP_NAME} — {active.number}:{active.name}"
        unread = self.unread_count(windows, active)
        return f"({unread}) {base}" if unread else base


# ------------------------------------------------------------- the bytes


def osc_text(text: str, limit: int) -> str:
    """``text`` safe inside an OSC string: one line, no control character at
    all (C0 incl. ESC and BEL, DEL, C1 incl. ST and CSI), no bidi overrides,
    at most ``limit`` characters."""
    out = []
    for char in text:
        code = ord(char)
        if char in "\n\t\r":
            out.append(" ")
        elif code < 0x20 or 0x7F <= code <= 0x9F or char in _BIDI:
            continue
        else:
            out.append(char)
    cleaned = " ".join("".join(out).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


def title_sequence(title: str) -> str:
    """OSC 2: set the window title."""
    return f"{_ESC}]2;{osc_text(title, TITLE_LIMIT)}{_BEL}"


# xterm's title stack (also tmux, VTE, kitty, foot): save the user's title at
# start, give it back at exit.
TITLE_PUSH = f"{_ESC}[22;2t"
TITLE_POP = f"{_ESC}[23;2t"
BELL = _BEL


def desktop_sequence(mode: str, notification: DesktopNotification) -> str:
    """The OSC that asks the terminal for a desktop notification, or "".

    osc777 (urxvt, foot, kitty, WezTerm, VTE): ``ESC ] 777 ; notify ; TITLE ; BODY BEL``
    osc9 (iTerm2, Windows Terminal, ConEmu):   ``ESC ] 9 ; BODY BEL``
    """
    # ';' separates OSC 777's fields: one in the title would move text into
    # the body. In OSC 9, "9;4;..." is ConEmu's progress bar: no ';' may
    # follow a leading number either.
    title = osc_text(notification.title, POPUP_TITLE_LIMIT).replace(";", ",")
    body = osc_text(notification.body, POPUP_BODY_LIMIT)
    if mode == "osc777":
        return f"{_ESC}]777;notify;{APP_NAME}: {title};{body}{_BEL}"
    if mode == "osc9":
        return f"{_ESC}]9;{title}: {body}{_BEL}"
    return ""
