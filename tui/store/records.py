"""The record the history store keeps, and its conversions to SQLite values.

Times are stored as integer microseconds since the Unix epoch (UTC).  Every
row's key (``rowid``) is derived from its time, so that rowid order *is*
chronological order: ``rowid = clamp(time_us) << SEQ_BITS | seq`` where
``seq`` orders messages stamped with the same microsecond by arrival (MAM
stamps often have whole-second resolution).  Messages fetched from the
archive long after newer ones therefore still page, sort and search in the
right place, and FTS5 can walk its index newest-first by rowid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

DIRECTIONS = ("in", "out")
KINDS = ("chat", "action", "groupchat")
DELIVERIES = ("none", "pending", "sent", "delivered", "failed")

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)

SEQ_BITS = 10  # up to 1024 messages per microsecond before spilling into the next one
SEQ_SPAN = 1 << SEQ_BITS
# Keys must fit SQLite's signed 64-bit rowid: times are clamped into
# [1970, ~2255] for the key only; the stored time keeps the real stamp.
MAX_KEY_TIME_US = (1 << (63 - SEQ_BITS)) - SEQ_SPAN * 4


@dataclass(slots=True)
class StoredMessage:
    """One message of a conversation, as the history store keeps it.

    peer            bare JID of the conversation: the contact (1:1) or the room (MUC)
    direction       "in" (received) or "out" (sent by us, from any of our devices)
    body            the already-sanitised text, stored verbatim
    time            aware UTC datetime: the original send time (``<delay>`` when present)
    nick            display name at the time (the occupant's nick in a room)
    kind            "chat" | "action" (/me) | "groupchat"
    stanza_id       XEP-0359 id assigned by the archive (``<stanza-id by=…>`` or the
                    MAM result id): our account's for 1:1, the room's for a MUC
    origin_id       XEP-0359 origin-id chosen by the sender
    msg_id          the stanza's ``id`` attribute
    delivery        "none" | "pending" | "sent" | "delivered" | "failed"
    elsewhere       sent or received by another of our devices (carbons)
    corrected_body  None, or the text after the latest XEP-0308 correction
    error           text of an error reply to this message, or None
    encryption      the scheme it went out or came in with ("otr", "pgp"), "" in clear
    room            True for messages of a MUC room: their stanza-ids come from the
                    room's archive, not ours (set automatically for kind "groupchat";
                    set it yourself for a /me stored as kind "action" in a room)
    rowid           set by the store; increases with ``time`` (see module doc)
    """

    peer: str
    direction: str
    body: str
    time: datetime
    nick: str = ""
    kind: str = "chat"
    stanza_id: str | None = None
    origin_id: str | None = None
    msg_id: str | None = None
    delivery: str = "none"
    elsewhere: bool = False
    corrected_body: str | None = None
    error: str | None = None
    room: bool = False
    encryption: str = ""  # the scheme it went out or came in with ("otr", "pgp"); "" in clear
    rowid: int | None = None

    def __post_init__(self) -> None:
        if self.kind == "groupchat":
            self.room = True
        self.delivery = delivery_value(self.delivery)

    @property
    def text(self) -> str:
        """What to show: the corrected body when there is one."""
        return self.body if self.corrected_body is None else self.corrected_body

    def validate(self) -> None:
        """Raise ValueError for a record the store must not accept."""
        if not self.peer:
            raise ValueError("StoredMessage.peer is empty")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"StoredMessage.direction must be one of {DIRECTIONS}, not {self.direction!r}")
        if self.kind not in KINDS:
            raise ValueError(f"StoredMessage.kind must be one of {KINDS}, not {self.kind!r}")
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError("StoredMessage.time must be timezone-aware")


def delivery_value(delivery: object) -> str:
    """Accept "sent" as well as an enum whose value is "sent" (tui.core.model.Delivery)."""
    value = getattr(delivery, "value", delivery)
    if value not in DELIVERIES:
        raise ValueError(f"delivery must be one of {DELIVERIES}, not {delivery!r}")
    return value


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times given to the history store must be timezone-aware")
    return (moment - EPOCH) // _MICROSECOND


# What a stored time reads back as, whatever the row holds (a row written by
# an older version, before stamps were clamped on the way in, may hold year 1
# or 9999 in any offset): the same range as the keys, which every time zone
# can show in local time.
EARLIEST_US = 0
LATEST_US = MAX_KEY_TIME_US


def from_us(micros: object) -> datetime:
    """A stored time as an aware UTC datetime in [1970, ~2255]; never raises
    (a value that is not an integer reads as the epoch)."""
    if isinstance(micros, int):
        value = micros
    else:
        try:
            value = int(micros)  # type: ignore[call-overload]  # whatever the row holds; errors caught
        except (TypeError, ValueError, OverflowError):
            value = EARLIEST_US
    return EPOCH + timedelta(microseconds=min(max(value, EARLIEST_US), LATEST_US))


def key_base(time_us: int) -> int:
    """The first rowid a message stamped ``time_us`` may take. Never 0: a
    stored message's rowid is true (callers read a rowid as "it was stored"),
    even for a stamp clamped to the epoch itself."""
    return (min(max(time_us, 0), MAX_KEY_TIME_US) << SEQ_BITS) or 1


def storable_text(text: str | None) -> str | None:
    """SQLite wants valid UTF-8: lone surrogates (never in sanitised text,
    but one bad record must not fail a whole batch) become "?"."""
    if text is None or text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text
