"""MessageLog in a tiny app driven by Pilot: what is on screen, scrolling,
re-wrapping, and that untrusted text stays literal."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.timer import Timer

from screens.widgets.message_log import (FLOOD_FRAME_SHARE, FLOOD_STREAK, FLOOD_SYNC_INTERVAL, FLOOD_SYNC_MAX,
                                         VIEW_SYNC_INTERVAL, MessageLog, flood_interval)
from tests.harness.wait import until
from tui.core.model import Delivery, Line, LineKind

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def hhmm(line: Line) -> str:
    return line.time.astimezone().strftime("%H:%M")


class LogApp(App):
    def __init__(self, lines: list[Line]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        yield MessageLog(self.lines)


def message(body: str, nick: str = "bob", kind: LineKind = LineKind.INCOMING, **kw) -> Line:
    return Line(body, kind, nick=nick, time=NOON, **kw)


def screen_rows(log: MessageLog) -> list[str]:
    """The rows the widget shows now (right side trimmed, scrollbar excluded)."""
    width = log.wrap_width
    return [
        log.render_line(y).crop(0, width).text.rstrip()
        for y in range(log.scrollable_content_region.height)
    ]


def visible(log: MessageLog) -> str:
    return "\n".join(screen_rows(log))


@asynccontextmanager
async def shown_log(lines: list[Line], size: tuple[int, int]):
    """A LogApp of ``size`` running, its log laid out (wrap width known)."""
    app = LogApp(lines)
    async with app.run_test(size=size) as pilot:
        log = app.query_one(MessageLog)
        await until(lambda: log.wrap_width == size[0] - 1)
        yield app, pilot, log


def scroll_positions(app, log: MessageLog) -> list[float]:
    """The log's scroll positions from now on, as they change (each follow
    of a flood scrolls it)."""
    positions: list[float] = []

    def scrolled(y: float) -> None:
        positions.append(y)

    app.watch(log, "scroll_y", scrolled, init=False)
    return positions


def held_follows(monkeypatch) -> list[float]:
    """The delays of the log's follows held back from now on (every
    ``call_after`` of the widget's module), the next flood's end a minute
    away: a stall of the test's own flood is not taken for its end."""
    from screens.widgets import message_log

    held_back: list[float] = []
    real_call_after = message_log.call_after

    def recording_call_after(node, delay, callback):
        held_back.append(delay)
        return real_call_after(node, delay, callback)

    monkeypatch.setattr(message_log, "call_after", recording_call_after)
    monkeypatch.setattr(message_log, "FLOOD_QUIET", 60.0)
    return held_back


async def flood(log: MessageLog, lines: list[Line], done) -> int:
    """One message per turn of the loop (2 ms apart) until ``done()``; how many."""
    count = 0
    while not done():
        lines.append(message(f"flood {count}"))
        log.notify_appended()
        count += 1
        await asyncio.sleep(0.002)
    return count


async def append(pilot, log: MessageLog, lines: list[Line], new: list[Line]) -> None:
    """Append like the core model does, tell the widget, and wait until the
    view caught up (it syncs at most once per frame)."""
    lines.extend(new)
    log.notify_appended()
    await until(lambda: log.virtual_size.height == log.row_count, message="view synced")
    await pilot.pause()


async def test_appended_lines_appear_and_view_follows_tail():
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await append(pilot, log, lines, [message(f"message number {i}") for i in range(30)])
        rows = screen_rows(log)
        assert rows[-1] == f"{hhmm(lines[-1])} <bob> message number 29"
        assert rows[0].endswith("message number 20")
        assert log.is_at_bottom and log.lines_below == 0
        # One line more, still following.
        await append(pilot, log, lines, [message("latest")])
        assert screen_rows(log)[-1].endswith("<bob> latest")
        # The composited screen shows it too, not only render_line.
        assert "latest" in app.export_screenshot()


async def test_hanging_indent_at_small_width():
    lines = [message("alpha beta gamma delta epsilon zeta eta theta")]
    async with shown_log(lines, (31, 6)) as (app, pilot, log):
        rows = [row for row in screen_rows(log) if row]
        prefix = f"{hhmm(lines[0])} <bob> "
        assert rows == [
            prefix + "alpha beta gamma",
            " " * len(prefix) + "delta epsilon zeta",
            " " * len(prefix) + "eta theta",
        ]


