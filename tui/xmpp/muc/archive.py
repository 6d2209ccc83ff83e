"""A room's past: the room's archive, read when we join (and again when a reading failed).

- Joining asks the room for no legacy history (``maxstanzas=0``): the
  room's archive (XEP-0313 with the room as archive) is read instead: what
  it holds after the newest message of the room we have, at most the newest
  MAX_CATCH_UP of it, so what was said while we were away (or
  disconnected) appears once, and nothing is replayed twice.  The last
  page is asked first: when the archive's count says the rest fits, it is
  read forward and each page shown as it comes (and a reading cut short
  goes on after what was stored); when it does not (or the archive does
  not count), backwards from the end, each page shown as it comes above
  the one before, with a line when older ones stay in the archive; the
  room's anchor is held on disk meanwhile (tui/store/holds.py): the newest
  page stored first must not hide the older ones from the next reading.
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

import contextlib
import logging
from datetime import datetime, timedelta
from typing import AsyncGenerator, NamedTuple

import slixmpp

from ...store.holds import Anchor
from ...store.records import StoredMessage
from ..conversation import archive as archive_reader
from ..conversation.archive import (ArchiveError, ArchiveIdUnknown, ArchiveQuery, ArchiveRead, ArchiveRefused,
                                    LastPage, unwrap)
from ..conversation.history import CLOCK_MARGIN, MAM_PAGE, MessageHistory, after_floors, before_ceiling
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


class MissedPage(NamedTuple):
    """A page of what a room's archive holds since we were there."""
    messages: list[RoomMessage]
    complete: bool = True  # False: older lines were left out before these (the limit)
    # read backwards: the newest page first, each older than the one before;
    # the reading's anchor moves only once it is read through
    backwards: bool = False


