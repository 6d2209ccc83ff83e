"""Writing a configuration (the first-run setup screen): a minimal file for
one account, private (0600) from its first byte."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from .errors import ConfigError
from .schema import AccountConfig


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (quotes, backslashes and every
    control character escaped)."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def account_toml(account: AccountConfig) -> str:
    lines = ["[[accounts]]"]
    defaults = AccountConfig(jid=account.jid)
    for f in fields(AccountConfig):
        value = getattr(account, f.name)
        if value is None or (f.name != "jid" and value == getattr(defaults, f.name)):
            continue
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, int):
            rendered = str(value)
        else:
            rendered = toml_string(str(value))
        lines.append(f"{f.name} = {rendered}")
    return "\n".join(lines) + "\n"


def write_config(path: Path | str, account: AccountConfig, *, overwrite: bool = False) -> None:
    """Write a minimal config for one account: mode 0600 from the first byte
    (created with os.open, then renamed into place), parent dirs 0700."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise ConfigError("already exists; not overwritten", path=path)
    _make_private_dirs(path.parent)
    text = "# Written by Parlons. Every key: see config.example.toml.\n\n" + account_toml(account)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)  # a umask may have removed bits
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _make_private_dirs(directory: Path) -> None:
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for new_dir in reversed(missing):
        os.mkdir(new_dir, 0o700)
        os.chmod(new_dir, 0o700)
