"""The local message history: one SQLite file per account, used from asyncio.

    store = await HistoryStore.open(history_path(paths.data_dir(), "alice@example.org"))
    record = await store.add(StoredMessage(peer="bob@example.org", direction="in",
                                           body="hi", time=stamp, msg_id="a1"))
    if record is not None:            # None: we already had this message
        show(record)
    page = await store.latest("bob@example.org", 200)
    older = await store.before("bob@example.org", page[0].rowid, 200)
    await store.close()

Every SQLite call runs on one dedicated worker thread that owns the
connection, so calls never block the event loop and are executed one at a
time, in the order they were made.  ``add()`` calls made in the same turn
of the event loop are written in one transaction (each caller still gets
its own result); ``add_many()`` writes a whole list in one transaction.

New messages wait in an inbox (on disk, not indexed yet: inbox.py) and
are merged into the indexed tables in one transaction once no message has
come for MERGE_IDLE seconds, when the inbox is big, before anything else
the store does (so every read sees them), and on close.

The worker runs at a lower priority than the event loop's thread
(``_behind_the_loop``): what it does is never what a key or the network
waits for first.

Cancelling an awaiting caller does not undo the operation: it still runs.
Failures of SQLite (disk full, corrupt file…) raise HistoryError, whose
message is one line fit for the status window.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import sqlite3
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import quote

from .blog_entries import BlogRecord
from .database import HistoryDatabase, HistoryError
from .holds import Anchor
from .records import StoredMessage

__all__ = ["HistoryClosed", "HistoryError", "HistoryStore", "StoredMessage", "history_path"]

log = logging.getLogger(__name__)

_MAX_NAME = 120
# A flood is over when no message came for this long: the inbox is merged
# then (each index page written once for the whole flood). Nothing needs it
# sooner (every read merges first); 5 s was seen inside a W3 flood on a
# loaded machine, and merging mid-flood writes the indexes twice.
MERGE_IDLE = 15.0
# The worker's niceness above the process's.  Each batch handed to it wakes
# it, and the woken thread took the CPU from the event loop's at once: in a
# 5,000-message room flood (W2, W4) the loop's thread was preempted ~1,500
# times and waited 0.9 s for a CPU (2 cores, Prosody on one).  At 10: 594
# preemptions, 0.49 s (medians of 8 floods each, interleaved); W4's keys
# during the flood p90 3.7 → 3.1 ms, worst 21.4 → 13.5 ms, and the flood
# shown 2 s sooner (bench/README.md, the twenty-eighth session).  It never
# waits for long: the loop awaits what it stores before showing it.
BEHIND_THE_LOOP = 10


def _behind_the_loop() -> None:
    """On the worker as it starts: its niceness BEHIND_THE_LOOP above the
    process's (at most 19).  Linux sets it per thread (a thread id is a
    process id to ``setpriority``); elsewhere it would be the whole process's,
    so nothing is changed there.  Raising one's niceness needs no privilege."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        nice = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + BEHIND_THE_LOOP))
    except OSError as exc:  # (a sandbox refusing it: the store works the same)
        log.debug("history thread's priority left as it was: %s", exc)


def history_path(data_dir: str | os.PathLike[str], account_jid: str) -> Path:
    """``<data_dir>/history/<account>.sqlite3`` for an account's bare JID.

    A resource is dropped and the JID lower-cased (JIDs compare that way),
    characters other than letters, digits and ``@._-+`` are %-encoded, so
    the name is safe on any filesystem; a very long JID is shortened with
    a hash.
    """
    bare = account_jid.partition("/")[0].strip().lower()
    if not bare:
        raise ValueError("history_path needs an account JID")
    name = quote(bare, safe="@.-_+")
    if name.startswith("."):
        name = "%2E" + name[1:]
    if len(name) > _MAX_NAME:
        digest = hashlib.sha256(bare.encode("utf-8")).hexdigest()[:16]
        name = f"{name[:_MAX_NAME - 17]}-{digest}"
    return Path(data_dir) / "history" / f"{name}.sqlite3"


class HistoryClosed(HistoryError):
    """The store was used after close()."""


