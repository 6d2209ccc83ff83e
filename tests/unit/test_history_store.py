"""The history store on a real SQLite file (tmp_path): duplicates in every
order, batching, paging, search, corrections, delivery, reopening, and an
event loop that keeps running while a big batch is written."""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
import stat
import threading
from datetime import datetime, timedelta, timezone

import pytest

from tui.core.model import Delivery
from tui.store import HistoryClosed, HistoryError, HistoryStore, StoredMessage, history, history_path
from tui.store.schema import SCHEMA_VERSION

BOB = "bob@example.org"
CAROL = "carol@example.org"
ROOM = "room@conference.example.org"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def msg(body="hello", *, peer=BOB, direction="in", at=T0, **fields) -> StoredMessage:
    return StoredMessage(peer=peer, direction=direction, body=body, time=at, **fields)


@pytest.fixture
async def store(tmp_path):
    opened = await HistoryStore.open(tmp_path / "history.sqlite3")
    yield opened
    await opened.close()


# -- the file ------------------------------------------------------------------


def test_history_path_is_per_account_and_filesystem_safe(tmp_path):
    assert history_path(tmp_path, "Alice@Example.org/phone") == tmp_path / "history" / "alice@example.org.sqlite3"
    odd = history_path(tmp_path, "we/ird\\na*me?@example.org").name
    assert "/" not in odd and "\\" not in odd and "*" not in odd and "?" not in odd
    assert history_path(tmp_path, "a:b@x") != history_path(tmp_path, "a_b@x")
    assert history_path(tmp_path, ".hidden@x").name.startswith("%2E")
    long_name = history_path(tmp_path, "x" * 1000 + "@example.org").name
    assert len(long_name) < 200
    assert long_name != history_path(tmp_path, "x" * 999 + "@example.org").name


async def test_open_creates_a_private_wal_file_with_a_schema_version(tmp_path):
    path = history_path(tmp_path, "alice@example.org")
    store = await HistoryStore.open(path)
    await store.add(msg())
    await store.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


async def test_the_worker_runs_behind_the_event_loops_thread(store):
    """Its niceness is the process's plus BEHIND_THE_LOOP (Linux: per thread),
    the loop's thread's is left as it was; the store works the same."""
    loop_thread = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, loop_thread)

    def on_the_worker() -> tuple[int, int]:
        return threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    worker, nice = await asyncio.get_running_loop().run_in_executor(store._executor, on_the_worker)
    assert worker != loop_thread
    assert nice == min(19, before + history.BEHIND_THE_LOOP)
    assert os.getpriority(os.PRIO_PROCESS, loop_thread) == before
    assert await store.add(msg("after")) is not None


