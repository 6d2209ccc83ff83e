"""The blog model: feeds indexed by item id, newest first, versions that
move only with changes, pages that reconcile, untrusted text as data."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from tui.core.blog import Blogs, CommentsLink, Entry, Feed
from tui.core.events import BlogChanged, EventBus
from tui.core.windows import WindowList
from tui.xmpp.blog.service import BlogService
from tui.xmpp.account.session import AccountSession, ConnectionSettings

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def entry(item_id: str, minutes: int = 0, body: str = "text", **fields) -> Entry:
    when = T0 + timedelta(minutes=minutes)
    return Entry(id=item_id, author=fields.pop("author", "alice@example.org"), published=when,
                 updated=fields.pop("updated", when), body=body, **fields)


def test_a_feed_is_newest_first_and_an_edit_replaces_by_id():
    feed = Feed()
    for item_id, minutes in (("b", 2), ("a", 1), ("c", 3)):
        assert feed.put(entry(item_id, minutes))
    assert [e.id for e in feed.newest_first()] == ["c", "b", "a"]
    assert [e.id for e in feed.oldest_first()] == ["a", "b", "c"]
    version = feed.version
    assert not feed.put(entry("b", 2))  # the same again: nothing moved
    assert feed.version == version
    assert feed.put(entry("b", 2, body="edited", updated=T0 + timedelta(hours=1)))
    assert len(feed) == 3 and feed.get("b").body == "edited" and feed.get("b").edited
    assert [e.id for e in feed] == ["c", "b", "a"]  # order by publication, not by edit


def test_the_newest_page_drops_entries_retracted_meanwhile_but_not_older_ones():
    feed = Feed()
    for item_id, minutes in (("old", 1), ("mid", 2), ("gone", 3), ("new", 4)):
        feed.put(entry(item_id, minutes))
    feed.merge_page([entry("mid", 2), entry("new", 4), entry("newest", 5)], newest=True, complete=False)
    assert [e.id for e in feed] == ["newest", "new", "mid", "old"]
    assert not feed.complete
    feed.merge_page([entry("older", 0)], newest=False, complete=True)
    assert [e.id for e in feed][-1] == "older" and feed.complete
    feed.merge_page([entry("new", 4)], newest=True, complete=True)  # all there is
    assert [e.id for e in feed] == ["new"]


def test_blogs_version_moves_with_every_change_and_only_then():
    blogs = Blogs("me@example.org")
    assert blogs.put("Alice@Example.org", entry("a", 1))
    assert blogs.feed("alice@example.org").get("a") is not None
    version = blogs.version
    assert not blogs.put("alice@example.org", entry("a", 1))
    assert blogs.retract("alice@example.org", "nope") is None
    assert blogs.retract("bob@example.org", "a") is None
    assert blogs.version == version
    assert blogs.retract("alice@example.org", "a").id == "a"
    assert blogs.version == version + 1
    assert blogs.authors() == []
    link = CommentsLink("pubsub.example.org", "urn:xmpp:microblog:0:comments/a")
    blogs.put_comment(link, entry("c1", 5, author="bob@example.org"))
    assert [c.id for c in blogs.comments(link).oldest_first()] == ["c1"]
    assert blogs.version == version + 2
    blogs.replace_comments(link, [])
    assert len(blogs.comments(link)) == 0 and blogs.comments(None) is None


def test_untrusted_text_enters_the_model_as_plain_data():
    hostile = entry("h", body="[b]x[/b]\x1b]0;title\x07 \x9b31m\u202eevil\r\nline two\x00",
                    title="[link=https://evil]t[/link]\n\u2066x", author_name="[red]me[/red]\x85",
                    categories=("[i]tag[/i]\x7f", "", "[i]tag[/i]"), author="Mallory@Evil.example")
    assert hostile.body == "[b]x[/b]\u241b]0;title 31mevil\nline two"
    assert hostile.title == "[link=https://evil]t[/link] x"
    assert hostile.author_name == "[red]me[/red]"
    assert hostile.categories == ("[i]tag[/i]",)
    assert hostile.author == "mallory@evil.example"


def test_an_entry_never_claims_an_update_before_its_publication():
    early = entry("e", 10, updated=T0)
    assert early.updated == early.published and not early.edited


async def test_the_service_says_blog_changes_once_per_turn_of_the_loop():
    bus = EventBus()
    seen: list[BlogChanged] = []
    bus.subscribe(BlogChanged, seen.append)
    session = AccountSession(ConnectionSettings(jid="me@example.org", password="x"), WindowList(bus), bus)
    service = BlogService(session, session.windows, bus)
    for author in ("a@example.org", "b@example.org", "a@example.org"):
        service.touched(author)
    assert seen == []
    await asyncio.sleep(0)  # one turn of the loop
    assert [(e.account, e.authors) for e in seen] == [
        ("me@example.org", frozenset({"a@example.org", "b@example.org"}))]
    service.touched("c@example.org")
    await asyncio.sleep(0)
    assert len(seen) == 2 and service.changes_emitted == 2


def test_a_thread_that_could_not_be_read_says_why_until_it_is_read():
    blogs = Blogs("alice@example.org")
    link = CommentsLink("pubsub.example.org", "urn:xmpp:microblog:0:comments/x")
    version = blogs.version
    blogs.comments_unreadable(link, "cannot read the comments: item-not-found\x1b[2J")
    assert blogs.unreadable(link) == "cannot read the comments: item-not-found\u241b[2J" and blogs.version > version
    blogs.replace_comments(link, [])
    assert blogs.unreadable(link) is None and blogs.comments(link) is not None
