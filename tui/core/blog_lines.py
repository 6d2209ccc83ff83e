"""Blog windows: the microblog model (:mod:`tui.core.blog`) as lines of a
numbered window, Irssi style.

A blog window lists the entries of every blog the account's model knows,
newest first: one line per entry, ``#N author — title`` then the first
lines of its text and its comment count when known. ``N`` is the entry's
number in that window: given on first sight, never reused while the window
is open, so ``/blog delete 3`` means what the user saw even after new
entries came in. ``/blog show N`` turns the window to one entry in full,
with its comments; ``/blog`` turns it back to the list.

The window is rebuilt from the model once per ``BlogChanged`` (the service
emits one per turn of the event loop), and only when the model's version
moved. Lines added by commands after the list (replies, errors) are kept
across a rebuild, the last few of them.

Every text here came sanitised from the model and goes only into Line
bodies, never into markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .blog import Blogs, Entry
from .days import is_day_line
from .events import BlogChanged, EventBus
from .model import Line, LineKind
from .roster import local_part
from .windows import Activity, Window, WindowKind, WindowList

PREVIEW_LINES = 3  # lines of text under an entry's header in the list
NOTES_KEPT = 5  # command replies kept under the list across a rebuild
TARGET = "blog"  # the blog window's target: one per account


def split_post(text: str) -> tuple[str, str]:
    """What the user typed → (title, body): the first line is the title."""
    title, _, body = text.strip().partition("\n")
    return title.strip(), body.strip()


def _headline(entry: Entry) -> tuple[str, list[str]]:
    """The entry's title (its first line of text when it has none) and the
    lines of text that follow it."""
    lines = entry.body.splitlines()
    if entry.title:
        return entry.title, lines
    return (lines[0] if lines else "(empty)"), lines[1:]


def _comment_count(blogs: Blogs, entry: Entry) -> str:
    thread = blogs.comments(entry.comments)
    if thread is None:
        return ""
    return f"({len(thread)} comment{'' if len(thread) == 1 else 's'})"


def summary_text(number: int, entry: Entry, blogs: Blogs) -> str:
    """An entry in the list: header, the first lines of its text, comments."""
    title, rest = _headline(entry)
    parts = [f"#{number} {entry.display_name} — {title}"]
    parts += [f"  {line}" for line in rest[:PREVIEW_LINES]]
    if len(rest) > PREVIEW_LINES:
        parts.append("  …")
    if count := _comment_count(blogs, entry):
        parts.append(f"  {count}")
    return "\n".join(parts)


def full_lines(number: int, entry: Entry, blogs: Blogs, own: bool) -> list[Line]:
    """One entry in full, then its comments (oldest first)."""
    title, rest = _headline(entry)
    when = f"{entry.published.astimezone():%Y-%m-%d %H:%M}" + (" (edited)" if entry.edited else "")
    head = [f"#{number} {entry.display_name} <{entry.author}> — {title}", when]
    if entry.categories:
        head.append("tags: " + ", ".join(entry.categories))
    lines = [Line("\n".join(head + ([""] + rest if rest else [])), _kind(own), time=entry.published)]
    thread = blogs.comments(entry.comments)
    if entry.comments is None:
        lines.append(Line("This entry takes no comments", LineKind.INFO))
    elif thread is None:
        lines.append(Line("Comments: not read", LineKind.INFO))
    else:
        lines.append(Line(f"Comments: {len(thread)}", LineKind.INFO))
        lines += [Line(f"{commenter(c)}: {c.body or c.title}", LineKind.INCOMING, time=c.published)
                  for c in thread.oldest_first()]
    return lines


def commenter(comment: Entry) -> str:
    """Who wrote a comment, as shown. Verified: the author's JID, behind
    the name the comment gives itself when that says something else (anyone
    may call themselves "Alice"). Unverified: the JID it claims, visibly
    unverified (a claimed name would pass for the person)."""
    if not comment.verified:
        return f"? {comment.author or 'unknown'} (unverified)"
    name, local = comment.author_name, local_part(comment.author)
    return f"{name} ({comment.author})" if name and name != local else (local or "?")


def _kind(own: bool) -> LineKind:
    return LineKind.OUTGOING if own else LineKind.INCOMING


@dataclass(eq=False)
class BlogView:
    """What one blog window shows and how its entries are numbered."""

    window: Window
    account: str
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)  # (author, item id) → N
    keys: dict[int, tuple[str, str]] = field(default_factory=dict)  # N → (author, item id)
    showing: tuple[str, str] | None = None  # one entry in full, or the list
    last_read: str | None = None  # the blog /blog more pages
    version: int = -1  # the model's version last shown
    generated: set[int] = field(default_factory=set)  # uids of the lines the last build made

    def number(self, author: str, item_id: str) -> tuple[int, bool]:
        """The entry's number in this window, and whether it is new here."""
        key = (author, item_id)
        if key in self.numbers:
            return self.numbers[key], False
        number = len(self.numbers) + 1
        self.numbers[key], self.keys[number] = number, key
        return number, True

    def entry(self, blogs: Blogs, number: int) -> Entry | None:
        key = self.keys.get(number)
        return blogs.entry(*key) if key is not None else None

    def build(self, blogs: Blogs) -> tuple[list[Line], bool]:
        """The window's lines, and whether someone else's entry is new here."""
        entries = [e for feed in blogs.feeds() for e in feed.oldest_first()]
        entries.sort(key=lambda e: (e.published, e.id))  # oldest first: numbers grow with time
        fresh = False
        for entry in entries:
            _number, new = self.number(entry.author, entry.id)
            fresh = fresh or (new and entry.author != self.account.lower())
        shown = blogs.entry(*self.showing) if self.showing is not None else None
        if shown is not None:
            number = self.numbers[(shown.author, shown.id)]
            return full_lines(number, shown, blogs, shown.author == self.account.lower()), fresh
        self.showing = None
        if not entries:
            return [Line("No blog entries yet: /blog post TEXT, or /blog read JID", LineKind.INFO)], fresh
        return [Line(summary_text(self.numbers[(e.author, e.id)], e, blogs), _kind(e.author == self.account.lower()),
                     time=e.published) for e in reversed(entries)], fresh


