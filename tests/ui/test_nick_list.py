"""The room UI in the real app (Pilot): nick list pane, topic, nick completion,
highlights, confusable nicks.

The rooms here are model objects filled by the test (tui/core/room.py), as
the MUC service fills them; the app finds them through ``client.room_of``.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from textual import events
from textual.geometry import Region

from screens import textual_private
from screens.widgets.bars import TitleBar
from tests.harness.app import draws_without_ticks, recorded_layouts, running_app, screen_lines
from tests.harness.room_windows import ROOM, fill, open_room
from tests.harness.wait import until
from tui.core.events import RoomChanged
from tui.core.model import Line, LineKind
from tui.core.room import Occupant, Room
from tui.core.windows import Activity

CYRILLIC_O = "\u043e"


def changed(app, account: str, room: Room) -> None:
    app.client.bus.emit(RoomChanged(account, room.jid))


async def test_occupants_grouped_by_role_sorted_flagged_and_the_topic_on_top(alice):
    async with running_app(alice.config) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "carol": "participant", "Bob": "moderator",
                    "dave": "visitor", "erin": "participant", f"b{CYRILLIC_O}b": "participant"})
        room.get("erin").show = "away"
        room.set_topic("Benchmarks [b]and[/b] \x1b[31mthings")
        open_room(app, alice.jid, room)
        pane = app.main.nick_list
        expected = [" 6 people", "Moderators 2", " @alice", " @Bob", "Participants 3",
                    f"⚠ b{CYRILLIC_O}b", "  carol", "  erin", "Visitors 1", "  dave"]
        await until(lambda: pane.display and pane.row_texts() == expected, timeout=5,
                    message=lambda: "\n".join(pane.row_texts()))
        assert room.get(f"b{CYRILLIC_O}b").confusable_with == "Bob"
        await until(lambda: pane.region.width == 22, timeout=5,  # laid out on the next refresh
                    message=lambda: repr(pane.region))
        assert not pane.can_focus and app.main.input_line.has_focus
        # what is on screen: the visible rows after the pane's edge, untrusted text literal
        shown = [pane.render_line(y).text for y in range(len(expected))]
        assert all(row.startswith("▏") for row in shown)
        assert [row[1:].rstrip() for row in shown] == [row[:pane.size.width - 1].rstrip() for row in expected]
        title = app.main.query_one(TitleBar).plain
        assert "Benchmarks [b]and[/b] \u241b[31mthings" in title and "\x1b" not in title
        # away and visitors are dimmed, moderators marked
        styles = {row: pane.render_row(r, 22) for row, r in zip(expected, pane.rows)}
        assert any(seg.style and seg.style.dim for seg in styles["  erin"])
        assert any(seg.style and seg.style.dim for seg in styles["  dave"])
        assert not any(seg.style and seg.style.dim for seg in styles["  carol"])
        # a change reaches the pane through RoomChanged, the topic too
        room.remove("dave")
        room.set_topic("new topic")
        changed(app, alice.jid, room)
        await until(lambda: "  dave" not in pane.row_texts() and pane.row_texts()[0] == " 5 people", timeout=5)
        await until(lambda: "new topic" in app.main.query_one(TitleBar).plain, timeout=5)


async def test_hidden_outside_rooms_f4_toggles_and_a_paste_is_ignored(alice):
    async with running_app(alice.config) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant"})
        window = open_room(app, alice.jid, room)
        pane = app.main.nick_list
        await until(lambda: pane.display and len(pane.rows) == 5, timeout=5)
        await pilot.press("alt+1")  # the status window: no nick list
        await until(lambda: not pane.display and "bench" not in app.main.query_one(TitleBar).plain, timeout=5)
        await pilot.press(f"alt+{window.number}")
        await until(lambda: pane.display, timeout=5)
        await pilot.press("f4")
        await until(lambda: not pane.display, timeout=5)
        assert app.main.input_line.has_focus
        # hidden: a storm does not rebuild it
        before = pane.rebuilds
        room.upsert(Occupant("carol"))
        changed(app, alice.jid, room)
        await pilot.pause()
        await pilot.pause()
        assert pane.rebuilds == before
        await pilot.press("f4")
        await until(lambda: pane.display and "  carol" in pane.row_texts(), timeout=5)
        # a paste into the pane is nothing: no keys, no input, focus stays
        app.main.input_line.value = "draft"
        pane.post_message(events.Paste("bob\r/quit\r"))
        await pilot.pause()
        assert app.main.input_line.value == "draft" and app.main.input_line.has_focus
        assert app.is_running


async def test_a_storm_of_a_thousand_joins_rebuilds_once_per_frame(alice):
    async with running_app(alice.config) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        room.upsert(Occupant("alice", role="moderator"))
        open_room(app, alice.jid, room)
        pane = app.main.nick_list
        await until(lambda: pane.display and len(pane.rows) == 3, timeout=5)
        # all in one turn of the loop: one rebuild
        before = pane.rebuilds
        for n in range(500):
            room.upsert(Occupant(f"guest{n:04d}"))
            changed(app, alice.jid, room)
        await until(lambda: pane.row_texts()[0] == " 501 people", timeout=5)
        assert pane.rebuilds == before + 1
        # in batches of 25 over many turns: never more rebuilds than frames
        before = pane.rebuilds
        started = time.perf_counter()
        for n in range(500, 1000):
            room.upsert(Occupant(f"guest{n:04d}", role="visitor" if n % 10 == 0 else "participant"))
            changed(app, alice.jid, room)
            if n % 25 == 0:
                await asyncio.sleep(0)
        await until(lambda: pane.row_texts()[0] == " 1001 people", timeout=5)
        elapsed = time.perf_counter() - started
        rebuilds = pane.rebuilds - before
        print(f"1,000 occupants: {rebuilds} rebuilds in {elapsed * 1000:.0f} ms")
        assert rebuilds <= 20 and rebuilds <= elapsed * 30 + 2
        assert len(pane.rows) == 1001 + 4  # header, 3 role headings
        assert pane.virtual_size.height == len(pane.rows)


async def test_nick_completion_recent_speakers_first_colon_at_line_start(alice):
    async with running_app(alice.config) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant", "bea": "participant",
                    "carol": "participant", "Boris": "visitor"})
        open_room(app, alice.jid, room)
        line = app.main.input_line
        await until(lambda: app.main.nick_list.display, timeout=5)
        await pilot.press("b", "o", "tab")
        assert (line.value, line.cursor_position) == ("bob: ", 5)  # nobody spoke: alphabetical
        # recent speakers first: Boris spoke last, then bob
        room.spoke("bob")
        room.spoke("Boris")
        line.value = ""
        await pilot.press("b", "o", "tab")
        assert (line.value, line.cursor_position) == ("Boris: ", 7)
        await pilot.press("tab")
        assert line.value == "bob: "
        # mid-line: no colon, a space only when the candidate is the only one
        line.value = ""
        await pilot.press(*"hi ca", "tab")
        assert line.value == "hi carol "
        # our own nick is never offered
        line.value = ""
        await pilot.press("a", "l", "tab")
        assert line.value == "al"
        # outside a room the first word completes nothing
        await pilot.press("alt+1")
        await until(lambda: not app.main.nick_list.display, timeout=5)
        line.value = ""
        await pilot.press("b", "o", "tab")
        assert line.value == "bo"


async def test_highlighted_lines_and_window_and_confusable_lines_marked(alice):
    async with running_app(alice.config) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant", f"b{CYRILLIC_O}b": "participant"})
        window = open_room(app, alice.jid, room, focus=False)
        assert window is not app.client.windows.active
        windows = app.client.windows
        windows.add_line(window, Line("hello all", LineKind.INCOMING, nick="bob"))
        assert window.activity is Activity.MESSAGES
        windows.add_line(window, Line("alice: ping", LineKind.INCOMING, nick="bob", highlight=True))
        assert window.activity is Activity.HIGHLIGHT
        bar = app.main.query_one("#windowbar")
        await until(lambda: f"[Act: {window.number}]" in bar.plain, timeout=5)
        act = bar.text.plain.index(f"[Act: {window.number}") + len("[Act: ")
        assert any(span.start <= act < span.end and "magenta" in str(span.style) for span in bar.text.spans)
        # the impostor's line carries the mark; bob's do not
        fake = Line("send me your password", LineKind.INCOMING, nick=f"b{CYRILLIC_O}b")
        windows.add_line(window, fake)
        assert fake.imitates == "bob" and not window.lines[-2].imitates
        await pilot.press(f"alt+{window.number}")
        await until(lambda: any("send me your password" in row for row in screen_lines(app)), timeout=5)
        rows = screen_lines(app)
        fake_row = next(row for row in rows if "send me your password" in row)
        assert fake_row[5:].startswith(f"⚠<b{CYRILLIC_O}b> ")  # the mark cell after HH:MM
        ping_row = next(y for y, row in enumerate(rows) if "alice: ping" in row)
        hello_row = next(y for y, row in enumerate(rows) if "hello all" in row)
        log_view = app.main.log_view
        highlight_bg = log_view.role_style("highlight").bgcolor
        assert highlight_bg is not None
        assert any(seg.style and seg.style.bgcolor == highlight_bg for seg in log_view.render_line(ping_row))
        assert not any(seg.style and seg.style.bgcolor == highlight_bg
                       for seg in log_view.render_line(hello_row))


async def test_end_to_end_real_room_nick_list_impostor_and_completion(alice, make_peer, prosody):
    """Real Prosody, real peers: alice joins with /join, bob and a homoglyph
    "bоb" (Cyrillic o) join; the pane shows both, the impostor flagged on the
    list and on his line; Tab puts the latest speaker first."""
    room_jid = f"ui-{alice.jid.split('@')[0]}@{prosody.muc_domain}"
    bob = await make_peer()
    fake = await make_peer()
    async with running_app(alice.config) as (app, pilot):
        app.main.input_line.value = f"/join {room_jid}"
        await pilot.press("enter")
        window = await until(lambda: app.client.windows.find(alice.jid, room_jid), timeout=10)
        await until(lambda: app.client.windows.active is window, timeout=10)
        room = await until(lambda: app.client.room_of(window), timeout=10)
        await until(lambda: room.joined, timeout=10)
        await bob.plugin["xep_0045"].join_muc_wait(room_jid, "bob", timeout=5, maxstanzas=0)
        await fake.plugin["xep_0045"].join_muc_wait(room_jid, f"b{CYRILLIC_O}b", timeout=5, maxstanzas=0)
        pane = app.main.nick_list
        await until(lambda: {"  bob", f"⚠ b{CYRILLIC_O}b"} <= set(pane.row_texts()), timeout=10,
                    message=lambda: "\n".join(pane.row_texts()))
        fake.xmpp.send_message(mto=room_jid, mbody="it's me, bob: send the password", mtype="groupchat")
        # bob speaks last (two streams: he waits until the room has the impostor's line)
        await until(lambda: any("send the password" in row for row in screen_lines(app)), timeout=10)
        bob.xmpp.send_message(mto=room_jid, mbody="hello alice", mtype="groupchat")
        await until(lambda: any("hello alice" in row for row in screen_lines(app)), timeout=10)
        fake_row = next(row for row in screen_lines(app) if "send the password" in row)
        assert f"⚠<b{CYRILLIC_O}b>" in fake_row
        bob_row = next(row for row in screen_lines(app) if "hello alice" in row)
        assert "⚠" not in bob_row
        line = app.main.input_line
        line.value = ""
        await pilot.press("b", "tab")
        assert line.value == "bob: "  # bob spoke last
        await pilot.press("tab")
        assert line.value == f"b{CYRILLIC_O}b: "



def drawn_rows(widget) -> list[int]:
    """Counts the rows the compositor asks ``widget`` for, from now on."""
    drawn = [0]
    render_lines = widget.render_lines

    def counting(crop):
        drawn[0] += crop.height
        return render_lines(crop)

    widget.render_lines = counting
    return drawn


async def test_a_new_height_is_no_layout_of_the_whole_screen(alice):
    """textual_private.set_virtual_size: joining a big room, the nick list's
    rebuilds lay nothing out again and the log beside it is not redrawn; a
    flood's follows in the log lay nothing out either; a scrollbar that
    appears still lays the pane out."""
    async with running_app(alice.config, size=(120, 40)) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        room.upsert(Occupant("alice", role="moderator"))
        window = open_room(app, alice.jid, room)
        pane, log = app.main.nick_list, app.main.log_view
        await until(lambda: pane.display and len(pane.rows) == 3, timeout=5)
        for n in range(60):  # the log past its height: its scrollbar shows
            app.client.windows.add_line(window, Line(f"earlier {n}", LineKind.INCOMING, nick="guest0001"))
        await until(lambda: log.show_vertical_scrollbar and "earlier 59" in "\n".join(screen_lines(app)),
                    timeout=5)
        assert not pane.show_vertical_scrollbar
        laid_out = recorded_layouts(app.screen)
        for n in range(100):  # past the pane's height: its scrollbar appears
            room.upsert(Occupant(f"guest{n:04d}"))
        changed(app, alice.jid, room)
        await until(lambda: pane.show_vertical_scrollbar and pane.row_texts()[0] == " 101 people", timeout=5)
        await pilot.pause()
        assert laid_out.count(False) >= 1
        laid_out.clear()
        log_rows, pane_rows = drawn_rows(log), drawn_rows(pane)
        rebuilds = pane.rebuilds
        for n in range(100, 400):
            room.upsert(Occupant(f"guest{n:04d}"))
            changed(app, alice.jid, room)
            if n % 30 == 0:
                await pilot.pause()
        await until(lambda: pane.row_texts()[0] == " 401 people", timeout=5)
        await pilot.pause()
        assert pane.rebuilds - rebuilds >= 5 and pane_rows[0] > 0
        assert laid_out.count(False) == 0
        assert log_rows[0] <= log.size.height  # (each rebuild used to redraw it whole)
        assert pane.vertical_scrollbar.window_virtual_size == len(pane.rows)  # the thumb follows
        pane.scroll_end(animate=False)
        await pilot.pause()
        assert pane.scroll_offset.y == len(pane.rows) - pane.scrollable_content_region.height
        # a flood in the log: it follows, without a layout per follow
        follows = log.virtual_size.height
        for n in range(200):
            app.client.windows.add_line(window, Line(f"message {n}", LineKind.INCOMING, nick="guest0001"))
            if n % 20 == 0:
                await pilot.pause()
        await until(lambda: "message 199" in "\n".join(screen_lines(app)), timeout=5)
        assert log.virtual_size.height >= follows + 200
        assert log.scroll_offset.y == log.max_scroll_y
        assert laid_out.count(False) == 0



async def settled(pilot, screen) -> None:
    """Until the screen has nothing left to lay out (the messages a layout
    pass may post included) nor to draw (a repaint asked before, on a loaded
    machine still waiting for the screen's tick: drawn once a test counts)."""
    await pilot.pause()
    await until(lambda: not screen._layout_required and not screen._layout_widgets
                and not screen._dirty_widgets and not screen._repaint_required, timeout=5)
    await pilot.pause()


def recorded_renders(screen, widget, what=lambda crop: crop.height, before_pass=None) -> list[tuple]:
    """Each render of ``widget`` from now on: (within a layout pass of
    ``screen``?, ``what(crop)``); ``before_pass(scroll)`` runs as each pass starts."""
    in_layout = [False]
    renders: list[tuple] = []
    refresh_layout, render_lines = screen._refresh_layout, widget.render_lines

    def laying_out(size=None, scroll=False):
        if before_pass is not None:
            before_pass(scroll)
        in_layout[0] = True
        try:
            return refresh_layout(size, scroll)
        finally:
            in_layout[0] = False

    def rendering(crop):
        renders.append((in_layout[0], what(crop)))
        return render_lines(crop)

    screen._refresh_layout, widget.render_lines = laying_out, rendering
    return renders


async def test_a_window_switch_is_laid_out_once(alice):
    """textual_private.no_second_layout and set_virtual_size: a room's
    window opening (the log narrower, the nick list shown, another prompt)
    is one layout pass of the screen, not two, and so is going back to the
    status window; what shows is laid out for the new sizes: the log's lines
    wrapped at its new width, the nick list's rows at the pane's."""
    async with running_app(alice.config, size=(120, 40)) as (app, pilot):
        log, pane = app.main.log_view, app.main.nick_list
        await settled(pilot, app.screen)
        assert log.wrap_width == 119 and not pane.display
        laid_out = recorded_layouts(app.screen)
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant"})
        window = open_room(app, alice.jid, room)
        app.client.windows.add_line(window, Line("word " * 40, LineKind.INCOMING, nick="bob"))
        await until(lambda: pane.display and pane.region.width == 22 and len(pane.rows) == 5, timeout=5)
        await settled(pilot, app.screen)
        assert laid_out.count(False) == 1
        assert log.wrap_width == 120 - 22 - 1 and log.virtual_size.width == log.wrap_width
        composed = textual_private.screen_lines(app)  # the whole screen, as drawn
        body = composed[log.region.y:log.region.bottom]
        assert pane.virtual_size == (pane.size.width, 5)
        assert sum(" @alice" in row[log.outer_size.width:] for row in body) == 1
        wrapped = [row[:log.wrap_width] for row in body if "word" in row[:log.wrap_width]]
        assert len(wrapped) == log.row_count >= 3  # 200 characters at 97 columns, none cut off
        assert "".join(wrapped).count("word") == 40
        laid_out.clear()
        await pilot.press("alt+1")
        await until(lambda: not pane.display, timeout=5)
        await settled(pilot, app.screen)
        assert laid_out.count(False) == 1
        assert log.wrap_width == 119 and log.virtual_size.width == 119


@pytest.mark.parametrize("update_on_its_way", [False, True])
async def test_a_window_switch_draws_the_log_once_at_its_new_width(alice, update_on_its_way):
    """textual_private.within_layout: the log takes its new width in the
    layout pass of a window switch, so that pass's frame shows it wrapped at
    that width, and no frame after it draws the log or its scrollbar again
    (applied on Resize, the pass drew it at the old width and the next frame
    whole again: keys typed meanwhile waited for both; and the app's title
    repainted the whole screen).  ``update_on_its_way``: the log's refresh
    asked just before the pass reaches the screen after it
    (textual_private.drop_covered_updates): not drawn again either."""
    async with running_app(alice.config, size=(120, 40)) as (app, pilot):
        log = app.main.log_view
        status = app.client.windows.get(1)
        for n in range(60):
            app.client.windows.add_line(status, Line(f"status {n} " + "word " * 30, LineKind.INFO))
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant"})
        window = open_room(app, alice.jid, room, focus=False)
        for n in range(60):
            app.client.windows.add_line(window, Line(f"room {n} " + "word " * 30, LineKind.INCOMING, nick="bob"))
        await until(lambda: log.show_vertical_scrollbar and log.wrap_width == 119, timeout=5)
        await settled(pilot, app.screen)
        bar = log.vertical_scrollbar

        def update_on_its_way_too(scroll: bool) -> None:
            if update_on_its_way and not scroll:
                log.refresh()
                log._check_refresh()  # (what its next idle does: an Update to the screen)

        # (within the layout pass, (wrap width, rows)) / (within it, rows)
        drawn = recorded_renders(app.screen, log, lambda crop: (log.wrap_width, crop.height),
                                 before_pass=update_on_its_way_too)
        bar_rows = recorded_renders(app.screen, bar)
        for number, width, last in ((window.number, 120 - 22 - 1, "room 59 "), (1, 119, "status 59 "),
                                    (window.number, 120 - 22 - 1, "room 59 ")):
            drawn.clear()
            bar_rows.clear()
            app.client.windows.switch(number)
            await until(lambda width=width: log.wrap_width == width and bool(drawn), timeout=5)
            await settled(pilot, app.screen)
            assert drawn == [(True, (width, log.size.height))]
            assert bar_rows == [(True, log.size.height)]
            rows = [row[:width] for row in screen_lines(app)[log.region.y:log.region.bottom]]
            start = next(n for n, row in enumerate(rows) if last in row)
            assert " ".join(rows[start:]).count("word") == 30  # the newest message whole, none cut off


async def test_a_frame_of_the_log_asks_nothing_of_the_pane_beside_it(alice, monkeypatch):
    """textual_private.draw_only_what_shows: a flood's frames draw the log
    and its scrollbar, not the nick list beside it nor the bars above and
    below (Textual picks a partial frame's widgets by their clip, the whole
    body: all of them drew every row, for cells the frame never writes); a
    typed key's frame draws the input row only.  What goes to the terminal
    is what Textual's own choice writes, byte for byte, for frames of the
    log, the input row, both, and regions across the log and the pane."""
    from textual._compositor import Compositor

    async with running_app(alice.config, size=(120, 40)) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {f"guest{n:04d}": "participant" for n in range(60)})
        window = open_room(app, alice.jid, room)
        pane, log = app.main.nick_list, app.main.log_view
        await until(lambda: pane.display and len(pane.rows) == 62 and pane.show_vertical_scrollbar, timeout=5)
        await settled(pilot, app.screen)
        pane_rows, title_rows, log_rows = drawn_rows(pane), drawn_rows(app.main.query_one(TitleBar)), drawn_rows(log)
        for n in range(60):
            app.client.windows.add_line(window, Line(f"message {n}", LineKind.INCOMING, nick="guest0001"))
            if n % 5 == 0:
                await pilot.pause(0.04)
        await until(lambda: "message 59" in "\n".join(screen_lines(app)), timeout=5)
        await pilot.press("x", "y")
        await until(lambda: app.main.input_line.value == "xy", timeout=5)
        await settled(pilot, app.screen)
        assert log_rows[0] >= log.size.height
        assert pane_rows[0] == 0 and title_rows[0] == 0
        compositor, console = app.screen._compositor, app.console
        input_row = app.main.input_line.region
        for dirty in ({log.region}, {input_row}, {log.region, input_row},
                      {Region(log.region.right - 10, 5, 20, 3)}, {Region(0, 0, 120, 1), input_row}):
            compositor._dirty_regions = set(dirty)
            ours = compositor.render_partial_update().render_segments(console)
            with monkeypatch.context() as patched:
                patched.setattr(Compositor, "_get_renders", Compositor._get_renders.textual)
                compositor._dirty_regions = set(dirty)
                theirs = compositor.render_partial_update().render_segments(console)
            assert ours == theirs
            assert "message 59" in ours if log.region in dirty else "message 59" not in ours