async def test_newline_in_body_starts_an_indented_row():
    lines = [message("first\nsecond\n\nfourth")]
    app = LogApp(lines)
    async with app.run_test(size=(40, 6)):
        log = app.query_one(MessageLog)
        await until(lambda: log.row_count == 4)
        indent = " " * len(f"{hhmm(lines[0])} <bob> ")
        assert screen_rows(log)[:4] == [
            f"{hhmm(lines[0])} <bob> first",
            indent + "second",
            "",
            indent + "fourth",
        ]


async def test_markup_in_body_and_nick_renders_literally():
    hostile = "[b]x[/b] [@click=app.quit]y[/] [link=https://e.example]z[/link]"
    lines = [
        message(hostile, nick="[red]evil[/red]"),
        message(hostile, nick="me", kind=LineKind.OUTGOING),
        Line(hostile, LineKind.ERROR, time=NOON),
    ]
    app = LogApp(lines)
    async with app.run_test(size=(120, 8)):
        log = app.query_one(MessageLog)
        await until(lambda: log.row_count == 3)
        rows = screen_rows(log)
        assert rows[0] == f"{hhmm(lines[0])} <[red]evil[/red]> {hostile}"
        assert rows[1].endswith(f"<me> {hostile}")
        assert rows[2].endswith(f"-!- {hostile}")
        for y in range(3):
            for segment in log.render_line(y):
                style = segment.style
                assert style is None or (not style.meta and style.link is None), segment
        assert app.is_running  # no [@click=app.quit] ran


async def test_wide_characters_wrap_by_cell_width():
    body = "日本語のテキストと絵文字😀を含むメッセージです" * 2
    lines = [message(body)]
    async with shown_log(lines, (31, 12)) as (app, pilot, log):
        rows = [row for row in screen_rows(log) if row]
        indent = len(f"{hhmm(lines[0])} <bob> ")
        assert len(rows) > 2
        assert all(cell_len(row) <= 30 for row in rows)
        assert all(row.startswith(" " * indent) and row[indent] != " " for row in rows[1:])
        # Nothing lost or duplicated: the glyphs read back in order.
        text = rows[0][indent:] + "".join(row[indent:] for row in rows[1:])
        assert text == body


async def test_page_up_then_append_keeps_view_and_counts_below():
    lines = [message(f"old {i}") for i in range(100)]
    app = LogApp(lines)
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(MessageLog)
        await until(lambda: log.row_count == 100 and log.is_at_bottom)
        log.page_up()
        await pilot.pause()
        assert not log.is_at_bottom
        before = screen_rows(log)
        top = log.scroll_offset.y
        below = log.lines_below
        assert below == 9  # a page of 10 rows minus one row of overlap
        await append(pilot, log, lines, [message(f"new {i}") for i in range(5)])
        assert log.scroll_offset.y == top
        assert screen_rows(log) == before
        assert log.lines_below == below + 5
        log.page_down()
        await pilot.pause()
        assert not log.is_at_bottom and log.lines_below == below + 5 - 9
        log.page_down()
        await pilot.pause()
        assert log.is_at_bottom and log.lines_below == 0
        assert screen_rows(log)[-1].endswith("new 4")


async def test_resize_rewraps_and_keeps_top_message():
    lines = [message(f"{i:03d} " + "lorem ipsum dolor " * 4) for i in range(200)]
    app = LogApp(lines)
    async with app.run_test(size=(120, 20)) as pilot:
        log = app.query_one(MessageLog)
        await until(lambda: log.row_count == 200)  # one row each at 119 cells
        for _ in range(5):
            log.page_up()
        await pilot.pause()
        top = log.top_line_index
        assert top is not None and 0 < top < 150
        await pilot.resize_terminal(40, 20)
        await until(lambda: log.wrap_width == 39)
        assert log.row_count > 400  # the messages wrap now
        assert log.top_line_index == top
        assert screen_rows(log)[0].startswith(f"{hhmm(lines[top])} <bob> {top:03d} ")
        await pilot.resize_terminal(120, 20)
        await until(lambda: log.wrap_width == 119)
        assert log.top_line_index == top


async def test_resize_at_bottom_stays_at_bottom():
    lines = [message(f"{i:03d} " + "lorem ipsum dolor " * 4) for i in range(200)]
    app = LogApp(lines)
    async with app.run_test(size=(120, 20)) as pilot:
        log = app.query_one(MessageLog)
        await until(lambda: log.row_count == 200)
        await pilot.resize_terminal(50, 20)
        await until(lambda: log.wrap_width == 49)
        await pilot.pause()
        assert log.is_at_bottom
        assert log.scroll_offset.y == log.max_scroll_y > 0
        assert "199 lorem" in visible(log)


