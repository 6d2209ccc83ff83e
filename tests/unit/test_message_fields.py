"""Stanza → facts, with stanzas built by slixmpp itself."""

from datetime import datetime, timezone

from slixmpp import Message
from slixmpp.plugins.xep_0203.stanza import Delay
from slixmpp.plugins.xep_0308.stanza import Replace
from slixmpp.plugins.xep_0359 import stanza as sid_stanza
from slixmpp.xmlstream import register_stanza_plugin

from tui.xmpp.chat.fields import message_facts

sid_stanza.register_plugins()
register_stanza_plugin(Message, Replace)
register_stanza_plugin(Message, Delay)
ALICE = "alice@example.org"


def make(frm: str, to: str, body: str = "hi", mtype: str = "chat") -> Message:
    msg = Message()
    msg["from"], msg["to"], msg["type"], msg["body"], msg["id"] = frm, to, mtype, body, "m1"
    return msg


def test_incoming_message_belongs_to_the_sender():
    facts = message_facts(make("Bob@Example.org/phone", f"{ALICE}/desk"), ALICE)
    assert (facts.peer, facts.direction, facts.sender_full) == ("bob@example.org", "in", "bob@example.org/phone")
    assert facts.msg_id == "m1" and not facts.delayed and not facts.action


def test_our_own_message_belongs_to_the_recipient():
    facts = message_facts(make(f"{ALICE}/phone", "bob@example.org"), ALICE)
    assert (facts.peer, facts.direction) == ("bob@example.org", "out")


def test_ids_only_trust_the_stanza_id_of_our_own_archive():
    msg = make("bob@example.org/x", ALICE)
    msg["origin_id"]["id"] = "origin-1"
    msg["stanza_id"]["id"] = "forged"
    msg["stanza_id"]["by"] = "bob@example.org"
    facts = message_facts(msg, ALICE)
    assert facts.origin_id == "origin-1" and facts.stanza_id is None
    msg["stanza_id"]["by"] = ALICE
    msg["stanza_id"]["id"] = "archive-7"
    assert message_facts(msg, ALICE).stanza_id == "archive-7"


def test_delay_correction_and_action():
    msg = make("bob@example.org/x", ALICE, body="/me waves")
    msg["delay"]["stamp"] = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    msg["replace"]["id"] = "old-id"
    facts = message_facts(msg, ALICE)
    assert facts.action and facts.body == "waves"
    assert facts.replace_id == "old-id"
    assert facts.delayed and facts.time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_not_chat_messages_and_bodiless_ones_are_ignored():
    assert message_facts(make("room@muc/bob", ALICE, mtype="groupchat"), ALICE) is None
    assert message_facts(make("bob@example.org", ALICE, body=""), ALICE) is None


def test_bodies_are_sanitised_at_the_boundary():
    facts = message_facts(make("bob@example.org", ALICE, body="a\u202eb\x85c"), ALICE)
    assert facts.body == "abc"
