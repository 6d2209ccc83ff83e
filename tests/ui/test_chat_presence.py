"""Presence where you talk (issue 12, point 4), in the real app against the
real Prosody and a real slixmpp peer: a chat window's title shows the
contact's presence and status text, their changes are ``-!-`` lines in
their window (never twice the same, hidden with ``hide_joins_above = 0``
as room joins are), and their typing shows in the status bar and clears."""

from __future__ import annotations

import dataclasses

from tests.harness.app import running_app, screen_text, window_text
from tests.harness.peer import DEFAULT_PLUGINS
from tests.harness.wait import until
from tui.config import UiConfig
from tui.core.model import LineKind

CHATTY = DEFAULT_PLUGINS + ("xep_0085",)


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


async def befriend_and_open(app, pilot, alice, bob):
    """bob in alice's roster as "Bob", mutual (he accepts and asks back, as
    slixmpp does by default), online; his chat window open and in view."""
    await type_line(app, pilot, f"/roster add {bob.jid} Bob")
    roster = app.client.accounts.get(alice.jid).roster.model
    await until(lambda: roster.get(bob.jid) is not None and roster.get(bob.jid).subscription == "both"
                and roster.get(bob.jid).online, timeout=10)
    await type_line(app, pilot, f"/query {bob.jid}")
    return await until(lambda: app.client.windows.active.peer_jid == bob.jid and app.client.windows.active,
                       timeout=5)


def presence_lines(window) -> list[str]:
    return [line.body for line in window.lines if line.kind is LineKind.EVENT and line.body.startswith("Bob ")]


async def barrier(alice, window, bob, text: str) -> None:
    """A message from bob sent after his presences: once it is shown, every
    line they make has been shown too (one ordered stream, one queue)."""
    bob.send(alice.jid, text)
    await until(lambda: text in window_text(window), timeout=5, message=lambda: window_text(window))


async def test_bob_goes_away_and_back_his_window_says_so_and_its_title_shows_it(alice, make_peer):
    bob = await make_peer(plugins=CHATTY)
    async with running_app(alice.config) as (app, pilot):
        window = await befriend_and_open(app, pilot, alice, bob)
        title = app.main.query_one("#title")
        await until(lambda: f"{bob.jid} — online" in title.plain, timeout=5, message=lambda: title.plain)

        # what he says before he goes stays before the line that says he went
        bob.send(alice.jid, "brb, fishing")
        bob.xmpp.send_presence(pshow="away", pstatus="gone fishing")
        await until(lambda: "-!- Bob is now away (gone fishing)" in screen_text(app), timeout=5,
                    message=lambda: screen_text(app))
        bodies = [line.body for line in window.lines]
        assert bodies.index("brb, fishing") < bodies.index("Bob is now away (gone fishing)")
        await until(lambda: f"{bob.jid} — away: gone fishing" in title.plain, timeout=5,
                    message=lambda: title.plain)
        # the same presence again (a client re-announcing itself) says nothing
        bob.xmpp.send_presence(pshow="away", pstatus="gone fishing")
        await barrier(alice, window, bob, "still fishing")
        assert presence_lines(window) == ["Bob is now away (gone fishing)"]

        bob.xmpp.send_presence()
        await until(lambda: "-!- Bob is back" in screen_text(app), timeout=5, message=lambda: screen_text(app))
        await until(lambda: f"{bob.jid} — online" in title.plain, timeout=5, message=lambda: title.plain)

        # a fresh session: the server sends his presence again, which says nothing new
        session = app.client.accounts.get(alice.jid).session
        starts: list[bool] = []
        session.xmpp.add_event_handler("session_start", lambda _event: starts.append(True))
        await type_line(app, pilot, "/reconnect")
        await until(lambda: starts and session.online and session.announced, timeout=10)
        # once our presence is answered, his (the server's answer to it) has come in
        await session.xmpp.plugin["xep_0199"].ping(timeout=10)
        await until(lambda: title.plain.endswith(f"{bob.jid} — online"), timeout=5, message=lambda: title.plain)
        await barrier(alice, window, bob, "welcome back")
        assert presence_lines(window) == ["Bob is now away (gone fishing)", "Bob is back"]

        # typing: the status bar says it, and it clears
        status_bar = app.main.query_one("#statusbar")
        for state, typing in (("composing", True), ("active", False)):
            msg = bob.xmpp.make_message(mto=alice.jid, mtype="chat")
            msg["chat_state"] = state
            msg.send()
            await until(lambda typing=typing: ("is typing" in status_bar.plain) == typing, timeout=5,
                        message=lambda: status_bar.plain)

        # going offline mid-sentence ends the typing too
        msg = bob.xmpp.make_message(mto=alice.jid, mtype="chat")
        msg["chat_state"] = "composing"
        msg.send()
        await until(lambda: "is typing" in status_bar.plain, timeout=5, message=lambda: status_bar.plain)
        bob.xmpp.send_presence(ptype="unavailable", pstatus="bye")
        await until(lambda: "-!- Bob is offline (bye)" in screen_text(app), timeout=5,
                    message=lambda: screen_text(app))
        await until(lambda: "is typing" not in status_bar.plain, timeout=5, message=lambda: status_bar.plain)
        await until(lambda: title.plain.endswith(f"{bob.jid} — offline"), timeout=5, message=lambda: title.plain)
        assert presence_lines(window) == ["Bob is now away (gone fishing)", "Bob is back", "Bob is offline (bye)"]


