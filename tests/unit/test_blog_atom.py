"""The Atom entry payload of XEP-0277 ⇄ the blog model: what Movim,
Libervia and the XEP itself write, and what we write for them."""

from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pytest

from tui.core.blog import CommentsLink
from tui.xmpp.blog.items import entry_from_item, new_atom
from tui.xmpp.blog.xep_0277 import (
    COMMENTS_PREFIX, AtomEntry, construct_text, format_time, parse_pubsub_uri, parse_time, pubsub_uri,
)
from tui.xmpp.blog.xhtml import html_text, xhtml_text

ATOM = "http://www.w3.org/2005/Atom"
PUBSUB = "http://jabber.org/protocol/pubsub"


def item(entry_xml: str, item_id: str = "i1", publisher: str | None = None) -> ET.Element:
    attrs = f' publisher="{publisher}"' if publisher else ""
    return ET.fromstring(f'<item xmlns="{PUBSUB}" id="{item_id}"{attrs}>{entry_xml}</item>')


MOVIM = f"""<entry xmlns="{ATOM}"><id>5d3e</id><title>Weekend</title>
<author><name>Timothée</name><uri>xmpp:edhelas@movim.eu</uri></author>
<link rel="alternate" href="xmpp:edhelas@movim.eu?;node=urn:xmpp:microblog:0;item=5d3e"/>
<link rel="replies" title="comments" href="xmpp:edhelas@movim.eu?;node=urn:xmpp:microblog:0:comments/5d3e"/>
<content type="text">Plain version</content>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Rich <b>version</b></p></div></content>
<published>2024-05-04T08:00:00+02:00</published><category term="weekend"/><category term=" "/>
<updated>2024-05-04T09:00:00+02:00</updated></entry>"""

LIBERVIA = f"""<entry xmlns="{ATOM}"><title type="text">Libervia post</title>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Only <em>XHTML</em></p></div></content>
<author><name>goffi</name><uri>xmpp:goffi@goffi.org</uri></author>
<updated>2024-01-02T03:04:05Z</updated><published>2024-01-02T03:04:05Z</published>
<category term="libervia" label="Libervia"/>
<id>xmpp:goffi@goffi.org?;node=urn%3Axmpp%3Amicroblog%3A0;item=abc</id>
<link href="xmpp:pubsub.goffi.org?;node=urn%3Axmpp%3Amicroblog%3A0%3Acomments%2Fabc" rel="replies" title="comments"/>
</entry>"""

XEP_EXAMPLE = f"""<entry xmlns="{ATOM}"><title type="text">hanging out at the Caf&#233; Napolitano</title>
<link rel="alternate" type="text/html" href="http://montague.lit/romeo/posts/1cb57d9c1f2d"/>
<id>tag:montague.lit,2008-05-08:posts-1cb57d9c1f2d</id>
<published>2008-05-08T18:30:02Z</published><updated>2008-05-08T18:30:02Z</updated></entry>"""


def test_movims_entry_prefers_the_text_content_and_its_own_pep_comments():
    entry = entry_from_item(item(MOVIM, "5d3e"), owner="edhelas@movim.eu")
    assert (entry.id, entry.title, entry.body) == ("5d3e", "Weekend", "Plain version")
    assert (entry.author, entry.author_name, entry.verified) == ("edhelas@movim.eu", "Timothée", True)
    assert entry.published == datetime(2024, 5, 4, 6, 0, tzinfo=timezone.utc)
    assert entry.updated == datetime(2024, 5, 4, 7, 0, tzinfo=timezone.utc) and entry.edited
    assert entry.categories == ("weekend",)
    assert entry.comments == CommentsLink("edhelas@movim.eu", COMMENTS_PREFIX + "5d3e")


def test_liberviass_xhtml_only_content_and_encoded_comments_link():
    entry = entry_from_item(item(LIBERVIA, "abc"), owner="goffi@goffi.org")
    assert (entry.title, entry.body) == ("Libervia post", "Only XHTML")
    assert entry.comments == CommentsLink("pubsub.goffi.org", COMMENTS_PREFIX + "abc")
    assert not entry.edited and entry.categories == ("libervia",)


