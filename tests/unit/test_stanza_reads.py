"""The readers of tui/xmpp/stanza_reads.py (and presence_dispatch.type_of)
read the XML at once and answer as slixmpp's stanza interface does, for
every kind of message and presence; where slixmpp's answer could differ
they ask it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from slixmpp import JID, Message, Presence
from slixmpp.jid import InvalidJID
from slixmpp.plugins.xep_0280.stanza import ReceivedCarbon
from slixmpp.plugins.xep_0297.stanza import Forwarded
from slixmpp.xmlstream import register_stanza_plugin

from tui.xmpp.presence_dispatch import read_presence_type_at_once, type_of
from tui.xmpp.stanza_reads import jid_attribute, message_id, message_type, presence_priority, sub_text

register_stanza_plugin(Message, ReceivedCarbon)
register_stanza_plugin(ReceivedCarbon, Forwarded)
register_stanza_plugin(Forwarded, Message, iterable=True)

READERS = {"type": message_type, "body": lambda msg: sub_text(msg, "body"), "from": lambda msg: jid_attribute(msg, "from"),
           "to": lambda msg: jid_attribute(msg, "to"), "id": message_id, "thread": lambda msg: sub_text(msg, "thread")}
PRESENCE_READERS = {"type": type_of, "status": lambda p: sub_text(p, "status"), "show": lambda p: sub_text(p, "show"),
                    "priority": presence_priority, "from": lambda p: jid_attribute(p, "from"),
                    "to": lambda p: jid_attribute(p, "to")}
read_presence_type_at_once()  # (what the app runs with)


def message(inner: str = "<body>hello</body>", attributes: str = "type='chat' id='m1' from='bob@example.org/x' "
                                                                   "to='alice@example.org/parlons'") -> Message:
    return Message(xml=ET.fromstring(f"<message xmlns='jabber:client' {attributes}>{inner}</message>"))


def carbon(inner: str, outer_lang: str = "", inner_attributes: str = "type='chat' from='bob@example.org/x'") -> Message:
    """The message inside a carbon (its parent gives its default language)."""
    lang = f" xml:lang='{outer_lang}'" if outer_lang else ""
    outer = Message(xml=ET.fromstring(
        f"<message xmlns='jabber:client' from='alice@example.org' to='alice@example.org/parlons'{lang}>"
        "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
        f"<message xmlns='jabber:client' {inner_attributes}>{inner}</message>"
        "</forwarded></received></message>"))
    return outer["carbon_received"]


MESSAGES: dict[str, Any] = {
    "plain": lambda: message(),
    "untyped": lambda: message(attributes="from='bob@example.org' id='x'"),
    "empty type": lambda: message(attributes="type='' from='bob@example.org'"),
    "room": lambda: message(attributes="type='groupchat' from='room@muc.example.org/nick' id='r'"),
    "error": lambda: message(attributes="type='error' from='example.org'"),
    "unknown type": lambda: message(attributes="type='shouting' from='bob@example.org'"),
    "no attributes": lambda: message(attributes=""),
    "empty attributes": lambda: message(attributes="from='' to='' id=''"),
    "bare and domain jids": lambda: message(attributes="from='example.org' to='alice@example.org'"),
    "unicode jid": lambda: message(attributes="from='Bøb@EXAMPLE.org/Ré' to='alice@example.org'"),
    "no body": lambda: message("<active xmlns='http://jabber.org/protocol/chatstates'/>"),
    "empty body": lambda: message("<body/>"),
    "blank body": lambda: message("<body>   </body>"),
    "body with a child": lambda: message("<body>a<b>c</b>tail</body>"),
    "body elsewhere": lambda: message("<body xmlns='urn:example:other'>not this</body>"),
    "body in a language": lambda: message("<body xml:lang='fr'>bonjour</body>"),
    "two bodies, default first": lambda: message("<body>hello</body><body xml:lang='fr'>bonjour</body>"),
    "two bodies, default last": lambda: message("<body xml:lang='fr'>bonjour</body><body>hello</body>"),
    "two bodies, the stanza's language": lambda: message(
        "<body xml:lang='de'>hallo</body><body xml:lang='fr'>bonjour</body>",
        "type='chat' xml:lang='fr' from='bob@example.org'"),
    "two bodies, none in the language": lambda: message(
        "<body xml:lang='de'>hallo</body><body xml:lang='fr'>bonjour</body>",
        "type='chat' xml:lang='it' from='bob@example.org'"),
    "two bodies, the matching one empty": lambda: message(
        "<body xml:lang='de'>hallo</body><body xml:lang='fr'/>", "type='chat' xml:lang='fr'"),
    "carbon": lambda: carbon("<body>hello</body>"),
    "carbon, two bodies, the parent's language": lambda: carbon(
        "<body xml:lang='de'>hallo</body><body xml:lang='fr'>bonjour</body>", outer_lang="fr"),
    "carbon, untyped": lambda: carbon("<body>hi</body>", inner_attributes="from='bob@example.org'"),
}


def _reads(readers: dict, stanza) -> dict[str, Any]:
    """What our ``readers`` answer for ``stanza``."""
    return {name: _read(lambda reader=reader: reader(stanza)) for name, reader in readers.items()}


def _theirs(readers: dict, stanza) -> dict[str, Any]:
    """What slixmpp's interface answers for the same names."""
    return {name: _read(lambda name=name: stanza[name]) for name in readers}


