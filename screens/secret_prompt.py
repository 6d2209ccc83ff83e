"""Ask a secret (an OpenPGP key's passphrase): a masked input line.

Enter dismisses with the text, Escape with None. The text is registered
with tui.logging_setup.add_secret the moment it is read, and the screen
keeps no copy: the input is cleared before the screen goes.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.logging_setup import add_secret
from tui.text import sanitize_line


class SecretPrompt(ModalScreen[str | None]):
    DEFAULT_CSS = """
    SecretPrompt {
        align: center middle;
    }
    SecretPrompt #secret-body {
        width: 70;
        max-width: 100%;
        height: auto;
        border: round $accent;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="secret-body"):
            yield Static(Text(sanitize_line(self.prompt)), id="secret-prompt")
            yield Input(password=True, id="secret-input")
            yield Static(Text("Enter: use it · Escape: cancel"), id="secret-hint")

    def on_mount(self) -> None:
        self.query_one("#secret-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        secret = event.value
        add_secret(secret)
        event.input.value = ""
        self.dismiss(secret)

    def action_cancel(self) -> None:
        self.query_one("#secret-input", Input).value = ""
        self.dismiss(None)