async def test_set_lines_and_clear():
    first = [message(f"first window {i}") for i in range(50)]
    second = [message("second window only")]
    app = LogApp(first)
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(MessageLog)
        await until(lambda: log.row_count == 50)
        log.page_up()
        await pilot.pause()
        log.set_lines(second)
        await pilot.pause()
        assert log.lines is second  # shown, not copied
        assert log.is_at_bottom
        assert "second window only" in visible(log)
        assert "first window" not in visible(log)
        log.set_lines(first)
        await pilot.pause()
        assert screen_rows(log)[-1].endswith("first window 49")
        first.clear()
        log.notify_cleared()
        await pilot.pause()
        assert visible(log).strip() == ""
        await append(pilot, log, first, [message("after clear")])
        assert "after clear" in visible(log)


async def test_kinds_are_styled_distinctly():
    lines = [
        message("plain"),
        message("mine", nick="me", kind=LineKind.OUTGOING),
        message("ping me", highlight=True),
        Line("it broke", LineKind.ERROR, time=NOON),
        Line("waves", LineKind.ACTION, nick="bob", time=NOON),
        Line("bob joined", LineKind.EVENT, time=NOON),
    ]
    app = LogApp(lines)
    async with app.run_test(size=(60, 10)):
        log = app.query_one(MessageLog)
        await until(lambda: log.row_count == 6)

        def style_of(y: int, text: str):
            for segment in log.render_line(y):
                if text in segment.text:
                    return segment.style
            raise AssertionError(f"{text!r} not on row {y}")

        plain_body = style_of(0, "plain")
        assert style_of(1, "mine") != plain_body
        assert style_of(1, "me") != style_of(0, "bob")  # own nick
        assert style_of(2, "ping me").bgcolor != plain_body.bgcolor
        assert style_of(3, "it broke").color != plain_body.color
        assert screen_rows(log)[4].endswith("* bob waves")
        assert screen_rows(log)[5].endswith("-!- bob joined")
        # Same nick, same colour.
        assert style_of(0, "bob").color == style_of(4, "bob").color


async def test_many_lines_appended_at_once():
    lines: list[Line] = []
    async with shown_log(lines, (80, 10)) as (app, pilot, log):
        await append(pilot, log, lines, [message(f"burst {i}\nsecond row") for i in range(1000)])
        assert log.row_count == 2000
        assert screen_rows(log)[-2].endswith("burst 999")


async def test_flood_of_single_notifies_follows_the_tail():
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        for i in range(300):  # one message per turn of the loop, as a MAM catch-up may
            lines.append(message(f"flood {i}"))
            log.notify_appended()
            await asyncio.sleep(0)
        await until(lambda: log.virtual_size.height == log.row_count == 300)
        await pilot.pause()
        assert log.is_at_bottom and log.lines_below == 0
        assert screen_rows(log)[-1].endswith("flood 299")


async def test_a_flood_scrolls_the_log_at_most_once_per_view_interval():
    """Each scroll of a following log redraws every visible row: a flood of
    one message per turn of the loop must not scroll it once per message
    (nor once per 60 Hz frame), and still ends with its last line shown."""
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        scrolls = scroll_positions(app, log)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for i in range(400):
            lines.append(message(f"flood {i}"))
            log.notify_appended()
            await asyncio.sleep(0.001)  # the loop turns, Textual's frames come as they do
        await until(lambda: log.virtual_size.height == log.row_count == 400)
        await pilot.pause()
        elapsed = loop.time() - started
        assert screen_rows(log)[-1].endswith("flood 399") and log.is_at_bottom
        assert scrolls == sorted(scrolls) and len(scrolls) >= 1
        assert len(scrolls) <= elapsed / VIEW_SYNC_INTERVAL + 3, (len(scrolls), elapsed)


async def test_a_long_flood_is_followed_at_the_flood_rate_and_a_line_after_it_at_once(monkeypatch):
    """Past FLOOD_STREAK held-back follows the log follows at the flood rate
    (fewer redraws of every visible row); a line after a quiet spell is
    followed on the next turn of the loop, not held back an interval."""
    held_back = held_follows(monkeypatch)
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        loop = asyncio.get_running_loop()
        count = await flood(log, lines, lambda: len(held_back) >= FLOOD_STREAK + 3)
        assert max(held_back) > VIEW_SYNC_INTERVAL, held_back  # the flood rate took over
        await until(lambda: log.virtual_size.height == log.row_count == count)
        await until(lambda: screen_rows(log)[-1].endswith(f"flood {count - 1}"))
        quiet_from = loop.time()
        await until(lambda: loop.time() - quiet_from > log._flood_interval)  # a quiet spell
        before = len(held_back)
        lines.append(message("after the flood"))
        log.notify_appended()
        await until(lambda: screen_rows(log)[-1].endswith("after the flood"))
        assert len(held_back) == before, "a line after a quiet spell was held back"
        await pilot.pause()


