"""What a blog window shows, from the model: numbering, the timeline or one
blog, tags and words, unread entries, and when its activity rises."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tui.core.blog import Blogs, CommentsLink, Entry
from tui.core.blog_lines import BlogView, BlogWindows, commenter, headline, split_post
from tui.core.events import BlogChanged, EventBus
from tui.core.windows import Activity, Window, WindowKind, WindowList

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
ME, BOB, CAROL = "alice@example.org", "bob@example.org", "carol@example.org"


def entry(item_id: str, author: str, minutes: int, body: str = "", title: str = "", tags=(),
          comments: CommentsLink | None = None) -> Entry:
    when = T0 + timedelta(minutes=minutes)
    return Entry(item_id, author, when, when, body=body, title=title, categories=tuple(tags), comments=comments)


def view() -> BlogView:
    return BlogView(Window(5, "blog", WindowKind.BLOG, account=ME, target="blog"), ME)


def test_split_post_takes_the_first_line_as_title():
    assert split_post("  hello world\nsecond\nthird  ") == ("hello world", "second\nthird")
    assert split_post("just a title") == ("just a title", "")


def test_headline_is_the_title_or_the_first_line():
    assert headline(entry("x", BOB, 0, body="first\nsecond")) == "first"
    assert headline(entry("x", BOB, 0, body="text", title="Title")) == "Title"
    assert headline(entry("x", BOB, 0)) == "(empty)"


def test_numbers_stay_with_their_entries_as_new_ones_arrive():
    blogs, shown = Blogs(ME), view()
    blogs.put(BOB, entry("b1", BOB, 1, title="first"))
    blogs.put(ME, entry("a1", ME, 2, title="mine"))
    assert shown.update(blogs)  # bob's entry is new here (ours would not count)
    assert [(shown.number_of(e), e.id) for e in shown.rows(blogs)] == [(2, "a1"), (1, "b1")]  # newest first
    blogs.put(BOB, entry("b0", BOB, 0, title="older, read late"))
    assert shown.update(blogs)
    assert [shown.number_of(e) for e in shown.rows(blogs)] == [2, 1, 3]
    assert shown.entry(blogs, 1).id == "b1" and shown.entry(blogs, 3).id == "b0" and shown.entry(blogs, 9) is None
    blogs.put(ME, entry("a2", ME, 3, title="mine again"))
    assert not shown.update(blogs)  # ours: nothing to call attention to


def test_one_blog_a_tag_or_words_narrow_the_list():
    blogs, shown = Blogs(ME), view()
    blogs.put(BOB, entry("b1", BOB, 1, title="FOSDEM trip", tags=("XMPP", "travel")))
    blogs.put(BOB, entry("b2", BOB, 2, title="cooking", body="a recipe"))
    blogs.put(CAROL, entry("c1", CAROL, 3, title="xmpp news", tags=("xmpp",)))
    shown.set_filter(author=BOB)
    assert [e.id for e in shown.rows(blogs)] == ["b2", "b1"] and shown.describe() == BOB
    shown.set_filter(tag="xmpp")  # case-insensitive, the whole tag
    assert [e.id for e in shown.rows(blogs)] == ["c1", "b1"] and shown.describe() == "timeline · tag xmpp"
    shown.set_filter(author=BOB, tag="xmpp")
    assert [e.id for e in shown.rows(blogs)] == ["b1"]
    shown.set_filter(search="RECIPE cooking")  # every word, anywhere in the entry
    assert [e.id for e in shown.rows(blogs)] == ["b2"]
    shown.set_filter(search="recipe fosdem")
    assert shown.rows(blogs) == []
    shown.set_filter()
    assert len(shown.rows(blogs)) == 3


def test_unread_until_opened_and_ours_never():
    blogs, shown = Blogs(ME), view()
    blogs.put(BOB, entry("b1", BOB, 1, title="hi"))
    blogs.put(ME, entry("a1", ME, 2, title="mine"))
    shown.update(blogs)
    assert shown.unread_count(blogs) == 1
    bobs = blogs.entry(BOB, "b1")
    state = shown.state
    shown.open(bobs)
    assert shown.shown(blogs) is bobs and not shown.is_unread(bobs) and shown.state > state
    shown.close()
    assert shown.shown(blogs) is None and shown.unread_count(blogs) == 0


def test_an_open_entry_that_is_retracted_goes_back_to_the_list():
    blogs, shown = Blogs(ME), view()
    blogs.put(BOB, entry("b1", BOB, 1, title="hi"))
    shown.open(blogs.entry(BOB, "b1"))
    blogs.retract(BOB, "b1")
    assert shown.shown(blogs) is None and shown.showing is None


def test_a_new_comment_from_someone_else_calls_attention_ours_does_not():
    link = CommentsLink("pubsub.example.org", "urn:xmpp:microblog:0:comments/a1")
    blogs, shown = Blogs(ME), view()
    blogs.put(ME, entry("a1", ME, 1, title="mine", comments=link))
    blogs.replace_comments(link, [entry("c1", BOB, 2, body="first")])
    shown.update(blogs)
    blogs.put_comment(link, entry("c2", ME, 3, body="thanks"))
    assert not shown.update(blogs)
    blogs.put_comment(link, entry("c3", BOB, 4, body="you're welcome"))
    assert shown.update(blogs)


def test_the_window_activity_rises_to_the_configured_level():
    bus = EventBus()
    windows = WindowList(bus)
    blogs = Blogs(ME)
    blog_windows = BlogWindows(windows, bus, lambda _jid: blogs)
    view_ = blog_windows.open(ME, "blog")
    windows.switch(1)  # the status window: the blog window is not in view
    blogs.put(BOB, entry("b1", BOB, 1, title="hi"))
    bus.emit(BlogChanged(ME, frozenset({BOB})))
    assert view_.window.activity is Activity.MESSAGES
    view_.window.activity = Activity.NONE
    blog_windows.activity = Activity.EVENTS
    blogs.put(BOB, entry("b2", BOB, 2, title="again"))
    bus.emit(BlogChanged(ME, frozenset({BOB})))
    assert view_.window.activity is Activity.EVENTS
    assert blog_windows.view_of(view_.window) is view_ and blog_windows.view_of(windows.status) is None


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
