"""The inbox: new messages on disk before they are shown, indexed later (issue 14).

A flood arrives in small batches, and each batch must be on disk before it
is shown. Written straight into ``messages``, every batch touched random
leaf pages of the random-key indexes (stanza-id, msg-id…), added an FTS5
segment and, WAL mode writing each page twice, cost ≈230 KB: 12 KB a
message for 20 messages a transaction. Now a batch goes to

- ``temp.inbox``, an in-memory table with the columns of ``messages``
  (SQLite's temp store is memory, see database.py), which answers the
  duplicate look-ups and hands out rowids like the stored rows, and
- ``<history>-inbox``, an append-only file beside the database, one JSON
  line per row (the peer's JID first: a peer created by the same
  transaction may not survive a crash, its id then means nothing): a batch
  costs the bytes it holds, and a kill -9 loses nothing that was shown
  (the kernel has the file's pages);

and ``merge`` moves the whole inbox into ``messages`` (and so into the
indexes and the full-text index) in one transaction, then empties the file:
each index page is written once for thousands of messages.

The rules that keep this invisible (database.py applies them):
- everything but adding merges first, on the store's one thread: reads,
  corrections, receipts, search and paging only ever see ``messages``;
- a message may duplicate one that waits in the inbox: ``Inbox`` keeps the
  protocol ids of what it holds (a superset of the duplicate rules' keys),
  and only a message sharing one is looked up in ``temp.inbox`` too;
- the file changes only with the transaction: lines are appended before
  COMMIT and cut off again if it rolls back; it is emptied after a merge
  has committed. Each row carries its final rowid, so opening replays a
  file a crash left behind once: a row already merged is found under its
  id and skipped, a line a crash tore is dropped (it was never shown);
- one process at a time: the file is locked; a second Parlons on the same
  account (or a directory where the file cannot be made) gets no file, and
  merges each batch in the transaction that adds it. (The two processes do
  not see each other's waiting rows: at the merge, a rowid the other took
  meanwhile is given up for the next free one, and a copy the other stored
  is refused by the stanza-id's unique index only.)
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Callable

from .records import SEQ_SPAN

log = logging.getLogger(__name__)

# The columns a new message is written with, in both tables (messages has
# more: a correction's, which a new message never has).
COLUMNS = ("id, peer_id, room, direction, kind, time_us, nick, body, stanza_id, origin_id,"
           " msg_id, delivery, elsewhere, corrected_body, error, encryption")
_WIDTH = COLUMNS.count(",") + 1
_VALUES = ", ".join("?" * _WIDTH)

_SCHEMA = """
CREATE TEMP TABLE inbox (
    id INTEGER PRIMARY KEY, peer_id INTEGER NOT NULL, room INTEGER NOT NULL,
    direction TEXT NOT NULL, kind TEXT NOT NULL, time_us INTEGER NOT NULL,
    nick TEXT NOT NULL, body TEXT NOT NULL, stanza_id TEXT, origin_id TEXT, msg_id TEXT,
    delivery TEXT NOT NULL, elsewhere INTEGER NOT NULL, corrected_body TEXT, error TEXT,
    encryption TEXT NOT NULL
)
"""

Key = tuple[int, str, str, str]


def keys_of(peer_id: int, direction: str, stanza_id: str | None, origin_id: str | None,
            msg_id: str | None) -> list[Key]:
    """What a duplicate of this message must share with it (one of)."""
    keys = []
    if stanza_id is not None:
        keys.append((peer_id, "s", "", stanza_id))
    if origin_id is not None:
        keys.append((peer_id, "o", direction, origin_id))
    if msg_id is not None:
        keys.append((peer_id, "m", direction, msg_id))
    return keys


def inbox_path(database: Path) -> Path:
    return database.with_name(database.name + "-inbox")


class Inbox:
    """The inbox of one database connection; used on the store's thread only."""

    def __init__(self, database: Path) -> None:
        self.path = inbox_path(database)
        self.rows = 0
        self._keys: set[Key] = set()
        self._fd: int | None = None
        self._size = 0  # bytes of the file that belong to committed transactions
        self._lines: list[bytes] = []  # of the open transaction, not written yet
        self._written = 0  # bytes the open transaction appended
        self._merging = False

    # -- opening and closing ------------------------------------------------------
    def open(self, db: sqlite3.Connection) -> None:
        """Create the table; take the file and replay what it holds."""
        db.execute(_SCHEMA)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            log.warning("history: no inbox file (%s): each batch is merged at once", exc)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            log.info("history: %s is another Parlons': each batch is merged at once", self.path)
            return
        self._fd = fd
        with open(fd, "rb", closefd=False) as file:
            data = file.read()
        self._size = len(data)
        for line in data.splitlines():
            found = _row_of(line)
            if found is not None:
                peer, row = found
                db.execute("INSERT OR IGNORE INTO peers(jid) VALUES (?)", (peer,))
                peer_id = db.execute("SELECT id FROM peers WHERE jid = ?", (peer,)).fetchone()[0]
                db.execute(f"INSERT OR REPLACE INTO temp.inbox({COLUMNS}) VALUES ({_VALUES})",
                           (row[0], peer_id, *row[2:]))
        self.reload(db)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @property
    def durable(self) -> bool:
        """Whether batches can wait here (the file is ours)."""
        return self._fd is not None

    def reload(self, db: sqlite3.Connection) -> None:
        """Count the table's rows and collect their ids again."""
        self._keys.clear()
        self.rows = 0
        for row in db.execute("SELECT peer_id, direction, stanza_id, origin_id, msg_id FROM temp.inbox"):
            self._keys.update(keys_of(*row))
            self.rows += 1

    # -- adding ------------------------------------------------------------------------
    def may_hold(self, peer_id: int, direction: str, stanza_id: str | None, origin_id: str | None,
                 msg_id: str | None) -> bool:
        """False when no row of the inbox can be a copy of this message."""
        return any(key in self._keys for key in keys_of(peer_id, direction, stanza_id, origin_id, msg_id))

    def insert(self, db: sqlite3.Connection, peer: str, row: tuple) -> None:
        """Add a new message's row (the order of COLUMNS) of ``peer`` (its JID)."""
        db.execute(f"INSERT INTO temp.inbox({COLUMNS}) VALUES ({_VALUES})", row)
        self._keep(peer, row)
        self.rows += 1

    def updated(self, db: sqlite3.Connection, peer: str, rowid: int) -> None:
        """A row was changed in place (ids filled in): the file gets it again."""
        row = db.execute(f"SELECT {COLUMNS} FROM temp.inbox WHERE id = ?", (rowid,)).fetchone()
        self._keep(peer, row)

    def _keep(self, peer: str, row: tuple) -> None:
        self._keys.update(keys_of(row[1], row[3], row[8], row[9], row[10]))
        if self._fd is not None:
            self._lines.append(json.dumps((peer, *row), separators=(",", ":")).encode("ascii") + b"\n")

    def write(self) -> None:
        """Append this transaction's lines (before it commits)."""
        if self._fd is None or not self._lines:
            return
        data, self._lines = b"".join(self._lines), []
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            self._written += written
            view = view[written:]

    # -- merging -----------------------------------------------------------------------
    def merge(self, db: sqlite3.Connection, free_key: Callable[[int], int]) -> None:
        """Move every row into ``messages``, inside the caller's transaction;
        ``free_key(base)`` numbers a row whose rowid was taken meanwhile."""
        if not self.rows:
            return
        # A crash between a merge's COMMIT and emptying the file: replayed
        # rows that are already there, under their ids.
        db.execute("DELETE FROM temp.inbox WHERE EXISTS (SELECT 1 FROM main.messages m WHERE m.id = inbox.id"
                   " AND m.peer_id = inbox.peer_id AND m.time_us = inbox.time_us AND m.body = inbox.body)")
        # Another process on the same file may have given a rowid away that
        # one of ours holds (it cannot see our inbox): ours moves after it.
        for rowid, in db.execute("SELECT id FROM temp.inbox WHERE id IN (SELECT id FROM main.messages)").fetchall():
            db.execute("UPDATE temp.inbox SET id = ? WHERE id = ?", (free_key(rowid & ~(SEQ_SPAN - 1)), rowid))
        # OR IGNORE: that process may also hold a copy of one of ours (the
        # same stanza-id: the unique index refuses it, the copy stays).
        db.execute(f"INSERT OR IGNORE INTO main.messages({COLUMNS}) SELECT {COLUMNS} FROM temp.inbox ORDER BY id")
        db.execute("DELETE FROM temp.inbox")
        self._merging = True

    # -- the transaction's end -----------------------------------------------------------
    def committed(self) -> None:
        if self._merging:
            self._merging = False
            if self._fd is not None:
                try:
                    os.ftruncate(self._fd, 0)
                    self._size = 0
                except OSError as exc:  # opening will skip the merged rows by their ids
                    log.warning("history: cannot empty %s: %s", self.path, exc)
            # (after the file: none left waiting means the file was emptied, if it could be)
            self._keys.clear()
            self.rows = 0
        self._size += self._written
        self._written = 0

    def rolled_back(self, db: sqlite3.Connection) -> None:
        """SQLite put the table back; the file goes back to match it."""
        self._lines, self._written, self._merging = [], 0, False
        if self._fd is not None:
            os.ftruncate(self._fd, self._size)
        self.reload(db)


def waiting_rows(database: Path) -> dict[int, dict[str, object]]:
    """What waits in the inbox file of ``database``, read from outside the
    process that owns it (a test looking at a running Parlons' history):
    rowid → the row's columns (and ``peer``, its JID); the last line of a
    row wins."""
    try:
        data = inbox_path(database).read_bytes()
    except FileNotFoundError:
        return {}
    names = ["peer", *(name.strip() for name in COLUMNS.split(","))]
    rows = {}
    for found in map(_row_of, data.splitlines()):
        if found is not None:
            row = dict(zip(names, (found[0], *found[1])))
            rows[int(row["id"])] = row
    return rows


def _row_of(line: bytes) -> tuple[str, list] | None:
    """(peer JID, row) of a line of the file; None for a line a crash tore."""
    try:
        row = json.loads(line)
    except ValueError:
        log.warning("history inbox: a torn line is dropped (%d bytes)", len(line))
        return None
    if not isinstance(row, list) or len(row) != _WIDTH + 1 or not isinstance(row[0], str):
        log.warning("history inbox: a line that is no row is dropped")
        return None
    return row[0], row[1:]
