"""Where Parlons keeps its files.

platformdirs gives the XDG locations on Linux and honours XDG_CONFIG_HOME,
XDG_DATA_HOME and XDG_STATE_HOME (checked with platformdirs 4.x), so tests can
point every path at a temporary directory through the environment alone.
The functions read the environment on every call for the same reason.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "parlons"


def config_dir() -> Path:
    """Directory of ``config.toml`` (``$XDG_CONFIG_HOME/parlons``)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Directory of history and keys (``$XDG_DATA_HOME/parlons``)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Directory of the log file (``$XDG_STATE_HOME/parlons``)."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"