async def test_while_joining_the_list_is_rebuilt_twice_a_second_then_at_once(alice, monkeypatch):
    """A big room's presences come before our own: the list grows at most
    every JOINING_REBUILD (each rebuild redraws every row in view); the
    last presences show without a further event; our own presence ends the
    join and the list is complete at once, not at the next rebuild."""
    from screens.widgets import nick_list
    from screens.widgets.nick_list import JOINING_REBUILD

    async with running_app(alice.config) as (app, pilot):
        room = Room(ROOM, nick="alice")  # not joined yet
        room.upsert(Occupant("guest0000"))
        open_room(app, alice.jid, room)
        pane = app.main.nick_list
        await until(lambda: pane.display and pane.row_texts()[:1] == [" 1 person"], timeout=5)
        before = pane.rebuilds
        started = time.perf_counter()
        for n in range(1, 600):
            room.upsert(Occupant(f"guest{n:04d}"))
            changed(app, alice.jid, room)
            if n % 20 == 0:
                await asyncio.sleep(0.01)  # presences over ~0.3 s: ~9 frames' worth
        elapsed = time.perf_counter() - started
        assert pane.rebuilds - before <= elapsed / JOINING_REBUILD + 1
        # no further event: the trailing rebuild shows the last ones
        await until(lambda: pane.row_texts()[0] == " 600 people", timeout=JOINING_REBUILD + 2)
        # the last presence after a rebuild waits for the next one (made a
        # minute away here, so that no clock decides what follows); ours
        # ends the join: complete at once
        monkeypatch.setattr(nick_list, "JOINING_REBUILD", 60.0)
        room.upsert(Occupant("guest0600"))
        changed(app, alice.jid, room)
        await pilot.pause()
        assert pane.row_texts()[0] == " 600 people"
        room.upsert(Occupant("alice", role="moderator"))
        room.joined = True
        room.version += 1
        changed(app, alice.jid, room)
        await until(lambda: pane.row_texts()[0] == " 602 people", timeout=5)


