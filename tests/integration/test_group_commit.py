"""A flood is stored in few transactions (issue 14: one SQLite transaction
per message wrote 44 KB a message), and still stored before it is shown,
once, in order — in a conversation and in a room, through the real Prosody."""

from __future__ import annotations

import asyncio

from tests.harness.fixtures import alice  # noqa: F401  (the headless Parlons)
from tests.harness.flood import flood
from tests.harness.rooms import joined, open_room, room_name, say
from tests.harness.wait import until

N = 500


def watch_transactions(alice) -> list[int]:  # noqa: F811
    """The size of each write transaction of alice's history (HistoryStore.add_batch)."""
    sizes: list[int] = []
    database = alice.account.store.db.database
    real = database.add_batch

    def counting(messages):
        sizes.append(len(messages))
        return real(messages)

    database.add_batch = counting
    return sizes


async def stored_bodies(alice, peer: str) -> list[str]:  # noqa: F811
    return [r.text for r in await alice.account.store.db.latest(peer, 2 * N)]


async def test_a_conversation_flood_is_group_committed(alice, make_peer):  # noqa: F811
    bob = await make_peer()
    sizes = watch_transactions(alice)
    await flood(bob, alice.jid, N)
    window = await until(lambda: alice.account.chat.find_window(bob.jid))
    expected = [f"flood {i}" for i in range(N)]
    await until(lambda: [l.body for l in window.lines if l.body.startswith("flood ")] == expected,
                timeout=60, message=lambda: f"{len(window.lines)} lines")
    shown = [l for l in window.lines if l.body.startswith("flood ")]
    assert all(l.rowid is not None for l in shown)  # each shown line was stored first
    assert await stored_bodies(alice, bob.jid) == expected  # once each, in order
    assert sum(sizes) == N and len(sizes) <= N // 2 and max(sizes) >= 10, sizes


async def test_a_room_flood_is_group_committed(alice, make_peer, prosody):  # noqa: F811
    bob = await make_peer()
    room = room_name(prosody, "flood")
    await open_room(bob, room, "bob")
    window, _model = await joined(alice, room)
    sizes = watch_transactions(alice)
    for i in range(N):
        say(bob, room, f"flood {i}")
        if i % 50 == 49:
            await asyncio.sleep(0)
    expected = [f"flood {i}" for i in range(N)]
    await until(lambda: [l.body for l in window.lines if l.body.startswith("flood ")] == expected,
                timeout=60, message=lambda: f"{len(window.lines)} lines")
    assert all(l.rowid is not None for l in window.lines if l.body.startswith("flood "))
    assert await stored_bodies(alice, room) == expected
    assert sum(sizes) == N and len(sizes) <= N // 2 and max(sizes) >= 10, sizes
