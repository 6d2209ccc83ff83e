"""The paste prompt (Irssi's): send as one message, edit, send line by line, cancel.

It sits over the input line at the bottom of the screen.  The preview is
pasted — untrusted — text: it is built into ``Text`` objects, never markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.paste import Decision
from tui.text import sanitize_line

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


class PasteConfirmScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose('one')", "Send as one message", priority=True),
        Binding("ctrl+e", "choose('edit')", "Edit", priority=True),
        Binding("ctrl+s", "choose('each')", "Send line by line", priority=True),
        Binding("escape", "choose(None)", "Cancel", priority=True),
    ]

    DEFAULT_CSS = """
    PasteConfirmScreen { align: left bottom; background: $background 0%; }
    PasteConfirmScreen #paste-prompt {
        width: 100%; height: auto; max-height: 12;
        background: $panel; border-top: solid $warning; padding: 0 1;
    }
    """

    def __init__(self, decision: Decision, target: str) -> None:
        super().__init__()
        self.decision = decision
        self.target = target

    def compose(self) -> ComposeResult:
        yield Static(prompt_text(self.decision, self.target), id="paste-prompt")

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