def _read(read) -> Any:
    try:
        value = read()
    except InvalidJID:
        return InvalidJID
    return str(value) if isinstance(value, JID) else value


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_the_readers_answer_as_slixmpp_s_interface(name):
    msg = MESSAGES[name]()
    assert _reads(READERS, msg) == _theirs(READERS, msg)


def test_the_corpus_has_the_answers_that_matter():
    bodies = {name: READERS["body"](make()) for name, make in MESSAGES.items()}
    assert bodies["two bodies, the stanza's language"] == "bonjour" and bodies["two bodies, default last"] == "hello"
    assert bodies["carbon, two bodies, the parent's language"] == "bonjour"
    assert bodies["two bodies, the matching one empty"] == "" and bodies["body elsewhere"] == ""
    assert message_type(MESSAGES["untyped"]()) == "normal" and message_id(MESSAGES["no attributes"]()) == ""
    assert _read(lambda: READERS["from"](message(attributes="from='a@@b'"))) is InvalidJID
    assert type(MESSAGES["carbon"]()) is Message  # (read at once too)


class Spied(Message):
    pass


def test_slixmpp_is_asked_for_another_stanza_class_or_an_overridden_getter(monkeypatch):
    asked: list[str] = []
    real = Message.__getitem__

    def spy(self, name):
        asked.append(name)
        return real(self, name)

    plain = message("<body>a</body>")
    other = Spied(xml=plain.xml)
    monkeypatch.setattr(Message, "__getitem__", spy)  # (made first: Message.__init__ reads its id)
    for reader in READERS.values():
        reader(plain)
    assert asked == []  # the XML at once
    for reader in READERS.values():
        reader(other)
    assert asked == list(READERS)
    asked.clear()
    monkeypatch.setattr(Message, "plugin_overrides", {f"get_{name}": "someone" for name in READERS})
    for reader in READERS.values():
        reader(plain)
    assert asked == list(READERS)


def presence(inner: str = "", attributes: str = "from='bob@example.org/x' to='alice@example.org/parlons'") -> Presence:
    return Presence(xml=ET.fromstring(f"<presence xmlns='jabber:client' {attributes}>{inner}</presence>"))


