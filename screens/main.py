"""The main screen: title, message log, window bar, status bar, input line.

The screen renders the core model; it keeps no state of its own beyond what
is on display. Model events are coalesced: at most one sync per frame.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget

from tui.core.blog import Blogs
from tui.core.blog_lines import BlogView
from tui.core.room import Room
from tui.core.roster import Roster
from tui.core.windows import Window, WindowKind

from .textual_private import PlainBackground, PlainHorizontal, PlainVertical
from .widgets.bars import StatusBar, TitleBar, WindowBar
from .widgets.blog_pane import BlogPane
from .widgets.input_line import InputLine, InputPrompt, prompt_target
from .widgets.message_log import MessageLog
from .widgets.nick_list import NickList
from .widgets.roster_view import RosterView


# Side panes give way to the log on a narrow terminal: each shrinks to its
# minimum, then hides, and comes back when there is room (widths with the border).
LOG_MIN = 46  # the message log's columns, its scrollbar included: 45 of text
NICK_LIST_WIDTH, NICK_LIST_MIN = 22, 12
ROSTER_PANE_WIDTH, ROSTER_PANE_MIN = 32, 14


def side_pane_widths(total: int, *, roster: bool, nicks: bool) -> tuple[int, int]:
    """The roster pane's and the nick list's widths (0: hidden) in ``total``
    columns: the log keeps LOG_MIN; the roster pane, opened on purpose (F3),
    is served before the nick list."""
    spare = max(0, total - LOG_MIN)
    roster_width = min(ROSTER_PANE_WIDTH, spare) if roster else 0
    if roster_width < ROSTER_PANE_MIN:
        roster_width = 0
    spare -= roster_width
    nick_width = min(NICK_LIST_WIDTH, spare) if nicks else 0
    if nick_width < NICK_LIST_MIN:
        nick_width = 0
    return roster_width, nick_width


W = TypeVar("W", bound=Widget)


class MainScreen(Screen, PlainBackground):
    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    MainScreen MessageLog { height: 1fr; }
    MainScreen #body { height: 1fr; }
    MainScreen #main-area { width: 1fr; }
    /* the roster window: the roster, and under it that window's command output */
    MainScreen #roster-window { height: 1fr; display: none; }
    MainScreen MessageLog.under-roster { height: 5; }
    /* the blog window: the blog pane, and under it what commands said there */
    MainScreen #blog-pane { height: 1fr; display: none; }
    MainScreen MessageLog.under-blog { height: 4; border-top: hkey $foreground 30%; }
    MainScreen #roster-pane { width: 32; display: none; border-left: vkey $foreground 30%; }
    MainScreen #input-row { height: auto; }
    MainScreen InputLine { height: 1; width: 1fr; border: none; padding: 0 1; }
    MainScreen Composer { width: 1fr; }
    MainScreen #nick-list { width: 22; display: none; }  /* its left edge: its own (NickList) */
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._found: dict[type | str, Widget] = {}  # (_composed)

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title")
        with PlainHorizontal(id="body"):
            with PlainVertical(id="main-area"):
                yield RosterView(id="roster-window")
                yield BlogPane(id="blog-pane")
                yield MessageLog(id="log")
            yield NickList(id="nick-list")
            yield RosterView(id="roster-pane")
        yield WindowBar(id="windowbar")
        yield StatusBar(id="statusbar")
        with PlainHorizontal(id="input-row"):  # Irssi's "[bob] " before the line
            yield InputPrompt(id="prompt")
            yield InputLine(id="input")

    def _composed(self, kind: type[W], selector: str | None = None) -> W:
        """One of the widgets :meth:`compose` made, found once: none is ever
        removed or replaced, and Textual's query walks the screen's widgets
        each time (15 µs; a model sync asked for seven)."""
        key = selector or kind
        widget = self._found.get(key)
        if widget is None:
            widget = self._found[key] = self.query_one(selector, kind) if selector else self.query_one(kind)
        return cast(W, widget)

    @property
    def log_view(self) -> MessageLog:
        return self._composed(MessageLog)

    @property
    def input_line(self) -> InputLine:
        return self._composed(InputLine)

    @property
    def prompt(self) -> InputPrompt:
        return self._composed(InputPrompt)

    @property
    def title_bar(self) -> TitleBar:
        return self._composed(TitleBar)

    @property
    def window_bar(self) -> WindowBar:
        return self._composed(WindowBar)

    @property
    def status_bar(self) -> StatusBar:
        return self._composed(StatusBar)

    def on_mount(self) -> None:
        self.input_line.focus()
        echo = getattr(self.app, "echo_ahead", None)
        if echo is not None:  # the real app: typing echoed ahead of the loop
            line = self.input_line
            line.echo_ahead = echo
            echo.refuse(line.echo_refused())
        self.blog_pane.set_keymap(getattr(self.app, "keymap", {}))
        self.blog_pane.hand_over = self._blog_hand_over

    def on_input_line_correcting(self, event: InputLine.Correcting) -> None:
        self.prompt.show_correcting(event.correcting)

    # -- side panes on a narrow terminal -------------------------------------------
    nick_list_wanted = True  # the nicklist.toggle key flips it; rooms only either way
    roster_pane_wanted = False  # the roster.toggle key
    _in_room = False  # the active window shows a room

    def on_resize(self, _event: events.Resize) -> None:
        self.lay_out_panes()

    def lay_out_panes(self) -> None:
        """Show, shrink or hide the side panes for the screen's width."""
        roster_width, nick_width = side_pane_widths(
            self.size.width, roster=self.roster_pane_wanted, nicks=self.nick_list_wanted and self._in_room)
        for pane, width in ((self.roster_pane, roster_width), (self.nick_list, nick_width)):
            current = pane.styles.width
            if width and (current is None or current.cells != width):  # set only when it moves:
                pane.styles.width = width  # this runs on every sync
            if pane.display != bool(width):
                if not width and pane.has_focus:
                    self.input_line.focus()
                pane.display = bool(width)

    # -- rooms ---------------------------------------------------------------------

    @property
    def nick_list(self) -> NickList:
        return self._composed(NickList)

    def sync_room(self, window: Window, room: Room | None, *, force: bool = False,
                  presence: str = "") -> None:
        """Once per app sync: the nick list (shown in room windows unless
        toggled off) and the topic in the title catch up with ``room``;
        cheap when its version did not move. ``presence``: a chat window's
        contact's, for the title."""
        self._in_room = room is not None
        self.lay_out_panes()
        self.nick_list.set_room(room, force=force)
        self.title_bar.show_window(window, room.topic if room is not None else "", presence=presence)

    def toggle_nick_list(self, window: Window, room: Room | None) -> None:
        self.nick_list_wanted = not self.nick_list_wanted
        self.sync_room(window, room)

    def show_window(self, window: Window, roster: Roster | None = None) -> None:
        self.title_bar.show_window(window)
        self.prompt.show_target(prompt_target(window))
        self.log_view.set_lines(window.lines)
        self.input_line.set_history(window.input_history)
        # The roster window shows the roster, focused (typing filters it);
        # other windows give the keys back to the input line.
        view = self.roster_window
        is_roster = window.kind is WindowKind.ROSTER
        was_focused = view.has_focus
        view.display = is_roster
        self.log_view.set_class(is_roster, "under-roster")
        if is_roster:
            view.set_roster(roster)
            view.focus()
        elif was_focused:
            self.input_line.focus()
        self._show_blog_pane(window.kind is WindowKind.BLOG)

    # -- blog --------------------------------------------------------------------
    @property
    def blog_pane(self) -> BlogPane:
        return self._composed(BlogPane)

    def _show_blog_pane(self, shown: bool) -> None:
        """The blog window shows the blog pane, focused; its log, under it,
        only what commands said there."""
        pane = self.blog_pane
        was_focused = pane.has_focus
        pane.display = shown
        self.log_view.set_class(shown, "under-blog")
        if shown:
            pane.focus()
        elif was_focused:
            self.input_line.focus()

    def sync_blog(self, view: BlogView | None, blogs: Blogs | None) -> None:
        """Once per app sync: the blog pane catches up (cheap when nothing moved)."""
        if self.blog_pane.display:
            self.blog_pane.show(view, blogs)

    def _blog_hand_over(self, text: str) -> None:
        """The blog pane gives the keys to the input line (Escape, ``/``, typing),
        with ``text`` typed there; at once, so that the next keys follow."""
        line = self.input_line
        self.set_focus(line)
        if text:
            line.insert_text_at_cursor(text)

    def on_input_line_entered(self, _event) -> None:
        # A line typed in the blog window ran: the keys go back to the pane
        # (the message goes on to the app, which runs the line).
        if self.blog_pane.display:
            self.set_focus(self.blog_pane)

    def on_key(self, event) -> None:
        # In the blog window, the pane's back key (Escape) in the input line
        # gives the keys back to the pane.
        pane = self.blog_pane
        if pane.display and self.focused is self.input_line and pane.is_back_key(event.key):
            event.stop()
            self.set_focus(pane)

    # -- roster ------------------------------------------------------------------
    @property
    def roster_window(self) -> RosterView:
        return self._composed(RosterView, "#roster-window")

    @property
    def roster_pane(self) -> RosterView:
        return self._composed(RosterView, "#roster-pane")

    def sync_roster(self, roster: Roster | None) -> None:
        """Once per app sync: the visible roster views catch up with the
        model (a no-op when its version did not move)."""
        self.roster_pane.set_roster(roster)
        if self.roster_window.display:
            self.roster_window.roster_changed()

    def toggle_roster_pane(self, roster: Roster | None) -> None:
        """The roster.toggle key (F3 in the Irssi keymap): hidden → shown and focused; shown but not focused → focused;
        focused → hidden, keys back to the input line. A pane open when the
        terminal narrows hides, and comes back when it widens."""
        pane = self.roster_pane
        if not pane.display:
            self.roster_pane_wanted = True
            self.lay_out_panes()
            if not pane.display:  # too narrow even shrunk: say so rather than pop up later
                self.roster_pane_wanted = False
                self.input_line.post_message(InputLine.Notice(
                    self.input_line, "Too narrow for the roster pane: /roster opens the roster window",
                    error=False))
                return
            pane.set_roster(roster)
            pane.focus()
        elif not pane.has_focus:
            pane.focus()
        else:
            self.roster_pane_wanted = False
            self.lay_out_panes()

    def on_roster_view_dismissed(self, event: RosterView.Dismissed) -> None:
        event.stop()
        line = self.input_line
        line.focus()
        if event.text:
            line.value = event.text
            line.cursor_position = len(line.value)
