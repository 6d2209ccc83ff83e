"""The store reads every row it holds, whatever time it carries: rows from
before stamps were clamped on the way in (year 1 or 9999 in any offset, or
values no version writes) read back as times in [1970, ~2255] that every
time zone can show, in latest, before, after, get, search, grep and
newest_time."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from tui.store import HistoryStore, StoredMessage
from tui.store.records import EPOCH, MAX_KEY_TIME_US, from_us

BOB = "bob@example.org"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
WEST = timezone(timedelta(hours=-23, minutes=-59))
EAST = timezone(timedelta(hours=23, minutes=59))
LATEST = EPOCH + timedelta(microseconds=MAX_KEY_TIME_US)  # the keys' range


def showable(when: datetime) -> bool:
    when.astimezone(WEST), when.astimezone(EAST), when.astimezone()
    return EPOCH <= when <= LATEST


def test_from_us_reads_any_value():
    assert from_us(-62135683140000000) == EPOCH
    assert from_us(-(1 << 63)) == EPOCH and from_us((1 << 63) - 1) == LATEST
    assert from_us("junk") == EPOCH and from_us(None) == EPOCH and from_us(1.5e6) == EPOCH + timedelta(seconds=1.5)
    assert from_us(1_000_000) == EPOCH + timedelta(seconds=1)


async def test_absurd_times_written_by_an_older_version_are_read(tmp_path):
    path = tmp_path / "history.sqlite3"
    store = await HistoryStore.open(path)
    # what an older version stored from <delay stamp="0001-01-01T00:00:00+23:59"> and friends
    await store.add(StoredMessage(peer=BOB, direction="in", body="year one",
                                  time=datetime(1, 1, 1, tzinfo=EAST), msg_id="a"))
    await store.add(StoredMessage(peer=BOB, direction="in", body="year 9999",
                                  time=datetime(9999, 12, 31, 23, 59, tzinfo=WEST), msg_id="b"))
    await store.add(StoredMessage(peer=BOB, direction="in", body="normal", time=T0, msg_id="c"))
    await store.close()
    # and values no version writes, put there by hand
    db = sqlite3.connect(path)
    peer_id = db.execute("SELECT id FROM peers WHERE jid = ?", (BOB,)).fetchone()[0]
    for rowid, time_us, body in ((5, -(1 << 63), "minimum"), (6, (1 << 63) - 1, "maximum"),
                                 (7, "not a number", "text time")):
        db.execute("INSERT INTO messages (id, peer_id, direction, kind, time_us, body)"
                   " VALUES (?, ?, 'in', 'chat', ?, ?)", (rowid, peer_id, time_us, body))
    db.commit()
    db.close()

    store = await HistoryStore.open(path)
    try:
        everything = {"year one", "year 9999", "normal", "minimum", "maximum", "text time"}
        page = await store.latest(BOB, 50)
        assert {r.body for r in page} == everything
        assert all(showable(r.time) for r in page)
        by_body = {r.body: r for r in page}
        assert by_body["year one"].time == EPOCH and by_body["minimum"].time == EPOCH
        assert by_body["year 9999"].time == LATEST and by_body["maximum"].time == LATEST
        assert by_body["normal"].time == T0
        newest = max(r.rowid for r in page)
        oldest = min(r.rowid for r in page)
        assert {r.body for r in await store.before(BOB, newest, 50)} == everything - {page[-1].body}
        assert {r.body for r in await store.after(BOB, oldest, 50)} == everything - {page[0].body}
        assert {r.body for r in await store.before(BOB, T0, 50)} >= {"year one", "minimum"}
        hits = await store.search("year")
        assert {r.body for r in hits} == {"year one", "year 9999"} and all(showable(r.time) for r in hits)
        assert {r.body for r in await store.grep(BOB, "m")} == {"normal", "minimum", "maximum", "text time"}
        assert showable((await store.get(6)).time)
        assert showable(await store.newest_time())
    finally:
        await store.close()


def test_an_overflow_on_the_worker_is_a_history_error():
    """Whatever arithmetic on a stored value still overflows reaches callers
    as the one error they handle, not as an OverflowError."""
    import pytest

    from tui.store.history import HistoryError, with_history_errors

    def overflowing():
        return EPOCH - timedelta(days=1_000_000)

    with pytest.raises(HistoryError, match="out of range"):
        with_history_errors(overflowing)


async def test_a_message_stamped_at_the_epoch_itself_gets_a_true_rowid(tmp_path):
    """Stamps before 1970 are clamped to the epoch: the first of them must
    not take rowid 0, which callers would read as "not stored" (the window
    then showed it twice: once from the store, once more as new)."""
    async with await HistoryStore.open(tmp_path / "h.sqlite3") as store:
        first = await store.add(StoredMessage(peer=BOB, direction="in", body="a", time=EPOCH, msg_id="1"))
        second = await store.add(StoredMessage(peer=BOB, direction="in", body="b", time=EPOCH, msg_id="2"))
        assert first.rowid and second.rowid and first.rowid < second.rowid
        assert [r.body for r in await store.latest(BOB, 10)] == ["a", "b"]
