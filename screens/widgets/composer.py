"""The composer: the input line grown to a few lines, for a multi-line message.

Alt+Enter or Ctrl+J in the input line (or "edit" on a paste prompt) opens it
below the line with the line's text; Enter sends the whole text as one
message, through the input line's ``Entered`` message, and gives the focus
back to the line. It shares the line's paste guard: the same burst detector,
loop-lag watch and paste policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widgets import TextArea

from tui.paste import PASSWORD_REFUSED, PASSWORD_REFUSED_TYPED, Verdict

from .input_line import NEWLINE_KEYS

if TYPE_CHECKING:
    from .input_line import InputLine


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
        """``input_line``: the InputLine this composer continues (its paste
        guard, its messages, ``composer_closed``)."""
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
        line.watch_the_loop(event)
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

    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.input_line.bursts.bracketed()
        decision = self.input_line.paste_policy.decide(event.text)
        if decision.verdict is Verdict.REFUSE:
            self.post_message(self.input_line.Notice(self.input_line, PASSWORD_REFUSED))
        elif decision.text:
            self.replace(decision.text, *self.selection)
