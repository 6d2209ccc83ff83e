"""The Textual app: wires the core client to the screens and the key map.

slixmpp runs in this app's asyncio loop. The real app is handed a client
whose accounts started in that loop while this module was imported
(tui/launch.py: ``run_face``); an app made without one (tests, the setup
form) starts them on mount, never before ``App.run()`` (a client created
earlier binds another loop).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from functools import partial
from pathlib import Path
from typing import Awaitable, Callable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.drivers.linux_driver import LinuxDriver
from textual.screen import Screen

from tui import paths, wiring
from tui.client import Client
from tui.collector import Collector
from tui.config import Config
from tui.core.events import (
    AccountChanged,
    BlogChanged,
    EncryptionChanged,
    LineAdded,
    LineChanged,
    LinesDropped,
    LinesPrepended,
    QuitRequested,
    RevealLine,
    RoomChanged,
    RosterChanged,
    TypingChanged,
    WindowCleared,
    WindowsChanged,
)
from tui.core import pacing
from tui.core.model import Line
from tui.core.windows import Window, WindowKind
from tui.keymap import load_keymap, scope_of
from tui.launch import Early
from tui.xmpp.account.backoff import Backoff

from . import clipboard, editor, keys_first, terminal_keys, textual_private
from .command_palette import CommandProvider
from .echo_ahead import EchoAhead
from .hangup import TerminalDriver, TerminalWatch
from .main import MainScreen
from .notifier import TerminalNotifier
from .widgets.bars import PLAINTEXT
from .widgets.input_line import InputLine

log = logging.getLogger(__name__)

FRAME = 1 / 30  # at most this many model→screen syncs per second
CHORD_SECONDS = 1.0  # Ctrl+X then Ctrl+E within this: the external editor


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
        early: Early | None = None,
    ) -> None:
        terminal_keys.install()  # before the driver starts parsing keys
        textual_private.lazy_strip_caches()  # a frame's strips make their caches when used
        textual_private.no_second_layout()  # a layout pass asks for no other
        textual_private.drop_covered_updates()  # nor a frame of what it drew
        textual_private.draw_only_what_shows()  # a partial frame draws what it shows
        textual_private.cursor_moves_made_once()  # a frame's cursor moves are not made afresh
        textual_private.time_frames()  # what frames cost: the log follows a flood less often when dear
        super().__init__()
        self.data_dir = data_dir if data_dir is not None else paths.data_dir()
        self.config = config
        self.config_path = config_path
        self.backoff_factory = backoff_factory
        # the accounts already starting (tui/launch.py), or started on mount
        self._early = early
        self.client = early.client if early is not None else Client()
        self.client.ui = self
        self.exit_message = ""
        self._sync_pending = False
        self._last_sync = 0.0
        self._sync_handle: asyncio.TimerHandle | None = None
        self._shown_window: Window | None = None
        self._appended = False
        self._cleared = False
        self._watching_log = False
        self._reveal: Line | None = None  # a line /goto wants in view, once its window shows
        # Windows whose conversation is encrypted (the window bar marks them):
        # worked out again only when an encryption state or the windows changed.
        self._encrypted: set[Window] | None = None
        self._quitting = False
        self._entered: asyncio.Queue = asyncio.Queue()
        self._input_worker: asyncio.Future | None = None
        self._editing = False  # the external editor is open
        self._chord_armed_at: float | None = None  # when Ctrl+X was pressed (Ctrl+X Ctrl+E)
        # How /edit runs the editor; tests swap in editor.run_plain (a headless
        # app has no terminal to suspend).
        self.editor_runner: editor.Runner | None = None
        # Full collections kept short (tui.collector); run_app sets it.
        self.collector: Collector | None = None
        # Typed characters echoed by the input thread (the real app sets it).
        self.echo_ahead: EchoAhead | None = None
        self.notifier = TerminalNotifier(self, wiring.notify_settings(config))
        self.terminal_watch = TerminalWatch(self._terminal_gone)
        self.paste_policy = early.paste_policy if early is not None else wiring.paste_policy(config)
        self._install_keymap(config.ui.keymap if config else "irssi", config.keymap if config else {})

    # -- key map -------------------------------------------------------------------
    def _install_keymap(self, name: str, overrides: dict) -> None:
        keymap = self.keymap = load_keymap(name, overrides)  # panes and the welcome read its keys
        bindings = [binding for binding in textual_private.app_bindings(self)
                    if binding.action not in ("command_palette", "app.command_palette")]
        for binding_id, kb in keymap.items():
            if scope_of(binding_id):  # a pane's key (the blog pane): the pane handles it
                continue
            action = _ACTIONS.get(binding_id)
            if action is None:
                log.warning("keymap id %s has no action", binding_id)
                continue
            for key in kb.keys:
                if len(key) == 1:
                    key = textual_private.character_to_key(key)
                bindings.append(
                    Binding(key, action, kb.description, show=False, priority=True, id=binding_id)
                )
        textual_private.replace_app_bindings(self, bindings)

    # -- start ---------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.collector is not None:
            self.collector.start()
        bus = self.client.bus
        bus.subscribe(LineAdded, self._on_line_added)
        bus.subscribe(WindowCleared, self._on_window_cleared)
        bus.subscribe(WindowsChanged, self._on_encryption_or_windows_changed)
        bus.subscribe(AccountChanged, lambda _e: self._schedule_sync())
        bus.subscribe(RosterChanged, lambda _e: self._schedule_sync())
        bus.subscribe(QuitRequested, self._on_quit_requested)
        bus.subscribe(LineChanged, self._on_line_changed)
        bus.subscribe(LinesPrepended, self._on_lines_prepended)
        bus.subscribe(LinesDropped, self._on_lines_dropped)
        self.client.windows.reading = self._reading
        bus.subscribe(RevealLine, self._on_reveal_line)
        bus.subscribe(TypingChanged, lambda _e: self._schedule_sync())
        bus.subscribe(RoomChanged, lambda _e: self._schedule_sync())
        bus.subscribe(EncryptionChanged, self._on_encryption_or_windows_changed)
        bus.subscribe(BlogChanged, lambda _e: self._schedule_sync())
        self.notifier.start(self.client.bus, self.client.windows, on_focus_change=self._schedule_sync)
        self.push_screen(MainScreen())
        self.set_interval(30, self._schedule_sync)  # the clock in the status bar
        if not self.is_headless:
            self.terminal_watch.start()
        if self._early is not None:
            self.client.face_ready()  # a secret asked meanwhile is asked now
            self.run_worker(self._accounts_started(self._early.started), group="accounts")
        elif self.config is None or not self.config.accounts:
            from .account_setup import AccountSetupScreen

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
        started = self.client.start(config, data_dir=self.data_dir, keymap=self.keymap,
                                    backoff_factory=self.backoff_factory, paste_policy=self.paste_policy)
        self.run_worker(self._accounts_started(started), group="accounts")

    async def _accounts_started(self, started: Awaitable[None]) -> None:
        await started  # its failure is the worker's, as any worker's
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
        if main is None or not main.is_mounted:
            return
        if event.window is self.client.windows.active and self._shown_window is event.window:
            main.log_view.notify_changed(event.reflow, event.line)
        else:
            main.log_view.notify_changed_elsewhere(event.window.lines, event.reflow, event.line)

    def _on_lines_prepended(self, event: LinesPrepended) -> None:
        main = self.main
        if event.window is self.client.windows.active and main is not None and main.is_mounted \
                and self._shown_window is event.window:
            main.log_view.notify_prepended(event.count, event.replaced)
        self._schedule_sync()

    def _reading(self, window: Window) -> bool:
        """The log shows ``window`` away from its newest line: its oldest
        lines stay in memory (the model asks before letting go of them)."""
        main = self.main
        return main is not None and main.is_mounted and main.log_view.lines is window.lines \
            and not main.log_view.is_at_bottom

    def _on_lines_dropped(self, event: LinesDropped) -> None:
        main = self.main
        if main is None or not main.is_mounted:
            return
        if main.log_view.lines is event.window.lines:
            main.log_view.notify_dropped(event.count, event.prefix)
        else:
            main.log_view.notify_dropped_elsewhere(event.window.lines, event.count, event.prefix)

    def _on_reveal_line(self, event: RevealLine) -> None:
        self._reveal = event.line
        self._schedule_sync()

    def _on_window_cleared(self, event: WindowCleared) -> None:
        if event.window is self.client.windows.active:
            self._cleared = True
        self._schedule_sync()

    def _on_encryption_or_windows_changed(self, _event) -> None:
        self._encrypted = None
        # another window is active (Alt+N, /win, /join, /query): shown at once
        self._schedule_sync(at_once=self.client.windows.active is not self._shown_window)

    def _encrypted_windows(self) -> set[Window]:
        if self._encrypted is None:
            self._encrypted = {window for window in self.client.windows
                               if window.is_conversation and self.client.encryption_in(window) is not None}
        return self._encrypted

    def _schedule_sync(self, *, at_once: bool = False) -> None:
        # The first change after a quiet frame is synced on the next turn of
        # the loop (a command's output 33 ms sooner); a stream of them, at most
        # once a FRAME.  ``at_once``: on the next turn in any case (a window
        # switch: the Enter of a /join was synced a moment before, and the
        # room's window waited up to a FRAME more, to be laid out just as the
        # next keys came).
        if at_once and self._sync_handle is not None:
            self._sync_handle.cancel()
            self._sync_handle = None
            self._sync_pending = False
        if not self._sync_pending:
            self._sync_pending = True
            wait = self._last_sync + FRAME - time.monotonic()
            if wait > 0 and not at_once:
                # (a Textual one-shot timer may be dropped: textual_private.call_after)
                self._sync_handle = textual_private.call_after(self, wait, self._sync_if_due)
            else:
                self.call_later(self._sync_if_due)

    def _sync_if_due(self) -> None:
        """The sync scheduled, if not done already (``_show_entered`` may run it sooner)."""
        if self._sync_pending:
            if self._sync_handle is not None:
                self._sync_handle.cancel()
            self._sync()

    def _show_entered(self, shown: asyncio.Future) -> None:
        """A line entered ran (a command's first step, our message stored
        and sent): in the log now, so that the Enter's frame shows it with
        the cleared line (the frame waits for this at most AFTER_AT_MOST)."""
        self._sync_if_due()
        main = self.main
        if main is not None and main.is_mounted:
            main.log_view.sync_view_now()  # (lines added: the log's follow due)
        if not shown.done():
            shown.set_result(None)

    def _sync(self) -> None:
        self._sync_pending = False
        self._sync_handle = None
        self._last_sync = time.monotonic()
        main = self.main
        if main is None or not main.is_mounted or textual_private.closing(self):
            return  # (closing: the screen's widgets go one by one)
        self._sync_main(main)

    def _sync_main(self, main: MainScreen) -> None:
        log_view = main.log_view
        windows = self.client.windows
        active = windows.active
        if not self._watching_log:
            # the log learns how much is below the view a frame after a scroll
            self._watching_log = True
            self.watch(log_view, "lines_below", lambda _n: self._schedule_sync(), init=False)
        switched = active is not self._shown_window
        if switched:
            self._shown_window = active
            main.show_window(active, self._roster_of(active))
            in_room = active.kind is WindowKind.ROOM
            main.input_line.set_completion(
                self.client.registry, self._completion_providers(),
                line_start_kind="nick" if in_room else None, text_kind="nick" if in_room else None)
            main.input_line.last_own_message = partial(self.client.last_own_message, active)
            if main.input_line.paste_policy is not self.paste_policy:
                main.input_line.set_paste_policy(self.paste_policy)
            main.input_line.paste_target = lambda: active.target or active.name
            main.input_line.paste_window = lambda: active
        else:
            if self._cleared:
                log_view.notify_cleared()
            if self._appended:
                log_view.notify_appended()
        self._appended = self._cleared = False
        if self._reveal is not None:
            line, self._reveal = self._reveal, None
            self.call_after_refresh(main.log_view.reveal, line)
        # How the conversation in view is encrypted: the status bar says it,
        # and while it is, the log marks what went in clear.
        encryption = self.client.encryption_in(active) if active.is_conversation else None
        log_view.set_mark_clear(encryption is not None)
        main.sync_roster(self._roster_of(active))
        blog_view = self.client.blog_windows.view_of(active)
        main.sync_blog(blog_view, self.client.blog_windows.model_of(blog_view.account) if blog_view else None)
        room = self._room_of(active)
        main.sync_room(active, room, force=self.client.flag_lookalikes(active),
                       presence=self.client.presence_in(active))
        main.window_bar.show_windows(list(windows), active, self._encrypted_windows())
        main.status_bar.show_status(
            [a.session.status for a in self.client.accounts], log_view.lines_below,
            presences={a.jid: a.presence.describe() for a in self.client.accounts},
            typing=self.client.typing_in(active),
            encryption=(encryption or PLAINTEXT) if active.is_conversation else None,
        )
        # App.title is no part of the screen (the title bar is ours, the notifier writes the
        # terminal's): set without the repaint of the whole screen the reactive asks for
        # (a window switch drew it twice; each unread count's change once more)
        self.set_reactive(App.title, self.notifier.show_title(windows, active))
        if switched:
            # the switch's layout (a room's nick list appearing) drawn as soon
            # as it is asked for, not at the screen's next tick
            # (textual_private.lay_out_soon; a switch without one: at the tick)
            textual_private.lay_out_soon(log_view)

    def _completion_providers(self) -> dict:
        client = self.client

        def windows(_prefix: str):
            for window in client.windows:
                yield str(window.number)

        def contacts(prefix: str):  # roster names, unique local parts, JIDs: what the commands take
            return client.contact_words(prefix, client.windows.active)

        def recipients(prefix: str):  # /msg, /query, /whois: in a room, its nicks too
            return client.contact_words(prefix, client.windows.active, nicks=True)

        contacts.chosen = recipients.chosen = True  # type: ignore[attr-defined]  # they match names themselves

        def accounts(_prefix: str):
            return [a.jid for a in client.accounts]

        def nicks(_prefix: str):
            room = self._room_of(client.windows.active)
            return room.completion_nicks() if room is not None else []

        nicks.ordered = True  # type: ignore[attr-defined]  # recent speakers first, not alphabetical

        return {"window": windows, "jid": contacts, "recipient": recipients, "account": accounts, "nick": nicks}

    # -- input ---------------------------------------------------------------------
    def on_input_line_entered(self, event) -> None:
        # Lines run one at a time, in order, off the message loop: a command
        # that waits on the server (/join, /roster add) or on a screen
        # (/configure) never holds back the keys typed meanwhile.
        # Each goes to the window it was typed in, even when an earlier line
        # (/msg, /join) moves the focus before it runs.
        window = event.window if event.window is not None else self.client.windows.active
        # The Enter's frame waits (briefly) for what the line shows: a
        # message once stored and sent; a command's first step only (its
        # answer, a window it opens — not a room's join or a search it then
        # waits for); nothing when it waits behind another line.
        idle = self._input_worker is None or self._input_worker.done()
        whole_run = idle and not self.client.is_command(event.value)  # a message, run at once
        self._entered.put_nowait((event.value, event.correction, window, event.shown if whole_run else None))
        for value in event.more:
            self._entered.put_nowait((value, False, window, None))
        self._run_entered_soon()
        if event.shown is not None and not whole_run:  # (after the line's first step, queued before this)
            asyncio.get_running_loop().call_soon(self._show_entered, event.shown)

    def _run_entered_soon(self) -> None:
        """The lines queued run, in order, in one task (started if none runs)."""
        if self._input_worker is None or self._input_worker.done():
            self._input_worker = asyncio.ensure_future(self._run_entered())

    async def _run_entered(self) -> None:
        while not self._entered.empty():
            value, correction, window, shown = self._entered.get_nowait()
            if window not in self.client.windows:
                window = None  # closed meanwhile (/part, /close): the active one
            try:
                await self.client.handle_input(value, window, correction=correction)
            except Exception:  # handle_input reports command failures itself; this is a bug
                log.exception("input line failed")
                self.client.error("That failed unexpectedly (details in the log)")
            finally:
                if shown is not None:
                    self._show_entered(shown)

    def on_blog_pane_command(self, event) -> None:
        """A key of the blog pane (Enter, e, d, c): its command, run as if
        typed in the blog window, in order with the lines typed."""
        self._entered.put_nowait((event.text, False, self.client.windows.active, None))
        self._run_entered_soon()

    def on_input_line_notice(self, event) -> None:
        if event.error:
            self.client.error(event.text)
        else:
            self.client.info(event.text)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Every text field's cursor (the input line, the composer, a prompt's,
        a form's) is steady unless ``[ui] cursor_blink``: Textual draws its
        own, so a blinking one is its field redrawn twice a second for as
        long as it has the focus — bytes to an idle terminal, a tmux window
        with monitor-activity never quiet (Irssi and Poezio write nothing
        while nothing happens). Set as it gets the focus: blinking starts
        only then."""
        if hasattr(type(event.widget), "cursor_blink"):  # Input, TextArea and theirs
            event.widget.cursor_blink = self.config is not None and self.config.ui.cursor_blink  # type: ignore[attr-defined]

    def on_input_changed(self, event) -> None:
        # our chat state (XEP-0085): composing / paused / active
        self.client.user_typed(self.client.windows.active, event.value)

    def on_text_area_changed(self, event) -> None:
        from .widgets.composer import Composer  # loaded: a text area changed

        if isinstance(event.text_area, Composer):  # the multi-line input line
            self.client.user_typed(self.client.windows.active, event.text_area.text.strip())

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
        if main.blog_pane.display:  # a blog window: the keys page its pane
            main.blog_pane.page(where)
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
        # the page on screen at the next turn of the loop, not at the screen's
        # next tick (W5: PageUp 8-17 ms, of which up to a frame waiting for it)
        textual_private.draw_soon(log_view)
        self._schedule_sync()

    def action_log_scroll(self, where: str) -> None:
        self.scroll(where)

    async def edit_form(self, form, title: str | None = None):
        """``client.ui.edit_form``: show a XEP-0004 form (``DataForm``) and
        return the filled copy, or None when the user cancelled.

        The screen needs this app's message loop to receive keys, so the
        caller must not be that loop (a command run inline by
        ``on_input_line_entered``): waiting there would freeze the UI for
        good. Callers run in a task or worker; inline callers get an error."""
        from .form_screen import FormScreen

        if textual_private.in_message_loop(self):
            raise RuntimeError("edit_form awaited inside the app's message loop: run the caller in a task")
        done: asyncio.Future = asyncio.get_running_loop().create_future()

        def finished(result) -> None:
            if not done.done():
                done.set_result(result)

        await self.push_screen(FormScreen(form, title), finished)
        return await done

    async def ask_secret(self, prompt: str) -> str | None:
        """``client.ui.ask_secret``: a masked prompt; the text (already
        registered with add_secret), or None when cancelled. Like edit_form,
        not from inside the app's message loop: there it answers None (and
        logs why) rather than freeze the UI."""
        from .secret_prompt import SecretPrompt

        if textual_private.in_message_loop(self):
            log.warning("a secret was asked inside the app's message loop: not asked")
            return None
        textual_private.act_as(self)  # asked from a task the core started before the app (tui/launch.py)
        done: asyncio.Future = asyncio.get_running_loop().create_future()

        def finished(result) -> None:
            if not done.done():
                done.set_result(result)

        await self.push_screen(SecretPrompt(prompt), finished)
        return await done

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A screen that edits text (the blog composer: keeps_its_keys) keeps
        # PgUp/PgDn, Alt+digits, Ctrl+N/P…: the main screen's window and log
        # keys do not act behind it.
        if action in _MAIN_SCREEN_ACTIONS and getattr(self.screen, "keeps_its_keys", False):
            return False
        return super().check_action(action, parameters)

    async def compose_blog(self, composition):
        """``client.ui.compose_blog``: the blog composer on a Composition;
        the Draft to publish, or None. Like edit_form, not from inside the
        app's message loop."""
        from .blog_composer import BlogComposerScreen

        if textual_private.in_message_loop(self):
            raise RuntimeError("compose_blog awaited inside the app's message loop: run the caller in a task")
        done: asyncio.Future = asyncio.get_running_loop().create_future()

        def finished(result) -> None:
            if not done.done():
                done.set_result(result)

        await self.push_screen(BlogComposerScreen(composition), finished)
        return await done

    # -- roster ------------------------------------------------------------------------
    def _roster_of(self, window: Window):
        """The roster the roster views show: the account of ``window``."""
        return self.client.roster_of(window)

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

    # -- rooms ---------------------------------------------------------------------------
    def _room_of(self, window: Window):
        """The room a ROOM window shows (the MUC service's model), else None."""
        if window.kind is not WindowKind.ROOM:
            return None
        room_of = getattr(self.client, "room_of", None)
        return room_of(window) if room_of is not None else None

    def action_nicklist_toggle(self) -> None:
        main = self.main
        if main is not None:
            active = self.client.windows.active
            main.toggle_nick_list(active, self._room_of(active))

    # -- composing: the external editor and the clipboard ----------------------------
    async def edit_text(self, text: str | None = None) -> str | None:
        """``client.ui.edit_text``: $VISUAL/$EDITOR on ``text`` (None: the
        input line's text), the screen suspended; the result goes into the
        input line, not sent. None when it failed (one error line; the input
        line keeps its text). Await it from a task, not the message loop."""
        main = self.main
        if main is None:
            return None
        if self._editing:
            self.client.error("The editor is already open")
            return None
        input_line = main.input_line
        self._editing = True
        try:
            result = await editor.edit_text(input_line.value if text is None else text,
                                            self.editor_runner or editor.suspended_runner(self))
        except editor.EditorError as exc:
            self.client.error(str(exc))
            return None
        finally:
            self._editing = False
        input_line.value = result
        input_line.cursor_position = len(result)
        input_line.focus()
        return result

    async def copy_text(self, text: str) -> str:
        """``client.ui.copy_text``: OSC 52 and the system clipboard; says which."""
        return await clipboard.copy_text(self, text)

    def action_edit_external(self) -> None:
        # a worker: the editor must not be awaited inside the message loop
        self.run_worker(self.edit_text(), group="editor", exit_on_error=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            keys_first.key_arrived()
            self._echo_goes_to_the_line(event)
            if self._edit_chord(event.key):
                return
        await super().on_event(event)

    def _echo_goes_to_the_line(self, key: events.Key) -> None:
        """A key echoed ahead (screens/echo_ahead.py) that will not reach the
        main screen's line (a prompt opened since it was typed, the line
        hidden): its echo is taken back, the screen drawn again."""
        echo = self.echo_ahead
        if echo is not None and echo.echoed(key) and not _typing_goes_to_the_line(self, echo):
            echo.missed(key)
            self.refresh(repaint=True, layout=True)

    def _edit_chord(self, key: str) -> bool:
        """Ctrl+X Ctrl+E (bash, readline, zsh) in the input line: edit it in
        $EDITOR. Textual has no key chords: Ctrl+X arms for CHORD_SECONDS.
        True when the key is consumed. Ctrl+X still cuts a selection; with
        none it is swallowed (Input's cut would empty the clipboard)."""
        if key not in ("ctrl+x", "ctrl+e"):
            self._chord_armed_at = None
            return False
        main = self.main
        if main is None or self.screen is not main or self.focused is not main.input_line:
            self._chord_armed_at = None
            return False
        now = time.monotonic()
        if key == "ctrl+x":
            self._chord_armed_at = now
            return main.input_line.selection.is_empty
        armed, self._chord_armed_at = self._chord_armed_at, None
        if armed is not None and now - armed <= CHORD_SECONDS:
            self.action_edit_external()
            return True
        return False  # a plain Ctrl+E: end of line

    def action_redraw(self) -> None:
        self.refresh(repaint=True, layout=True)

    # -- quitting ------------------------------------------------------------------
    def on_unmount(self) -> None:
        if self.collector is not None:
            self.collector.stop()
        if self._sync_handle is not None:
            self._sync_handle.cancel()
        self.terminal_watch.stop()
        self.notifier.stop()  # the user's terminal title back, while the driver still writes

    def _on_quit_requested(self, event: QuitRequested) -> None:
        self.run_worker(self._quit(event.message), exclusive=True, group="quit")

    def get_driver_class(self):
        driver = super().get_driver_class()
        return TerminalDriver if driver is LinuxDriver else driver

    def terminal_lost(self) -> None:
        """Called by TerminalDriver when the terminal failed (a write, or its input ended)."""
        self.terminal_watch.lost()

    def _terminal_gone(self, reason: str, status: int) -> None:
        """SIGHUP/SIGTERM or a hung-up terminal: leave as /quit does."""
        log.info("leaving: %s", reason)
        self.run_worker(self._quit("Parlons", status), exclusive=True, group="quit")

    async def _quit(self, message: str, status: int = 0) -> None:
        self._quitting = True
        await self.client.accounts.disconnect_all(message or "Parlons")
        self.exit(status)


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
    "nicklist.toggle": "nicklist_toggle",
    "app.command_palette": "command_palette",
    "input.edit_external": "edit_external",
}


