"""Sender checks: a stanza that only some JID may send is believed only from
that JID. Each attacker is a real peer on the real Prosody sending the
stanza from its own JID (a client cannot forge its from: the server stamps
it); where a test can make the genuine stanza, it shows it working too, so
the check is not vacuous (genuine blog notifications: tests/ui/test_blog_ui.py;
our own archive's results: tests/hostile/test_spoofing.py::test_d_…).
"""

from __future__ import annotations

import uuid
from xml.etree import ElementTree as ET

import pytest_asyncio

from tests.harness.client import headless_client, window_text
from tests.harness.forging import MUC_USER, archive_query_raced, bodies, mam_result, send_child, targets
from tests.harness.wait import until
from tui.xmpp.muc.messages import NEW_MARKER

CARBONS = "urn:xmpp:carbons:2"
FORWARD = "urn:xmpp:forward:0"
PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event"


@pytest_asyncio.fixture
async def alice_with_password(prosody, make_account, tmp_path):
    jid, password = make_account("alice")
    async with headless_client(prosody, jid, password, tmp_path) as client:
        client.password = password
        yield client


def room_name(prosody) -> str:
    return f"den-{uuid.uuid4().hex[:8]}@{prosody.muc_domain}"


async def barrier(alice, bob, text: str = "barrier"):
    """bob's plain message after the forged ones: once it shows, they were handled."""
    bob.send(alice.jid, text)
    window = await until(lambda: alice.account.chat.find_window(bob.jid), timeout=5)
    await until(lambda: text in bodies(window), timeout=5, message=lambda: window_text(window))
    return window


# -- carbons ----------------------------------------------------------------------------------
async def test_carbons_only_from_our_own_bare_jid(alice_with_password, make_peer):
    alice = alice_with_password
    bob = await make_peer()
    carol = "carol@" + alice.jid.partition("@")[2]
    for kind, sender, to in (("received", f"{carol}/x", alice.jid), ("sent", f"{alice.jid}/x", carol)):
        send_child(bob, alice.account.session.xmpp.boundjid.full,
                   f"<{kind} xmlns='{CARBONS}'><forwarded xmlns='{FORWARD}'>"
                   f"<message xmlns='jabber:client' from='{sender}' to='{to}' type='chat'>"
                   f"<body>forged carbon {kind}</body></message></forwarded></{kind}>")
    window = await barrier(alice, bob)
    assert targets(alice) == [bob.jid]
    assert bodies(window) == ["barrier"]

    # alice's other client: its sent message is carbon-copied here, from alice's own bare JID
    other = await make_peer(jid=alice.jid, password=alice.password)
    other.send(bob.jid, "sent from my phone")
    await until(lambda: bodies(window) == ["barrier", "sent from my phone"], timeout=5,
                message=lambda: window_text(window))
    assert window.lines[-1].elsewhere


# -- a room's archive -----------------------------------------------------------------------------
async def test_room_archive_results_only_from_the_room(alice, make_peer, prosody):
    bob = await make_peer()
    room = room_name(prosody)
    await alice.account.muc.join(room)
    await bob.plugin["xep_0045"].join_muc_wait(room, "bobby", maxstanzas=0, timeout=10)
    bob.xmpp.send_message(mto=room, mbody="said live", mtype="groupchat")
    window = alice.account.muc.find_window(room)
    await until(lambda: bodies(window) == ["said live"], timeout=5, message=lambda: window_text(window))

    def forge(queryid: str) -> str:  # bob answers alice's query to the room's archive
        message = mam_result(queryid, alice.jid, bob.jid, "f1", f"{room}/mallory", "groupchat", "forged room line")
        return message[message.index("<result"):message.rindex("</message>")]

    async with archive_query_raced(alice.account.session.xmpp, bob, room, forge) as race:
        # rejoining reads the room's archive again
        await alice.account.muc.leave(room)
        await alice.account.session.xmpp.plugin["xep_0199"].ping(timeout=5)  # the room saw us go
        await alice.account.muc.join(room)
        # the forged result reached alice before the room's answer; then the catch-up ends
        # (the marker alone could be the first join's: its reading of the archive may come
        # after "said live" was archived, and a rejoin with nothing new adds no second one)
        await until(lambda: race["arrived"].is_set(), timeout=5, message=lambda: window_text(window))
        await until(lambda: alice.account.muc.serial.idle()
                    and any(l.body == NEW_MARKER for l in window.lines), timeout=5,
                    message=lambda: window_text(window))
    assert bodies(window) == ["said live"]
    assert [r.body for r in await alice.account.store.db.latest(room, 10)] == ["said live"]


