"""An iq nobody answers: the command that sent it ends, within its bound,
with one clear line -- no hang, no traceback, no stanza dump.

``/list SERVICE`` sends disco#items to whatever JID the user names; here it
is a peer's full JID, and that peer's client swallows the query (an incoming
filter drops it before slixmpp could answer or refuse)."""

from __future__ import annotations

import asyncio
import time

from tests.harness.client import run, status_text
from tui.xmpp.muc import disco as muc_disco
DISCO_ITEMS = "{http://jabber.org/protocol/disco#items}query"


def swallow_disco_items(peer) -> list[str]:
    """Make ``peer`` silent to disco#items; returns the ids it swallowed."""
    swallowed: list[str] = []

    def drop(stanza):
        if stanza.name == "iq" and stanza.xml.find(DISCO_ITEMS) is not None:
            swallowed.append(stanza["id"])
            return None
        return stanza

    peer.xmpp.add_filter("in", drop)
    return swallowed


async def test_an_unanswered_room_list_times_out_with_one_line(alice, make_peer, monkeypatch):
    monkeypatch.setattr(muc_disco, "DISCO_TIMEOUT", 1)  # the real bound is 10 s: same path, faster
    silent = await make_peer()
    swallowed = swallow_disco_items(silent)
    before = len(alice.windows.status.lines)
    started = time.monotonic()
    await asyncio.wait_for(run(alice, f"/list {silent.full_jid}"), timeout=5)
    assert time.monotonic() - started < 4
    assert len(swallowed) == 1
    new = [line.body for line in alice.windows.status.lines[before:]]
    assert new == [f"Cannot list rooms: {silent.full_jid} did not answer within 1 s"], status_text(alice)


async def test_a_refused_room_list_is_one_line_too(alice, make_peer):
    gone = f"{(await make_peer()).jid}/no-such-resource"  # the server answers for it: an error
    before = len(alice.windows.status.lines)
    await asyncio.wait_for(run(alice, f"/list {gone}"), timeout=5)
    new = [line.body for line in alice.windows.status.lines[before:]]
    assert new == [f"Cannot list rooms: {gone} refused (service-unavailable)"], status_text(alice)
