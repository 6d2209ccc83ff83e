"""A tiny synchronous event bus between the services and the UI.

Services emit typed events; the app subscribes and coalesces them into at
most one refresh per frame. Handlers must be cheap and must not raise; an
exception in one handler is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from .model import AccountStatus, Line

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LineAdded:
    window: Any  # tui.core.windows.Window
    line: Line
    replay: bool = False  # history (store, archive): shown, but rings nothing


@dataclass(slots=True)
class LineChanged:
    """A line already shown changed: its delivery mark (``reflow=False``) or
    its text (a correction, ``reflow=True``), or a line was inserted in the
    middle (an error under the message it belongs to)."""

    window: Any
    line: Line
    reflow: bool = False


@dataclass(slots=True)
class RevealLine:
    """Bring ``line`` of the (now active) window into view (/goto)."""

    window: Any
    line: Line


@dataclass(slots=True)
class LinesDropped:
    """The window's oldest lines were let go of (memory): ``count`` fewer
    before the rest; ``prefix`` False when lines kept among them (a message
    still to send) moved to the front (the layout is made again)."""

    window: Any
    count: int
    prefix: bool = True


@dataclass(slots=True)
class LinesPrepended:
    """Older lines were put before the window's first line in place
    (scrollback): ``count`` lines now stand where the first ``replaced``
    were (lines out of place at the front, put back among the page's)."""

    window: Any
    count: int
    replaced: int = 0


@dataclass(slots=True)
class EncryptionChanged:
    """How a conversation is encrypted changed (a scheme chosen, a session up or ended, a peer verified)."""

    account: str
    peer: str


@dataclass(slots=True)
class TypingChanged:
    """A contact's chat state (XEP-0085) changed."""

    account: str
    peer: str
    state: str  # active | composing | paused | inactive | gone


@dataclass(slots=True)
class RoomChanged:
    """A room's occupants, topic or our state in it changed (coalesced per frame)."""

    account: str
    room: str


@dataclass(slots=True)
class WindowCleared:
    window: Any


@dataclass(slots=True)
class WindowsChanged:
    """A window was opened, closed, renamed, switched to or its activity changed."""


@dataclass(slots=True)
class AccountChanged:
    status: AccountStatus


@dataclass(slots=True)
class RosterChanged:
    """An account's roster or contacts' presences changed (one event per turn
    of the event loop however many stanzas came in: see tui/xmpp/roster.py)."""

    account: str  # bare JID of the account


@dataclass(slots=True)
class BlogChanged:
    """Blogs or comment threads of an account changed (one event per turn of
    the event loop: see tui/xmpp/blog.py)."""

    account: str  # bare JID of the account
    authors: frozenset[str]  # whose blogs changed, or the comments on their entries


@dataclass(slots=True)
class QuitRequested:
    message: str = ""


Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def unsubscribe(self, event_type: type, handler: Handler) -> None:
        try:
            self._handlers[event_type].remove(handler)
        except ValueError:
            pass

    def emit(self, event: Any) -> None:
        for handler in list(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:  # a broken subscriber must not break the sender
                log.exception("event handler failed for %s", type(event).__name__)