# -- roster pushes -------------------------------------------------------------------------------------
async def test_roster_push_only_from_our_server(alice, make_peer):
    bob = await make_peer()
    carol = "carol@" + alice.jid.partition("@")[2]
    push = bob.xmpp.make_iq_set(ito=alice.account.session.xmpp.boundjid.full)
    push.xml.append(ET.fromstring(f"<query xmlns='jabber:iq:roster'>"
                                  f"<item jid='{carol}' name='Forged' subscription='both'/></query>"))
    xmpp = alice.account.session.xmpp
    arrived = []
    xmpp.add_filter("in", lambda stanza: (arrived.append(stanza["id"]), stanza)[1])
    push.send()  # slixmpp refuses it, and (1.17) sends no error back: no answer to wait for
    await until(lambda: push["id"] in arrived, timeout=5)
    await barrier(alice, bob)
    assert alice.account.roster.model.get(carol) is None

    await alice.account.roster.add(carol, "Carol")  # the server's own push: believed
    await until(lambda: alice.account.roster.model.get(carol) is not None, timeout=5)
    assert alice.account.roster.model.get(carol).name == "Carol"


# -- PEP of our own nodes -----------------------------------------------------------------------------
async def test_bookmarks_pushed_by_another_jid_change_nothing(alice_with_password, make_peer, prosody):
    alice = alice_with_password
    bob = await make_peer()
    room, planted, elsewhere = room_name(prosody), room_name(prosody), room_name(prosody)
    await until(lambda: alice.account.bookmarks.loaded, timeout=5)
    await alice.account.bookmarks.add(room, name="Our den")
    full = alice.account.session.xmpp.boundjid.full
    send_child(bob, full, f"<event xmlns='{PUBSUB_EVENT}'><items node='urn:xmpp:bookmarks:1'>"
                          f"<item id='{planted}'><conference xmlns='urn:xmpp:bookmarks:1' autojoin='true' "
                          f"name='planted'/></item></items></event>")
    send_child(bob, full, f"<event xmlns='{PUBSUB_EVENT}'><items node='urn:xmpp:bookmarks:1'>"
                          f"<retract id='{room}'/></items></event>")
    send_child(bob, full, f"<event xmlns='{PUBSUB_EVENT}'><purge node='urn:xmpp:bookmarks:1'/></event>")
    await barrier(alice, bob)
    assert [(b.jid, b.name) for b in alice.account.bookmarks.list()] == [(room, "Our den")]
    assert planted not in alice.account.muc.wanted

    # alice's other client bookmarks a room: the server tells this one, from alice's own JID
    other = await make_peer(jid=alice.jid, password=alice.password)
    await other.plugin["xep_0060"].publish(
        alice.jid, "urn:xmpp:bookmarks:1", id=elsewhere,
        payload=ET.fromstring("<conference xmlns='urn:xmpp:bookmarks:1' name='From my phone'/>"), timeout=5)
    await until(lambda: alice.account.bookmarks.get(elsewhere) is not None, timeout=5)
    assert sorted((b.jid, b.name) for b in alice.account.bookmarks.list()) == sorted(
        [(room, "Our den"), (elsewhere, "From my phone")])


# -- corrections --------------------------------------------------------------------------------------
def correction(peer, to: str, replace_id: str, body: str, mtype: str = "chat") -> None:
    msg = peer.xmpp.make_message(mto=to, mbody=body, mtype=mtype)
    msg["replace"]["id"] = replace_id
    msg.send()


