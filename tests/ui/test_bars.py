"""The bars (screens/widgets/bars.py) are asked what to show at every app
sync — up to 30 a second while messages stream in — and mostly asked for
what they show already: then they build no text at all (nor ask for a
repaint), and anything that changes what they show still shows."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from screens.widgets import bars
from screens.widgets.bars import StatusBar, TitleBar, WindowBar
from tui.core.model import AccountStatus, ConnectionState
from tui.core.windows import Activity, Window, WindowKind

JID = "alice@example.org"


class BarsApp(App):
    def compose(self) -> ComposeResult:
        yield TitleBar(id="title")
        yield WindowBar(id="windows")
        yield StatusBar(id="status")


def texts_made(monkeypatch) -> list[None]:
    """Counts the texts the bars make from now on."""
    made: list[None] = []

    class CountedText(Text):
        def __init__(self, *args, **kwargs) -> None:
            made.append(None)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(bars, "Text", CountedText)
    return made


def repaints(bar, monkeypatch) -> list[None]:
    """Counts the repaints ``bar`` asks for from now on."""
    asked: list[None] = []
    refresh = bar.refresh

    def counting(*args, **kwargs):
        asked.append(None)
        return refresh(*args, **kwargs)

    monkeypatch.setattr(bar, "refresh", counting)
    return asked


async def test_the_window_bar_rebuilds_only_when_a_window_changes(monkeypatch):
    status = Window(1, "status", WindowKind.STATUS)
    chat = Window(2, "bob", WindowKind.CHAT, JID, "bob@example.org")
    app = BarsApp()
    async with app.run_test(size=(80, 5)) as pilot:
        bar = app.query_one(WindowBar)
        bar.show_windows([status, chat], status)
        await pilot.pause()
        shown, asked, made = bar.text, repaints(bar, monkeypatch), texts_made(monkeypatch)
        for _ in range(5):  # syncs that change nothing the bar shows
            bar.show_windows([status, chat], status)
        assert bar.text is shown and not asked and not made
        chat.activity = Activity.HIGHLIGHT
        bar.show_windows([status, chat], status)
        assert bar.text is not shown and asked
        assert "[Act: 2]" in bar.plain
        bar.show_windows([status, chat], status, encrypted={chat})
        assert " 2:bob~ " in bar.plain
        chat.name = "Bob B."
        bar.show_windows([status, chat], chat, encrypted={chat})
        assert " 2:Bob B.~ " in bar.plain and "[Act:" not in bar.plain  # the active window is never in it


async def test_the_status_and_title_bars_rebuild_only_when_what_they_show_changes(monkeypatch):
    account = AccountStatus(JID, ConnectionState.ONLINE)
    room = Window(2, "#café", WindowKind.ROOM, JID, "cafe@rooms.example.org")
    app = BarsApp()
    async with app.run_test(size=(100, 5)) as pilot:
        status, title = app.query_one(StatusBar), app.query_one(TitleBar)
        status.show_status([account], 0, encryption=None)
        title.show_window(room, "the topic")
        await pilot.pause()
        status_shown, title_shown = status.text, title.text
        status_asked, title_asked = repaints(status, monkeypatch), repaints(title, monkeypatch)
        made = texts_made(monkeypatch)
        for _ in range(5):
            status.show_status([account], 0, encryption=None)
            title.show_window(room, "the topic")
        assert status.text is status_shown and title.text is title_shown
        assert not status_asked and not title_asked and not made
        status.show_status([account], 3, encryption=None)
        assert "more (3 below)" in status.plain and status_asked
        account.state, account.reason = ConnectionState.OFFLINE, "link lost"
        status.show_status([account], 3, encryption=None)
        assert f"{JID}: offline (link lost)" in status.plain
        status.show_status([account], 3, presences={JID: "away"}, encryption=None)
        assert "(away)" in status.plain
        title.show_window(room, "a new topic")
        assert title.plain.endswith("a new topic") and title_asked