async def test_hide_joins_above_zero_hides_a_contacts_presence_lines_not_the_title(alice, make_peer):
    bob = await make_peer(plugins=CHATTY)
    config = dataclasses.replace(alice.config, ui=UiConfig(hide_joins_above=0))
    async with running_app(config) as (app, pilot):
        window = await befriend_and_open(app, pilot, alice, bob)
        title = app.main.query_one("#title")
        bob.xmpp.send_presence(pshow="dnd", pstatus="in a meeting")
        await until(lambda: f"{bob.jid} — do not disturb: in a meeting" in title.plain, timeout=5,
                    message=lambda: title.plain)
        bob.xmpp.send_presence()
        await until(lambda: title.plain.endswith(f"{bob.jid} — online"), timeout=5, message=lambda: title.plain)
        await barrier(alice, window, bob, "back from the meeting")
        assert presence_lines(window) == []


async def test_presences_with_no_chat_window_queue_nothing_and_a_window_on_its_way_still_says_them(
        alice, make_peer):
    """A log-in's or a presence storm's thousands of changes from contacts
    with no chat window open queue no work (each used to queue a job, and
    start a task, to find no window); a change that comes while a message of
    the contact is still on its way to open their window is said there,
    after it."""
    bob = await make_peer(plugins=CHATTY)
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/roster add {bob.jid} Bob")
        account = app.client.accounts.get(alice.jid)
        roster = account.roster.model
        await until(lambda: roster.get(bob.jid) is not None and roster.get(bob.jid).subscription == "both"
                    and roster.get(bob.jid).online, timeout=10)
        assert app.client.windows.find(alice.jid, bob.jid) is None
        serial = account.roster.serial
        submitted: list[object] = []
        submit = serial.submit
        serial.submit = lambda make: submitted.append(make) or submit(make)
        for show in ("away", "xa", "dnd"):
            bob.xmpp.send_presence(pshow=show, pstatus=f"status {show}")
            await until(lambda show=show: roster.get(bob.jid).best is not None
                        and roster.get(bob.jid).best.show == show, timeout=5)
        assert submitted == []  # nothing to say them in, nothing queued that could open it

        # his first message opens his window; the change right behind it is said after it
        bob.send(alice.jid, "are you there?")
        bob.xmpp.send_presence(pstatus="back now")
        window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=5)
        await until(lambda: "Bob is back (back now)" in window_text(window), timeout=5,
                    message=lambda: window_text(window))
        bodies = [line.body for line in window.lines]
        assert bodies.index("are you there?") < bodies.index("Bob is back (back now)")
