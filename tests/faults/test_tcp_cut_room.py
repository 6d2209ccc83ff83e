"""A TCP cut while alice is in a room: after she is back (the session resumed,
or a fresh one that rejoined), her room window shows exactly the lines said
meanwhile, once, in order; after a long absence, the newest ones.

alice (headless Parlons, history store) reaches Prosody through a
CuttableProxy; bob (a plain slixmpp peer) owns the room and speaks in it.
"""

from __future__ import annotations

import pytest

import tui.xmpp.muc.archive as muc_history
from tests.harness.client import status_text, window_text
from tests.harness.cut_links import (  # noqa: F401  (fixtures)
    back_online, incoming_bodies, cut, cut_link, quiet, server_has, session_expired, short_hibernation_prosody,
    stall_on_archive_query, unstall,
)
from tests.harness.rooms import joined, open_room, room_name, say
from tests.harness.wait import until
from tui.xmpp.conversation import archive as archive_reader
from tui.xmpp.muc.messages import NEW_MARKER

NUMBERED = [f"line {n:02d}" for n in range(1, 13)]


def shown(client, room: str) -> list[str]:
    return incoming_bodies(client.account.muc.find_window(room))


async def stored(client, room: str) -> list[str]:
    records = await client.account.store.db.latest(room, 1000)
    return [record.body for record in records if record.direction == "in"]


async def in_a_room(server, make_account, make_peer, tmp_path, cut_link):
    proxy, alice, bob = await cut_link(server, make_account, make_peer, tmp_path)
    room = room_name(server, "cut")
    await open_room(bob, room, "bob")
    await joined(alice, room)
    return proxy, alice, bob, room


async def settled_on(client, room: str, expected: list[str]) -> None:
    await until(lambda: shown(client, room) == expected, timeout=10,
                message=lambda: f"alice's room window shows {shown(client, room)}\n{status_text(client)}")
    await quiet(client)  # and no late copy arrives after all
    assert shown(client, room) == expected
    assert await stored(client, room) == expected


def speak(bob, room: str, lines) -> None:
    for body in lines:
        say(bob, room, body)


@pytest.mark.parametrize("resumes", [True, False], ids=["resumed", "rejoined"])
async def test_lines_said_during_a_cut_show_once_in_order(resumes, prosody, short_hibernation_prosody,
                                                          make_account, make_peer, tmp_path, cut_link):
    server = prosody if resumes else short_hibernation_prosody
    proxy, alice, bob, room = await in_a_room(server, make_account, make_peer, tmp_path, cut_link)
    speak(bob, room, NUMBERED[:4])
    await until(lambda: shown(alice, room) == NUMBERED[:4], timeout=5)

    await cut(proxy, alice)
    speak(bob, room, NUMBERED[4:8])
    await server_has(bob)
    if not resumes:
        await session_expired(server, alice)
    proxy.refuse = False
    await back_online(alice, resumed=resumes)
    await until(lambda: alice.account.muc.rooms[room].joined, timeout=10)
    speak(bob, room, NUMBERED[8:])

    await settled_on(alice, room, NUMBERED)


async def test_a_long_absence_reads_the_newest_missed_lines(short_hibernation_prosody, make_account, make_peer,
                                                             tmp_path, cut_link, monkeypatch):
    """More missed lines than the catch-up takes: the newest ones, in order,
    after a line saying older ones were not fetched (not the oldest ones read
    forward, which would leave the newest out)."""
    monkeypatch.setattr(muc_history, "MAX_CATCH_UP", 10)
    monkeypatch.setattr(muc_history, "MAM_PAGE", 4)  # several pages, as 2,000 lines would be
    server = short_hibernation_prosody
    proxy, alice, bob, room = await in_a_room(server, make_account, make_peer, tmp_path, cut_link)
    before = [f"before {n}" for n in range(1, 4)]
    missed = [f"missed {n:02d}" for n in range(1, 26)]
    speak(bob, room, before)
    await until(lambda: shown(alice, room) == before, timeout=5)

    await cut(proxy, alice)
    speak(bob, room, missed)
    await server_has(bob)
    await session_expired(server, alice)
    proxy.refuse = False
    await back_online(alice, resumed=False)

    await settled_on(alice, room, before + missed[-10:])
    text = window_text(alice.account.muc.find_window(room)).splitlines()
    gap = [n for n, line in enumerate(text) if "not fetched" in line]
    assert len(gap) == 1, text
    assert text.index("bob before 3") < gap[0] < text.index("bob missed 16"), text
    assert text.count(NEW_MARKER) == 1 and text.index(NEW_MARKER) > text.index("bob missed 25"), text


async def test_a_room_catch_up_that_fails_says_so_and_is_tried_again(short_hibernation_prosody, make_account,
                                                                      make_peer, tmp_path, cut_link, monkeypatch):
    """The server stalls as alice, back in the room, reads its archive: a line
    says so, and the reading is done again from where it was to start, even
    though bob's later lines were shown live meanwhile; all in order."""
    monkeypatch.setattr(archive_reader, "PAGE_TIMEOUT", 0.5)
    monkeypatch.setattr(archive_reader, "RETRY_DELAYS", (0.5,))
    server = short_hibernation_prosody
    proxy, alice, bob, room = await in_a_room(server, make_account, make_peer, tmp_path, cut_link)
    speak(bob, room, NUMBERED[:4])
    await until(lambda: shown(alice, room) == NUMBERED[:4], timeout=5)

    await cut(proxy, alice)
    speak(bob, room, NUMBERED[4:8])
    await server_has(bob)
    await session_expired(server, alice)
    xmpp = alice.account.session.xmpp
    stalled, stall_on_query = stall_on_archive_query(xmpp, server, room)
    proxy.refuse = False
    window = await until(lambda: alice.account.muc.find_window(room))
    try:
        await until(lambda: "Could not read the archive" in window_text(window), timeout=10,
                    message=lambda: window_text(window) + status_text(alice))
    finally:
        xmpp.del_filter("out", stall_on_query)
        unstall(server)
    assert stalled
    assert f"Could not read the archive of {room} (no answer within 0.5 s); trying again in 0.5 s" \
        in window_text(window).splitlines()
    speak(bob, room, NUMBERED[8:])  # shown live before the archive is read again

    await settled_on(alice, room, NUMBERED)
