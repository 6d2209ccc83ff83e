"""Room moderation, configuration and self-ping against the real Prosody,
with real slixmpp peers in the room: /kick, /ban, /role, /affiliation,
refusals, /configure through the form screen (Pilot), and XEP-0410
self-ping noticing a membership the server dropped silently."""

from __future__ import annotations

import asyncio
import uuid

from screens.form_screen import FormScreen
from tests.harness.app import account_config, running_app
from tests.harness.client import run, status_text, window_text
from tests.harness.rooms import enter, joined, open_room, room_name
from tests.harness.wait import until
from textual.widgets import Input
from tui.config import Config
from tui.core.windows import WindowKind
from tui.xmpp.muc.admin import MucAdmin


def presences_of(peer, room: str) -> list:
    """Every groupchat presence ``peer`` receives from ``room`` from now on."""
    seen: list = []
    peer.xmpp.add_event_handler(
        "groupchat_presence", lambda pr: seen.append(pr) if pr["from"].bare == room else None)
    return seen


def thrown_out(seen: list, nick: str, code: int) -> bool:
    """``nick`` got its own unavailable presence with status ``code`` (and 110: it is about them)."""
    return any(pr["type"] == "unavailable" and pr["from"].resource == nick
               and {110, code} <= set(pr["muc"]["status_codes"]) for pr in seen)


async def alice_owns_room_with_bob_and_carol(alice, prosody, make_peer):
    """alice creates the room by joining it (owner, sees real JIDs); bob and carol come in."""
    room = room_name(prosody, "mod")
    window, model = await joined(alice, room)
    bob, carol = await make_peer(), await make_peer()
    await enter(bob, room, "bob")
    await enter(carol, room, "carol")
    await until(lambda: {"bob", "carol"} <= set(model.occupants), message=lambda: window_text(window))
    await until(lambda: model.get("carol").jid is not None)
    return room, window, model, bob, carol


async def test_owner_kicks_bans_and_changes_roles_and_affiliations(alice, prosody, make_peer):
    room, window, model, bob, carol = await alice_owns_room_with_bob_and_carol(alice, prosody, make_peer)
    bob_saw, carol_saw = presences_of(bob, room), presences_of(carol, room)

    await run(alice, "/role carol visitor", window)
    await until(lambda: model.get("carol").role == "visitor", message=lambda: window_text(window))
    assert "carol is now visitor in" in window_text(window)
    await until(lambda: any(pr["from"].resource == "carol" and pr["muc"]["role"] == "visitor" for pr in carol_saw))

    await run(alice, f"/aff {carol.jid} member", window)
    await until(lambda: model.get("carol").affiliation == "member", message=lambda: window_text(window))
    members = await MucAdmin(alice.account.session, alice.account.muc.rooms).affiliation_list(room, "member")
    assert carol.jid in members

    await run(alice, "/kick bob too loud", window)
    await until(lambda: thrown_out(bob_saw, "bob", 307), message=lambda: window_text(window))
    await until(lambda: "bob" not in model.occupants)
    await until(lambda: "bob was kicked" in window_text(window), message=lambda: window_text(window))
    assert "(too loud)" in window_text(window)

    await run(alice, "/ban carol spam", window)  # a nick: its real JID is visible to the owner
    await until(lambda: thrown_out(carol_saw, "carol", 301), message=lambda: window_text(window))
    assert f"Banned {carol.jid} from {room}" in window_text(window)
    assert carol.jid in await MucAdmin(alice.account.session, alice.account.muc.rooms).affiliation_list(room, "outcast")

    outsider = f"nobody-{uuid.uuid4().hex[:4]}@localhost"
    await run(alice, f"/ban {outsider}", window)  # a JID that is not in the room
    await until(lambda: f"Banned {outsider} from {room}" in window_text(window), message=lambda: window_text(window))
    assert outsider in await MucAdmin(alice.account.session, alice.account.muc.rooms).affiliation_list(room, "outcast")


