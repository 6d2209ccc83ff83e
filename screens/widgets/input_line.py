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

Every key goes through the paste guard first (:mod:`.paste_guard`): pastes
never submit anything by themselves, and a burst of keys is held until it is
known to be typing.  Alt+Enter and Ctrl+J open the multi-line composer
(:mod:`.composer`) below the line.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ClassVar, Mapping

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.commands.completion import Completer, Providers
from tui.commands.registry import Registry
from tui.core import pacing
from tui.core.windows import Window, WindowKind
from tui.paste import PASSWORD_REFUSED_TYPED

from .. import keys_first
from ..echo_ahead import BACKSPACE, EchoAhead, LineView
from ..textual_private import bound_above, character_to_key, cursor_shown, draw_soon, restart_cursor_blink
from .paste_guard import PasteGuardedInput

if TYPE_CHECKING:  # imported when first opened (Textual's TextArea: ~0.5 MiB, 11 modules)
    from .composer import Composer

HISTORY_LIMIT = 1000

# Keys that add a line: in the input line they open the composer, where
# (as in the blog composer) they add one.
NEWLINE_KEYS = ("alt+enter", "ctrl+j")

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

PROMPT_NAME_MAX = 16  # a long contact name is cut: the line is for typing
CORRECTING = "correcting"  # the prompt's word while Up's last message is being edited


def prompt_target(window: Window) -> str:
    """What the prompt names, as Irssi does: ``bob`` (a contact's name or
    local part: the window's name), ``#lounge`` (a room's local part),
    ``(status)`` for the status window and any window that is no
    conversation."""
    name = window.name
    if len(name) > PROMPT_NAME_MAX:
        name = name[: PROMPT_NAME_MAX - 1] + "…"
    if window.kind is WindowKind.ROOM:
        return name if name.startswith("#") else f"#{name}"
    if window.kind is WindowKind.CHAT:
        return name
    return f"({name})"


NARROW_TAIL_MAX = 256  # a Backspace echo ahead reaches no further back (screens/echo_ahead.py)


def narrow_tail(value: str) -> int:
    """How many characters at the end of ``value`` are one cell wide each."""
    count = 0
    for character in reversed(value[-NARROW_TAIL_MAX:]):
        if cell_len(character) != 1:
            break
        count += 1
    return count