async def test_reopening_keeps_the_messages(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = await HistoryStore.open(path)
    stored = await store.add(msg("remember me", stanza_id="s1", msg_id="m1"))
    await store.close()
    store = await HistoryStore.open(path)
    try:
        assert [m.body for m in await store.latest(BOB, 10)] == ["remember me"]
        assert await store.get(stored.rowid) == stored
        assert await store.add(msg("remember me", stanza_id="s1")) is None  # still a duplicate
    finally:
        await store.close()


async def test_a_file_from_a_newer_version_or_not_a_database_is_one_clear_error(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(HistoryError, match="schema version") as info:
        await HistoryStore.open(newer)
    assert "\n" not in str(info.value)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database, just text " * 200)
    with pytest.raises(HistoryError, match="cannot open history") as info:
        await HistoryStore.open(garbage)
    assert "\n" not in str(info.value)


async def test_a_closed_store_refuses_calls(tmp_path):
    store = await HistoryStore.open(tmp_path / "h.sqlite3")
    await store.close()
    await store.close()  # twice is fine
    with pytest.raises(HistoryClosed):
        await store.add(msg())
    with pytest.raises(HistoryClosed):
        await store.latest(BOB, 5)


async def test_records_are_validated(store):
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.add(msg(at=datetime(2024, 1, 1)))
    with pytest.raises(ValueError, match="direction"):
        await store.add(msg(direction="sideways"))
    with pytest.raises(ValueError, match="delivery"):
        await store.add(msg(delivery="lost"))
    assert await store.count() == 0


async def test_fields_round_trip_unicode_safe(store):
    original = msg(
        "😀 日本語 e\u0301 \u202e ok\nsecond line", nick="Bøb", kind="action", stanza_id="s", origin_id="o",
        msg_id="m", delivery=Delivery.SENT, elsewhere=True, direction="out",
        at=datetime(2024, 3, 1, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
    )
    stored = await store.add(original)
    assert stored.rowid is not None and stored.delivery == "sent"
    back = await store.get(stored.rowid)
    assert back == stored
    assert back.time == original.time and back.time.tzinfo == timezone.utc
    lone = await store.add(msg("broken \ud800 surrogate", msg_id="x"))
    assert (await store.get(lone.rowid)).body == "broken ? surrogate"


# -- duplicates ------------------------------------------------------------------

# One incoming message from bob as it arrives live (Prosody adds our archive's
# stanza-id), as a carbon to our other device, and from MAM.
LIVE = dict(msg_id="m1", stanza_id="S1")
CARBON = dict(msg_id="m1", stanza_id="S1", elsewhere=True)
MAM = dict(msg_id="m1", stanza_id="S1", origin_id="o1")
# A slixmpp peer sets no origin-id; our live copy may lack the stanza-id.
BARE_LIVE = dict(msg_id="m1")


@pytest.mark.parametrize("order", list(itertools.permutations([LIVE, CARBON, MAM])))
async def test_the_same_message_live_carbon_and_mam_is_stored_once(store, order):
    results = [await store.add(msg("hi bob", **copy)) for copy in order]
    assert results[0] is not None and results[1:] == [None, None]
    [only] = await store.latest(BOB, 10)
    # Whatever came first, the ids the others brought are filled in.
    assert (only.stanza_id, only.origin_id, only.msg_id) == ("S1", "o1", "m1")


@pytest.mark.parametrize("first_mam", [False, True])
async def test_own_message_then_its_archive_copy_in_either_order(store, first_mam):
    sent = msg("on my way", direction="out", msg_id="m7", origin_id="o7", delivery="sent")
    archived = msg("on my way", direction="out", msg_id="m7", origin_id="o7", stanza_id="S7",
                   at=T0 + timedelta(seconds=1))
    copies = [archived, sent] if first_mam else [sent, archived]
    assert [await store.add(c) is None for c in copies] == [False, True]
    [only] = await store.latest(BOB, 10)
    assert only.stanza_id == "S7"


async def test_a_peer_without_origin_id_is_matched_by_id_and_body(store):
    assert await store.add(msg("plain slixmpp", **BARE_LIVE)) is not None
    # The MAM copy, stamped by the server a little later, brings the stanza-id...
    assert await store.add(msg("plain slixmpp", msg_id="m1", stanza_id="S1", at=T0 + timedelta(seconds=2))) is None
    [only] = await store.latest(BOB, 10)
    assert only.stanza_id == "S1"
    # ...so a third copy matches on it directly.
    assert await store.add(msg("plain slixmpp", stanza_id="S1")) is None
    assert await store.count(BOB) == 1


async def test_bare_copies_in_the_other_order(store):
    assert await store.add(msg("plain", msg_id="m1", stanza_id="S1")) is not None
    assert await store.add(msg("plain", **BARE_LIVE)) is None
    assert await store.count() == 1


async def test_look_alikes_that_are_different_messages_are_kept(store):
    await store.add(msg("ok", msg_id="m1", stanza_id="S1"))
    distinct = [
        msg("ok", msg_id="m1", stanza_id="S2"),  # the archive says: another message
        msg("ok!", msg_id="m1"),  # same id, other body
        msg("ok", msg_id="m1", at=T0 + timedelta(days=30)),  # a client reusing ids later
        msg("ok", msg_id="m1", direction="out"),  # our own, not bob's
        msg("ok", msg_id="m1", peer=CAROL),  # another conversation
    ]
    assert None not in await store.add_many(distinct)
    await store.add(msg("x", origin_id="o1", msg_id="a"))
    assert await store.add(msg("y", origin_id="o1", msg_id="b", direction="out")) is not None
    assert await store.count() == 8


async def test_same_origin_id_with_different_archive_ids_is_two_messages(store):
    await store.add(msg("twice", origin_id="o1", stanza_id="S1"))
    assert await store.add(msg("twice", origin_id="o1", stanza_id="S2")) is not None


async def test_in_a_room_an_occupant_cannot_hide_anothers_message_by_copying_its_ids(store):
    victim = msg("real", peer=ROOM, kind="groupchat", nick="victim", origin_id="o1", msg_id="m1")
    forger = msg("real", peer=ROOM, kind="groupchat", nick="forger", origin_id="o1", msg_id="m1",
                 at=T0 + timedelta(minutes=1))
    assert await store.add(forger) is not None
    assert await store.add(victim) is not None
    # The room's reflection of the victim's message is still recognised.
    assert await store.add(msg("real", peer=ROOM, kind="groupchat", nick="victim", origin_id="o1",
                               stanza_id="R1")) is None
    assert await store.count(ROOM) == 2


# -- batching ----------------------------------------------------------------


async def test_add_many_is_one_transaction_and_sees_duplicates_within_the_batch(store):
    page = [msg(f"m{i}", msg_id=f"id{i}", stanza_id=f"S{i}", at=T0 + timedelta(seconds=i)) for i in range(150)]
    page.insert(50, msg("m3", msg_id="id3", stanza_id="S3", at=T0 + timedelta(seconds=3)))
    results = await store.add_many(page)
    assert len(results) == 151 and results[50] is None
    assert sum(r is not None for r in results) == 150
    assert [m.body for m in await store.latest(BOB, 200)] == [f"m{i}" for i in range(150)]
    assert await store.add_many([]) == []


async def test_a_batch_looks_up_only_the_messages_that_share_an_id_with_a_stored_one(store, monkeypatch):
    """A flood's batch asks the indexes once for all its ids; only a message
    sharing one with a stored row (or the inbox, or an earlier one in the
    batch) goes through the per-message duplicate rules — and every copy is
    still found: by stanza-id, by origin-id, by id and body, in the batch,
    and after a copy filled in the ids a later copy is found by."""
    await store.add(msg("stored by stanza-id", stanza_id="S1", at=T0))
    await store.add(msg("stored by id and body", msg_id="m2", at=T0))
    assert await store.count(BOB) == 2  # a read merges the inbox: both are in the indexed table
    looked_up: list[str] = []
    real = store.database._find_duplicate

    def recording(peer_id, message, time_us):
        looked_up.append(message.body)
        return real(peer_id, message, time_us)

    monkeypatch.setattr(store.database, "_find_duplicate", recording)
    batch = [msg(f"new {i}", stanza_id=f"N{i}", msg_id=f"n{i}", at=T0 + timedelta(seconds=i)) for i in range(30)]
    results = await store.add_many(batch)
    assert None not in results and looked_up == []  # nothing shares an id: no per-message look-up

    copies = [
        msg("fresh", stanza_id="F1", at=T0),
        msg("fresh again", msg_id="f2", at=T0),
        msg("new 3", stanza_id="N3", msg_id="n3", at=T0 + timedelta(seconds=3)),  # in the inbox
        msg("stored by stanza-id", stanza_id="S1", at=T0),  # in messages
        msg("stored by id and body", msg_id="m2", origin_id="o2", at=T0),  # fills in o2
        msg("stored by id and body", origin_id="o2", at=T0),  # found by the o2 just filled in
        msg("fresh", stanza_id="F1", at=T0),  # a copy of the batch's own
    ]
    looked_up.clear()
    results = await store.add_many(copies)
    assert [r is None for r in results] == [False, False, True, True, True, True, True]
    # the first two share no id; from the first copy on, each is looked up
    assert looked_up == ["new 3", "stored by stanza-id", "stored by id and body", "stored by id and body", "fresh"]
    assert await store.count(BOB) == 30 + 2 + 2


async def test_adds_in_the_same_turn_share_one_transaction(store, monkeypatch):
    batches = []
    real = store.database.add_batch

    def recording(messages):
        batches.append(len(messages))
        return real(messages)

    monkeypatch.setattr(store.database, "add_batch", recording)
    copies = [msg(f"n{i}", msg_id=f"n{i}") for i in range(100)] + [msg("n5", msg_id="n5")]
    results = await asyncio.gather(*(store.add(c) for c in copies))
    assert batches == [101]
    assert results[-1] is None and all(r is not None for r in results[:-1])
    assert [r.body for r in results[:3]] == ["n0", "n1", "n2"]
    await store.add(msg("later"))
    assert batches == [101, 1]


async def test_calls_run_in_the_order_they_were_made(store):
    adding = asyncio.ensure_future(store.add(msg("first", msg_id="f")))
    await asyncio.sleep(0)  # the add is queued, not yet written
    # A query made after it sees it, and a delivery update finds it.
    assert [m.body for m in await store.latest(BOB, 5)] == ["first"]
    assert (await adding).body == "first"


async def test_a_big_batch_is_written_off_the_event_loop(store, monkeypatch):
    """SQLite work runs in the store's worker thread, never on the loop's
    (how long the loop stalls meanwhile: bench/bench_models.py)."""
    rows = [
        msg(f"message number {i} with a few words to index", msg_id=f"b{i}", stanza_id=f"B{i}",
            peer=f"peer{i % 50}@example.org", at=T0 + timedelta(seconds=i))
        for i in range(5_000)
    ]
    threads = set()
    real = store.database.add_batch

    def recording(messages):
        threads.add(threading.get_ident())
        return real(messages)

    monkeypatch.setattr(store.database, "add_batch", recording)
    results = await store.add_many(rows)
    assert sum(r is not None for r in results) == 5_000
    assert threads and threading.get_ident() not in threads


# -- paging ------------------------------------------------------------------


async def test_latest_before_and_after_page_in_time_order(store):
    await store.add_many([msg(f"m{i}", msg_id=f"id{i}", at=T0 + timedelta(minutes=i)) for i in range(10)])
    # An older message fetched from the archive later still sorts by its time.
    await store.add(msg("archived", stanza_id="old", at=T0 - timedelta(days=1)))
    await store.add(msg("other", peer=CAROL))
    latest = await store.latest(BOB, 4)
    assert [m.body for m in latest] == ["m6", "m7", "m8", "m9"]
    page = await store.before(BOB, latest[0].rowid, 4)
    assert [m.body for m in page] == ["m2", "m3", "m4", "m5"]
    page = await store.before(BOB, page[0].rowid, 4)
    assert [m.body for m in page] == ["archived", "m0", "m1"]
    assert await store.before(BOB, page[0].rowid, 4) == []
    by_time = await store.before(BOB, T0 + timedelta(minutes=3), 2)
    assert [m.body for m in by_time] == ["m1", "m2"]
    assert [m.body for m in await store.after(BOB, T0 + timedelta(minutes=3), 2)] == ["m3", "m4"]
    assert [m.body for m in await store.after(BOB, latest[1].rowid, 5)] == ["m8", "m9"]
    assert await store.latest("nobody@example.org", 5) == []


async def test_messages_with_the_same_stamp_keep_their_arrival_order(store):
    await store.add_many([msg(f"s{i}", msg_id=f"s{i}") for i in range(1100)])  # > 1024 in one microsecond
    assert [m.body for m in await store.latest(BOB, 1100)] == [f"s{i}" for i in range(1100)]


async def test_newest_stanza_id_is_our_archives_not_a_rooms(store):
    assert await store.newest_stanza_id() is None and await store.newest_time() is None
    await store.add(msg("a", stanza_id="A", at=T0))
    await store.add(msg("b", stanza_id="B", at=T0 + timedelta(hours=1), peer=CAROL))
    await store.add(msg("own, not yet archived", direction="out", at=T0 + timedelta(hours=2)))
    await store.add(msg("room", stanza_id="R", kind="groupchat", peer=ROOM, nick="x", at=T0 + timedelta(hours=3)))
    await store.add(msg("room /me", stanza_id="R2", kind="action", room=True, peer=ROOM, at=T0 + timedelta(hours=4)))
    await store.add(msg("older, fetched late", stanza_id="Z", at=T0 - timedelta(days=3)))
    forged = datetime.now(timezone.utc) + timedelta(days=400)
    await store.add(msg("forged delay", stanza_id="F", at=forged))
    assert await store.newest_stanza_id() == "B"
    assert await store.newest_stanza_id(ROOM) == "R2"
    assert await store.newest_stanza_id(BOB) == "A"
    assert await store.newest_time() == T0 + timedelta(hours=4)
    assert await store.newest_time(CAROL) == T0 + timedelta(hours=1)


# -- search and lastlog ------------------------------------------------------------


HOSTILE = [
    '"', '""', '"unbalanced', 'AND', 'OR', 'NOT', 'a AND', 'NEAR(', 'NEAR(a b', '*', '**', 'a*b',
    '-', '-apple', 'body:apple', ':', '^', '(', ')', '((apple', 'apple)', "'", '{a b}', '+',
    'apple -', '\\', '\x00', '', '   ', '😀', 'a"b"c', '"apple', 'col:', 'apple NEAR/2 pie',
]


@pytest.mark.parametrize("pattern", HOSTILE)
async def test_hostile_search_patterns_never_raise(store, pattern, caplog):
    await store.add(msg("apple pie AND more"))
    assert isinstance(await store.search(pattern), list)
    assert isinstance(await store.search(pattern, peer=BOB), list)
    # Quoting made it safe, not the last-resort guard that logs and gives up.
    assert "search" not in caplog.text


async def test_plain_words_among_punctuation_still_match(store):
    await store.add(msg("apple pie AND more"))
    for pattern in ['apple', '"apple', 'apple"', '(apple)', 'apple:', '-apple', 'apple!', 'apple*', 'APPLE', 'pie AND', 'AND']:
        assert [m.body for m in await store.search(pattern)] == ["apple pie AND more"], pattern


async def test_search_finds_words_across_conversations_newest_hits_oldest_first(store):
    await store.add_many([
        msg("Lunch at the Café tomorrow?", at=T0),
        msg("the cafe was closed", peer=CAROL, nick="carol", at=T0 + timedelta(days=1)),
        msg("nothing to see", at=T0 + timedelta(days=2)),
        msg("programming in the café", peer=ROOM, kind="groupchat", nick="dan", at=T0 + timedelta(days=3)),
    ])
    hits = await store.search("cafe")
    assert [(h.peer, h.nick) for h in hits] == [(BOB, ""), (CAROL, "carol"), (ROOM, "dan")]
    assert all(h.rowid is not None and h.time for h in hits)
    assert [h.peer for h in await store.search("CAFÉ", peer=CAROL)] == [CAROL]
    assert [h.body for h in await store.search("the cafe")] == [
        "Lunch at the Café tomorrow?", "the cafe was closed", "programming in the café"]
    assert [h.body for h in await store.search('"cafe was"')] == ["the cafe was closed"]
    assert [h.body for h in await store.search("prog*")] == ["programming in the café"]
    assert [h.peer for h in await store.search('café -"AND"')] == []  # "and" is a plain word here
    assert [h.peer for h in await store.search("cafe", limit=2)] == [CAROL, ROOM]
    assert await store.search("cafe", peer="nobody@example.org") == []
    # The index holds each row's peer number too; a search never sees it.
    assert await store.search("1") == [] and await store.search("2", peer=CAROL) == []


async def test_corrected_text_is_searchable(store):
    await store.add(msg("teh typo", direction="out", msg_id="t1"))
    await store.apply_correction(BOB, "out", "t1", "the fix")
    assert [h.text for h in await store.search("fix")] == ["the fix"]


async def test_grep_is_a_literal_case_insensitive_substring(store):
    await store.add_many([
        msg("100% sure", at=T0),
        msg("1000 sure", at=T0 + timedelta(seconds=1)),
        msg("snake_case", at=T0 + timedelta(seconds=2)),
        msg("snakeXcase", at=T0 + timedelta(seconds=3)),
        msg("ÉCOLE Straße", at=T0 + timedelta(seconds=4)),
        msg("back\\slash", at=T0 + timedelta(seconds=5)),
        msg("100% sure, in another window", peer=CAROL),
    ])
    assert [m.body for m in await store.grep(BOB, "0%")] == ["100% sure"]
    assert [m.body for m in await store.grep(BOB, "E_C")] == ["snake_case"]
    assert [m.body for m in await store.grep(BOB, "k\\s")] == ["back\\slash"]
    assert [m.body for m in await store.grep(BOB, "école")] == ["ÉCOLE Straße"]
    assert [m.body for m in await store.grep(BOB, "STRAßE")] == ["ÉCOLE Straße"]
    assert [m.body for m in await store.grep(BOB, "SURE")] == ["100% sure", "1000 sure"]
    assert [m.body for m in await store.grep(BOB, "sure", limit=1)] == ["1000 sure"]
    assert await store.grep(BOB, "") == []


# -- corrections, delivery, errors -----------------------------------------------


async def test_corrections_by_id_origin_id_and_chained(store):
    await store.add(msg("helo", direction="out", msg_id="m1", origin_id="o1"))
    first = await store.apply_correction(BOB, "out", "m1", "hello", correction_id="c1", time=T0 + timedelta(seconds=5))
    assert (first.body, first.corrected_body, first.text) == ("helo", "hello", "hello")
    chained = await store.apply_correction(BOB, "out", "c1", "hello!", correction_id="c2", time=T0 + timedelta(seconds=9))
    assert chained.text == "hello!"
    # The first correction again, from MAM: older, ignored.
    assert await store.apply_correction(BOB, "out", "m1", "hello", time=T0 + timedelta(seconds=5)) is None
    assert (await store.latest(BOB, 1))[0].text == "hello!"
    assert (await store.apply_correction(BOB, "out", "o1", "by origin")).text == "by origin"
    # bob cannot correct our message; nobody corrects an unknown one.
    assert await store.apply_correction(BOB, "in", "m1", "forged") is None
    assert await store.apply_correction(BOB, "out", "nope", "x") is None


async def test_in_a_room_only_the_author_can_correct(store):
    await store.add(msg("original", peer=ROOM, kind="groupchat", nick="dan", msg_id="r1"))
    assert await store.apply_correction(ROOM, "in", "r1", "forged", nick="eve") is None
    assert (await store.apply_correction(ROOM, "in", "r1", "fixed", nick="dan")).text == "fixed"


async def test_delivery_and_errors_follow_the_message(store):
    sent = await store.add(msg("are you there", direction="out", msg_id="m1", origin_id="o1", delivery="pending"))
    assert (await store.set_delivery(BOB, "m1", "sent")).delivery == "sent"
    assert (await store.set_delivery(BOB, "o1", Delivery.DELIVERED)).delivery == "delivered"
    # A late "sent" never undoes the receipt.
    assert (await store.set_delivery(BOB, "m1", "sent")).delivery == "delivered"
    failed = await store.set_error(BOB, "m1", "recipient-unavailable")
    assert (failed.delivery, failed.error) == ("failed", "recipient-unavailable")
    retried = await store.set_delivery(BOB, "m1", "sent")  # /retry
    assert (retried.delivery, retried.error, retried.rowid) == ("sent", None, sent.rowid)
    assert await store.set_delivery(BOB, "unknown", "sent") is None
    assert await store.set_delivery("nobody@example.org", "m1", "sent") is None
    assert await store.set_delivery(BOB, "m1", "sent", direction="in") is None
    with pytest.raises(ValueError):
        await store.set_delivery(BOB, "m1", "teleported")
    # The store keeps working after a rejected call.
    assert (await store.get(sent.rowid)).delivery == "sent"


# -- the outbox ----------------------------------------------------------------


async def test_the_outbox_is_our_unacknowledged_chat_messages_oldest_first(store):
    await store.add(msg("second", direction="out", at=T0 + timedelta(seconds=2), origin_id="o2", delivery="pending"))
    await store.add(msg("first", direction="out", peer=CAROL, at=T0 + timedelta(seconds=1), origin_id="o1",
                        delivery="pending"))
    await store.add(msg("acked", direction="out", at=T0, origin_id="o0", delivery="sent"))
    await store.add(msg("theirs", at=T0 + timedelta(seconds=3), delivery="pending"))
    await store.add(msg("in a room", direction="out", peer=ROOM, kind="groupchat", nick="me",
                        at=T0 + timedelta(seconds=4), origin_id="o4", delivery="pending"))
    assert [(r.peer, r.body) for r in await store.outbox()] == [(CAROL, "first"), (BOB, "second")]
    await store.set_delivery(CAROL, "o1", "sent")  # the server acknowledged it
    assert [r.body for r in await store.outbox()] == ["second"]


async def test_a_version_1_file_migrates_and_its_old_pending_lines_wait_for_retry(tmp_path):
    from tui.store.schema import MIGRATIONS

    path = tmp_path / "v1.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](db)  # creates version 1
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO peers(id, jid) VALUES (1, ?)", (BOB,))
    for rowid, body, delivery in ((1 << 10, "typed offline long ago", "pending"), (2 << 10, "sent", "sent")):
        db.execute("INSERT INTO messages(id, peer_id, direction, kind, time_us, body, origin_id, delivery)"
                   " VALUES (?, 1, 'out', 'chat', 0, ?, ?, ?)", (rowid, body, body, delivery))
    db.close()
    async with await HistoryStore.open(path) as store:
        assert await store.outbox() == []  # never sent by surprise: /retry sends it
        old = (await store.latest(BOB, 10))[0]
        assert (old.body, old.delivery, old.error) == ("typed offline long ago", "failed", "typed while offline, not sent")
        await store.add(msg("new", direction="out", origin_id="n", delivery="pending"))
        assert [r.body for r in await store.outbox()] == ["new"]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    db.close()


async def test_known_tells_duplicates_without_writing(store):
    await store.add(msg("hi", msg_id="a", origin_id="o1"))
    known = await store.known([msg("hi", msg_id="a", origin_id="o1"), msg("other", origin_id="o2"),
                               msg("hi", peer=CAROL, origin_id="o1")])
    assert known == [True, False, False]
    assert await store.count() == 1


async def test_how_a_message_was_encrypted_is_kept_and_a_version_2_file_migrates(tmp_path, store):
    from tui.store.schema import MIGRATIONS
    from tui.xmpp.stored_lines import stored_line

    await store.add(msg("came encrypted", encryption="otr"))
    await store.add(msg("typed", direction="out", origin_id="o9", delivery="pending"))
    await store.set_encryption(BOB, "o9", "pgp")  # it went out encrypted after it was stored
    records = await store.latest(BOB, 10)
    assert [(r.body, r.encryption) for r in records] == [("came encrypted", "otr"), ("typed", "pgp")]
    assert [stored_line(r, BOB).encryption for r in records] == ["otr", "pgp"]  # the log marks them

    path = tmp_path / "v2.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](db)
    MIGRATIONS[1](db)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO peers(id, jid) VALUES (1, ?)", (BOB,))
    db.execute("INSERT INTO messages(id, peer_id, direction, kind, time_us, body) VALUES (1024, 1, 'in', 'chat', 0, 'old')")
    db.close()
    async with await HistoryStore.open(path) as old:
        assert [(r.body, r.encryption) for r in await old.latest(BOB, 10)] == [("old", "")]  # older: in clear


async def test_a_hold_survives_a_reopening_until_released(tmp_path):
    """holds.py: where a catch-up must read from while a message is on its
    way to the store — kept across a restart (a kill), per scope, until let go."""
    path = tmp_path / "h.sqlite3"
    async with await HistoryStore.open(path) as store:
        assert await store.held("ours") is None
        await store.hold("ours", ("archive-id-7", T0))
        await store.hold("ours", ("archive-id-8", T0 + timedelta(seconds=1)))  # the latest hold wins
        await store.hold("other", (None, None))
    async with await HistoryStore.open(path) as store:
        assert await store.held("ours") == ("archive-id-8", T0 + timedelta(seconds=1))
        assert await store.held("other") == (None, None)
        await store.release("ours")
        assert await store.held("ours") is None
        assert await store.held("other") == (None, None)
