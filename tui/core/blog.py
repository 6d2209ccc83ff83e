"""Microblogs (XEP-0277): the model, no slixmpp, no Textual.

One account sees many blogs: a :class:`Feed` of entries per author (the
owner of the ``urn:xmpp:microblog:0`` node), and a :class:`Feed` of
comments per comments node. A feed is indexed by pubsub item id (one dict
lookup per notification); its order, by publication time, is derived on
demand and kept until the feed changes. Every text that came from the
network is sanitised here, on the way in.

Views are not told about each change: every change bumps the feed's and
:attr:`Blogs.version`, the service emits one ``BlogChanged`` per turn of
the event loop, and a view rebuilds only what moved. Changes go through
:class:`Blogs`, which keeps the versions honest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

from ..text import sanitize, sanitize_line
from .jids import local_part


ACCESS_MODELS = ("open", "presence")  # who may read a microblog: anyone, or the owner's contacts

# How a run of rich text looks (what the screen maps to styles): no markup,
# just names. ``url`` is a link's address or an image's, shown after its text.
STYLES = frozenset({"bold", "italic", "underline", "strike", "code", "link", "url", "image"})
# What a block of rich text is: a paragraph, a heading (``level`` 1-6), a list
# item (``marker`` "• " or "3. "), preformatted code, or a rule.
BLOCK_KINDS = frozenset({"paragraph", "heading", "item", "code", "rule"})


@dataclass(frozen=True, slots=True)
class Run:
    """Text with one look: ``styles`` ⊆ :data:`STYLES`."""

    text: str
    styles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph-like piece of an entry's rich content. ``quote``: how
    deep in block quotes; ``indent``: how deep in lists."""

    kind: str
    runs: tuple[Run, ...]
    level: int = 0
    marker: str = ""
    quote: int = 0
    indent: int = 0

    def plain(self) -> str:
        return "".join(run.text for run in self.runs)


def _clean_blocks(blocks) -> tuple[Block, ...]:
    """Blocks from the network, sanitised (newlines are line breaks); unknown
    kinds and styles are dropped."""
    cleaned = []
    for block in blocks:
        kind = block.kind if block.kind in BLOCK_KINDS else "paragraph"
        runs = tuple(Run(text, frozenset(run.styles) & STYLES) for run in block.runs if (text := sanitize(run.text)))
        cleaned.append(Block(kind, runs, max(0, min(int(block.level), 6)), sanitize_line(block.marker)[:8],
                             max(0, min(int(block.quote), 20)), max(0, min(int(block.indent), 20))))
    return tuple(cleaned)


# Links an entry carries besides its comments: a repost names what it shares
# (``related``) or where it was found (``via``); an ``enclosure`` is a file.
LINK_RELS = ("related", "via", "enclosure")


@dataclass(frozen=True, slots=True)
class EntryLink:
    rel: str
    href: str
    title: str = ""
    type: str = ""
    length: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "href", sanitize_line(self.href).strip())
        object.__setattr__(self, "title", sanitize_line(self.title).strip())
        object.__setattr__(self, "type", sanitize_line(self.type).strip())

@dataclass(frozen=True, slots=True)
class CommentsLink:
    """Where an entry's comments live: a pubsub service and node."""

    service: str
    node: str


@dataclass(eq=False, slots=True)
class Entry:
    """A blog entry, or a comment on one (comments are Atom entries too).

    ``id`` is the pubsub item id: a protocol key, never shown. ``author``
    is a bare JID; ``verified`` says whether the server vouched for it (the
    owner of a PEP node, or the publisher a pubsub service reported) rather
    than the entry merely claiming it.
    """

    id: str
    author: str
    published: datetime
    updated: datetime
    body: str = ""
    title: str = ""
    author_name: str = ""
    categories: tuple[str, ...] = ()
    comments: CommentsLink | None = None
    verified: bool = False
    rich: tuple[Block, ...] = ()  # the content with its looks (XHTML/HTML); () when plain text
    links: tuple[EntryLink, ...] = ()  # reposted or found-via entries, enclosed files

    def __post_init__(self) -> None:
        self.rich = _clean_blocks(self.rich)
        self.links = tuple(link for link in self.links if link.href and link.rel in LINK_RELS)
        self.author = sanitize_line(self.author).lower()
        self.body = sanitize(self.body).strip()
        self.title = sanitize_line(self.title).strip()
        self.author_name = sanitize_line(self.author_name).strip()
        self.categories = tuple(dict.fromkeys(
            c for c in (sanitize_line(c).strip() for c in self.categories) if c))
        if self.updated < self.published:
            self.updated = self.published

    @property
    def display_name(self) -> str:
        return self.author_name or local_part(self.author) or "?"

    @property
    def edited(self) -> bool:
        return self.updated > self.published

    def same_as(self, other: "Entry") -> bool:
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)


def _order(entry: Entry) -> tuple:
    return (entry.published, entry.id)