def test_a_title_only_entry_is_a_short_post_whose_title_is_the_text():
    entry = entry_from_item(item(XEP_EXAMPLE), owner="romeo@montague.lit")
    assert (entry.title, entry.body) == ("", "hanging out at the Café Napolitano")
    assert entry.comments is None and entry.author_name == "" and entry.display_name == "romeo"


def test_the_pep_owner_is_the_author_whatever_the_entry_claims():
    forged = MOVIM.replace("xmpp:edhelas@movim.eu</uri>", "xmpp:admin@movim.eu</uri>")
    assert entry_from_item(item(forged), owner="mallory@evil.example").author == "mallory@evil.example"


@pytest.mark.parametrize("service, publisher, author, verified", [
    ("pubsub.movim.eu", None, "edhelas@movim.eu", False),  # only claimed
    ("pubsub.movim.eu", "edhelas@movim.eu/phone", "edhelas@movim.eu", True),  # its server vouches
    ("movim.eu", "edhelas@movim.eu", "edhelas@movim.eu", True),
    ("goffi@movim.eu", "edhelas@movim.eu", "edhelas@movim.eu", True),  # a PEP service of that server
    ("pubsub.movim.eu", "mallory@movim.eu", "mallory@movim.eu", True),  # the service says otherwise
    # a service of another server names someone it cannot know: a claim
    ("pubsub.evil.example", "edhelas@movim.eu", "edhelas@movim.eu", False),
    ("movim.eu.evil.example", "edhelas@movim.eu", "edhelas@movim.eu", False),
    ("evilmovim.eu", "edhelas@movim.eu", "edhelas@movim.eu", False),
    (None, "edhelas@movim.eu", "edhelas@movim.eu", False),
])
def test_a_comments_author_is_the_publisher_its_server_reports(service, publisher, author, verified):
    entry = entry_from_item(item(MOVIM, publisher=publisher), owner=None, service=service)
    assert (entry.author, entry.verified) == (author, verified)


def test_dates_fall_back_published_to_updated_and_missing_ones_to_now():
    only_updated = f'<entry xmlns="{ATOM}"><title>t</title><updated>2024-01-01T00:00:00Z</updated></entry>'
    entry = entry_from_item(item(only_updated), owner="a@b")
    assert entry.published == entry.updated == datetime(2024, 1, 1, tzinfo=timezone.utc)
    undated = entry_from_item(item(f'<entry xmlns="{ATOM}"><title>t</title></entry>'), owner="a@b")
    assert abs((undated.published - datetime.now(timezone.utc)).total_seconds()) < 5


def test_items_without_an_entry_or_an_id_are_not_entries():
    assert entry_from_item(item("<geoloc xmlns='http://jabber.org/protocol/geoloc'/>"), owner="a@b") is None
    assert entry_from_item(ET.fromstring(f'<item xmlns="{PUBSUB}">{XEP_EXAMPLE}</item>'), owner="a@b") is None


