"""The synchronous side of the history store: one SQLite connection, used
only by the store's worker thread (see history.py for the async API).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Literal, Sequence, overload

from . import blog_entries, holds
from .blog_entries import BlogRecord
from .inbox import Inbox
from .patterns import LIKE_ESCAPE, fts_peer_filter, fts_query, like_contains
from .records import (
    SEQ_SPAN,
    StoredMessage,
    delivery_value,
    from_us,
    key_base,
    storable_text,
    to_us,
)
from .schema import SchemaTooNew, migrate

log = logging.getLogger(__name__)

# Rule 3 of duplicate detection (same msg id and body, no origin/stanza id in
# common) only looks this far around the message's time: clients that count
# ids per session must not have "ok" today merged with "ok" of last month.
ID_BODY_WINDOW = timedelta(days=2)
# newest_* ignore stamps further in the future than this (a forged <delay>
# must not become the place MAM catch-up starts from).
FUTURE_SLACK = timedelta(days=1)
# The inbox (inbox.py) is merged when it holds this many messages, even
# during a flood: it bounds what a merge, a crash's replay, or a look-up of
# a possible duplicate in the unindexed table costs.
MERGE_ROWS = 10_000


class HistoryError(Exception):
    """A history operation failed; str() is one line fit to show the user."""


_COLUMNS = (
    "m.id, p.jid, m.direction, m.body, m.time_us, m.nick, m.kind, m.stanza_id, m.origin_id,"
    " m.msg_id, m.delivery, m.elsewhere, m.corrected_body, m.error, m.room, m.encryption"
)
_FROM = "messages m JOIN peers p ON p.id = m.peer_id"


# One statement for the three rules of HistoryDatabase._find_duplicate (a
# NULL id simply finds nothing); in ``messages`` each branch is one
# partial-index look-up (the inbox has no index: it is asked only when it
# may hold a copy).
_INBOX = "temp.inbox"
# The ids a copy of a message shares with it (one of); ids asked at once.
_ID_COLUMNS = ("stanza_id", "origin_id", "msg_id")
_IN_CHUNK = 500
_DUPLICATE_CANDIDATES = """
SELECT 1, id, stanza_id, origin_id, msg_id, nick FROM {table}
 WHERE peer_id = ?1 AND stanza_id = ?2
UNION ALL
SELECT 2, id, stanza_id, origin_id, msg_id, nick FROM {table}
 WHERE peer_id = ?1 AND origin_id = ?3 AND direction = ?4
UNION ALL
SELECT 3, id, stanza_id, origin_id, msg_id, nick FROM {table}
 WHERE peer_id = ?1 AND msg_id = ?5 AND direction = ?4 AND body = ?6 AND id >= ?7 AND id < ?8
