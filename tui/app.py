"""The Textual app: wires the core client to the screens and the key map.

slixmpp runs in this app's asyncio loop: sessions are created on mount,
never before ``App.run()`` (a client created earlier binds another loop).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Callable

from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.keys import _character_to_key

from screens import terminal_keys
from screens.main import MainScreen
from screens.command_palette import CommandProvider
from screens.notifier import TerminalNotifier

from .client import Client
from .config import AccountConfig, Config, ConfigError, resolve_password
from .core.notify import NotifySettings
from .core.windows import Window
from .core.events import (
    AccountChanged,
    LineAdded,
    LineChanged,
    LinesPrepended,
    QuitRequested,
    RevealLine,
    TypingChanged,
    RosterChanged,
    WindowCleared,
    WindowsChanged,
)
from . import paths
from .keymap import load_keymap
from .logging_setup import add_secret
from .xmpp.backoff import Backoff
from .xmpp.session import ConnectionSettings

log = logging.getLogger(__name__)

FRAME = 1 / 30  # at most this many model→screen syncs per second


def notify_settings(config: Config | None) -> NotifySettings:
    if config is None:  # first run: the setup screen writes the defaults
        return NotifySettings()
    ui = config.ui
    return NotifySettings(bell=ui.bell, desktop=ui.desktop_notifications,
                          terminal_title=ui.terminal_title)


def settings_for(account: AccountConfig, password: str) -> ConnectionSettings:
    return ConnectionSettings(
        jid=account.jid,
        password=password,
        resource=account.resource,
        host=account.host,
        port=account.port,
        ca_file=account.ca_file,
        direct_tls=account.direct_tls,
    )


class ParlonsApp(App):
    TITLE = "Parlons"
    COMMANDS = {CommandProvider}
    # Ctrl+P is Irssi's previous window: the palette gets its key from the keymap.
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        config: Config | None,
        config_path: Path | None = None,
        *,
        backoff_factory: Callable[[], Backoff] = Backoff,
        data_dir: Path | None = None,
    ) -> None:
        terminal_keys.install()  # before the driver starts parsing keys
        super().__init__()
        self.data_dir = data_dir if data_dir is not None else paths.data_dir()
        self.config = config
        self.config_path = config_path
        self.backoff_factory = backoff_factory
        self.client = Client()
        self.client.ui = self
        self.exit_message = ""
        self._sync_pending = False
        self._shown_window: Window | None = None
        self._appended = False
        self._cleared = False
        self._watching_log = False
        self._reveal = None  # a line /goto wants in view, once its window shows
        self.notifier = TerminalNotifier(self, notify_settings(config))
        self._install_keymap(config.ui.keymap if config else "irssi", config.keymap if config else {})

    # -- key map -------------------------------------------------------------------
    def _install_keymap(self, name: str, overrides: dict) -> None:
        keymap = load_keymap(name, overrides)
        bindings = BindingsMap()
        for key, binding in self._bindings:
            if binding.action not in ("command_palette", "app.command_palette"):
                bindings._add_binding(binding)
        for binding_id, kb in keymap.items():
            action = _ACTIONS.get(binding_id)
            if action is None:
                log.warning("keymap id %s has no action", binding_id)
                continue
            for key in kb.keys:
                if len(key) == 1:
                    key = _character_to_key(key)
                bindings._add_binding(
                    Binding(key, action, kb.description, show=False, priority=True, id=binding_id)
                )
        self._bindings = bindings

    # -- start ---------------------------------------------------------------------
    def on_mount(self) -> None:
        bus = self.client.bus
        bus.subscribe(LineAdded, self._on_line_added)
        bus.subscribe(WindowCleared, self._on_window_cleared)
        bus.subscribe(WindowsChanged, lambda _e: self._schedule_sync())
        bus.subscribe(AccountChanged, lambda _e: self._schedule_sync())
        bus.subscribe(RosterChanged, lambda _e: self._schedule_sync())
        bus.subscribe(QuitRequested, self._on_quit_requested)
        bus.subscribe(LineChanged, self._on_line_changed)
        bus.subscribe(LinesPrepended, self._on_lines_prepended)
        bus.subscribe(RevealLine, self._on_reveal_line)
        bus.subscribe(TypingChanged, lambda _e: self._schedule_sync())
        self.notifier.start(self.client.bus, self.client.windows, on_focus_change=self._schedule_sync)
        self.push_screen(MainScreen())
        self.set_interval(30, self._schedule_sync)  # the clock in the status bar
        if self.config is None or not self.config.accounts:
            from screens.account_setup import AccountSetupScreen

            self.push_screen(AccountSetupScreen(self.config_path), self._on_setup_done)
        else:
            self._start_accounts(self.config)
        self._schedule_sync()

    def _on_setup_done(self, config: Config | None) -> None:
        if config is None:
            self.exit(0)
            return
        self.config = config
        self._start_accounts(config)

    def _start_accounts(self, config: Config) -> None:
        self.run_worker(self._start_accounts_async(config), group="accounts")

    async def _start_accounts_async(self, config: Config) -> None:
        for account_cfg in config.accounts:
            try:
                # The CLI resolves passwords before start-up; a password_command
                # left for us runs off the loop (it may take seconds).
                password = account_cfg.password or await asyncio.to_thread(resolve_password, account_cfg)
                add_secret(password)
            except ConfigError as exc:
                self.client.error(f"{account_cfg.jid}: {exc}")
                continue
            account = self.client.add_account(
                settings_for(account_cfg, password), self.backoff_factory()
            )
            await account.open_history(self.data_dir)
            if account_cfg.autoconnect:
                account.session.connect()
        self._schedule_sync()

    # -- model → screen --------------------------------------------------------------
    @property
    def main(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def _on_line_added(self, event: LineAdded) -> None:
        if event.window is self.client.windows.active:
            self._appended = True
        self._schedule_sync()

    def _on_line_changed(self, event: LineChanged) -> None:
        main = self.main
        if event.window is self.client.windows.active and main is not None and main.is_mounted \
                and self._shown_window is event.window:
            main.log_view.notify_changed(event.reflow)

    def _on_lines_prepended(self, event: LinesPrepended) -> None:
        main = self.main
        if event.window is self.client.windows.active and main is not None and main.is_mounted \
                and self._shown_window is event.window:
            main.log_view.notify_prepended(event.count)
        self._schedule_sync()

    def _on_reveal_line(self, event: RevealLine) -> None:
        self._reveal = event.line
        self._schedule_sync()

    def _on_window_cleared(self, event: WindowCleared) -> None:
        if event.window is self.client.windows.active:
            self._cleared = True
        self._schedule_sync()

    def _schedule_sync(self) -> None:
        if not self._sync_pending:
            self._sync_pending = True
            self.set_timer(FRAME, self._sync)

    def _sync(self) -> None:
        self._sync_pending = False
        main = self.main
        if main is None or not main.is_mounted:
            return
        windows = self.client.windows
        active = windows.active
        log_view = main.log_view
        if not self._watching_log:
            # the log learns how much is below the view a frame after a scroll
            self._watching_log = True
            self.watch(log_view, "lines_below", lambda _n: self._schedule_sync(), init=False)
        if active is not self._shown_window:
            self._shown_window = active
            main.show_window(active, self._roster_of(active))
            main.input_line.set_completion(self.client.registry, self._completion_providers())
            main.input_line.last_own_message = lambda window=active: self.client.last_own_message(window)
        else:
            if self._cleared:
                log_view.notify_cleared()
            if self._appended:
                log_view.notify_appended()
        self._appended = self._cleared = False
        if self._reveal is not None:
            line, self._reveal = self._reveal, None
            self.call_after_refresh(main.log_view.reveal, line)
        main.sync_roster(self._roster_of(active))
        main.query_one("#windowbar").show_windows(list(windows), active)
        main.query_one("#statusbar").show_status(
            [a.session.status for a in self.client.accounts], log_view.lines_below,
            presences={a.jid: a.presence.describe() for a in self.client.accounts},
            typing=self.client.typing_in(active),
        )
        self.title = self.notifier.show_title(windows, active)

    def _completion_providers(self) -> dict:
        client = self.client

        def windows(_prefix: str):
            for window in client.windows:
                yield str(window.number)

        def jids(_prefix: str):
            return client.known_jids()

        def accounts(_prefix: str):
            return [a.jid for a in client.accounts]

        return {"window": windows, "jid": jids, "account": accounts}

    # -- input ---------------------------------------------------------------------
    async def on_input_line_entered(self, event) -> None:
        await self.client.handle_input(event.value, correction=event.correction)

    def on_input_changed(self, event) -> None:
        # our chat state (XEP-0085): composing / paused / active
        self.client.user_typed(self.client.windows.active, event.value)

    # -- actions (bound through the key map) ---------------------------------------
    def action_window_goto(self, number: int) -> None:
        self.client.windows.switch(number)

    def action_window_prev(self) -> None:
        self.client.windows.prev()

    def action_window_next(self) -> None:
        self.client.windows.next()

    def action_window_next_activity(self) -> None:
        self.client.windows.next_with_activity()

    def scroll(self, where: str) -> None:
        main = self.main
        if main is None:
            return
        log_view = main.log_view
        if where in ("up", "home") and log_view.at_top:
            # past the top: older history from the store, then the archive
            window = self.client.windows.active
            self.run_worker(self.client.load_older(window), group="history", exclusive=True)
        if where == "up":
            log_view.page_up()
        elif where == "down":
            log_view.page_down()
        elif where == "home":
            log_view.scroll_home(animate=False)
        elif where == "end":
            log_view.scroll_end(animate=False)
        self._schedule_sync()

    def action_log_scroll(self, where: str) -> None:
        self.scroll(where)

    # -- roster ------------------------------------------------------------------------
    def _roster_of(self, window: Window):
        """The roster the roster views show: the account of ``window``."""
        account = self.client.accounts.for_window(window)
        return account.roster.model if account is not None else None

    def action_roster_toggle(self) -> None:
        main = self.main
        if main is not None:
            main.toggle_roster_pane(self._roster_of(self.client.windows.active))

    def on_roster_view_contact_chosen(self, event) -> None:
        account = self.client.accounts.get(event.account)
        if account is not None:
            account.chat.window_for(event.jid, focus=True)
            if self.main is not None:
                self.main.input_line.focus()

    def action_redraw(self) -> None:
        self.refresh(repaint=True, layout=True)

    # -- quitting ------------------------------------------------------------------
    def on_unmount(self) -> None:
        self.notifier.stop()  # the user's terminal title back, while the driver still writes

    def _on_quit_requested(self, event: QuitRequested) -> None:
        self.run_worker(self._quit(event.message), exclusive=True, group="quit")

    async def _quit(self, message: str) -> None:
        await self.client.accounts.disconnect_all(message or "Parlons")
        self.exit(0)


_ACTIONS: dict[str, str] = {
    **{f"window.goto.{n}": f"window_goto({n})" for n in range(1, 20)},
    "window.prev": "window_prev",
    "window.next": "window_next",
    "window.next_activity": "window_next_activity",
    "log.page_up": "log_scroll('up')",
    "log.page_down": "log_scroll('down')",
    "log.home": "log_scroll('home')",
    "log.end": "log_scroll('end')",
    "app.redraw": "redraw",
    "roster.toggle": "roster_toggle",
    "app.command_palette": "command_palette",
}


def run_app(config: Config | None, config_path: Path | None = None, debug: bool = False) -> int:
    app = ParlonsApp(config, config_path)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
