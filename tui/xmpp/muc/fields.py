"""From MUC stanzas (XEP-0045) to plain facts: pure, no side effects.

A room message, an occupant's presence and an invitation each become a
small dataclass the service and the room model work with; untrusted text
is sanitised here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...text import sanitize_line
from ..conversation.message import MUC_USER, message_text, message_time, origin_id, replace_id, stanza_id_by
from ..stanza_reads import jid_attribute, message_id, message_type, sub_text


@dataclass(slots=True)
class RoomMessage:
    room: str  # bare room JID, lower-case
    nick: str  # "" for the room itself (server notices)
    body: str
    time: datetime
    msg_id: str | None
    origin_id: str | None
    stanza_id: str | None  # the room's archive id (<stanza-id by=room> or the MAM result id)
    replace_id: str | None = None
    action: bool = False
    delayed: bool = False
    stanza: object = field(default=None, repr=False, compare=False)  # until the pipeline decrypted it
    encryption: str = ""  # the scheme that decrypted it ("" in clear)
    archived: bool = False  # read from the room's archive (MAM), not received live

    @property
    def peer(self) -> str:  # what a conversation is keyed by, in the history and the pipeline
        return self.room


@dataclass(slots=True)
class OccupantPresence:
    room: str
    nick: str
    available: bool
    role: str = "none"
    affiliation: str = "none"
    jid: str | None = None  # real JID, when the room shows it
    show: str = "available"
    status: str = ""
    codes: frozenset[int] = field(default_factory=frozenset)
    new_nick: str = ""  # status 303: the nick it changes to
    actor: str = ""  # who kicked/banned
    reason: str = ""

    @property
    def is_self(self) -> bool:
        return 110 in self.codes


def room_message(msg, *, archived_id: str | None = None,
                 archived_time: datetime | None = None) -> RoomMessage | None:
    """A groupchat message with a body, or None."""
    body = sub_text(msg, "body")
    if not body or message_type(msg) != "groupchat":
        return None
    sender = jid_attribute(msg, "from")
    room = sender.bare.lower()
    body, action = message_text(body)
    time, delayed = message_time(msg, archived_time)
    return RoomMessage(
        room=room, nick=sanitize_line(sender.resource), body=body, time=time,
        msg_id=message_id(msg) or None, origin_id=origin_id(msg),
        stanza_id=archived_id or stanza_id_by(msg, room), replace_id=replace_id(msg),
        action=action, delayed=delayed, stanza=msg,
        archived=archived_id is not None or archived_time is not None,
    )


def occupant_presence(pr) -> OccupantPresence | None:
    """An occupant's presence (with <x xmlns=muc#user>), or None."""
    x = pr.xml.find(f"{{{MUC_USER}}}x")
    sender = pr["from"]
    if x is None or not sender.resource:
        return None
    item = x.find(f"{{{MUC_USER}}}item")
    codes = frozenset(int(s.get("code")) for s in x.findall(f"{{{MUC_USER}}}status")
                      if (s.get("code") or "").isdigit())
    role = affiliation = "none"
    jid = new_nick = actor = reason = ""
    if item is not None:
        role = item.get("role") or "none"
        affiliation = item.get("affiliation") or "none"
        jid = item.get("jid") or ""
        new_nick = item.get("nick") or ""
        actor_el = item.find(f"{{{MUC_USER}}}actor")
        if actor_el is not None:
            actor = actor_el.get("nick") or actor_el.get("jid") or ""
        reason_el = item.find(f"{{{MUC_USER}}}reason")
        if reason_el is not None and reason_el.text:
            reason = reason_el.text
    ptype = pr["type"]
    available = ptype not in ("unavailable", "error")
    show = ptype if ptype in ("away", "xa", "dnd", "chat") else "available"
    return OccupantPresence(
        room=sender.bare.lower(), nick=sanitize_line(sender.resource), available=available,
        role=role, affiliation=affiliation, jid=sanitize_line(jid) or None, show=show,
        status=sanitize_line(pr["status"] or ""), codes=codes, new_nick=sanitize_line(new_nick),
        actor=sanitize_line(actor), reason=sanitize_line(reason),
    )


@dataclass(slots=True)
class Invitation:
    room: str
    inviter: str
    reason: str = ""
    password: str | None = None


def mediated_invitation(msg) -> Invitation | None:
    """<message from=room><x muc#user><invite from=…>: an invitation relayed by the room."""
    x = msg.xml.find(f"{{{MUC_USER}}}x")
    invite = x.find(f"{{{MUC_USER}}}invite") if x is not None else None
    if invite is None:
        return None
    reason = invite.find(f"{{{MUC_USER}}}reason")
    password = x.find(f"{{{MUC_USER}}}password")
    return Invitation(
        room=msg["from"].bare.lower(), inviter=sanitize_line(invite.get("from") or ""),
        reason=sanitize_line(reason.text or "") if reason is not None else "",
        password=password.text if password is not None and password.text else None,
    )


def direct_invitation(msg) -> Invitation | None:
    """XEP-0249 <x xmlns='jabber:x:conference' jid=room>: sent by the inviter itself."""
    x = msg.xml.find("{jabber:x:conference}x")
    if x is None or not x.get("jid"):
        return None
    return Invitation(
        room=sanitize_line(x.get("jid")).lower(), inviter=sanitize_line(msg["from"].bare),
        reason=sanitize_line(x.get("reason") or ""), password=x.get("password") or None,
    )