"""


def _record(row: Sequence) -> StoredMessage:
    (rowid, peer, direction, body, time_us, nick, kind, stanza_id, origin_id,
     msg_id, delivery, elsewhere, corrected_body, error, room, encryption) = row
    return StoredMessage(
        peer=peer, direction=direction, body=body, time=from_us(time_us), nick=nick, kind=kind,
        stanza_id=stanza_id, origin_id=origin_id, msg_id=msg_id, delivery=delivery,
        elsewhere=bool(elsewhere), corrected_body=corrected_body, error=error, room=bool(room),
        encryption=encryption, rowid=rowid,
    )


def _contains_folded(haystack: str | None, folded_needle: str) -> bool:
    return haystack is not None and folded_needle in haystack.casefold()


def _create_private(path: Path) -> None:
    """History is private: the directory is 0700 and the file 0600 (SQLite
    gives its -wal and -shm files the database file's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class HistoryDatabase:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            _create_private(self.path)
            self.db = sqlite3.connect(self.path, isolation_level=None, cached_statements=256)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open history {self.path}: {exc}") from exc
        self._peer_ids: dict[str, int] = {}
        self._inbox = Inbox(self.path)
        try:
            self._configure()
            migrate(self.db)
            self._inbox.open(self.db)
        except (OSError, sqlite3.Error, SchemaTooNew) as exc:
            self._inbox.close()
            self.db.close()
            raise HistoryError(f"cannot open history {self.path}: {exc}") from exc
        self._merge_for_reading()  # what a crash left there

    @property
    def inbox_rows(self) -> int:
        """Messages stored in the inbox, not merged yet (inbox.py)."""
        return self._inbox.rows

    def _configure(self) -> None:
        db = self.db
        db.execute("PRAGMA busy_timeout = 5000")  # a second Parlons on the same account
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            log.warning("history %s: WAL unavailable, journal mode is %s", self.path, mode)
        # With WAL, NORMAL loses at most the last commits on power loss, never consistency.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA temp_store = MEMORY")
        db.execute("PRAGMA cache_size = -4000")  # KiB
        db.create_function("parlons_contains", 2, _contains_folded, deterministic=True)

    def close(self) -> None:
        self._merge_for_reading()
        try:
            # Keeps the planner's statistics fresh; the limit bounds the
            # time ANALYZE may take on a big file.
            self.db.execute("PRAGMA analysis_limit = 400")
            self.db.execute("PRAGMA optimize")
        finally:
            self.db.close()
            self._inbox.close()

    # -- transactions and peers -------------------------------------------

    def _write(self, work, *args, merge: bool = True):
        """Run ``work`` in one write transaction, the inbox merged first
        unless ``merge`` is False (appending to it; blog entries)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if merge:
                self._inbox.merge(self.db, self._free_key)
            result = work(*args)
            self._inbox.write()  # on disk before the caller hears "stored"
            self.db.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back already (SQLITE_FULL at COMMIT does):
            # a second ROLLBACK would fail and hide the real reason.
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self._peer_ids.clear()  # ids handed out in the rolled-back transaction are gone
            try:
                self._inbox.rolled_back(self.db)
            except (OSError, sqlite3.Error):
                log.warning("history %s: cannot put the inbox back", self.path, exc_info=True)
            raise
        self._inbox.committed()
        return result

    def merge_inbox(self) -> None:
        """Move the inbox into the indexed tables (one transaction)."""
        if self._inbox.rows:
            self._write(lambda: None)

    def _merge_for_reading(self) -> None:
        """Reads see the inbox merged; when it cannot be (a full disk),
        they still answer, from what is merged. (Inside a write, the
        inbox was merged when it began.)"""
        if self.db.in_transaction:
            return
        try:
            self.merge_inbox()
        except sqlite3.Error as exc:
            log.warning("history %s: %d new messages not merged: %s", self.path, self._inbox.rows, exc)

    @overload
    def _peer_id(self, jid: str, *, create: Literal[True]) -> int: ...
    @overload
    def _peer_id(self, jid: str, *, create: bool = False) -> int | None: ...

    def _peer_id(self, jid: str, *, create: bool = False) -> int | None:
        peer_id = self._peer_ids.get(jid)
        if peer_id is not None:
            return peer_id
        row = self.db.execute("SELECT id FROM peers WHERE jid = ?", (jid,)).fetchone()
        if row is not None:
            peer_id = row[0]
        elif create:
            peer_id = self.db.execute("INSERT INTO peers(jid) VALUES (?)", (jid,)).lastrowid
            assert peer_id is not None  # None only on a cursor that never inserted
        else:
            return None
        self._peer_ids[jid] = peer_id
        return peer_id

    # -- adding messages --------------------------------------------------

    def add_batch(self, messages: Sequence[StoredMessage]) -> list[StoredMessage | None]:
        """Store new messages in one transaction; None for each duplicate."""
        if not messages:
            return []
        def work() -> list[StoredMessage | None]:
            fresh = self._fresh(messages)
            added: list[StoredMessage | None] = []
            for index, msg in enumerate(messages):
                stored = self._add_one(msg, fresh=index in fresh)
                if stored is None:
                    fresh.clear()  # a copy may have had ids filled in: the rest are looked up one by one
                added.append(stored)
            if not self._inbox.durable:
                self._inbox.merge(self.db, self._free_key)  # no file to wait in: indexed now
            return added

        added = self._write(work, merge=False)
        if self._inbox.rows >= MERGE_ROWS:
            self.merge_inbox()
        return added

    def _add_one(self, msg: StoredMessage, fresh: bool = False) -> StoredMessage | None:
        """Append ``msg`` to the inbox, unless it is a copy of a stored message.
        ``fresh``: no row of ``messages`` shares an id with it (:meth:`_fresh`)."""
        peer_id = self._peer_id(msg.peer, create=True)
        time_us = to_us(msg.time)
        if fresh and not self._inbox.may_hold(peer_id, msg.direction, msg.stanza_id, msg.origin_id, msg.msg_id):
            duplicate = None
        else:
            duplicate = self._find_duplicate(peer_id, msg, time_us)
        if duplicate is not None:
            if self._backfill_ids(duplicate, msg) and duplicate[0] == _INBOX:
                self._inbox.updated(self.db, msg.peer, duplicate[1])
            return None
        rowid = self._free_key(key_base(time_us))
        self._inbox.insert(self.db, msg.peer, (
            rowid, peer_id, int(msg.room), msg.direction, msg.kind, time_us,
            storable_text(msg.nick) or "", storable_text(msg.body) or "",
            msg.stanza_id, msg.origin_id, msg.msg_id, msg.delivery, int(msg.elsewhere),
            storable_text(msg.corrected_body), storable_text(msg.error), msg.encryption))
        msg.rowid = rowid  # no copy: a MAM page or a big import allocates half as much
        return msg

    def _fresh(self, messages: Sequence[StoredMessage]) -> set[int]:
        """The positions of the messages that no row of ``messages`` shares
        a stanza-id, origin-id or message id with (of the same peer): none
        can be their copy (:meth:`_find_duplicate`'s candidates all share
        one).  One indexed look-up per id and peer for the batch, instead of
        the three-part query per message — 80 % of the store's CPU in a flood
        (bench/bench_store_flood.py under py-spy).  The inbox is asked per
        message, as it fills (``Inbox.may_hold``)."""
        by_peer: dict[int, list[int]] = {}
        for index, msg in enumerate(messages):
            by_peer.setdefault(self._peer_id(msg.peer, create=True), []).append(index)
        taken: set[tuple[int, str, str]] = set()
        for peer_id, indexes in by_peer.items():
            for column in _ID_COLUMNS:
                values = list({value for index in indexes if (value := getattr(messages[index], column)) is not None})
                for start in range(0, len(values), _IN_CHUNK):
                    chunk = values[start:start + _IN_CHUNK]
                    query = (f"SELECT {column} FROM messages WHERE peer_id = ? AND {column} IN"
                             f" ({', '.join('?' * len(chunk))})")
                    taken.update((peer_id, column, value) for (value,) in self.db.execute(query, (peer_id, *chunk)))
        return {index for peer_id, indexes in by_peer.items() for index in indexes
                if not any((peer_id, column, getattr(messages[index], column)) in taken for column in _ID_COLUMNS)}

    def _free_key(self, base: int) -> int:
        """The next free rowid for a stamp; same-stamp messages keep arrival order."""
        while True:
            top = self.db.execute(
                "SELECT max(top) FROM (SELECT max(id) AS top FROM messages WHERE id >= ?1 AND id < ?2"
                " UNION ALL SELECT max(id) FROM temp.inbox WHERE id >= ?1 AND id < ?2)", (base, base + SEQ_SPAN)
            ).fetchone()[0]
            if top is None:
                return base
            if top + 1 < base + SEQ_SPAN:
                return top + 1
            base += SEQ_SPAN  # 1024 messages in one microsecond: spill into the next

    def _find_duplicate(self, peer_id: int, msg: StoredMessage, time_us: int):
        """The stored row ``msg`` is a copy of, or None.  Rules, in order:
        1. same peer and stanza-id;
        2. same peer, direction and origin-id, unless both have different stanza-ids;
        3. same peer, direction, msg id and body within ID_BODY_WINDOW, unless both
           have different stanza-ids or different origin-ids.
        In a room, 2 and 3 also need the same nick: occupants see each other's ids.
        The row is (table, id, stanza_id, origin_id, msg_id, nick).
        """
        params = (peer_id, msg.stanza_id, msg.origin_id, msg.direction, msg.msg_id,
                  storable_text(msg.body) or "",
                  key_base(time_us - ID_BODY_WINDOW // _US), key_base(time_us + ID_BODY_WINDOW // _US))
        may_wait = self._inbox.may_hold(peer_id, msg.direction, msg.stanza_id, msg.origin_id, msg.msg_id)
        tables = ("messages", _INBOX) if may_wait else ("messages",)
        rows = [(rule, rowid, table, *rest) for table in tables
                for rule, rowid, *rest in self.db.execute(_DUPLICATE_CANDIDATES.format(table=table), params)]
        rows.sort(key=lambda row: (row[0], -row[1]))
        for rule, rowid, table, *rest in rows:
            row = (table, rowid, *rest)
            if rule == 1 or self._compatible(row, msg):
                return row
        return None

    @staticmethod
    def _compatible(row, msg: StoredMessage) -> bool:
        _, _, stanza_id, origin_id, _, nick = row
        if stanza_id is not None and msg.stanza_id is not None and stanza_id != msg.stanza_id:
            return False
        if origin_id is not None and msg.origin_id is not None and origin_id != msg.origin_id:
            return False
        return not msg.room or nick == (storable_text(msg.nick) or "")

    def _backfill_ids(self, row, msg: StoredMessage) -> bool:
        """Fill in the ids the stored copy lacks; whether it had to."""
        table, rowid, stanza_id, origin_id, msg_id, _ = row
        if (
            (stanza_id is None and msg.stanza_id is not None)
            or (origin_id is None and msg.origin_id is not None)
            or (msg_id is None and msg.msg_id is not None)
        ):
            # Cannot collide with the unique stanza-id index: a row holding
            # msg.stanza_id would have been found by rule 1 instead.
            self.db.execute(
                f"UPDATE {table} SET stanza_id = coalesce(stanza_id, ?),"
                " origin_id = coalesce(origin_id, ?), msg_id = coalesce(msg_id, ?) WHERE id = ?",
                (msg.stanza_id, msg.origin_id, msg.msg_id, rowid),
            )
            return True
        return False

    def known(self, messages: Sequence[StoredMessage]) -> list[bool]:
        """For each message, whether the store already holds it (the rules
        of add_batch, read only: it works when writing does not)."""
        found = []
        for msg in messages:
            peer_id = self._peer_id(msg.peer)
            found.append(peer_id is not None and self._find_duplicate(peer_id, msg, to_us(msg.time)) is not None)
        return found

    # -- updating messages --------------------------------------------------

    def _find_sent(self, peer_id: int, direction: str, ref_id: str):
        """The newest row of ours (or theirs) whose id or origin-id is ``ref_id``."""
        return self.db.execute(
            "SELECT id, delivery FROM messages WHERE peer_id = ? AND direction = ?"
            " AND (msg_id = ? OR origin_id = ?) ORDER BY id DESC LIMIT 1",
            (peer_id, direction, ref_id, ref_id),
        ).fetchone()

    def set_delivery(self, peer: str, ref_id: str, delivery, direction: str = "out") -> StoredMessage | None:
        value = delivery_value(delivery)

        def work():
            peer_id = self._peer_id(peer)
            row = peer_id is not None and self._find_sent(peer_id, direction, ref_id)
            if not row:
                return None
            rowid, current = row
            # A late "sent" (stream ack) never undoes a receipt.
            if current == "delivered" and value in ("pending", "sent"):
                return self.get(rowid)
            clear_error = value in ("pending", "sent", "delivered")
            self.db.execute(
                "UPDATE messages SET delivery = ?, error = CASE WHEN ? THEN NULL ELSE error END WHERE id = ?",
                (value, clear_error, rowid),
            )
            return self.get(rowid)

        return self._write(work)

    def set_error(self, peer: str, ref_id: str, error: str | None, direction: str = "out") -> StoredMessage | None:
        def work():
            peer_id = self._peer_id(peer)
            row = peer_id is not None and self._find_sent(peer_id, direction, ref_id)
            if not row:
                return None
            if error is None:
                self.db.execute("UPDATE messages SET error = NULL WHERE id = ?", (row[0],))
            else:
                self.db.execute(
                    "UPDATE messages SET error = ?, delivery = 'failed' WHERE id = ?",
                    (storable_text(error), row[0]),
                )
            return self.get(row[0])

        return self._write(work)

    def set_encryption(self, peer: str, ref_id: str, encryption: str, direction: str = "out") -> StoredMessage | None:
        """Ours went out encrypted with ``encryption`` (it was stored before it was encrypted)."""
        def work():
            peer_id = self._peer_id(peer)
            row = peer_id is not None and self._find_sent(peer_id, direction, ref_id)
            if not row:
                return None
            self.db.execute("UPDATE messages SET encryption = ? WHERE id = ?", (encryption, row[0]))
            return self.get(row[0])

        return self._write(work)

    def apply_correction(
        self, peer: str, direction: str, replaced_id: str, new_body: str, *,
        nick: str | None = None, correction_id: str | None = None, time: datetime | None = None,
    ) -> StoredMessage | None:
        stamp = None if time is None else to_us(time)

        def work():
            peer_id = self._peer_id(peer)
            if peer_id is None:
                return None
            # A chained correction may name the previous correction's id.
            sql = (
                "SELECT id, corrected_us FROM messages WHERE peer_id = ? AND direction = ?"
                " AND (msg_id = ? OR origin_id = ? OR correction_id = ?)"
            )
            params = [peer_id, direction, replaced_id, replaced_id, replaced_id]
            if nick is not None:
                sql += " AND nick = ?"
                params.append(storable_text(nick) or "")
            row = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
            if row is None:
                return None
            rowid, corrected_us = row
            if stamp is not None and corrected_us is not None and stamp < corrected_us:
                return None  # an older correction (e.g. re-fetched from MAM) never wins
            self.db.execute(
                "UPDATE messages SET corrected_body = ?, correction_id = coalesce(?, correction_id),"
                " corrected_us = coalesce(?, corrected_us) WHERE id = ?",
                (storable_text(new_body) or "", correction_id, stamp, rowid),
            )
            return self.get(rowid)

        return self._write(work)

    # -- reading -------------------------------------------------------------

    def get(self, rowid: int) -> StoredMessage | None:
        self._merge_for_reading()
        row = self.db.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE m.id = ?", (rowid,)).fetchone()
        return None if row is None else _record(row)

    def _page(self, peer: str, condition: str, params: Iterable, order: str, limit: int) -> list[StoredMessage]:
        self._merge_for_reading()
        peer_id = self._peer_id(peer)
        if peer_id is None or limit <= 0:
            return []
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE m.peer_id = ? {condition}"
            f" ORDER BY m.id {order} LIMIT ?",
            (peer_id, *params, limit),
        ).fetchall()
        if order == "DESC":
            rows.reverse()
        return [_record(row) for row in rows]

    def latest(self, peer: str, limit: int) -> list[StoredMessage]:
        return self._page(peer, "", (), "DESC", limit)

    def before(self, peer: str, anchor: int | datetime, limit: int) -> list[StoredMessage]:
        return self._page(peer, "AND m.id < ?", (_anchor_key(anchor),), "DESC", limit)

    def after(self, peer: str, anchor: int | datetime, limit: int) -> list[StoredMessage]:
        key = _anchor_key(anchor)
        if isinstance(anchor, datetime):
            key -= 1  # messages stamped at exactly ``anchor`` are after it
        return self._page(peer, "AND m.id > ?", (key,), "ASC", limit)

    def outbox(self) -> list[StoredMessage]:
        """Our 1:1 messages the server has not acknowledged ("pending"), oldest first."""
        self._merge_for_reading()
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE m.direction = 'out' AND m.delivery = 'pending'"
            " AND m.room = 0 ORDER BY m.id"
        ).fetchall()
        return [_record(row) for row in rows]

    def count(self, peer: str | None = None) -> int:
        self._merge_for_reading()
        if peer is None:
            return self.db.execute("SELECT count(*) FROM messages").fetchone()[0]
        peer_id = self._peer_id(peer)
        if peer_id is None:
            return 0
        return self.db.execute("SELECT count(*) FROM messages WHERE peer_id = ?", (peer_id,)).fetchone()[0]

    def newest_stanza_id(self, peer: str | None = None) -> str | None:
        self._merge_for_reading()
        horizon = _future_horizon()
        if peer is None:
            row = self.db.execute(
                "SELECT stanza_id FROM messages WHERE stanza_id IS NOT NULL AND room = 0 AND id < ?"
                " ORDER BY id DESC LIMIT 1",
                (horizon,),
            ).fetchone()
        else:
            peer_id = self._peer_id(peer)
            if peer_id is None:
                return None
            row = self.db.execute(
                "SELECT stanza_id FROM messages WHERE peer_id = ? AND id < ? AND stanza_id IS NOT NULL"
                " ORDER BY id DESC LIMIT 1",
                (peer_id, horizon),
            ).fetchone()
        return None if row is None else row[0]

    def newest_archived(self) -> tuple[str, datetime] | None:
        """The stanza-id and time of the newest message of our own archive
        (not from rooms) we hold; stamps more than a day ahead are ignored."""
        self._merge_for_reading()
        row = self.db.execute(
            "SELECT stanza_id, time_us FROM messages WHERE stanza_id IS NOT NULL AND room = 0 AND id < ?"
            " ORDER BY id DESC LIMIT 1",
            (_future_horizon(),),
        ).fetchone()
        return None if row is None else (row[0], from_us(row[1]))

    def newest_times_below(self, peer: str, ceilings: list[datetime]) -> list[datetime | None]:
        """For each ceiling, the time of ``peer``'s newest message stamped
        before it (None when there is none): one index probe each."""
        self._merge_for_reading()
        peer_id = self._peer_id(peer)
        if peer_id is None:
            return [None] * len(ceilings)
        horizon = _future_horizon()
        found: list[datetime | None] = []
        for ceiling in ceilings:
            row = self.db.execute(
                "SELECT time_us FROM messages WHERE peer_id = ? AND id < ? ORDER BY id DESC LIMIT 1",
                (peer_id, min(horizon, _anchor_key(ceiling))),
            ).fetchone()
            found.append(None if row is None else from_us(row[0]))
        return found

    def newest_time(self, peer: str | None = None) -> datetime | None:
        self._merge_for_reading()
        horizon = _future_horizon()
        if peer is None:
            row = self.db.execute(
                "SELECT time_us FROM messages WHERE id < ? ORDER BY id DESC LIMIT 1", (horizon,)
            ).fetchone()
        else:
            peer_id = self._peer_id(peer)
            if peer_id is None:
                return None
            row = self.db.execute(
                "SELECT time_us FROM messages WHERE peer_id = ? AND id < ? ORDER BY id DESC LIMIT 1",
                (peer_id, horizon),
            ).fetchone()
        return None if row is None else from_us(row[0])

    # -- holds (holds.py) -------------------------------------------------------------
    def hold(self, scope: str, anchor: holds.Anchor) -> None:
        self._write(holds.put, self.db, scope, anchor, merge=False)

    def release(self, scope: str) -> None:
        self._write(holds.drop, self.db, scope, merge=False)

    def held(self, scope: str) -> holds.Anchor | None:
        return holds.get(self.db, scope)

    # -- blog entries read so far (blog_entries.py) ---------------------------------
    def put_blog_entries(self, records: Sequence[BlogRecord]) -> None:
        if records:
            self._write(blog_entries.put, self.db, records, merge=False)

    def delete_blog_entry(self, author: str, item_id: str | None = None) -> None:
        self._write(blog_entries.delete, self.db, author, item_id, merge=False)

    def search_blog(self, pattern: str, limit: int = 200) -> list[BlogRecord]:
        return blog_entries.search(self.db, pattern, limit)

    def search(self, pattern: str, peer: str | None = None, limit: int = 50) -> list[StoredMessage]:
        self._merge_for_reading()
        query = fts_query(pattern)
        if query is None or limit <= 0:
            return []
        if peer is not None:
            peer_id = self._peer_id(peer)
            if peer_id is None:
                return []
            query = fts_peer_filter(peer_id) + query
        # Newest first straight from the index (rowid is chronological), so
        # a common word stops after ``limit`` hits instead of sorting them all.
        sql = (
            f"SELECT {_COLUMNS} FROM messages_fts f JOIN messages m ON m.id = f.rowid"
            " JOIN peers p ON p.id = m.peer_id WHERE messages_fts MATCH ?"
            " ORDER BY f.rowid DESC LIMIT ?"
        )
        try:
            rows = self.db.execute(sql, (query, limit)).fetchall()
        except sqlite3.OperationalError as exc:
            # fts_query quotes everything; this is a last guard, not a path.
            log.warning("history search %r failed: %s", pattern, exc)
            return []
        rows.reverse()
        return [_record(row) for row in rows]

    def grep(self, peer: str, substring: str, limit: int = 50) -> list[StoredMessage]:
        if not substring:
            return []
        if substring.isascii():
            # LIKE folds ASCII case only, which is all an ASCII needle needs.
            condition = f"AND (m.body LIKE ? ESCAPE '{LIKE_ESCAPE}' OR m.corrected_body LIKE ? ESCAPE '{LIKE_ESCAPE}')"
            pattern = like_contains(substring)
        else:
            condition = "AND (parlons_contains(m.body, ?) OR parlons_contains(m.corrected_body, ?))"
            pattern = substring.casefold()
        return self._page(peer, condition, (pattern, pattern), "DESC", limit)


_US = timedelta(microseconds=1)


def _anchor_key(anchor: int | datetime) -> int:
    if isinstance(anchor, datetime):
        return key_base(to_us(anchor))
    if isinstance(anchor, bool) or not isinstance(anchor, int):
        raise TypeError(f"anchor must be a rowid or an aware datetime, not {anchor!r}")
    return anchor


def _future_horizon() -> int:
    return key_base(to_us(datetime.now(timezone.utc) + FUTURE_SLACK))
