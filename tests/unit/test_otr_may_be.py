"""``may_be_otr`` reads the stanza's XML before asking slixmpp: it answers
as the plain reading of the body it replaced, for every kind of message."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from slixmpp import Message

from tui.crypto.otr import TAG_BASE, may_be_otr

ME = "alice@example.org/parlons"


def slixmpp_reading(stanza) -> bool:
    """What may_be_otr answered when it asked slixmpp for the type and the body."""
    if stanza["type"] == "groupchat":
        return False
    body = stanza["body"] or ""
    return body.startswith("?OTR") or TAG_BASE in body


def message(inner: str, attributes: str = "type='chat'") -> Message:
    return Message(xml=ET.fromstring(
        f"<message xmlns='jabber:client' {attributes} from='bob@example.org/x' to='{ME}'>{inner}</message>"))


MESSAGES = {
    "plain": message("<body>hello</body>"),
    "query": message("<body>?OTRv2?</body>"),
    "data": message("<body>?OTR:AAMDAAAA</body>"),
    "tagged": message(f"<body>hi{TAG_BASE}  \t\t  \t </body>"),
    "mark inside": message("<body>what is ?OTR anyway</body>"),
    "room": message("<body>?OTRv2?</body>", "type='groupchat'"),
    "untyped": message("<body>?OTRv2?</body>", ""),
    "normal": message("<body>?OTR:x</body>", "type='normal'"),
    "no body": message("<active xmlns='http://jabber.org/protocol/chatstates'/>"),
    "empty body": message("<body/>"),
    "body elsewhere": message("<body xmlns='urn:example:other'>?OTRv2?</body>"),
    "in another language only": message("<body xml:lang='fr'>?OTRv2?</body><body>bonjour</body>"),
    "in the default language": message("<body>?OTRv2?</body><body xml:lang='fr'>bonjour</body>"),
    "language of the stanza": message("<body xml:lang='de'>hallo</body><body xml:lang='fr'>?OTR:x</body>",
                                      "type='chat' xml:lang='fr'"),
    "body with a child": message("<body>?OTR<b/>tail</body>"),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_the_xml_first_answers_as_slixmpp_s_reading(name):
    stanza = MESSAGES[name]
    assert may_be_otr(stanza) == slixmpp_reading(stanza)


def test_both_answers_are_tried():
    answers = {name: may_be_otr(stanza) for name, stanza in MESSAGES.items()}
    assert answers["query"] and answers["tagged"] and answers["untyped"]
    assert not answers["plain"] and not answers["room"] and not answers["mark inside"]
