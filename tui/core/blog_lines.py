"""Blog windows: what the blog pane of an account shows, kept in step
with the microblog model (:mod:`tui.core.blog`). No Textual.

A blog window lists entries, newest first: the timeline (ours and our
contacts', merged) or one author's blog (``/blog JID``), narrowed by a tag
(``/blog tag TAG``) or by words (``/blog search WORDS``, over the entries read
so far). Each entry has a number ``N`` in that window: given on first sight,
never reused while the window is open, so ``/blog delete 3`` means what the
user saw even after new entries came in. One entry can be open (``showing``):
the pane shows it in full with its comments.

Someone else's entry is unread until it is opened. A new entry or comment
from someone else raises the window's activity to the configured level
(``ui.blog_activity``), like a message does.

The window's own lines are what commands said there (replies, errors); the
pane (screens/widgets/blog_pane.py) draws the entries from this view. Every
text here came sanitised from the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .blog import Blogs, Entry
from .events import BlogChanged, EventBus
from .jids import local_part
from .windows import Activity, Window, WindowKind, WindowList

TARGET = "blog"  # the blog window's target: one per account
ACTIVITY_LEVELS = {"none": Activity.NONE, "events": Activity.EVENTS, "messages": Activity.MESSAGES,
                   "highlight": Activity.HIGHLIGHT}  # ui.blog_activity
DEFAULT_ACTIVITY = "messages"


def split_post(text: str) -> tuple[str, str]:
    """What the user typed → (title, body): the first line is the title."""
    title, _, body = text.strip().partition("\n")
    return title.strip(), body.strip()


def headline(entry: Entry) -> str:
    """The entry's title, or its first line of text when it has none."""
    if entry.title:
        return entry.title
    first = entry.body.split("\n", 1)[0].strip()
    return first or "(empty)"


def commenter(comment: Entry) -> str:
    """Who wrote a comment, as shown. Verified: the author's JID, behind
    the name the comment gives itself when that says something else (anyone
    may call themselves "Alice"). Unverified: the JID it claims, visibly
    unverified (a claimed name would pass for the person)."""
    if not comment.verified:
        return f"? {comment.author or 'unknown'} (unverified)"
    name, local = comment.author_name, local_part(comment.author)
    return f"{name} ({comment.author})" if name and name != local else (local or "?")


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.casefold() for word in text.split())


def matches(entry: Entry, words: tuple[str, ...]) -> bool:
    """Every word (case-insensitive) is in the entry's title, text, tags or author."""
    if not words:
        return True
    haystack = "\n".join((entry.title, entry.body, " ".join(entry.categories), entry.author,
                          entry.author_name)).casefold()
    return all(word in haystack for word in words)


