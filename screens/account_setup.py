"""First-run form: one account → a private config file → the new Config.

Shown when there is no config file. It validates with the config loader's own
rules (tui.config.parse_account), writes the file with write_config (mode
0600) and dismisses with the Config read back from that file, so what the app
runs with is exactly what the next start will load. Escape dismisses with
None (the app then quits).

Error texts can quote what the user typed: they are shown as plain Text,
never parsed as markup.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from .field_keys import FIELD_FOCUS_BINDINGS

from tui.config import Config, ConfigError, load_config, parse_account, write_config
from tui.logging_setup import add_secret
from tui.paths import default_config_path

_FIELDS = ("jid", "password", "host", "port", "ca_file")


class AccountSetupScreen(Screen[Config | None]):
    # Label beside its field keeps the whole form within 80x24.
    DEFAULT_CSS = """
    AccountSetupScreen {
        align: center middle;
    }
    AccountSetupScreen #setup-form {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
    }
    AccountSetupScreen .setup-row {
        height: auto;
    }
    AccountSetupScreen .setup-row Label {
        width: 14;
        padding-top: 1;
    }
    AccountSetupScreen .setup-row Input {
        width: 1fr;
    }
    AccountSetupScreen #setup-error {
        color: $error;
        height: auto;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Quit", show=False), *FIELD_FOCUS_BINDINGS]

    def __init__(self, config_path: Path | None = None) -> None:
        super().__init__()
        self.config_path = Path(config_path) if config_path else default_config_path()
        self._saving = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="setup-form"):
            yield Static(Text("Set up your XMPP account", style="bold"))
            yield Static(Text(f"Saved to {self.config_path} (mode 0600)."))
            for field, label, placeholder in (
                ("jid", "JID", "user@example.org"),
                ("password", "Password", ""),
                ("host", "Host", "optional: from DNS SRV"),
                ("port", "Port", "optional: 5222"),
                # Self-hosters with their own CA: an extra trust anchor, never "accept any".
                ("ca_file", "CA file", "optional: extra CA certificate (PEM)"),
            ):
                with Horizontal(classes="setup-row"):
                    yield Label(Text(label))
                    yield Input(
                        placeholder=placeholder, password=field == "password", id=field
                    )
            yield Static(Text(""), id="setup-error")
            yield Button("Save", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#jid", Input).focus()

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value

    def show_error(self, message: str, field: str | None = None) -> None:
        self.query_one("#setup-error", Static).update(Text(message))
        if field in _FIELDS:
            self.query_one(f"#{field}", Input).focus()

    @property
    def error_text(self) -> str:
        """The error line as plain text (for tests and screen readers)."""
        return str(self.query_one("#setup-error", Static).render())

    def action_cancel(self) -> None:
        self.dismiss(None)

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        await self.save()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            await self.save()

    def account_table(self) -> dict[str, Any]:
        """The form as a config table; raises ConfigError (key = field)."""
        table: dict[str, Any] = {"jid": self.value("jid").strip()}
        password = self.value("password")  # spaces may be part of a password
        if password:
            table["password"] = password
        host = self.value("host").strip()
        if host:
            table["host"] = host
        port = self.value("port").strip()
        if port:
            if not port.isdigit():
                raise ConfigError("expected a number from 1 to 65535", key="port")
            table["port"] = int(port)
        ca_file = self.value("ca_file").strip()
        if ca_file:
            table["ca_file"] = str(Path(ca_file).expanduser())
        return table

    async def save(self) -> None:
        if self._saving:
            return
        try:
            table = self.account_table()
            # Fields are checked top-down: the JID's error before the password's.
            account = parse_account({"password": "-", **table})
            if "password" not in table:
                raise ConfigError("enter the password", key="password")
        except ConfigError as exc:
            field = (exc.key or "").rsplit(".", 1)[-1]
            label = field if field in _FIELDS else ""
            self.show_error(f"{label}: {exc.message}" if label else exc.message, field)
            return
        add_secret(account.password)
        self._saving = True
        self.query_one("#save", Button).disabled = True
        self.show_error("")
        try:
            # File system work (mkdir, fsync, read back) off the event loop.
            config = await asyncio.to_thread(self._write_and_reload, account)
        except (ConfigError, OSError) as exc:
            self.show_error(f"could not save: {exc}")
            self._saving = False
            self.query_one("#save", Button).disabled = False
            return
        self.dismiss(config)

    def _write_and_reload(self, account) -> Config:
        write_config(self.config_path, account)
        return load_config(self.config_path)