class InputPrompt(Widget):
    """The input line's prompt: ``[bob]``, ``[#lounge]``, ``[(status)]``;
    ``[bob] correcting:`` while the last message is being corrected (said
    in words, not only by the line's colour). Text, never markup: a
    window's name is untrusted."""

    DEFAULT_CSS = """
    InputPrompt { width: auto; height: 1; padding: 0 0 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.target = ""
        self.correcting = False

    def show_target(self, target: str) -> None:
        if target != self.target:
            self.target = target
            self.refresh(layout=True)

    def show_correcting(self, correcting: bool) -> None:
        if correcting != self.correcting:
            self.correcting = correcting
            self.refresh(layout=True)

    @property
    def plain(self) -> str:
        return self.render().plain

    def render(self) -> Text:
        text = Text(no_wrap=True)
        text.append(f"[{self.target}]")
        if self.correcting:
            text.append(" ")
            text.append(CORRECTING, "bold reverse")
            text.append(":")
        return text


class InputLine(PasteGuardedInput, inherit_bindings=False):
    """One-line input with Irssi habits.  Post :class:`InputLine.Entered`."""

    # Clipboard keys stay bindings: they are never part of a burst, and Ctrl+C
    # with nothing selected must fall through to the app (SkipAction).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+x", "cut", "Cut selected text", show=False),
        Binding("ctrl+c,super+c", "copy", "Copy selected text", show=False),
        Binding("ctrl+v", "paste", "Paste text from the clipboard", show=False),
    ]

    # Input sets its virtual size (the text's width) on every key, and on a
    # Widget that reactive lays the whole screen out again: a layout pass per
    # key typed (9-15 ms of a key's echo on a loaded machine).  The line's own
    # size never depends on its text (one row, the width it is given), so a
    # repaint is enough; its horizontal scroll reads the virtual size directly.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

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
        # Done by whoever runs the line (the app) once it has run and shows:
        # the Enter's frame waits for it, briefly (textual_private.draw_soon).
        shown: asyncio.Future | None = None

        @property
        def control(self) -> "InputLine":
            return self.input_line

    @dataclass
    class Correcting(Message):
        """The line started (or stopped) correcting our last message."""

        input_line: "InputLine"
        correcting: bool

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
        self._entered_shown: asyncio.Future | None = None  # the line this key submitted: shown when done
        self._history: list[str] = history if history is not None else []
        self._history_index: int | None = None  # None: editing a new line
        self._draft = ""
        # Up on an empty line in a conversation: our last message, to correct
        # (Gajim, Conversations). The app sets this per window.
        self.last_own_message: Callable[[], str | None] | None = None
        self.correcting = False
        self.composer: Composer | None = None
        # Set on the main screen's line by the real app (None: nothing echoed ahead).
        self.echo_ahead: EchoAhead | None = None

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
        if self.echo_ahead is not None:
            self.echo_ahead.took(event)
        self._entered_shown = None
        if not await self.guard_key(event):  # a paste, a burst held, a typed Enter
            await self._handle_key(event)
        # the key on screen at the next turn of the loop (Input inserts it after
        # this handler), not at the screen's next tick behind a flood's work;
        # then the server's slices need not wait for it any more.
        self._draw_soon(then=self._key_drawn)

    # -- keys echoed ahead of the loop (screens/echo_ahead.py) ------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        strips = super().render_lines(crop)
        echo = self.echo_ahead
        if echo is None or not strips:
            return strips
        strips = list(strips)
        strips[0] = echo.drawn(self._echo_view(crop, strips[0]), strips[0], self.app.console)
        return strips

    def _echo_view(self, crop: Region, strip: Strip) -> LineView:
        region, content = self.region, self.content_region
        eligible = (
            self.has_focus and self.screen.is_current and self.display and not self.password
            and self.selection.is_empty and self.cursor_at_end and "\t" not in self.value
            and self.scroll_offset.x == 0 and self.typing_shows()
            and crop.x == 0 and crop.y == 0 and strip.cell_length == region.width
        )
        return LineView(
            eligible=eligible, screen=(self.app.size.width, self.app.size.height), row=region.y, left=region.x,
            cursor=content.x - region.x + cell_len(self.value), width=region.width,
            right_gutter=region.right - content.right, cursor_visible=cursor_shown(self),
            text_start=content.x - region.x, style=self.rich_style, narrow=narrow_tail(self.value),
        )

    def echo_refused(self) -> str:
        """The keys the input thread must not echo: printable ones a screen
        or app binding takes first (a key map may bind one), and Backspace
        unless it deletes a character here."""
        refused = [c for c in map(chr, range(0x20, 0x7f)) if bound_above(self, character_to_key(c))]
        if self.edit_keys.get("backspace") != ("delete_left",) or bound_above(self, "backspace"):
            refused.append(BACKSPACE)
        return "".join(refused)

    def _draw_soon(self, then: Callable[[], None] | None = None) -> None:
        """The line at the next turn of the loop, alone (a key's echo) — or,
        when a line was just submitted, with what that line shows, in one
        frame (briefly waited for: textual_private.draw_soon's ``after``).
        Not during a flood: the line would wait behind the flood's batches
        in the account's queue, and the cleared line with it (under tmux,
        a room's flood: cleared 3.6 → 7.8 ms median, the message no sooner)."""
        shown, self._entered_shown = self._entered_shown, None
        if shown is not None and pacing.backlogged():
            shown = None
        draw_soon(self, then=then, alone=shown is None, after=shown)

    def _pending_check(self) -> None:
        # An Enter that came right after a burst is settled here, by a timer
        # (paste_guard.PENDING_CHECK), not by a key: its line drawn the same way.
        self._entered_shown = None
        super()._pending_check()
        if self._entered_shown is not None:
            self._draw_soon()

    def _key_drawn(self) -> None:
        keys_first.key_drawn()
        registry = self.completer.registry
        if registry is not None and self.value.startswith("/"):
            registry.prepare()  # a command on its way: the commands now, once, not at its Enter

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
            if self._goes_to_app(event.key):
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

    def _goes_to_app(self, key: str) -> bool:
        """A legacy Alt key (ESC+digit read as "¡", "£"...) that the screen
        or the app binds (after the keymap): not text, a binding."""
        return key in LEGACY_ALT_KEYS and bound_above(self, key)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Tell Textual which keys this widget takes, so that the footer and
        the binding chain do not offer app bindings it shadows."""
        if key in self.edit_keys:
            return True
        if self._goes_to_app(key):
            return False
        return super().check_consume_key(key, character)

    # -- the multi-line composer ----------------------------------------------
    def open_composer(self, insert: str) -> None:
        """Continue in the multi-line composer with the line's text and
        ``insert`` at the cursor."""
        text = self.value[: self.cursor_position] + insert + self.value[self.cursor_position:]
        if self.composer is None:
            from .composer import Composer

            self.composer = Composer(self)
            parent = self.parent
            assert isinstance(parent, Widget), "the input line is mounted in a container"
            parent.mount(self.composer, after=self)
        self.value = ""
        self.composer.open(text)
        self.display = False

    def composer_closed(self) -> None:
        self.display = True
        self.focus()

    # -- what the paste guard lets through (see PasteGuardedInput) -------------
    def _notice(self, text: str, error: bool = True) -> None:
        self.post_message(self.Notice(self, text, error))

    def _entered(self, value: str, *, more: tuple[str, ...] = (), window: object | None = None) -> None:
        self.post_message(self.Entered(self, value, more=more, window=window))

    # -- Enter -----------------------------------------------------------
    def submit(self, window: object | None = None) -> None:
        """Post ``Entered`` for a non-blank line, record it in the history
        and clear the line.  A blank line is just cleared.  ``window``: where
        it goes, when not the window active as it is handled."""
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
        self._entered_shown = asyncio.get_running_loop().create_future()
        self.post_message(self.Entered(self, value, correction, window=window, shown=self._entered_shown))

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
            self.post_message(self.Correcting(self, False))

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
                self.post_message(self.Correcting(self, True))
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

