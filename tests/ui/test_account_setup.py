"""The first-run account form, driven with Pilot."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any, Iterator

import pytest
from textual.app import App
from textual.widgets import Input

from screens.account_setup import AccountSetupScreen
from tests.harness.wait import until
from tui import logging_setup
from tui.config import AccountConfig, Config, load_config


class SetupHost(App):
    """Pushes the setup screen and keeps what it dismisses with."""

    def __init__(self, config_path: Path | None = None) -> None:
        super().__init__()
        self.config_path = config_path
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(AccountSetupScreen(self.config_path), self.results.append)

    @property
    def form(self) -> AccountSetupScreen:
        screen = self.screen
        assert isinstance(screen, AccountSetupScreen)
        return screen


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    saved = set(logging_setup._secrets), logging_setup._secret_pattern
    yield tmp_path / "xdg" / "parlons" / "config.toml"
    logging_setup._secrets.clear()
    logging_setup._secrets.update(saved[0])
    logging_setup._secret_pattern = saved[1]


def fill(screen: AccountSetupScreen, **values: str) -> None:
    for field, value in values.items():
        screen.query_one(f"#{field}", Input).value = value


async def test_filling_the_form_writes_a_private_config(xdg: Path) -> None:
    app = SetupHost()  # no path given: the default, under XDG_CONFIG_HOME
    async with app.run_test() as pilot:
        screen = app.form
        assert isinstance(screen, AccountSetupScreen)
        assert screen.query_one("#password", Input).password  # masked
        fill(screen, jid=" alice@example.org ", password='p "w" \\ ☃', host="xmpp.example.org", port="5223")
        await pilot.press("enter")
        await until(lambda: app.results, message="screen dismissed")
    config = app.results[0]
    assert isinstance(config, Config)
    assert config.accounts == [
        AccountConfig("alice@example.org", password='p "w" \\ ☃', host="xmpp.example.org", port=5223)
    ]
    assert config.path == xdg
    assert stat.S_IMODE(xdg.stat().st_mode) == 0o600
    assert stat.S_IMODE(xdg.parent.stat().st_mode) == 0o700
    assert load_config(xdg) == config
    assert 'password = "p \\"w\\" \\\\ ☃"' in xdg.read_text()
    assert "p \"w\" \\ ☃" in logging_setup._secrets  # redacted from logs from now on


async def test_save_button_with_only_jid_and_password(xdg: Path, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "c.toml"
    app = SetupHost(path)
    async with app.run_test() as pilot:
        fill(app.form, jid="bob@example.net", password="pw")
        await pilot.click("#save")
        await until(lambda: app.results)
    assert app.results[0].accounts == [AccountConfig("bob@example.net", password="pw")]
    assert path.read_text().count("\n") == 5  # comment, blank, header, jid, password
    assert not xdg.exists()


@pytest.mark.parametrize(
    "values, error, focused",
    [
        ({"jid": "[b]bold[/b]", "password": "x"}, 'jid: "[b]bold[/b]" is not a JID like user@example.org', "jid"),
        ({"jid": "a@b.org/res", "password": "x"}, "jid: ", "jid"),
        ({"jid": "a@b.org", "password": ""}, "password: enter the password", "password"),
        ({"jid": "nope", "password": ""}, 'jid: "nope" is not a JID', "jid"),
        ({"jid": "a@b.org", "password": "x", "port": "80a"}, "port: expected a number from 1 to 65535", "port"),
        ({"jid": "a@b.org", "password": "x", "port": "70000"}, "port: expected 1..65535, got 70000", "port"),
        ({"jid": "a@b.org", "password": "x", "host": "two words"}, 'host: "two words" is not a host name', "host"),
    ],
)
async def test_invalid_input_is_shown_inline_as_plain_text(
    xdg: Path, values: dict[str, str], error: str, focused: str
) -> None:
    app = SetupHost()
    async with app.run_test() as pilot:
        screen = app.form
        fill(screen, **values)
        await pilot.press("enter")
        await until(lambda: screen.error_text, message="error shown")
        assert screen.error_text.startswith(error)  # markup in input is shown as typed
        assert screen.focused is screen.query_one(f"#{focused}", Input)
        assert app.results == []
    assert not xdg.exists()


async def test_escape_dismisses_with_none(xdg: Path) -> None:
    app = SetupHost()
    async with app.run_test() as pilot:
        await pilot.press("escape")
        await until(lambda: app.results)
    assert app.results == [None]
    assert not xdg.exists()


async def test_existing_file_is_not_overwritten(xdg: Path) -> None:
    xdg.parent.mkdir(parents=True)
    xdg.write_text("# mine\n")
    app = SetupHost()
    async with app.run_test() as pilot:
        screen = app.form
        fill(screen, jid="a@b.org", password="x")
        await pilot.press("enter")
        await until(lambda: "could not save" in screen.error_text)
        assert app.results == []
    assert xdg.read_text() == "# mine\n"
