"""The roster window and side pane in the real app (Pilot), against the real
Prosody and real peers."""

from __future__ import annotations

import time

from textual import events

from tests.harness.app import running_app, status_text
from tests.harness.wait import until
from tui.core.roster import ContactRow
from tui.core.windows import WindowKind


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.focus()
    app.main.input_line.value = text
    await pilot.press("enter")


def view_lines(view) -> list[str]:
    """What the view shows on screen right now, row by row."""
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


def shown_contacts(view) -> list[str]:
    return [row.contact.jid for row in view.rows if isinstance(row, ContactRow)]


def fill(roster, people: dict[str, tuple[str, tuple[str, ...]]]) -> None:
    for jid, (name, groups) in people.items():
        roster.set_item(jid, name=name, groups=groups, subscription="both")


async def test_dave_accepts_and_his_away_lunch_shows_in_the_roster_window(alice, make_peer):
    dave = await make_peer()
    dave.xmpp.auto_authorize = None
    dave.xmpp.auto_subscribe = False
    await dave.xmpp.get_roster()
    asked = []
    dave.xmpp.add_event_handler("presence_subscribe", lambda p: asked.append(p["from"].bare))
    async with running_app(alice.config) as (app, pilot):
        await type_line(app, pilot, f"/roster add {dave.jid} Dave Friends")
        await until(lambda: asked == [alice.jid], timeout=5)
        await type_line(app, pilot, "/roster")
        window = await until(lambda: app.client.windows.active.kind is WindowKind.ROSTER and
                             app.client.windows.active, timeout=5)
        view = app.main.roster_window
        await until(lambda: view.display and view.has_focus, timeout=5)
        await until(lambda: any("Dave [pending]" in line for line in view_lines(view)), timeout=5,
                    message=lambda: "\n".join(view_lines(view)))
        # dave accepts and asks back, then goes away for lunch
        dave.xmpp.send_presence(pto=alice.jid, ptype="subscribed")
        dave.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
        roster = app.client.accounts.get(alice.jid).roster.model
        await until(lambda: roster.get(dave.jid).subscription == "both", timeout=5)
        dave.xmpp.send_presence(pshow="away", pstatus="lunch")
        started = time.perf_counter()
        await until(lambda: "  ◐ Dave  lunch" in view_lines(view), timeout=5,
                    message=lambda: "\n".join(view_lines(view)))
        print(f"dave's away reached the screen in {time.perf_counter() - started:.3f} s")
        # the row reads the live contact; the group count follows at the next frame
        await until(lambda: "▾ Friends 1/1" in view_lines(view), timeout=5,
                    message=lambda: "\n".join(view_lines(view)))
        # the roster window is window 2 and Alt+1 / Alt+2 go back and forth
        assert window.number == 2
        await pilot.press("alt+1")
        await until(lambda: not view.display and app.main.input_line.has_focus, timeout=5)
        await pilot.press("alt+2")
        await until(lambda: view.display and view.has_focus, timeout=5)
        # Enter on dave opens the conversation, and the keys go to the input line
        view.cursor = view.rows.index(next(r for r in view.rows if isinstance(r, ContactRow)))
        await pilot.press("enter")
        chat = await until(lambda: app.client.windows.find(alice.jid, dave.jid), timeout=5)
        await until(lambda: app.client.windows.active is chat and app.main.input_line.has_focus, timeout=5)
        await pilot.press(*"hi", "enter")
        await until(lambda: [m.body for m in dave.messages] == ["hi"], timeout=5)


async def test_a_request_shows_in_the_status_window_and_authorize_from_the_input(alice, make_peer):
    erin = await make_peer()
    await erin.xmpp.get_roster()
    granted = []
    erin.xmpp.add_event_handler("presence_subscribed", lambda p: granted.append(p["from"].bare))
    async with running_app(alice.config) as (app, pilot):
        erin.xmpp.send_presence_subscription(pto=alice.jid, ptype="subscribe")
        line = f"{erin.jid} asks to see your presence: /authorize {erin.jid} or /deny {erin.jid}"
        await until(lambda: line in status_text(app), timeout=5)
        await type_line(app, pilot, f"/authorize {erin.jid}")
        await until(lambda: granted == [alice.jid], timeout=5)