class Feed:
    """Entries by item id; :meth:`newest_first` / :meth:`oldest_first` views.

    ``complete``: nothing older is left on the server to page in.
    ``cursor``: where the next (older) page starts, when the server pages
    with RSM.
    """

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._sorted: list[Entry] | None = []
        self.version = 0
        self.complete = False
        self.cursor: str | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.newest_first())

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._entries

    def get(self, item_id: str) -> Entry | None:
        return self._entries.get(item_id)

    def oldest_first(self) -> list[Entry]:
        if self._sorted is None:
            self._sorted = sorted(self._entries.values(), key=_order)
        return self._sorted

    def newest_first(self) -> list[Entry]:
        return self.oldest_first()[::-1]

    # -- changes (through Blogs) ------------------------------------------------------
    def _touch(self) -> None:
        self._sorted = None
        self.version += 1

    def put(self, entry: Entry) -> bool:
        """Add or replace (an edit: same id). False when nothing changed."""
        known = self._entries.get(entry.id)
        if known is not None and known.same_as(entry):
            return False
        self._entries[entry.id] = entry
        self._touch()
        return True

    def remove(self, item_id: str) -> Entry | None:
        entry = self._entries.pop(item_id, None)
        if entry is not None:
            self._touch()
        return entry

    def clear(self) -> bool:
        if not self._entries:
            return False
        self._entries.clear()
        self._touch()
        return True

    def merge_page(self, entries: list[Entry], *, newest: bool, complete: bool) -> bool:
        """A page read from the server. The newest page (or a complete
        read) is the truth about its time span: entries we knew there that
        it lacks were retracted while we were not listening."""
        changed = False
        ids = {entry.id for entry in entries}
        if complete:
            gone = [i for i in self._entries if i not in ids]
        elif newest and entries:
            oldest = min(_order(e) for e in entries)
            gone = [i for i, e in self._entries.items() if i not in ids and _order(e) >= oldest]
        else:
            gone = []
        for item_id in gone:
            changed = self.remove(item_id) is not None or changed
        for entry in entries:
            changed = self.put(entry) or changed
        if complete != self.complete and (complete or newest):
            self.complete = complete
            self.version += 1
            changed = True
        return changed


@dataclass(eq=False)
class Blogs:
    """One account's blogs: feeds by author (bare JID) and comment threads by
    comments node. ``version`` moves with every change of any of them."""

    account: str
    version: int = 0
    _feeds: dict[str, Feed] = field(default_factory=dict, repr=False)
    _threads: dict[CommentsLink, Feed] = field(default_factory=dict, repr=False)
    _unreadable: dict[CommentsLink, str] = field(default_factory=dict, repr=False)  # why a thread was not read

    # -- queries ---------------------------------------------------------------------
    def feed(self, author: str) -> Feed | None:
        return self._feeds.get(author.lower())

    def authors(self) -> list[str]:
        return [jid for jid, feed in self._feeds.items() if len(feed)]

    def incomplete(self) -> list[str]:
        """The authors whose blogs hold older entries not read yet."""
        return [jid for jid, feed in self._feeds.items() if len(feed) and not feed.complete]

    def feeds(self) -> list[Feed]:
        """The feeds that hold entries, one per author."""
        return [feed for feed in self._feeds.values() if len(feed)]

    def entry(self, author: str, item_id: str) -> Entry | None:
        feed = self.feed(author)
        return feed.get(item_id) if feed is not None else None

    def entry_with_comments(self, link: CommentsLink, item_id: str) -> Entry | None:
        """The entry ``item_id`` (of any author) whose comments live at ``link``."""
        for feed in self._feeds.values():
            entry = feed.get(item_id)
            if entry is not None and entry.comments == link:
                return entry
        return None

    def comments(self, link: CommentsLink | None) -> Feed | None:
        return self._threads.get(link) if link is not None else None

    def _feed_of(self, author: str) -> Feed:
        return self._feeds.setdefault(author.lower(), Feed())

    def _thread_of(self, link: CommentsLink) -> Feed:
        return self._threads.setdefault(link, Feed())

    def _changed(self, changed: bool) -> bool:
        if changed:
            self.version += 1
        return changed

    # -- entries ---------------------------------------------------------------------
    def put(self, author: str, entry: Entry) -> bool:
        return self._changed(self._feed_of(author).put(entry))

    def retract(self, author: str, item_id: str) -> Entry | None:
        feed = self.feed(author)
        entry = feed.remove(item_id) if feed is not None else None
        self._changed(entry is not None)
        return entry

    def clear(self, author: str) -> bool:
        feed = self.feed(author)
        return self._changed(feed is not None and feed.clear())

    def merge_page(self, author: str, entries: list[Entry], *, newest: bool, complete: bool,
                   cursor: str | None = None) -> Feed:
        feed = self._feed_of(author)
        feed.cursor = cursor
        self._changed(feed.merge_page(entries, newest=newest, complete=complete))
        return feed

    # -- comments --------------------------------------------------------------------
    def put_comment(self, link: CommentsLink, comment: Entry) -> bool:
        return self._changed(self._thread_of(link).put(comment))

    def retract_comment(self, link: CommentsLink, item_id: str) -> Entry | None:
        thread = self._threads.get(link)
        comment = thread.remove(item_id) if thread is not None else None
        self._changed(comment is not None)
        return comment

    def unreadable(self, link: CommentsLink | None) -> str | None:
        """Why the comments at ``link`` could not be read (the last try), or None."""
        return self._unreadable.get(link) if link is not None else None

    def comments_unreadable(self, link: CommentsLink, reason: str) -> None:
        self._unreadable[link] = sanitize_line(reason)
        self.version += 1

    def replace_comments(self, link: CommentsLink, comments: list[Entry]) -> Feed:
        if self._unreadable.pop(link, None) is not None:
            self.version += 1
        thread = self._thread_of(link)
        self._changed(thread.merge_page(comments, newest=True, complete=True))
        return thread
