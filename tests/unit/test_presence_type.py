"""A presence's type read from its XML at once says what slixmpp's own
``Presence.get_type`` says, for every shape a presence can take."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from slixmpp.stanza import Presence

from tui.xmpp.presence_type import _slixmpp_get_type, presence_type, read_presence_type_at_once

LANG = "xml:lang='de'"
TYPES = ["", "type=''", "type='unavailable'", "type='error'", "type='subscribe'", "type='probe'", "type='bogus'"]
SHOWS = ["", "<show>away</show>", "<show>dnd</show>", "<show>chat</show>", "<show>xa</show>", "<show/>",
         "<show>online</show>", "<show> away</show>", f"<show {LANG}>away</show>",
         f"<show {LANG}>away</show><show>dnd</show>", "<show>xa</show><show>dnd</show>",
         "<show></show><show>dnd</show>", "<show xmlns='urn:other'>away</show>"]
STANZA_LANG = ["", LANG]


def presence(text: str) -> Presence:
    return Presence(xml=ET.fromstring(text))


@pytest.mark.parametrize("ptype,show,lang", list(itertools.product(TYPES, SHOWS, STANZA_LANG)))
def test_the_same_answer_as_slixmpp(ptype, show, lang):
    stanza = presence(f"<presence xmlns='jabber:client' from='bob@example.org/x' {ptype} {lang}>"
                      f"<status>hi</status>{show}<priority>3</priority></presence>")
    assert presence_type(stanza) == _slixmpp_get_type(stanza)


def test_built_and_changed_through_the_interface():
    stanza = Presence()
    answers = []
    for value in ("away", "unavailable", "available", "dnd", "subscribe", "xa"):
        stanza["type"] = value
        answers.append((presence_type(stanza), _slixmpp_get_type(stanza)))
    stanza["show"] = "chat"
    answers.append((presence_type(stanza), _slixmpp_get_type(stanza)))
    del stanza["type"]
    answers.append((presence_type(stanza), _slixmpp_get_type(stanza)))
    assert [ours for ours, _ in answers] == [theirs for _, theirs in answers]
    # (a type attribute, once set, outweighs any <show/> set after it)
    assert [ours for ours, _ in answers] == ["away", "unavailable", "available", "dnd", "subscribe", "subscribe",
                                             "subscribe", "available"]


def test_installed_it_is_what_presence_type_reads():
    read_presence_type_at_once()
    read_presence_type_at_once()  # idempotent
    stanza = presence("<presence xmlns='jabber:client'><show>dnd</show></presence>")
    assert Presence.get_type is presence_type
    assert stanza["type"] == "dnd"