async def test_refusals_and_bad_targets_are_one_clear_line(alice, prosody, make_peer):
    room = room_name(prosody, "mod")
    bob, carol = await make_peer(), await make_peer()
    await open_room(bob, room, "bob")  # bob owns it; alice is a plain participant
    await enter(carol, room, "carol")
    window, model = await joined(alice, room)
    await until(lambda: "carol" in model.occupants)
    assert model.get("carol").jid is None  # a participant does not see real JIDs

    await run(alice, "/kick carol", window)
    await until(lambda: "You are not allowed to kick in this room (not-allowed)" in window_text(window),
                message=lambda: window_text(window))
    await run(alice, "/ban carol", window)
    await until(lambda: "Cannot resolve carol to a JID" in window_text(window), message=lambda: window_text(window))
    await run(alice, f"/affiliation {carol.jid} admin", window)
    await until(lambda: "You are not allowed to change affiliations in this room" in window_text(window),
                message=lambda: window_text(window))
    await run(alice, "/role nobody moderator", window)
    await until(lambda: f"No one called nobody in {room}" in window_text(window))
    # a malformed JID is refused before anything is asked of the room (issue 12)
    sent: list[str] = []
    alice.account.session.xmpp.add_filter("out", lambda stanza: sent.append(str(stanza)) or stanza)
    for command in ("/ban a@b@c spam", "/affiliation a@b@c member", "/bookmark autojoin a@b@c"):
        await run(alice, command, window)
    assert window_text(window).count("Invalid JID a@b@c: second @ found before parsing the resource") == 3, \
        window_text(window)
    assert not any("a@b@c" in stanza for stanza in sent), sent
    await run(alice, "/role carol boss", window)
    assert "carol" in model.occupants and "Traceback" not in status_text(alice)
    await run(alice, "/kick carol")  # the status window: not a room
    assert "/kick works only in room windows" in status_text(alice)
    await run(alice, "/configure", window)  # headless: no screen to show a form on
    await until(lambda: "/configure needs the full-screen interface" in window_text(window))


async def test_self_ping_notices_a_silent_drop_and_rejoins(alice, prosody, make_peer):
    room = room_name(prosody, "ping")
    bob = await make_peer()
    await open_room(bob, room, "bob")
    window, model = await joined(alice, room)
    selfping = alice.account.selfping

    # still in: a ping to our own occupant JID is answered, nothing happens
    assert await selfping.check(room) is True
    assert selfping.rejoins == 0

    # the server forgets alice without telling anyone (what a restarted or
    # confused room does); bob still lists her, alice still thinks she is in
    lua = (f'> local r = prosody.hosts["{prosody.muc_domain}"].modules.muc.get_room_from_jid("{room}"); '
           f'local o = r:get_occupant_by_nick("{room}/alice"); o.role = nil; r:save_occupant(o); return "gone"')
    assert "gone" in await asyncio.to_thread(prosody.shell, lua)
    assert model.joined

    bob_saw = presences_of(bob, room)
    selfping.interval = 0.3  # the periodic watch, not a direct call, finds it
    await until(lambda: selfping.rejoins == 1, timeout=10, message=lambda: window_text(window))
    await until(lambda: "The room no longer knows us (not-acceptable)" in window_text(window),
                message=lambda: window_text(window))
    await until(lambda: model.joined and "bob" in model.occupants, message=lambda: window_text(window))
    # the room really has alice again: her join reached bob, and a ping says "in"
    await until(lambda: any(pr["from"].resource == "alice" and pr["type"] != "unavailable" for pr in bob_saw))
    selfping.interval = 300
    assert await selfping.check(room) is True
    assert selfping.rejoins == 1
    bob.send(room, "still there?", mtype="groupchat")
    await until(lambda: "still there?" in window_text(window))


async def test_configure_round_trip_through_the_form_screen(prosody, make_account, make_peer):
    jid, password = make_account("alice")
    config = Config([account_config(prosody, jid, password, nick="alice", muc_service=prosody.muc_domain)])
    room = room_name(prosody, "conf")
    bob = await make_peer()
    async with running_app(config, size=(120, 60)) as (app, pilot):
        app.main.input_line.value = f"/join {room}"
        await pilot.press("enter")
        window = await until(lambda: app.client.windows.active.kind is WindowKind.ROOM and app.client.windows.active)
        await until(lambda: app.client.room_of(window).joined, message=lambda: window_text(window))

        app.main.input_line.value = "/configure"
        await pilot.press("enter")
        screen = await until(lambda: isinstance(app.screen, FormScreen) and app.screen)
        index = next(i for i, f in enumerate(screen.form.fields) if f.var == "muc#roomconfig_roomname")
        screen.query_one(f"#field-{index}", Input).value = "Renamed lounge"
        await pilot.press("ctrl+s")
        await until(lambda: f"Room configuration of {room} saved" in window_text(window),
                    message=lambda: window_text(window))
        assert not isinstance(app.screen, FormScreen)
        info = await bob.plugin["xep_0030"].get_info(jid=room, timeout=10)
        names = [identity[3] for identity in info["disco_info"]["identities"]]
        assert "Renamed lounge" in names

        app.main.input_line.value = "/configure"
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, FormScreen))
        await pilot.press("escape")
        await until(lambda: f"Configuration of {room} cancelled" in window_text(window))
