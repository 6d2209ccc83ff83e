"""A stored message as a window line: conversations and rooms alike."""

from __future__ import annotations

from ..core.model import Delivery, Line, message_line
from ..store.records import StoredMessage


def stored_line(record: StoredMessage, colour_key: str) -> Line:
    """``colour_key``: what the nick's colour derives from (the sender's
    bare JID in a conversation, the nick in a room)."""
    own = record.direction == "out"
    return message_line(
        record.text, own=own, action=record.kind == "action", nick=record.nick, time=record.time,
        msg_id=record.origin_id or record.msg_id, colour_key=colour_key,
        delivery=Delivery(record.delivery) if own else Delivery.NONE,
        corrected=record.corrected_body is not None, elsewhere=record.elsewhere, rowid=record.rowid,
        encryption=record.encryption,
    )
