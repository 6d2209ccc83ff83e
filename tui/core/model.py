"""The core model: plain dataclasses, no Textual, no slixmpp.

Text fields of model objects are sanitised on construction, so the model is
the one boundary untrusted text crosses (see :mod:`tui.text`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from sys import intern

from ..text import sanitize, sanitize_line


class LineKind(enum.Enum):
    """What a line in a window is; the UI picks its style from this."""

    INCOMING = "incoming"  # a message from someone else
    OUTGOING = "outgoing"  # a message we sent
    ACTION = "action"  # /me
    EVENT = "event"  # joins, presence, connection events
    INFO = "info"  # command output
    ERROR = "error"  # something failed


class Delivery(enum.Enum):
    """Where an outgoing message is in its life cycle (shown after the line)."""

    NONE = "none"  # not a message we sent (or nothing to show)
    PENDING = "pending"  # typed, not handed to the server yet (offline)
    SENT = "sent"  # handed to the server
    DELIVERED = "delivered"  # the recipient's client acknowledged it (XEP-0184)
    FAILED = "failed"  # an error came back or it could not be sent
    # Sent, but neither a receipt nor an error came in time from a peer whose
    # client confirms (tui/xmpp/chat/answers.py). Not stored: the history
    # keeps "sent"; a late receipt still makes it DELIVERED.
    UNANSWERED = "unanswered"


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(slots=True, eq=False)
class Line:
    """One line (one message or event) in a window's log.

    ``body`` may hold newlines: the log renders them with a hanging indent.
    """

    body: str
    kind: LineKind = LineKind.INFO
    nick: str = ""
    time: datetime = field(default_factory=now)
    highlight: bool = False
    # Protocol ids (origin-id / stanza-id) when the line is a message.
    msg_id: str | None = None
    delivery: Delivery = Delivery.NONE
    corrected: bool = False  # replaced by a later correction (XEP-0308)
    elsewhere: bool = False  # sent or received by another of our devices (carbons)
    rowid: int | None = None  # the history store's key, when the line is a stored message
    # What the nick's colour derives from (XEP-0392): the sender's bare JID
    # in a conversation, the nick in a room; "" = the nick itself.
    colour_key: str = ""
    # In a room: the nick (or contact name) the sender's nick is confusable
    # with when the line arrived (tui/core/confusables.py); the log marks it ⚠.
    imitates: str = ""
    # How the message went out or came in: the encryption scheme's name
    # ("otr", "pgp"), "" in clear. The log marks encrypted lines.
    encryption: str = ""

    def __post_init__(self) -> None:
        self.body = sanitize(self.body)
        # A room's nicks and colour keys repeat on every line of a flood:
        # one copy each, not one per line (~120 bytes a line, W5 keeps 100k).
        # Interned strings are freed with their last line.
        self.nick = intern(sanitize_line(self.nick))
        if self.colour_key:
            self.colour_key = intern(self.colour_key)


def message_line(body: str, *, own: bool, action: bool, nick: str, time: datetime,
                 msg_id: str | None, colour_key: str, delivery: Delivery = Delivery.NONE,
                 **marks) -> Line:
    """A message, of a conversation or a room, as a line: its kind follows
    from who wrote it and whether it is a /me; only our own lines carry a
    delivery state. ``marks``: the other Line fields (corrected, rowid…)."""
    kind = LineKind.ACTION if action else (LineKind.OUTGOING if own else LineKind.INCOMING)
    return Line(body, kind, nick=nick, time=time, msg_id=msg_id, colour_key=colour_key,
                delivery=delivery if own else Delivery.NONE, **marks)


class ConnectionState(enum.Enum):
    OFFLINE = "offline"
    CONNECTING = "connecting"
    ONLINE = "online"
    RECONNECTING = "reconnecting"  # waiting for the next attempt


@dataclass(slots=True)
class AccountStatus:
    """What the status bar shows for one account."""

    jid: str
    state: ConnectionState = ConnectionState.OFFLINE
    reason: str = ""  # why offline / what failed, one line
    retry_in: float | None = None  # seconds until the next attempt

    def describe(self) -> str:
        # Waiting to reconnect is offline as far as the user is concerned.
        state = "offline" if self.state is ConnectionState.RECONNECTING else self.state.value
        text = f"{self.jid}: {state}"
        if self.reason:
            text += f" ({sanitize_line(self.reason)})"
        if self.state is ConnectionState.RECONNECTING:
            text += ", reconnecting"
            if self.retry_in is not None:
                text += f" in {self.retry_in:.0f}s"
        return text
