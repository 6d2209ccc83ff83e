"""BlogPane: the blog window's pane — a list of entries, or one entry read
in full with its comments (Line API, like the roster and the message log).

It renders :class:`tui.core.blog_lines.BlogView` (what is listed, which
entry is open, what was read) over the account's :class:`~tui.core.blog.Blogs`;
it keeps only what is on display: the cursor and the rendered rows, rebuilt
when the model, the view or the width moved (at most once per app sync).

Keys (while focused) are binding ids of the ``blog`` scope of the key map
(keymaps/irssi.toml): up/down (j/k), Enter opens (``/blog show
N``: it reads the comments too), Escape goes back to the list and, from the
list, hands the keys to the input line (so does typing text), ``n`` goes to the next unread entry,
``e``/``c`` dispatch ``/blog edit N`` / ``/blog comment N``, ``d`` asks, then
dispatches ``/blog delete N``; ``/`` starts a command. PgUp/PgDn and Ctrl+Home/End are the
app's ``log.*`` keys: the app hands them here (:meth:`page`). Moving past
the end of a blog's list asks for its older entries (``/blog more``). A
click selects a row; a click on the selected row opens it.

Everything shown came from the network: it goes into ``Text``/``Segment``
objects as data (never markup), already sanitised by the model (no control
characters, no bidi overrides), and the model bounds its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from tui.core.blog import Block, Blogs, Entry
from tui.core.blog_lines import BlogView, commenter, headline
from tui.keymap import KeyBinding

from ..textual_private import set_virtual_size

UNREAD = "●"
MAX_CONTENT_LINES = 3000  # of an entry's content on screen (the model bounds its characters, not its lines)
_CURSOR = Style(reverse=True)
_CURSOR_BLURRED = Style(bgcolor="grey23")
_HEADER = Style(bold=True, underline=True)
_DIM = Style(dim=True)
_AUTHOR = Style(bold=True)
_TAGS = Style(color="cyan")
_UNREAD = Style(color="yellow", bold=True)
_LOOKS = {"bold": "bold", "italic": "italic", "underline": "underline", "strike": "strike",
          "code": "cyan", "link": "underline", "url": "blue", "image": "magenta"}
_LINK_WORDS = {"related": "Shares", "via": "Via", "enclosure": "Attached"}


def when(moment: datetime) -> str:
    return f"{moment.astimezone():%Y-%m-%d %H:%M}"


def size_words(length: int | None) -> str:
    if length is None:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if length < 1024 or unit == "GB":
            return f"{length} {unit}" if unit == "bytes" else f"{length:.1f} {unit}"
        length /= 1024  # type: ignore[assignment]
    return ""


# -- an entry as text with styles ---------------------------------------------------------
def _block_text(block: Block) -> Text:
    text = Text()
    for run in block.runs:
        style = " ".join(_LOOKS[s] for s in sorted(run.styles) if s in _LOOKS)
        text.append(run.text, style or None)
    if block.kind == "heading":
        text.stylize("bold underline" if block.level <= 2 else "bold")
    elif block.kind == "code":
        text.stylize("green")
    return text


def _wrapped(console: Console, text: Text, width: int, prefix: Text, first: Text | None = None) -> list[Text]:
    """``text`` wrapped to ``width`` after ``prefix`` (``first`` on its first line)."""
    first = first if first is not None else prefix
    room = max(8, width - max(first.cell_len, prefix.cell_len))
    text.expand_tabs(4)
    lines = text.wrap(console, room, overflow="fold", no_wrap=False) if text.plain else [Text()]
    out = []
    for index, line in enumerate(lines):
        line.rstrip()
        out.append((first if index == 0 else prefix).copy().append_text(line))
    return out


def block_lines(console: Console, blocks: tuple[Block, ...], width: int) -> list[Text]:
    """Rich content, block by block: a blank line between blocks (not between
    the items of a list), quotes with a bar, list items hanging after their marker."""
    out: list[Text] = []
    previous: Block | None = None
    for block in blocks:
        if len(out) >= MAX_CONTENT_LINES:
            break
        if previous is not None and not (previous.kind == block.kind == "item"):
            out.append(Text())
        previous = block
        bar = Text("│ " * block.quote, style="dim")
        if block.kind == "rule":
            out.append(bar + Text("─" * max(3, min(40, width - bar.cell_len)), style="dim"))
            continue
        indent = "  " * block.indent
        if block.kind == "item":
            first = bar + Text(indent + block.marker, style="bold")
            prefix = bar + Text(indent + " " * len(block.marker))
        elif block.kind == "code":
            first = prefix = bar + Text(indent + "    ")
        else:
            first = prefix = bar + Text(indent)
        for index, part in enumerate(_block_text(block).split("\n", allow_blank=True)):
            out += _wrapped(console, part, width, prefix, first if index == 0 else prefix)
            if len(out) >= MAX_CONTENT_LINES:
                break
    return _bounded(out)


def _plain_lines(console: Console, body: str, width: int) -> list[Text]:
    out: list[Text] = []
    for line in body.split("\n"):
        out += _wrapped(console, Text(line), width, Text())
        if len(out) >= MAX_CONTENT_LINES:
            break
    return _bounded(out)


def _bounded(lines: list[Text]) -> list[Text]:
    if len(lines) < MAX_CONTENT_LINES:
        return lines
    return lines[:MAX_CONTENT_LINES] + [Text("[…] (too long to show in full)", style="dim")]


def entry_lines(console: Console, entry: Entry, blogs: Blogs, width: int) -> list[Text]:
    """An entry read in full: title, author (name and JID), dates, tags, the
    content with its looks, what it shares or encloses, then its comments."""
    out = _wrapped(console, Text(headline(entry), style="bold underline"), width, Text())
    byline = Text("by ", style="dim")
    byline.append(entry.author_name or entry.display_name, style="bold")
    byline.append(f" <{entry.author}>")
    out += _wrapped(console, byline, width, Text("  "), Text())
    dates = Text(f"published {when(entry.published)}", style="dim")
    if entry.edited:
        dates.append(f" · updated {when(entry.updated)}", style="dim")
    out.append(dates)
    if entry.categories:
        out += _wrapped(console, Text("tags: ", style="dim") + Text(" ".join(f"#{c}" for c in entry.categories),
                                                                    style="cyan"), width, Text("      "), Text())
    out.append(Text())
    if entry.rich:
        out += block_lines(console, entry.rich, width)
    elif entry.title and entry.body:
        out += _plain_lines(console, entry.body, width)
    elif not entry.title:  # a short post: its text is its headline, shown again in full
        out += _plain_lines(console, entry.body, width)
    if entry.links:
        out.append(Text())
    for link in entry.links:
        line = Text(f"{_LINK_WORDS.get(link.rel, link.rel)}: ", style="bold")
        if link.title:
            line.append(f"{link.title} ")
        line.append(f"<{link.href}>", style="blue")
        details = ", ".join(d for d in (link.type, size_words(link.length)) if d)
        if details:
            line.append(f" ({details})", style="dim")
        out += _wrapped(console, line, width, Text("  "), Text())
    out.append(Text())
    thread = blogs.comments(entry.comments)
    if entry.comments is None:
        out.append(Text("This entry takes no comments", style="dim"))
    elif thread is None and (reason := blogs.unreadable(entry.comments)) is not None:
        out += _wrapped(console, Text(f"Comments: {reason}", style="dim"), width, Text("  "), Text())
    elif thread is None:
        out.append(Text("Comments: being read…", style="dim"))
    else:
        out.append(Text(f"── Comments ({len(thread)}) ──", style="bold"))
        for comment in thread.oldest_first():
            head = Text(commenter(comment), style="bold")
            head.append(f"  {when(comment.published)}", style="dim")
            out.append(head)
            out += _wrapped(console, Text(comment.body or comment.title), width, Text("  "))
    return out


def row_text(view: BlogView, blogs: Blogs, entry: Entry) -> Text:
    """An entry in the list, one row: unread mark, number, date, author,
    title, tags, comment count."""
    text = Text()
    text.append(f"{UNREAD if view.is_unread(entry) else ' '} ", style=_UNREAD)
    text.append(f"#{view.number_of(entry):<3} ", style=_DIM)
    text.append(f"{when(entry.published)}  ", style=_DIM)
    text.append(entry.display_name, style=_AUTHOR)
    text.append("  ")
    text.append(headline(entry))
    if entry.categories:
        text.append("  " + " ".join(f"#{c}" for c in entry.categories), style=_TAGS)
    count = view.comment_count(blogs, entry)
    if count:
        text.append(f"  [{count} comment{'' if count == 1 else 's'}]", style=_DIM)
    return text


def _strip(console: Console, text: Text, width: int) -> Strip:
    segments = [Segment(s.text.replace("\t", " "), s.style) for s in text.render(console) if s.text != "\n"]
    return Strip(segments).crop_extend(0, width, None)


def follow_the_focus(widget: Widget, event: events.Key) -> bool:
    """Keys already on their way to ``widget`` when it handed the keys over
    (a burst such as "/blog show 1⏎" typed at once) follow them to the
    widget now focused; True when the key went there."""
    focused = widget.screen.focused
    if focused is widget or focused is None or not widget.screen.is_active:
        return False
    event.stop()
    event.prevent_default()
    moved = events.Key(event.key, event.character)
    moved.time = event.time  # typing stays typing (the input line times keys)
    focused.post_message(moved)
    return True


@dataclass
class _Shown:
    """What the rows were built from: rebuilt when any of it moves."""

    view: int
    state: int
    version: int
    width: int


class BlogPane(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    BlogPane { height: 1fr; }
    """

    class Command(Message):
        """A command the pane asks for (``/blog show 3``), run as if typed in its window."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: BlogView | None = None
        self.blogs: Blogs | None = None
        self.cursor = 0
        self.rows: list[Entry] = []
        self.opened: Entry | None = None
        self._lines: list[Strip] = []
        self._shown: _Shown | None = None
        self._keys: dict[str, str] = {}  # key → binding id (the blog scope)
        self.keys_handled = 0  # tests read it
        # Hands the keys to the input line, with a text typed there: set by the
        # screen, called at once (not by a message) so that the keys typed next
        # already go there.
        self.hand_over: Callable[[str], None] | None = None

    # -- keys from the key map --------------------------------------------------------
    def set_keymap(self, keymap: dict[str, KeyBinding]) -> None:
        from ..textual_private import character_to_key

        self._keys = {}
        for binding_id, binding in keymap.items():
            if binding_id.startswith("blog."):
                for key in binding.keys:
                    self._keys[character_to_key(key) if len(key) == 1 else key] = binding_id

    def is_back_key(self, key: str) -> bool:
        return self._keys.get(key) == "blog.back"

    # -- model → rows ------------------------------------------------------------------
    def show(self, view: BlogView | None, blogs: Blogs | None) -> None:
        """Once per app sync: catch up with the view and the model (cheap
        when nothing moved)."""
        if view is not self.view:
            self.view, self.cursor, self._shown = view, 0, None
            self.scroll_to(y=0, animate=False)
        self.blogs = blogs
        self._rebuild()

    def _rebuild(self, force: bool = False) -> None:
        view, blogs = self.view, self.blogs
        width = max(20, self.size.width or 80)
        if view is None or blogs is None:
            self._lines, self.rows, self.opened = [], [], None
            set_virtual_size(self, Size(width, 0))
            self.refresh()
            return
        shown = _Shown(id(view), view.state, blogs.version, width)
        if shown == self._shown and not force:
            return
        was_open = self.opened
        self._shown = shown
        console = self.app.console
        self.opened = view.shown(blogs)
        if self.opened is not None:
            texts = entry_lines(console, self.opened, blogs, width)
            if was_open is None or was_open.id != self.opened.id:
                self.scroll_to(y=0, animate=False)
        else:
            current = self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None
            self.rows = view.rows(blogs)
            if current is not None and current in self.rows:  # the cursor stays on its entry
                self.cursor = self.rows.index(current)
            self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
            texts = [self._header(view, blogs)] + [row_text(view, blogs, e) for e in self.rows]
            if not self.rows:
                texts.append(Text("No entries here yet: /blog post TEXT, or /blog JID", style="dim"))
        self._lines = [_strip(console, t, width) for t in texts]
        set_virtual_size(self, Size(width, len(self._lines)))
        if self.opened is None:
            self._scroll_to_cursor()
        self.refresh()

    def _header(self, view: BlogView, blogs: Blogs) -> Text:
        unread = sum(view.is_unread(e) for e in self.rows)
        text = Text(view.describe(), style=_HEADER)
        text.append(f"  {len(self.rows)} entr{'y' if len(self.rows) == 1 else 'ies'}", style=_DIM)
        if unread:
            text.append(f", {unread} unread", style=_UNREAD)
        if view.author is not None and (feed := blogs.feed(view.author)) is not None and not feed.complete:
            text.append("  (more below the last)", style=_DIM)
        return text

    @property
    def plain(self) -> str:
        """What the pane shows, as text (tests read it)."""
        return "\n".join(strip.text.rstrip() for strip in self._lines)

    def on_resize(self, _event: events.Resize) -> None:
        self._rebuild()

    # -- rendering ---------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = self.scroll_offset.y + y
        if not 0 <= index < len(self._lines):
            return Strip.blank(width)
        strip = self._lines[index].crop_extend(0, width, None)
        if self.opened is None and self.rows and index == self.cursor + 1:
            strip = strip.apply_style(_CURSOR if self.has_focus else _CURSOR_BLURRED)
        return strip

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- moving ------------------------------------------------------------------------
    def _scroll_to_cursor(self) -> None:
        row = self.cursor + 1  # under the header
        height = max(1, self.size.height)
        top = self.scroll_offset.y
        if row - 1 <= 0:
            self.scroll_to(y=0, animate=False)
        elif row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def move(self, delta: int) -> None:
        if self.opened is not None:
            self.scroll_to(y=self.scroll_offset.y + delta, animate=False)
            return
        if not self.rows:
            return
        wanted = self.cursor + delta
        self.cursor = max(0, min(wanted, len(self.rows) - 1))
        if wanted > len(self.rows) - 1:
            self._older()
        self._scroll_to_cursor()
        self.refresh()

    def page(self, where: str) -> None:
        """PgUp/PgDn/Ctrl+Home/Ctrl+End (the app's log.* keys) in a blog window."""
        height = max(1, self.size.height - 1)
        if where == "up":
            self.move(-height)
        elif where == "down":
            self.move(height)
        elif where == "home":
            self.move(-len(self._lines))
        elif where == "end":
            self.move(len(self._lines))

    def _older(self) -> None:
        """Past the end of a blog's list: its older entries, where there are any."""
        view, blogs = self.view, self.blogs
        if view is None or blogs is None:
            return
        if view.last_read is None:  # the timeline: any blog in it with older entries
            if blogs.incomplete():
                self.post_message(self.Command("/blog more"))
            return
        feed = blogs.feed(view.last_read)
        if feed is not None and not feed.complete:
            self.post_message(self.Command("/blog more"))

    def current(self) -> Entry | None:
        if self.opened is not None:
            return self.opened
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def next_unread(self) -> None:
        view = self.view
        if view is None or not self.rows:
            return
        start = self.rows.index(self.opened) + 1 if self.opened in self.rows else self.cursor + 1
        for index in list(range(start, len(self.rows))) + list(range(0, start)):
            if view.is_unread(self.rows[index]):
                self.cursor = index
                if self.opened is not None:
                    self._dispatch("show", self.rows[index])
                self._scroll_to_cursor()
                self.refresh()
                return
        self.app.bell()

    # -- actions -----------------------------------------------------------------------
    def _dispatch(self, action: str, entry: Entry | None) -> None:
        if entry is not None and self.view is not None:
            self.post_message(self.Command(f"/blog {action} {self.view.number_of(entry)}"))

    def back(self) -> None:
        if self.opened is not None and self.view is not None:
            self.view.close()
            self._rebuild()
        else:
            self._hand_over("")

    def _hand_over(self, text: str) -> None:
        if self.hand_over is not None:
            self.hand_over(text)

    def delete(self, entry: Entry | None) -> None:
        if entry is None or self.view is None:
            return
        number = self.view.number_of(entry)

        def answered(yes: bool | None) -> None:
            if yes:
                self._dispatch("delete", entry)

        self.app.push_screen(Confirm(f"Delete entry #{number} “{headline(entry)}”?", self._keymap_of_app()),
                             answered)

    def _keymap_of_app(self) -> dict[str, KeyBinding]:
        return getattr(self.app, "keymap", {}) or {}

    async def _on_key(self, event: events.Key) -> None:
        if follow_the_focus(self, event):
            return
        binding_id = self._keys.get(event.key)
        if binding_id is None:
            if event.is_printable and event.character and event.key != "space":
                # typing: the text goes to the input line, and the keys with it
                event.stop()
                event.prevent_default()
                self._hand_over(event.character)
            return  # not ours: the app's bindings (Alt+N, F3, ...) get it
        event.stop()
        event.prevent_default()
        self.keys_handled += 1
        entry = self.current()
        if binding_id == "blog.up":
            self.move(-1)
        elif binding_id == "blog.down":
            self.move(1)
        elif binding_id == "blog.open":
            if self.opened is None:
                self._dispatch("show", entry)
        elif binding_id == "blog.back":
            self.back()
        elif binding_id == "blog.next_unread":
            self.next_unread()
        elif binding_id == "blog.edit":
            self._dispatch("edit", entry)
        elif binding_id == "blog.comment":
            self._dispatch("comment", entry)
        elif binding_id == "blog.delete":
            self.delete(entry)
        elif binding_id == "blog.command":
            self._hand_over("/")

    def on_click(self, event: events.Click) -> None:
        """A click on a row selects it; on the selected row, opens it."""
        if self.opened is not None or not self.rows:
            return
        index = self.scroll_offset.y + event.y - 1  # under the header
        if 0 <= index < len(self.rows):
            if index == self.cursor:
                self._dispatch("show", self.rows[index])
            self.cursor = index
            self.refresh()

    def _on_paste(self, event: events.Paste) -> None:
        # A paste is text, not keys: it never runs as the pane's keys.
        event.stop()
        event.prevent_default()


class Confirm(ModalScreen[bool]):
    """A yes/no question; its keys are the ``confirm`` scope of the key map."""

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: auto; max-width: 80%; height: auto; border: round $warning; padding: 1 2;
                         background: $surface; }
    """

    def __init__(self, question: str, keymap: dict[str, KeyBinding]) -> None:
        super().__init__()
        self.question = question
        self._keys: dict[str, str] = {}
        for binding_id in ("confirm.yes", "confirm.no"):
            binding = keymap.get(binding_id)
            keys = binding.keys if binding is not None else (("y",) if binding_id == "confirm.yes" else ("n", "escape"))
            for key in keys:
                self._keys[key] = binding_id

    def compose(self) -> ComposeResult:
        yes = "/".join(k for k, i in self._keys.items() if i == "confirm.yes")
        no = "/".join(k for k, i in self._keys.items() if i == "confirm.no")
        with Vertical():
            yield Static(Text(self.question))
            yield Static(Text(f"[{yes}] yes   [{no}] no", style="dim"))

    async def _on_key(self, event: events.Key) -> None:
        if follow_the_focus(self, event):
            return
        binding_id = self._keys.get(event.key)
        event.stop()
        event.prevent_default()
        if binding_id == "confirm.yes":
            self.dismiss(True)
        elif binding_id == "confirm.no":
            self.dismiss(False)
