"""Blog drafts that survive a crash or a quit: what the composer holds,
kept on disk while it is typed.

One small JSON file per account, ``<data_dir>/drafts/<account>.json``
(0600 in a 0700 directory, written whole to a temporary file and renamed,
so a crash leaves the old draft or the new one, never half of one). Keys
say what a draft is for: ``post`` (a new entry), ``edit:<item id>``,
``comment:<author>:<entry id>``.

Writes happen off the event loop (``asyncio.to_thread``) and are
coalesced: while one is under way, every later change only marks the file
dirty, and the next write takes the newest state — typing never queues a
write per key. Bounded: a draft keeps at most :data:`MAX_DRAFT_CHARS` of
body, the file at most :data:`MAX_DRAFTS` drafts (the oldest go), and a
file larger than :data:`MAX_FILE_BYTES` is not read. Without a data dir
(tests without a store) drafts live in memory only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Callable

from ..paths import write_private
from .history import history_path

log = logging.getLogger(__name__)

MAX_DRAFT_CHARS = 256 * 1024  # as much as the external editor hands back
MAX_DRAFTS = 20
MAX_FILE_BYTES = 16 * 1024 * 1024
NEW_POST = "post"


def edit_key(item_id: str) -> str:
    return f"edit:{item_id}"


def comment_key(author: str, entry_id: str) -> str:
    return f"comment:{author}:{entry_id}"


@dataclass(frozen=True)
class Draft:
    """What the composer holds. ``tags`` as typed (comma-separated);
    ``access``: who may read it (``open`` | ``presence``); ``saved``: when
    it was last kept (seconds since the epoch, 0: never)."""

    title: str = ""
    tags: str = ""
    body: str = ""
    access: str = "open"
    comments: bool = True
    saved: float = 0.0

    def is_empty(self) -> bool:
        return not (self.title.strip() or self.tags.strip() or self.body.strip())

    def same_text(self, other: "Draft") -> bool:
        return replace(self, saved=0.0) == replace(other, saved=0.0)

    def tag_list(self) -> list[str]:
        """The tags, in order, each once (case kept, compared without case)."""
        seen: dict[str, str] = {}
        for tag in (t.strip() for t in self.tags.split(",")):
            if tag and tag.lower() not in seen:
                seen[tag.lower()] = tag
        return list(seen.values())

    def bounded(self) -> "Draft":
        return replace(self, title=self.title[:MAX_DRAFT_CHARS], tags=self.tags[:MAX_DRAFT_CHARS],
                       body=self.body[:MAX_DRAFT_CHARS])

    @classmethod
    def from_json(cls, data: object) -> "Draft | None":
        if not isinstance(data, dict):
            return None
        known = {f.name: f.type for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        draft = cls(**values)  # checked just below
        if not all(isinstance(getattr(draft, name), str) for name in ("title", "tags", "body", "access")) \
                or not isinstance(draft.comments, bool) or not isinstance(draft.saved, (int, float)):
            return None
        return draft.bounded()


def drafts_path(data_dir: Path, account: str) -> Path:
    """``<data_dir>/drafts/<account>.json``, named like the account's history."""
    return Path(data_dir) / "drafts" / (history_path(data_dir, account).stem + ".json")


def _read(path: Path) -> dict[str, Draft]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return {}
    if len(data) > MAX_FILE_BYTES:
        log.warning("%s is over %d bytes: not read", path, MAX_FILE_BYTES)
        return {}
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return {}
    drafts = {}
    for key, value in (raw.items() if isinstance(raw, dict) else ()):
        draft = Draft.from_json(value) if isinstance(key, str) else None
        if draft is not None:
            drafts[key] = draft
    return drafts


def _encode(drafts: dict[str, Draft]) -> bytes:
    return json.dumps({key: asdict(draft) for key, draft in drafts.items()}, ensure_ascii=False).encode("utf-8")


def _write_drafts(path: Path, drafts: dict[str, Draft]) -> None:
    write_private(path, _encode(drafts))


