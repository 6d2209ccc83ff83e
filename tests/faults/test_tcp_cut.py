"""A TCP cut in the middle of a conversation: nothing a contact sent is lost,
nothing shows twice, and the window keeps the order the messages were sent in.

alice (a headless Parlons client with a history store) reaches Prosody
through a CuttableProxy; bob is a plain slixmpp peer talking straight to the
server. The proxy resets the link and refuses reconnects for a moment while
bob sends 12 numbered messages: some before the cut, some during it, some
while alice comes back, some after.

- resumed: stream management's hibernation is still alive, the session
  resumes and the server re-sends what it queued (with <delay> stamps of
  whole seconds, older than the lines already shown);
- failed resume: the hibernation expired, resumption fails, a fresh session
  is bound and what was sent to the dead session exists only in the archive;
- the live message that arrives first: a message sent the moment alice's
  fresh session starts must not hide what the archive holds before it;
- the reading of the archive fails (cut short by the link, or the server
  stalls): it is said, read again (a bounded number of times), and what it
  was to bring still shows, in order.
"""

from __future__ import annotations

from tests.harness.client import headless_client, run, status_text
from tests.harness.cut_links import (  # noqa: F401  (fixtures)
    back_online, incoming_bodies, cut, cut_link, quiet, server_has, session_expired, short_hibernation_prosody,
    stall_on_archive_query, unstall,
)
from tests.harness.wait import until
from tui.xmpp.conversation import archive as archive_reader

NUMBERED = [f"message {n:02d}" for n in range(1, 13)]


def shown(client, peer_jid: str) -> list[str]:
    return incoming_bodies(client.account.chat.find_window(peer_jid))


async def stored(client, peer_jid: str) -> list[str]:
    records = await client.account.store.db.latest(peer_jid, 1000)
    return [record.body for record in records if record.direction == "in"]


async def assert_exactly_numbered(client, bob) -> None:
    await until(lambda: shown(client, bob.jid) == NUMBERED, timeout=10,
                message=lambda: f"alice's window shows {shown(client, bob.jid)}\n{status_text(client)}")
    await quiet(client)  # and no late copy arrives after all
    assert shown(client, bob.jid) == NUMBERED
    assert await stored(client, bob.jid) == NUMBERED


def send(bob, alice, numbers) -> None:
    for n in numbers:
        bob.send(alice.jid, NUMBERED[n - 1])


REPLIES = [f"reply {n}" for n in range(1, 5)]


async def reply(alice, bob, n: int) -> None:
    await alice.account.chat.send(bob.jid, REPLIES[n - 1])


async def test_resumed_session_shows_every_message_once_in_order(prosody, make_account, make_peer,
                                                                   tmp_path, cut_link):
    """Both ways: alice answers before, during and after the cut too."""
    proxy, alice, bob = await cut_link(prosody, make_account, make_peer, tmp_path)
    send(bob, alice, range(1, 5))
    await reply(alice, bob, 1)
    await until(lambda: shown(alice, bob.jid) == NUMBERED[:4], timeout=5)

    await cut(proxy, alice)
    send(bob, alice, range(5, 9))  # into the hibernating session
    await reply(alice, bob, 2)  # typed while the link is down
    await server_has(bob)
    proxy.refuse = False
    send(bob, alice, [9])  # while alice comes back
    await reply(alice, bob, 3)
    await back_online(alice, resumed=True)
    send(bob, alice, range(10, 13))
    await reply(alice, bob, 4)

    await assert_exactly_numbered(alice, bob)
    await until(lambda: bob.bodies() == REPLIES, timeout=10, message=lambda: repr(bob.bodies()))


async def test_failed_resume_reads_the_archive(short_hibernation_prosody, make_account, make_peer,
                                                tmp_path, cut_link):
    server = short_hibernation_prosody
    proxy, alice, bob = await cut_link(server, make_account, make_peer, tmp_path)
    send(bob, alice, range(1, 5))
    await until(lambda: shown(alice, bob.jid) == NUMBERED[:4], timeout=5)

    await cut(proxy, alice)
    send(bob, alice, range(5, 8))  # into the hibernating session: lost with it, kept by the archive
    await reply(alice, bob, 1)
    await server_has(bob)
    await session_expired(server, alice)
    send(bob, alice, [8])  # alice has no session at all now
    await reply(alice, bob, 2)
    await server_has(bob)
    proxy.refuse = False
    await back_online(alice, resumed=False)
    send(bob, alice, range(9, 13))
    await reply(alice, bob, 3)

    await assert_exactly_numbered(alice, bob)
    await until(lambda: bob.bodies() == REPLIES[:3], timeout=10, message=lambda: repr(bob.bodies()))


