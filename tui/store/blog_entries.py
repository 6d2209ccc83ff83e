"""Blog entries read so far (XEP-0277), kept beside the history so that
``/blog search`` and ``/blog tag`` find what was read in earlier sessions
too. Each row keeps the Atom entry as it was read from its author's own
node (re-read with the same parser, so nothing is trusted more than it was
then) and its words in an FTS5 index.

Synchronous, on the history store's worker thread, like database.py.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from typing import Sequence

from .patterns import fts_query

log = logging.getLogger(__name__)

MAX_ATOM_CHARS = 256 * 1024  # an entry larger than a server lets through is not kept

SCHEMA = """
CREATE TABLE blog_entries (
    id INTEGER PRIMARY KEY,
    author TEXT NOT NULL,
    item_id TEXT NOT NULL,
    published_us INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL,
    atom TEXT NOT NULL,
    UNIQUE (author, item_id)
);
CREATE VIRTUAL TABLE blog_fts USING fts5(
    title, body, tags,
    content = 'blog_entries', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER blog_fts_insert AFTER INSERT ON blog_entries BEGIN
    INSERT INTO blog_fts(rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;
CREATE TRIGGER blog_fts_delete AFTER DELETE ON blog_entries BEGIN
    INSERT INTO blog_fts(blog_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
END;
CREATE TRIGGER blog_fts_update AFTER UPDATE ON blog_entries BEGIN
    INSERT INTO blog_fts(blog_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
    INSERT INTO blog_fts(rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;
"""


@dataclass(frozen=True, slots=True)
class BlogRecord:
    author: str  # bare JID whose node it was read from
    item_id: str
    published_us: int
    title: str
    body: str
    tags: str  # space-separated categories
    atom: str  # the Atom <entry> as read


def put(db: sqlite3.Connection, records: Sequence[BlogRecord]) -> None:
    """Insert or refresh entries (an edit replaces the row's words)."""
    for r in records:
        if len(r.atom) > MAX_ATOM_CHARS:
            continue
        db.execute(
            "INSERT INTO blog_entries(author, item_id, published_us, title, body, tags, atom)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(author, item_id) DO UPDATE SET"
            " published_us = excluded.published_us, title = excluded.title, body = excluded.body,"
            " tags = excluded.tags, atom = excluded.atom",
            (r.author.lower(), r.item_id, r.published_us, r.title, r.body, r.tags, r.atom))


def delete(db: sqlite3.Connection, author: str, item_id: str | None = None) -> None:
    """One entry retracted, or (``item_id`` None) a whole blog cleared."""
    if item_id is None:
        db.execute("DELETE FROM blog_entries WHERE author = ?", (author.lower(),))
    else:
        db.execute("DELETE FROM blog_entries WHERE author = ? AND item_id = ?", (author.lower(), item_id))


def search(db: sqlite3.Connection, pattern: str, limit: int = 200) -> list[BlogRecord]:
    """Entries holding every word of ``pattern`` (title, text or tags), newest first."""
    query = fts_query(pattern, ("title", "body", "tags"))
    if query is None or limit <= 0:
        return []
    try:
        rows = db.execute(
            "SELECT e.author, e.item_id, e.published_us, e.title, e.body, e.tags, e.atom"
            " FROM blog_fts f JOIN blog_entries e ON e.id = f.rowid WHERE blog_fts MATCH ?"
            " ORDER BY e.published_us DESC LIMIT ?", (query, limit)).fetchall()
    except sqlite3.OperationalError as exc:  # fts_query quotes everything: a last guard
        log.warning("blog search %r failed: %s", pattern, exc)
        return []
    return [BlogRecord(*row) for row in rows]