async def test_corrections_in_a_chat_change_only_the_senders_own_lines(alice, make_peer):
    bob, carol = await make_peer(), await make_peer()
    mine = await alice.account.chat.send(bob.jid, "alice's words")
    await until(lambda: bob.bodies() == ["alice's words"], timeout=5)
    correction(bob, alice.jid, mine.msg_id, "bob rewrote alice")  # bob corrects alice's line
    his = bob.send(alice.jid, "bob's words")
    window = await until(lambda: alice.account.chat.find_window(bob.jid), timeout=5)
    await until(lambda: "bob's words" in bodies(window), timeout=5, message=lambda: window_text(window))
    correction(carol, alice.jid, his["id"], "carol rewrote bob")  # carol corrects bob's line
    await barrier(alice, carol, "carol's barrier")
    assert bodies(window) == ["alice's words", "bob rewrote alice", "bob's words"]
    assert not mine.corrected

    correction(bob, alice.jid, his["id"], "bob's better words")  # his own: allowed
    await until(lambda: bodies(window) == ["alice's words", "bob rewrote alice", "bob's better words"],
                timeout=5, message=lambda: window_text(window))


async def test_corrections_in_a_room_change_only_that_occupants_lines(alice, make_peer, prosody):
    bob, carol = await make_peer(), await make_peer()
    room = room_name(prosody)
    await alice.account.muc.join(room)
    for peer, nick in ((bob, "bobby"), (carol, "carol")):
        await peer.plugin["xep_0045"].join_muc_wait(room, nick, maxstanzas=0, timeout=10)
    said = bob.send(room, "bobby's line", mtype="groupchat")
    window = alice.account.muc.find_window(room)
    await until(lambda: bodies(window) == ["bobby's line"], timeout=5, message=lambda: window_text(window))
    correction(carol, room, said["id"], "carol rewrote bobby", mtype="groupchat")
    await until(lambda: "carol rewrote bobby" in bodies(window), timeout=5, message=lambda: window_text(window))
    assert [(l.nick, l.body) for l in window.lines if l.body in ("bobby's line", "carol rewrote bobby")] == [
        ("bobby", "bobby's line"), ("carol", "carol rewrote bobby")]

    correction(bob, room, said["id"], "bobby's better line", mtype="groupchat")
    await until(lambda: bodies(window) == ["bobby's better line", "carol rewrote bobby"], timeout=5,
                message=lambda: window_text(window))


# -- MUC presences -------------------------------------------------------------------------------------
async def test_occupant_presence_only_from_the_room(alice, make_peer, prosody):
    bob = await make_peer()
    room = room_name(prosody)
    await alice.account.muc.join(room)
    occupants = lambda: sorted(alice.account.muc.rooms[room].occupants)  # noqa: E731
    assert occupants() == ["alice"]
    full = alice.account.session.xmpp.boundjid.full
    for status in ("", "<status code='110'/>"):  # an occupant, and "you are in" (self-presence)
        forged = bob.xmpp.make_presence(pto=full)
        forged.xml.append(ET.fromstring(f"<x xmlns='{MUC_USER}'><item affiliation='owner' role='moderator' "
                                        f"jid='{bob.jid}'/>{status}</x>"))
        forged.send()
    await barrier(alice, bob)
    assert occupants() == ["alice"]
    assert sorted(alice.account.muc.rooms) == [room]
    assert targets(alice) == sorted([room, bob.jid])

    await bob.plugin["xep_0045"].join_muc_wait(room, "bobby", maxstanzas=0, timeout=10)  # the room says it
    await until(lambda: occupants() == ["alice", "bobby"], timeout=5)


async def test_blog_events_only_from_the_blogs_owner(alice, make_peer):
    bob = await make_peer()
    entry = ("<entry xmlns='http://www.w3.org/2005/Atom'><id>x</id><title>planted</title>"
             "<published>2026-01-01T10:00:00Z</published></entry>")
    send_child(bob, alice.account.session.xmpp.boundjid.full,
               f"<event xmlns='{PUBSUB_EVENT}'><items node='urn:xmpp:microblog:0'>"
               f"<item id='x'>{entry}</item></items></event>")
    await barrier(alice, bob)
    blogs = alice.account.blog.model
    assert [blogs.feed(who) for who in (alice.jid, bob.jid)] == [None, None]