async def test_filter_as_you_type_escape_slash_and_paste(alice):
    async with running_app(alice.config) as (app, pilot):
        roster = app.client.accounts.get(alice.jid).roster.model
        fill(roster, {"bob@x.org": ("Bob", ("Work",)), "carol@x.org": ("Carol", ("Work",)),
                      "dave@y.org": ("Dave", ())})
        app.client.accounts.get(alice.jid).roster.changed()
        await type_line(app, pilot, "/roster")
        view = app.main.roster_window
        await until(lambda: view.has_focus and len(shown_contacts(view)) == 3, timeout=5)
        await pilot.press("c", "a")
        await until(lambda: shown_contacts(view) == ["carol@x.org"], timeout=5)
        assert view_lines(view)[0].startswith(" filter: ca")
        assert isinstance(view.current_row, ContactRow)  # Enter would open carol
        await pilot.press("backspace", "backspace", "y")  # "y" matches dave's domain
        await until(lambda: shown_contacts(view) == ["dave@y.org"], timeout=5)
        # a paste is ignored: not a filter, never keys (its Enter opens nothing)
        view.post_message(events.Paste("bob\rcarol\r"))
        await pilot.pause()
        assert view.filter_text == "y" and app.client.windows.active.kind is WindowKind.ROSTER
        await pilot.press("escape")
        await until(lambda: view.filter_text == "" and len(shown_contacts(view)) == 3, timeout=5)
        # folding a group with Enter on its header, unfolding with Right
        view.cursor = 0
        await pilot.press("enter")
        await until(lambda: shown_contacts(view) == ["dave@y.org"], timeout=5)
        await pilot.press("right")
        await until(lambda: len(shown_contacts(view)) == 3, timeout=5)
        # "/" with an empty filter starts a command in the input line
        await pilot.press("/")
        await until(lambda: app.main.input_line.has_focus and app.main.input_line.value == "/", timeout=5)
        await pilot.press(*"away lunch", "enter")
        await until(lambda: "(away: lunch)" in app.main.query_one("#statusbar").plain, timeout=5)


async def test_f3_toggles_the_side_pane(alice):
    async with running_app(alice.config) as (app, pilot):
        roster = app.client.accounts.get(alice.jid).roster.model
        fill(roster, {"bob@x.org": ("Bob", ())})
        roster.set_presence("bob@x.org", "phone", "dnd", "busy")
        pane = app.main.roster_pane
        assert not pane.display
        await pilot.press("f3")
        await until(lambda: pane.display and pane.has_focus, timeout=5)
        await until(lambda: "  ⊘ Bob  busy" in view_lines(pane), timeout=5,
                    message=lambda: "\n".join(view_lines(pane)))
        assert pane.outer_size.width == 32  # ~30 columns of roster beside the log
        await pilot.press("escape")  # keys back to the input, the pane stays
        await until(lambda: app.main.input_line.has_focus and pane.display, timeout=5)
        await pilot.press("f3")
        await until(lambda: pane.has_focus, timeout=5)
        await pilot.press("f3")
        await until(lambda: not pane.display and app.main.input_line.has_focus, timeout=5)


async def test_a_storm_of_5000_presences_is_one_render_and_stays_responsive(alice):
    async with running_app(alice.config) as (app, pilot):
        service = app.client.accounts.get(alice.jid).roster
        roster = service.model
        for n in range(5000):
            roster.set_item(f"user{n:04d}@x.org", name=f"User {n:04d}", groups=(f"group{n % 25}",),
                            subscription="both")
        service.changed()
        await pilot.press("f3")
        pane = app.main.roster_pane
        await until(lambda: len(pane.rows) == 5025, timeout=5)
        rebuilds, emitted = pane.rebuilds, service.changes_emitted
        started = time.perf_counter()
        for n in range(5000):  # the login storm: one stanza each, as the service sees them
            roster.set_presence(f"user{n:04d}@x.org", "res", ("available", "away", "xa", "dnd")[n % 4],
                                f"status {n}")
            service.changed()
        applied = time.perf_counter() - started
        await until(lambda: pane.rebuilds > rebuilds and any("status" in line for line in view_lines(pane)),
                    timeout=5)
        rendered = time.perf_counter() - started
        for _ in range(3):
            await pilot.pause()
        assert service.changes_emitted == emitted + 1  # one RosterChanged for 5000 presences
        assert pane.rebuilds == rebuilds + 1  # one rebuild, one render
        # still responsive: moving and filtering over 5000 contacts
        started = time.perf_counter()
        await pilot.press("down")
        await pilot.press(*"4999")
        await until(lambda: shown_contacts(pane) == ["user4999@x.org"], timeout=5)
        keys = time.perf_counter() - started
        print(f"5000 presences: applied in {applied * 1000:.0f} ms, on screen after {rendered * 1000:.0f} ms; "
              f"5 keys incl. filtering in {keys * 1000:.0f} ms")
        # (how fast the model takes a storm: bench/bench_models.py)
