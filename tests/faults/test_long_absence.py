"""Back after a long absence: what was said meanwhile is only in our archive
(alice's phone was online and got it: nothing went to offline storage), a
reading of several pages. Each page shows as it comes, and a line typed
meanwhile does not wait for the whole reading (bob's live answer does: it
shows after what the archive brings, in arrival order). A reading cut short
goes on from the last page it stored. A room's absence likewise, when its
archive counts it within what a catch-up takes (and no further, whatever
the count said).

The server is real; the archive's later pages are held back on their way
out of alice's client (an outgoing filter), so "the reading is not over"
is a state the test controls, not a race it hopes to win.
"""

from __future__ import annotations

import asyncio
import logging

from tests.harness.client import headless_client, status_text, window_text
from tests.harness.cut_links import (  # noqa: F401  (fixtures)
    back_online, cut, cut_link, quiet, session_expired, short_hibernation_prosody,
)
from tests.harness.mam import after_ids
from tests.harness.wait import until
from tui.core.model import LineKind, now
from tui.xmpp.conversation.history import MAM_PAGE, STAMP_RESOLUTION

MISSED = [f"missed {n:03d}" for n in range(2 * MAM_PAGE + MAM_PAGE // 2)]  # three pages
RSM_AFTER = "{http://jabber.org/protocol/rsm}after"
RSM_BEFORE = "{http://jabber.org/protocol/rsm}before"


class LaterPages:
    """An outgoing filter: the archive queries that ask for a page after
    the first (RSM <after/>; ``older``: a page before one read, RSM
    <before>id</before>) are held until released."""

    def __init__(self, xmpp, *, older: bool = False) -> None:
        self.xmpp = xmpp
        self.older = older
        self.held: list = []
        self.queries: list = []  # every archive query alice sent, as sent
        self.holding = True
        xmpp.add_filter("out", self)

    def _later(self, query) -> bool:
        if self.older:
            return bool(query.findtext(f".//{RSM_BEFORE}"))
        return query.find(f".//{RSM_AFTER}") is not None

    def __call__(self, stanza):
        query = stanza.xml.find("{urn:xmpp:mam:2}query")
        if query is None:
            return stanza
        if self.holding and self._later(query):
            self.held.append(stanza)
            return None
        self.queries.append(stanza)
        return stanza

    def release(self) -> None:
        """Send what was held, and hold nothing more."""
        self.holding = False
        for stanza in self.held:
            self.xmpp.send(stanza)
        self.held = []

    def forget(self) -> None:
        """Drop what was held (its stream is gone), and hold nothing more."""
        self.holding = False
        self.held = []

    def refuse(self) -> None:
        """Send what was held asking for a page next to an id the archive
        does not know (it answers with an error), and hold nothing more."""
        self.holding = False
        for stanza in self.held:
            for tag in (RSM_BEFORE, RSM_AFTER):
                cursor = stanza.xml.find(f".//{tag}")
                if cursor is not None and cursor.text:
                    cursor.text = "no-such-archive-id"
            self.xmpp.send(stanza)
        self.held = []


def lines(client, peer: str) -> list[str]:
    window = client.account.chat.find_window(peer)
    if window is None:
        return []
    return [line.body for line in window.lines if line.kind in (LineKind.INCOMING, LineKind.OUTGOING)]


async def away_while_bob_speaks(prosody, make_account, make_peer, tmp_path):
    """alice (a Parlons with a history) has bob's "before", then is gone
    while bob says MISSED to her phone."""
    jid, password = make_account("alice")
    bob = await make_peer()
    async with headless_client(prosody, jid, password, tmp_path) as alice:
        bob.send(jid, "before")
        await until(lambda: lines(alice, bob.jid) == ["before"], timeout=10, message=lambda: status_text(alice))
        await quiet(alice)
    phone = await make_peer(jid=jid, password=password)
    for body in MISSED:
        bob.send(jid, body)
    await until(lambda: phone.bodies() == MISSED, timeout=20, message=lambda: f"the phone has {len(phone.bodies())}")
    # An absence: the archive's stamps (whole seconds) are older than what is
    # said from now on (within a stamp's second, arrival order would decide).
    said = now()
    await until(lambda: now() - said > STAMP_RESOLUTION, timeout=5)
    return jid, password, bob


async def test_a_long_absence_shows_page_by_page_and_what_is_typed_meanwhile_goes_at_once(
        prosody, make_account, make_peer, tmp_path):
    jid, password, bob = await away_while_bob_speaks(prosody, make_account, make_peer, tmp_path)

    async with headless_client(prosody, jid, password, tmp_path, wait_online=False) as alice:
        pages = LaterPages(alice.account.session.xmpp)  # before the session's first stanza
        await until(lambda: pages.held, timeout=10, message=lambda: status_text(alice))
        # the first page is shown while the second has not even been asked for
        await until(lambda: lines(alice, bob.jid) == ["before"] + MISSED[:MAM_PAGE], timeout=10,
                    message=lambda: f"{lines(alice, bob.jid)[-3:]}\n{status_text(alice)}")
        assert alice.account.chat.archive.reading

        # a line typed now is shown and sent at once
        await asyncio.wait_for(alice.account.chat.send(bob.jid, "back!"), timeout=5)
        assert lines(alice, bob.jid)[-1] == "back!"
        await until(lambda: bob.bodies() == ["back!"], timeout=5, message=lambda: repr(bob.bodies()))
        bob.send(jid, "welcome back")  # live: shown after the reading, in arrival order

        # the rest of the absence comes in its place: before what was said since
        pages.release()
        expected = ["before"] + MISSED + ["back!", "welcome back"]
        await until(lambda: lines(alice, bob.jid) == expected, timeout=10,
                    message=lambda: f"{len(lines(alice, bob.jid))} lines: {lines(alice, bob.jid)[-4:]}")
        await quiet(alice)
        assert lines(alice, bob.jid) == expected
        records = await alice.account.store.db.latest(bob.jid, 1000)
        assert [record.body for record in records] == expected  # stored once each, in order
        assert not alice.account.chat.archive.reading and alice.account.chat.archive.caught_up


async def test_a_reading_cut_short_goes_on_from_the_last_page_it_stored(prosody, make_account, make_peer, tmp_path):
    jid, password, bob = await away_while_bob_speaks(prosody, make_account, make_peer, tmp_path)

    async with headless_client(prosody, jid, password, tmp_path, wait_online=False) as alice:
        session = alice.account.session
        pages = LaterPages(session.xmpp)
        await until(lambda: pages.held, timeout=10, message=lambda: status_text(alice))
        await until(lambda: lines(alice, bob.jid) == ["before"] + MISSED[:MAM_PAGE], timeout=10,
                    message=lambda: f"{lines(alice, bob.jid)[-3:]}\n{status_text(alice)}")
        await session.disconnect()  # the second page's query goes with the connection
        await until(lambda: not alice.account.chat.archive.reading, timeout=10)
        page_one = await alice.account.store.db.latest(bob.jid, 1)
        assert [record.body for record in page_one] == [MISSED[MAM_PAGE - 1]]

        pages.forget()
        pages.queries.clear()
        session.connect()
        await until(lambda: alice.account.chat.archive.caught_up, timeout=10, message=lambda: status_text(alice))
        await quiet(alice)
        # the new reading started after the first page, not from "before" again
        assert after_ids(pages.queries)[:1] == [page_one[0].stanza_id]
        expected = ["before"] + MISSED
        assert lines(alice, bob.jid) == expected
        records = await alice.account.store.db.latest(bob.jid, 1000)
        assert [record.body for record in records] == expected


async def test_a_message_the_old_stream_delivered_unacknowledged_is_not_sent_again(
        short_hibernation_prosody, make_account, make_peer, tmp_path, cut_link):
    """alice's "hello" reached bob, but the server's ack of it never reached
    alice before her link died; her session expired. The fresh session's
    reading of the archive (beside the account's queue) says the server has
    it: it is not sent again — while a line typed now still goes at once."""
    server = short_hibernation_prosody
    proxy, alice, bob = await cut_link(server, make_account, make_peer, tmp_path)
    xmpp = alice.account.session.xmpp

    def no_acks(stanza):  # the server's acks (XEP-0198 <a/>) are lost on the way
        return None if stanza.xml.tag == "{urn:xmpp:sm:3}a" else stanza
    xmpp.add_filter("in", no_acks)
    await alice.account.chat.send(bob.jid, "hello")
    await until(lambda: bob.bodies() == ["hello"], timeout=5, message=lambda: repr(bob.bodies()))
    await cut(proxy, alice)
    xmpp.del_filter("in", no_acks)
    await session_expired(server, alice)
    assert len(alice.account.chat.outbox) == 1  # "hello", never acknowledged

    pages = LaterPages(xmpp)  # (a single page: nothing is held, the archive's queries are counted)
    proxy.refuse = False
    await back_online(alice, resumed=False)
    await asyncio.wait_for(alice.account.chat.send(bob.jid, "back"), timeout=5)
    await until(lambda: alice.account.chat.archive.caught_up, timeout=10, message=lambda: status_text(alice))
    await quiet(alice)
    await until(lambda: bob.bodies() == ["hello", "back"], timeout=5, message=lambda: repr(bob.bodies()))
    await bob.acknowledge()
    assert bob.bodies() == ["hello", "back"]
    assert pages.queries  # the archive was read
    assert len(alice.account.chat.outbox) == 0


async def test_a_room_being_caught_up_keeps_no_one_else_waiting(alice, make_peer, prosody):
    """alice rejoins a room whose archive holds what bob said while she was
    out. While that reading is under way (its query held back), a line she
    types to carol goes at once, and another room's line shows; bob's line
    said meanwhile follows what the archive brings, in order."""
    from tests.harness.rooms import joined, open_room, room_name, say

    bob, carol = await make_peer(), await make_peer()
    room, other = room_name(prosody, "back"), room_name(prosody, "other")
    await open_room(bob, room, "bob")
    await open_room(carol, other, "carol")
    window, _ = await joined(alice, room)
    other_window, _ = await joined(alice, other)
    say(bob, room, "before")
    await until(lambda: bodies_of(window) == ["before"], timeout=5, message=lambda: repr(bodies_of(window)))
    await quiet(alice)
    await alice.account.muc.leave(room)
    await alice.account.session.xmpp.plugin["xep_0199"].ping(timeout=5)  # the room saw her go
    missed = [f"while out {n}" for n in range(5)]
    for body in missed:
        say(bob, room, body)
    await bob.plugin["xep_0199"].ping(timeout=5)  # the room has them (one ordered stream)

    xmpp = alice.account.session.xmpp
    held: list = []

    def hold_room_archive(stanza):
        if stanza.xml.find("{urn:xmpp:mam:2}query") is not None and stanza["to"].bare == room:
            held.append(stanza)
            return None
        return stanza
    xmpp.add_filter("out", hold_room_archive)
    try:
        await alice.account.muc.join(room)
        await until(lambda: held, timeout=5)
        await asyncio.wait_for(alice.account.chat.send(carol.jid, "hi carol"), timeout=5)
        await until(lambda: carol.bodies() == ["hi carol"], timeout=5, message=lambda: repr(carol.bodies()))
        say(carol, other, "in the other room")
        await until(lambda: bodies_of(other_window) == ["in the other room"], timeout=5,
                    message=lambda: repr(bodies_of(other_window)))
        say(bob, room, "said since")
        await carol.plugin["xep_0199"].ping(timeout=5)
    finally:
        xmpp.del_filter("out", hold_room_archive)
    for stanza in held:
        xmpp.send(stanza)
    expected = ["before"] + missed + ["said since"]
    await until(lambda: bodies_of(window) == expected, timeout=10, message=lambda: repr(bodies_of(window)))
    await quiet(alice)
    assert bodies_of(window) == expected
    assert [r.body for r in await alice.account.store.db.latest(room, 20)] == expected


def bodies_of(window) -> list[str]:
    return [line.body for line in window.lines if line.kind is LineKind.INCOMING]


async def away_from_a_room(alice, bob, room: str, missed: list[str]):
    """alice has bob's "before" in ``room``, then is out of it while bob says ``missed``."""
    from tests.harness.rooms import joined, open_room, say

    await open_room(bob, room, "bob")
    window, _ = await joined(alice, room)
    say(bob, room, "before")
    await until(lambda: bodies_of(window)[-1:] == ["before"], timeout=5, message=lambda: repr(bodies_of(window)))
    await quiet(alice)
    await alice.account.muc.leave(room)
    await alice.account.session.xmpp.plugin["xep_0199"].ping(timeout=5)  # the room saw her go
    for body in missed:
        say(bob, room, body)
    await bob.plugin["xep_0199"].ping(timeout=5)  # the room has them (one ordered stream)
    return window


async def away_beyond_a_catch_up(alice, make_peer, prosody, monkeypatch, name: str, count: int):
    """Pages of 4, a catch-up takes 12: alice is out of a new room while bob
    says ``count`` lines. (room, the lines, alice's window of it)"""
    from tui.xmpp.muc import archive as muc_archive

    monkeypatch.setattr(muc_archive, "MAX_CATCH_UP", 12)
    return await away_in_pages_of_4(alice, await make_peer(), prosody, monkeypatch, name, count)


async def away_in_pages_of_4(alice, bob, prosody, monkeypatch, name: str, count: int = 10):
    """Pages of 4: alice is out of a new room while bob says ``count`` lines
    (two and a half pages). (room, the lines, alice's window of it)"""
    from tests.harness.rooms import room_name
    from tui.xmpp.muc import archive as muc_archive

    monkeypatch.setattr(muc_archive, "MAM_PAGE", 4)
    room = room_name(prosody, name)
    missed = [f"while out {n:02d}" for n in range(count)]
    return room, missed, await away_from_a_room(alice, bob, room, missed)


async def rejoined_first_page_shown(alice, room: str, window, first_page: list[str], *,
                                    older: bool = False) -> LaterPages:
    """alice joins ``room`` again: its reading's first page is stored and
    shown (after her "before") while the next page's query is held on its
    way out (``older``: a reading backwards). The holding filter."""
    pages = LaterPages(alice.account.session.xmpp, older=older)
    await alice.account.muc.join(room)
    await until(lambda: pages.held, timeout=5)
    await until(lambda: bodies_of(window) == ["before"] + first_page, timeout=5,
                message=lambda: repr(bodies_of(window)))
    return pages


async def read_backwards_through(db, room: str, window, missed: list[str]) -> None:
    """How a reading backwards of ``missed`` ends (a catch-up takes 12):
    its newest 12 once, in order, under the one "not fetched" line, itself
    under her "before"; stored so; the anchor let go."""
    from tui.xmpp.muc.messages import SKIPPED_MARKER

    text = window_text(window).splitlines()
    marker = [n for n, line in enumerate(text) if SKIPPED_MARKER in line]
    assert len(marker) == 1, text
    assert max(n for n, line in enumerate(text) if line.endswith(" before")) < marker[0], text
    assert marker[0] < min(n for n, line in enumerate(text) if missed[-12] in line), text
    assert [r.body for r in await db.latest(room, 40)] == ["before"] + missed[-12:]
    assert await db.held(room) is None


async def test_a_room_s_absence_shows_page_by_page_oldest_first(alice, make_peer, prosody, monkeypatch):
    """alice rejoins a room where bob said two and a half pages while she
    was out (pages of 4 here, as 2,000 lines would be pages of 100). The
    room's archive counts them, within what a catch-up takes: they are read
    forward from her last line, and the first page shows while the next is
    still held on its way out; bob's line said meanwhile follows all of
    them; each is stored once, in order. The last page, read first for the
    count, is not asked for again: three queries in all."""
    from tests.harness.rooms import say

    bob = await make_peer()
    room, missed, window = await away_in_pages_of_4(alice, bob, prosody, monkeypatch, "pages")
    pages = await rejoined_first_page_shown(alice, room, window, missed[:4])
    assert alice.account.muc.messages.reading
    say(bob, room, "said since")
    await bob.plugin["xep_0199"].ping(timeout=5)
    await alice.account.session.xmpp.plugin["xep_0199"].ping(timeout=5)  # she has it: it waits
    assert bodies_of(window) == ["before"] + missed[:4]

    pages.release()
    expected = ["before"] + missed + ["said since"]
    await until(lambda: bodies_of(window) == expected, timeout=10, message=lambda: repr(bodies_of(window)))
    await quiet(alice)
    assert bodies_of(window) == expected
    stored = await alice.account.store.db.latest(room, 20)
    assert [r.body for r in stored] == expected
    rsm = [(q.xml.find(".//{http://jabber.org/protocol/rsm}before") is not None,
            q.xml.findtext(".//{http://jabber.org/protocol/rsm}after")) for q in pages.queries]
    # the last page (before), then forward from "before" (after-id), then after the first page (RSM after)
    assert after_ids(pages.queries) == [stored[0].stanza_id] * 3, rsm
    assert [before for before, _ in rsm] == [True, False, False], rsm
    assert [after is not None for _, after in rsm] == [False, False, True], rsm


async def test_a_room_s_reading_cut_short_goes_on_after_the_page_it_stored(alice, make_peer, prosody, monkeypatch):
    """The connection goes while the second page is on its way: the first
    page is stored and shown; back online, the room's new reading starts
    after it, not from alice's "before" again; in the end each line once."""
    room, missed, window = await away_in_pages_of_4(alice, await make_peer(), prosody, monkeypatch, "cut")
    session = alice.account.session
    pages = await rejoined_first_page_shown(alice, room, window, missed[:4])
    await session.disconnect()  # the held query goes with the connection
    await until(lambda: not alice.account.muc.messages.reading, timeout=10)
    page_one = await alice.account.store.db.latest(room, 1)
    assert [r.body for r in page_one] == [missed[3]]

    pages.forget()
    pages.queries.clear()
    session.connect()
    await until(lambda: alice.account.muc.rooms[room].joined, timeout=10, message=lambda: status_text(alice))
    expected = ["before"] + missed
    await until(lambda: bodies_of(window) == expected, timeout=10, message=lambda: repr(bodies_of(window)))
    await quiet(alice)
    assert bodies_of(window) == expected
    assert [r.body for r in await alice.account.store.db.latest(room, 20)] == expected
    assert after_ids(pages.queries)[0] == page_one[0].stanza_id  # after the page stored, not "before"


async def test_a_busy_room_s_absence_is_counted_since_she_left(alice, make_peer, prosody, monkeypatch):
    """Prosody counts a room's whole archive, not what follows an id: with
    more in the archive than a catch-up takes (12 lines here) but fewer
    missed, what it counts since a little before her last line (1 s here)
    decides, and the absence is read forward a page at a time all the same."""
    from datetime import timedelta

    from tests.harness.rooms import open_room, room_name, say
    from tui.xmpp.muc import archive as muc_archive

    monkeypatch.setattr(muc_archive, "MAM_PAGE", 4)
    monkeypatch.setattr(muc_archive, "MAX_CATCH_UP", 12)
    monkeypatch.setattr(muc_archive, "CLOCK_MARGIN", timedelta(seconds=1))
    bob = await make_peer()
    room = room_name(prosody, "busy")
    await open_room(bob, room, "bob")
    for n in range(20):
        say(bob, room, f"long ago {n}")
    await bob.plugin["xep_0199"].ping(timeout=5)
    said = now()
    # older than the margin, even as the start we send it (whole seconds)
    await until(lambda: now() - said > timedelta(seconds=2.5), timeout=5)
    missed = [f"while out {n:02d}" for n in range(10)]
    window = await away_from_a_room(alice, bob, room, missed)

    pages = LaterPages(alice.account.session.xmpp)
    await alice.account.muc.join(room)
    await until(lambda: pages.held, timeout=5)
    await until(lambda: bodies_of(window)[-4:] == missed[:4], timeout=5, message=lambda: repr(bodies_of(window)))
    pages.release()
    await until(lambda: bodies_of(window)[-10:] == missed, timeout=10, message=lambda: repr(bodies_of(window)))
    await quiet(alice)
    assert bodies_of(window)[-11:] == ["before"] + missed
    text = window_text(window)
    assert "not fetched" not in text, text
    counted = [q for q in pages.queries if q.xml.findtext(".//{http://jabber.org/protocol/rsm}max") == "0"]
    assert len(counted) == 1, [str(q) for q in pages.queries]


async def test_a_room_s_absence_beyond_a_catch_up_shows_its_newest_page_first(alice, make_peer, prosody,
                                                                              monkeypatch):
    """More missed than a catch-up takes (12 lines here, pages of 4): read
    backwards from the end. The newest page shows at once, while the older
    pages are still held on their way out (before, nothing showed until the
    last came: 2,000 lines, ~2.5 s on loopback); each goes above the one
    before it, the "not fetched" line above them all; stored in order; the
    room's anchor held on disk until the reading is through."""
    room, missed, window = await away_beyond_a_catch_up(alice, make_peer, prosody, monkeypatch, "beyond", 20)
    db = alice.account.store.db

    pages = await rejoined_first_page_shown(alice, room, window, missed[-4:], older=True)
    assert await db.held(room) is not None  # the newest page stored first: the gap below it held
    pages.release()
    await until(lambda: bodies_of(window) == ["before"] + missed[-12:], timeout=10,
                message=lambda: repr(bodies_of(window)))
    await quiet(alice)
    await read_backwards_through(db, room, window, missed)


async def test_a_room_s_reading_refused_half_way_says_so_and_is_read_again(alice, make_peer, prosody, monkeypatch):
    """The room's archive answers the second page of a reading forward
    with an error (here: asked after an id it does not know). That is a
    reading that failed, not a room without an archive: a line says so,
    the reading is done again from the page stored, and every line comes
    once, in order. (It was taken for "no archive": the later pages never
    came, and nothing said so.)"""
    from tui.xmpp.conversation import archive as archive_reader

    monkeypatch.setattr(archive_reader, "RETRY_DELAYS", (0.3,))
    room, missed, window = await away_in_pages_of_4(alice, await make_peer(), prosody, monkeypatch, "refusedforward")
    pages = await rejoined_first_page_shown(alice, room, window, missed[:4])
    pages.refuse()
    await until(lambda: bodies_of(window) == ["before"] + missed, timeout=10,
                message=lambda: window_text(window))
    await quiet(alice)
    assert f"Could not read the archive of {room} (item-not-found); trying again in 0.3 s" \
        in window_text(window).splitlines()
    assert [r.body for r in await alice.account.store.db.latest(room, 40)] == ["before"] + missed


async def test_a_room_s_reading_backwards_refused_half_way_keeps_its_anchor_and_is_read_again(
        alice, make_peer, prosody, monkeypatch):
    """The same for a reading backwards (more missed than a catch-up takes):
    the older pages' query is answered with an error after the newest page
    was stored and shown. The anchor stays held on disk, the reading is
    done again, the older pages go above the newest, the "not fetched" line
    above them all, every line once. (The anchor was let go: the older
    pages could never be read again, not even at the next start.)"""
    from tui.xmpp.conversation import archive as archive_reader

    monkeypatch.setattr(archive_reader, "RETRY_DELAYS", (0.3,))
    room, missed, window = await away_beyond_a_catch_up(alice, make_peer, prosody, monkeypatch, "refusedback", 20)
    db = alice.account.store.db

    pages = await rejoined_first_page_shown(alice, room, window, missed[-4:], older=True)
    pages.refuse()
    await until(lambda: "Could not read the archive" in window_text(window), timeout=10,
                message=lambda: window_text(window))
    assert await db.held(room) is not None  # the gap below the newest page still held
    await until(lambda: bodies_of(window) == ["before"] + missed[-12:], timeout=10,
                message=lambda: window_text(window))
    await quiet(alice)
    await read_backwards_through(db, room, window, missed)


async def test_a_room_read_backwards_and_quit_half_way_is_read_on_at_the_next_start(
        alice, make_peer, prosody, monkeypatch, tmp_path):
    """alice quits while the older pages of a room's absence are still on
    their way (the newest page stored and shown). The next start, back in
    the room, reads from the anchor held on disk and brings them; every
    line once, in order. (Without the hold it read after the newest line
    stored: the older ones never came.)"""
    room, missed, window = await away_beyond_a_catch_up(alice, make_peer, prosody, monkeypatch, "halfway", 20)
    pages = await rejoined_first_page_shown(alice, room, window, missed[-4:], older=True)
    pages.forget()
    settings = alice.account.session.settings
    await alice.account.session.disconnect()
    await alice.account.close()

    async with headless_client(prosody, settings.jid, settings.password, tmp_path) as again:
        from tui.core.events import LineChanged

        changes: list = []
        again.bus.subscribe(LineChanged, changes.append)
        await again.account.muc.join(room)
        window = await until(lambda: again.account.muc.find_window(room), timeout=5)
        await until(lambda: bodies_of(window) == ["before"] + missed[-12:], timeout=10,
                    message=lambda: repr(bodies_of(window)))
        await quiet(again)
        # each older page put above the newest one in one change (a line at a time,
        # the log is laid out again from that line to its end for each: quadratic)
        assert len([c for c in changes if c.reflow]) == 2, changes
        db = again.account.store.db
        assert [r.body for r in await db.latest(room, 40)] == ["before"] + missed[-12:]
        assert await db.held(room) is None

async def test_a_room_that_counts_fewer_than_it_holds_is_read_no_further_than_a_catch_up(
        alice, make_peer, prosody, monkeypatch):
    """A lying room service says a handful where thirty lines were said
    (its RSM count rewritten on the way in, as a hostile service would send
    it): the reading forward stops at what a catch-up takes (12 lines here),
    then shows the newest page after a line saying older ones were not
    fetched — never the whole archive because it was told it was small."""
    from tui.xmpp.muc.messages import SKIPPED_MARKER

    room, missed, window = await away_beyond_a_catch_up(alice, make_peer, prosody, monkeypatch, "liar", 30)

    xmpp = alice.account.session.xmpp
    pages = LaterPages(xmpp)
    pages.holding = False  # (counting the queries only)

    def counts_five(stanza):
        count = stanza.xml.find(".//{urn:xmpp:mam:2}fin/{http://jabber.org/protocol/rsm}set/"
                                "{http://jabber.org/protocol/rsm}count")
        if count is not None:
            count.text = "5"
        return stanza
    xmpp.add_filter("in", counts_five)
    try:
        await alice.account.muc.join(room)
        await until(lambda: bodies_of(window)[-4:] == missed[-4:], timeout=10,
                    message=lambda: repr(bodies_of(window)))
        await quiet(alice)
    finally:
        xmpp.del_filter("in", counts_five)
    assert bodies_of(window) == ["before"] + missed[:12] + missed[-4:]
    text = [line.body for line in window.lines]
    assert text.index(SKIPPED_MARKER) == text.index(missed[11]) + 1 == text.index(missed[-4]) - 1, text
    assert len(pages.queries) <= 1 + 4 + 1  # the last page, three forward and the one past the limit
    assert [r.body for r in await alice.account.store.db.latest(room, 40)] == ["before"] + missed[:12] + missed[-4:]


async def test_a_room_whose_archive_refuses_its_first_query_is_joined_without_a_catch_up(
        alice, make_peer, prosody, monkeypatch, caplog):
    """A room service that refuses archive queries outright (here: each one
    sent to the room service itself, which has no archive) is a room
    without one: the join goes on with what comes live, no line about a
    failed reading, no reading again."""
    from tests.harness.rooms import room_name, say
    from tui.xmpp.conversation import archive as archive_reader

    monkeypatch.setattr(archive_reader, "RETRY_DELAYS", (0.1,))
    bob = await make_peer()
    room = room_name(prosody, "noarchive")
    window = await away_from_a_room(alice, bob, room, ["while out"])
    xmpp = alice.account.session.xmpp
    queries: list = []

    def to_the_service(stanza):
        if stanza.xml.find("{urn:xmpp:mam:2}query") is not None:
            stanza["to"] = prosody.muc_domain
            queries.append(stanza)
        return stanza
    xmpp.add_filter("out", to_the_service)
    caplog.set_level(logging.INFO, logger="tui.xmpp.muc.archive")
    try:
        await alice.account.muc.join(room)
        await until(lambda: queries, timeout=5)
        await quiet(alice)
        say(bob, room, "live")
        await until(lambda: bodies_of(window)[-1:] == ["live"], timeout=5, message=lambda: window_text(window))
        await quiet(alice)
    finally:
        xmpp.del_filter("out", to_the_service)
    assert bodies_of(window) == ["before", "live"]
    assert "Could not read the archive" not in window_text(window)
    assert len(queries) == 1, [str(q) for q in queries]
    assert [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()] == [
        f"room archive of {room} unavailable: service-unavailable"], caplog.text
