"""Prosody restarted in the middle of a conversation: alice's window shows
exactly what bob sent, once, in order, whether it was sent before the
restart, while alice was still away (offline storage and the archive) or
after she came back (a fresh session: nothing to resume on a new server);
and bob receives what alice typed before, during and after, once, in order.
"""

from __future__ import annotations

import asyncio

from tests.harness.client import status_text
from tests.harness.cut_links import back_online, cut_link, incoming_bodies, quiet, server_has  # noqa: F401
from tests.harness.wait import until

NUMBERED = [f"message {n:02d}" for n in range(1, 13)]


def shown(client, peer_jid: str) -> list[str]:
    return incoming_bodies(client.account.chat.find_window(peer_jid))


async def test_restart_mid_conversation_loses_and_repeats_nothing(own_prosody, make_account, make_peer,
                                                                  tmp_path, cut_link):
    proxy, alice, bob = await cut_link(own_prosody, make_account, make_peer, tmp_path)
    for body in NUMBERED[:4]:
        bob.send(alice.jid, body)
    await alice.account.chat.send(bob.jid, "reply 1")
    await until(lambda: shown(alice, bob.jid) == NUMBERED[:4], timeout=5)
    await until(lambda: bob.bodies() == ["reply 1"], timeout=5)
    await bob.acknowledge()  # else the server's restart hands "reply 1" to bob a second time itself

    proxy.refuse = True  # alice stays away a moment after the restart
    await asyncio.to_thread(own_prosody.restart)
    await until(lambda: not alice.account.session.online, timeout=5)
    await alice.account.chat.send(bob.jid, "reply 2")  # typed while the server is away
    await bob.start()
    for body in NUMBERED[4:8]:
        bob.send(alice.jid, body)
    await server_has(bob)
    proxy.refuse = False
    await back_online(alice, resumed=False)
    for body in NUMBERED[8:]:
        bob.send(alice.jid, body)
    await alice.account.chat.send(bob.jid, "reply 3")

    await until(lambda: shown(alice, bob.jid) == NUMBERED, timeout=10,
                message=lambda: f"alice's window shows {shown(alice, bob.jid)}\n{status_text(alice)}")
    await quiet(alice)
    assert shown(alice, bob.jid) == NUMBERED
    records = await alice.account.store.db.latest(bob.jid, 1000)
    assert [r.body for r in records if r.direction == "in"] == NUMBERED
    # and what alice typed, before, during and after: once each, in order
    await until(lambda: bob.bodies() == ["reply 1", "reply 2", "reply 3"], timeout=10,
                message=lambda: repr(bob.bodies()))
    await quiet(alice)
    await server_has(bob)
    assert bob.bodies() == ["reply 1", "reply 2", "reply 3"]

