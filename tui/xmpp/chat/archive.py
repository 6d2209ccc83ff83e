"""Our own archive (XEP-0313) behind the conversations' history.

- On every fresh session (not a resumed one, unless the reading failed)
  the archive is read from just after the newest message of it we know we
  hold with nothing missing before (the archive's id: ``after-id``), so what
  arrived while we were away appears in its window, once. A failed reading
  is said and tried again a few times.
- Scrolling past the top of a conversation's stored lines reads the page
  before them from the archive (``pages_before``).

What is read goes through the conversations' pipeline like any message
(``receive``): decrypted (beside the account's queue, as it is read), stored
once, shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from functools import partial
from typing import AsyncGenerator, Awaitable, Callable

import slixmpp

from ...core.beside_queue import BesideQueue
from ...core.model import now
from ...core.serial import SerialRunner
from ...core.windows import Window, WindowList
from ...store.holds import Anchor
from ...store.records import StoredMessage
from ..account.session import AccountSession
from ..conversation import archive as archive_reader
from ..conversation.archive import ArchiveError, ArchiveIdUnknown, ArchiveQuery, unwrap
from ..conversation.history import (
    CLOCK_MARGIN, MAM_PAGE, STAMP_RESOLUTION, ArchiveBefore, MessageHistory, after_floor, before_ceiling,
)
from ..conversation.pipeline import MessagePipeline
from .fields import MessageFacts, message_facts

log = logging.getLogger(__name__)

FIRST_RUN_MESSAGES = 200  # an empty store fetches this much of the archive
OURS = "ours"  # the one key of our archive's readings (BesideQueue)
DECRYPTED_RUN = 0.1  # an encrypted page is shown in runs of about this much gpg time (s)


def record_of(facts: MessageFacts, nick: str, delivery: str) -> StoredMessage:
    return StoredMessage(
        peer=facts.peer, direction=facts.direction, body=facts.body, time=facts.time, nick=nick,
        kind="action" if facts.action else "chat", stanza_id=facts.stanza_id,
        origin_id=facts.origin_id, msg_id=facts.msg_id, delivery=delivery, elsewhere=facts.elsewhere,
        encryption=facts.encryption,
    )


Receive = Callable[..., Awaitable[None]]  # (batch, *, replay=False, unseen=False)


class ChatArchive:
    """Reading our archive: the catch-up after a fresh session, and older pages."""

    def __init__(self, session: AccountSession, windows: WindowList, serial: SerialRunner,
                 history: MessageHistory, receive: Receive, record_of: Callable[[MessageFacts], StoredMessage],
                 is_room: Callable[[str], bool], pipeline: MessagePipeline, *,
                 released: Callable[[list[MessageFacts]], None] = lambda parked: None) -> None:
        self.session = session
        self.windows = windows
        self.serial = serial
        self.history = history
        self.receive = receive  # the conversations' pipeline, in
        self.record_of = record_of  # a message as the store keeps it
        self.is_room = is_room
        # its decryption is done beside the queue, as a page is read (gpg:
        # ~10 ms a message; a page's in the queue held it ~1 s)
        self.pipeline = pipeline
        self._anchor: Anchor | None = None  # see "catching up"
        self._hold: Anchor | None = None  # … while lanes wait (lanes.py)
        self._written: Anchor | None = None  # the hold on disk (holds.py)
        self._caught_up = False
        self._retries = 0
        self._gap = False  # a reading failed since the last that succeeded
        self._retry_handle: asyncio.TimerHandle | None = None
        self._session_began: datetime | None = None  # our clock, at the last fresh session
        # catch-ups beside the account's queue; the live messages that wait
        # for them are handed to ``released`` once none is under way
        self._readings: BesideQueue[str, MessageFacts] = BesideQueue(
            f"{session.jid}: our archive", lambda _key, parked: released(parked))

    @property
    def own_jid(self) -> str:
        return self.session.jid.lower()

    # -- older pages -------------------------------------------------------------------
    async def read_before(self, window: Window, end: datetime | None) -> list[MessageFacts] | None:
        """The archive's page of ``window``'s conversation before ``end``
        (beside the account's queue: see ``MessageHistory.load_older``)."""
        xmpp, peer = self.session.xmpp, window.target
        if xmpp is None or not self.session.online or not peer:
            return None
        try:
            read = await archive_reader.newest(xmpp, ArchiveQuery(with_jid=peer, end=end),
                                               page=MAM_PAGE, limit=MAM_PAGE)
        except ArchiveError as exc:  # history is a comfort, not a must
            log.info("archive query for %s failed: %s", peer, exc)
            return None
        batch = await self.pipeline.decrypt_archived(
            [f for f in map(self.facts_of, read.results) if f is not None and f.peer == peer])
        if len(read.results) < MAM_PAGE:
            self.history.archive_exhausted(window)
        if end is not None:
            before_ceiling(batch, end)
        return batch

    async def keep_before(self, window: Window, batch: list[MessageFacts]) -> int:
        """That page stored (not shown: the history pages it in); how many were new."""
        stored = await self.history.keep([self.record_of(f) for f in batch])
        return sum(1 for kept in stored if kept)

    @property
    def pages_before(self) -> ArchiveBefore:
        return ArchiveBefore(self.read_before, self.keep_before)

    # -- catching up --------------------------------------------------------------------
    # Where the archive is read from is the newest message of our archive we
    # know we hold with nothing missing before it (``_anchor``: its archive id
    # and time). Only a catch-up that succeeded, and the live messages of a
    # session caught up, move it: a live message that arrives after a gap
    # (the catch-up failed, or has not run yet) must not hide the gap.
    # Nor must a message decrypted aside (lanes.py), stored after later ones
    # of other conversations: the anchor it came after is held (``_hold``).
    # Both are kept on disk (holds.py) until the gap is read or the message
    # stored: a run that quits or is killed meanwhile leaves the anchor
    # there, and the next reads from it, as after a gap.
    async def hold(self) -> None:
        """In the queue, before the first message is taken aside."""
        db = self.history.db
        if self._anchor is None and db is not None:  # not read this run yet: the store knows
            await self._anchor_of_run(db)
        self._hold = self._anchor or (None, None)
        await self._keep_hold()

    async def release(self) -> None:
        """In the queue, once the last message taken aside is stored."""
        self._hold = None
        await self._keep_hold()

    async def _keep_hold(self) -> None:
        """The anchor a catch-up must read after, on disk while it differs
        from the newest archived message stored (None: it does not)."""
        db = self.history.db
        wanted = self._hold or (self._anchor if self._gap else None)
        if db is None or wanted == self._written:
            return
        if wanted is None:
            await db.release(OURS)
        else:
            await db.hold(OURS, wanted)
        self._written = wanted

    async def _anchor_of_run(self, db) -> None:
        """The first of this run: the store knows where we were; a hold left
        by a run before wins (read from it, as after a gap)."""
        held = await db.held(OURS)
        if held is not None:
            self._anchor, self._gap, self._written = held, True, held
        else:
            self._anchor = await db.newest_archived() or (None, await db.newest_time())

    def session_started(self) -> None:
        """A fresh session: what was sent to the old one may be only in the archive."""
        self._caught_up = False
        self._retries = 0
        self._cancel_retry()
        self._session_began = now()

    @property
    def caught_up(self) -> bool:
        return self._caught_up

    def seen_live(self, batch: list[MessageFacts]) -> None:
        """Live messages of a session that is caught up: nothing is missing before them."""
        if self._caught_up and self._anchor is not None:
            for facts in batch:
                if facts.stanza_id and not facts.delayed:
                    self._anchor = (facts.stanza_id, facts.time)

    @property
    def reading(self) -> bool:
        """A catch-up is under way (or waits to start)."""
        return self._readings.under_way()

    def park(self, facts: MessageFacts) -> bool:
        """Keep a live message for after the catch-up under way, if one is."""
        return self._readings.park(OURS, facts)

    def start_catch_up(self, xmpp: slixmpp.ClientXMPP, *,
                       first: Callable[[], Awaitable[None]] | None = None) -> None:
        """Read what the archive has since we held it (once ``first()`` is
        done), beside the account's queue: see ``catch_up``. Without a
        history, nothing to read into."""
        if self.history.db is None:
            return

        async def reading() -> None:
            if first is not None:
                await first()
            await self.catch_up(xmpp)

        self._readings.start(OURS, reading)

    def close(self) -> None:
        self._readings.close()

    async def catch_up(self, xmpp: slixmpp.ClientXMPP) -> None:
        """What the archive has after the newest message we hold of it.

        Read beside the account's queue, not in it: each page is stored and
        shown as its answer comes (a job of the queue of its own), so what
        else waits for the queue — a line typed, a room's message — waits
        for one page's store, not for the whole absence to come over
        the network (3,000 missed messages: ~7 s from a Prosody on loopback,
        and nothing shown meanwhile); and only a page is held in memory. A
        page stored moves the anchor: a reading cut short goes on from there.
        A page is stored while the next one is read. Started by
        ``start_catch_up``: one reading at a time."""
        if self._caught_up or xmpp is not self.session.xmpp:
            return
        start = await self.serial.run(self._where_from)
        if start is None:
            return
        after_id, since, floor = start
        unseen = since is not None  # since our last session; a first run's reading stays quiet
        after_anchor = since
        storing: asyncio.Future | None = None  # the page before, stored while this one is read
        try:
            async with contextlib.aclosing(self._read_missed(xmpp, after_id, since)) as pages:
                async for results in pages:
                    # Coarse archive stamps go after what we hold (see _where_from).
                    batch: list[MessageFacts] = []
                    for result in results:
                        facts = self.facts_of(result)
                        if facts is not None:
                            if after_anchor is not None:
                                after_anchor = after_floor(facts, after_anchor)
                            if floor is not None:
                                floor = after_floor(facts, floor)
                            batch.append(facts)
                    last = next((r["mam_result"]["id"] for r in reversed(results) if r["mam_result"]["id"]), None)
                    anchor = (last, floor or since) if last is not None else None
                    # shown as decrypted (an encrypted page: in runs); the anchor moves with its last
                    async for run, whole in self.pipeline.decrypt_runs(batch, DECRYPTED_RUN):
                        storing = await self._store_in_turn(run, unseen, anchor if whole else None, storing)
        except ArchiveError as exc:
            self._gap = True  # (the pages read are stored: the next reading goes on after them)
            await self._keep_hold()  # on disk before the live messages that waited are stored
            self._failed(exc)
            return
        if storing is not None:
            await storing
        self._caught_up = True
        self._retries = 0
        self._gap = False
        await self._keep_hold()

    async def _store_in_turn(self, batch: list[MessageFacts], unseen: bool,
                             anchor: tuple[str, datetime | None] | None,
                             storing: asyncio.Future | None) -> asyncio.Future:
        """``batch`` stored and shown as a job of the queue, once the one
        before (``storing``) is done: two at most in memory. The new job."""
        stored = self.serial.submit(partial(self._keep_page, batch, unseen, anchor))
        if storing is not None:
            await storing
        return stored

    async def _where_from(self) -> tuple[str | None, datetime | None, datetime | None] | None:
        """The anchor's archive id and time, and the floor of coarse stamps,
        read in the queue's order (after an earlier run's outbox is loaded).
        Everything read comes after the message we read from (the anchor's
        time), even when what we hold newer is far later: lines typed while
        offline carry the time they were typed, not when the server got
        them. The floor: after what we hold, ours without an archive id
        included; after a failed reading, only after what preceded the gap.
        None: no history (any more). A message decrypted aside meanwhile
        holds the anchor it came after: read from there, as after a gap."""
        db = self.history.db
        if db is None:
            return None
        if self._anchor is None:
            await self._anchor_of_run(db)
        assert self._anchor is not None
        after_id, since = self._hold or self._anchor
        gap = self._gap or self._hold is not None
        floor = since if gap else (await db.newest_time() or since)
        return after_id, since, floor

    async def _keep_page(self, batch: list[MessageFacts], unseen: bool,
                         anchor: tuple[str, datetime | None] | None) -> None:
        await self._receive_missed(batch, unseen)
        if anchor is not None:
            self._anchor = anchor

    async def _receive_missed(self, batch: list[MessageFacts], unseen: bool) -> None:
        """History, quiet or marking its window (``unseen``); except what was
        sent since this session began: the archive and the live stream race
        for it, and whichever copy is stored first, it is a live message."""
        if self._session_began is None:
            cut = len(batch)
        else:  # (archive stamps may be whole seconds, rounded down)
            began = self._session_began - STAMP_RESOLUTION
            cut = next((i for i, facts in enumerate(batch) if facts.time >= began), len(batch))
        await self.receive(batch[:cut], replay=True, unseen=unseen)
        await self.receive(batch[cut:])

    async def _read_missed(self, xmpp: slixmpp.ClientXMPP, after_id: str | None,
                           since: datetime | None) -> AsyncGenerator[list, None]:
        """The archive's results after the anchor, a page at a time."""
        if after_id is not None:
            read = 0
            try:
                async for page in archive_reader.forward(xmpp, ArchiveQuery(after_id=after_id), page=MAM_PAGE):
                    read += 1
                    yield page
                return
            except ArchiveIdUnknown:
                if read:  # (a page's cursor, not our anchor: the reading failed)
                    raise
                log.info("our archive forgot %s: reading it by time", after_id)
        if since is not None:
            async for page in archive_reader.forward(xmpp, ArchiveQuery(start=since - CLOCK_MARGIN), page=MAM_PAGE):
                yield page
            return
        first_run = await archive_reader.newest(xmpp, ArchiveQuery(), page=MAM_PAGE, limit=FIRST_RUN_MESSAGES)
        yield first_run.results

    def _failed(self, exc: Exception) -> None:
        """Say it; try again a few times while the session lasts (a fresh or
        resumed session reads again anyway)."""
        log.info("archive catch-up failed: %s", exc)
        if not self.session.online:
            return  # the connection went: the next session reads the archive again
        if self._retries < len(archive_reader.RETRY_DELAYS):
            delay = archive_reader.RETRY_DELAYS[self._retries]
            self._retries += 1
            self.windows.status_line(
                f"{self.session.jid}: could not read the server archive ({exc}); trying again in {delay:g} s")
            self._cancel_retry()
            self._retry_handle = asyncio.get_running_loop().call_later(delay, self._retry)
        else:
            self.windows.status_line(
                f"{self.session.jid}: could not read the server archive ({exc}); messages sent while you were "
                "away may be missing — /reconnect reads it again")

    def _retry(self) -> None:
        self._retry_handle = None
        xmpp = self.session.xmpp
        if xmpp is not None and self.session.online:
            self.start_catch_up(xmpp)

    def _cancel_retry(self) -> None:
        if self._retry_handle is not None:
            self._retry_handle.cancel()
            self._retry_handle = None

    def facts_of(self, result) -> MessageFacts | None:
        """A result of our own archive: it comes from our bare JID (or, as
        the server's own stanza, without a from). Anyone else who learned or
        raced the query id is not our archive."""
        archived = unwrap(result)
        sender = archived.sender
        if sender and (sender.resource or sender.bare.lower() != self.own_jid):
            log.info("%s: ignored an archive result from %s", self.session.jid, sender)
            return None
        return message_facts(archived.stanza, self.own_jid, is_room=self.is_room,
                             archived_id=archived.archive_id, archived_time=archived.stamp)
