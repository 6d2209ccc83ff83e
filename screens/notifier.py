"""The terminal side of notifications: bell, window title, desktop popups.

The policy (what deserves attention, rate limits, the unread count) is
:mod:`tui.core.notify`; this class only turns its answers into bytes on the
terminal. Textual 8.2.8 does not write ``App.title`` to the terminal (it is
the Header widget's text), so the title goes out as OSC 2 through the driver,
after pushing the user's own title on xterm's title stack; :meth:`stop` pops
it back.

Focus comes from Textual's ``App.app_focus`` (FocusIn/FocusOut reports,
mode 1004). A terminal that does not report focus leaves it True: then the
active window never rings, which is what we want when we cannot know.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from textual.app import App

from tui.core.events import EventBus, LineAdded, WindowsChanged
from tui.core.notify import (
    BELL,
    TITLE_POP,
    TITLE_PUSH,
    NotifyPolicy,
    NotifySettings,
    desktop_sequence,
    title_sequence,
)
from tui.core.windows import WindowList

from .textual_private import driver_of

log = logging.getLogger(__name__)


class TerminalNotifier:
    def __init__(self, app: App, settings: NotifySettings) -> None:
        self.app = app
        self.settings = settings
        self.policy = NotifyPolicy(settings)
        # Tests swap this for a recorder: a headless driver writes nothing.
        self.write: Callable[[str], None] = self._write_to_driver
        self.title: str | None = None
        self._pushed = False
        self._on_focus_change: Callable[[], None] | None = None
        self._windows: WindowList  # given by start(), before any event can arrive
        # Windows raised to HIGHLIGHT, checked once the current model change
        # is over, and the windows that got a live line meanwhile.
        self._raised: list = []
        self._lines_meanwhile: set[int] = set()

    def _write_to_driver(self, data: str) -> None:
        driver = driver_of(self.app)
        if driver is None or self.app.is_headless:
            return
        try:
            driver.write(data)
        except Exception:  # a driver already out of application mode: nothing to tell
            log.debug("terminal write dropped", exc_info=True)

    def start(self, bus: EventBus, windows: WindowList, on_focus_change: Callable[[], None]) -> None:
        """Listen to the model; save the user's title; call ``on_focus_change``
        when the terminal gains or loses focus (the unread count may change)."""
        self._windows = windows
        self._on_focus_change = on_focus_change
        bus.subscribe(LineAdded, self._on_line_added)
        bus.subscribe(WindowsChanged, self._on_windows_changed)
        self.app.watch(self.app, "app_focus", self._focus_changed, init=False)
        if self.settings.terminal_title:
            self.write(TITLE_PUSH)
            self._pushed = True
        # What came before us (the accounts start while the face loads:
        # tui/launch.py) rings as a window raised without its line would.
        self._on_windows_changed(None)

    def stop(self) -> None:
        """Give the user's title back (before the driver leaves application mode)."""
        if self._pushed:
            self._pushed = False
            self.write(TITLE_POP)

    def _focus_changed(self, focused: bool) -> None:
        self.policy.focus_changed(focused)
        if self._on_focus_change is not None:
            self._on_focus_change()

    def _on_line_added(self, event: LineAdded) -> None:
        if self._raised:
            self._lines_meanwhile.add(id(event.window))
        self._signal(self.policy.on_line(
            event.window, event.line, active=event.window is self._windows.active,
            focused=self.app.app_focus, replay=event.replay))

    def _on_windows_changed(self, _event: WindowsChanged | None) -> None:
        raised = self.policy.raised_windows(self._windows)
        if raised:
            if not self._raised:
                # add_line raises the activity *before* its LineAdded: wait
                # until this change is over to know whether a line came too.
                asyncio.get_running_loop().call_soon(self._check_raised)
            self._raised.extend(raised)

    def _check_raised(self) -> None:
        raised, self._raised = self._raised, []
        seen, self._lines_meanwhile = self._lines_meanwhile, set()
        for window in raised:
            if id(window) not in seen:
                self._signal(self.policy.on_raised(window, focused=self.app.app_focus))

    def _signal(self, alert) -> None:
        if alert.bell:
            self.write(BELL)  # what App.bell() writes, through the recordable path
        if alert.desktop is not None:
            self.write(desktop_sequence(self.settings.desktop, alert.desktop))

    def show_title(self, windows, active) -> str:
        """Compute the title; write it to the terminal when it changed."""
        title = self.policy.title(windows, active)
        if self.settings.terminal_title and title != self.title:
            self.write(title_sequence(title))
        self.title = title
        return title
