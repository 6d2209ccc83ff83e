"""The main screen: title, message log, window bar, status bar, input line.

The screen renders the core model; it keeps no state of its own beyond what
is on display. Model events are coalesced: at most one sync per frame.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen

from tui.core.windows import Window

from .widgets.bars import StatusBar, TitleBar, WindowBar
from .widgets.input_line import InputLine
from .widgets.message_log import MessageLog


class MainScreen(Screen):
    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    MainScreen MessageLog { height: 1fr; }
    MainScreen InputLine { height: 1; border: none; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title")
        yield MessageLog(id="log")
        yield WindowBar(id="windowbar")
        yield StatusBar(id="statusbar")
        yield InputLine(id="input")

    @property
    def log_view(self) -> MessageLog:
        return self.query_one(MessageLog)

    @property
    def input_line(self) -> InputLine:
        return self.query_one(InputLine)

    def on_mount(self) -> None:
        self.input_line.focus()

    def show_window(self, window: Window) -> None:
        self.query_one(TitleBar).show_window(window)
        self.log_view.set_lines(window.lines)
        self.input_line.set_history(window.input_history)
