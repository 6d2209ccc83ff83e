"""Look-alike nicks in a room, kept in step with the room and the roster.

A room occupant whose nick looks like another occupant's, a contact's name
or a contact's JID localpart gets ``confusable_with`` (the nick list marks
it), and a line it says is marked as it arrives (⚠ in the log), so the mark
stays true to who was in the room then. The detection itself is
:mod:`tui.core.confusables`; this module decides when to run it: only when
the room's or the roster's version moved, at most once per frame, or once
per line in a changing room.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from .confusables import flag_occupants
from .model import Line, LineKind
from .room import Room
from .roster import Roster, local_part


class LookalikeFlags:
    """``refresh`` brings a room's flags up to date; ``mark`` marks a line."""

    def __init__(self) -> None:
        # room → (room.version, roster.version) its flags were computed for
        self._flagged: WeakKeyDictionary[Room, tuple[int, int]] = WeakKeyDictionary()

    def refresh(self, room: Room, roster: Roster | None) -> bool:
        """Occupants' ``confusable_with`` catch up with the room and the
        roster (contact names and JID localparts); True when a flag changed.
        O(occupants + contacts) with cached skeletons, and only when either
        version moved."""
        key = (room.version, roster.version if roster is not None else -1)
        if self._flagged.get(room) == key:
            return False
        self._flagged[room] = key
        others: set[str] = set()
        if roster is not None:
            for contact in roster:
                others.add(contact.display_name)
                others.add(local_part(contact.jid))
        return flag_occupants(room.occupants, others)

    def mark(self, room: Room, roster: Roster | None, line: Line) -> None:
        """A line said in ``room`` by a look-alike nick gets ``imitates``."""
        if not line.nick or line.kind is LineKind.OUTGOING:
            return
        self.refresh(room, roster)
        occupant = room.get(line.nick)
        if occupant is not None and occupant.confusable_with:
            line.imitates = occupant.confusable_with
