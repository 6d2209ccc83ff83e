"""Notifications in the running app: a real peer's message rings, titles and
pops up (recorded bytes: a headless driver writes nothing), our own lines
and the window we look at stay quiet, and the title is given back on exit."""

from __future__ import annotations

from dataclasses import replace

from textual import events

from screens.app import ParlonsApp
from tests.harness.app import running_app
from tests.harness.wait import until
from tui.config import Config, UiConfig
from tui.core.notify import BELL, TITLE_POP
from tui.launch import start_early


def config_for(alice, **ui) -> Config:
    return replace(alice.config, ui=UiConfig(**ui))


def recorder(app) -> list[str]:
    written: list[str] = []
    app.notifier.write = written.append
    # no rate limit: each step below is checked on its own
    app.notifier.policy.settings = replace(app.notifier.policy.settings, bell_interval=0)
    return written


def popups(written: list[str]) -> list[str]:
    return [w for w in written if w.startswith("\x1b]777;")]


async def test_message_to_us_rings_pops_up_and_counts_in_the_title(alice, make_peer):
    bob = await make_peer()
    bob_name = bob.jid.split("@")[0]
    async with running_app(config_for(alice, desktop_notifications="osc777")) as (app, pilot):
        written = recorder(app)
        bob.send(alice.jid, "lunch at noon? \x9b2J \u202eevil")  # C1 and bidi pass XML
        await until(lambda: BELL in written, timeout=5, message=lambda: repr(written))
        await until(lambda: "\x1b]2;(1) Parlons — 1:status\x07" in written, timeout=5,
                    message=lambda: repr(written))
        [popup] = popups(written)
        assert popup == f"\x1b]777;notify;Parlons: {bob_name};lunch at noon? 2J evil\x07"

        # the window we look at, terminal focused: nothing; the count drops
        await pilot.press("alt+2")
        await until(lambda: f"\x1b]2;Parlons — 2:{bob_name}\x07" in written, timeout=5)
        written.clear()
        bob.send(alice.jid, "are you there?")
        window = app.client.windows.active
        await until(lambda: any("are you there?" in l.body for l in window.lines), timeout=5)
        # our own reply: nothing either
        app.main.input_line.value = "yes"
        await pilot.press("enter")
        await until(lambda: "yes" in bob.bodies(), timeout=5)
        assert BELL not in written and not popups(written)

        # terminal loses focus: the active window rings and counts until focus returns
        app.post_message(events.AppBlur())
        await until(lambda: not app.app_focus, timeout=2)
        bob.send(alice.jid, "hello?")
        await until(lambda: BELL in written, timeout=5, message=lambda: repr(written))
        await until(lambda: f"\x1b]2;(1) Parlons — 2:{bob_name}\x07" in written, timeout=5)
        app.post_message(events.AppFocus())
        await until(lambda: written[-1] == f"\x1b]2;Parlons — 2:{bob_name}\x07", timeout=5,
                    message=lambda: repr(written[-3:]))
    assert written[-1] == TITLE_POP  # the user's title is given back on exit


async def test_bell_and_title_can_be_turned_off(alice, make_peer):
    bob = await make_peer()
    async with running_app(config_for(alice, bell=False, terminal_title=False)) as (app, pilot):
        written = recorder(app)
        bob.send(alice.jid, "ping")
        await until(lambda: app.client.windows.get(2) and app.client.windows.get(2).lines, timeout=5)
        await until(lambda: app.title.startswith("(1) Parlons"), timeout=5)  # computed, not written
    assert written == []  # no bell, no title, no title pop on exit


async def test_a_message_that_came_before_the_face_rings_once_it_is_up(alice, make_peer):
    """The accounts start while the face loads (tui/launch.py): what reached
    us meanwhile rings when the face comes up, as a live message would."""
    bob = await make_peer()
    early = start_early(alice.config)
    try:
        account = await until(lambda: early.client.accounts.get(alice.jid), timeout=5)
        await until(lambda: account.session.announced, timeout=10,
                    message=lambda: "\n".join(l.body for l in early.client.windows.status.lines))
        await account.session.xmpp.plugin["xep_0199"].ping(timeout=10)  # our presence is in
        bob.send(alice.jid, "are you up yet?")
        await until(lambda: early.client.windows.get(2) is not None
                    and any("are you up yet?" in l.body for l in early.client.windows.get(2).lines),
                    timeout=5)
        app = ParlonsApp(alice.config, early=early)
        written: list[str] = []
        app.notifier.write = written.append
        async with app.run_test(size=(120, 40)):
            await until(lambda: BELL in written, timeout=5, message=lambda: repr(written))
            assert app.client is early.client
    finally:
        await early.client.accounts.disconnect_all()
