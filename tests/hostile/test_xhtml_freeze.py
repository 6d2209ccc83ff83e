"""A contact's blog entry built to freeze the reader: a real peer publishes
it to its microblog node, alice reads it, and a loop-lag probe measures the
longest the event loop stalled meanwhile. Reading (X)HTML as text used to
be quadratic (187 KiB of ``x<br/>`` blocked the loop for 5.9 s; unclosed
escaped-HTML constructs went through the standard library's quadratic
HTMLParser); now it is linear and bounded (tui/xmpp/xhtml_text.py)."""

from __future__ import annotations

from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

import pytest

from tests.harness.blogs import PEER_PLUGINS
from tests.harness.client import status_text
from tests.harness.escapes import escaped_errors
from tests.harness.loop_lag import loop_lag
from tui.xmpp.blog.service import blog_options
from tui.xmpp.pep import PUBLISH_OPTIONS, pubsub_form
from tui.xmpp.blog.xep_0277 import NS_MICROBLOG
from tui.xmpp.blog.xhtml import MAX_TEXT_CHARS, TRUNCATED

# seconds of wall time the loop may stall: the quadratic reading took 5.9 s for
# the first case; the linear one ~0.1-0.2 s idle (slixmpp parsing 30,000
# elements, then text and styled blocks), and 1.2 s was seen once in a full
# run on a loaded machine — the bound catches the freeze, not the load
STALL_BOUND = 1.5

ENTRY = """<entry xmlns="http://www.w3.org/2005/Atom">
  <id>{item}</id><title>heavy</title>
  <author><name>mallory</name><uri>xmpp:{jid}</uri></author>
  <content type="{kind}">{content}</content>
  <published>2024-03-01T10:00:00Z</published><updated>2024-03-01T10:00:00Z</updated>
</entry>"""

XHTML = '<div xmlns="http://www.w3.org/1999/xhtml">{}</div>'

CASES = {
    # 187 KiB of line breaks: each break joined all the text so far
    "breaks": ("xhtml", XHTML.format("x<br/>" * 32000)),
    # nesting as deep as Prosody passes on (it drops a publish nested ~150
    # deep without an answer; deeper trees are in tests/unit/test_xhtml_text.py),
    # 150 times: a break at each of the 15,000 ends
    "deep": ("xhtml", XHTML.format(("<div>" * 99 + "deep" + "</div>" * 99) * 150)),
    # escaped HTML with unclosed attribute quotes: quadratic in HTMLParser
    "unclosed": ("html", escape('<p>start</p><a b="' * 6000)),
}


def expected_body(case: str) -> tuple[str, str]:
    """(how the body starts, how it ends)"""
    return {
        "breaks": ("x\nx\nx\n", "x\n" + TRUNCATED.lstrip("\n")),
        "deep": ("deep\ndeep\n", "\ndeep"),
        "unclosed": ("start\n\nstart\n\n", "start"),
    }[case]


@pytest.mark.parametrize("case", list(CASES))
async def test_a_heavy_entry_is_read_without_freezing_the_loop(case, alice, make_peer):
    mallory = await make_peer(plugins=PEER_PLUGINS + ("xep_0199",))
    kind, content = CASES[case]
    entry = ENTRY.format(item="heavy", jid=mallory.jid, kind=kind, content=content)
    # Prosody takes seconds to store 30,000 elements on a busy machine
    await mallory.plugin["xep_0060"].publish(
        mallory.jid, NS_MICROBLOG, id="heavy", payload=ET.fromstring(entry),
        options=pubsub_form(PUBLISH_OPTIONS, blog_options("open")), timeout=30)
    with escaped_errors() as errors:
        async with loop_lag() as probe:
            feed = await alice.account.blog.read(mallory.jid)
        [entry] = feed.newest_first()
    assert probe.wakes > 0 and probe.worst < STALL_BOUND, f"the loop stalled {probe.worst:.2f} s"
    starts, ends = expected_body(case)
    assert entry.title == "heavy"
    assert entry.body.startswith(starts) and entry.body.endswith(ends), (entry.body[:80], entry.body[-80:])
    assert len(entry.body) <= MAX_TEXT_CHARS + len(TRUNCATED)
    assert errors == [] and alice.account.session.online, status_text(alice)
