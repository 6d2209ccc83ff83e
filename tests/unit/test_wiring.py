"""Config → services (tui/wiring.py), without a UI and without a network."""

from __future__ import annotations

from pathlib import Path

from tests.harness.logging_state import preserved_logging
from tui import wiring
from tui.client import Client
from tui.config import AccountConfig, Config, PasteConfig, UiConfig
from tui.core.notify import NotifySettings
from tui.paste import PastePolicy


def test_notify_and_paste_settings_come_from_the_config_or_the_defaults() -> None:
    assert wiring.notify_settings(None) == NotifySettings()
    config = Config(accounts=[], ui=UiConfig(bell=False, desktop_notifications="osc777", terminal_title=False),
                    paste=PasteConfig(confirm_lines=5, burst_ms=0.0, secret_patterns=("s3cr",)))
    assert wiring.notify_settings(config) == NotifySettings(bell=False, desktop="osc777", terminal_title=False)
    policy = wiring.paste_policy(config)
    assert (policy.confirm_lines, policy.burst_ms, policy.secret_patterns) == (5, 0.0, ("s3cr",))
    assert wiring.paste_policy(None) == PastePolicy()


async def test_accounts_are_built_configured_and_a_broken_one_is_reported(tmp_path: Path) -> None:
    broken = AccountConfig(jid="broken@example.org", password_command="exit 3", autoconnect=False)
    good = AccountConfig(jid="alice@example.org", password="pw-alice-long", nick="Al",
                         muc_service="conference.example.org", blog_access="presence",
                         blog_comments_service="pubsub.example.org", resource="desk", port=5223,
                         autoconnect=False)
    config = Config(accounts=[broken, good], ui=UiConfig(hide_joins_above=7, highlight_words=("tea",)))
    client = Client()
    policy = PastePolicy()
    with preserved_logging():
        await client.start_accounts(config, data_dir=tmp_path, paste_policy=policy)
    try:
        assert [a.jid for a in client.accounts] == ["alice@example.org"]
        errors = [line.body for line in client.windows.status.lines]
        assert errors == ["broken@example.org: password_command of broken@example.org: "
                          "failed with exit status 3"]
        account = client.accounts.get("alice@example.org")
        settings = account.session.settings
        assert (settings.password, settings.resource, settings.port) == ("pw-alice-long", "desk", 5223)
        assert (account.muc.nick, account.muc.service) == ("Al", "conference.example.org")
        assert (account.muc.hide_joins_above, account.muc.highlight_words) == (7, ("tea",))
        assert account.roster.hide_joins_above == 7  # a contact's presence lines: the same setting
        assert (account.blog.access, account.blog.comments.service) == ("presence", "pubsub.example.org")
        assert account.chat.history.db is not None  # opened under data_dir, not connected
        assert policy.has_password("pw-alice-long")
    finally:
        for account in client.accounts:
            await account.close()