@dataclass(eq=False)
class BlogView:
    """What one blog window shows and how its entries are numbered."""

    window: Window
    account: str
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)  # (author, item id) → N
    keys: dict[int, tuple[str, str]] = field(default_factory=dict)  # N → (author, item id)
    showing: tuple[str, str] | None = None  # one entry in full, or the list
    author: str | None = None  # one blog (/blog JID), or the timeline
    tag: str | None = None  # /blog tag TAG
    search: tuple[str, ...] = ()  # /blog search WORDS
    read: set[tuple[str, str]] = field(default_factory=set)  # entries opened
    last_read: str | None = None  # the blog the pane pages older entries of (/blog more)
    version: int = -1  # the model's version last seen
    state: int = 0  # moves when what the pane shows changes without the model (filters, open, read)
    _comments_seen: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def me(self) -> str:
        return self.account.lower()

    def number(self, author: str, item_id: str) -> tuple[int, bool]:
        """The entry's number in this window, and whether it is new here."""
        key = (author, item_id)
        if key in self.numbers:
            return self.numbers[key], False
        number = len(self.numbers) + 1
        self.numbers[key], self.keys[number] = number, key
        return number, True

    def number_of(self, entry: Entry) -> int:
        return self.number(entry.author, entry.id)[0]

    def entry(self, blogs: Blogs, number: int) -> Entry | None:
        key = self.keys.get(number)
        return blogs.entry(*key) if key is not None else None

    # -- what the pane lists ----------------------------------------------------------------
    def rows(self, blogs: Blogs) -> list[Entry]:
        """The entries listed, newest first, after the author, tag and words."""
        if self.author is not None:
            feed = blogs.feed(self.author)
            entries = list(feed.newest_first()) if feed is not None else []
        else:
            entries = [e for feed in blogs.feeds() for e in feed.oldest_first()]
            entries.sort(key=lambda e: (e.published, e.id), reverse=True)
        tag = self.tag.casefold() if self.tag else None
        return [e for e in entries
                if (tag is None or any(c.casefold() == tag for c in e.categories)) and matches(e, self.search)]

    def describe(self) -> str:
        """What is listed, in a few words (the pane's header)."""
        what = self.author or "timeline"
        if self.tag:
            what += f" · tag {self.tag}"
        if self.search:
            what += f" · search {' '.join(self.search)}"
        return what

    def set_filter(self, *, author: str | None = None, tag: str | None = None, search: str = "") -> None:
        self.author, self.tag, self.search = author, tag or None, _words(search)
        self.showing = None
        self.state += 1

    def is_unread(self, entry: Entry) -> bool:
        return entry.author != self.me and (entry.author, entry.id) not in self.read

    def unread_count(self, blogs: Blogs) -> int:
        return sum(self.is_unread(e) for e in self.rows(blogs))

    def comment_count(self, blogs: Blogs, entry: Entry) -> int | None:
        """How many comments ``entry`` has, None when they were not read."""
        thread = blogs.comments(entry.comments)
        return len(thread) if thread is not None else None

    def open(self, entry: Entry) -> None:
        self.showing = (entry.author, entry.id)
        self.read.add(self.showing)
        self.number(entry.author, entry.id)
        self.state += 1

    def close(self) -> None:
        if self.showing is not None:
            self.showing = None
            self.state += 1

    def shown(self, blogs: Blogs) -> Entry | None:
        entry = blogs.entry(*self.showing) if self.showing is not None else None
        if entry is None and self.showing is not None:  # retracted meanwhile: back to the list
            self.showing = None
            self.state += 1
        return entry

    def update(self, blogs: Blogs) -> bool:
        """Number what is new; True when someone else's entry or comment is new here."""
        entries = [e for feed in blogs.feeds() for e in feed.oldest_first()]
        entries.sort(key=lambda e: (e.published, e.id))  # oldest first: numbers grow with time
        fresh = False
        for entry in entries:
            _number, new = self.number(entry.author, entry.id)
            fresh = fresh or (new and entry.author != self.me)
            thread = blogs.comments(entry.comments)
            if thread is not None:
                key = (entry.author, entry.id)
                others = sum(c.author != self.me for c in thread)
                # on our entries every comment of someone else counts; on others', those after the first reading
                if others > self._comments_seen.get(key, 0 if entry.author == self.me else others):
                    fresh = True
                self._comments_seen[key] = others
        self.version = blogs.version
        return fresh


class BlogWindows:
    """The blog window of each account, kept in step with its model."""

    def __init__(self, windows: WindowList, bus: EventBus, model_of: Callable[[str], Blogs | None]) -> None:
        self.windows, self.model_of, self.bus = windows, model_of, bus
        self._views: dict[str, BlogView] = {}
        self.rebuilds = 0  # tests read it
        self.activity = ACTIVITY_LEVELS[DEFAULT_ACTIVITY]  # what a contact's new entry raises the window to
        bus.subscribe(BlogChanged, self._on_changed)

    def view(self, account: str) -> BlogView | None:
        """The account's blog view, while its window is open."""
        view = self._views.get(account)
        if view is not None and view.window not in self.windows:
            del self._views[account]
            return None
        return view

    def view_of(self, window: Window) -> BlogView | None:
        """The view a blog window shows (None for other windows)."""
        if window.kind is not WindowKind.BLOG or window.account is None:
            return None
        view = self.view(window.account)
        return view if view is not None and view.window is window else None

    def open(self, account: str, name: str) -> BlogView:
        """The account's blog window (made when missing), focused and up to date."""
        window = self.windows.open(name, WindowKind.BLOG, account, TARGET, focus=True)
        view = self.view(account)
        if view is None or view.window is not window:
            view = self._views[account] = BlogView(window, account)
        self.refresh(view)
        return view

    def refresh(self, view: BlogView) -> None:
        """What the view shows changed (a filter, an entry opened): catch up
        with the model, and let the screen know (a BlogChanged naming no blog)."""
        self.rebuild(view, force=True)
        self.bus.emit(BlogChanged(view.account, frozenset()))

    def _on_changed(self, event: BlogChanged) -> None:
        view = self.view(event.account)
        if view is not None:
            self.rebuild(view)

    def rebuild(self, view: BlogView, *, force: bool = False) -> None:
        blogs = self.model_of(view.account)
        if blogs is None or (not force and blogs.version == view.version):
            return
        self.rebuilds += 1
        first = view.version < 0
        fresh = view.update(blogs)
        view.state += 1
        if fresh and not first:
            self.windows.raise_activity(view.window, self.activity)
