"""Rooms in the real app (Pilot) against the real Prosody, slixmpp peers in the room."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from slixmpp import JID

from tests.harness.app import account_config, running_app, screen_lines, screen_text, window_text
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.rooms import CORRECTING, say
from tests.harness.wait import until
from tui.config import Config
from tui.core.model import LineKind
from tui.core.windows import Activity, WindowKind


@pytest.fixture
def alice(prosody, make_account):
    """Alice with nick "alice" and the test server's MUC service configured."""
    jid, password = make_account("alice")
    return SimpleNamespace(jid=jid, password=password, config=Config([account_config(
        prosody, jid, password, nick="alice", muc_service=prosody.muc_domain)]))


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


async def bench(prosody, make_peer, plugins=DEFAULT_PLUGINS):
    """bob opens a fresh room with a topic; carol is in it too."""
    name = f"bench-{uuid.uuid4().hex[:6]}"
    room = f"{name}@{prosody.muc_domain}"
    bob, carol = await make_peer(plugins=plugins), await make_peer(plugins=plugins)
    muc = bob.plugin["xep_0045"]
    presence, *_ = await muc.join_muc_wait(JID(room), "bob", maxstanzas=0, timeout=10)
    if 201 in presence["muc"]["status_codes"]:
        form = await muc.get_room_config(room)
        form["type"] = "submit"
        await muc.set_room_config(room, form)
    muc.set_subject(room, "Benchmarks and coffee")
    await carol.plugin["xep_0045"].join_muc_wait(JID(room), "carol", maxstanzas=0, timeout=10)
    return name, room, bob, carol


async def test_join_talk_and_highlight_in_the_app(alice, prosody, make_peer):
    name, room, bob, carol = await bench(prosody, make_peer)
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/join {name}")
        window = await until(lambda: app.client.windows.active.kind is WindowKind.ROOM and app.client.windows.active)
        model = app.client.room_of(window)
        assert window.target == room and window.name == name
        await until(lambda: "Topic: Benchmarks and coffee" in screen_text(app), message=lambda: screen_text(app))
        await until(lambda: {"alice", "bob", "carol"} <= set(model.occupants))
        bob.send(room, "hello from bob", mtype="groupchat")
        await until(lambda: "hello from bob" in screen_text(app))
        await type_line(app, pilot, "hello room")
        await until(lambda: "hello room" in bob.bodies())
        await pilot.press("alt+1")  # away from the room: its activity shows
        bob.send(room, "alice: ping", mtype="groupchat")
        await until(lambda: window.activity is Activity.HIGHLIGHT, message=lambda: window_text(window))
        assert next(l for l in window.lines if l.body == "alice: ping").highlight


async def test_private_message_from_the_room_window_and_the_reply(alice, prosody, make_peer):
    name, room, bob, carol = await bench(prosody, make_peer)
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/join {room}")
        window = await until(lambda: app.client.windows.active.kind is WindowKind.ROOM and app.client.windows.active)
        await until(lambda: "carol" in app.client.room_of(window).occupants)
        await type_line(app, pilot, "/msg carol hi")
        got = await until(lambda: next((m for m in carol.messages if m.body == "hi"), None))
        assert got.sender == f"{room}/alice" and got.stanza["type"] == "chat"
        carol.send(f"{room}/alice", "hi back")
        pm = await until(lambda: app.client.accounts.get(alice.jid).chat.find_window(f"{room}/carol"))
        await until(lambda: "hi back" in window_text(pm))
        assert pm.name == "carol" and pm is app.client.windows.active  # /msg brought it forward
        await until(lambda: "hi back" in screen_text(app))
        await type_line(app, pilot, "/close")  # closing the PM window does not leave the room
        assert app.client.room_of(window).joined
        await pilot.press(f"alt+{window.number}")
        await type_line(app, pilot, "/part")
        await until(lambda: "alice" not in bob.plugin["xep_0045"].rooms[None].get(JID(room), {}))
        assert app.client.windows.get(window.number) is window  # /part keeps the window


