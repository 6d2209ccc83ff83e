"""The keepalive (tui/xmpp/account/keepalive.py): a link that dies without
a word is noticed, dropped and replaced, and what was sent meanwhile still
comes, once; a link that is only slow, with a backlog in flight that holds
a ping's answer past its timeout, is left alone and delivers all of it.

alice (a headless Parlons client) reaches Prosody through a CuttableProxy;
bob is a plain slixmpp peer talking straight to the server. Pings go every
0.5 s and may take 1 s.
"""

from __future__ import annotations

import pytest

from tests.harness.client import status_text
from tests.harness.cut_links import back_online, cut_link, incoming_bodies, quiet, server_has  # noqa: F401
from tests.harness.wait import until
from tui.xmpp.account import keepalive


@pytest.fixture(autouse=True)
def quick_pings(monkeypatch):
    monkeypatch.setattr(keepalive, "INTERVAL", 0.5)
    monkeypatch.setattr(keepalive, "TIMEOUT", 1.0)


def shown(client, peer_jid: str) -> list[str]:
    return incoming_bodies(client.account.chat.find_window(peer_jid))


async def test_a_link_that_dies_without_a_word_is_dropped_and_replaced(prosody, make_account, make_peer,
                                                                       tmp_path, cut_link):
    proxy, alice, bob = await cut_link(prosody, make_account, make_peer, tmp_path)
    bob.send(alice.jid, "before")
    await until(lambda: shown(alice, bob.jid) == ["before"], timeout=5)

    assert proxy.stall() == 1  # silent both ways, nothing reset: only the pings can tell
    during = [f"during {n}" for n in range(1, 4)]
    for body in during:
        bob.send(alice.jid, body)
    await server_has(bob)
    await until(lambda: "connection lost (no answer to a ping in 1 s)" in status_text(alice), timeout=10,
                message=lambda: status_text(alice))
    await back_online(alice, resumed=True)  # through a new link; the server re-sends what it holds
    assert proxy.connections == 2
    bob.send(alice.jid, "after")

    expected = ["before", *during, "after"]
    await until(lambda: shown(alice, bob.jid) == expected, timeout=10,
                message=lambda: f"{shown(alice, bob.jid)}\n{status_text(alice)}")
    await quiet(alice)
    assert shown(alice, bob.jid) == expected


async def test_a_backlog_on_a_slow_link_is_no_dead_link(prosody, make_account, make_peer, tmp_path, cut_link):
    proxy, alice, bob = await cut_link(prosody, make_account, make_peer, tmp_path)
    proxy.rate = 25_000  # bytes a second to alice: the backlog below takes ~6 s to come through
    backlog = [f"backlog {n:03d} " + "x" * 300 for n in range(300)]
    for body in backlog:
        bob.send(alice.jid, body)

    await until(lambda: shown(alice, bob.jid) == backlog, timeout=60,
                message=lambda: f"{len(shown(alice, bob.jid))} shown\n{status_text(alice)}")
    # Pings did wait behind the backlog past their timeout, and the link was kept.
    assert alice.account.session.keepalive.unanswered >= 1
    assert proxy.connections == 1
    assert "connection lost" not in status_text(alice)
    proxy.rate = None
    await quiet(alice)
    assert shown(alice, bob.jid) == backlog