def cell(app, x: int, y: int):
    """The character and style the compositor puts at (x, y)."""
    position = 0
    for segment in app.screen._compositor.render_strips()[y]:
        if position + segment.cell_length > x:
            return segment.text[x - position], segment.style
        position += segment.cell_length
    raise IndexError((x, y))


async def test_the_panes_edge_is_the_border_it_replaced(alice):
    """The nick list draws its left edge in its own first column (so that its
    rows skip Textual's per-row styling, textual_private.PlainRows): on
    screen the same cell as the CSS border the roster pane still has
    (`border-left: vkey $foreground 30%`), beside the rows and below them,
    with the scrollbar shown or not, and after a theme change."""
    async with running_app(alice.config, size=(160, 40)) as (app, pilot):
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant"})
        open_room(app, alice.jid, room)
        main = app.main
        pane, roster = main.nick_list, main.roster_pane
        main.roster_pane_wanted = True
        main.lay_out_panes()
        await until(lambda: pane.display and roster.display and pane.region.width == 22
                    and roster.region.width > 0 and len(pane.rows) == 5, timeout=5)
        await pilot.pause()

        def edges() -> None:
            for y in (pane.region.y, pane.region.y + 3, pane.region.y + 20):  # rows, and below them
                assert cell(app, pane.region.x, y) == cell(app, roster.region.x, y), y
                assert cell(app, pane.region.x, y)[0] == "▏"
            text, style = cell(app, pane.region.x + 2, pane.region.y + 2)  # " @alice"
            assert text == "@" and style.color != cell(app, pane.region.x, pane.region.y)[1].color

        edges()
        for n in range(100):  # its scrollbar shows
            room.upsert(Occupant(f"guest{n:04d}"))
        changed(app, alice.jid, room)
        await until(lambda: pane.show_vertical_scrollbar and pane.row_texts()[0] == " 102 people", timeout=5)
        await pilot.pause()
        edges()
        app.theme = "textual-light"
        await pilot.pause()
        edges()


