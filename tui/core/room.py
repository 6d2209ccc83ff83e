"""Multi-user chat rooms (XEP-0045): the model, no slixmpp, no Textual.

A room is indexed by nick (dict); the nick list is derived on demand,
grouped by role and sorted, so a presence storm of 1,000 occupants costs
1,000 dict updates and one render.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..text import sanitize_line

ROLES = ("moderator", "participant", "visitor", "none")
AFFILIATIONS = ("owner", "admin", "member", "none", "outcast")
RECENT_SPEAKERS = 100  # kept for nick completion (recent speakers first)


@dataclass(eq=False)
class Occupant:
    nick: str
    role: str = "participant"
    affiliation: str = "none"
    jid: str | None = None  # real JID, when the room shows it to us
    show: str = "available"  # available | chat | away | xa | dnd
    status: str = ""
    confusable_with: str | None = None  # a nick or contact name this one imitates

    def __post_init__(self) -> None:
        self.nick = sanitize_line(self.nick)
        self.status = sanitize_line(self.status)


@dataclass(eq=False)
class Room:
    jid: str  # bare room JID, lower-case
    nick: str = ""  # our nick in the room
    topic: str = ""
    topic_by: str = ""
    joined: bool = False
    password: str | None = None
    occupants: dict[str, Occupant] = field(default_factory=dict)
    version: int = 0  # increases with every change: views rebuild when it moved
    _speakers: OrderedDict = field(default_factory=OrderedDict, repr=False)

    # -- occupants ------------------------------------------------------------
    def get(self, nick: str) -> Occupant | None:
        return self.occupants.get(nick)

    def upsert(self, occupant: Occupant) -> Occupant:
        self.occupants[occupant.nick] = occupant
        self.version += 1
        return occupant

    def remove(self, nick: str) -> Occupant | None:
        occupant = self.occupants.pop(nick, None)
        if occupant is not None:
            self.version += 1
        return occupant

    def rename(self, old: str, new: str) -> Occupant | None:
        occupant = self.occupants.pop(old, None)
        if occupant is None:
            return None
        occupant.nick = sanitize_line(new)
        self.occupants[occupant.nick] = occupant
        if old in self._speakers:
            del self._speakers[old]
            self._speakers[occupant.nick] = None
        if old == self.nick:
            self.nick = occupant.nick
        self.version += 1
        return occupant

    def clear(self) -> None:
        """We left (or lost) the room: nobody is known to be there any more."""
        self.occupants.clear()
        self.joined = False
        self.version += 1

    def set_topic(self, topic: str, by: str = "") -> None:
        self.topic = sanitize_line(topic)
        self.topic_by = sanitize_line(by)
        self.version += 1

    # -- derived views ----------------------------------------------------------
    def by_role(self) -> list[tuple[str, list[Occupant]]]:
        """(role, occupants sorted case-insensitively) for each non-empty role, moderators first."""
        groups: dict[str, list[Occupant]] = {role: [] for role in ROLES}
        for occupant in self.occupants.values():
            groups.get(occupant.role, groups["none"]).append(occupant)
        return [(role, sorted(people, key=lambda o: o.nick.casefold()))
                for role, people in groups.items() if people]

    def spoke(self, nick: str) -> None:
        """``nick`` said something: first in line for nick completion."""
        self._speakers.pop(nick, None)
        self._speakers[nick] = None
        while len(self._speakers) > RECENT_SPEAKERS:
            self._speakers.popitem(last=False)

    def completion_nicks(self) -> list[str]:
        """Nicks for Tab: recent speakers (most recent first), then everyone else."""
        recent = [n for n in reversed(self._speakers) if n in self.occupants and n != self.nick]
        seen = set(recent)
        rest = sorted((n for n in self.occupants if n not in seen and n != self.nick), key=str.casefold)
        return recent + rest
