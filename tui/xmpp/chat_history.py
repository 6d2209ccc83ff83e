"""A conversation's past: the local store, and the server archive behind it.

- Every message goes into the store before it is shown; the store refuses
  duplicates (live + carbon + archive copies of one message).
- A window opens with its latest lines from the store; scrolling past the
  top pages older lines in from the store, then from the archive (MAM).
- On every fresh session (not a resumed one) the archive is read from just
  before the newest message we hold, so what arrived while we were away
  appears in its window, once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import slixmpp

from ..core.model import Line, LineKind
from ..core.windows import Window
from ..store.records import StoredMessage
from .message_fields import MessageFacts, message_facts
from .stamps import delay_stamp
from .stored_lines import stored_line

if TYPE_CHECKING:
    from ..store.history import HistoryStore
    from .chat import ChatService

log = logging.getLogger(__name__)

OPEN_LINES = 200  # a few screenfuls when a window opens
PAGE_LINES = 100  # one scrollback page
MAM_PAGE = 100
FIRST_RUN_MESSAGES = 200  # an empty store fetches this much of the archive
CLOCK_MARGIN = timedelta(minutes=5)  # our clock vs the server's: overlap, duplicates are refused


STAMP_RESOLUTION = timedelta(seconds=1)  # archive stamps are often whole seconds


def _after_floor(facts: MessageFacts, floor):
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
        self.db: "HistoryStore | None" = None
        self._oldest: dict[Window, int] = {}  # oldest rowid shown per window
        self._archive_done: set[Window] = set()  # windows whose archive is exhausted

    @property
    def enabled(self) -> bool:
        return self.db is not None

    # -- storing ------------------------------------------------------------------
    async def keep(self, batch: list[MessageFacts], *, delivery: str | None = None) -> list[int | bool]:
        """Store ``batch``; for each message its rowid if it is new (True
        without a store), False if the store already had it."""
        if self.db is None or not batch:
            return [True] * len(batch)
        records = []
        for facts in batch:
            own = facts.direction == "out"
            nick = self.chat.line_for(facts).nick
            state = delivery or ("sent" if own and not facts.elsewhere else "none")
            records.append(_record(facts, nick, state))
        stored = await self.db.add_many(records)
        return [row.rowid if row is not None else False for row in stored]

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
        if self.db is not None:
            await self.db.set_delivery(peer, msg_id, "sent")

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
    async def catch_up(self, xmpp: slixmpp.ClientXMPP) -> None:
        """What the archive has since the newest message we hold."""
        if self.db is None:
            return
        newest = await self.db.newest_time()
        unseen = newest is not None  # since our last session; a first run's reading stays quiet
        mam = xmpp.plugin["xep_0313"]
        if newest is not None:
            results = mam.iterate(start=newest - CLOCK_MARGIN, rsm={"max": MAM_PAGE})
        else:
            results = mam.iterate(reverse=True, rsm={"max": MAM_PAGE}, total=FIRST_RUN_MESSAGES)
        batch: list[MessageFacts] = []
        floor = newest
        try:
            async for result in results:
                facts = self._facts_of_result(result)
                if facts is not None:
                    if floor is not None:
                        floor = _after_floor(facts, floor)
                    batch.append(facts)
                if len(batch) >= MAM_PAGE and newest is not None:
                    await self.chat.receive(batch, replay=True, unseen=unseen)
                    batch = []
        except Exception as exc:
            log.info("archive catch-up failed: %s", exc)
            self.chat.windows.status_line(f"{self.chat.session.jid}: could not read the server archive ({exc})")
        if newest is None:
            batch.reverse()  # read backwards from the newest: oldest first again
        await self.chat.receive(batch, replay=True, unseen=unseen)

    def _facts_of_result(self, result) -> MessageFacts | None:
        mam_result = result["mam_result"]
        forwarded = mam_result["forwarded"]
        stamp = delay_stamp(forwarded.xml)  # the archive's; slixmpp's parser raises on a bad one
        return message_facts(forwarded["stanza"], self.chat.own_jid,
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