async def test_a_room_window_opened_is_laid_out_and_drawn_without_waiting_for_a_tick(alice):
    """A window switch reaches the screen at the next turn of the loop, its
    layout (the nick list appearing beside a narrower log) with it: it
    waited for the screen's next tick, 20 ms after /join's sync, and W7's
    first key after the Enter waited for that layout in its own frame.
    With the screen's update timer stopped for good, the room window is
    still laid out and drawn."""
    async with running_app(alice.config, size=(120, 40)) as (app, pilot):
        await until(lambda: app._shown_window is app.client.windows.active, timeout=5)
        await pilot.pause()
        screen = app.screen
        pane, log = app.main.nick_list, app.main.log_view
        assert not pane.display
        drawn = draws_without_ticks(screen)
        laid_out = recorded_layouts(screen)
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant"})
        open_room(app, alice.jid, room)
        await until(lambda: False in laid_out and any(log in widgets for widgets in drawn), timeout=5,
                    message=lambda: f"layouts {laid_out}, draws {len(drawn)}")
        assert pane.display and pane.region.width > 0
        assert app._shown_window.room_jid == ROOM
        assert screen not in textual_private._layouts_soon  # asked once, drawn once: nothing left held


async def test_a_room_window_laid_out_by_a_tick_first_is_not_drawn_again(alice, monkeypatch):
    """The screen's own tick may lay the switch out before the turn
    lay_out_soon asked for (its callback was queued first: seen under load):
    that turn then finds nothing left to draw, and the log is drawn once, in
    the layout's frame (drawing it anyway drew it again, whole)."""
    from textual.screen import Screen

    async with running_app(alice.config, size=(120, 40)) as (app, pilot):
        await until(lambda: app._shown_window is app.client.windows.active, timeout=5)
        await pilot.pause()
        screen, log = app.screen, app.main.log_view
        textual_private.lay_out_soon(log)  # (its hook on the screen's layout is in place)
        hooked = Screen._on_layout

        def tick() -> None:  # what the screen's timer does at its tick
            if screen._layout_required:
                textual_private._screen_tick(screen)

        async def tick_comes_first(self, message):
            if self is screen:
                asyncio.get_running_loop().call_soon(tick)  # queued before the layout is asked for
            await hooked(self, message)

        monkeypatch.setattr(Screen, "_on_layout", tick_comes_first)
        draws_without_ticks(screen)
        log_drawn = recorded_renders(screen, log)  # (within a layout pass, rows) per render of the log
        room = Room(ROOM, nick="alice", joined=True)
        fill(room, {"alice": "moderator", "bob": "participant"})
        open_room(app, alice.jid, room)
        await until(lambda: log_drawn and app.main.nick_list.display, timeout=5,
                    message=lambda: f"log drawn {log_drawn}")
        for _ in range(3):
            await pilot.pause()
        assert app._shown_window.room_jid == ROOM
        assert [within for within, _rows in log_drawn] == [True]
