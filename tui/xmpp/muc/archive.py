"""A room's past: the room's archive, read when we join (and again when a reading failed).

- Joining asks the room for no legacy history (``maxstanzas=0``): the
  room's archive (XEP-0313 with the room as archive) is read instead: what
  it holds after the newest message of the room we have, at most the newest
  MAX_CATCH_UP of it (read backwards from the end, shown in order, with a
  line when older ones stay in the archive), so what was said while we were
  away (or disconnected) appears once, and nothing is replayed twice.
- Every message is stored before it is shown; the store refuses duplicates
  (the room's stanza-id, or origin-id/id + nick), so our own echo, a live
  copy and an archive copy of one message show once.
- A correction (XEP-0308) is not a message of its own: it changes the stored
  message of the same nick and direction. The archive replays corrections
  in order and the last one wins, so no time guard (our clock and the
  room's stamps differ: a re-read correction must not look older). One
  whose original we never had is kept as that original, corrected.
"""

from __future__ import annotations

import logging
from datetime import datetime

import slixmpp

from ...store.records import StoredMessage
from ..conversation import archive as archive_reader
from ..conversation.archive import ArchiveIdUnknown, ArchiveQuery, ArchiveRefused, unwrap
from ..conversation.history import CLOCK_MARGIN, MAM_PAGE, MessageHistory, after_floor, before_ceiling
from .fields import RoomMessage, room_message

log = logging.getLogger(__name__)

FIRST_JOIN_MESSAGES = 50  # a room never seen: this much of its archive
MAX_CATCH_UP = 2000  # after a long absence, at most this many (newest) are fetched


def record_of(m: RoomMessage, direction: str, delivery: str = "none") -> StoredMessage:
    return StoredMessage(
        peer=m.room, direction=direction, body=m.body, time=m.time, nick=m.nick,
        kind="action" if m.action else "groupchat", room=True, stanza_id=m.stanza_id,
        origin_id=m.origin_id, msg_id=m.msg_id, delivery=delivery, encryption=m.encryption,
    )


def stand_in_of(m: RoomMessage, direction: str) -> StoredMessage:
    """A correction of a message we never had, kept in its place: it carries
    the original's id, so later corrections of it (and re-reads of this one
    from the archive) find it; the room's stanza-id is the correction's."""
    record = record_of(m, direction)
    record.msg_id, record.origin_id = m.replace_id, None
    return record


class RoomArchive:
    """Reading rooms' archives: what we missed, and older pages."""

    def __init__(self, history: MessageHistory) -> None:
        self.history = history
        # room -> (stanza-id, time) of the newest message we had when we
        # joined, while the archive after it has not been read
        self._unread: dict[str, tuple[str | None, datetime | None]] = {}

    async def before(self, xmpp: slixmpp.ClientXMPP, room: str, end) -> tuple[list[RoomMessage], bool]:
        """The room archive's page before ``end`` (scrollback; corrections
        left out: the store has them applied), and whether it was the last."""
        read = await archive_reader.newest(xmpp, ArchiveQuery(archive=room, end=end), page=MAM_PAGE,
                                           limit=MAM_PAGE)
        plain = [m for m in await self._collect(read.results, room) if not m.replace_id]
        if end is not None:
            before_ceiling(plain, end)
        return plain, len(read.results) < MAM_PAGE

    async def fetch_missed(self, xmpp: slixmpp.ClientXMPP, room: str) -> tuple[list[RoomMessage], bool]:
        """What the room's archive holds after the newest message we had when
        we joined, oldest first: at most the newest MAX_CATCH_UP of it, read
        backwards from the end (the oldest lines read forward would leave out
        what was said last). And whether that is all of it (False: older
        missed lines were left in the archive). A room with no archive gives
        nothing; a reading that failed otherwise raises ArchiveError, and the
        next one starts from the same place (lines shown live meanwhile do
        not hide the gap)."""
        anchor = self._unread.get(room)
        if anchor is None:
            anchor = (None, None)
            db = self.history.db
            if db is not None:
                anchor = (await db.newest_stanza_id(room), await self.history.newest_time(room))
            self._unread[room] = anchor
        after, newest = anchor
        try:
            read = None
            if after is not None:
                try:
                    read = await archive_reader.newest(
                        xmpp, ArchiveQuery(archive=room, after_id=after), page=MAM_PAGE, limit=MAX_CATCH_UP)
                except ArchiveIdUnknown:
                    pass  # the archive forgot that id (expired): by time instead
            if read is None and newest is not None:
                read = await archive_reader.newest(
                    xmpp, ArchiveQuery(archive=room, start=newest - CLOCK_MARGIN), page=MAM_PAGE,
                    limit=MAX_CATCH_UP)
            if read is None:  # a room never seen: a taste of its past, no gap to speak of
                read = await archive_reader.newest(xmpp, ArchiveQuery(archive=room), page=MAM_PAGE,
                                                   limit=FIRST_JOIN_MESSAGES)
                read.complete = True
        except ArchiveRefused as exc:  # no archive, or it refuses us: history is a comfort
            log.info("room archive of %s unavailable: %s", room, exc)
            self._unread.pop(room, None)
            return [], True
        missed = await self._collect(read.results, room)
        if newest is not None:
            floor = newest
            for m in missed:
                floor = after_floor(m, floor)  # coarse archive stamps after what we hold
        self._unread.pop(room, None)
        return missed, read.complete

    def unread(self) -> list[str]:
        """Rooms whose reading of the archive has not succeeded since they were joined."""
        return sorted(self._unread)

    async def _collect(self, results: list, room: str) -> list[RoomMessage]:
        """The room's messages among ``results``: what the room's archive
        forwards as said by another JID (someone's 1:1 chat, another room)
        is not the room's to tell, and is dropped."""
        found: list[RoomMessage] = []
        for result in results:
            archived = unwrap(result)
            message = room_message(archived.stanza, archived_id=archived.archive_id, archived_time=archived.stamp)
            if message is None:
                continue
            if message.room != room or (archived.sender.bare or "").lower() != room:
                log.info("ignored a result of %s's archive from %s (%s)", room,
                         archived.stanza["from"], archived.sender)
                continue
            message.stanza = archived.stanza  # decrypted by the pipeline, like a live one
            found.append(message)
        return found
