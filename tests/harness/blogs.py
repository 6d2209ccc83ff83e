"""Microblogs (XEP-0277) as a raw slixmpp peer writes them: Atom entries
published straight to the peer's PEP node, in the shape Movim gives them."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from tui.xmpp.blog.service import blog_options
from tui.xmpp.pep import PUBLISH_OPTIONS, pubsub_form
from tui.xmpp.blog.xep_0277 import NS_MICROBLOG

PEER_PLUGINS = ("xep_0030", "xep_0060", "xep_0163", "xep_0198")

MOVIM_ENTRY = """
<entry xmlns="http://www.w3.org/2005/Atom">
  <id>{item}</id>
  <title>Movim [i]says[/i] hi</title>
  <author><name>Carol from Movim</name><uri>xmpp:{jid}</uri></author>
  <link rel="alternate" href="xmpp:{jid}?;node=urn:xmpp:microblog:0;item={item}"/>
  <link rel="replies" title="comments" href="xmpp:{jid}?;node=urn:xmpp:microblog:0:comments/{item}"/>
  <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hello <b>bold</b> &amp;
    <a href="https://movim.eu/">Movim</a></p><ul><li>one</li><li>two</li></ul></div></content>
  <published>2024-03-01T10:00:00+00:00</published>
  <category term="movim"/>
  <updated>2024-03-01T11:30:00+00:00</updated>
</entry>"""


async def publish_raw(peer, xml: str, *, item: str, access: str = "open") -> None:
    await peer.plugin["xep_0060"].publish(
        peer.jid, NS_MICROBLOG, id=item, payload=ET.fromstring(xml),
        options=pubsub_form(PUBLISH_OPTIONS, blog_options(access)), timeout=5)
