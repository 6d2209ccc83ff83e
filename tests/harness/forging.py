"""What an attacker sends, and how a test lets it win a race: helpers of the
hostile suites (tests/hostile)."""

from __future__ import annotations

import asyncio
import contextlib
from xml.etree import ElementTree as ET

from slixmpp import Iq

from tui.core.model import LineKind

MAM = "urn:xmpp:mam:2"
MUC_USER = "http://jabber.org/protocol/muc#user"
MESSAGES = (LineKind.INCOMING, LineKind.OUTGOING, LineKind.ACTION)


def bodies(window) -> list[str]:
    """The message lines of a window (no events, no errors)."""
    return [line.body for line in window.lines if line.kind in MESSAGES]


def targets(client) -> list[str]:
    return sorted(w.target for w in client.windows if w.target)


def mam_result(queryid: str, to: str, sender: str, result_id: str, inner_from: str, inner_type: str,
               body: str, stamp: str = "2026-01-01T10:00:00Z") -> str:
    """One archive result (XEP-0313), as an archive (or someone posing as one) sends it."""
    return (f"<message from='{sender}' to='{to}'><result xmlns='{MAM}' queryid='{queryid}' id='{result_id}'>"
            f"<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='{stamp}'/>"
            f"<message xmlns='jabber:client' from='{inner_from}' to='{to}' type='{inner_type}' id='{result_id}-m'>"
            f"<body>{body}</body></message></forwarded></result></message>")


def send_child(peer, to: str, xml: str, **kwargs) -> None:
    """``peer`` sends a message to ``to`` carrying ``xml`` (one element)."""
    msg = peer.xmpp.make_message(mto=to, **kwargs)
    msg.xml.append(ET.fromstring(xml))
    msg.send()


@contextlib.asynccontextmanager
async def archive_query_raced(victim_xmpp, attacker, archive: str | None, forge):
    """While the block runs, the victim's first archive query to ``archive``
    (None: its own) is held until ``attacker`` has delivered the result
    ``forge(queryid)`` returns (the inner <result/> XML) to the victim: the
    attacker learned or raced the query id and answers first. Yields a dict
    whose "arrived" is set once the forged result reached the victim."""
    state = {"ids": [], "arrived": asyncio.Event()}

    def seen(stanza):
        result = stanza.xml.find(f"{{{MAM}}}result")
        if result is not None and result.get("queryid") in state["ids"]:
            state["arrived"].set()
        return stanza

    async def hold(stanza):
        query = stanza.xml.find(f"{{{MAM}}}query") if isinstance(stanza, Iq) else None
        to = stanza["to"].bare.lower() if query is not None and stanza["to"] else None
        if query is not None and to == archive and not state["ids"]:
            state["ids"].append(query.get("queryid"))
            send_child(attacker, victim_xmpp.boundjid.full, forge(query.get("queryid")))
            await asyncio.wait_for(state["arrived"].wait(), 15)
        return stanza

    victim_xmpp.add_filter("in", seen)
    victim_xmpp.add_filter("out", hold)
    try:
        yield state
    finally:
        victim_xmpp.del_filter("in", seen)
        victim_xmpp.del_filter("out", hold)
