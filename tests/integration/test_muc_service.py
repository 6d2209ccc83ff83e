"""Rooms (XEP-0045) against the real Prosody, with real slixmpp peers in the
room: joining, talking, nick changes, topics, kicks, private messages,
highlights, errors, and staying in the room across a reconnection."""

from __future__ import annotations

import uuid

from slixmpp import JID

from tests.harness.client import run, status_text, window_text
from tests.harness.rooms import enter, joined, nicks_seen_by, open_room, room_name
from tests.harness.wait import until
from tui.core.model import Delivery, LineKind
from tui.core.windows import WindowKind


def said_in(peer, room: str) -> list[tuple[str, str]]:
    """(nick, body) of the groupchat messages ``peer`` received from ``room``."""
    return [(JID(m.sender).resource, m.body) for m in peer.messages
            if m.stanza["type"] == "groupchat" and JID(m.sender).bare == room]


async def room_with_bob_and_carol(prosody, make_peer, topic="Benchmarks and coffee"):
    room = room_name(prosody)
    bob, carol = await make_peer(), await make_peer()
    await open_room(bob, room, "bob", topic=topic)
    await enter(carol, room, "carol")
    return room, bob, carol


async def test_join_topic_occupants_and_talking_both_ways(alice, prosody, make_peer):
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)
    window, model = await joined(alice, room)
    assert alice.windows.active is window and window.name == room.split("@")[0]
    await until(lambda: "Topic: Benchmarks and coffee" in window_text(window), message=lambda: window_text(window))
    assert model.topic == "Benchmarks and coffee" and model.nick == "alice"
    assert {"bob", "carol", "alice"} <= set(model.occupants)
    assert model.get("bob").role == "moderator" and model.get("bob").affiliation == "owner"
    assert any(e.room == room for e in alice.room_events)

    bob.send(room, "hello from bob", mtype="groupchat")
    await until(lambda: any(l.body == "hello from bob" and l.nick == "bob" for l in window.lines),
                message=lambda: window_text(window))
    await run(alice, "hi all", window)
    await until(lambda: ("alice", "hi all") in said_in(bob, room))
    mine = next(l for l in window.lines if l.body == "hi all")
    assert mine.kind is LineKind.OUTGOING
    await until(lambda: mine.delivery is Delivery.DELIVERED, message=lambda: f"{mine.delivery} awaiting echo: {alice.account.muc.messages.awaiting_echo(mine)} {[(l.body, l.kind) for l in window.lines]}")
    assert [l.body for l in window.lines].count("hi all") == 1

    await run(alice, "/me waves", window)
    await until(lambda: ("alice", "/me waves") in said_in(bob, room))

    await run(alice, "/nick alicia", window)
    await until(lambda: "alicia" in nicks_seen_by(bob, room) and "alice" not in nicks_seen_by(bob, room))
    await until(lambda: model.nick == "alicia" and "alice" not in model.occupants)
    assert "You are now known as alicia" in window_text(window)

    subjects = []
    bob.xmpp.add_event_handler("groupchat_subject", lambda msg: subjects.append(msg["subject"]))
    await run(alice, "/topic release day", window)
    await until(lambda: "release day" in subjects, message=lambda: window_text(window))
    await until(lambda: model.topic == "release day")
    assert "alicia changed the topic to: release day" in window_text(window)


async def test_nick_in_use_is_retried_with_an_underscore(alice, prosody, make_peer):
    room, bob, _carol = await room_with_bob_and_carol(prosody, make_peer)
    impostor = await make_peer()
    await enter(impostor, room, "alice")
    window, model = await joined(alice, room)
    assert model.nick == "alice_"
    await until(lambda: "alice_" in nicks_seen_by(bob, room))
    await until(lambda: "Nick alice is in use" in window_text(window), message=lambda: window_text(window))
    assert "joining as alice_" in window_text(window)


