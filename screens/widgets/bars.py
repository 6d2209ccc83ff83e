"""The one-line bars around the log: title, window bar, status bar.

Each renders a ``rich.text.Text`` built from data (never markup), so a
hostile window name or status text stays literal.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from tui.core.model import AccountStatus, ConnectionState
from tui.core.windows import Activity, Window
from tui.text import sanitize_line

from .line_layout import CRYPT_MARK

_ACTIVITY_STYLE = {
    Activity.NONE: "",
    Activity.EVENTS: "cyan",
    Activity.MESSAGES: "bold white",
    Activity.HIGHLIGHT: "bold magenta",
}

_STATE_STYLE = {
    ConnectionState.ONLINE: "green",
    ConnectionState.CONNECTING: "yellow",
    ConnectionState.RECONNECTING: "yellow",
    ConnectionState.OFFLINE: "red",
}


PLAINTEXT = "plaintext"  # the status bar's word for a conversation in clear


def encryption_style(state: str) -> str:
    """How the status bar shows a conversation's encryption state: the
    scheme's own words ("OTR unverified", "OTR finished by peer") say how
    far to trust it."""
    words = state.lower()
    if state == PLAINTEXT:
        return ""
    if "finished" in words or "ended" in words:
        return "bold red"
    if "unverified" in words or "untrusted" in words:
        return "yellow"
    return "green"


class _Bar(Widget):
    DEFAULT_CSS = """
    _Bar { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()
        # what the bar was last asked to show: the app asks at every sync
        # (up to 30 a second in a flood), mostly for what it shows already
        self._shown: tuple | None = None

    def _asked_again(self, shown: tuple) -> bool:
        """True when ``shown`` is what the bar was last asked to show (it
        shows it already); else it becomes that, and the caller builds."""
        if shown == self._shown:
            return True
        self._shown = shown
        return False

    def set_text(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    @property
    def text(self) -> Text:
        """What the bar shows, with its styles."""
        return self._text

    @property
    def plain(self) -> str:
        return self._text.plain

    def render(self) -> Text:
        return self._text


class TitleBar(_Bar):
    DEFAULT_CSS = """
    TitleBar { height: 1; background: $primary-background; color: $text; }
    """

    def show_window(self, window: Window, topic: str = "", *, presence: str = "") -> None:
        """``topic``: a room's topic (untrusted, sanitised by the model; shown
        as text on one line, never markup); ``presence``: a chat's contact's
        ("away: gone fishing", after their JID)."""
        if self._asked_again((window.number, window.name, window.target, presence, topic)):
            return
        title = Text(f" {window.number}:{window.name}", no_wrap=True, overflow="ellipsis")
        if window.target and window.target != window.name:
            title.append(f"  {window.target}", "dim")
        if presence:
            title.append(" — ", "dim")
            title.append(sanitize_line(presence))
        if topic:
            title.append("  ")
            title.append(sanitize_line(topic))
        self.set_text(title)


MORE = "…"  # windows off the bar on that side


class WindowBar(_Bar):
    """Irssi's window list: every window's number and name, coloured by
    activity; an encrypted conversation's name ends with "~" (the log's mark).

    When the windows do not fit, the bar keeps the active window and the
    [Act: …] list in view and says "…" where windows are off the bar (in the
    colour of the liveliest window hidden there): Alt+A still reaches them."""

    DEFAULT_CSS = """
    WindowBar { height: 1; background: $boost; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: list[tuple[str, str, Activity]] = []  # label, style, activity
        self._active = 0
        self._act = Text()
        self.hidden = 0  # how many windows are off the bar (tests)

    def show_windows(self, windows: list[Window], active: Window, encrypted: Collection[Window] = ()) -> None:
        if self._asked_again(tuple((window.number, window.name, window.activity, window is active,
                                    window in encrypted) for window in windows)):
            return
        self._items = []
        for index, window in enumerate(windows):
            label = f" {window.number}:{window.name}{CRYPT_MARK if window in encrypted else ''} "
            if window is active:
                self._active = index
                self._items.append((label, "reverse bold", Activity.NONE))
            else:
                self._items.append((label, _ACTIVITY_STYLE[window.activity], window.activity))
        act_text = Text()
        act = [w for w in windows if w.activity > Activity.NONE and w is not active]
        if act:
            act_text.append(" [Act: ", "dim")
            for i, window in enumerate(act):
                if i:
                    act_text.append(",", "dim")
                act_text.append(str(window.number), _ACTIVITY_STYLE[window.activity])
            act_text.append("]", "dim")
        self._act = act_text
        self._lay_out()

    def on_resize(self, _event) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        items = self._items
        width = self.size.width or sum(len(label) for label, _, _ in items) + self._act.cell_len
        first, last = visible_range([Text(label).cell_len for label, _, _ in items], self._active,
                                    width - self._act.cell_len)
        text = Text(no_wrap=True, overflow="ellipsis")
        if first > 0:
            text.append(MORE, _liveliest(items[:first]))
        for label, style, _ in items[first:last]:
            text.append(label, style)
        if last < len(items):
            text.append(MORE, _liveliest(items[last:]))
        text.append_text(self._act)
        self.hidden = len(items) - (last - first)
        self.set_text(text)


def _liveliest(items: list[tuple[str, str, Activity]]) -> str:
    level = max((activity for _, _, activity in items), default=Activity.NONE)
    return _ACTIVITY_STYLE[level] or "dim"


def visible_range(widths: list[int], active: int, room: int) -> tuple[int, int]:
    """Which windows the bar shows: ``[first, last)`` of ``widths`` (cells of
    each label) within ``room`` cells, a "…" (one cell) taking its place on
    each side that is cut. From the first window when the active one fits
    that way, else around the active one (it is always shown)."""
    count = len(widths)

    def cost(first: int, last: int) -> int:
        return sum(widths[first:last]) + (first > 0) + (last < count)

    if cost(0, count) <= room:
        return 0, count
    last = 0
    while last < count and cost(0, last + 1) <= room:
        last += 1
    if active < last:
        return 0, last
    first, last = active, min(active + 1, count)
    while first > 0 and cost(first - 1, last) <= room:
        first -= 1
    while last < count and cost(first, last + 1) <= room:
        last += 1
    return first, last


class StatusBar(_Bar):
    """Clock, each account's connection state, and the "more below" marker."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    """

    def show_status(self, accounts: list[AccountStatus], more_below: int, typing: str = "",
                    presences: dict[str, str] | None = None, encryption: str | None = None) -> None:
        """``encryption``: how the conversation in view is encrypted (a
        scheme's words, or PLAINTEXT); None when the window is no conversation."""
        clock = f"[{datetime.now():%H:%M}]"
        states = tuple((status.describe(), status.state, (presences or {}).get(status.jid)) for status in accounts)
        if self._asked_again((clock, states, more_below, typing, encryption)):
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(clock)
        if not accounts:
            text.append(" [no account]", "dim")
        for described, state, presence in states:
            text.append(" [")
            text.append(described, _STATE_STYLE[state])
            if presence:  # our own away/dnd/... and status message
                text.append(f" ({presence})", "yellow")
            text.append("]")
        if encryption:
            text.append(" [")
            text.append(sanitize_line(encryption), encryption_style(encryption))
            text.append("]")
        if typing:
            text.append(f" {typing}", "italic")
        if more_below:
            text.append(f"  -- more ({more_below} below) --", "bold reverse")
        self.set_text(text)