class RoomArchive:
    """Reading rooms' archives: what we missed, and older pages."""

    def __init__(self, history: MessageHistory) -> None:
        self.history = history
        # room -> (stanza-id, time) of the newest message we had when we
        # joined, while the archive after it has not been read
        self._unread: dict[str, Anchor] = {}
        self._held: set[str] = set()  # rooms whose anchor is held on disk (a reading backwards)

    async def before(self, xmpp: slixmpp.ClientXMPP, room: str, end) -> tuple[list[RoomMessage], bool]:
        """The room archive's page before ``end`` (scrollback; corrections
        left out: the store has them applied), and whether it was the last."""
        read = await archive_reader.newest(xmpp, ArchiveQuery(archive=room, end=end), page=MAM_PAGE,
                                           limit=MAM_PAGE)
        plain = [m for m in await self._collect(read.results, room) if not m.replace_id]
        if end is not None:
            before_ceiling(plain, end)
        return plain, len(read.results) < MAM_PAGE

    async def missed(self, xmpp: slixmpp.ClientXMPP, room: str) -> AsyncGenerator[MissedPage, None]:
        """What the room's archive holds after the newest message we had when
        we joined, in pages. At most the newest MAX_CATCH_UP of it: when the
        archive says the absence fits (its RSM count), it is read forward
        from where we were, a page at a time as each comes (the reader shows
        one while the next is read; see ``_forward``); otherwise (or when
        the archive does not count) backwards from the end, the newest page
        first (``_backward``), the last with complete False if older lines
        were left out. A room with no archive (its first query refused) gives
        nothing; a reading that failed otherwise — no answer, the connection
        gone, a later page refused — raises ArchiveError, and the next one starts after
        the last page the reader said it stored (``stored_up_to``), or where
        this one did (lines shown live meanwhile do not hide the gap). Done:
        the reader says so (``read_through``)."""
        anchor = self._unread.get(room)
        db = self.history.db
        if anchor is None:
            anchor = (None, None)
            held = None if db is None else await db.held(room)
            if held is not None:  # a reading backwards left it (killed, or quit, before it was read through)
                anchor = held
                self._held.add(room)
            elif db is not None:
                anchor = (await db.newest_stanza_id(room), await self.history.newest_time(room))
            self._unread[room] = anchor
        after, newest = anchor
        try:
            found = await self._last_page(xmpp, room, after, newest)
            if found is None:  # a room never seen: a taste of its past, no gap to speak of
                read = await archive_reader.newest(xmpp, ArchiveQuery(archive=room), page=MAM_PAGE,
                                                   limit=FIRST_JOIN_MESSAGES)
                yield MissedPage(await self._collect(read.results, room))
                return
        except ArchiveRefused as exc:  # no archive, or it refuses us: history is a comfort
            log.info("room archive of %s unavailable: %s", room, exc)
            self._unread.pop(room, None)
            yield MissedPage([])
            return
        query, last = found
        if last.complete:  # (a short absence: one page, read already)
            read = ArchiveRead(last.results)
        else:
            fits = await self._fits(xmpp, room, last, newest)
            paging = self._forward(xmpp, room, query, last, newest) if fits else \
                self._backward(xmpp, room, query, last, anchor)
            try:
                async with contextlib.aclosing(paging) as pages:
                    async for paged in pages:
                        yield paged
            except ArchiveRefused as exc:
                # The archive answered, then refused a page: a reading that
                # failed (read again, the anchor kept), not a room without one.
                raise ArchiveError(str(exc)) from None
            return
        page = await self._collect(read.results, room)
        after_floors(page, newest)
        yield MissedPage(page, read.complete)

    async def _backward(self, xmpp: slixmpp.ClientXMPP, room: str, query: ArchiveQuery, last: LastPage,
                        anchor: Anchor) -> AsyncGenerator[MissedPage, None]:
        """``query``'s newest MAX_CATCH_UP, a page at a time from ``last``
        backwards. Before the first is handed on (and stored), the anchor
        is held on disk until the reading is read through (written once: a
        reading again, or one from a hold a run before left, finds it there)."""
        db = self.history.db
        if db is not None and room not in self._held:
            await db.hold(room, anchor)
            self._held.add(room)
        async with contextlib.aclosing(archive_reader.backward(xmpp, query, page=MAM_PAGE, limit=MAX_CATCH_UP,
                                                                last=last)) as pages:
            # Coarse stamps: each page is stored before the older ones, and must
            # sort after them all the same (and after what we had). The newest
            # goes after the floor with room for the catch-up below it, each
            # older one just below the page before it (``ceiling``).
            floor = anchor[1]
            ceiling: datetime | None = None
            async for read in pages:
                page = await self._collect(read.results, room)
                if ceiling is not None:
                    after_floors(page, ceiling - timedelta(microseconds=len(page) + 1))
                    before_ceiling(page, ceiling)
                elif floor is not None:
                    after_floors(page, floor + timedelta(microseconds=MAX_CATCH_UP + 1))
                if page:
                    ceiling = page[0].time
                yield MissedPage(page, read.complete, backwards=True)

    async def _forward(self, xmpp: slixmpp.ClientXMPP, room: str, query: ArchiveQuery, last: LastPage,
                       floor: datetime | None) -> AsyncGenerator[MissedPage, None]:
        """``query``'s pages read forward, up to ``last`` (read first, for the
        count), each complete. Should the archive hold more than it counted
        (a hostile room service; our clock ahead of its stamps for the count
        since our last line), no more than MAX_CATCH_UP, then ``last``, not
        complete: a gap before it."""
        read = 0
        async with contextlib.aclosing(archive_reader.forward(xmpp, query, page=MAM_PAGE, last=last)) as pages:
            async for results in pages:
                complete = True
                if results is not last.results:
                    read += len(results)
                    if read > MAX_CATCH_UP:
                        results, complete = last.results, False
                page = await self._collect(results, room)
                floor = after_floors(page, floor)
                yield MissedPage(page, complete)
                if not complete:
                    return

    async def _fits(self, xmpp: slixmpp.ClientXMPP, room: str, last: LastPage, newest: datetime | None) -> bool:
        """Does what we missed fit a catch-up? The archive's count says, if
        it counts: Prosody's is of the whole archive, not of what follows an
        id (an upper bound, over MAX_CATCH_UP in any busy room), so then what
        it counts since a little before our newest message (an upper bound
        too: the reading forward, after the id, is what decides what is read)."""
        if last.count is not None and last.count <= MAX_CATCH_UP:
            return True
        if last.count is None or newest is None:
            return False
        try:
            since = await archive_reader.count(xmpp, ArchiveQuery(archive=room, start=newest - CLOCK_MARGIN))
        except ArchiveRefused:
            return False  # (a count refused: read backwards, as a server that does not count)
        return since is not None and since <= MAX_CATCH_UP

    async def _last_page(self, xmpp: slixmpp.ClientXMPP, room: str, after: str | None,
                         newest: datetime | None) -> tuple[ArchiveQuery, LastPage] | None:
        """The query of what we missed (after the anchor's id, or its time
        when the archive forgot the id), and its last page; None: we hold
        nothing of the room to read after."""
        if after is not None:
            query = ArchiveQuery(archive=room, after_id=after)
            try:
                return query, await archive_reader.last_page(xmpp, query, page=MAM_PAGE)
            except ArchiveIdUnknown:
                pass  # the archive forgot that id (expired): by time instead
        if newest is None:
            return None
        query = ArchiveQuery(archive=room, start=newest - CLOCK_MARGIN)
        return query, await archive_reader.last_page(xmpp, query, page=MAM_PAGE)

    def stored_up_to(self, room: str, page: MissedPage) -> None:
        """``page`` (of ``missed``) is stored: a reading (forward) that fails
        after it goes on after it."""
        if room in self._unread and page.messages and not page.backwards:
            last = page.messages[-1]
            self._unread[room] = (last.stanza_id or self._unread[room][0], last.time)

    async def read_through(self, room: str) -> None:
        """The reading of ``missed`` is over, all of it stored (in the queue)."""
        self._unread.pop(room, None)
        db = self.history.db
        if room in self._held and db is not None:
            self._held.discard(room)
            await db.release(room)

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

