"""Issue 12, narrow terminals (Pilot, real Prosody): at 60x24 the message
log keeps at least 45 columns with a room open, side panes shrink or hide
and come back at 120 columns; the window bar says "…" where windows are off
it, keeps the active window and [Act: …] in view, and Alt+A still works."""

from __future__ import annotations

import uuid

from screens.main import side_pane_widths
from tests.harness.app import running_app, status_text, window_text
from tests.harness.wait import until
from tui.core.windows import WindowKind


async def type_line(app, pilot, text: str) -> None:
    app.main.input_line.value = text
    await pilot.press("enter")


def log_columns(app) -> int:
    """Columns of text the message log has (its scrollbar left out)."""
    return app.main.log_view.scrollable_content_region.width


def test_pane_widths_give_way_to_the_log():
    assert side_pane_widths(120, roster=True, nicks=True) == (32, 22)
    assert side_pane_widths(60, roster=False, nicks=True) == (0, 14)
    assert side_pane_widths(60, roster=True, nicks=True) == (14, 0)  # the pane opened on purpose first
    assert side_pane_widths(50, roster=True, nicks=True) == (0, 0)
    for width in range(20, 200):
        roster, nicks = side_pane_widths(width, roster=True, nicks=True)
        assert roster + nicks == 0 or width - roster - nicks >= 46


async def test_at_60x24_the_log_keeps_45_columns_and_panes_come_back_at_120(alice, prosody):
    room = f"narrow-{uuid.uuid4().hex[:6]}@{prosody.muc_domain}"
    async with running_app(alice.config, size=(60, 24)) as (app, pilot):
        main = app.main
        await type_line(app, pilot, f"/join {room}")
        await until(lambda: app.client.windows.active.kind is WindowKind.ROOM, timeout=10)
        pane = main.nick_list
        await until(lambda: pane.display and pane.region.width == 14, timeout=5,
                    message=lambda: f"{pane.display} {pane.region}")
        assert log_columns(app) >= 45
        assert "@alice" in "".join(pane.render_line(y).text for y in range(pane.size.height))
        # F3 at 60 columns: the roster pane, shrunk; the nick list gives way; the log keeps 45
        await pilot.press("f3")
        roster = main.roster_pane
        await until(lambda: roster.display and roster.has_focus and not pane.display, timeout=5)
        await until(lambda: roster.region.width == 14 and log_columns(app) >= 45, timeout=5,
                    message=lambda: f"{roster.region} {log_columns(app)}")
        # wider: both come back at their full widths
        await pilot.resize_terminal(120, 40)
        await until(lambda: roster.display and pane.display and roster.region.width == 32
                    and pane.region.width == 22, timeout=5,
                    message=lambda: f"{roster.region} {pane.region}")
        assert log_columns(app) >= 120 - 32 - 22 - 1
        # narrower than any pane: both hide, the keys go back to the input line
        await pilot.resize_terminal(50, 24)
        await until(lambda: not roster.display and not pane.display, timeout=5)
        assert main.input_line.has_focus and log_columns(app) >= 45
        # 60 again: the roster pane was hidden, not closed: it comes back
        await pilot.resize_terminal(60, 24)
        await until(lambda: roster.display and not pane.display and roster.region.width == 14, timeout=5)
        # F3 where nothing fits says why nothing opens, and closes it for good
        await pilot.resize_terminal(50, 24)
        await until(lambda: not roster.display, timeout=5)
        await pilot.press("f3")
        window = app.client.windows.active
        await until(lambda: "Too narrow for the roster pane" in window_text(window), timeout=5)
        await pilot.resize_terminal(120, 40)
        await until(lambda: pane.display and pane.region.width == 22, timeout=5)
        assert not roster.display


async def test_the_window_bar_says_windows_are_off_it_and_alt_a_reaches_them(alice, make_peer, prosody):
    bob = await make_peer()
    async with running_app(alice.config, size=(60, 24)) as (app, pilot):
        windows = app.client.windows
        bar = app.main.query_one("#windowbar")
        for n in range(6):
            await type_line(app, pilot, f"/query contact{n}-{uuid.uuid4().hex[:8]}@{prosody.domain}")
        await until(lambda: len(windows) == 7, timeout=5)
        await pilot.press("alt+1")
        bob.send(alice.jid, "are you there?")
        chat = await until(lambda: windows.find(alice.jid, bob.jid), timeout=5, message=lambda: status_text(app))
        assert chat.number == 8
        await until(lambda: f"[Act: {chat.number}]" in bar.plain, timeout=5, message=lambda: bar.plain)
        text = bar.plain
        assert text.startswith(" 1:status ") and "…" in text and f" {chat.number}:" not in text
        assert bar.hidden > 0 and len(text) <= 60
        # the "…" on the right has the colour of the message waiting there (as in [Act: 8])
        def style_at(index: int) -> str:
            return next(str(span.style) for span in bar.text.spans if span.start <= index < span.end)

        assert style_at(text.index("…")) == style_at(text.index(f"[Act: {chat.number}") + len("[Act: "))
        assert style_at(text.index("…")) not in ("", "dim")
        await pilot.press("alt+a")
        assert windows.active is chat
        # the active window is always in view, the cut side marked
        await until(lambda: f" {chat.number}:" in bar.plain and bar.plain.startswith("…"), timeout=5,
                    message=lambda: bar.plain)
        assert "[Act:" not in bar.plain
        # wide enough: every window, no "…"
        await pilot.resize_terminal(200, 24)
        await until(lambda: "…" not in bar.plain and bar.hidden == 0, timeout=5, message=lambda: bar.plain)