def test_what_we_publish_is_what_movim_and_libervia_read():
    when = datetime(2024, 6, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
    atom = new_atom(author="alice@example.org", name="Alice", service="alice@example.org",
                    node="urn:xmpp:microblog:0", item_id="x1", title="Title", body="Body", when=when)
    atom["terms"] = ["a", "b"]
    atom["replies"] = ("pubsub.example.org", COMMENTS_PREFIX + "x1")
    xml = atom.xml
    assert [(t.get("type"), t.text) for t in xml.findall(f"{{{ATOM}}}title")] == [("text", "Title")]
    assert [(c.get("type"), c.text) for c in xml.findall(f"{{{ATOM}}}content")] == [("text", "Body"), ("xhtml", None)]
    assert xml.findtext(f"{{{ATOM}}}author/{{{ATOM}}}uri") == "xmpp:alice@example.org"
    assert xml.findtext(f"{{{ATOM}}}published") == xml.findtext(f"{{{ATOM}}}updated") == "2024-06-01T12:00:00.250Z"
    assert xml.findtext(f"{{{ATOM}}}id") == "xmpp:alice@example.org?;node=urn%3Axmpp%3Amicroblog%3A0;item=x1"
    alternate, link = xml.findall(f"{{{ATOM}}}link")
    assert (alternate.get("rel"), alternate.get("href")) == ("alternate", xml.findtext(f"{{{ATOM}}}id"))
    assert (link.get("rel"), link.get("title")) == ("replies", "comments")  # both clients look for both
    assert link.get("href") == "xmpp:pubsub.example.org?;node=urn%3Axmpp%3Amicroblog%3A0%3Acomments%2Fx1"
    back = entry_from_item(item(ET.tostring(xml, encoding="unicode"), "x1"), owner="alice@example.org")
    assert (back.title, back.body, back.categories, back.published) == ("Title", "Body", ("a", "b"), when)
    assert back.comments == CommentsLink("pubsub.example.org", COMMENTS_PREFIX + "x1")


def test_a_post_without_title_goes_in_the_title_and_edits_replace_every_version():
    atom = AtomEntry(xml=ET.fromstring(MOVIM))
    atom.set_text("", "just text")
    assert [e.tag for e in atom.xml if e.tag in (f"{{{ATOM}}}title", f"{{{ATOM}}}content")] == [f"{{{ATOM}}}title"]
    assert atom.text() == ("", "just text")
    atom.set_text("T", "body")
    assert atom.text() == ("T", "body")
    assert [c.get("type") for c in atom.xml.findall(f"{{{ATOM}}}content")] == ["text"]  # the stale XHTML went


def test_xhtml_becomes_plain_text_without_markup_scripts_or_recursion_limits():
    div = ET.fromstring('<div xmlns="http://www.w3.org/1999/xhtml"><h1>Head</h1><p>a   b<br/>c '
                        '<a href="https://x.example/">x</a> <a href="https://y.example/">https://y.example/</a></p>'
                        '<script>alert(1)</script><style>p{}</style><ol><li>one</li><li>two</li></ol>'
                        '<img src="i.png" alt="cat"/><p>[b]literal[/b]</p></div>')
    assert xhtml_text(div) == ("Head\n\na b\nc x <https://x.example/> https://y.example/\n\n• one\n• two\n\n"
                               "[cat]\n\n[b]literal[/b]")
    deep = ET.fromstring("<div>" + "<span>" * 5000 + "deep" + "</span>" * 5000 + "</div>")
    assert xhtml_text(deep) == "deep"


def test_escaped_html_content_is_read_as_text():
    assert html_text("<p>Tom &amp; <b>Jerry</b></p><p>&lt;script&gt;</p>") == "Tom & Jerry\n\n<script>"
    content = ET.fromstring(f'<content xmlns="{ATOM}" type="html">&lt;i&gt;hi&lt;/i&gt; there</content>')
    assert construct_text([content]) == "hi there"


@pytest.mark.parametrize("href, parsed", [
    ("xmpp:pubsub.x?;node=urn%3Axmpp%3Amicroblog%3A0%3Acomments%2Fa", ("pubsub.x", COMMENTS_PREFIX + "a", None)),
    ("xmpp:Bob@X.org?;node=urn:xmpp:microblog:0;item=i%201", ("bob@x.org", "urn:xmpp:microblog:0", "i 1")),
    ("xmpp:pubsub.x?pubsub;action=subscribe;node=n", ("pubsub.x", "n", None)),
    ("https://pubsub.x/?;node=n", None),
    ("xmpp:pubsub.x", None),
    ("xmpp:?;node=n", None),
    ("xmpp:a@@b?;node=n", None),
])
def test_pubsub_uris(href, parsed):
    assert parse_pubsub_uri(href) == parsed


def test_pubsub_uris_round_trip():
    uri = pubsub_uri("pubsub.x", COMMENTS_PREFIX + "a;b", "it=em")
    assert parse_pubsub_uri(uri) == ("pubsub.x", COMMENTS_PREFIX + "a;b", "it=em")


@pytest.mark.parametrize("text, expected", [
    ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2024-01-02T03:04:05.5Z", datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=timezone.utc)),
    ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("yesterday", None),
    ("", None),
])
def test_dates(text, expected):
    assert parse_time(text) == expected


def test_dates_are_written_in_utc():
    when = datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone.utc).astimezone()
    assert format_time(when) == "2024-01-02T05:04:05Z"