class DraftFile:
    """One account's drafts. :meth:`load` once, then :meth:`get` / :meth:`put`
    / :meth:`drop` (which return at once and write in the background) and
    :meth:`flush` to wait for the file to hold everything."""

    def __init__(self, path: Path | None, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.error: str | None = None  # the last write's failure, for one line
        self.writes = 0  # files written (tests: coalescing)
        self._drafts: dict[str, Draft] = {}
        self._dirty = False
        self._writer: asyncio.Task | None = None

    async def load(self) -> "DraftFile":
        if self.path is not None:
            self._drafts = await asyncio.to_thread(_read, self.path)
        return self

    def get(self, key: str) -> Draft | None:
        return self._drafts.get(key)

    def keys(self) -> list[str]:
        return list(self._drafts)

    def put(self, key: str, draft: Draft) -> Draft:
        """Keep ``draft`` under ``key`` (an empty one is dropped); the stamped draft."""
        if draft.is_empty():
            self.drop(key)
            return draft
        known = self._drafts.get(key)
        if known is not None and known.same_text(draft):
            return known
        kept = replace(draft.bounded(), saved=self.clock())
        self._drafts.pop(key, None)
        self._drafts[key] = kept  # newest last
        while len(self._drafts) > MAX_DRAFTS:
            self._drafts.pop(next(iter(self._drafts)))
        self._changed()
        return kept

    def drop(self, key: str) -> None:
        if self._drafts.pop(key, None) is not None:
            self._changed()

    async def flush(self) -> None:
        """Wait until the file holds every change made so far."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    def _changed(self) -> None:
        if self.path is None:
            return
        self._dirty = True
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_while_dirty())

    async def _write_while_dirty(self) -> None:
        path = self.path
        assert path is not None
        while self._dirty:
            self._dirty = False
            snapshot = dict(self._drafts)  # drafts are frozen: a shallow copy is a snapshot
            try:
                await asyncio.to_thread(_write_drafts, path, snapshot)
                self.writes += 1
                self.error = None
            except OSError as exc:
                self.error = f"cannot keep the draft in {self.path}: {exc.strerror or exc}"
                log.warning("%s", self.error)
                return


@dataclass
class Composition:
    """What the blog composer (``client.ui.compose_blog``) is given.

    ``kind``: "post" (a new entry), "edit" (one of ours) or "comment";
    ``heading``: what is being written, in words (may hold others' titles:
    untrusted text); ``draft``: where the composer starts; ``start``: the
    text it would have without a kept draft (an edited entry as published),
    so closing an untouched one asks nothing; ``restored``: ``draft`` was
    kept from an earlier session; ``tags``: tags already used (completion:
    asked again as the user types, as our own blog may still be being read);
    ``keep``: called with the composer's text as it changes (returns it
    stamped with when it was kept); ``discard``: the user dropped it."""

    kind: str
    heading: str
    draft: Draft
    start: Draft
    restored: bool = False
    tags: Callable[[], tuple[str, ...]] = tuple
    keep: Callable[[Draft], Draft] = lambda draft: draft
    discard: Callable[[], None] = lambda: None


def describe(keys: list[str]) -> str | None:
    """What the drafts kept under ``keys`` are, in words (the status line at
    start-up that offers them back), or None when there are none."""
    if not keys:
        return None
    parts = []
    if NEW_POST in keys:
        parts.append("a new entry (/blog post)")
    edits = [key.removeprefix("edit:") for key in keys if key.startswith("edit:")]
    if edits:
        parts.append(f"an edit of entry {edits[-1]} (/blog edit {edits[-1]})" if len(edits) == 1
                     else f"{len(edits)} edits (/blog edit ID)")
    comments = sum(key.startswith("comment:") for key in keys)
    if comments:
        parts.append("a comment" if comments == 1 else f"{comments} comments")
    return "unfinished blog drafts kept: " + ", ".join(parts) if parts else None


async def kept_drafts(data_dir: Path, account: str) -> str | None:
    """:func:`describe` of what ``account`` left in its draft file."""
    drafts = await DraftFile(drafts_path(data_dir, account)).load()
    return describe(drafts.keys())
