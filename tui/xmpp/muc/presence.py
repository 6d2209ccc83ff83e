"""An occupant's presence applied to the room model, and the event line it
makes (Irssi style: "bob [bob@localhost] has joined"). Pure: no slixmpp,
no windows; unit-tested.

Presences of the occupants already there when we join (``announce=False``)
fill the nick list silently; later ones say what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.room import Occupant, Room
from .fields import OccupantPresence

ROLE_NAMES = {"moderator": "a moderator", "participant": "a participant", "visitor": "a visitor"}
AFFILIATION_NAMES = {"owner": "an owner", "admin": "an admin", "member": "a member",
                     "outcast": "banned", "none": "no longer a member"}


@dataclass(slots=True)
class PresenceOutcome:
    line: str | None = None  # the event line, if any
    quiet: bool = False  # a join/part: hidden in big rooms (hide_joins_above)
    we_left: bool = False  # our own unavailable presence: we are out of the room
    changed: bool = False  # the model changed (RoomChanged is due)


def _who(p: OccupantPresence) -> str:
    return f"{p.nick} [{p.jid}]" if p.jid else p.nick


def _because(p: OccupantPresence) -> str:
    return f" ({p.reason})" if p.reason else ""


def apply_presence(room: Room, p: OccupantPresence, *, announce: bool) -> PresenceOutcome:
    old = room.get(p.nick)
    if not p.available:
        return _gone(room, p, old, announce=announce)
    if old is None:
        room.upsert(Occupant(p.nick, p.role, p.affiliation, p.jid, p.show, p.status))
        if p.is_self or not announce:
            return PresenceOutcome(changed=True)
        return PresenceOutcome(f"{_who(p)} has joined", quiet=True, changed=True)
    lines = []
    if p.role != old.role and p.role in ROLE_NAMES:
        lines.append(f"{p.nick} is now {ROLE_NAMES[p.role]}")
    if p.affiliation != old.affiliation:
        lines.append(f"{p.nick} is now {AFFILIATION_NAMES.get(p.affiliation, p.affiliation)}")
    changed = (old.role, old.affiliation, old.show, old.status, old.jid) != \
        (p.role, p.affiliation, p.show, p.status, p.jid or old.jid)
    old.role, old.affiliation, old.show, old.status = p.role, p.affiliation, p.show, p.status
    old.jid = p.jid or old.jid
    if changed:
        room.version += 1
    line = "; ".join(lines) if lines and announce else None
    return PresenceOutcome(line, changed=changed)


def _gone(room: Room, p: OccupantPresence, old: Occupant | None, *, announce: bool) -> PresenceOutcome:
    codes = p.codes
    if 303 in codes and p.new_nick:  # a nick change: unavailable under the old nick
        occupant = room.rename(p.nick, p.new_nick)
        if occupant is None:
            return PresenceOutcome()
        who = "You are" if p.is_self else f"{p.nick} is"
        return PresenceOutcome(f"{who} now known as {p.new_nick}", changed=True)
    room.remove(p.nick)
    by = f" by {p.actor}" if p.actor else ""
    if p.is_self:
        if 307 in codes:
            line = f"You were kicked from {room.jid}{by}{_because(p)}"
        elif 301 in codes:
            line = f"You were banned from {room.jid}{by}{_because(p)}"
        elif 332 in codes:
            line = f"You left {room.jid}: the room service is shutting down"
        elif 321 in codes or 322 in codes:
            line = f"You were removed from {room.jid} (affiliation change or members-only)"
        else:
            line = f"You left {room.jid}" + (f" ({p.status})" if p.status else "")
        return PresenceOutcome(line, we_left=True, changed=True)
    if old is None:
        return PresenceOutcome()
    if 307 in codes:
        return PresenceOutcome(f"{p.nick} was kicked{by}{_because(p)}", changed=True)
    if 301 in codes:
        return PresenceOutcome(f"{p.nick} was banned{by}{_because(p)}", changed=True)
    if 321 in codes or 322 in codes:
        return PresenceOutcome(f"{p.nick} was removed (no longer a member)", changed=True)
    if not announce:
        return PresenceOutcome(changed=True)
    reason = f" ({p.status})" if p.status else ""
    return PresenceOutcome(f"{_who(p) if p.jid else p.nick} has left{reason}", quiet=True, changed=True)
