"""No config: the app opens the account set-up, writes a private config and
goes online with it."""

from __future__ import annotations

import stat

from textual.widgets import Input

from screens.account_setup import AccountSetupScreen
from tests.harness.app import running_app, status_text
from tests.harness.wait import until
from tui.config import load_config
from tui.core.model import ConnectionState


async def test_first_run_sets_up_the_account_and_connects(prosody, make_account, tmp_path):
    jid, password = make_account("alice")
    config_path = tmp_path / "cfg" / "parlons" / "config.toml"
    async with running_app(None, config_path=config_path) as (app, pilot):
        screen = await until(lambda: isinstance(app.screen, AccountSetupScreen) and app.screen)
        for field, value in (("jid", jid), ("password", password), ("host", prosody.host),
                             ("port", str(prosody.c2s_port)), ("ca_file", str(prosody.ca_file))):
            screen.query_one(f"#{field}", Input).value = value
        await pilot.press("enter")
        await until(lambda: len(app.client.accounts) == 1
                    and app.client.accounts.get(jid).session.status.state is ConnectionState.ONLINE,
                    timeout=10, message=lambda: status_text(app))
        assert not isinstance(app.screen, AccountSetupScreen)
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    saved = load_config(config_path)
    assert saved.accounts[0].jid == jid and saved.accounts[0].password == password
    assert saved.accounts[0].ca_file == prosody.ca_file


async def test_escape_on_first_run_quits(tmp_path):
    async with running_app(None, config_path=tmp_path / "config.toml") as (app, pilot):
        await until(lambda: isinstance(app.screen, AccountSetupScreen))
        await pilot.press("escape")
        await until(lambda: not app.is_running, timeout=5)
    assert not (tmp_path / "config.toml").exists()
