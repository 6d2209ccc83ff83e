"""(X)HTML → text is linear and bounded (tui/xmpp/xhtml_text.py): hostile
shapes that were quadratic (every break joined all the text so far; nested
links joined their text at every level; the standard library's HTMLParser on
unclosed constructs) take a bounded time, the text a bounded size, and no
input raises."""

from __future__ import annotations

import gc
import time
from xml.etree import ElementTree as ET

import pytest

from tui.xmpp.blog.xhtml import (
    MAX_BLOCKS, MAX_DEPTH, MAX_HTML_CHARS, MAX_TEXT_CHARS, TRUNCATED, html_blocks, html_text, xhtml_blocks, xhtml_text,
)

# CPU seconds of this thread (not wall time: a loaded machine stretches that
# tenfold, and the full suite once failed so), for inputs the linear versions
# read in ~0.05 s and the quadratic ones took 5 s to minutes on
BOUND = 0.5
XHTML = '<div xmlns="http://www.w3.org/1999/xhtml">{}</div>'


def cpu_seconds(work, *args):
    """(``work(*args)``, the CPU seconds this thread spent in it) — without a
    garbage collection pass, whose cost is the whole process's heap (a full
    suite's leftovers: once 1 s), not the work's."""
    gc.collect()
    gc.disable()
    try:
        start = time.thread_time()
        result = work(*args)
        return result, time.thread_time() - start
    finally:
        gc.enable()


def timed(convert, value) -> str:
    text, took = cpu_seconds(convert, value)
    assert took < BOUND, f"{took:.2f} s"
    assert len(text) <= MAX_TEXT_CHARS + len(TRUNCATED)
    return text


@pytest.mark.parametrize("name, markup", [
    ("breaks", "x<br/>" * 32000),  # 5.9 s before
    ("nested links", '<a href="h">x' * 30000 + "</a>" * 30000),
    ("nested blocks", "<div>" * 20000 + "deep" + "</div>" * 20000),
    ("paragraphs", "<p>x</p>" * 30000),
])
def test_hostile_xhtml_is_read_in_bounded_time(name, markup):
    text = timed(xhtml_text, ET.fromstring(XHTML.format(markup)))
    assert text.strip()


def test_long_text_is_cut_and_says_so():
    text = xhtml_text(ET.fromstring(XHTML.format("x<br/>" * 32000)))
    assert text.endswith(TRUNCATED) and text.startswith("x\nx\n")
    assert len(text) == MAX_TEXT_CHARS + len(TRUNCATED) - 1  # the last "\n" before the marker is stripped
    assert xhtml_text(ET.fromstring(XHTML.format("<p>short</p>"))) == "short"


def test_below_the_depth_limit_a_subtree_is_bare_text():
    deep = "<ul><li>" * MAX_DEPTH + "<script>inner</script>" + "</li></ul>" * MAX_DEPTH
    text = xhtml_text(ET.fromstring(XHTML.format("<p>top</p>" + deep)))
    assert text.startswith("top\n\n•") and text.endswith("inner")


@pytest.mark.parametrize("unit", [
    '<a b="',  # 200 s for 240 KB in the standard library's HTMLParser
    "<!--", "<?", "</", "<a", "<![CDATA[", "< ", "&#1", "x<br>", '<a href="x">y</a>', "<p>x ",
])
def test_hostile_html_is_read_in_bounded_time(unit):
    timed(html_text, unit * (MAX_HTML_CHARS // len(unit) + 1000))


def test_huge_character_references_do_not_raise():
    # int() of thousands of digits raised ValueError out of html.unescape
    assert html_text("a&#" + "1" * 5000 + ";b") == "a\ufffdb"
    assert html_text("&#x" + "f" * 5000 + ";") == "\ufffd"
    assert html_text("&#0000065;&#x41;&#128512;&#1114112;") == "AA\U0001f600\ufffd"


def test_html_markup_never_survives():
    assert html_text('<p>Tom &amp; <b>Jerry</b></p><script>x="</p>"</script><style>p{}</style>'
                     '<a href="https://x.example/" title="a>b">link</a> <img alt="cat" src="c.png">'
                     '<!-- hidden --><unclosed attr="') == "Tom & Jerry\n\nlink <https://x.example/> [cat]"


# -- the same, kept with its looks (the blog pane's content) ------------------------------
# Keeping the looks costs about twice the plain text (~0.13 s CPU for the worst
# shape here); a quadratic version takes many seconds. One full run under load
# once took more than 0.5 s of CPU: the bound leaves room for that.
BLOCKS_BOUND = 2 * BOUND


def blocks_size(blocks) -> int:
    return sum(len(block.plain()) for block in blocks)


@pytest.mark.parametrize("name, markup", [
    ("breaks", "x<br/>" * 32000),
    ("styled runs", "<b>x</b><i>y</i>" * 30000),
    ("one long run", "<p>" + "x " * 200_000 + "</p>"),
    ("nested links", '<a href="h">x' * 30000 + "</a>" * 30000),
    ("nested blocks", "<blockquote>" * 20000 + "deep" + "</blockquote>" * 20000),
    ("paragraphs", "<p>x</p>" * 30000),
    ("list items", "<ul>" + "<li>x</li>" * 30000 + "</ul>"),
])
def test_hostile_xhtml_blocks_are_read_in_bounded_time_and_size(name, markup):
    blocks, took = cpu_seconds(xhtml_blocks, ET.fromstring(XHTML.format(markup)))
    assert took < BLOCKS_BOUND, f"{took:.2f} s"
    assert blocks and blocks_size(blocks) <= MAX_TEXT_CHARS + len(TRUNCATED)
    assert len(blocks) <= MAX_BLOCKS + 1  # and the "[…]" that says so


@pytest.mark.parametrize("unit", ['<a b="', "<!--", "<p>x ", "x<br>", "<li>x", "<b>x</b>"])
def test_hostile_html_blocks_are_read_in_bounded_time(unit):
    blocks, took = cpu_seconds(html_blocks, unit * (MAX_HTML_CHARS // len(unit) + 1000))
    assert took < BLOCKS_BOUND, f"{took:.2f} s"
    assert blocks_size(blocks) <= MAX_TEXT_CHARS + len(TRUNCATED) and len(blocks) <= MAX_BLOCKS + 1


def test_blocks_keep_the_looks_and_drop_the_markup():
    blocks = html_blocks('<h3>Title</h3><p>Tom &amp; <b>Jerry</b> <code>x()</code></p><script>evil()</script>'
                         '<blockquote><p>quoted <i>words</i></p></blockquote><ol><li>one<ul><li>sub</li></ul>'
                         '</li></ol><pre>  keep\n  spacing</pre><hr><img alt="cat" src="c.png">')
    assert [(b.kind, b.plain()) for b in blocks] == [
        ("heading", "Title"), ("paragraph", "Tom & Jerry x()"), ("paragraph", "quoted words"),
        ("item", "one"), ("item", "sub"), ("code", "  keep\n  spacing"), ("rule", ""),
        ("paragraph", "[cat] <c.png>")]
    assert blocks[0].level == 3 and blocks[2].quote == 1
    assert (blocks[3].marker, blocks[3].indent, blocks[4].marker, blocks[4].indent) == ("1. ", 0, "• ", 1)
    assert [(r.text, r.styles) for r in blocks[1].runs] == [
        ("Tom & ", frozenset()), ("Jerry", {"bold"}), (" ", frozenset()), ("x()", {"code"})]
