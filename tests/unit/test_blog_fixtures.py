"""Entries as Movim, Libervia and Converse publish them (tests/fixtures/blog/):
each is read into the model as a reader expects, and survives the trip
entry → stanza → entry through what Parlons writes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tui.core.blog import Block, CommentsLink, Entry, EntryLink
from tui.xmpp.blog.items import entry_from_item, new_atom
from tui.xmpp.blog.xep_0277 import COMMENTS_PREFIX

FIXTURES = Path(__file__).parent.parent / "fixtures" / "blog"
PUBSUB = "http://jabber.org/protocol/pubsub"


def read(name: str, owner: str | None = "owner@example.org", item_id: str = "item-1") -> Entry:
    xml = (FIXTURES / name).read_text(encoding="utf-8")
    item = ET.fromstring(f'<item xmlns="{PUBSUB}" id="{item_id}">{xml}</item>')
    entry = entry_from_item(item, owner=owner, service="pubsub.example.org")
    assert entry is not None
    return entry


def utc(*args) -> datetime:
    return datetime(*args).replace(tzinfo=timezone.utc)


def kinds(blocks: tuple[Block, ...]) -> list[tuple[str, str]]:
    return [(b.kind, b.plain()) for b in blocks]


def styled(blocks: tuple[Block, ...], style: str) -> list[str]:
    return [run.text for b in blocks for run in b.runs if style in run.styles]


def test_movim_text_and_xhtml_reads_the_text_as_body_and_the_xhtml_as_its_looks():
    entry = read("movim_xhtml.xml")
    assert (entry.title, entry.body) == ("Back from FOSDEM", "What a weekend. Talks: XMPP, Movim")
    assert (entry.author, entry.author_name) == ("owner@example.org", "Timothée")
    assert (entry.published, entry.updated) == (utc(2024, 2, 5, 9, 12), utc(2024, 2, 5, 10))
    assert entry.categories == ("fosdem", "xmpp")
    assert entry.comments == CommentsLink("tim@movim.example", COMMENTS_PREFIX + "fosdem-2024")  # not encoded
    assert kinds(entry.rich) == [
        ("heading", "What a weekend"), ("paragraph", "Talks I loved, in no order:"),
        ("item", "XMPP at scale"), ("item", "Movim roadmap <https://movim.eu/>"),
        ("paragraph", "Decentralise all the things"), ("code", "make demo")]
    assert entry.rich[0].level == 2 and entry.rich[2].marker == "• " and entry.rich[4].quote == 1
    assert styled(entry.rich, "bold") == ["loved"] and styled(entry.rich, "italic") == ["no"]
    assert styled(entry.rich, "link") == ["roadmap"] and styled(entry.rich, "url") == [" <https://movim.eu/>"]


def test_libervia_xhtml_only_gives_the_body_as_plain_text_and_images_as_alt_and_url():
    entry = read("libervia_xhtml_only.xml")
    assert entry.title == "Libervia 0.9 is out"
    assert "ActivityPub" in entry.body and "<em>" not in entry.body
    assert entry.categories == ("libervia", "release")
    assert entry.comments == CommentsLink("pubsub.libervia.example", COMMENTS_PREFIX + "libervia-0-9")
    assert kinds(entry.rich) == [
        ("paragraph", "A new release with ActivityPub gateway and li CLI."),
        ("paragraph", "[Libervia logo] <https://libervia.example/logo.png>"),
        ("item", "gateway"), ("item", "calls")]
    assert [b.marker for b in entry.rich[2:]] == ["1. ", "2. "]
    assert styled(entry.rich, "code") == ["li"] and styled(entry.rich, "image") == ["[Libervia logo]"]


def test_converse_title_only_note_is_a_short_post():
    entry = read("converse_text_only.xml")
    assert (entry.title, entry.body) == ("", "Just a short note from Converse")
    assert entry.rich == () and entry.comments is None
    assert entry.published == utc(2023, 11, 20, 18, 0, 0, 123000)


def test_an_entry_without_a_title_keeps_its_text():
    entry = read("no_title.xml")
    assert (entry.title, entry.body) == ("", "An entry that has a text but no title at all")
    assert entry.published == utc(2024, 3, 1, 11)


def test_an_author_without_a_name_is_shown_by_the_local_part_of_the_jid():
    entry = read("author_without_name.xml", owner=None)
    assert (entry.author, entry.author_name, entry.display_name) == ("anon@example.org", "", "anon")
    assert not entry.verified  # a claim, not what a service vouched for


def test_a_libervia_repost_shows_what_it_shares_and_where_it_was_found():
    entry = read("libervia_repost.xml")
    assert entry.links == (
        EntryLink("related", "xmpp:goffi@libervia.example?;node=urn%3Axmpp%3Amicroblog%3A0;item=libervia-0-9",
                  "Libervia 0.9 is out"),
        EntryLink("via", "xmpp:goffi@libervia.example?;node=urn%3Axmpp%3Amicroblog%3A0"))  # alternate is not shown


def test_a_movim_enclosure_is_a_file_with_its_type_and_size():
    entry = read("movim_enclosure.xml")
    assert entry.links[0] == EntryLink("enclosure", "https://upload.movim.example/sunset.jpg", "sunset.jpg",
                                       "image/jpeg", 482113)
    assert entry.links[1].rel == "related" and entry.links[1].href == "https://example.org/article"
    assert (entry.title, entry.body) == ("Sunset", "From the balcony")


def test_escaped_html_is_read_without_its_markup_or_scripts():
    entry = read("escaped_html.xml")
    assert entry.title == "Escaped HTML title"
    assert entry.body == "An old client wrote this <https://example.org/html>"
    assert kinds(entry.rich) == [("paragraph", "An old client wrote this <https://example.org/html>")]
    assert styled(entry.rich, "bold") == ["old"]
    assert "alert" not in entry.body + "".join(b.plain() for b in entry.rich)


def test_the_xep_example_reads_as_a_title_only_entry():
    entry = read("xep_0277_example.xml")
    assert (entry.title, entry.body) == ("", "hanging out at the Café Napolitano")
    assert entry.author_name == "Romeo Montague" and entry.links == ()


def test_a_xep_0472_entry_with_both_contents():
    entry = read("xep_0472_feed_entry.xml")
    assert entry.body == "XEP-0472 says how to publish social feeds."
    assert styled(entry.rich, "bold") == ["social feeds"]
    assert entry.comments == CommentsLink("pubsub.capulet.lit", COMMENTS_PREFIX + "xep-0472-1")
    assert entry.edited


def test_a_movim_comment_is_read_as_its_claimed_author_when_the_service_names_nobody():
    comment = read("movim_comment.xml", owner=None)
    assert (comment.author, comment.body, comment.verified) == ("anna@movim.example", "Great talk!", False)


FIXTURE_NAMES = sorted(path.name for path in FIXTURES.glob("*.xml"))


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_round_trip_entry_stanza_entry(name):
    """What Parlons writes of an entry reads back as the same entry: id, title,
    text, author and name, dates, categories, comments node."""
    entry = read(name)
    atom = new_atom(author=entry.author, name=entry.author_name, service=entry.author,
                    node="urn:xmpp:microblog:0", item_id=entry.id, title=entry.title, body=entry.body,
                    when=entry.published)
    atom["updated"] = entry.updated
    atom["terms"] = list(entry.categories)
    if entry.comments is not None:
        atom["replies"] = (entry.comments.service, entry.comments.node)
    stanza = ET.fromstring(f'<item xmlns="{PUBSUB}" id="{entry.id}">{ET.tostring(atom.xml, encoding="unicode")}</item>')
    again = entry_from_item(stanza, owner=entry.author)
    assert again is not None
    fields = ("id", "author", "author_name", "title", "body", "published", "updated", "categories", "comments")
    assert {f: getattr(again, f) for f in fields} == {f: getattr(entry, f) for f in fields}


def test_every_fixture_is_tested():
    assert len(FIXTURE_NAMES) >= 10
