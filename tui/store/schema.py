"""The SQLite schema of the history store, versioned by ``PRAGMA user_version``.

To change the schema later: bump SCHEMA_VERSION and add a function to
MIGRATIONS that takes a database at version N-1 to N; ``migrate`` runs the
missing steps in one transaction on open.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

SCHEMA_VERSION = 5

_SCHEMA_V1 = """
CREATE TABLE peers (
    id INTEGER PRIMARY KEY,
    jid TEXT NOT NULL UNIQUE
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,          -- time-ordered key, see records.py
    peer_id INTEGER NOT NULL REFERENCES peers(id),
    room INTEGER NOT NULL DEFAULT 0, -- stanza_id comes from the room's archive
    direction TEXT NOT NULL,         -- 'in' | 'out'
    kind TEXT NOT NULL,              -- 'chat' | 'action' | 'groupchat'
    time_us INTEGER NOT NULL,        -- send time, µs since the epoch, UTC
    nick TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    stanza_id TEXT,
    origin_id TEXT,
    msg_id TEXT,
    delivery TEXT NOT NULL DEFAULT 'none',
    elsewhere INTEGER NOT NULL DEFAULT 0,
    corrected_body TEXT,
    correction_id TEXT,              -- id of the latest correction (chained corrections)
    corrected_us INTEGER,            -- its send time: an older correction never wins
    error TEXT
);

-- Paging a conversation: (peer_id, rowid), and rowid is chronological.
CREATE INDEX messages_by_peer ON messages(peer_id);
-- Duplicate detection and look-ups by protocol id.
CREATE UNIQUE INDEX messages_by_stanza_id ON messages(peer_id, stanza_id) WHERE stanza_id IS NOT NULL;
CREATE INDEX messages_by_origin_id ON messages(peer_id, origin_id) WHERE origin_id IS NOT NULL;
CREATE INDEX messages_by_msg_id ON messages(peer_id, msg_id) WHERE msg_id IS NOT NULL;
CREATE INDEX messages_by_correction_id ON messages(peer_id, correction_id) WHERE correction_id IS NOT NULL;
-- Where MAM catch-up of the account's own archive starts.
CREATE INDEX messages_own_archive ON messages(id) WHERE stanza_id IS NOT NULL AND room = 0;

-- Full-text index over the original and the corrected text.  peer_id is
-- indexed too (one numeric token per row) so that searching one
-- conversation intersects two doclists instead of filtering every hit.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, corrected_body, peer_id,
    content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, body, corrected_body, peer_id)
    VALUES (new.id, new.body, new.corrected_body, new.peer_id);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body, corrected_body, peer_id)
    VALUES ('delete', old.id, old.body, old.corrected_body, old.peer_id);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, corrected_body, peer_id ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body, corrected_body, peer_id)
    VALUES ('delete', old.id, old.body, old.corrected_body, old.peer_id);
    INSERT INTO messages_fts(rowid, body, corrected_body, peer_id)
    VALUES (new.id, new.body, new.corrected_body, new.peer_id);
END;
"""


def _create_v1(db: sqlite3.Connection) -> None:
    for statement in _split(_SCHEMA_V1):
        db.execute(statement)


def _split(script: str) -> list[str]:
    """Statements of a script (executescript would commit our transaction)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


def _outbox_v2(db: sqlite3.Connection) -> None:
    """The outbox: our messages the server has not acknowledged are
    'pending' and are sent (again) on the next connection, so they are
    found by an index of their own. Before this version 'pending' meant
    "typed offline, waits for /retry"; sending such a message days later
    by surprise is worse than asking, so those become 'failed' (shown ✗,
    /retry sends them)."""
    db.execute("CREATE INDEX messages_outbox ON messages(id) WHERE direction = 'out' AND delivery = 'pending'")
    db.execute("UPDATE messages SET delivery = 'failed', error = 'typed while offline, not sent'"
               " WHERE direction = 'out' AND delivery = 'pending'")


def _encryption_v3(db: sqlite3.Connection) -> None:
    """How each message went out or came in: the encryption scheme's name
    ("otr", "pgp"), '' in clear. Older messages were all stored as clear
    text was known, so '' is right for them."""
    db.execute("ALTER TABLE messages ADD COLUMN encryption TEXT NOT NULL DEFAULT ''")


def _blog_v4(db: sqlite3.Connection) -> None:
    """Blog entries read so far, searchable (tui/store/blog_entries.py)."""
    from .blog_entries import SCHEMA

    for statement in _split(SCHEMA):
        db.execute(statement)


def _holds_v5(db: sqlite3.Connection) -> None:
    """Where a catch-up must read from while a message is on its way to the store (holds.py)."""
    from .holds import SCHEMA

    db.execute(SCHEMA)


# MIGRATIONS[n] takes a database at version n to version n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _create_v1, 1: _outbox_v2, 2: _encryption_v3, 3: _blog_v4, 4: _holds_v5}


class SchemaTooNew(Exception):
    pass


def migrate(db: sqlite3.Connection) -> None:
    """Bring the database to SCHEMA_VERSION, in one transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"history database has schema version {version}; this Parlons knows up to {SCHEMA_VERSION}"
        )
    if version == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](db)
            version += 1
            db.execute(f"PRAGMA user_version = {version}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
