"""One history for conversations and rooms: the account's store as a window sees it.

- Every message is stored before it is shown; the store refuses duplicates
  (stanza-id, origin-id, or id + body), so live, carbon, echo and archive
  copies of one message show once. ``keep`` says, for each, whether it is
  new (:class:`Kept`).
- One error policy: writes go through the guarded store (a failing disk is
  said once; the message is kept in memory, shown, and written later);
  reads that fail are logged and answer "nothing known".
- A window opens with its latest stored lines; scrolling past the top pages
  older ones in from the store, then from an archive (our own archive for a
  conversation, the room's for a room: ``ArchiveBefore``). The archive's
  page is read beside the account's queue, not in it: a line typed while
  the server answers (or does not: up to a query's timeout) does not wait.
- Archive stamps are coarse (whole seconds): ``after_floor`` (``after_floors``: a page) and
  ``before_ceiling`` keep arrival order where a stamp cannot.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Iterable, NamedTuple, Protocol

from ...core.model import Line, LineKind
from ...core.serial import SerialRunner
from ...core.windows import Window, WindowList
from ...store.guarded import GuardedHistory
from ...store.history import HistoryStore
from ...store.records import StoredMessage

log = logging.getLogger(__name__)

OPEN_LINES = 200  # a few screenfuls when a window opens
PAGE_LINES = 100  # one scrollback page
MAM_PAGE = 100  # results per archive page
CLOCK_MARGIN = timedelta(minutes=5)  # our clock vs the server's: overlap, duplicates are refused
STAMP_RESOLUTION = timedelta(seconds=1)  # archive stamps are often whole seconds


class Timed(Protocol):
    """A message as the ordering helpers see it (chat facts, room messages)."""
    time: datetime
    delayed: bool

    @property
    def peer(self) -> str: ...


def after_floor(message: Timed, floor: datetime) -> datetime:
    """Archive stamps have a coarse resolution: one that falls within a
    second before the newest message we hold may well be newer than it.
    Arrival order decides: nudge it just after. Returns the new floor."""
    if floor - STAMP_RESOLUTION < message.time <= floor:
        message.time = floor + timedelta(microseconds=1)
    return max(floor, message.time)


def after_floors(batch: list, floor: datetime | None) -> datetime | None:
    """``after_floor`` for each of ``batch``, in order (no floor: nothing to
    keep them after); the new floor, for the page that follows."""
    if floor is not None:
        for message in batch:
            floor = after_floor(message, floor)
    return floor


def before_ceiling(batch: list, ceiling: datetime) -> None:
    """An older page fetched late must sort before what is shown, even when
    the coarse archive stamps are equal: keep each strictly below the next."""
    for message in reversed(batch):
        if message.time >= ceiling:
            message.time = ceiling - timedelta(microseconds=1)
        ceiling = message.time


@dataclass(frozen=True, slots=True)
class Kept:
    """What the store made of one message: new (with its rowid, None when
    there is no store or it cannot write now), or known already."""
    new: bool
    rowid: int | None = None

    def __bool__(self) -> bool:
        return self.new


KNOWN = Kept(False)


class StoreSlot:
    """The account's store: opened after the services that use it are
    built, closed before the account goes. Its writes are guarded."""

    def __init__(self, say: Callable[[str, LineKind], object]) -> None:
        self._say = say
        self.db: GuardedHistory | None = None

    def put(self, store: HistoryStore | GuardedHistory | None) -> None:
        if store is None or isinstance(store, GuardedHistory):
            self.db = store
        else:
            self.db = GuardedHistory(store, warn=self._failing, recovered=self._recovered)

    def _failing(self, text: str) -> None:
        self._say(text, LineKind.ERROR)

    def _recovered(self) -> None:
        self._say("history is written again", LineKind.EVENT)

    async def close(self) -> None:
        if self.db is not None:
            db, self.db = self.db, None
            await db.close()


class ArchiveBefore(NamedTuple):
    """An archive's page before a time, in two steps: ``read(window, end)``
    asks the server (beside the account's queue; None: nothing to keep), and
    ``keep(window, page)`` stores it (a job of the queue), saying how many
    were new."""

    read: Callable[[Window, "datetime | None"], Awaitable[Any]]
    keep: Callable[[Window, Any], Awaitable[int]]


@dataclass
class _AskArchive:
    """The store had nothing older: the archive's page before ``end``."""
    end: datetime | None


class MessageHistory:
    """The history of one kind of conversation (how a stored message becomes
    a line differs: ``line_of``); the store is the account's, shared."""

    def __init__(self, store: StoreSlot, windows: WindowList,
                 line_of: Callable[[StoredMessage], Line]) -> None:
        self.store = store
        self.windows = windows
        self.line_of = line_of
        self._oldest: dict[Window, int] = {}  # oldest rowid shown per window
        self._archive_done: set[Window] = set()  # windows whose archive is exhausted
        self._loading: dict[Window, asyncio.Future] = {}  # the page under way, per window

    @property
    def db(self) -> GuardedHistory | None:
        return self.store.db

    @property
    def enabled(self) -> bool:
        return self.store.db is not None

    # -- writing ---------------------------------------------------------------------
    async def keep(self, records: list[StoredMessage]) -> list[Kept]:
        """Store ``records``; for each whether it is new (and its rowid)."""
        db = self.store.db
        if db is None or not records:
            return [Kept(True)] * len(records)
        stored = await db.add_many(records)
        return [KNOWN if row is None else Kept(True, row.rowid) for row in stored]

    async def correct(self, peer: str, direction: str, replace_id: str, body: str, *,
                      correction_id: str | None, nick: str | None = None,
                      time: datetime | None = None) -> StoredMessage | None:
        """Apply a correction to the stored message it names, if that was
        written in ``direction`` (and by ``nick``, in a room); the record."""
        db = self.store.db
        if db is None or not replace_id:
            return None
        kwargs: dict = {"correction_id": correction_id}
        if nick is not None:
            kwargs["nick"] = nick
        if time is not None:
            kwargs["time"] = time
        return await db.apply_correction(peer, direction, replace_id, body, **kwargs)

    async def set_delivery(self, peer: str | None, msg_id: str | None, delivery: str,
                           reason: str | None = None) -> None:
        """pending → sent (the server has it) → delivered (receipt, echo), or failed (why)."""
        db = self.store.db
        if db is None or not peer or not msg_id:
            return
        await db.set_delivery(peer, msg_id, delivery)
        if reason is not None:
            await db.set_error(peer, msg_id, reason)

    async def went_encrypted(self, peer: str | None, msg_id: str | None, scheme: str) -> None:
        """Ours went out encrypted (it was stored before): the history keeps how."""
        db = self.store.db
        if db is not None and peer and msg_id:
            await db.set_encryption(peer, msg_id, scheme)

    # -- reading -----------------------------------------------------------------------
    async def newest_time(self, peer: str | None = None) -> datetime | None:
        db = self.store.db
        if db is None:
            return None
        try:
            return await db.newest_time(peer)
        except Exception as exc:  # a failing store must not lose the message being handled
            log.info("history: newest of %s unavailable: %s", peer or "all", exc)
            return None

    async def in_arrival_order(self, batch: Iterable[Timed]) -> None:
        """Live messages stamped in the past (re-sent by the server after a
        resumption, or from offline storage) arrived after everything we
        hold of their conversation that is stamped within the archive's
        resolution after them: such a coarse stamp is nudged just after
        the newest of those.  (Not after the newest of all: a line of ours
        typed while the link was down is truly newer, and comparing with it
        alone left "message 05" stamped 12.000 before "message 01" shown at
        12.5 — CI, test_tcp_cut.)"""
        db = self.store.db
        if db is None:
            return
        by_peer: dict[str, list[Timed]] = {}
        for message in batch:
            if message.delayed:
                by_peer.setdefault(message.peer, []).append(message)
        for peer, messages in by_peer.items():
            try:
                held = await db.newest_times_below(peer, [m.time + STAMP_RESOLUTION for m in messages])
            except Exception as exc:  # a failing store must not lose the messages being handled
                log.info("history: newest of %s unavailable: %s", peer, exc)
                continue
            previous: datetime | None = None  # this batch's message before, as placed
            for message, below in zip(messages, held):
                ceiling = message.time + STAMP_RESOLUTION
                floor = max((t for t in (below, previous) if t is not None and t < ceiling), default=None)
                if floor is not None and message.time <= floor:
                    message.time = floor + timedelta(microseconds=1)
                previous = message.time

    async def search(self, pattern: str, peer: str | None = None, limit: int = 50) -> list[StoredMessage]:
        db = self.store.db
        return await db.search(pattern, peer=peer, limit=limit) if db is not None else []

    async def grep(self, peer: str, substring: str, limit: int = 50) -> list[StoredMessage]:
        db = self.store.db
        return await db.grep(peer, substring, limit=limit) if db is not None else []

    # -- windows -------------------------------------------------------------------------
    async def load_latest(self, window: Window, peer: str) -> None:
        db = self.store.db
        if db is None:
            return
        records = await db.latest(peer, OPEN_LINES)
        if records:
            self._oldest[window] = records[0].rowid
            self.windows.prepend_lines(window, [self.line_of(r) for r in records])

    async def load_older(self, serial: SerialRunner, window: Window,
                         archive: ArchiveBefore | None = None) -> int:
        """One more page before what the window shows (the store, then the
        archive); 0 when there is no more. The store's page is read and shown
        by a job of the account's queue (``serial``); the archive's is asked
        for beside it, and stored and shown by a job of its own. One page at
        a time per window: asked again meanwhile (PageUp held at the top),
        this is the answer (a caller given up on does not stop it)."""
        loading = self._loading.get(window)
        if loading is None or loading.done():
            loading = asyncio.ensure_future(self._older(serial, window, archive))
            self._loading[window] = loading
            loading.add_done_callback(lambda done: self._loaded(window, done))
        return await asyncio.shield(loading)

    def _loaded(self, window: Window, done: asyncio.Future) -> None:
        if self._loading.get(window) is done:
            del self._loading[window]
        if not done.cancelled() and done.exception() is not None:  # (said even when no one waits any more)
            log.error("history: older lines of %s could not be loaded", window.target, exc_info=done.exception())

    async def _older(self, serial: SerialRunner, window: Window, archive: ArchiveBefore | None) -> int:
        shown = await serial.run(lambda: self._older_stored(window, archive is not None))
        if not isinstance(shown, _AskArchive):
            return shown
        assert archive is not None
        page = await archive.read(window, shown.end)
        if page is None:
            return 0
        return await serial.run(lambda: self._older_from_archive(window, page, archive))

    def _in_place(self, window: Window) -> tuple[list[Line], int | None]:
        """The lines in place and the first of their stored rows. On from the
        first stored line in place (the oldest may have been let go of:
        KEEP_LINES); what was loaded last, with none shown."""
        in_place = window.lines[window.out_of_place:]
        oldest = next((line.rowid for line in in_place if line.rowid is not None), self._oldest.get(window))
        return in_place, oldest

    async def _older_stored(self, window: Window, with_archive: bool) -> int | _AskArchive:
        """The store's page before what the window shows, shown; or, when it
        has none and the archive may have, what to ask the archive."""
        db, peer = self.store.db, window.target
        if db is None or not peer:
            return 0
        in_place, oldest = self._in_place(window)
        records = await db.before(peer, oldest, PAGE_LINES) if oldest else []
        if records:
            return self._prepend(window, records)
        if with_archive and window not in self._archive_done:
            first = next((line for line in in_place if line.kind is not LineKind.EVENT), None)
            return _AskArchive(first.time if first is not None else None)
        return 0

    async def _older_from_archive(self, window: Window, page: Any, archive: ArchiveBefore) -> int:
        """The archive's page stored, and the store's page before what the
        window shows now (lines may have come and gone meanwhile) shown."""
        db, peer = self.store.db, window.target
        if db is None or not peer or not await archive.keep(window, page):
            return 0
        _in_place, oldest = self._in_place(window)
        records = await db.before(peer, oldest, PAGE_LINES) if oldest else await db.latest(peer, PAGE_LINES)
        return self._prepend(window, records) if records else 0

    def _prepend(self, window: Window, records: list[StoredMessage]) -> int:
        if records[0].rowid is not None:  # (always, once stored)
            self._oldest[window] = records[0].rowid
        # (a message still to send, kept at the front when older lines were
        # let go of, is that same line: it goes back to its place)
        waiting: dict[int | None, Line] = {
            line.rowid: line for line in window.lines[:window.out_of_place] if line.rowid is not None}
        self.windows.prepend_lines(window, [waiting.get(r.rowid) or self.line_of(r) for r in records])
        return len(records)

    def archive_exhausted(self, window: Window) -> None:
        """The archive has nothing older for ``window``: scrolling stops asking."""
        self._archive_done.add(window)

    async def reveal(self, serial: SerialRunner, window: Window, rowid: int,
                     archive: ArchiveBefore | None = None, max_pages: int = 100) -> Line | None:
        """Page older history in until the line with ``rowid`` is loaded."""
        for _ in range(max_pages):
            line = next((l for l in window.lines if l.rowid == rowid), None)
            if line is not None:
                return line
            if await self.load_older(serial, window, archive) == 0:
                return None
        return None

    async def outbox(self) -> list[StoredMessage]:
        """What an earlier run typed and the server never acknowledged."""
        db = self.store.db
        return await db.outbox() if db is not None else []
