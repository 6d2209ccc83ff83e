"""The parts of a message stanza that conversations and rooms read alike.

Pure functions over slixmpp stanzas: ids (XEP-0359 origin-id and stanza-id,
XEP-0308 replace), the text with its "/me " (XEP-0245), and when it was
sent (``<delay>``, clamped by :mod:`..stamps`). Untrusted text is sanitised
here, once.
"""

from __future__ import annotations

from datetime import datetime

from ...core.model import now
from ...text import sanitize
from ..stamps import clamp_time, delay_stamp

ACTION_PREFIX = "/me "  # XEP-0245
SID = "urn:xmpp:sid:0"
MUC_USER = "http://jabber.org/protocol/muc#user"


def origin_id(msg) -> str | None:
    element = msg.xml.find(f"{{{SID}}}origin-id")
    return (element.get("id") or None) if element is not None else None


def replace_id(msg) -> str | None:
    element = msg.xml.find("{urn:xmpp:message-correct:0}replace")
    return (element.get("id") or None) if element is not None else None


def stanza_id_by(msg, archive_jid: str) -> str | None:
    """The stanza-id the archive ``archive_jid`` assigned (ids claimed by others are ignored)."""
    for element in msg.xml.findall(f"{{{SID}}}stanza-id"):
        if (element.get("by") or "").lower() == archive_jid:
            return element.get("id") or None
    return None


def message_text(body: str) -> tuple[str, bool]:
    """The body made safe, without its "/me " (and whether it had one)."""
    body = sanitize(body)
    if body.startswith(ACTION_PREFIX):
        return body[len(ACTION_PREFIX):], True
    return body, False


def wire_text(body: str, action: bool) -> str:
    """What goes in ``<body>``: the text, with "/me " for an action."""
    return ACTION_PREFIX + body if action else body


def message_time(msg, archived_time: datetime | None = None) -> tuple[datetime, bool]:
    """When the message was sent (the archive's or the delay's stamp, else
    now), and whether it came late. A stamp is anyone's text: it is
    clamped into [1970, now] (see :mod:`..stamps`)."""
    moment = now()
    delay = clamp_time(archived_time, moment) if archived_time else delay_stamp(msg.xml, moment)
    if delay is None:
        return moment, False
    return delay, True
