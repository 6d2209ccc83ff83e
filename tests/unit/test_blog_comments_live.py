"""Comments that arrive by themselves (pubsub notifications of a followed
comments node): kept only from the service that holds the node, and only
for a thread we know."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from xml.etree import ElementTree as ET

from slixmpp import Message

from tui.core.blog import Blogs, CommentsLink, Entry
from tui.xmpp.blog.comments import BlogComments
from tui.xmpp.blog.xep_0277 import COMMENTS_PREFIX

ME = "alice@example.org"
SERVICE = "pubsub.example.org"
LINK = CommentsLink(SERVICE, COMMENTS_PREFIX + "a1")
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def comments() -> tuple[BlogComments, Blogs, list[str]]:
    model, touched = Blogs(ME), list[str]()
    model.put(ME, Entry("a1", ME, T0, T0, title="mine", body="text", comments=LINK))
    offline = SimpleNamespace()  # never asked for: a notification needs no connection
    part = BlogComments(SimpleNamespace(jid=ME), offline, model, lambda: offline,  # type: ignore[arg-type, return-value]
                        touched.append, lambda: None)
    return part, model, touched


def event(sender: str, node: str, item: str = "c1", retract: bool = False) -> Message:
    child = (f'<retract id="{item}"/>' if retract else
             f'<item id="{item}"><entry xmlns="http://www.w3.org/2005/Atom"><title>nice</title>'
             f'<author><name>Bob</name><uri>xmpp:bob@example.org</uri></author>'
             f'<published>2026-11-25T12:05:00Z</published></entry></item>')
    xml = ET.fromstring(f'<message xmlns="jabber:client" from="{sender}" to="{ME}">'
                        f'<event xmlns="http://jabber.org/protocol/pubsub#event">'
                        f'<items node="{node}">{child}</items></event></message>')
    return Message(xml=xml)


def test_a_comment_from_the_service_of_a_known_thread_is_kept_and_touches_the_entry():
    part, model, touched = comments()
    part._on_event(event(SERVICE, LINK.node))
    thread = model.comments(LINK)
    assert thread is not None and [c.body for c in thread] == ["nice"] and touched == [ME]
    part._on_event(event(SERVICE, LINK.node, retract=True))
    assert len(thread) == 0


def test_anyone_else_speaking_for_the_node_or_an_unknown_node_is_ignored():
    part, model, touched = comments()
    part._on_event(event("mallory@evil.example", LINK.node))  # not the service holding the node
    part._on_event(event(f"{SERVICE}/spoof", LINK.node))  # a full JID is no pubsub service
    part._on_event(event(SERVICE, COMMENTS_PREFIX + "unknown"))  # a thread we never saw
    part._on_event(event(SERVICE, "urn:xmpp:microblog:0"))  # not a comments node
    assert model.comments(LINK) is None and touched == []
