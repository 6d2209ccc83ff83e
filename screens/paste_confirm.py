"""The paste prompt (Irssi's): send as one message, edit, send line by line, cancel.

It sits over the input line at the bottom of the screen.  The preview is
pasted — untrusted — text: it is built into ``Text`` objects, never markup.
"""

from __future__ import annotations

import asyncio
from typing import Callable, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.paste import Decision, key_text
from tui.text import sanitize_line

from . import textual_private

PREVIEW_LINES = 2  # first and last lines shown
PREVIEW_WIDTH = 100

# What dismiss() returns
SEND_ONE = "one"
SEND_EACH = "each"
EDIT = "edit"


def prompt_text(decision: Decision, target: str) -> Text:
    count = len(decision.lines)
    text = Text()
    text.append(f"Paste {decision.describe()} to ", style="bold")
    text.append(sanitize_line(target), style="bold")
    text.append("? ", style="bold")
    text.append("Enter send as one message · Ctrl+E edit · "
                f"Ctrl+S send as {count} messages · Esc cancel")
    if decision.warning:
        text.append("\n")
        text.append(decision.warning, style="bold red")
    lines = decision.lines
    shown = lines if len(lines) <= 2 * PREVIEW_LINES else \
        lines[:PREVIEW_LINES] + [f"… {len(lines) - 2 * PREVIEW_LINES} more lines …"] + lines[-PREVIEW_LINES:]
    for line in shown:
        line = sanitize_line(line)
        text.append("\n  │ ", style="dim")
        text.append(line[:PREVIEW_WIDTH] + ("…" if len(line) > PREVIEW_WIDTH else ""))
    return text


# The keys that answer, and what each answer is.
ANSWERS = {"enter": SEND_ONE, "ctrl+e": EDIT, "ctrl+s": SEND_EACH, "escape": None}


class PasteConfirmScreen(ModalScreen[str | None]):
    """Asks what to do with a paste.

    A raw paste (a terminal without bracketed paste) may still be arriving
    when the prompt opens: the reader thread, competing for the GIL, reads a
    long one in pieces, and over a slow link (SSH across the world) a long
    paste comes in flights a round trip apart.  Keys that come less than
    ``gap`` after the paste's last key are the rest of it; so is a burst —
    keys less than ``burst`` apart, one terminal write — whenever it comes:
    they join the paste shown (and sent), and never answer the prompt
    (before this, a long raw paste's own final Enter answered "send as one
    message" for its first piece, and a later flight's first Enter did so
    too, dropping the flight's text).  A prompt is answered by a key
    pressed alone once the paste is over: such a key is held ``gap``
    (imperceptible) to see whether another follows it at paste speed —
    then both are more of the paste."""

    # Shown in the footer/help; the keys are handled in _on_key (a binding
    # cannot tell a key of the paste from an answer).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose('one')", "Send as one message"),
        Binding("ctrl+e", "choose('edit')", "Edit"),
        Binding("ctrl+s", "choose('each')", "Send line by line"),
        Binding("escape", "choose(None)", "Cancel"),
    ]

    DEFAULT_CSS = """
    PasteConfirmScreen { align: left bottom; background: $background 0%; }
    PasteConfirmScreen #paste-prompt {
        width: 100%; height: auto; max-height: 12;
        background: $panel; border-top: solid $warning; padding: 0 1;
    }
    """

    def __init__(self, decision: Decision, target: str, *,
                 arriving_since: float | None = None, gap: float = 0.0, burst: float = 0.0,
                 grow: Callable[[str], Decision] | None = None) -> None:
        """``arriving_since``: the time of the raw paste's last key (None:
        a bracketed paste, complete); keys less than ``gap`` apart from then
        on are more of it, and so are keys less than ``burst`` apart at any
        time (0: none, every key alone); ``grow(more)`` is the decision to
        show for the paste with ``more`` added."""
        super().__init__()
        self.decision = decision
        self.target = target
        self._last_key = arriving_since
        self._gap = gap
        self._burst = burst if arriving_since is not None else 0.0
        self._grow = grow
        self.more: list[str] = []
        self._previous: float | None = arriving_since  # the last key seen here (its time)
        # a key that came alone (so far): held until no key follows it at
        # paste speed; then an answer if it may answer, else dropped
        self._alone: tuple[events.Key, bool] | None = None
        self._alone_timer: asyncio.TimerHandle | None = None
        self._answered = False

    def compose(self) -> ComposeResult:
        yield Static(prompt_text(self.decision, self.target), id="paste-prompt")

    def collect(self, event: events.Key, may_answer: bool = False) -> bool:
        """True if ``event`` is one more key of the paste (taken into it).
        Otherwise it came alone: it answers (``may_answer``: pressed on the
        prompt, seen) or is dropped — at once, or, when bursts join the
        paste, once no key followed it at paste speed."""
        previous, self._previous = self._previous, event.time
        arriving = self._last_key is not None and event.time - self._last_key < self._gap
        in_burst = self._burst > 0 and previous is not None and event.time - previous < self._burst
        if not arriving and not in_burst:
            self._last_key = None  # the paste is over: only a burst joins it now
            self._settle_alone()
            if self._burst > 0:
                self._alone = (event, may_answer)
                self._alone_timer = textual_private.call_after(self, self._gap, self._settle_alone)
            elif may_answer:
                self._answer(event)
            return False
        alone = self._take_alone()
        if alone is not None:
            self._add(alone)  # it came at paste speed with this key: more of the paste
        self._add(event)
        return True

    def _add(self, event: events.Key) -> None:
        self._last_key = event.time
        text = key_text(event.key, event.character, event.is_printable)
        if text and self._grow is not None:
            self.more.append(text)
            self.decision = self._grow("".join(self.more))
            if self.is_mounted:
                self.query_one("#paste-prompt", Static).update(prompt_text(self.decision, self.target))

    def _take_alone(self) -> events.Key | None:
        if self._alone_timer is not None:
            self._alone_timer.cancel()
            self._alone_timer = None
        alone, self._alone = self._alone, None
        return alone[0] if alone is not None else None

    def _settle_alone(self) -> None:
        """The key held came alone after all: an answer, if it may answer."""
        may_answer = self._alone is not None and self._alone[1]
        alone = self._take_alone()
        if alone is not None and may_answer:
            self._answer(alone)

    def _answer(self, event: events.Key) -> None:
        if event.key in ANSWERS and not self._answered:
            self._answered = True
            self.action_choose(ANSWERS[event.key])

    async def _on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.collect(event, may_answer=True)

    def _on_unmount(self) -> None:
        self._take_alone()

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
