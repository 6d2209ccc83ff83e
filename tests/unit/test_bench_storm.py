"""bench/e2e/storm.py (W6's presence storm) writes its stanzas as bytes:
each is the presence slixmpp's component used to send, the message last,
and what it is given is quoted, not spliced in."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slixmpp import ComponentXMPP

from bench.e2e.storm import contact, storm_stanzas

DOMAIN = "bots.example"
TO = "alice@example"


def shape(element: ET.Element) -> tuple:
    """Tag (namespace aside: the stream's default), attributes (an id's
    value aside: slixmpp's are random) and children, all the way down."""
    attributes = {name: "ID" if name == "id" else value for name, value in element.attrib.items()}
    return (element.tag.rsplit("}", 1)[-1], attributes, (element.text or "").strip(),
            [shape(child) for child in element])


def test_each_presence_is_the_one_slixmpps_component_sent():
    xmpp = ComponentXMPP(DOMAIN, "secret", "127.0.0.1", 1)
    stanzas = [ET.fromstring(data) for data in storm_stanzas(DOMAIN, TO, 3, "storm over")]
    for index, element in enumerate(stanzas[:3]):
        before = xmpp.make_presence(pfrom=contact(index, DOMAIN), pto=TO, pshow="away",
                                    pstatus=f"storm {index}")
        assert shape(element) == shape(before.xml)
    ids = [element.get("id") for element in stanzas]
    assert len(set(ids)) == len(ids)


def test_the_storm_is_count_presences_in_order_then_the_message():
    stanzas = [ET.fromstring(data) for data in storm_stanzas(DOMAIN, TO, 250, "storm over")]
    assert [e.tag for e in stanzas] == ["presence"] * 250 + ["message"]
    assert [e.get("from") for e in stanzas[:250]] == [f"contact{i:05d}@{DOMAIN}" for i in range(250)]
    assert [e.findtext("status") for e in stanzas[:250]] == [f"storm {i}" for i in range(250)]
    message = stanzas[-1]
    assert (message.get("from"), message.get("to"), message.get("type"), message.findtext("body")) == \
        (contact(0, DOMAIN), TO, "chat", "storm over")


def test_what_it_is_given_is_quoted():
    to = "o'brien\"<x>@example"
    then = "</body><presence/> & <done>"
    stanzas = [ET.fromstring(data) for data in storm_stanzas(DOMAIN, to, 1, then)]
    assert [e.get("to") for e in stanzas] == [to, to]
    assert stanzas[-1].findtext("body") == then
    assert [e.tag for e in stanzas] == ["presence", "message"]