async def test_live_message_first_does_not_hide_the_gap(short_hibernation_prosody, make_account, make_peer,
                                                         tmp_path, cut_link):
    """bob speaks the moment alice's fresh session starts: that live message
    reaches alice before the archive has told her what she missed."""
    server = short_hibernation_prosody
    proxy, alice, bob = await away_while_bob_speaks(server, make_account, make_peer, tmp_path, cut_link)

    def speak_at_once(_event) -> None:
        send(bob, alice, [9])
    xmpp = alice.account.session.xmpp
    xmpp.add_event_handler("session_start", speak_at_once)
    proxy.refuse = False
    await back_online(alice, resumed=False)
    xmpp.del_event_handler("session_start", speak_at_once)
    send(bob, alice, range(10, 13))

    await assert_exactly_numbered(alice, bob)


async def away_while_bob_speaks(server, make_account, make_peer, tmp_path, cut_link):
    """bob says 1-3; alice's link is cut and her session expires while bob
    says 4-8 (kept by the archive only); she is not back yet."""
    proxy, alice, bob = await cut_link(server, make_account, make_peer, tmp_path)
    send(bob, alice, range(1, 4))
    await until(lambda: shown(alice, bob.jid) == NUMBERED[:3], timeout=5)

    await cut(proxy, alice)
    send(bob, alice, range(4, 9))
    await server_has(bob)
    await session_expired(server, alice)
    return proxy, alice, bob


async def test_catch_up_cut_short_is_done_again(short_hibernation_prosody, make_account, make_peer,
                                                 tmp_path, cut_link):
    """The link drops again just as the fresh session reads the archive: the
    reading that failed is done again, what it was to bring still shows."""
    server = short_hibernation_prosody
    proxy, alice, bob = await away_while_bob_speaks(server, make_account, make_peer, tmp_path, cut_link)

    xmpp = alice.account.session.xmpp
    cuts = []

    def cut_again(stanza):
        if not cuts and stanza.xml.find("{urn:xmpp:mam:2}query") is not None:
            cuts.append(proxy.cut())  # the query is on its way: the link goes with it
        return stanza
    xmpp.add_filter("out", cut_again)
    proxy.refuse = False
    await until(lambda: cuts, timeout=10, message=lambda: status_text(alice))
    xmpp.del_filter("out", cut_again)
    await until(lambda: alice.account.session.online, timeout=10, message=lambda: status_text(alice))
    send(bob, alice, range(9, 13))

    await assert_exactly_numbered(alice, bob)


async def away_while_the_archive_stalls(server, make_account, make_peer, tmp_path, cut_link, until_said: str):
    """bob says 1-3, alice's link is cut and her session expires while bob
    says 4-8; as she comes back the server stalls on her archive query
    until the status window says ``until_said``."""
    proxy, alice, bob = await away_while_bob_speaks(server, make_account, make_peer, tmp_path, cut_link)

    xmpp = alice.account.session.xmpp
    stalled, stall_on_query = stall_on_archive_query(xmpp, server)
    proxy.refuse = False
    try:
        await until(lambda: until_said in status_text(alice), timeout=10, message=lambda: status_text(alice))
    finally:
        xmpp.del_filter("out", stall_on_query)
        unstall(server)
    assert stalled
    return alice, bob


async def test_a_catch_up_that_fails_says_so_and_is_tried_again(short_hibernation_prosody, make_account,
                                                                 make_peer, tmp_path, cut_link, monkeypatch):
    """The server stalls while the fresh session reads the archive: the
    reading times out, a line says so, and it is read again a moment later."""
    monkeypatch.setattr(archive_reader, "PAGE_TIMEOUT", 0.5)
    monkeypatch.setattr(archive_reader, "RETRY_DELAYS", (0.3, 0.3))
    alice, bob = await away_while_the_archive_stalls(
        short_hibernation_prosody, make_account, make_peer, tmp_path, cut_link,
        "could not read the server archive")
    assert f"{alice.jid}: could not read the server archive (no answer within 0.5 s); trying again in 0.3 s" \
        in status_text(alice).splitlines()
    await until(lambda: alice.account.session.online, timeout=10, message=lambda: status_text(alice))
    send(bob, alice, range(9, 13))

    await assert_exactly_numbered(alice, bob)