async def test_kick_ban_and_parts_are_event_lines(alice, prosody, make_peer):
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)
    window, model = await joined(alice, room)
    dave = await make_peer()
    await enter(dave, room, "dave")
    await until(lambda: "dave has joined" in window_text(window), message=lambda: window_text(window))
    await bob.plugin["xep_0045"].set_role(room, "carol", "none", reason="too loud")
    await until(lambda: "carol was kicked by bob (too loud)" in window_text(window),
                message=lambda: window_text(window))
    assert "carol" not in model.occupants
    await bob.plugin["xep_0045"].set_affiliation(room, "outcast", jid=JID(dave.jid), reason="spam")
    await until(lambda: "dave was banned by bob (spam)" in window_text(window), message=lambda: window_text(window))
    await bob.plugin["xep_0045"].set_affiliation(room, "admin", jid=JID(carol.jid))
    bob.plugin["xep_0045"].leave_muc(JID(room), "bob", "lunch")
    await until(lambda: "bob has left (lunch)" in window_text(window), message=lambda: window_text(window))
    assert set(model.occupants) == {"alice"}


async def test_join_and_part_lines_hidden_in_big_rooms(alice, prosody, make_peer):
    alice.account.muc.configure(hide_joins_above=2)
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)  # with alice: 3 > 2
    window, model = await joined(alice, room)
    dave = await make_peer()
    await enter(dave, room, "dave")
    await until(lambda: "dave" in model.occupants)
    bob.send(room, "after dave", mtype="groupchat")
    await until(lambda: "after dave" in window_text(window))
    assert "dave has joined" not in window_text(window)


async def test_private_messages_with_an_occupant(alice, prosody, make_peer):
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)
    window, _model = await joined(alice, room)
    await run(alice, "/msg carol hi", window)
    got = await until(lambda: next((m for m in carol.messages if m.body == "hi"), None))
    assert got.stanza["type"] == "chat" and got.sender == f"{room}/alice"
    pm = alice.account.chat.find_window(f"{room}/carol")
    assert pm is not None and pm.kind is WindowKind.CHAT and pm.name == "carol"
    carol.send(f"{room}/alice", "hello privately")
    await until(lambda: "hello privately" in window_text(pm), message=lambda: window_text(pm))
    assert alice.account.chat.find_window(room) is window  # nothing opened for the room itself
    assert "hello privately" not in window_text(window)
    await run(alice, "/msg nobody hi", window)
    assert "No one called nobody" in window_text(window)


async def test_highlights_are_word_bounded_and_not_on_our_lines(alice, prosody, make_peer):
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)
    window, _model = await joined(alice, room)
    bob.send(room, "alice: ping", mtype="groupchat")
    bob.send(room, "malice is everywhere", mtype="groupchat")
    await until(lambda: "malice is everywhere" in window_text(window))
    lines = {l.body: l for l in window.lines}
    assert lines["alice: ping"].highlight is True
    assert lines["malice is everywhere"].highlight is False
    await run(alice, "I am alice", window)
    await until(lambda: "I am alice" in window_text(window))
    assert not next(l for l in window.lines if l.body == "I am alice").highlight


async def test_reconnect_rejoins_and_shows_missed_lines_once(alice, prosody, make_peer):
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)
    window, model = await joined(alice, room)
    bob.send(room, "before the break", mtype="groupchat")
    await until(lambda: "before the break" in window_text(window))
    session = alice.account.session
    await session.disconnect()  # a clean logout: the next session is a fresh one
    await until(lambda: "alice" not in nicks_seen_by(bob, room))
    for n in range(3):
        bob.send(room, f"missed {n}", mtype="groupchat")
    await until(lambda: ("bob", "missed 2") in said_in(carol, room))
    session.connect()
    await until(lambda: model.joined and "missed 2" in window_text(window), timeout=10,
                message=lambda: window_text(window))
    bob.send(room, "after the break", mtype="groupchat")
    await until(lambda: "after the break" in window_text(window))
    bodies = [l.body for l in window.lines]
    for text in ("before the break", "missed 0", "missed 1", "missed 2", "after the break"):
        assert bodies.count(text) == 1, (text, bodies)
    assert bodies.index("missed 2") < bodies.index("-- new since last time --") < bodies.index("after the break")
    assert sorted(model.occupants) == ["alice", "bob", "carol"]
    # the archive replay rings nothing
    assert not any(l.highlight for l in window.lines)
    assert await alice.account.store.db.count(room) == 5