_MAIN_SCREEN_ACTIONS = {"window_goto", "window_prev", "window_next", "window_next_activity", "log_scroll",
                        "roster_toggle", "nicklist_toggle"}


def _key_frame_first(screen: Screen) -> float:
    """Seconds a frame of ``screen`` waits for a key on its way to the input
    line (whose own frame comes first: screens/keys_first.py); a key for
    anything else does not hold its frames."""
    wait = keys_first.key_on_its_way()
    if wait and isinstance(screen, MainScreen) and screen.focused is screen.input_line:
        return wait
    return 0.0


def _echo_displayed(app: App) -> None:
    """After each frame: where the typed characters echoed ahead go next
    holds from this frame's last write on — while the main screen's line
    has the focus (screens/echo_ahead.py)."""
    echo = getattr(app, "echo_ahead", None)
    driver = textual_private.driver_of(app)
    if echo is not None and driver is not None:
        echo.displayed(getattr(driver, "frames", 0), _typing_goes_to_the_line(app, echo))


def _typing_goes_to_the_line(app: App, echo: EchoAhead) -> bool:
    """Does a key typed now go to the main screen's input line (the one
    ``echo`` serves), shown?"""
    screen = app.screen
    line = screen.focused
    return (isinstance(screen, MainScreen) and isinstance(line, InputLine) and line.echo_ahead is echo
            and line.display)


async def run_face(config: Config | None, config_path: Path | None = None, early: Early | None = None) -> int:
    """The real app, in the running loop (tui/launch.py), taking over
    ``early``'s client when the accounts started before it."""
    app = ParlonsApp(config, config_path, early=early)
    # the real app only (test processes keep CPython's collector as is, and
    # read the server without waiting for keys)
    app.collector = Collector(last_key=keys_first.last_key)
    pacing.hold_slices_with(keys_first.key_on_its_way)  # a key on its way goes before the server's next slice
    textual_private.hold_frames_with(_key_frame_first)  # ... and before a frame of anything else
    sys.setswitchinterval(keys_first.SWITCH_INTERVAL)  # ... and is parsed without waiting 5 ms for the lock
    textual_private.hear_keys_on_the_input_thread(keys_first.key_arrived)  # ... from when it is parsed
    textual_private.hear_keys_on_the_input_thread(app.collector.key_heard)  # no full collection from the first key
    app.echo_ahead = EchoAhead()  # ... and typing shows before the loop hears of it
    textual_private.see_reads_on_the_input_thread(app.echo_ahead.read)
    textual_private.after_each_display(_echo_displayed)
    result = await app.run_async()
    return result if isinstance(result, int) else (app.return_code or 0)
