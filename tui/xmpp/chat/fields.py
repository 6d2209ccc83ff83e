"""From a slixmpp message stanza to the plain facts the client keeps.

Pure mapping, no side effects: which conversation a message belongs to, who
sent it, when (``<delay>`` for offline/archived copies), and its ids
(XEP-0359 origin-id and stanza-id, XEP-0308 replace id). Unit-tested with
stanzas built by slixmpp itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from ..conversation.message import MUC_USER, message_text, message_time, origin_id, replace_id, stanza_id_by
from ..stanza_reads import jid_attribute, message_id, message_type, sub_text

@dataclass(slots=True)
class MessageFacts:
    peer: str  # bare JID of the conversation (the other party); room@service/nick for a room PM
    direction: str  # "in" | "out"
    body: str
    time: datetime
    sender_full: str  # full JID it came from (for resource locking)
    msg_id: str | None
    origin_id: str | None
    stanza_id: str | None  # assigned by our own archive
    replace_id: str | None  # XEP-0308: this corrects that message
    action: bool  # "/me does something"
    elsewhere: bool = False  # carbon: another of our devices sent/received it
    delayed: bool = False  # came with <delay>: offline storage or archive
    stanza: object = field(default=None, repr=False, compare=False)  # until the pipeline decrypted it
    encryption: str = ""  # the scheme that decrypted it ("" in clear)
    archived: bool = False  # read from an archive (MAM), not received live


def message_facts(
    msg,
    own_bare: str,
    *,
    elsewhere: bool = False,
    archived_id: str | None = None,
    archived_time: datetime | None = None,
    is_room: Callable[[str], bool] | None = None,
) -> MessageFacts | None:
    """Facts of a chat message with a body, or None for anything else.

    ``archived_id``/``archived_time``: for a MAM result, the archive's id and
    the ``<forwarded><delay>`` stamp, which win over what the inner stanza says.
    ``is_room``: is this bare JID a room (we are in, or on a MUC service we
    know)? Only a room's occupant has a private-message conversation of its
    own; anyone else's ``<x muc#user/>`` claims nothing.
    """
    body = sub_text(msg, "body")
    if not body or message_type(msg) not in ("chat", "normal", ""):
        return None
    sender = jid_attribute(msg, "from")
    recipient = jid_attribute(msg, "to")
    outgoing = sender.bare.lower() == own_bare
    peer = (recipient.bare if outgoing else sender.bare).lower()
    if msg.xml.find("{jabber:x:conference}x") is not None:
        return None  # a direct room invitation (XEP-0249): the MUC service shows it
    if msg.xml.find(f"{{{MUC_USER}}}x") is not None:
        # a private message with a room occupant (XEP-0045 7.5): its own
        # conversation, keyed by the occupant's full JID (room@service/nick)
        other = recipient if outgoing else sender
        if not other.resource:
            return None  # invitations and notices from the room itself
        if is_room is not None and is_room(peer):
            peer = f"{peer}/{other.resource}"
        # else: not a room: an ordinary message of its sender, whatever it claims
    if not peer:
        return None
    body, action = message_text(body)
    time, delayed = message_time(msg, archived_time)
    return MessageFacts(
        peer=peer,
        direction="out" if outgoing else "in",
        body=body,
        time=time,
        sender_full=str(sender),
        msg_id=message_id(msg) or None,
        origin_id=origin_id(msg),
        stanza_id=archived_id or stanza_id_by(msg, own_bare),
        replace_id=replace_id(msg),
        action=action,
        elsewhere=elsewhere,
        delayed=delayed,
        stanza=msg,
        archived=archived_id is not None or archived_time is not None,
    )