async def test_a_floods_follow_is_held_while_its_lines_come_and_done_once_they_stop(monkeypatch):
    """A flood's held follow waits for its interval (here a minute) only
    while lines keep coming: once FLOOD_QUIET passes without one, its last
    lines are followed."""
    from screens.widgets import message_log

    monkeypatch.setattr(message_log, "FLOOD_SYNC_INTERVAL", 60.0)
    monkeypatch.setattr(message_log, "FLOOD_SYNC_MAX", 60.0)
    monkeypatch.setattr(message_log, "FLOOD_QUIET", 1.0)
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        follows = scroll_positions(app, log)
        await flood(log, lines, lambda: log._flood_due is not None)  # a follow is held a minute
        held = len(follows)
        loop = asyncio.get_running_loop()
        flooding = loop.time()
        count = await flood(log, lines, lambda: loop.time() - flooding > 0.3)
        assert len(follows) == held and log._flood_due is not None  # lines still coming: held
        last = f"flood {count - 1}"
        await until(lambda: screen_rows(log)[-1].endswith(last), message=lambda: screen_rows(log)[-1])
        assert log.is_at_bottom and len(follows) == held + 1
        await pilot.pause()


def test_a_floods_follows_wait_what_keeps_their_frames_at_their_share():
    cheap = FLOOD_SYNC_INTERVAL * FLOOD_FRAME_SHARE / 2
    assert flood_interval(FLOOD_SYNC_INTERVAL, cheap) == FLOOD_SYNC_INTERVAL  # 5 a second
    wants = (FLOOD_SYNC_INTERVAL + FLOOD_SYNC_MAX) / 2
    dear = flood_interval(FLOOD_SYNC_INTERVAL, wants * FLOOD_FRAME_SHARE)  # halfway there at once
    assert dear == pytest.approx((FLOOD_SYNC_INTERVAL + wants) / 2)
    assert flood_interval(dear, wants * FLOOD_FRAME_SHARE) == pytest.approx((dear + wants) / 2)
    assert flood_interval(FLOOD_SYNC_MAX, 1.0) == FLOOD_SYNC_MAX  # never slower than 2.5 a second
    assert flood_interval(FLOOD_SYNC_MAX, 0.0) == pytest.approx((FLOOD_SYNC_MAX + FLOOD_SYNC_INTERVAL) / 2)


async def test_a_flood_whose_frames_cost_more_is_followed_less_often_and_the_next_at_the_flood_rate(monkeypatch):
    """The follows of a flood wait what their frames cost (here every frame
    is "dear": a share of nothing), up to FLOOD_SYNC_MAX; the last lines
    still show, and a flood after a quiet spell starts at the flood rate."""
    from screens.widgets import message_log

    held_back = held_follows(monkeypatch)
    monkeypatch.setattr(message_log, "FLOOD_FRAME_SHARE", 1e-9)
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        count = await flood(log, lines, lambda: log._flood_interval > FLOOD_SYNC_MAX - 0.01)
        assert max(held_back) > FLOOD_SYNC_INTERVAL + 0.05, held_back  # followed less often than 5 a second
        await until(lambda: screen_rows(log)[-1].endswith(f"flood {count - 1}") and log.is_at_bottom)
        loop = asyncio.get_running_loop()
        quiet_from = loop.time()
        await until(lambda: loop.time() - quiet_from > FLOOD_SYNC_MAX)  # a quiet spell
        lines.append(message("after the flood"))
        log.notify_appended()
        await until(lambda: screen_rows(log)[-1].endswith("after the flood"))
        assert log._flood_interval == FLOOD_SYNC_INTERVAL  # out of the flood: its pace forgotten
        await pilot.pause()


async def test_a_floods_pace_counts_no_frames_drawn_while_the_reader_was_scrolled_up():
    """The frames between two follows are the cost of the first; a sync that
    did not follow (the reader paged up mid-flood) ends the count, so the
    frames drawn meanwhile (the reader's own paging) are not charged to the
    flood's next follow."""
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        await flood(log, lines, lambda: log._frames_mark is not None)  # a flood's follow marked the frames
        log.page_up()
        await pilot.pause()
        assert not log.is_at_bottom
        await append(pilot, log, lines, [message("while scrolled up")])
        assert log._frames_mark is None
        await pilot.pause()


