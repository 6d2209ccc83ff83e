"""The light markdown of blog entries → XHTML (built as elements), and the
entries Parlons writes with it: what Movim and Libervia read."""

from __future__ import annotations

import gc
import time
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pytest
from slixmpp.xmlstream import tostring

from tui.xmpp.blog.items import entry_from_item, new_atom
from tui.xmpp.blog.markdown import Span, inline, parse, span_text, to_xhtml
from tui.xmpp.blog.xep_0277 import COMMENTS_PREFIX, AtomEntry, set_alternate, write_text

XHTML = "http://www.w3.org/1999/xhtml"
ATOM = "http://www.w3.org/2005/Atom"
PUBSUB = "http://jabber.org/protocol/pubsub"


def shape(element: ET.Element) -> str:
    """The div's markup without namespace prefixes, for reading the tests."""
    return ET.tostring(element, encoding="unicode").replace("html:", "").replace(
        ' xmlns:html="http://www.w3.org/1999/xhtml"', "")


@pytest.mark.parametrize("text, xhtml", [
    ("one line", "<div><p>one line</p></div>"),
    ("a\nb\n\nc", "<div><p>a<br />b</p><p>c</p></div>"),
    ("*em* _em_ **strong** `code`",
     "<div><p><em>em</em> <em>em</em> <strong>strong</strong> <code>code</code></p></div>"),
    ("see [Parlons](https://example.org/a_(b)) or https://x.org/p.",
     '<div><p>see <a href="https://example.org/a_(b)">Parlons</a> or '
     '<a href="https://x.org/p">https://x.org/p</a>.</p></div>'),
    ("- one\n- two\n  continued\n\n1. first\n2) second",
     "<div><ul><li>one</li><li>two continued</li></ul><ol><li>first</li><li>second</li></ol></div>"),
    ("intro\n- item", "<div><p>intro</p><ul><li>item</li></ul></div>"),
    ("> said *this*\n> too\nafter", "<div><blockquote><p>said <em>this</em><br />too</p></blockquote><p>after</p></div>"),
    ("```\nx = *y*\n  <b>\n```\nafter", "<div><pre><code>x = *y*\n  &lt;b&gt;</code></pre><p>after</p></div>"),
    ("**bold _and em_**", "<div><p><strong>bold <em>and em</em></strong></p></div>"),
    ("2 * 3 * 4 snake_case_name", "<div><p>2 * 3 * 4 snake_case_name</p></div>"),
])
def test_light_markdown_becomes_xhtml(text, xhtml):
    assert shape(to_xhtml(text)) == xhtml


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script> &amp; <b>x</b>",
    '[x](https://e.org/"onmouseover="a) <![CDATA[ ]]>',
    "`</code><script>` **</strong>**",
])
def test_user_text_never_becomes_markup(text):
    div = to_xhtml(text)
    assert {e.tag.split("}")[1] for e in div.iter()} <= {"div", "p", "a", "code", "strong", "em"}
    assert not any(e.tag.endswith("script") or e.tag.endswith("b") for e in div.iter())
    # what goes on the wire parses back to the same text
    assert "".join(ET.fromstring(ET.tostring(div)).itertext()) == "".join(div.itertext())


@pytest.mark.parametrize("href", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "https://"])
def test_only_followable_links_become_links(href):
    div = to_xhtml(f"[click]({href})")
    assert div.find(f".//{{{XHTML}}}a") is None
    assert "".join(div.itertext()) == f"[click]({href})"


def test_links_read_as_text_with_their_url():
    assert span_text(inline("a [b](https://c.org/) https://d.org/")) == "a b <https://c.org/> https://d.org/"
    assert inline("x") == (Span("text", "x"),)


def test_an_unclosed_fence_runs_to_the_end_and_empty_text_is_no_block():
    assert parse("```\ncode") and parse("") == [] and parse("\n\n \n") == []


def _parse_cpu(small: str, large: str) -> tuple[float, float]:
    """CPU seconds to_xhtml takes on ``small`` and on ``large``, the least of
    three interleaved tries each, with the collector off: a slow spell of the
    host or a collection over the whole suite's heap then hits both sizes or
    neither, not the large one alone."""
    best = [float("inf"), float("inf")]
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            for i, text in enumerate((small, large)):
                started = time.process_time()
                to_xhtml(text)
                best[i] = min(best[i], time.process_time() - started)
    finally:
        if was_enabled:
            gc.enable()
    return best[0], best[1]


