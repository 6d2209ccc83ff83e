"""The configuration: ``~/.config/parlons/config.toml`` as typed settings.

- :mod:`.schema`: the dataclasses, their defaults, the keys of each table;
- :mod:`.reading`: TOML → typed config, errors that name file:line:key,
  the permission check of a file that holds a password;
- :mod:`.writing`: the minimal private file the setup screen writes;
- :mod:`.password`: ``password_command``, run bounded, output never shown.

``from tui.config import Config, load_config, ...`` reaches them all.
"""

from __future__ import annotations

from .errors import ConfigError, ConfigInsecure
from .password import resolve_password
from .reading import load_config, parse_account
from .schema import (
    ACCOUNT_KEYS,
    PASTE_KEYS,
    TOP_LEVEL_KEYS,
    UI_KEYS,
    AccountConfig,
    Config,
    PasteConfig,
    UiConfig,
)
from .writing import account_toml, toml_string, write_config

__all__ = [
    "ACCOUNT_KEYS",
    "PASTE_KEYS",
    "TOP_LEVEL_KEYS",
    "UI_KEYS",
    "AccountConfig",
    "Config",
    "ConfigError",
    "ConfigInsecure",
    "PasteConfig",
    "UiConfig",
    "account_toml",
    "load_config",
    "parse_account",
    "resolve_password",
    "toml_string",
    "write_config",
]