async def test_the_last_lines_show_even_when_textual_drops_a_one_shot_timer(monkeypatch):
    """Textual 8.2.8 drops a one-shot timer when its start is held up for
    longer than its delay (a GIL switch, a collection: see
    textual_private.call_after); the log's follow must not depend on one.
    Here every one-shot Textual timer is dropped, as that does; the lines
    appended just after a follow still show."""
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        lines.append(message("first"))
        log.notify_appended()  # follows at once
        await until(lambda: log.virtual_size.height == log.row_count == 1)
        run = Timer._run

        async def one_shots_dropped(timer: Timer) -> None:
            if timer._repeat != 0:
                await run(timer)

        monkeypatch.setattr(Timer, "_run", one_shots_dropped)
        lines.extend(message(f"then {i}") for i in range(20))
        log.notify_appended()  # within the interval: follows after a wait
        await until(lambda: log.virtual_size.height == log.row_count == 21, message="the log followed")
        await pilot.pause()
        assert screen_rows(log)[-1].endswith("then 19") and log.is_at_bottom


async def test_a_changed_line_drops_only_its_own_renders():
    """A delivery mark or a correction re-renders that line alone; one in a
    window behind re-renders nothing of the window shown."""
    lines = [message(f"line {n}") for n in range(5)]
    app = LogApp(lines)
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(MessageLog)
        await until(lambda: "line 4" in visible(log), message="lines shown")
        cached = log.cached_renders()
        assert {(line, log.wrap_width) for line in lines} <= cached

        behind = [message("elsewhere")]
        log.notify_changed_elsewhere(behind, False, behind[0])
        assert log.cached_renders() == cached

        renders = {key: log._strip_cache.get(key) for key in cached}
        lines[2].body = "line 2, corrected"
        log.notify_changed(True, lines[2])
        changed = (lines[2], log.wrap_width)
        # the others kept as they were; the corrected one dropped (or made again at once,
        # by a follow rendering what it shows: MessageLog._render_ahead)
        assert log.cached_renders() - {changed} == cached - {changed}
        assert all(log._strip_cache.get(key) is renders[key] for key in cached - {changed})
        assert log._strip_cache.get(changed) is not renders[changed]
        await pilot.pause()
        await until(lambda: "line 2, corrected" in visible(log), message=lambda: visible(log))


async def test_encryption_marks_show_before_the_nick_and_rewrap():
    """~ on encrypted messages; ! on messages in clear while the conversation
    is encrypted; a mark that comes later (the line went out encrypted)
    re-measures the line."""
    lines = [
        message("x" * 40, encryption="rot13"),
        message("in clear"),
        message("going", nick="me", kind=LineKind.OUTGOING, delivery=Delivery.PENDING),
        Line("bob joined", LineKind.EVENT, time=NOON),
    ]
    app = LogApp(lines)
    async with app.run_test(size=(55, 10)) as pilot:
        log = app.query_one(MessageLog)
        await until(lambda: log.wrap_width == 54 and "bob joined" in visible(log), message=lambda: visible(log))
        t = hhmm(lines[0])
        assert screen_rows(log)[:4] == [f"{t} ~ <bob> {'x' * 40}", f"{t} <bob> in clear",
                                        f"{t}…<me> going", f"{t} -!- bob joined"]

        def style_of(y: int, text: str):
            return next(s.style for s in log.render_line(y) if s.text == text)

        assert style_of(0, "~") == log.role_style("base") + log.role_style("crypt")

        log.set_mark_clear(True)
        await pilot.pause()
        assert log.mark_clear and log.row_count == 4
        # the pending line has not gone out: no mark until it has
        assert screen_rows(log)[1] == f"{t} ! <bob> in clear"
        assert style_of(1, "!") == log.role_style("base") + log.role_style("clear")
        assert style_of(1, "!") != style_of(0, "~")

        lines[2].delivery, lines[2].encryption = Delivery.SENT, "rot13"
        log.notify_changed(False, lines[2])
        await pilot.pause()
        assert screen_rows(log)[2] == f"{t} ~ <me> going"

        log.set_mark_clear(False)
        lines.append(message("y" * 42))  # fits unwrapped: 12 cells of prefix
        log.notify_appended()
        await until(lambda: log.row_count == 5, message=lambda: visible(log))
        lines[-1].encryption = "rot13"  # now 2 more cells: one row more
        log.notify_changed(False, lines[-1])
        await until(lambda: log.row_count == 6, message=lambda: str(log.row_count))
        await pilot.pause()
        assert screen_rows(log)[4:6] == [f"{t} ~ <bob> {'y' * 40}", f"{' ' * 14}yy"]


