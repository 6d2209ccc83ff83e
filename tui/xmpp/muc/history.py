"""A room's past: the account's history store, and the room's archive.

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
from datetime import timedelta
from typing import TYPE_CHECKING

import slixmpp

from ...core.model import Line
from ...store.records import StoredMessage
from .. import archive_reader
from ..archive_reader import ArchiveIdUnknown, ArchiveQuery, ArchiveRefused
from ..chat.history import after_floor
from ..stamps import delay_stamp
from ..stored_lines import stored_line
from .fields import RoomMessage, room_message

if TYPE_CHECKING:
    from ...core.windows import Window
    from .service import MucService

log = logging.getLogger(__name__)

OPEN_LINES = 200  # stored lines a room window opens with
MAM_PAGE = 100
FIRST_JOIN_MESSAGES = 50  # a room never seen: this much of its archive
MAX_CATCH_UP = 2000  # after a long absence, at most this many (newest) are fetched
CLOCK_MARGIN = timedelta(minutes=5)


def record_of(m: RoomMessage, direction: str, delivery: str = "none") -> StoredMessage:
    return StoredMessage(
        peer=m.room, direction=direction, body=m.body, time=m.time, nick=m.nick,
        kind="action" if m.action else "groupchat", room=True, stanza_id=m.stanza_id,
        origin_id=m.origin_id, msg_id=m.msg_id, delivery=delivery,
    )


def stand_in_of(m: RoomMessage, direction: str) -> StoredMessage:
    """A correction of a message we never had, kept in its place: it carries
    the original's id, so later corrections of it (and re-reads of this one
    from the archive) find it; the room's stanza-id is the correction's."""
    record = record_of(m, direction)
    record.msg_id, record.origin_id = m.replace_id, None
    return record


def line_of(record: StoredMessage) -> Line:
    return stored_line(record, record.nick)  # a room colours by nick


class RoomHistory:
    def __init__(self, muc: "MucService") -> None:
        self.muc = muc
        # room -> (stanza-id, time) of the newest message we had when we
        # joined, while the archive after it has not been read
        self._unread: dict[str, tuple[str | None, object]] = {}

    @property
    def db(self):
        # one store per account, shared with the conversations
        return self.muc.chat.history.db

    async def keep(self, batch: list[StoredMessage]) -> list[StoredMessage | None | bool]:
        """Store ``batch``: for each its record if new (True without a store), None if known."""
        if self.db is None or not batch:
            return [True] * len(batch)
        try:
            return await self.db.add_many(batch)
        except Exception as exc:  # a full disk must not lose the line on screen
            log.warning("cannot store room messages: %s", exc)
            return [True] * len(batch)

    async def in_arrival_order(self, m: RoomMessage) -> None:
        """A live line stamped in the past (re-sent by the server after a
        resumption) came after everything we hold of its room: a whole-second
        stamp just before the newest of it is nudged after it."""
        if not m.delayed or self.db is None:
            return
        try:
            floor = await self.db.newest_time(m.room)
        except Exception as exc:  # a failing store must not lose the line
            log.info("history: newest of %s unavailable: %s", m.room, exc)
            return
        if floor is not None:
            after_floor(m, floor)

    async def correct(self, m: RoomMessage, direction: str) -> StoredMessage | None:
        """Apply the correction ``m`` to the stored message it names, if that was
        written by the same nick in the same direction; the record, or None."""
        if self.db is None or not m.replace_id:
            return None
        try:
            return await self.db.apply_correction(m.room, direction, m.replace_id, m.body, nick=m.nick,
                                                  correction_id=m.origin_id or m.msg_id)
        except Exception as exc:
            log.warning("cannot store a correction in %s: %s", m.room, exc)
            return None

    async def delivered(self, room: str, msg_id: str) -> None:
        if self.db is not None:
            await self.db.set_delivery(room, msg_id, "delivered")

    async def load_latest(self, window: "Window", room: str) -> None:
        if self.db is None:
            return
        records = await self.db.latest(room, OPEN_LINES)
        if records:
            self.muc.windows.prepend_lines(window, [line_of(r) for r in records])

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
            if self.db is not None:
                anchor = (await self.db.newest_stanza_id(room), await self.db.newest_time(room))
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
        missed = await self._collect(_each(read.results), room)
        floor = newest
        for m in missed if floor is not None else ():
            floor = after_floor(m, floor)  # coarse archive stamps after what we hold
        self._unread.pop(room, None)
        return missed, read.complete

    def unread(self) -> list[str]:
        """Rooms whose reading of the archive has not succeeded since they were joined."""
        return sorted(self._unread)

    async def _collect(self, results, room: str) -> list[RoomMessage]:
        """The room's messages among ``results``: what the room's archive
        forwards as said by another JID (someone's 1:1 chat, another room)
        is not the room's to tell, and is dropped."""
        found: list[RoomMessage] = []
        async for result in results:
            mam_result = result["mam_result"]
            forwarded = mam_result["forwarded"]
            message = room_message(forwarded["stanza"], archived_id=mam_result["id"] or None,
                                   archived_time=delay_stamp(forwarded.xml))
            if message is None:
                continue
            if message.room != room or (result["from"].bare or "").lower() != room:
                log.info("ignored a result of %s's archive from %s (%s)", room,
                         forwarded["stanza"]["from"], result["from"])
                continue
            found.append(message)
        return found


async def _each(results):
    for result in results:
        yield result