async def test_a_catch_up_that_keeps_failing_gives_up_with_a_line(short_hibernation_prosody, make_account,
                                                                   make_peer, tmp_path, cut_link, monkeypatch):
    """Tried again a bounded number of times, then one line says what may be
    missing and how to read again; /reconnect then brings it."""
    monkeypatch.setattr(archive_reader, "PAGE_TIMEOUT", 0.3)
    monkeypatch.setattr(archive_reader, "RETRY_DELAYS", (0.2,))
    alice, bob = await away_while_the_archive_stalls(
        short_hibernation_prosody, make_account, make_peer, tmp_path, cut_link, "may be missing")
    failures = [line for line in status_text(alice).splitlines() if "could not read the server archive" in line]
    assert failures == [
        f"{alice.jid}: could not read the server archive (no answer within 0.3 s); trying again in 0.2 s",
        f"{alice.jid}: could not read the server archive (no answer within 0.3 s); messages sent while you "
        "were away may be missing — /reconnect reads it again",
    ]
    assert shown(alice, bob.jid) == NUMBERED[:3]

    await run(alice, "/reconnect")
    await until(lambda: shown(alice, bob.jid) == NUMBERED[:8], timeout=10, message=lambda: status_text(alice))
    send(bob, alice, range(9, 13))
    await assert_exactly_numbered(alice, bob)


async def test_a_catch_up_given_up_is_read_by_the_next_start(short_hibernation_prosody, make_account, make_peer,
                                                             tmp_path, cut_link, monkeypatch):
    """The reading gave up (the server stalled on it) and bob's later lines
    came live and were stored; alice quits before /reconnect. Those lines
    must not hide the gap: the next start reads the archive from before it
    (the anchor held on disk, tui/store/holds.py), and every line is there
    once, in order. (Before, it read after bob's last line: 4-8 never came.)"""
    from tui.xmpp.chat.archive import OURS

    monkeypatch.setattr(archive_reader, "PAGE_TIMEOUT", 0.3)
    monkeypatch.setattr(archive_reader, "RETRY_DELAYS", ())
    server = short_hibernation_prosody
    alice, bob = await away_while_the_archive_stalls(server, make_account, make_peer, tmp_path, cut_link,
                                                     "may be missing")
    await until(lambda: alice.account.session.online, timeout=10, message=lambda: status_text(alice))
    send(bob, alice, range(9, 13))
    await until(lambda: shown(alice, bob.jid) == NUMBERED[:3] + NUMBERED[8:], timeout=10,
                message=lambda: repr(shown(alice, bob.jid)))
    await quiet(alice)
    settings = alice.account.session.settings
    await alice.account.session.disconnect()
    await alice.account.close()

    async with headless_client(server, settings.jid, settings.password, tmp_path) as again:
        assert await again.account.store.db.held(OURS) is not None  # left by the run before
        await until(lambda: again.account.chat.archive.caught_up, timeout=10, message=lambda: status_text(again))
        await assert_exactly_numbered(again, bob)
        assert await again.account.store.db.held(OURS) is None  # read: let go


async def test_a_message_the_archive_brings_first_at_login_is_still_news(alice, make_peer):
    """At login the archive and the live stream race for a message sent just
    then; when the archive's copy is stored first (the live one is lost here),
    it still marks its window as a message to us, even on a first run."""
    from slixmpp import Message

    bob = await make_peer()
    xmpp = alice.account.session.xmpp
    held: list[str] = []

    def lose_live_copy(stanza):
        if isinstance(stanza, Message) and stanza["from"].bare == bob.jid and stanza["body"]:
            held.append(stanza["body"])
            return None
        return stanza

    xmpp.add_filter("in", lose_live_copy)
    history = alice.account.chat.archive
    # a fresh session begins, then the message is sent (in that order: with the
    # session's start taken after a slow delivery, the message was older than
    # the session by more than the stamps' one-second resolution — seen once
    # under load — and rightly quiet history)
    history.session_started()
    bob.send(alice.jid, "sent as we logged in")
    await until(lambda: held == ["sent as we logged in"], timeout=5)
    await history.catch_up(xmpp)  # its catch-up brings the message

    window = alice.account.chat.find_window(bob.jid)
    assert window is not None and shown(alice, bob.jid) == ["sent as we logged in"]
    assert window.activity.name == "HIGHLIGHT"