async def test_a_mark_that_came_in_a_window_behind_is_measured_when_it_shows():
    shown = [message("here")]
    behind = [message("z" * 42)]
    async with shown_log(shown, (55, 10)) as (app, pilot, log):
        log.set_lines(behind)
        await until(lambda: log.row_count == 1)
        log.set_lines(shown)
        behind[0].encryption = "rot13"
        log.notify_changed_elsewhere(behind, False, behind[0])
        log.set_lines(behind)
        await pilot.pause()
        assert log.row_count == 2
        assert screen_rows(log)[:2] == [f"{hhmm(behind[0])} ~ <bob> {'z' * 40}", f"{' ' * 14}zz"]


def composited(log: MessageLog) -> list[str]:
    """The rows as the compositor asks the widget for them, scrollbar excluded."""
    from textual.geometry import Region

    width = log.wrap_width
    strips = log.render_lines(Region(0, 0, log.outer_size.width, log.outer_size.height))
    return [strip.crop(0, width).text.rstrip() for strip in strips]


async def test_a_scroll_renders_only_the_messages_scrolled_into_view(monkeypatch):
    """Following a conversation (a line or two at a time) or scrolling by a
    line renders only the messages that came into view: the rows still in
    view are the log's kept strips (textual_private.PlainRows: no per-row
    styling redone); what shows is what a full redraw shows, and a line that
    changed meanwhile is rendered again."""
    lines = [message(f"line {i}") for i in range(40)]
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        assert composited(log)[-1].endswith("line 39")
        rendered: list[str] = []
        real_render_message = MessageLog._render_message

        def counted(self, line, width):
            rendered.append(line.body)
            return real_render_message(self, line, width)

        monkeypatch.setattr(MessageLog, "_render_message", counted)
        await append(pilot, log, lines, [message("new 1"), message("new 2")])
        rows = composited(log)
        assert rendered == ["new 1", "new 2"], rendered  # the two messages scrolled into view, no others
        assert rows[-2:] == [f"{hhmm(lines[0])} <bob> new 1", f"{hhmm(lines[0])} <bob> new 2"]
        assert rows == screen_rows(log)  # the same as drawing every row afresh

        rendered.clear()
        log.scroll_to(y=log.scroll_offset.y - 1, animate=False)  # one line up
        await pilot.pause()
        rows = composited(log)
        assert rendered == [], rendered
        assert rows[0].endswith("line 31") and rows == screen_rows(log)

        # a line in view changes (corrected): rendered again, not kept stale
        changed = lines[35]
        changed.body = "line 35, corrected"
        log.notify_changed(reflow=True, line=changed)
        await append(pilot, log, lines, [message("new 3")])
        rows = composited(log)
        assert rendered == ["line 35, corrected"]  # ("new 3" is below the view: not drawn)
        assert "line 35, corrected" in "\n".join(rows) and rows == screen_rows(log)


async def test_the_plain_rows_are_what_textuals_styling_makes_of_them():
    """PlainRows skips Textual's per-row styling only where it changes
    nothing: the strips (text and styles, line filters applied, any column
    crop) are Textual's own.  Styled so that it would change them (padding
    here), the log goes Textual's way, and back again with no stale row."""
    from textual.geometry import Region
    from textual.widget import Widget

    lines = [message(f"line {i} " + "word " * (i % 17)) for i in range(60)]
    lines[50].kind = LineKind.OUTGOING
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        assert log._plain_rows.plain() and log.get_line_filters()  # (a filter to apply: ANSIToTruecolor)

        def textuals(crop: Region) -> list:
            log._styles_cache.clear()
            return [list(strip) for strip in Widget.render_lines(log, crop)]

        for crop in (Region(0, 0, 60, 10), Region(0, 3, 60, 4), Region(5, 0, 40, 10)):
            assert [list(strip) for strip in log.render_lines(crop)] == textuals(crop), crop

        log.styles.padding = (0, 2)
        await pilot.pause()
        assert not log._plain_rows.plain()
        padded = composited(log)
        assert all(row.startswith("  ") for row in padded if row.strip()) and any(padded)
        assert [list(strip) for strip in log.render_lines(Region(0, 0, 60, 10))] == textuals(Region(0, 0, 60, 10))

        log.styles.padding = 0
        await append(pilot, log, lines, [message("after the padding")])
        assert log._plain_rows.plain()
        assert composited(log)[-1].endswith("<bob> after the padding") and composited(log) == screen_rows(log)
        log.styles.padding = (0, 2)  # Textual's way again: nothing kept from before the plain rows
        await pilot.pause()
        assert composited(log)[-1].startswith("  ") and composited(log)[-1].endswith("<bob> after the padding")



