"""A conversation's past: the local store, and the server archive behind it.

- Every message goes into the store before it is shown; the store refuses
  duplicates (live + carbon + archive copies of one message).
- A window opens with its latest lines from the store; scrolling past the
  top pages older lines in from the store, then from the archive (MAM).
- On every fresh session (not a resumed one, unless the reading failed)
  the archive is read from just after the newest message of it we know we
  hold with nothing missing before (the archive's id: ``after-id``), so what
  arrived while we were away appears in its window, once. A failed reading
  is said and tried again a few times.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import slixmpp

from ...core.model import Line, LineKind
from ...core.windows import Window
from ...store.guarded import GuardedHistory
from ...store.records import StoredMessage
from .. import archive_reader
from ..archive_reader import ArchiveError, ArchiveIdUnknown, ArchiveQuery
from .fields import MessageFacts, message_facts
from ..stamps import delay_stamp
from ..stored_lines import stored_line

if TYPE_CHECKING:
    from ...store.history import HistoryStore
    from .service import ChatService

log = logging.getLogger(__name__)

OPEN_LINES = 200  # a few screenfuls when a window opens
PAGE_LINES = 100  # one scrollback page
MAM_PAGE = 100
FIRST_RUN_MESSAGES = 200  # an empty store fetches this much of the archive
CLOCK_MARGIN = timedelta(minutes=5)  # our clock vs the server's: overlap, duplicates are refused


STAMP_RESOLUTION = timedelta(seconds=1)  # archive stamps are often whole seconds


def after_floor(facts: MessageFacts, floor):
    """Archive stamps have a coarse resolution: one that falls within a
    second before the newest message we hold may well be newer than it.
    Arrival order decides: nudge it just after. Returns the new floor."""
    if floor - STAMP_RESOLUTION < facts.time <= floor:
        facts.time = floor + timedelta(microseconds=1)
    return max(floor, facts.time)


def _before_ceiling(batch: list[MessageFacts], ceiling) -> None:
    """An older page fetched late must sort before what is shown, even when
    the coarse archive stamps are equal: keep each strictly below the next."""
    for facts in reversed(batch):
        if facts.time >= ceiling:
            facts.time = ceiling - timedelta(microseconds=1)
        ceiling = facts.time


def _record(facts: MessageFacts, nick: str, delivery: str) -> StoredMessage:
    return StoredMessage(
        peer=facts.peer, direction=facts.direction, body=facts.body, time=facts.time, nick=nick,
        kind="action" if facts.action else "chat", stanza_id=facts.stanza_id,
        origin_id=facts.origin_id, msg_id=facts.msg_id, delivery=delivery, elsewhere=facts.elsewhere,
    )


def _line(record: StoredMessage, own_jid: str) -> Line:
    return stored_line(record, own_jid if record.direction == "out" else record.peer)


class ChatHistory:
    def __init__(self, chat: "ChatService") -> None:
        self.chat = chat
        self._db: "GuardedHistory | None" = None
        self._oldest: dict[Window, int] = {}  # oldest rowid shown per window
        self._archive_done: set[Window] = set()  # windows whose archive is exhausted
        self._anchor: tuple[str | None, datetime | None] | None = None  # see "catching up"
        self._caught_up = False
        self._retries = 0
        self._gap = False  # a reading failed since the last that succeeded
        self._retry_handle: asyncio.TimerHandle | None = None
        self._session_began: datetime | None = None  # our clock, at the last fresh session

    @property
    def db(self) -> "GuardedHistory | None":
        """The account's store (rooms use it too), its writes guarded: a
        failing disk is said once and costs no message."""
        return self._db

    @db.setter
    def db(self, store: "HistoryStore | GuardedHistory | None") -> None:
        if store is None or isinstance(store, GuardedHistory):
            self._db = store
        else:
            self._db = GuardedHistory(store, warn=lambda text: self._say(text, LineKind.ERROR),
                                      recovered=lambda: self._say("history is written again", LineKind.EVENT))

    def _say(self, text: str, kind: LineKind) -> None:
        self.chat.windows.status_line(f"{self.chat.session.jid}: {text}", kind)

    @property
    def enabled(self) -> bool:
        return self.db is not None

    # -- storing ------------------------------------------------------------------
    async def keep(self, batch: list[MessageFacts], *, delivery: str | None = None) -> list[int | bool]:
        """Store ``batch``; for each message its rowid if it is new (True
        when there is no store or it cannot write now), False if the store
        already had it."""
        if self.db is None or not batch:
            return [True] * len(batch)
        records = []
        for facts in batch:
            own = facts.direction == "out"
            nick = self.chat.line_for(facts).nick
            state = delivery or ("sent" if own and not facts.elsewhere else "none")
            records.append(_record(facts, nick, state))
        stored = await self.db.add_many(records)
        return [False if row is None else row.rowid or True for row in stored]

    async def correct(self, facts: MessageFacts) -> None:
        if self.db is not None and facts.replace_id:
            await self.db.apply_correction(facts.peer, facts.direction, facts.replace_id, facts.body,
                                           correction_id=facts.origin_id or facts.msg_id, time=facts.time)

    async def delivered(self, peer: str | None, msg_id: str | None) -> None:
        if self.db is not None and peer and msg_id:
            await self.db.set_delivery(peer, msg_id, "delivered")

    async def failed(self, peer: str | None, msg_id: str | None, reason: str) -> None:
        if self.db is not None and peer and msg_id:
            await self.db.set_delivery(peer, msg_id, "failed")
            await self.db.set_error(peer, msg_id, reason)

    async def resent(self, peer: str, msg_id: str) -> None:
        """/retry: a failed message is ours to send again."""
        if self.db is not None:
            await self.db.set_delivery(peer, msg_id, "pending")

    async def sent(self, peer: str, msg_id: str) -> None:
        """The server acknowledged it: no longer ours to send."""
        if self.db is not None:
            await self.db.set_delivery(peer, msg_id, "sent")

    async def outbox(self) -> list[StoredMessage]:
        return await self.db.outbox() if self.db is not None else []

    async def in_arrival_order(self, batch: list[MessageFacts]) -> None:
        """Live messages stamped in the past (re-sent by the server after a
        resumption, or from offline storage) arrived after everything we
        hold of their conversation: a stamp that falls within the archive's
        resolution before the newest of it is nudged just after (the server
        stamps whole seconds, the lines shown before the cut are finer)."""
        if self.db is None:
            return
        floors: dict[str, object] = {}
        for facts in batch:
            if not facts.delayed:
                continue
            if facts.peer not in floors:
                try:
                    floors[facts.peer] = await self.db.newest_time(facts.peer)
                except Exception as exc:  # the store failing must not lose the message
                    log.info("history: newest of %s unavailable: %s", facts.peer, exc)
                    floors[facts.peer] = None
            if floors[facts.peer] is not None:
                floors[facts.peer] = after_floor(facts, floors[facts.peer])

    # -- windows --------------------------------------------------------------------
    async def load_latest(self, window: Window, peer: str) -> None:
        if self.db is None:
            return
        records = await self.db.latest(peer, OPEN_LINES)
        if records:
            self._oldest[window] = records[0].rowid
            self.chat.windows.prepend_lines(window, [_line(r, self.chat.own_jid) for r in records])

    async def load_older(self, window: Window) -> int:
        """One more page before what the window shows; 0 when there is no more."""
        peer = window.target
        if self.db is None or not peer:
            return 0
        oldest = self._oldest.get(window)
        records = await self.db.before(peer, oldest, PAGE_LINES) if oldest else []
        if not records and window not in self._archive_done:
            fetched = await self._fetch_archive_before(window, peer)
            if fetched:
                records = await self.db.before(peer, oldest, PAGE_LINES) if oldest else \
                    await self.db.latest(peer, PAGE_LINES)
        if not records:
            return 0
        self._oldest[window] = records[0].rowid
        self.chat.windows.prepend_lines(window, [_line(r, self.chat.own_jid) for r in records])
        return len(records)

    async def _fetch_archive_before(self, window: Window, peer: str) -> int:
        xmpp = self.chat.session.xmpp
        if xmpp is None or not self.chat.session.online:
            return 0
        first = next((l for l in window.lines if l.kind is not LineKind.EVENT), None)
        end = first.time if first is not None else None
        batch: list[MessageFacts] = []
        try:
            async for result in xmpp.plugin["xep_0313"].iterate(
                with_jid=slixmpp.JID(peer), end=end, reverse=True, rsm={"max": MAM_PAGE}, total=MAM_PAGE,
            ):
                facts = self._facts_of_result(result)
                if facts is not None and facts.peer == peer:
                    batch.append(facts)
        except Exception as exc:  # IqError/IqTimeout: history is a comfort, not a must
            log.info("archive query for %s failed: %s", peer, exc)
            return 0
        if len(batch) < MAM_PAGE:
            self._archive_done.add(window)
        batch.reverse()  # the iterator went backwards: oldest first again
        if end is not None:
            _before_ceiling(batch, end)
        stored = await self.keep(batch)
        return sum(1 for new in stored if new)

    async def reveal(self, window: Window, rowid: int, max_pages: int = 100) -> Line | None:
        """Page older history in until the line with ``rowid`` is loaded."""
        for _ in range(max_pages):
            line = next((l for l in window.lines if l.rowid == rowid), None)
            if line is not None:
                return line
            if await self.load_older(window) == 0:
                return None
        return None

    # -- catching up --------------------------------------------------------------------
    # Where the archive is read from is the newest message of our archive we
    # know we hold with nothing missing before it (``_anchor``: its archive id
    # and time). Only a catch-up that succeeded, and the live messages of a
    # session caught up, move it: a live message that arrives after a gap
    # (the catch-up failed, or has not run yet) must not hide the gap.
    def session_started(self) -> None:
        """A fresh session: what was sent to the old one may be only in the archive."""
        self._caught_up = False
        self._retries = 0
        self._cancel_retry()
        self._session_began = datetime.now(timezone.utc)

    @property
    def caught_up(self) -> bool:
        return self._caught_up

    def seen_live(self, batch: list[MessageFacts]) -> None:
        """Live messages of a session that is caught up: nothing is missing before them."""
        if self._caught_up and self._anchor is not None:
            for facts in batch:
                if facts.stanza_id and not facts.delayed:
                    self._anchor = (facts.stanza_id, facts.time)

    async def catch_up(self, xmpp: slixmpp.ClientXMPP) -> None:
        """What the archive has after the newest message we hold of it."""
        if self.db is None or self._caught_up or xmpp is not self.chat.session.xmpp:
            return
        if self._anchor is None:  # the first of this run: the store knows where we were
            archived = await self.db.newest_archived()
            self._anchor = archived or (None, await self.db.newest_time())
        after_id, since = self._anchor
        unseen = since is not None  # since our last session; a first run's reading stays quiet
        try:
            results = await self._read_missed(xmpp, after_id, since)
        except ArchiveError as exc:
            self._failed(exc)
            return
        # Coarse archive stamps go after what we hold, ours without an archive
        # id included; after a failed reading, only after what preceded the gap.
        # Everything read comes after the message we read from (``since``),
        # even when what we hold newer is far later: lines typed while offline
        # carry the time they were typed, not when the server got them.
        floor = since if self._gap else (await self.db.newest_time() or since)
        after_anchor = since
        batch: list[MessageFacts] = []
        for result in results:
            facts = self._facts_of_result(result)
            if facts is not None:
                if after_anchor is not None:
                    after_anchor = after_floor(facts, after_anchor)
                if floor is not None:
                    floor = after_floor(facts, floor)
                batch.append(facts)
            if len(batch) >= MAM_PAGE:
                await self._receive_missed(batch, unseen)
                batch = []
        await self._receive_missed(batch, unseen)
        last = next((r for r in reversed(results) if r["mam_result"]["id"]), None)
        if last is not None:
            self._anchor = (last["mam_result"]["id"], floor or since)
        self._caught_up = True
        self._retries = 0
        self._gap = False

    async def _receive_missed(self, batch: list[MessageFacts], unseen: bool) -> None:
        """History, quiet or marking its window (``unseen``); except what was
        sent since this session began: the archive and the live stream race
        for it, and whichever copy is stored first, it is a live message."""
        if self._session_began is None:
            cut = len(batch)
        else:  # (archive stamps may be whole seconds, rounded down)
            began = self._session_began - STAMP_RESOLUTION
            cut = next((i for i, facts in enumerate(batch) if facts.time >= began), len(batch))
        await self.chat.receive(batch[:cut], replay=True, unseen=unseen)
        await self.chat.receive(batch[cut:])

    async def _read_missed(self, xmpp: slixmpp.ClientXMPP, after_id: str | None, since) -> list:
        if after_id is not None:
            try:
                return await archive_reader.forward(xmpp, ArchiveQuery(after_id=after_id), page=MAM_PAGE)
            except ArchiveIdUnknown:
                log.info("our archive forgot %s: reading it by time", after_id)
        if since is not None:
            return await archive_reader.forward(xmpp, ArchiveQuery(start=since - CLOCK_MARGIN), page=MAM_PAGE)
        read = await archive_reader.newest(xmpp, ArchiveQuery(), page=MAM_PAGE, limit=FIRST_RUN_MESSAGES)
        return read.results

    def _failed(self, exc: Exception) -> None:
        """Say it; try again a few times while the session lasts (a fresh or
        resumed session reads again anyway)."""
        session = self.chat.session
        log.info("archive catch-up failed: %s", exc)
        self._gap = True
        if not session.online:
            return  # the connection went: the next session reads the archive again
        if self._retries < len(archive_reader.RETRY_DELAYS):
            delay = archive_reader.RETRY_DELAYS[self._retries]
            self._retries += 1
            self.chat.windows.status_line(
                f"{session.jid}: could not read the server archive ({exc}); trying again in {delay:g} s")
            self._cancel_retry()
            self._retry_handle = asyncio.get_running_loop().call_later(delay, self._retry)
        else:
            self.chat.windows.status_line(
                f"{session.jid}: could not read the server archive ({exc}); messages sent while you were "
                "away may be missing — /reconnect reads it again")

    def _retry(self) -> None:
        self._retry_handle = None
        xmpp = self.chat.session.xmpp
        if xmpp is not None and self.chat.session.online:
            self.chat.serial.submit(lambda: self.catch_up(xmpp))

    def _cancel_retry(self) -> None:
        if self._retry_handle is not None:
            self._retry_handle.cancel()
            self._retry_handle = None

    def _facts_of_result(self, result) -> MessageFacts | None:
        """A result of our own archive: it comes from our bare JID (or, as
        the server's own stanza, without a from). Anyone else who learned or
        raced the query id is not our archive."""
        sender = result["from"]
        if sender and (sender.resource or sender.bare.lower() != self.chat.own_jid):
            log.info("%s: ignored an archive result from %s", self.chat.session.jid, sender)
            return None
        mam_result = result["mam_result"]
        forwarded = mam_result["forwarded"]
        stamp = delay_stamp(forwarded.xml)  # the archive's; slixmpp's parser raises on a bad one
        return message_facts(forwarded["stanza"], self.chat.own_jid, is_room=self.chat.is_room,
                             archived_id=mam_result["id"] or None, archived_time=stamp)

    # -- search -------------------------------------------------------------------------
    async def search(self, pattern: str, peer: str | None = None, limit: int = 50) -> list[StoredMessage]:
        if self.db is None:
            return []
        return await self.db.search(pattern, peer=peer, limit=limit)

    async def grep(self, peer: str, substring: str, limit: int = 50) -> list[StoredMessage]:
        if self.db is None:
            return []
        return await self.db.grep(peer, substring, limit=limit)
