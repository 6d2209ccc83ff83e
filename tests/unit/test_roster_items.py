"""tui.xmpp.account.roster.roster_items reads a roster <query/> from its XML
as slixmpp's iq['roster']['items'] does (issue 14: 1,000 stanza objects made
applying a roster at log-in cost ~3× more)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.jid import InvalidJID
from slixmpp.stanza.roster import RosterItem

from tui.xmpp.account.roster import ROSTER_NS, leave_received_items_as_xml, roster_items

QUERY = f"""<iq xmlns='jabber:client' type='result' id='r'><query xmlns='{ROSTER_NS}' ver='3'>
  <item jid='Alice@Example.ORG' name='Alice' subscription='both'><group>Friends</group><group/></item>
  <item jid='bob@example.org' ask='subscribe'/>
  <item jid='carol@example.org/phone' subscription='from'><group>Work</group><group>Friends</group></item>
  <item jid='bad@@example.org' subscription='both'/>
  <other xmlns='urn:example'/>
</query></iq>"""


def _as_slixmpp_reads_them(query) -> dict:
    """slixmpp's ``iq['roster']['items']`` when it wraps each item (before
    leave_received_items_as_xml): each <item/> read through a RosterItem."""
    items = {}
    for child in query:
        if child.tag == f"{{{ROSTER_NS}}}item":
            item = RosterItem(xml=child)
            try:
                items[item["jid"].bare] = item.values
            except InvalidJID:
                continue
    return items


def test_roster_items_read_as_slixmpp_reads_them():
    xml = ET.fromstring(QUERY)
    expected = _as_slixmpp_reads_them(xml.find(f"{{{ROSTER_NS}}}query"))
    got = {jid: item for jid, item in roster_items(xml.find(f"{{{ROSTER_NS}}}query"))}
    assert list(got) == list(expected) == ["alice@example.org", "bob@example.org", "carol@example.org"]
    for jid, item in got.items():
        assert (item.get("name") or "") == expected[jid]["name"]
        assert (item.get("subscription") or "") == expected[jid]["subscription"]
        assert (item.get("ask") or "") == expected[jid]["ask"]
        assert [g.text or "" for g in item.iterfind(f"{{{ROSTER_NS}}}group")] == expected[jid]["groups"]


def test_a_received_roster_is_left_as_xml_and_one_to_send_is_made_as_before():
    leave_received_items_as_xml()
    leave_received_items_as_xml()  # idempotent
    xml = ET.fromstring(QUERY)
    iq = slixmpp.Iq(None, xml=xml)
    assert iq["roster"].iterables == [] and iq["roster"]["ver"] == "3"
    assert [jid for jid, _ in roster_items(xml.find(f"{{{ROSTER_NS}}}query"))] == [
        "alice@example.org", "bob@example.org", "carol@example.org"]
    out = slixmpp.Iq(None)
    out["type"] = "set"
    out["roster"]["items"] = {"dave@example.org": {"name": "Dave", "groups": ["Friends"]}}
    item = out.xml.find(f"{{{ROSTER_NS}}}query/{{{ROSTER_NS}}}item")
    assert item is not None and (item.get("jid"), item.get("name")) == ("dave@example.org", "Dave")
    assert [g.text for g in item.iterfind(f"{{{ROSTER_NS}}}group")] == ["Friends"]