async def test_the_scrollbar_draws_what_textuals_own_draws():
    """textual_private.PlainScrollBar: the same cells (glyphs, colours, the
    mouse actions in their meta, line filters applied) as Textual's
    ScrollBar, at the top, in the middle, at the end, hovered and grabbed,
    cropped; styled beyond what it draws (a tint), Textual's way."""
    from textual.geometry import Offset, Region
    from textual.scrollbar import ScrollBar

    from screens.textual_private import PlainScrollBar

    lines = [message(f"line {i}") for i in range(200)]
    async with shown_log(lines, (60, 20)) as (app, pilot, log):
        bar = log.vertical_scrollbar
        assert isinstance(bar, PlainScrollBar) and bar.get_line_filters()
        await until(lambda: bar.region.height == 20)

        def both(crop: Region) -> tuple[list, list]:
            bar._styles_cache.clear()
            return ([list(strip) for strip in bar.render_lines(crop)],
                    [list(strip) for strip in ScrollBar.render_lines(bar, crop)])

        metas = set()
        for y in (0, 57, 123.5, log.max_scroll_y):
            log.scroll_to(y=y, animate=False)
            await pilot.pause()
            for state in ("plain", "mouse_over", "grabbed"):
                bar.mouse_over = state == "mouse_over"
                bar.grabbed = Offset(0, 0) if state == "grabbed" else None
                for crop in (Region(0, 0, 1, 20), Region(0, 5, 1, 7)):
                    ours, textuals = both(crop)
                    assert ours == textuals, (y, state, crop)
                    metas.update(segment.style.meta.get("@mouse.down") for row in ours for segment in row)
        bar.mouse_over, bar.grabbed = False, None
        assert metas == {"scroll_up", "grab", "scroll_down"}
        assert len({segment.style for row in both(Region(0, 0, 1, 20))[0] for segment in row}) >= 2

        untinted = both(Region(0, 0, 1, 20))[0]
        bar.styles.tint = "red 50%"  # beyond what it draws: Textual's way
        await pilot.pause()
        ours, textuals = both(Region(0, 0, 1, 20))
        assert ours == textuals and ours != untinted


async def test_during_a_flood_a_follow_right_after_a_key_waits_for_the_keys_frame(monkeypatch):
    """screens/keys_first.py: the follow's redraw is not in the key's frame."""
    from screens import keys_first
    from screens.widgets import message_log

    holds: list[float] = []
    real_hold = keys_first.hold

    def spied(due_since, now=None):
        holds.append(real_hold(due_since, now))
        return holds[-1]

    monkeypatch.setattr(message_log.keys_first, "hold", spied)
    lines: list[Line] = []
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await flood(log, lines, lambda: log._held_syncs >= FLOOD_STREAK)  # follows held back by the interval
        assert all(wait == 0 for wait in holds)  # no key yet: nothing held for one
        # a key whose frame is still to come when the next follow is due
        # (that follow is up to FLOOD_SYNC_INTERVAL away: the key is stamped ahead)
        from time import monotonic

        monkeypatch.setattr(keys_first, "_last_key", monotonic() + FLOOD_SYNC_INTERVAL)
        lines.append(message("after the key"))
        log.notify_appended()
        await until(lambda: screen_rows(log)[-1].endswith("after the key"))  # held, never for good
        assert any(0 < wait <= keys_first.MAX_HOLD for wait in holds), holds
        await pilot.pause()


async def test_a_frame_between_the_models_clear_and_its_notice_draws_blank_rows():
    """/clear empties the window's list in place; the app tells the log at
    its next sync.  A frame drawn in between (seen in W8: 120 frames a
    second, the log's rows dirty) found the index ahead of the list and
    raised IndexError out of the app."""
    lines = [message(f"result {i}") for i in range(40)]
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        lines.clear()  # the model, as WindowList.clear does
        assert screen_rows(log) == [""] * 10  # every row drawn now: blank, no IndexError
        log.notify_cleared()
        await pilot.pause()
        assert composited(log) == [""] * 10 and app.is_running


