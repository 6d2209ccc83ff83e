"""Where Parlons keeps its files.

platformdirs gives the XDG locations on Linux and honours XDG_CONFIG_HOME,
XDG_DATA_HOME, XDG_STATE_HOME and XDG_CACHE_HOME (checked with platformdirs
4.x), so tests can point every path at a temporary directory through the
environment alone.
The functions read the environment on every call for the same reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

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


def cache_dir() -> Path:
    """Directory of what can be made again (``$XDG_CACHE_HOME/parlons``)."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def write_private(path: Path, data: bytes | Iterable[bytes]) -> None:
    """``data`` (or its pieces, one after the other: no copy of the whole in
    memory) to ``path``, created 0600 in a 0700 directory (never a moment
    readable by others), atomically (a reader sees the old file or the new).
    Blocking: off the event loop, or tiny and rare."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        for piece in (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data:
            view = memoryview(piece)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
