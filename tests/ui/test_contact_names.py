"""Issue 12, names: the app against a real Prosody — a roster name reaches
the contact in /msg, /query, /whois; Tab completes it; an ambiguous name
lists the candidates and sends nothing."""

from __future__ import annotations

from tests.harness.app import running_app, screen_text, status_text, window_text
from tests.harness.wait import until
from tui.core.windows import WindowKind


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


async def named(app, pilot, peer, name: str) -> None:
    """``peer`` in alice's roster under ``name`` (the server's roster push came back)."""
    roster = app.client.accounts.get(next(iter(app.client.accounts)).jid).roster.model
    await type_line(app, pilot, f'/roster add {peer.jid} "{name}"')
    await until(lambda: roster.get(peer.jid) is not None and roster.get(peer.jid).name == name, timeout=5)


async def test_msg_query_whois_and_tab_take_a_roster_name(alice, make_peer):
    bob = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        await named(app, pilot, bob, "Bob")
        # Tab: "/msg bo" completes to the roster name, as the command takes it
        app.main.input_line.value = "/msg bo"
        app.main.input_line.cursor_position = len("/msg bo")
        await pilot.press("tab")
        assert app.main.input_line.value == "/msg Bob "
        app.main.input_line.value += "hi"
        await pilot.press("enter")
        await until(lambda: bob.bodies() == ["hi"], timeout=5, message=lambda: status_text(app))
        window = await until(lambda: app.client.windows.find(alice.jid, bob.jid), timeout=5)
        assert window.kind is WindowKind.CHAT and app.client.windows.active is window
        # the local part, in any case, is bob too
        await type_line(app, pilot, "/window 1")
        await type_line(app, pilot, f"/query {bob.jid.split('@')[0].upper()}")
        await until(lambda: app.client.windows.active is window, timeout=5)
        await type_line(app, pilot, "/whois bob")
        await until(lambda: f"Bob ({bob.jid})" in window_text(window), timeout=5,
                    message=lambda: window_text(window))
        assert "you see each other's presence" in window_text(window) or "[pending]" in window_text(window)


async def test_an_ambiguous_name_lists_the_candidates_and_opens_nothing(alice, make_peer):
    dave, david = await make_peer(), await make_peer()
    async with running_app(alice.config) as (app, pilot):
        await named(app, pilot, dave, "Dave")
        await named(app, pilot, david, "Dave")
        count = len(list(app.client.windows))
        await type_line(app, pilot, "/msg dave are you there")
        first, second = sorted((dave.jid, david.jid))
        expected = f"dave is ambiguous: Dave ({first}), Dave ({second}) — say which with its JID"
        await until(lambda: expected in screen_text(app), timeout=5, message=lambda: screen_text(app))
        assert len(list(app.client.windows)) == count
        # Tab on the shared name offers each by what designates it alone (here its local part)
        app.main.input_line.value = "/msg Da"
        app.main.input_line.cursor_position = len("/msg Da")
        locals_ = sorted(jid.split("@")[0] for jid in (dave.jid, david.jid))
        await pilot.press("tab")
        assert app.main.input_line.value == f"/msg {locals_[0]}"
        await pilot.press("tab")
        assert app.main.input_line.value == f"/msg {locals_[1]}"
        app.main.input_line.value = ""
        await type_line(app, pilot, f"/msg {dave.jid.split('@')[0]} only you")
        await until(lambda: dave.bodies() == ["only you"], timeout=5)
        assert dave.bodies() == ["only you"] and david.bodies() == []
