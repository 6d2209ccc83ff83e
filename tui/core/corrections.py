"""XEP-0308 message corrections: which line a correction replaces, and who may.

A correction names the id of the message it replaces; some clients name the
previous correction's id instead (a chain). :class:`Corrections` remembers,
per conversation, which message each applied correction changed, so either
way the chain ends at the same line. Who may correct what is a policy of
the window kind: in a conversation, each side its own messages; in a room,
only the occupant (nick) that wrote the message, and our lines only us.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Iterable

from ..text import sanitize
from .model import Delivery, Line, LineKind

MESSAGES = (LineKind.INCOMING, LineKind.OUTGOING, LineKind.ACTION)
CHAIN_LIMIT = 4096  # remembered correction ids per account: old chains are long finished


class Corrections:
    """The corrections applied so far, by their own ids: (scope, correction id) →
    the id of the line they changed. ``scope`` is the conversation (peer or room
    JID): ids are only unique per sender, never across conversations."""

    def __init__(self, limit: int = CHAIN_LIMIT) -> None:
        self._limit = limit
        self._chains: OrderedDict[tuple[str, str], str] = OrderedDict()

    def find(self, scope: str, lines: list[Line], replace_id: str, allowed: Callable[[Line], bool],
             *, rowid: int | None = None) -> Line | None:
        """The newest line of ``lines`` the correction replaces: the one with
        ``rowid`` (the stored message the store matched, already checked),
        else one whose id is ``replace_id`` (or the line that id's correction
        changed) and that ``allowed`` accepts."""
        ids = {replace_id, self._chains.get((scope, replace_id))}
        for line in reversed(lines):
            if rowid is not None and line.rowid == rowid:
                return line
            if line.msg_id is not None and line.msg_id in ids and allowed(line):
                return line
        return None

    def names_a_line(self, scope: str, lines: list[Line], replace_id: str) -> bool:
        """Does ``replace_id`` name a message shown in ``lines``, whoever wrote it?"""
        return self.find(scope, lines, replace_id, lambda line: line.kind in MESSAGES) is not None

    def apply(self, scope: str, line: Line, body: str, correction_ids: Iterable[str | None]) -> None:
        """Show ``body`` in ``line`` (marked corrected); a correction naming
        one of ``correction_ids`` later changes the same line."""
        line.body, line.corrected = sanitize(body), True
        if line.msg_id is None:
            return
        for correction_id in correction_ids:
            if correction_id:
                self.remember(scope, correction_id, line.msg_id)

    def remember(self, scope: str, correction_id: str, line_id: str) -> None:
        key = (scope, correction_id)
        self._chains[key] = line_id
        self._chains.move_to_end(key)
        while len(self._chains) > self._limit:
            self._chains.popitem(last=False)


# -- who may correct what ---------------------------------------------------------------
def chat_may_correct(line: Line, own: bool) -> bool:
    """In a conversation: our corrections change our lines, theirs theirs."""
    return line.kind in MESSAGES and (line.kind is not LineKind.INCOMING) == own


def room_line_is_ours(line: Line, our_nick: str) -> bool:
    """Did we write this room line? A /me line is an ACTION whoever wrote it:
    ours when sent from here (it has a delivery state) or under our nick."""
    if line.kind is LineKind.OUTGOING:
        return True
    return line.kind is LineKind.ACTION and (line.delivery is not Delivery.NONE or line.nick == our_nick)


def room_may_correct(line: Line, nick: str, own: bool, our_nick: str) -> bool:
    """In a room: only the occupant who wrote the line (same nick), and our
    lines only us — whoever takes a nick we left does not inherit our lines."""
    return line.kind in MESSAGES and line.nick == nick and room_line_is_ours(line, our_nick) == own


# -- what Up / /correct changes ---------------------------------------------------------------
def last_own_chat_line(lines: list[Line]) -> Line | None:
    """Our last message of a conversation sent from this device (with an id to name)."""
    return next((l for l in reversed(lines)
                 if l.kind in (LineKind.OUTGOING, LineKind.ACTION) and not l.elsewhere and l.msg_id), None)


def last_own_room_line(lines: list[Line], our_nick: str) -> Line | None:
    """Our last message of a room, if we wrote it under the nick we have now
    (others accept a correction only from the nick that wrote the original)."""
    last = next((l for l in reversed(lines) if l.kind in MESSAGES and room_line_is_ours(l, our_nick)), None)
    return last if last is not None and last.msg_id and last.nick == our_nick else None
