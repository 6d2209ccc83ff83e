"""Issue 12, names, headless against the real Prosody: every command that
takes a contact takes its roster name or a local part only it has —
/roster, /authorize, /whois, /invite, /blog read, /pgp — and a room window
keeps /msg NICK for its occupants."""

from __future__ import annotations

from tests.harness.client import run, status_text, window_text
from tests.harness.rooms import enter, joined, open_room, room_name
from tests.harness.wait import until


async def named(alice, peer, name: str) -> None:
    roster = alice.account.roster.model
    await run(alice, f'/roster add {peer.jid} "{name}"')
    await until(lambda: (c := roster.get(peer.jid)) is not None and c.name == name, timeout=5,
                message=lambda: status_text(alice))


async def test_roster_whois_blog_and_pgp_take_a_roster_name(alice, make_peer):
    bob = await make_peer()
    roster = alice.account.roster.model
    await named(alice, bob, "Bob")
    await until(lambda: roster.get(bob.jid).online, timeout=5)
    await run(alice, "/roster rename bob Robert")
    await until(lambda: roster.get(bob.jid).name == "Robert", timeout=5, message=lambda: status_text(alice))
    await run(alice, '/roster group robert Friends "Climbing club"')
    await until(lambda: set(roster.get(bob.jid).groups) == {"Friends", "Climbing club"}, timeout=5,
                message=lambda: repr(roster.get(bob.jid)))
    await run(alice, "/whois ROBERT")
    assert f"Robert ({bob.jid})" in status_text(alice)
    groups = ", ".join(roster.get(bob.jid).groups)
    assert f"  groups: {groups}; " in status_text(alice)
    assert f"  {bob.full_jid.split('/')[1]}: available, priority 0" in status_text(alice)
    await run(alice, "/blog read robert")
    assert f"{bob.jid}: 0 entries" in status_text(alice)  # his (empty) blog, read by name
    await run(alice, "/pgp fpr Robert")
    assert f"{bob.jid}: no key (/pgp contactkey JID KEYID)" in status_text(alice)
    await run(alice, "/roster remove Robert")
    await until(lambda: roster.get(bob.jid) is None, timeout=5)
    await run(alice, "/whois robert")  # gone from the roster, and no conversation with him
    assert "No contact called robert: not a roster name nor a JID" in status_text(alice)


async def test_authorize_a_request_by_its_local_part(alice, make_peer):
    erin = await make_peer(send_presence=False)
    erin.xmpp.auto_authorize = None
    await erin.xmpp.get_roster()
    answers: list[str] = []
    erin.xmpp.add_event_handler("presence_subscribed", lambda p: answers.append(p["from"].bare))
    erin.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
    await until(lambda: f"{erin.jid} asks to see your presence" in status_text(alice), timeout=5)
    await run(alice, f"/authorize {erin.jid.split('@')[0]}")
    await until(lambda: answers == [alice.jid], timeout=5, message=lambda: status_text(alice))


async def test_invite_by_name_and_msg_nick_in_a_room(alice, prosody, make_peer):
    bob, carol = await make_peer(), await make_peer()
    room = room_name(prosody, "names")
    await open_room(carol, room, "carol")
    await named(alice, bob, "Bob")
    window, _model = await joined(alice, room)
    invited: list[str] = []
    bob.xmpp.add_event_handler("groupchat_invite", lambda msg: invited.append(msg["from"].bare))
    await run(alice, "/invite bob come and see", window)
    await until(lambda: invited == [room], timeout=5, message=lambda: window_text(window))
    assert f"Invited {bob.jid} to {room}" in window_text(window)
    # in the room, a nick of the room still comes first: a private message
    await enter(bob, room, "bob")
    await until(lambda: "bob" in alice.account.muc.rooms[room].occupants, timeout=5)
    await run(alice, "/msg bob psst", window)
    got = await until(lambda: next((m for m in bob.messages if m.body == "psst"), None), timeout=5)
    assert got.sender == f"{room}/alice"
    # a contact who is not in the room is reached by name from the room window too
    dave = await make_peer()
    await named(alice, dave, "Dave")
    await run(alice, "/msg dave not in the room", window)
    got = await until(lambda: next((m for m in dave.messages if m.body == "not in the room"), None), timeout=5)
    assert got.sender.split("/")[0] == alice.jid
    await run(alice, "/msg Bob", window)
    assert "Usage: /msg contact text" in window_text(window)
    await run(alice, "/msg nobody hi", window)
    assert f"No one called nobody in {room}; No contact called nobody" in window_text(window)
