"""HistoryStore.newest_archived: where a catch-up of our own archive starts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.unit.test_history_store import CAROL, ROOM, T0, msg, store  # noqa: F401  (fixture)


async def test_newest_archived_is_our_archives_newest_id_and_its_time(store):
    assert await store.newest_archived() is None
    await store.add(msg("a", stanza_id="A", at=T0))
    await store.add(msg("b", stanza_id="B", at=T0 + timedelta(hours=1), peer=CAROL))
    await store.add(msg("own, not yet archived", direction="out", at=T0 + timedelta(hours=2)))
    await store.add(msg("room", stanza_id="R", kind="groupchat", peer=ROOM, nick="x", at=T0 + timedelta(hours=3)))
    await store.add(msg("older, fetched late", stanza_id="Z", at=T0 - timedelta(days=3)))
    await store.add(msg("forged delay", stanza_id="F", at=datetime.now(timezone.utc) + timedelta(days=400)))
    assert await store.newest_archived() == ("B", T0 + timedelta(hours=1))
