"""The blog pane's text (screens/widgets/blog_pane.py) from the model, without
an app: rows and an opened entry as styled text, bounded, never markup."""

from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from rich.console import Console

from screens.widgets.blog_pane import MAX_CONTENT_LINES, entry_lines, row_text
from tui.core.blog import Blogs, CommentsLink, Entry, EntryLink
from tui.core.blog_lines import BlogView
from tui.core.windows import Window, WindowKind
from tui.xmpp.blog.xhtml import html_blocks, xhtml_blocks

ME, BOB = "alice@example.org", "bob@example.org"
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
CONSOLE = Console(width=60, color_system=None)


def view() -> BlogView:
    return BlogView(Window(5, "blog", WindowKind.BLOG, account=ME, target="blog"), ME)


def lines(entry: Entry, blogs: Blogs | None = None) -> list[str]:
    blogs = blogs or Blogs(ME)
    blogs.put(entry.author, entry)
    return [t.plain for t in entry_lines(CONSOLE, entry, blogs, 60)]


def test_a_row_says_unread_number_date_author_title_tags_and_comments():
    blogs, shown = Blogs(ME), view()
    link = CommentsLink("pubsub.example.org", "urn:xmpp:microblog:0:comments/b1")
    entry = Entry("b1", BOB, T0, T0, title="[b]Hi[/b]", author_name="Bob", categories=("a", "b"), comments=link)
    blogs.put(BOB, entry)
    blogs.replace_comments(link, [Entry("c1", ME, T0, T0, body="x", verified=True)])
    shown.update(blogs)
    text = row_text(shown, blogs, entry)
    assert text.plain == f"● #1   {T0.astimezone():%Y-%m-%d %H:%M}  Bob  [b]Hi[/b]  #a #b  [1 comment]"
    assert not text.spans or all(span.style for span in text.spans)  # styles are ours, the title is data


def test_an_opened_entry_shows_its_parts_in_order_with_quotes_lists_and_links():
    rich = xhtml_blocks(ET.fromstring(
        '<div xmlns="http://www.w3.org/1999/xhtml"><h1>Head</h1><p>Text with a '
        '<a href="https://example.org/x">link</a></p><blockquote><p>quoted</p></blockquote>'
        '<ul><li>one</li><li>two which is long enough to wrap onto a second line of the pane for sure</li></ul>'
        '<pre>code  line</pre></div>'))
    entry = Entry("b1", BOB, T0, T0.replace(hour=13), title="Title", body="plain", author_name="Bob",
                  categories=("t",), rich=rich,
                  links=(EntryLink("related", "xmpp:carol@example.org?;item=1", "Carol's"),
                         EntryLink("enclosure", "https://example.org/a.ogg", "", "audio/ogg", 2048)))
    shown = lines(entry)
    assert shown[:4] == ["Title", f"by Bob <{BOB}>",
                         f"published {T0.astimezone():%Y-%m-%d %H:%M} · updated "
                         f"{T0.replace(hour=13).astimezone():%Y-%m-%d %H:%M}", "tags: #t"]
    content = shown[5:]
    assert content[:8] == ["Head", "", "Text with a link <https://example.org/x>", "", "│ quoted", "",
                           "• one", "• two which is long enough to wrap onto a second line of the"]
    assert content[8] == "  pane for sure" and "    code  line" in content
    assert "Shares: Carol's <xmpp:carol@example.org?;item=1>" in shown
    assert "Attached: <https://example.org/a.ogg> (audio/ogg, 2.0 KB)" in shown
    assert shown[-1] == "This entry takes no comments"


def test_a_very_long_entry_shows_a_bounded_number_of_lines():
    entry = Entry("big", BOB, T0, T0, title="Big", rich=html_blocks("x<br>" * 40_000))
    shown = lines(entry)
    assert len(shown) < MAX_CONTENT_LINES + 20 and "[…] (too long to show in full)" in shown