class BlogWindows:
    """The blog window of each account, kept in step with its model."""

    def __init__(self, windows: WindowList, bus: EventBus, model_of: Callable[[str], Blogs | None]) -> None:
        self.windows, self.model_of = windows, model_of
        self._views: dict[str, BlogView] = {}
        self.rebuilds = 0  # tests read it
        bus.subscribe(BlogChanged, self._on_changed)

    def view(self, account: str) -> BlogView | None:
        """The account's blog view, while its window is open."""
        view = self._views.get(account)
        if view is not None and view.window not in self.windows:
            del self._views[account]
            return None
        return view

    def open(self, account: str, name: str) -> BlogView:
        """The account's blog window (made when missing), focused and up to date."""
        window = self.windows.open(name, WindowKind.BLOG, account, TARGET, focus=True)
        view = self.view(account)
        if view is None or view.window is not window:
            view = self._views[account] = BlogView(window, account)
        self.rebuild(view, force=True)
        return view

    def _on_changed(self, event: BlogChanged) -> None:
        view = self.view(event.account)
        if view is not None:
            self.rebuild(view)

    def rebuild(self, view: BlogView, *, force: bool = False) -> None:
        blogs = self.model_of(view.account)
        if blogs is None or (not force and blogs.version == view.version):
            return
        view.version = blogs.version
        self.rebuilds += 1
        lines, fresh = view.build(blogs)
        window = view.window
        notes = [l for l in window.lines if l.uid not in view.generated and not is_day_line(l)][-NOTES_KEPT:]
        view.generated = {line.uid for line in lines}
        self.windows.clear(window)
        for line in lines + notes:
            self.windows.add_line(window, line, Activity.NONE, replay=True)
        if fresh:
            self.windows.raise_activity(window, Activity.MESSAGES)
