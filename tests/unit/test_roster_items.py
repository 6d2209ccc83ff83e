"""tui.xmpp.account.roster.roster_items reads a roster <query/> from its XML
as slixmpp's iq['roster']['items'] does (issue 14: 1,000 stanza objects made
applying a roster at log-in cost ~3× more)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import slixmpp

from tui.xmpp.account.roster import ROSTER_NS, roster_items

QUERY = f"""<iq xmlns='jabber:client' type='result' id='r'><query xmlns='{ROSTER_NS}' ver='3'>
  <item jid='Alice@Example.ORG' name='Alice' subscription='both'><group>Friends</group><group/></item>
  <item jid='bob@example.org' ask='subscribe'/>
  <item jid='carol@example.org/phone' subscription='from'><group>Work</group><group>Friends</group></item>
  <item jid='bad@@example.org' subscription='both'/>
  <other xmlns='urn:example'/>
</query></iq>"""


def test_roster_items_read_as_slixmpp_reads_them():
    xml = ET.fromstring(QUERY)
    iq = slixmpp.Iq(None, xml=xml)
    expected = {jid.bare: values for jid, values in iq["roster"]["items"].items()}
    got = {jid: item for jid, item in roster_items(xml.find(f"{{{ROSTER_NS}}}query"))}
    assert list(got) == list(expected) == ["alice@example.org", "bob@example.org", "carol@example.org"]
    for jid, item in got.items():
        assert (item.get("name") or "") == expected[jid]["name"]
        assert (item.get("subscription") or "") == expected[jid]["subscription"]
        assert (item.get("ask") or "") == expected[jid]["ask"]
        assert [g.text or "" for g in item.iterfind(f"{{{ROSTER_NS}}}group")] == expected[jid]["groups"]