@pytest.mark.parametrize("prefix,unit,count", [
    ("", "*", 200_000), ("", "*a", 100_000), ("", "[", 100_000), ("", "[a](", 50_000), ("", "_a ", 100_000),
    ("", "`", 200_000), ("", "**a", 70_000), ("http://", "a", 300_000), ("", "> ", 100_000), ("", "- ", 100_000),
])
def test_parsing_stays_linear_on_pathological_text(prefix, unit, count):
    """Eight times the text takes about eight times the CPU; a quadratic
    parser sixty-four (and minutes at these sizes).  The bound sits between
    the two, at three times linear: once, with two tries and four times the
    text against a bound of 2.5 times linear, a slow spell made the large
    text take twelve times the small one's CPU."""
    small, large = _parse_cpu(prefix + unit * (count // 8), prefix + unit * count)
    assert large < 24 * small + 0.05, (small, large)


# -- the entries we write --------------------------------------------------------------------
WHEN = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_an_entry_with_a_body_carries_text_and_xhtml_content():
    atom = new_atom(author="alice@example.org", name="Alice", service="alice@example.org",
                    node="urn:xmpp:microblog:0", item_id="x1", title="Hello",
                    body="First *line*\n- a [link](https://example.org/)", when=WHEN)
    contents = atom.xml.findall(f"{{{ATOM}}}content")
    assert [c.get("type") for c in contents] == ["text", "xhtml"]
    assert contents[0].text == "First *line*\n- a [link](https://example.org/)"  # readable as it was typed
    wire = tostring(atom.xml)
    assert '<div xmlns="http://www.w3.org/1999/xhtml">' in wire  # as Movim looks for it
    back = ET.fromstring(wire)
    div = back.find(f"{{{ATOM}}}content[@type='xhtml']/{{{XHTML}}}div")
    assert shape(div) == ('<div><p>First <em>line</em></p><ul><li>a <a href="https://example.org/">link</a>'
                          '</li></ul></div>')
    [alternate] = [link for link in back.findall(f"{{{ATOM}}}link") if link.get("rel") == "alternate"]
    assert alternate.get("href") == "xmpp:alice@example.org?;node=urn%3Axmpp%3Amicroblog%3A0;item=x1"
    assert back.findtext(f"{{{ATOM}}}author/{{{ATOM}}}name") == "Alice"


def test_a_title_only_entry_and_a_comment_carry_no_content():
    atom = new_atom(author="a@b", name="a", service="pubsub.b", node=COMMENTS_PREFIX + "x", item_id="c1",
                    title="", body="nice *one*", when=WHEN)
    assert atom.xml.find(f"{{{ATOM}}}content") is None
    assert atom.text() == ("", "nice *one*")


def test_rewriting_replaces_every_content_and_the_alternate_link():
    atom = new_atom(author="a@b", name="a", service="a@b", node="n", item_id="i", title="T", body="old",
                    when=WHEN)
    write_text(atom, "T2", "new **text**")
    set_alternate(atom, "xmpp:a@b?;node=n;item=i")
    contents = atom.xml.findall(f"{{{ATOM}}}content")
    assert [(c.get("type"), "".join(c.itertext())) for c in contents] == [("text", "new **text**"),
                                                                          ("xhtml", "new text")]
    assert [link["href"] for link in atom["links"] if link["rel"] == "alternate"] == ["xmpp:a@b?;node=n;item=i"]


def test_what_we_write_reads_back_the_same():
    atom = new_atom(author="alice@example.org", name="Alice", service="alice@example.org",
                    node="urn:xmpp:microblog:0", item_id="x1", title="Hello", body="para *one*\n\npara two",
                    when=WHEN)
    atom["terms"] = ["xmpp", "tui"]
    item = ET.fromstring(f'<item xmlns="{PUBSUB}" id="x1">{tostring(atom.xml)}</item>')
    entry = entry_from_item(item, owner="alice@example.org")
    assert (entry.title, entry.body, entry.categories) == ("Hello", "para *one*\n\npara two", ("xmpp", "tui"))
    assert (entry.author_name, entry.published, entry.updated) == ("Alice", WHEN, WHEN)
    assert AtomEntry(xml=item[0]).text() == ("Hello", "para *one*\n\npara two")
