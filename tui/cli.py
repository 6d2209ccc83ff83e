"""Command-line entry point: ``parlons`` / ``python -m tui``.

Start-up never shows a traceback: a configuration problem is one line on
stderr and exit status 2; anything unexpected is one line and status 1, with
the details in the log file. The Textual app is imported only when it is
about to run (tui/launch.py), so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from . import __version__

if TYPE_CHECKING:
    from .dataclass_code import CodeCache

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CONFIG = 2

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parlons",
        description="A keyboard-first XMPP client for the terminal, with Irssi habits.",
        epilog="Without a config file at the default path, Parlons starts with "
        "an account setup form and writes the file for you.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        help="configuration file (default: $XDG_CONFIG_HOME/parlons/config.toml)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log every stanza (passwords and SASL data redacted) to the log file",
    )
    parser.add_argument("--version", action="version", version=f"parlons {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_CONFIG
    try:
        return _start(args)
    except KeyboardInterrupt:
        return 130


def _start(args: argparse.Namespace) -> int:
    # Imported here: config pulls in tomllib and the key map, not needed
    # for --help / --version.
    from . import dataclass_code
    from .logging_setup import setup_logging
    from .paths import cache_dir, state_dir

    try:
        log_path = setup_logging(state_dir(), debug=args.debug)
    except OSError as exc:
        _say(f"cannot open the log file in {state_dir()}: {exc.strerror}")
        return EXIT_ERROR

    code_cache = dataclass_code.start(cache_dir())  # before the first of our dataclasses
    try:
        return _configured(args, log_path, code_cache)
    finally:
        code_cache.uninstall()  # (done already once the app has started)


def _configured(args: argparse.Namespace, log_path: Path, code_cache: CodeCache) -> int:
    from .config import ConfigError
    from .paths import default_config_path

    config_path: Path = args.config if args.config is not None else default_config_path()
    try:
        config = _load(config_path, explicit=args.config is not None)
    except ConfigError as exc:
        log.error("configuration: %s", exc)
        _say(str(exc))
        return EXIT_CONFIG
    except Exception as exc:
        log.exception("start-up failed while reading %s", config_path)
        _say(f"parlons: unexpected error: {_one_line(exc)} (details in {log_path})")
        return EXIT_ERROR

    try:
        from .launch import launch

        return launch(config, config_path, code_cache)
    except Exception as exc:
        log.exception("start-up failed")
        _say(f"parlons: unexpected error: {_one_line(exc)} (details in {log_path})")
        return EXIT_ERROR


def _load(config_path: Path, explicit: bool):
    """The config with every password resolved, or None for setup mode."""
    from .config import ConfigError, load_config, resolve_password
    from .logging_setup import add_secret

    if not config_path.exists():
        if explicit:
            raise ConfigError("no such file", path=config_path)
        log.info("no config at %s: starting the account setup", config_path)
        return None
    config = load_config(config_path)
    accounts = []
    for account in config.accounts:
        add_secret(account.password)
        password = resolve_password(account)
        add_secret(password)
        accounts.append(dataclasses.replace(account, password=password))
    log.info("loaded %s (%d account(s))", config_path, len(accounts))
    return dataclasses.replace(config, accounts=accounts)


def _one_line(exc: BaseException) -> str:
    from .logging_setup import redact
    from .text import sanitize_line

    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return sanitize_line(redact(text))


def _say(line: str) -> None:
    print(line, file=sys.stderr)
