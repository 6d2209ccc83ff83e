"""Config → services: which key of the configuration builds or sets what.

The app calls these once the configuration is known (at start-up, or when
the setup screen has written one) and only reports what fails; tests call
them without a UI.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable

from .config import AccountConfig, Config, ConfigError, UiConfig, resolve_password
from .core.blog_lines import ACTIVITY_LEVELS, DEFAULT_ACTIVITY
from .core.notify import NotifySettings
from .core.windows import Activity
from .crypto import register_schemes
from .logging_setup import add_secret
from .paste import PastePolicy
from .store.drafts import kept_drafts
from .xmpp.account.accounts import Account, Accounts
from .xmpp.account.backoff import Backoff
from .xmpp.account.session import ConnectionSettings
from .xmpp.conversation.encryption import Encryption, Peer


def notify_settings(config: Config | None) -> NotifySettings:
    if config is None:  # first run: the setup screen writes the defaults
        return NotifySettings()
    ui = config.ui
    return NotifySettings(bell=ui.bell, desktop=ui.desktop_notifications,
                          terminal_title=ui.terminal_title)


def blog_activity(config: Config | None) -> Activity:
    """ui.blog_activity: what a contact's new blog entry or comment raises the blog window to."""
    return ACTIVITY_LEVELS[config.ui.blog_activity if config is not None else DEFAULT_ACTIVITY]


def paste_policy(config: Config | None) -> PastePolicy:
    if config is None:
        return PastePolicy()
    paste = config.paste
    return PastePolicy(paste.confirm_lines, paste.burst_ms, paste.secret_patterns)


def connection_settings(account: AccountConfig, password: str) -> ConnectionSettings:
    return ConnectionSettings(
        jid=account.jid,
        password=password,
        resource=account.resource,
        host=account.host,
        port=account.port,
        ca_file=account.ca_file,
        direct_tls=account.direct_tls,
    )


def configure_account(account: Account, account_cfg: AccountConfig, ui: UiConfig) -> None:
    """The per-account keys (and the [ui] keys the room service needs)."""
    account.muc.configure(nick=account_cfg.nick, service=account_cfg.muc_service,
                          hide_joins_above=ui.hide_joins_above,
                          highlight_words=ui.highlight_words)
    account.roster.hide_joins_above = ui.hide_joins_above  # a contact's presence lines: the same setting
    account.blog.access = account_cfg.blog_access
    account.blog.comments.service = account_cfg.blog_comments_service
    account.encryption.host.settings["pgp"] = {  # read by tui/crypto/pgp on first use
        "gnupg_home": str(account_cfg.gnupg_home) if account_cfg.gnupg_home else None,
        "passphrase_command": account_cfg.pgp_passphrase_command}
    configure_otr(account.encryption, account_cfg)


def configure_otr(encryption: Encryption, account_cfg: AccountConfig) -> None:
    """OTR's policies: to the scheme; "always" (for the account or a contact)
    also makes OTR what those conversations use from their first line."""
    register_schemes()  # idempotent: OTR must exist before a conversation can be set to it
    contacts = dict(account_cfg.otr_policy_contacts)
    encryption.host.settings["otr"] = {"policy": account_cfg.otr_policy, "contacts": contacts}
    if account_cfg.otr_policy == "always":  # every 1:1 conversation starts encrypted
        encryption.default = "otr"
    for contact, policy in contacts.items():
        if policy == "always":
            encryption.use(Peer(encryption.account, contact), "otr")
        elif encryption.default == "otr":
            encryption.use(Peer(encryption.account, contact), None)  # not by default: /otr start


async def account_password(account_cfg: AccountConfig) -> str:
    """The CLI resolves passwords before start-up; a password_command left
    for us runs off the loop (it may take seconds). Raises ConfigError."""
    if account_cfg.password:
        return account_cfg.password
    return await asyncio.to_thread(resolve_password, account_cfg)


async def start_accounts(
    config: Config,
    accounts: Accounts,
    *,
    data_dir: Path,
    backoff_factory: Callable[[], Backoff],
    paste_policy: PastePolicy,
    report: Callable[[str], None],
) -> None:
    """Build every configured account, open its history under ``data_dir``
    and connect those marked autoconnect. An account whose password cannot
    be had is reported (one line) and skipped; the others still start.
    Passwords are redacted from the log and refused by ``paste_policy``."""
    for account_cfg in config.accounts:
        try:
            password = await account_password(account_cfg)
            add_secret(password)
            paste_policy.add_password(password)  # never pasted nor sent
        except ConfigError as exc:
            report(f"{account_cfg.jid}: {exc}")
            continue
        account = accounts.add(connection_settings(account_cfg, password), backoff_factory())
        configure_account(account, account_cfg, config.ui)
        # Both in threads, at once: the history (needed before connecting:
        # the catch-up stores into it) and the TLS context (the system's
        # trust anchors, tens of milliseconds).
        await asyncio.gather(account.open_history(data_dir), account.session.prepare_tls())
        if account_cfg.autoconnect:
            account.session.connect()
        # read while the server answers: nothing above needs it
        if (drafts := await kept_drafts(data_dir, account.jid)) is not None:  # offered back
            account.session.windows.status_line(f"{account.jid}: {drafts}")