async def test_a_paste_in_a_room_asks_first_then_goes_to_the_room(alice, prosody, make_peer):
    from screens.paste_confirm import PasteConfirmScreen
    from textual import events

    name, room, bob, carol = await bench(prosody, make_peer)
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/join {name}")
        await until(lambda: app.client.windows.active.target == room)
        model = app.client.room_of(app.client.windows.active)
        await until(lambda: "alice" in model.occupants)
        app.main.input_line.post_message(events.Paste("first\r/second\r"))
        prompt = await until(lambda: isinstance(app.screen, PasteConfirmScreen) and app.screen)
        assert f"Paste 2 lines (13 B) to {room}?" in str(prompt.query_one("#paste-prompt").render())
        assert "first" not in bob.bodies()
        await pilot.press("ctrl+s")
        await until(lambda: bob.bodies()[-2:] == ["first", "/second"], message=lambda: str(bob.bodies()))
        await pilot.press("a", "alt+enter", "b", "ctrl+j", "c", "enter")  # the composer: one message
        await until(lambda: bob.bodies()[-1:] == ["a\nb\nc"], message=lambda: str(bob.bodies()))


def row_of(app, text: str) -> str:
    return next((row for row in screen_lines(app) if text in row), "")


async def test_corrections_in_a_room_theirs_forged_and_ours(alice, prosody, make_peer):
    name, room, bob, carol = await bench(prosody, make_peer, plugins=CORRECTING)
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/join {name}")
        window = await until(lambda: app.client.windows.active.kind is WindowKind.ROOM and app.client.windows.active)
        await until(lambda: "alice" in app.client.room_of(window).occupants)
        # bob corrects his line: the new text, once, marked
        original = say(bob, room, "teh build is green")
        await until(lambda: "teh build is green" in screen_text(app), message=lambda: screen_text(app))
        say(bob, room, "the build is green", replace=original)
        await until(lambda: "the build is green" in screen_text(app), message=lambda: screen_text(app))
        assert "teh build" not in screen_text(app) and screen_text(app).count("the build is green") == 1
        assert "✎" in row_of(app, "the build is green") and "bob" in row_of(app, "the build is green")
        # carol claims bob's id: her own message, bob's line as it was
        say(carol, room, "it is red", replace=original)
        await until(lambda: "it is red" in screen_text(app), message=lambda: screen_text(app))
        assert "carol" in row_of(app, "it is red") and "✎" not in row_of(app, "it is red")
        assert "the build is green" in screen_text(app) and "✎" in row_of(app, "the build is green")

        # ours: /correct, then Up on the empty line
        line = app.main.input_line
        await type_line(app, pilot, "lunch at 12")
        sent = await until(lambda: next((m for m in bob.messages if m.body == "lunch at 12"), None))
        await type_line(app, pilot, "/correct lunch at 1")
        fix = await until(lambda: next((m for m in bob.messages if m.body == "lunch at 1"), None))
        assert fix.stanza["replace"]["id"] == sent.stanza["id"]
        await pilot.press("up")
        assert line.value == "lunch at 1" and line.correcting
        await pilot.press("3", "enter")
        again = await until(lambda: next((m for m in bob.messages if m.body == "lunch at 13"), None))
        assert again.stanza["replace"]["id"] == sent.stanza["id"]  # always the original's id
        say(bob, room, "barrier")  # after our corrections reached bob: their echoes reached us
        await until(lambda: "barrier" in screen_text(app), message=lambda: screen_text(app))
        mine = [l for l in window.lines if l.kind is LineKind.OUTGOING]
        assert [(l.body, l.corrected) for l in mine] == [("lunch at 13", True)]
        shown = [row for row in screen_lines(app) if "lunch at 1" in row]
        assert len(shown) == 1 and "lunch at 13" in shown[0], shown
        assert "✎" in row_of(app, "lunch at 13")