def with_history_errors(work: Callable[..., Any], *args: Any) -> Any:
    """Runs on the worker: SQLite failures, and arithmetic on a stored value
    that overflows (rows of older versions may hold any time), become
    one-line HistoryErrors: the callers' one way of hearing that history
    failed. (ValueError stays: it is a caller's bad argument.)"""
    try:
        return work(*args)
    except sqlite3.Error as exc:
        raise HistoryError(f"history: {exc}") from exc
    except OSError as exc:  # the inbox's file (inbox.py)
        reason = "disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        raise HistoryError(f"history: {reason}") from exc
    except OverflowError as exc:
        log.warning("history: a stored value is out of range", exc_info=True)
        raise HistoryError(f"history: a stored value is out of range ({exc})") from exc


class HistoryStore:
    """Async access to one account's history file.  Create with ``open()``."""

    def __init__(self, database: HistoryDatabase, executor: ThreadPoolExecutor) -> None:
        self._db = database
        self._executor = executor
        self._loop = asyncio.get_running_loop()
        self._pending: list[tuple[StoredMessage, asyncio.Future]] = []
        self._flush_handle: asyncio.Handle | None = None
        self._merge_handle: asyncio.TimerHandle | None = None
        self._closed = False
        self.path = database.path

    @classmethod
    async def open(cls, path: str | os.PathLike[str]) -> HistoryStore:
        """Open (creating or migrating) the history file at ``path``.

        Raises HistoryError with a one-line reason if it cannot be used.
        """
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parlons-history",
                                      initializer=_behind_the_loop)
        try:
            # Constructed on the worker: the connection belongs to that thread.
            database = await asyncio.get_running_loop().run_in_executor(executor, HistoryDatabase, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(database, executor)

    @property
    def database(self) -> HistoryDatabase:
        """The synchronous database behind this store. Only the store's
        worker thread may call it (tests wrap its methods to watch them)."""
        return self._db

    async def close(self) -> None:
        """Write what is pending and close the file; later calls raise HistoryClosed."""
        if self._closed:
            return
        self._flush_adds()
        self._closed = True
        if self._merge_handle is not None:
            self._merge_handle.cancel()  # closing merges
        try:
            await self._loop.run_in_executor(self._executor, with_history_errors, self._db.close)
        finally:
            self._executor.shutdown(wait=False)

    async def __aenter__(self) -> HistoryStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- plumbing ------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise HistoryClosed(f"history {self.path} is closed")

    async def _call(self, work: Callable[..., Any], *args: Any) -> Any:
        self._check_open()
        self._flush_adds()  # queued adds go first: calls run in the order they were made
        return await self._loop.run_in_executor(self._executor, with_history_errors, work, *args)

    def _flush_adds(self) -> None:
        """Hand the adds queued this turn to the worker as one transaction."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        done = self._loop.run_in_executor(
            self._executor, with_history_errors, self._db.add_batch, [msg for msg, _ in batch]
        )
        done.add_done_callback(lambda finished: _settle(batch, finished))
        self._merge_when_idle()

    def _merge_when_idle(self) -> None:
        """(Re)start the wait after which the inbox is merged."""
        if self._merge_handle is not None:
            self._merge_handle.cancel()
        self._merge_handle = self._loop.call_later(MERGE_IDLE, self._merge)

    def _merge(self) -> None:
        self._merge_handle = None
        if self._closed:
            return
        done = self._loop.run_in_executor(self._executor, with_history_errors, self._db.merge_inbox)
        done.add_done_callback(_log_merge_failure)

    # -- writing -------------------------------------------------------------

    async def add(self, msg: StoredMessage) -> StoredMessage | None:
        """Store one message; returns ``msg`` itself with ``rowid`` set, or
        None if it duplicates a stored message (whose missing ids it then
        fills in).

        Duplicates, for the same ``peer`` (a message may arrive live, as a
        carbon and from MAM, in any order):
          1. the same ``stanza_id``;
          2. the same ``direction`` and ``origin_id`` (unless both carry
             different stanza-ids);
          3. the same ``direction``, ``msg_id`` and ``body``, stamped within
             two days of each other (unless both carry different stanza-ids
             or different origin-ids).
        In a room (``room``/kind "groupchat"), 2 and 3 also need the same
        ``nick``: occupants see each other's ids and could reuse them.
        """
        self._check_open()
        msg.validate()
        future = self._loop.create_future()
        self._pending.append((msg, future))
        if self._flush_handle is None:
            self._flush_handle = self._loop.call_soon(self._flush_adds)
        return await future

    async def add_many(self, msgs: Iterable[StoredMessage]) -> list[StoredMessage | None]:
        """Store messages (e.g. a MAM page) in one transaction, in the given
        order; one result per message, as for ``add()``.  Duplicates within
        the list are detected too."""
        batch = list(msgs)
        for msg in batch:
            msg.validate()
        if not batch:
            self._check_open()
            return []
        added = self._call(self._db.add_batch, batch)
        self._merge_when_idle()
        return await added

    async def known(self, msgs: Iterable[StoredMessage]) -> list[bool]:
        """For each message, whether ``add`` would refuse it as a duplicate
        (read only: usable when the disk is full)."""
        return await self._call(self._db.known, list(msgs))

    async def set_delivery(self, peer: str, ref_id: str, delivery: Any, *, direction: str = "out") -> StoredMessage | None:
        """Mark the newest message of ``peer`` whose msg id or origin-id is
        ``ref_id`` as "none"|"pending"|"sent"|"delivered"|"failed" (or a
        tui.core.model.Delivery).  A late "sent"/"pending" never replaces
        "delivered"; pending/sent/delivered clear a previous error.
        Returns the updated record, or None if no such message."""
        return await self._call(self._db.set_delivery, peer, ref_id, delivery, direction)

    async def set_error(self, peer: str, ref_id: str, error: str | None, *, direction: str = "out") -> StoredMessage | None:
        """Attach the text of an error reply (delivery becomes "failed"), or
        clear it with None.  Returns the updated record or None."""
        return await self._call(self._db.set_error, peer, ref_id, error, direction)

    async def set_encryption(self, peer: str, ref_id: str, encryption: str, *,
                             direction: str = "out") -> StoredMessage | None:
        """Ours went out encrypted with ``encryption``; the updated record or None."""
        return await self._call(self._db.set_encryption, peer, ref_id, encryption, direction)

    async def apply_correction(
        self, peer: str, direction: str, replaced_id: str, new_body: str, *,
        nick: str | None = None, correction_id: str | None = None, time: datetime | None = None,
    ) -> StoredMessage | None:
        """XEP-0308: show ``new_body`` instead of the message of ``peer`` and
        ``direction`` whose msg id or origin-id (or previous correction's id)
        is ``replaced_id``.

        nick           in a room, the corrector's nick: only their own messages match
        correction_id  the correction stanza's id, so a chained correction naming it works
        time           the correction's send time: an older correction (e.g. the same
                       chain re-fetched from MAM) does not overwrite a newer one
        Returns the updated record, or None if nothing matched or it was older.
        """
        return await self._call(
            lambda: self._db.apply_correction(
                peer, direction, replaced_id, new_body, nick=nick, correction_id=correction_id, time=time
            )
        )

    # -- reading -------------------------------------------------------------

    async def get(self, rowid: int) -> StoredMessage | None:
        return await self._call(self._db.get, rowid)

    async def put_blog_entries(self, records: list[BlogRecord]) -> None:
        """Keep blog entries read (or refreshed), for searching later."""
        await self._call(self._db.put_blog_entries, records)

    async def delete_blog_entry(self, author: str, item_id: str | None = None) -> None:
        await self._call(self._db.delete_blog_entry, author, item_id)

    async def search_blog(self, pattern: str, limit: int = 200) -> list[BlogRecord]:
        """Blog entries kept, holding every word of ``pattern``, newest first."""
        return await self._call(self._db.search_blog, pattern, limit)

    async def latest(self, peer: str, limit: int) -> list[StoredMessage]:
        """The newest ``limit`` messages of a conversation, oldest first."""
        return await self._call(self._db.latest, peer, limit)

    async def before(self, peer: str, anchor: int | datetime, limit: int) -> list[StoredMessage]:
        """Up to ``limit`` messages older than a rowid (or an aware datetime),
        oldest first: the page above ``anchor`` when scrolling back."""
        return await self._call(self._db.before, peer, anchor, limit)

    async def after(self, peer: str, anchor: int | datetime, limit: int) -> list[StoredMessage]:
        """Up to ``limit`` messages newer than a rowid (or at/after a datetime),
        oldest first: the page below, e.g. around a search hit."""
        return await self._call(self._db.after, peer, anchor, limit)

    async def outbox(self) -> list[StoredMessage]:
        """Our 1:1 messages still "pending" (typed, not acknowledged by the
        server), oldest first: what to send on the next connection."""
        return await self._call(self._db.outbox)

    async def count(self, peer: str | None = None) -> int:
        return await self._call(self._db.count, peer)

    async def newest_stanza_id(self, peer: str | None = None) -> str | None:
        """Where MAM catch-up starts (query ``after-id``).  Without ``peer``:
        the newest stanza-id of our own archive (messages not from rooms);
        with a room's JID: the newest id of that room's archive.  Stamps more
        than a day in the future are ignored."""
        return await self._call(self._db.newest_stanza_id, peer)

    async def newest_archived(self) -> tuple[str, datetime] | None:
        """(stanza-id, time) of the newest message of our own archive we
        hold: where a catch-up of our archive starts (``after-id``)."""
        return await self._call(self._db.newest_archived)

    async def hold(self, scope: str, anchor: Anchor) -> None:
        """A catch-up of ``scope`` must read after ``anchor`` (holds.py), until released."""
        await self._call(self._db.hold, scope, anchor)

    async def release(self, scope: str) -> None:
        await self._call(self._db.release, scope)

    async def held(self, scope: str) -> Anchor | None:
        """The hold a run before left on ``scope`` (killed before it was released), or None."""
        return await self._call(self._db.held, scope)

    async def newest_time(self, peer: str | None = None) -> datetime | None:
        """Time of the newest message (of ``peer``, or of all); the MAM
        ``start`` fallback when the archive no longer knows our id."""
        return await self._call(self._db.newest_time, peer)

    async def newest_times_below(self, peer: str, ceilings: list[datetime]) -> list[datetime | None]:
        """For each ceiling, the time of ``peer``'s newest message stamped
        before it: where a late message with a coarse stamp belongs."""
        return await self._call(self._db.newest_times_below, peer, ceilings)

    async def search(self, pattern: str, peer: str | None = None, limit: int = 50) -> list[StoredMessage]:
        """Full-text search (FTS5) over all conversations or one ``peer``:
        messages containing every word of ``pattern`` (case- and
        accent-insensitive whole words; ``"a phrase"``; ``word*`` prefix).
        User text is quoted, never parsed as FTS syntax, so nothing typed
        raises.  The newest ``limit`` hits, oldest first; each record has
        ``peer`` (the window to jump to) and ``rowid`` (for ``before``/``after``)."""
        return await self._call(self._db.search, pattern, peer, limit)

    async def grep(self, peer: str, substring: str, limit: int = 50) -> list[StoredMessage]:
        """/lastlog: messages of one conversation containing ``substring``
        anywhere (case-insensitive, literal: ``%`` and ``_`` are plain
        characters), in the original or corrected text.  The newest
        ``limit`` hits, oldest first."""
        return await self._call(self._db.grep, peer, substring, limit)


def _settle(batch: list[tuple[StoredMessage, asyncio.Future]], finished: asyncio.Future) -> None:
    """Give each add() caller of a coalesced batch its own result."""
    if finished.cancelled():
        error: BaseException | None = HistoryError("history: write cancelled")
    else:
        error = finished.exception()
    for index, (_, future) in enumerate(batch):
        if future.done():  # the caller was cancelled; the write still happened
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(finished.result()[index])


def _log_merge_failure(finished: asyncio.Future) -> None:
    """A merge that fails is tried again before the next read or write;
    a failing disk is said by the write that fails."""
    if not finished.cancelled() and finished.exception() is not None:
        log.info("history: merging the inbox failed: %s", finished.exception())
