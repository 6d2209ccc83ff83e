"""Scrolling back past what the store holds reads the archive's page before
it. The server may take its time to answer (a query's timeout is 20 s): a
line typed meanwhile is shown and sent at once, a message arriving
meanwhile is shown; then the page comes in above, in order, stored once.
PageUp held at the top asks for that page once.

The server is real; the archive's queries are held back on their way out
of alice's client (an outgoing filter), so "the server has not answered
yet" is a state the test controls, not a race it hopes to win.
"""

from __future__ import annotations

import asyncio

from tests.harness.client import headless_client, status_text
from tests.harness.cut_links import quiet
from tests.harness.rooms import joined, open_room, room_name, say
from tests.harness.wait import until
from tui.core.model import LineKind
from tui.xmpp.chat import archive as chat_archive
from tui.xmpp.muc import archive as room_archive

SAID = [f"said {n:02d}" for n in range(30)]
FIRST = 5  # what a first reading brings (the newest); the rest is only in the archive


class ArchiveQueries:
    """An outgoing filter holding every archive query until released."""

    def __init__(self, xmpp) -> None:
        self.xmpp = xmpp
        self.held: list = []
        self.sent = 0
        xmpp.add_filter("out", self)

    def __call__(self, stanza):
        if stanza.xml.find("{urn:xmpp:mam:2}query") is None:
            return stanza
        self.held.append(stanza)
        return None

    def release(self) -> None:
        self.xmpp.del_filter("out", self)
        for stanza in self.held:
            self.xmpp.send(stanza)
        self.sent, self.held = len(self.held), []


def lines(window, kinds=(LineKind.INCOMING, LineKind.OUTGOING)) -> list[str]:
    return [line.body for line in window.lines if line.kind in kinds]


async def test_a_line_typed_while_the_archive_pages_back_goes_at_once(
        prosody, make_account, make_peer, tmp_path, monkeypatch):
    monkeypatch.setattr(chat_archive, "FIRST_RUN_MESSAGES", FIRST)
    jid, password = make_account("alice")
    bob = await make_peer()
    phone = await make_peer(jid, password)  # alice's phone gets them: only the archive has them
    for body in SAID:
        bob.send(jid, body)
    await until(lambda: phone.bodies() == SAID, timeout=10, message=lambda: repr(phone.bodies()))
    await phone.stop()

    async with headless_client(prosody, jid, password, tmp_path) as alice:
        chat = alice.account.chat
        await until(lambda: chat.find_window(bob.jid) and lines(chat.find_window(bob.jid)) == SAID[-FIRST:],
                    timeout=10, message=lambda: status_text(alice))
        await quiet(alice)
        window = chat.find_window(bob.jid)
        queries = ArchiveQueries(alice.account.session.xmpp)
        try:
            scrolling = asyncio.ensure_future(chat.load_older(window))
            again = asyncio.ensure_future(chat.load_older(window))  # PageUp held at the top
            await until(lambda: queries.held, timeout=5)

            await asyncio.wait_for(chat.send(bob.jid, "typed meanwhile"), timeout=5)
            await until(lambda: bob.bodies() == ["typed meanwhile"], timeout=5, message=lambda: repr(bob.bodies()))
            bob.send(jid, "said meanwhile")
            await until(lambda: lines(window)[-1:] == ["said meanwhile"], timeout=5,
                        message=lambda: repr(lines(window)))
            assert not scrolling.done() and not again.done()
        finally:
            queries.release()
        assert await asyncio.wait_for(scrolling, timeout=10) == len(SAID) - FIRST
        assert await asyncio.wait_for(again, timeout=10) == len(SAID) - FIRST
        assert queries.sent == 1  # one page asked for, however often

        expected = SAID + ["typed meanwhile", "said meanwhile"]
        assert lines(window) == expected
        await quiet(alice)
        records = await alice.account.store.db.latest(bob.jid, 100)
        assert [record.body for record in records] == expected  # stored once each, in order


async def test_a_line_typed_while_a_room_pages_back_goes_at_once(alice, make_peer, prosody, monkeypatch):
    monkeypatch.setattr(room_archive, "FIRST_JOIN_MESSAGES", FIRST)
    bob, carol = await make_peer(), await make_peer()
    room = room_name(prosody, "past")
    await open_room(bob, room, "bob")
    for body in SAID:
        say(bob, room, body)
    await bob.plugin["xep_0199"].ping(timeout=5)  # the room has them (one ordered stream)

    window, _ = await joined(alice, room)
    incoming = (LineKind.INCOMING,)
    await until(lambda: lines(window, incoming) == SAID[-FIRST:], timeout=10,
                message=lambda: repr(lines(window, incoming)))
    await quiet(alice)
    queries = ArchiveQueries(alice.account.session.xmpp)
    try:
        scrolling = asyncio.ensure_future(alice.account.muc.load_older(window))
        await until(lambda: queries.held, timeout=5)

        await asyncio.wait_for(alice.account.chat.send(carol.jid, "hi carol"), timeout=5)
        await until(lambda: carol.bodies() == ["hi carol"], timeout=5, message=lambda: repr(carol.bodies()))
        say(bob, room, "said meanwhile")
        await until(lambda: lines(window, incoming)[-1:] == ["said meanwhile"], timeout=5,
                    message=lambda: repr(lines(window, incoming)))
        assert not scrolling.done()
    finally:
        queries.release()
    assert await asyncio.wait_for(scrolling, timeout=10) == len(SAID) - FIRST

    expected = SAID + ["said meanwhile"]
    assert lines(window, incoming) == expected
    await quiet(alice)
    assert [r.body for r in await alice.account.store.db.latest(room, 100)] == expected