async def test_a_row_still_in_view_is_filtered_once_and_the_copies_stay_few(monkeypatch):
    """The line filters (ANSIToTruecolor) run once per row while it stays in
    view; the filtered copies are kept by PlainRows, a few screens' worth,
    never in the log's own rows (W5: 512 messages' rows, each with a copy,
    grew the memory by 3.8 MiB)."""
    from textual.filter import Monochrome
    from textual.geometry import Region

    from screens import textual_private

    lines = [message(f"line {i}") for i in range(200)]
    async with shown_log(lines, (60, 10)) as (app, pilot, log):
        await pilot.pause()
        applied: list[int] = []
        real_filtered = textual_private.filtered

        def counted(strip, filters, background):
            applied.append(1)
            return real_filtered(strip, filters, background)

        monkeypatch.setattr(textual_private, "filtered", counted)
        viewport = Region(0, 0, *log.outer_size)
        first = log.render_lines(viewport)
        again = log.render_lines(viewport)
        assert applied == [] and [list(s) for s in again] == [list(s) for s in first]  # all kept from the last frame
        monochrome = Monochrome()
        monkeypatch.setattr(log, "get_line_filters", lambda: [monochrome])  # the filters changed
        grey = log.render_lines(viewport)
        background = log.background_colors[1]
        assert [list(s) for s in grey] == [monochrome.apply(list(log.render_line(y)), background)
                                           for y in viewport.line_range]
        assert [list(s) for s in grey] != [list(s) for s in first]  # no copy kept from other filters
        monkeypatch.undo()
        monkeypatch.setattr(textual_private, "filtered", counted)
        log.scroll_to(y=log.scroll_offset.y - 1, animate=False)
        await pilot.pause()
        applied.clear()
        log.render_lines(viewport)
        assert len(applied) <= 1  # the row scrolled into view (if the frame did not draw it already)
        for top in range(0, 150, 3):  # scrolling through, drawn a few rows at a time too
            log.scroll_to(y=top, animate=False)
            log.render_lines(Region(0, 2, 60, 3))
            log.render_lines(viewport)
        assert len(log._plain_rows._filtered) <= 4 * log.outer_size.height
        for y in range(log.outer_size.height):  # the rows as drawn (the log's, widened to the scrollbar)
            row = log.render_line(y)
            assert not len(row._filter_cache)  # no filtered copy in them


async def test_a_floods_messages_are_drawn_in_frames_rendered_before(monkeypatch):
    """MessageLog._render_ahead: the new messages a follow shows are
    rendered and filtered in the follow's step, so a flood's frames only
    place rows already made (a key typed meanwhile waits for less); only
    the last screenful at each follow, not every message of the flood; what
    shows is the tail, as drawn."""
    from textual.screen import Screen

    from screens import textual_private

    lines = [message(f"line {i}") for i in range(20)]
    async with shown_log(lines, (60, 12)) as (app, pilot, log):
        await pilot.pause()
        in_frame = [False]
        made: list[bool] = []  # a message rendered: within a frame or not
        filtered: list[bool] = []
        render_message, apply, refresh = MessageLog._render_message, textual_private.filtered, Screen._compositor_refresh

        def rendering(self, line, width):
            made.append(in_frame[0])
            return render_message(self, line, width)

        def applying(strip, filters, background):
            if "flood" in strip.text:  # (a message's row, not the scrollbar's)
                filtered.append(in_frame[0])
            return apply(strip, filters, background)

        def drawing(self):
            in_frame[0] = True
            try:
                return refresh(self)
            finally:
                in_frame[0] = False

        monkeypatch.setattr(MessageLog, "_render_message", rendering)
        monkeypatch.setattr(textual_private, "filtered", applying)
        monkeypatch.setattr(Screen, "_compositor_refresh", drawing)
        height = log.scrollable_content_region.height
        batches = 30
        for batch in range(batches):  # as the app's syncs tell it: ~a frame's worth of messages each
            lines.extend(message(f"flood {batch}.{n}") for n in range(40))
            log.notify_appended()
            await asyncio.sleep(0.02)
        await until(lambda: screen_rows(log)[-1].endswith("flood 29.39") and log.is_at_bottom)
        await pilot.pause()
        assert made.count(False) >= height and True not in made
        assert filtered.count(False) >= height and True not in filtered
        assert len(made) <= batches * (height + 1) < batches * 40  # not the whole flood
        rows = screen_rows(log)
        assert len(rows) == height and all(
            row.endswith(f"<bob> flood 29.{n}") for row, n in zip(rows, range(40 - height, 40)))
