"""The input line: Irssi editing keys, per-window history, Tab completion.

Every key this widget understands is handled directly in ``_on_key``, in the
order the keys arrive.  Textual's bindings run only after the key has
bubbled up to the App, i.e. *after* the next keys of a burst were already
handled by the widget: with the stock ``enter`` binding a pasted ``a⏎b⏎c⏎``
submitted three times the joined text, and ``ab<Ctrl+A>x`` could come out
``abx``.  So Enter, the editing keys, Up/Down and Tab never go through a
binding here.

Keys this widget does not handle (Ctrl+N/P, PageUp/PageDown, Alt+digits,
F-keys, Escape...) are left to bubble to the screen and app bindings: the
class does not inherit ``Input``'s/``ScrollableContainer``'s bindings, so
nothing here shadows PageUp/PageDown or Up/Down.

The value is plain text and is rendered by ``Input`` as text, never markup.

Pastes never submit anything by themselves (see ``tui.paste``): a bracketed
paste goes through the paste policy — inserted, refused, or confirmed in
``PasteConfirmScreen``.  Typed keys are typing, and every typed Enter
submits at once: a burst of keys (what a terminal without bracketed paste
makes of a paste, but also keys bunched by a slow link or by our own
stall) is held until it ends, then either typed as it came (its keys run
in order) or, only when it can be a paste, handed to the policy.  Alt+Enter
and Ctrl+J open the multi-line :class:`Composer` below the line.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from dataclasses import dataclass
from typing import Callable, ClassVar, Mapping

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, TextArea

from .. import terminal_modes
from ..textual_private import bound_above, character_to_key, event_clock, restart_cursor_blink
from tui.commands.completion import Completer, Providers
from tui.commands.registry import Registry
from tui.paste import (
    PASSWORD_REFUSED, PASSWORD_REFUSED_TYPED, Burst, BurstDetector, Decision, KeyKind, LoopLag,
    PastePolicy, Verdict, is_typing,
)

HISTORY_LIMIT = 1000

# In the legacy key encoding Textual turns ESC+digit (Alt+digit) into these
# macOS Option characters.  They are also characters people type (£ on a UK
# keyboard, º in Spanish), so the input lets them through to the app only
# when a screen/app binding actually uses them (the Irssi keymap does).
LEGACY_ALT_KEYS: frozenset[str] = frozenset(
    character_to_key(c) if not c.isalnum() else c for c in "§¡™£¢∞¶•ªº–≠"
)

# key -> (method name, *arguments).  Keys missing here bubble to the app.
DEFAULT_EDIT_KEYS: Mapping[str, tuple] = {
    "enter": ("submit",),
    "tab": ("complete",),
    "shift+tab": ("complete", True),
    "up": ("history_previous",),
    "down": ("history_next",),
    "left": ("cursor_left",),
    "shift+left": ("cursor_left", True),
    "ctrl+left": ("cursor_left_word",),
    "ctrl+shift+left": ("cursor_left_word", True),
    "right": ("cursor_right",),
    "shift+right": ("cursor_right", True),
    "ctrl+right": ("cursor_right_word",),
    "ctrl+shift+right": ("cursor_right_word", True),
    "home": ("home",),
    "ctrl+a": ("home",),
    "shift+home": ("home", True),
    "end": ("end",),
    "ctrl+e": ("end",),
    "shift+end": ("end", True),
    "ctrl+shift+a": ("select_all",),
    "backspace": ("delete_left",),
    "delete": ("delete_right",),
    "ctrl+d": ("delete_right",),
    "ctrl+u": ("kill_to_start",),
    "super+backspace": ("kill_to_start",),
    "ctrl+k": ("kill_to_end",),
    "ctrl+w": ("kill_word_back",),  # also what ESC DEL (Alt+Backspace) decodes to
    "alt+backspace": ("kill_word_back",),
    "ctrl+backspace": ("kill_word_back",),
    "alt+d": ("kill_word_forward",),
    "ctrl+y": ("yank",),
    "alt+b": ("cursor_left_word",),
    "alt+f": ("word_forward",),
}

_WORD = re.compile(r"\w+")

# The heartbeat that shows our own stalls (see tui.paste.LoopLag) runs while
# keys come, and stops this long after the last one.
HEARTBEAT = 0.01
HEARTBEAT_LINGER = 5.0
# A burst still held after this long shows a hint (a long raw paste arriving).
HELD_HINT_AFTER = 0.3
HELD_HINT = "… pasted text arriving"

NEWLINE_KEYS = ("alt+enter", "ctrl+j")


class InputLine(Input, inherit_bindings=False):
    """One-line input with Irssi habits.  Post :class:`InputLine.Entered`."""

    # Clipboard keys stay bindings: they are never part of a burst, and Ctrl+C
    # with nothing selected must fall through to the app (SkipAction).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+x", "cut", "Cut selected text", show=False),
        Binding("ctrl+c,super+c", "copy", "Copy selected text", show=False),
        Binding("ctrl+v", "paste", "Paste text from the clipboard", show=False),
    ]

    DEFAULT_CSS = """
    InputLine.-correcting { background: $warning 25%; }
    InputLine.-held { background: $accent 25%; }
    """

    @dataclass
    class Entered(Message):
        """Enter was pressed on a non-blank line (posted once per Enter)."""

        input_line: "InputLine"
        value: str
        # The line was our last message brought back by Up for editing: send
        # it as a correction (XEP-0308) rather than as a new message.
        correction: bool = False
        # More lines entered at once after ``value`` (a paste sent line by
        # line): they go to the same window, whatever ``value`` does.
        more: tuple[str, ...] = ()
        # Where it goes, when not the window active when it is handled: a
        # confirmed paste goes where its prompt said (the app's window object).
        window: object | None = None

        @property
        def control(self) -> "InputLine":
            return self.input_line

    @dataclass
    class Notice(Message):
        """Something the user must be told (a refused or cancelled paste)."""

        input_line: "InputLine"
        text: str
        error: bool = True

    def __init__(
        self,
        value: str | None = None,
        placeholder: str = "",
        *,
        history: list[str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        compact: bool = True,
    ) -> None:
        super().__init__(
            value,
            placeholder,
            name=name,
            id=id,
            classes=classes,
            compact=compact,
            # A chat line keeps its text on refocus; selecting it all would
            # make the next key replace the draft.
            select_on_focus=False,
        )
        self.edit_keys: dict[str, tuple] = dict(DEFAULT_EDIT_KEYS)
        self.completer = Completer()
        self.killed = ""  # the kill buffer Ctrl+Y yanks
        self._history: list[str] = history if history is not None else []
        self._history_index: int | None = None  # None: editing a new line
        self._draft = ""
        # Up on an empty line in a conversation: our last message, to correct
        # (Gajim, Conversations). The app sets this per window.
        self.last_own_message: Callable[[], str | None] | None = None
        self.correcting = False
        # Pastes: the app sets the policy (passwords, thresholds) and the target.
        self.paste_policy = PastePolicy()
        self.paste_target: Callable[[], str] = lambda: "this window"
        self.paste_window: Callable[[], object | None] = lambda: None  # the target itself
        self.bursts = BurstDetector(self.paste_policy.burst_ms)
        self._burst_timer: Timer | None = None
        self._undo: tuple[str, int] | None = None  # the line before the last text key
        self._last_text_key: events.Key | None = None
        self._held: list[events.Key] = []  # the keys of the burst being held
        self._hint_timer: Timer | None = None
        self._placeholder = placeholder  # restored when the held hint goes
        self.lag = LoopLag()
        self._heartbeat: asyncio.TimerHandle | None = None
        self._last_key_handled = 0.0
        self.composer: Composer | None = None
        # A paste prompt this line opened is waiting for its answer: keys that
        # were already on their way here (typed within a frame of the paste)
        # are dropped: a prompt is answered only once it has been seen.
        self.asking = False
        self._prompt = None  # the PasteConfirmScreen asking, if any

    def set_paste_policy(self, policy: PastePolicy) -> None:
        self.paste_policy = policy
        bracketed = self.bursts.pastes_bracketed
        self.bursts = BurstDetector(policy.burst_ms)
        if bracketed:
            self.bursts.bracketed()

    # -- wiring by the app ----------------------------------------------
    def set_history(self, history: list[str]) -> None:
        """Use ``history`` (the active window's list, appended to on Enter)."""
        self._history = history
        self._history_index = None
        self._draft = ""

    @property
    def history(self) -> list[str]:
        return self._history

    def set_completion(
        self,
        registry: Registry | None,
        providers: Providers | None = None,
        *,
        line_start_kind: str | None = None,
        text_kind: str | None = None,
    ) -> None:
        self.completer = Completer(
            registry, providers, line_start_kind=line_start_kind, text_kind=text_kind
        )

    # -- keys ------------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        if self.asking:
            # Keys that were on their way here when the prompt opened: the
            # rest of a raw paste joins it, anything else is dropped (a
            # prompt is answered only once it has been seen).
            event.stop()
            event.prevent_default()
            if self._prompt is not None:
                self._prompt.collect(event)
            return
        self._watch_the_loop(event)
        if await self._burst_key(event):
            event.stop()
            event.prevent_default()
            return
        await self._handle_key(event)

    async def _handle_key(self, event: events.Key, held: bool = False) -> None:
        """A key as typed.  ``held``: a key of a burst that turned out to be
        typing, run now (Input's own handler will not insert it)."""
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.open_composer("\n")
            return
        if event.key not in ("tab", "shift+tab"):
            self.completer.reset()
        if event.is_printable:
            if event.key in LEGACY_ALT_KEYS and self._bound_above(event.key):
                event.prevent_default()  # do not insert; bubble to the app binding
            elif held and event.character:
                if self.selection.is_empty:
                    self.insert_text_at_cursor(event.character)
                else:
                    self.replace(event.character, *self.selection)
            return  # Input._on_key inserts the character
        action = self._edit_action(event)
        if action is None:
            return  # not ours: bubble to the screen/app bindings
        event.stop()
        event.prevent_default()
        restart_cursor_blink(self)
        name, *arguments = action
        result = getattr(self, f"action_{name}")(*arguments)
        if inspect.isawaitable(result):
            await result

    def _edit_action(self, event: events.Key) -> tuple | None:
        for key in event.aliases:
            action = self.edit_keys.get(key)
            if action is not None:
                return action
        return None

    def _bound_above(self, key: str) -> bool:
        """Is ``key`` bound by the screen or the app (after the keymap)?"""
        return bound_above(self, key)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Tell Textual which keys this widget takes, so that the footer and
        the binding chain do not offer app bindings it shadows."""
        if key in self.edit_keys:
            return True
        if key in LEGACY_ALT_KEYS and self._bound_above(key):
            return False
        return super().check_consume_key(key, character)

    # -- bursts and pastes ----------------------------------------------------
    def _key_text(self, event: events.Key) -> str | None:
        """The text a key would add to a paste; None for other keys."""
        if event.key == "enter":
            return "\n"
        if event.key == "tab":
            return "\t"
        if event.is_printable and event.character and not (
                event.key in LEGACY_ALT_KEYS and self._bound_above(event.key)):
            return event.character
        return None

    async def _burst_key(self, event: events.Key) -> bool:
        """Feed the burst detector; True when the key was taken (held in a
        burst, or a typed Enter, submitted here)."""
        text = self._key_text(event)
        ended = self.bursts.interrupted(event.time)
        if ended is not None:  # a key after a pause: the burst before it is complete
            await self._end_burst(ended)
            if self.asking:  # it asks: this key is more of the paste, or dropped
                if self._prompt is not None:
                    self._prompt.collect(event)
                return True
        if text is None:
            if self.bursts.active:
                if self._edit_action(event) is not None:
                    self._held.append(event)  # runs if the burst is typing
                    return True
                await self._end_burst(self.bursts.take())  # then this key, as usual
            self.bursts.other_key(event.time)
            return False
        kind = self.bursts.key(text, event.time)
        if kind is KeyKind.CONTINUED:
            self._held.append(event)
            return True
        if kind is KeyKind.STARTED:
            # The previous key was the first of the burst: take it back.
            if self._undo is not None:
                self.value, self.cursor_position = self._undo
            self._undo = None
            self._held = [self._last_text_key, event] if self._last_text_key is not None else [event]
            self._arm_burst_timer()
            self._hint_timer = self.set_timer(HELD_HINT_AFTER, self._show_held_hint)
            return True
        self._undo = (self.value, self.cursor_position)
        self._last_text_key = event
        if text == "\n":
            self.submit()  # a typed Enter sends what was typed before it, now
            return True
        return False

    async def _end_burst(self, burst: Burst) -> None:
        """The burst is complete: typed as it came, or a paste."""
        held, self._held = self._held, []
        self._last_text_key = None
        self._hide_held_hint()
        if not is_typing(burst, self.lag):
            self.receive_paste(burst.text, arriving_since=burst.last)
        elif self.paste_policy.has_password(burst.text):
            self.post_message(self.Notice(self, PASSWORD_REFUSED))
        else:
            for key in held:
                await self._handle_key(key, held=True)

    def _arm_burst_timer(self) -> None:
        self._burst_timer = self.set_timer(self.bursts.remaining(event_clock()) + 0.001, self._burst_check)

    async def _burst_check(self) -> None:
        if not self.bursts.active:
            return  # ended by a later key already
        burst = self.bursts.finished(event_clock())
        if burst is None:
            self._arm_burst_timer()
        else:
            await self._end_burst(burst)

    def _show_held_hint(self) -> None:
        if self.bursts.active and not self.has_class("-held"):
            self._placeholder = self.placeholder
            self.add_class("-held")
            self.placeholder = HELD_HINT

    def _hide_held_hint(self) -> None:
        if self._hint_timer is not None:
            self._hint_timer.stop()
            self._hint_timer = None
        if self.has_class("-held"):
            self.remove_class("-held")
            self.placeholder = self._placeholder

    # -- our own stalls ----------------------------------------------------
    def _watch_the_loop(self, event: events.Key) -> None:
        """Note how late this key reached us, and keep the heartbeat going
        while keys come: both show stalls of our own (tui.paste.LoopLag).
        And whether the terminal has said it brackets pastes."""
        if not self.bursts.pastes_bracketed and terminal_modes.brackets_pastes(self.app):
            self.bursts.bracketed()  # the terminal said so (DECRQM): bursts are typing
        now = event_clock()
        self.lag.key(event.time, now)
        self._last_key_handled = now
        if self._heartbeat is None:
            self._beat_due(now + HEARTBEAT)

    def _beat_due(self, due: float) -> None:
        loop = asyncio.get_running_loop()
        self._heartbeat = loop.call_at(loop.time() + (due - event_clock()), self._beat, due)

    def _beat(self, due: float) -> None:
        now = event_clock()
        self.lag.beat(due, now)
        if now - self._last_key_handled > HEARTBEAT_LINGER or not self.is_attached:
            self._heartbeat = None
        else:
            self._beat_due(now + HEARTBEAT)

    def _on_mount(self) -> None:
        terminal_modes.ask(self.app)  # does it bracket pastes? (answered before the first paste)

    def _on_unmount(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.bursts.bracketed()  # this terminal brackets its pastes: bursts are typing
        self.receive_paste(event.text)

    def receive_paste(self, raw: str, arriving_since: float | None = None) -> None:
        """Pasted text: inserted, refused or confirmed — never sent as is.
        ``arriving_since``: a raw paste (a burst) whose last key came then;
        more of it may still be arriving."""
        decision = self.paste_policy.decide(raw)
        if decision.verdict is Verdict.REFUSE:
            self.post_message(self.Notice(self, PASSWORD_REFUSED))
        elif decision.verdict is Verdict.INSERT:
            if decision.text:
                if self.selection.is_empty:
                    self.insert_text_at_cursor(decision.text)
                else:
                    self.replace(decision.text, *self.selection)
        else:
            self.confirm_paste(raw, decision, arriving_since)

    def confirm_paste(self, raw: str, decision: Decision, arriving_since: float | None = None) -> None:
        """Ask what to do with a paste. It joins the draft at the cursor, as
        typed text would: the prompt shows, and sends, draft and paste
        together (a draft ``/msg bob `` takes the paste as its text); a
        cancelled paste leaves the draft as it was.  The rest of a raw paste
        arriving meanwhile joins it (see PasteConfirmScreen)."""
        from ..paste_confirm import EDIT, SEND_EACH, SEND_ONE, PasteConfirmScreen

        start, end = sorted(self.selection) if not self.selection.is_empty else (self.cursor_position,) * 2
        before, after = self.value[:start], self.value[end:]
        target, window = self.paste_target(), self.paste_window()

        def shown(pasted: Decision) -> Decision:
            return Decision(pasted.verdict, before + pasted.text + after, pasted.warning)

        def grown(more: str) -> Decision:
            return self.paste_policy.decide(raw + more)

        prompt = PasteConfirmScreen(shown(decision), target, arriving_since=arriving_since,
                                    gap=self.bursts.quiet, grow=lambda more: shown(grown(more)))

        def chosen(choice: str | None) -> None:
            self.asking = False
            self._prompt = None
            pasted = grown("".join(prompt.more))
            if pasted.verdict is Verdict.REFUSE:
                self.post_message(self.Notice(self, PASSWORD_REFUSED))
                return
            # pasted text starting the line is text: "/etc/hosts" is not a command
            whole = before + (pasted.text if before else literal(pasted.text)) + after
            if choice in (SEND_ONE, SEND_EACH):
                self.value = ""
            if choice == SEND_ONE:
                self.post_message(self.Entered(self, whole, window=window))
            elif choice == SEND_EACH:
                first, *rest = whole.split("\n")
                lines = [line for line in [first] + [literal(line) for line in rest] if line.strip()]
                if lines:
                    self.post_message(self.Entered(self, lines[0], more=tuple(lines[1:]), window=window))
            elif choice == EDIT:
                self.open_composer(pasted.text)
            else:
                self.post_message(self.Notice(self, "Paste cancelled.", error=False))

        self.asking = True
        self._prompt = prompt
        self.app.push_screen(prompt, chosen)

    # -- the multi-line composer ----------------------------------------------
    def open_composer(self, insert: str) -> None:
        """Continue in the multi-line composer with the line's text and
        ``insert`` at the cursor."""
        text = self.value[: self.cursor_position] + insert + self.value[self.cursor_position:]
        if self.composer is None:
            self.composer = Composer(self)
            self.parent.mount(self.composer, after=self)
        self.value = ""
        self.composer.open(text)
        self.display = False

    def composer_closed(self) -> None:
        self.display = True
        self.focus()

    # -- Enter -----------------------------------------------------------
    def submit(self) -> None:
        """Post ``Entered`` for a non-blank line, record it in the history
        and clear the line.  A blank line is just cleared."""
        value = self.value
        correction = self.correcting
        self._history_index = None
        self._draft = ""
        self.value = ""
        self._stop_correcting()
        if not value.strip():
            return
        if self.paste_policy.has_password(value):
            self.post_message(self.Notice(self, PASSWORD_REFUSED_TYPED))
            return
        if not self.password:
            self._remember(value)
        self.post_message(self.Entered(self, value, correction))

    async def action_submit(self) -> None:
        # Only reachable programmatically (there is no enter binding).
        self.submit()

    def _remember(self, value: str) -> None:
        history = self._history
        if not history or history[-1] != value:
            history.append(value)
        if len(history) > HISTORY_LIMIT:
            del history[: len(history) - HISTORY_LIMIT]

    # -- history -----------------------------------------------------------
    def _show(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)

    def _stop_correcting(self) -> None:
        if self.correcting:
            self.correcting = False
            self.remove_class("-correcting")

    def _on_input_changed(self, event) -> None:
        if self.correcting and not self.value:
            self._stop_correcting()  # emptied: back to a new message

    def action_history_previous(self) -> None:
        if self._history_index is None and not self.value and not self.correcting \
                and self.last_own_message is not None:
            text = self.last_own_message()
            if text:
                self.correcting = True
                self.add_class("-correcting")
                self._show(text)
                return
        self._stop_correcting()
        if not self._history:
            return
        if self._history_index is None:
            self._draft = self.value
            self._history_index = len(self._history) - 1
        elif self._history_index > 0:
            self._history_index -= 1
        else:
            return
        self._show(self._history[self._history_index])

    def action_history_next(self) -> None:
        if self._history_index is None:
            return
        self._history_index += 1
        if self._history_index >= len(self._history):
            self._history_index = None
            self._show(self._draft)
        else:
            self._show(self._history[self._history_index])

    # -- completion ----------------------------------------------------------
    def action_complete(self, backwards: bool = False) -> None:
        completion = self.completer.complete(self.value, self.cursor_position, backwards=backwards)
        if completion is not None:
            self.value = completion.text
            self.cursor_position = completion.cursor

    # -- kill and yank ---------------------------------------------------------
    def _kill(self, start: int, end: int) -> None:
        if not self.selection.is_empty:
            start, end = sorted(self.selection)
        if start == end:
            return
        if not self.password:  # a password never lands in the kill buffer
            self.killed = self.value[start:end]
        self.delete(start, end)

    def action_kill_to_start(self) -> None:
        self._kill(0, self.cursor_position)

    def action_kill_to_end(self) -> None:
        self._kill(self.cursor_position, len(self.value))

    def action_kill_word_back(self) -> None:
        """Irssi/readline Ctrl+W: back to the previous whitespace."""
        cursor = self.cursor_position
        start = cursor
        while start > 0 and self.value[start - 1].isspace():
            start -= 1
        while start > 0 and not self.value[start - 1].isspace():
            start -= 1
        self._kill(start, cursor)

    def _word_end(self) -> int:
        match = _WORD.search(self.value, self.cursor_position)
        return match.end() if match else len(self.value)

    def action_kill_word_forward(self) -> None:
        """Alt+D: to the end of the current or next word."""
        self._kill(self.cursor_position, self._word_end())

    def action_word_forward(self) -> None:
        """Alt+F: to the end of the current or next word (readline)."""
        self.cursor_position = self._word_end()

    def action_yank(self) -> None:
        if self.killed:
            if self.selection.is_empty:
                self.insert_text_at_cursor(self.killed)
            else:
                self.replace(self.killed, *self.selection)


def literal(text: str) -> str:
    """Pasted text is sent as text: a leading "/" does not run a command."""
    return "/" + text if text.startswith("/") else text


class Composer(TextArea):
    """The input line grown to a few lines, for a multi-line message.

    Enter sends the whole text as one message (unless it arrives at paste
    speed where a burst can be a paste: then it is a newline); Alt+Enter and
    Ctrl+J add a line."""

    DEFAULT_CSS = """
    Composer { height: auto; max-height: 6; border: none; padding: 0 1; display: none; }
    Composer:focus { border: none; }
    """

    def __init__(self, input_line: InputLine) -> None:
        super().__init__(compact=True, soft_wrap=True, show_line_numbers=False,
                         highlight_cursor_line=False)
        self.input_line = input_line
        self._last_key_time: float | None = None

    def open(self, text: str) -> None:
        self.text = text
        self.display = True
        self.move_cursor(self.document.end)
        self.focus()

    def close(self) -> None:
        self.text = ""
        self.display = False
        self.input_line.composer_closed()

    async def _on_key(self, event: events.Key) -> None:
        last, self._last_key_time = self._last_key_time, event.time
        line = self.input_line
        line._watch_the_loop(event)
        # An Enter at paste speed is a newline — only where a burst can be a
        # paste (no bracketed paste seen) and no stall of ours bunched it.
        pasted = line.bursts.on and last is not None and event.time - last < line.bursts.gap \
            and not line.lag.around(event.time)
        if event.key in NEWLINE_KEYS or (event.key == "enter" and pasted):
            event.stop()
            event.prevent_default()
            self.insert("\n")
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self.submit()

    def submit(self) -> None:
        text = self.text.rstrip("\n")
        line = self.input_line
        if line.paste_policy.has_password(text):
            self.post_message(line.Notice(line, PASSWORD_REFUSED_TYPED))
            self.close()
            return
        self.close()
        if text.strip():
            self.post_message(line.Entered(line, text))

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.input_line.bursts.bracketed()
        decision = self.input_line.paste_policy.decide(event.text)
        if decision.verdict is Verdict.REFUSE:
            self.post_message(self.input_line.Notice(self.input_line, PASSWORD_REFUSED))
        elif decision.text:
            self.replace(decision.text, *self.selection)
