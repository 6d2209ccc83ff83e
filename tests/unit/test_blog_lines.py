"""The blog window's lines from the model: numbering, previews, one entry in full."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.core.blog import Blogs, Entry
from tui.core.blog_lines import BlogView, commenter, split_post, summary_text
from tui.core.model import LineKind
from tui.core.windows import Window, WindowKind

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def entry(item_id: str, author: str, minutes: int, body: str = "", title: str = "") -> Entry:
    when = T0 + timedelta(minutes=minutes)
    return Entry(item_id, author, when, when, body=body, title=title)


def view() -> BlogView:
    return BlogView(Window(5, "blog", WindowKind.BLOG, target="blog"), "alice@example.org")


def test_split_post_takes_the_first_line_as_title():
    assert split_post("  hello world\nsecond\nthird  ") == ("hello world", "second\nthird")
    assert split_post("just a title") == ("just a title", "")


def test_numbers_stay_with_their_entries_as_new_ones_arrive():
    blogs, shown = Blogs("alice@example.org"), view()
    blogs.put("bob@example.org", entry("b1", "bob@example.org", 1, title="first"))
    blogs.put("alice@example.org", entry("a1", "alice@example.org", 2, title="mine"))
    lines, fresh = shown.build(blogs)
    assert fresh  # bob's entry is new here (ours would not ring)
    assert [l.body.split(" — ")[0] for l in lines] == ["#2 alice", "#1 bob"]  # newest first
    assert [l.kind for l in lines] == [LineKind.OUTGOING, LineKind.INCOMING]
    blogs.put("bob@example.org", entry("b0", "bob@example.org", 0, title="older, read late"))
    lines, fresh = shown.build(blogs)
    assert fresh and [l.body.split(" — ")[0] for l in lines] == ["#2 alice", "#1 bob", "#3 bob"]
    assert shown.entry(blogs, 1).id == "b1" and shown.entry(blogs, 3).id == "b0"
    assert shown.entry(blogs, 9) is None


def test_preview_shows_a_few_lines_and_an_untitled_entry_uses_its_first_line():
    blogs = Blogs("alice@example.org")
    long = entry("x", "bob@example.org", 1, body="\n".join(f"line {n}" for n in range(1, 7)))
    text = summary_text(4, long, blogs)
    assert text.splitlines() == ["#4 bob — line 1", "  line 2", "  line 3", "  line 4", "  …"]


def test_showing_one_entry_then_the_list_again():
    blogs, shown = Blogs("alice@example.org"), view()
    blogs.put("bob@example.org", entry("b1", "bob@example.org", 1, title="[b]hi[/b]", body="text"))
    shown.build(blogs)
    shown.showing = ("bob@example.org", "b1")
    lines, _ = shown.build(blogs)
    assert lines[0].body.startswith("#1 bob <bob@example.org> — [b]hi[/b]") and "text" in lines[0].body
    assert lines[1].body == "This entry takes no comments"
    blogs.retract("bob@example.org", "b1")  # gone: back to the list, which is empty
    lines, _ = shown.build(blogs)
    assert shown.showing is None and lines[0].body.startswith("No blog entries yet")


def test_a_comments_author_shows_verified_or_visibly_not():
    def comment(author: str, name: str, verified: bool) -> Entry:
        return Entry("c", author, T0, T0, body="hi", author_name=name, verified=verified)

    assert commenter(comment("alice@example.org", "", True)) == "alice"
    assert commenter(comment("alice@example.org", "alice", True)) == "alice"
    # a name of its own choosing never hides who it is
    assert commenter(comment("mallory@example.org", "Alice", True)) == "Alice (mallory@example.org)"
    # only claimed: the claimed JID, marked, and never the claimed name
    assert commenter(comment("alice@example.org", "Alice", False)) == "? alice@example.org (unverified)"
    assert commenter(comment("", "Alice", False)) == "? unknown (unverified)"
