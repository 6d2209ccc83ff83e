"""What a configuration holds: typed, frozen dataclasses with their
defaults, the keys each table accepts and the TOML type of each key.

Every key is documented in config.example.toml (a test keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from ..keymap import DEFAULT_KEYMAP


@dataclass(frozen=True)
class AccountConfig:
    jid: str
    # repr=False: a logged or printed config must not show the password.
    password: str | None = field(default=None, repr=False)
    password_command: str | None = None
    host: str | None = None
    port: int | None = None
    ca_file: Path | None = None
    resource: str = "parlons"
    direct_tls: bool = False
    nick: str | None = None
    muc_service: str | None = None  # e.g. conference.example.org; None: discovered
    autoconnect: bool = True
    blog_access: str = "open"  # who may read our microblog: open | presence (contacts)
    blog_comments_service: str | None = None  # pubsub service for comments; None: discovered
    otr_policy: str = "manual"  # OTR: manual | opportunistic | always (tui.crypto.otr.policy)
    otr_policy_contacts: dict[str, str] = field(default_factory=dict)  # bare JID -> policy, overriding
    gnupg_home: Path | None = None  # OpenPGP keyring (GNUPGHOME); None: the user's own
    pgp_passphrase_command: str | None = None  # prints the OpenPGP key's passphrase; None: none


@dataclass(frozen=True)
class UiConfig:
    bell: bool = True
    keymap: str = DEFAULT_KEYMAP
    desktop_notifications: str = "off"  # one of tui.core.notify.DESKTOP_MODES
    terminal_title: bool = True
    hide_joins_above: int = 50  # rooms with more occupants show no join/part lines; 0: chats show no presence lines either
    highlight_words: tuple[str, ...] = ()  # besides our nick, these words highlight a line
    blog_activity: str = "messages"  # a contact's new blog entry or comment: none | events | messages | highlight
    # text fields' cursors blink (Textual redraws the field twice a second); off: a steady
    # cursor, nothing written to the terminal while nothing happens (as Irssi, Poezio)
    cursor_blink: bool = False


@dataclass(frozen=True)
class PasteConfig:
    confirm_lines: int = 2  # pastes of this many lines or more ask before sending
    burst_ms: float = 5.0  # keys closer than this are a paste (no bracketed paste); 0: off
    secret_patterns: tuple[str, ...] = (r"-----BEGIN [A-Z ]*PRIVATE KEY-----",)


@dataclass(frozen=True)
class Config:
    accounts: list[AccountConfig]
    keymap: dict[str, str] = field(default_factory=dict)
    ui: UiConfig = field(default_factory=UiConfig)
    paste: PasteConfig = field(default_factory=PasteConfig)
    path: Path | None = None


TOP_LEVEL_KEYS = ("accounts", "keymap", "ui", "paste")
ACCOUNT_KEYS = tuple(f.name for f in fields(AccountConfig))
UI_KEYS = tuple(f.name for f in fields(UiConfig))
PASTE_KEYS = tuple(f.name for f in fields(PasteConfig))

# Expected TOML type of each account key (None allowed = key may be absent).
ACCOUNT_TYPES: dict[str, type] = {
    "jid": str,
    "password": str,
    "password_command": str,
    "host": str,
    "port": int,
    "ca_file": str,
    "resource": str,
    "direct_tls": bool,
    "nick": str,
    "muc_service": str,
    "autoconnect": bool,
    "blog_access": str,
    "blog_comments_service": str,
    "otr_policy": str,
    "otr_policy_contacts": dict,
    "gnupg_home": str,
    "pgp_passphrase_command": str,
}
UI_TYPES: dict[str, type] = {
    "bell": bool, "keymap": str, "desktop_notifications": str, "terminal_title": bool,
    "hide_joins_above": int, "highlight_words": list, "blog_activity": str, "cursor_blink": bool,
}
