"""The history's inbox (tui/store/inbox.py): a flood is on disk batch by
batch without touching the indexed file, and merged once; every read,
search, correction and receipt sees it merged; a crash (its files copied
while a connection is still open) replays it once; a copy of a waiting
message is refused and the ids it brings are kept."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import pytest

from tests.harness.wait import until
from tui.store import HistoryStore, StoredMessage
from tui.store import history as history_module
from tui.store.database import HistoryDatabase
from tui.store.inbox import inbox_path

ROOM = "room@conference.example.org"
BOB = "bob@example.org"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def room_line(n: int, **fields) -> StoredMessage:
    values = {"stanza_id": f"s-{n:05}", "msg_id": f"m-{n:05}", **fields}
    return StoredMessage(peer=ROOM, direction="in", kind="groupchat", nick=f"n{n % 3}",
                         body=f"line {n} good morning", time=T0 + timedelta(milliseconds=n), **values)


def flood(db: HistoryDatabase, first: int, count: int, batch: int = 20) -> None:
    for start in range(first, first + count, batch):
        stored = db.add_batch([room_line(n) for n in range(start, min(start + batch, first + count))])
        assert all(record is not None and record.rowid for record in stored)


def bodies(db: HistoryDatabase, peer: str = ROOM) -> list[str]:
    return [r.text for r in db.latest(peer, 10_000)]


def wal_bytes(path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def crash_image(path, where):
    """The files as a kill -9 would leave them now (no connection closed)."""
    where.mkdir()
    for suffix in ("", "-wal", "-inbox"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            shutil.copyfile(source, where / (path.name + suffix))
    return where / path.name


@pytest.fixture
def path(tmp_path):
    return tmp_path / "history.sqlite3"


def test_a_flood_waits_in_the_inbox_file_and_leaves_the_indexed_file_alone(path):
    db = HistoryDatabase(path)
    flood(db, 0, 1)  # the room's first line: its peer row is written
    wal = wal_bytes(path)
    flood(db, 1, 199)
    assert db.inbox_rows == 200
    assert wal_bytes(path) == wal  # not a page of the database changed
    assert len(inbox_path(path).read_bytes().splitlines()) == 200
    assert inbox_path(path).stat().st_mode & 0o777 == 0o600  # message text: ours only, as the history
    assert bodies(db) == [f"line {n} good morning" for n in range(200)]  # a read merges first
    assert db.inbox_rows == 0 and inbox_path(path).stat().st_size == 0
    assert [r.text for r in db.search('"good morning"', ROOM, limit=500)] == bodies(db)
    db.close()


def test_a_crash_with_a_full_inbox_replays_it_once(path, tmp_path):
    db = HistoryDatabase(path)
    flood(db, 0, 100)
    db.merge_inbox()
    flood(db, 100, 150)
    assert db.inbox_rows == 150
    crashed = crash_image(path, tmp_path / "crashed")
    db.close()
    again = HistoryDatabase(crashed)
    assert again.inbox_rows == 0  # opening merged what the crash left
    assert bodies(again) == [f"line {n} good morning" for n in range(250)]
    again.close()
    once_more = HistoryDatabase(crashed)
    assert once_more.count(ROOM) == 250
    assert len(once_more.search("morning", ROOM, limit=1000)) == 250
    once_more.close()


def test_a_crash_between_a_merge_and_emptying_the_file_adds_nothing_twice(path):
    db = HistoryDatabase(path)
    flood(db, 0, 60)
    left_behind = inbox_path(path).read_bytes()
    db.merge_inbox()
    db.close()
    inbox_path(path).write_bytes(left_behind)  # as if killed right after the merge's COMMIT
    again = HistoryDatabase(path)
    assert again.inbox_rows == 0 and inbox_path(path).stat().st_size == 0  # merged, not stuck
    assert bodies(again) == [f"line {n} good morning" for n in range(60)]
    assert len(again.search("morning", ROOM, limit=1000)) == 60
    again.close()


def test_a_line_a_crash_tore_is_dropped_and_the_others_kept(path, tmp_path):
    db = HistoryDatabase(path)
    flood(db, 0, 40)
    crashed = crash_image(path, tmp_path / "crashed")
    db.close()
    torn = inbox_path(crashed)
    torn.write_bytes(torn.read_bytes()[:-7])
    again = HistoryDatabase(crashed)
    assert bodies(again) == [f"line {n} good morning" for n in range(39)]
    again.close()


def test_a_copy_of_a_waiting_message_is_refused_and_the_ids_it_brings_are_kept(path, tmp_path):
    db = HistoryDatabase(path)
    live = StoredMessage(peer=BOB, direction="in", body="hi", time=T0, msg_id="a1", origin_id="o1")
    assert db.add_batch([live])[0] is not None
    archived = StoredMessage(peer=BOB, direction="in", body="hi", time=T0 + timedelta(seconds=1),
                             msg_id="a1", origin_id="o1", stanza_id="s1")
    # the archive's copy, twice in one batch, and a different message with the same id
    other = StoredMessage(peer=BOB, direction="in", body="another", time=T0, msg_id="a1", origin_id="o2")
    assert [r is None for r in db.add_batch([archived, archived, other])] == [True, True, False]
    assert db.inbox_rows == 2
    crashed = crash_image(path, tmp_path / "crashed")
    assert bodies(db, BOB) == ["hi", "another"]
    assert db.newest_stanza_id(BOB) == "s1"
    db.close()
    again = HistoryDatabase(crashed)  # the stanza-id reached the file, not only the table
    assert bodies(again, BOB) == ["hi", "another"]
    assert again.newest_stanza_id(BOB) == "s1"
    again.close()


def test_a_second_process_on_the_same_history_merges_each_batch(path):
    first = HistoryDatabase(path)
    second = HistoryDatabase(path)  # the inbox file is the first one's
    flood(second, 0, 30)
    assert second.inbox_rows == 0
    flood(first, 30, 30)
    assert first.inbox_rows == 30
    assert bodies(first) == [f"line {n} good morning" for n in range(60)]
    assert bodies(second) == bodies(first)
    first.close()
    second.close()


async def test_a_just_arrived_line_is_found_corrected_and_marked(path):
    async with await HistoryStore.open(path) as store:
        ours = await store.add(StoredMessage(peer=BOB, direction="out", body="good morning", time=T0,
                                             msg_id="x1", origin_id="x1", delivery="pending"))
        assert ours is not None and store.database.inbox_rows == 1
        assert [r.rowid for r in await store.search('"good morning"')] == [ours.rowid]
        await store.add(StoredMessage(peer=BOB, direction="in", body="later", time=T0 + timedelta(seconds=1)))
        marked = await store.set_delivery(BOB, "x1", "delivered")
        assert marked is not None and marked.delivery == "delivered"
        await store.add(StoredMessage(peer=BOB, direction="out", body="good mornin", time=T0 + timedelta(seconds=2), msg_id="x2"))
        corrected = await store.apply_correction(BOB, "out", "x1", "good evening", correction_id="x3")
        assert corrected is not None and corrected.rowid == ours.rowid and corrected.text == "good evening"
        newest = await store.latest(BOB, 1)
        assert [r.text for r in await store.before(BOB, newest[0].rowid, 10)] == ["good evening", "later"]


async def test_the_store_merges_once_a_flood_pauses(path, monkeypatch):
    monkeypatch.setattr(history_module, "MERGE_IDLE", 0.2)
    async with await HistoryStore.open(path) as store:
        for start in range(0, 100, 20):
            await store.add_many([room_line(n) for n in range(start, start + 20)])
        await until(lambda: store.database.inbox_rows == 0)  # no read asked for it
        assert inbox_path(path).stat().st_size == 0
        assert [r.text for r in await store.latest(ROOM, 200)] == [f"line {n} good morning" for n in range(100)]


def test_a_crash_that_lost_a_new_peer_row_still_files_its_messages_under_it(path, tmp_path):
    db = HistoryDatabase(path)
    flood(db, 0, 10)
    before = crash_image(path, tmp_path / "crashed")  # the database as the crash leaves it…
    carol = StoredMessage(peer="carol@example.org", direction="in", body="first words", time=T0)
    assert db.add_batch([carol])[0] is not None  # …had the transaction creating carol not committed
    shutil.copyfile(inbox_path(path), inbox_path(before))  # while her line was already written
    db.close()
    again = HistoryDatabase(before)
    assert bodies(again, "carol@example.org") == ["first words"]
    assert bodies(again) == [f"line {n} good morning" for n in range(10)]
    again.close()


def test_two_processes_stamping_alike_keep_both_messages_and_one_copy(path):
    first = HistoryDatabase(path)
    second = HistoryDatabase(path)  # cannot see what waits in the first's inbox
    mine = first.add_batch([StoredMessage(peer=BOB, direction="in", body="to the first", time=T0,
                                          stanza_id="s1")])[0]
    theirs = second.add_batch([StoredMessage(peer=BOB, direction="in", body="to the second", time=T0,
                                             stanza_id="s2")])[0]
    assert mine is not None and theirs is not None and mine.rowid == theirs.rowid  # the same stamp
    later = T0 + timedelta(seconds=1)
    both = [StoredMessage(peer=BOB, direction="in", body="to both", time=later, stanza_id="s3")]
    assert first.add_batch(both)[0] is not None and second.add_batch(both)[0] is not None
    # merged: ours moved after theirs, and one copy of what both stored
    assert bodies(first, BOB) == ["to the second", "to the first", "to both"]
    first.close()
    second.close()
