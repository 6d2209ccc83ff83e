"""An account's password, from the file or from its ``password_command``
(``pass show xmpp/me``), which runs bounded in time and never shows its
output in an error (it may hold the secret)."""

from __future__ import annotations

import os
import signal
import subprocess

from .errors import ConfigError
from .schema import AccountConfig

PASSWORD_COMMAND_TIMEOUT = 10.0


def resolve_password(account: AccountConfig) -> str:
    """The account's password, running ``password_command`` if needed.

    Blocks up to PASSWORD_COMMAND_TIMEOUT seconds: call it before the app
    starts (or from a thread). Errors name the exit status, never the
    command's output (which may hold the secret).
    """
    if account.password is not None:
        return account.password
    if account.password_command is None:
        raise ConfigError(f"{account.jid}: set password or password_command")
    return run_secret_command(account.password_command, f"password_command of {account.jid}")


def run_secret_command(command: str, where: str) -> str:
    """The standard output of ``command`` (trailing newline removed): a
    secret, so errors name ``where`` and the exit status, never the output.
    Blocks up to PASSWORD_COMMAND_TIMEOUT seconds (call it from a thread)."""
    try:
        # Own session so a timeout can kill the whole pipeline, not just the
        # shell (its children would keep stdout open and hang communicate()).
        process = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise ConfigError(f"{where}: cannot run: {exc.strerror}") from None
    try:
        stdout, _ = process.communicate(timeout=PASSWORD_COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise ConfigError(
            f"{where}: no answer within {PASSWORD_COMMAND_TIMEOUT:g} s"
        ) from None
    if process.returncode != 0:
        raise ConfigError(f"{where}: failed with exit status {process.returncode}")
    try:
        secret = stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: output is not UTF-8") from None
    secret = secret.removesuffix("\n").removesuffix("\r")
    if not secret:
        raise ConfigError(f"{where}: printed nothing")
    return secret


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()
