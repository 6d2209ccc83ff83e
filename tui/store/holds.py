"""Holds: where a catch-up must read from while a message is still on its
way to the store.

Our archive's catch-up reads after the newest archived message we hold. A
message whose decryption waits (gpg, a passphrase asked, a key looked up:
tui/xmpp/chat/lanes.py) is stored after later messages of other
conversations; were Parlons killed meanwhile, the next catch-up would read
after those and never bring it back. So before such a message is handed
aside, the anchor it must not be hidden behind is written here, and
dropped once it is stored: the next start reads from the hold, the store
refusing what it already has.

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
