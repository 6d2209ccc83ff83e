"""Holds: where a catch-up must read from while the newest message stored
is not where it should.

A catch-up reads after the newest archived message we hold (our archive's:
scope ``ours``; a room's: the room's JID). Three things make that wrong
for a while: a message whose decryption waits (tui/xmpp/chat/lanes.py) is
stored after later messages of other conversations; after a catch-up that
failed, the live messages that follow are stored over the gap
(tui/xmpp/chat/archive.py); a room's absence read backwards stores its
newest page first (tui/xmpp/muc/archive.py). Were Parlons killed (or, for
a gap, just quit) then, the next catch-up would read after those and never
bring the rest. So the anchor that must not be passed is written here
first, and dropped once what it guards is stored: the next start reads
from the hold, the store refusing what it already has.

Synchronous, on the history store's worker thread, like database.py.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from .records import from_us, to_us

SCHEMA = "CREATE TABLE holds (scope TEXT PRIMARY KEY, after_id TEXT, time_us INTEGER)"

Anchor = tuple[str | None, datetime | None]  # (archive id, time): what a catch-up reads after


def put(db: sqlite3.Connection, scope: str, anchor: Anchor) -> None:
    after_id, time = anchor
    db.execute("INSERT OR REPLACE INTO holds (scope, after_id, time_us) VALUES (?, ?, ?)",
               (scope, after_id, None if time is None else to_us(time)))


def drop(db: sqlite3.Connection, scope: str) -> None:
    db.execute("DELETE FROM holds WHERE scope = ?", (scope,))


def get(db: sqlite3.Connection, scope: str) -> Anchor | None:
    row = db.execute("SELECT after_id, time_us FROM holds WHERE scope = ?", (scope,)).fetchone()
    if row is None:
        return None
    return row[0], None if row[1] is None else from_us(row[1])