async def test_dropped_connection_resumes_in_the_room(alice, prosody, make_peer):
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)
    window, model = await joined(alice, room)
    alice.account.session.xmpp.transport.abort()  # stream management resumes it
    bob.send(room, "during the drop", mtype="groupchat")
    await until(lambda: "during the drop" in window_text(window), timeout=10, message=lambda: window_text(window))
    await until(lambda: model.joined)
    assert [l.body for l in window.lines].count("during the drop") == 1
    assert sorted(model.occupants) == ["alice", "bob", "carol"]


async def test_wrong_password_is_one_clear_line(alice, prosody, make_peer):
    room = room_name(prosody, "secret")
    bob = await make_peer()
    await open_room(bob, room, "bob", password="hunter2")
    await run(alice, f"/join {room} wrong")
    errors = [l.body for l in alice.windows.status.lines if l.kind is LineKind.ERROR]
    assert errors == [f"Cannot join {room}: a password is required, or it is wrong "
                      f"(/join {room.split('@')[0]} PASSWORD)"]
    assert alice.account.muc.find_window(room) is None  # no empty window left behind
    assert alice.windows.active is alice.windows.status
    await run(alice, f"/join {room} hunter2")
    model = alice.account.muc.rooms[room]
    await until(lambda: model.joined)


async def test_joining_a_new_room_creates_it_unlocked(alice, prosody, make_peer):
    local = f"fresh-{uuid.uuid4().hex[:6]}"
    await run(alice, f"/join {local}")  # the configured service completes the JID
    room = f"{local}@{prosody.muc_domain}"
    window = alice.account.muc.find_window(room)
    await until(lambda: f"Created {room}" in window_text(window), message=lambda: window_text(window))
    assert alice.account.muc.rooms[room].get("alice").affiliation == "owner"
    bob = await make_peer()
    await enter(bob, room, "bob")  # not locked any more: others get in
    await until(lambda: "bob" in alice.account.muc.rooms[room].occupants)


async def test_names_whois_list_invite_accept_part_and_close(alice, prosody, make_peer):
    room, bob, carol = await room_with_bob_and_carol(prosody, make_peer)
    window, model = await joined(alice, room)
    await run(alice, "/names", window)
    text = window_text(window)
    assert "3 in " in text and "Moderators (1): bob" in text and "Participants (2): alice carol" in text
    await run(alice, "/whois bob", window)
    await until(lambda: "client: " in window_text(window))
    assert "bob: moderator, affiliation owner" in window_text(window)
    await run(alice, "/list")
    await until(lambda: any(room in l.body for l in alice.windows.status.lines), message=lambda: status_text(alice))
    listed = next(l.body for l in alice.windows.status.lines if room in l.body)
    assert listed.split()[0] == "3"

    other = room_name(prosody, "other")
    await open_room(bob, other, "bob")
    bob.plugin["xep_0045"].invite(other, alice.jid, "come over")
    await until(lambda: f"invites you to {other} (come over)" in status_text(alice), message=lambda: status_text(alice))
    await run(alice, "/accept")
    await until(lambda: alice.account.muc.rooms.get(other) is not None and alice.account.muc.rooms[other].joined)

    await run(alice, "/part see you", window)
    await until(lambda: "alice" not in nicks_seen_by(bob, room))
    assert not model.joined and model.occupants == {} and alice.account.muc.find_window(room) is window
    await run(alice, f"/join xmpp:{room}?join")  # a URI works too
    await until(lambda: model.joined)
    await run(alice, "/close", window)
    await until(lambda: "alice" not in nicks_seen_by(bob, room))
    assert alice.account.muc.find_window(room) is None
    await run(alice, "/names")  # not a room window: refused with one line
    assert "/names works only in room windows" in status_text(alice)


async def test_cycle_right_after_joining_rejoins(alice, prosody, make_peer):
    """/cycle leaves and joins at once: the room's echo of our leave arrives
    while the new join waits, and must not be taken as leaving again."""
    room, bob, _carol = await room_with_bob_and_carol(prosody, make_peer)
    window, model = await joined(alice, room)
    await alice.account.muc.cycle(room)  # raised "no answer within 20 s" before
    assert model.joined and room in alice.account.muc.wanted
    await until(lambda: window_text(window).count(f"You are in {room} as alice") == 2,
                message=lambda: window_text(window))
    bob.send(room, "still there?", mtype="groupchat")
    await until(lambda: any(l.body == "still there?" for l in window.lines), message=lambda: window_text(window))