PRESENCES: dict[str, Any] = {
    "available": lambda: presence(),
    "away with a status": lambda: presence("<show>away</show><status>out</status><priority>5</priority>"),
    "typed": lambda: presence(attributes="type='unavailable' from='bob@example.org/x'"),
    "subscribe": lambda: presence(attributes="type='subscribe' from='bob@example.org'"),
    "no attributes": lambda: presence(attributes=""),
    "unknown show": lambda: presence("<show>shouting</show>"),
    "empty elements": lambda: presence("<show/><status/><priority/>"),
    "negative priority": lambda: presence("<priority>-3</priority>"),
    "spaced priority": lambda: presence("<priority> 7 </priority>"),
    "priority not a number": lambda: presence("<priority>high</priority>"),
    "priority too big": lambda: presence("<priority>99999999999999999999</priority>"),
    "two priorities": lambda: presence("<priority>1</priority><priority>2</priority>"),
    "status in a language": lambda: presence("<status xml:lang='fr'>parti</status>"),
    "two statuses, the stanza's language": lambda: presence(
        "<status xml:lang='de'>weg</status><status xml:lang='fr'>parti</status>",
        "xml:lang='fr' from='bob@example.org/x'"),
    "two statuses, the default last": lambda: presence(
        "<status xml:lang='fr'>parti</status><status>gone</status>"),
    "two shows": lambda: presence("<show>away</show><show>dnd</show>"),
    "show in a language": lambda: presence("<show xml:lang='fr'>away</show>", "xml:lang='de'"),
    "status elsewhere": lambda: presence("<status xmlns='urn:example:other'>no</status>"),
    "invalid sender": lambda: presence(attributes="from='a@@b'"),
}


@pytest.mark.parametrize("name", sorted(PRESENCES))
def test_the_presence_readers_answer_as_slixmpp_s_interface(name):
    stanza = PRESENCES[name]()
    assert _reads(PRESENCE_READERS, stanza) == _theirs(PRESENCE_READERS, stanza)


def test_the_presence_corpus_has_the_answers_that_matter():
    reads = {name: _reads(PRESENCE_READERS, make()) for name, make in PRESENCES.items()}
    assert reads["away with a status"] == {"type": "away", "status": "out", "show": "away", "priority": 5,
                                           "from": "bob@example.org/x", "to": "alice@example.org/parlons"}
    assert reads["two statuses, the stanza's language"]["status"] == "parti"
    assert reads["two statuses, the default last"]["status"] == "gone"
    assert [reads[n]["priority"] for n in ("negative priority", "spaced priority", "priority not a number",
                                           "priority too big")] == [-3, 7, 0, 99999999999999999999]
    assert reads["invalid sender"]["from"] is InvalidJID


def test_slixmpp_is_asked_for_a_presence_of_another_class_or_an_overridden_getter(monkeypatch):
    asked: list[str] = []
    real = Presence.__getitem__

    class Other(Presence):
        pass

    plain = presence("<status>s</status><priority>1</priority>")
    other = Other(xml=plain.xml)

    def spy(self, name):
        asked.append(name)
        return real(self, name)

    monkeypatch.setattr(Presence, "__getitem__", spy)
    for reader in PRESENCE_READERS.values():
        reader(plain)
    assert asked == []
    for reader in PRESENCE_READERS.values():
        reader(other)
    assert asked == list(PRESENCE_READERS)
    asked.clear()
    monkeypatch.setattr(Presence, "plugin_overrides", {f"get_{name}": "someone" for name in PRESENCE_READERS})
    for name, reader in PRESENCE_READERS.items():
        asked.clear()
        reader(plain)
        assert asked[:1] == [name]  # (slixmpp's type then reads the show itself)


def test_a_messages_reader_given_a_presence_answers_as_slixmpp():
    """A presence's type has its own rule ("available" when absent): the
    message's reader leaves it to slixmpp rather than say "normal"."""
    stanza = presence()
    assert message_type(stanza) == stanza["type"] == "available"
    assert message_id(stanza) == stanza["id"]
