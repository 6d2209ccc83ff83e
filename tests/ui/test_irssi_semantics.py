"""Issue 12, Irssi semantics (Pilot, real Prosody): a bare /away means back,
a mistyped command suggests the nearest, and an error shows in the window
that caused it while its copy in the status window lights nothing."""

from __future__ import annotations

from tests.harness.app import running_app, status_text, window_text
from tests.harness.wait import until
from tui.core.windows import Activity


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


async def test_away_with_text_then_bare_away_is_back_for_the_peer(alice, make_peer):
    bob = await make_peer()
    seen: list[tuple[str, str]] = []  # (show, status) of alice's presences, as bob gets them

    def presence(stanza) -> None:
        if stanza["from"].bare == alice.jid and stanza["type"] in ("available", "away", "xa", "dnd", "chat"):
            seen.append((stanza["type"], stanza["status"]))

    bob.xmpp.add_event_handler("presence", presence)
    async with running_app(alice.config) as (app, pilot):
        bob.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
        await until(lambda: f"/authorize {bob.jid}" in status_text(app), timeout=5,
                    message=lambda: status_text(app))
        await type_line(app, pilot, f"/authorize {bob.jid}")
        await until(lambda: seen and seen[-1] == ("available", ""), timeout=5, message=lambda: repr(seen))
        await type_line(app, pilot, "/away lunch")
        await until(lambda: seen[-1] == ("away", "lunch"), timeout=5, message=lambda: repr(seen))
        await until(lambda: "(away: lunch)" in app.main.query_one("#statusbar").plain, timeout=5)
        await type_line(app, pilot, "/away")  # Irssi: back
        await until(lambda: seen[-1] == ("available", ""), timeout=5, message=lambda: repr(seen))
        await until(lambda: "away" not in app.main.query_one("#statusbar").plain, timeout=5)
        # and a bare /away when not away stays back (no "away" without a reason)
        count = len(seen)
        await type_line(app, pilot, "/away")
        await until(lambda: "Your presence: online" in window_text(app.client.windows.status).split("\n")[-1],
                    timeout=5)
        assert all(show == "available" for show, _ in seen[count:])


async def test_a_typo_suggests_and_an_error_stays_where_it_was_caused(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        windows = app.client.windows
        await type_line(app, pilot, "/jion")
        await until(lambda: "Unknown command /jion — did you mean /join?" in window_text(windows.status),
                    timeout=5)
        # in bob's window: the error is shown there; the status window keeps a copy, unlit
        await type_line(app, pilot, f"/query {bob.jid}")
        chat = await until(lambda: windows.active.target == bob.jid and windows.active, timeout=5)
        before = len(windows.status.lines)
        await type_line(app, pilot, "/jion #lounge")
        error = "Unknown command /jion — did you mean /join?"
        await until(lambda: error in window_text(chat), timeout=5)
        await until(lambda: len(windows.status.lines) > before, timeout=5)
        assert error in windows.status.lines[-1].body
        assert windows.status.activity is Activity.NONE
        bar = app.main.query_one("#windowbar")
        await until(lambda: f"{chat.number}:" in bar.plain, timeout=5)
        assert "[Act:" not in bar.plain
        # a command's usage error, too
        await type_line(app, pilot, "/query")
        await until(lambda: "Usage: /query" in window_text(chat), timeout=5)
        assert windows.status.activity is Activity.NONE
        # what the peer sends still lights the windows it lands in
        await pilot.press("alt+1")
        bob.send(alice.jid, "ping")
        await until(lambda: chat.activity >= Activity.MESSAGES, timeout=5)
        await until(lambda: f"[Act: {chat.number}]" in bar.plain, timeout=5, message=lambda: bar.plain)
