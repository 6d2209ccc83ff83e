"""Logging to a file, never to the terminal, with secrets taken out.

The terminal belongs to the Textual app: a stray StreamHandler (ours, a
library's, or logging's "last resort" handler) would write over the screen.
Everything goes to ``state_dir/parlons.log`` (rotated; every file, current
and rotated, mode 0600: RotatingFileHandler would reopen it with the umask's
mode after each rollover).

Passwords must never reach the file. A :class:`SecretFilter` on the handler
(a handler filter sees records from every logger, a logger filter would not)
rewrites each record: known secrets and the payloads of SASL elements become
``***`` in the message, its arguments and the exception text. SASL payloads
matter because slixmpp logs every stanza at DEBUG ("SEND: <auth ...>base64
</auth>") and PLAIN's base64 of "\\0user\\0password" does not contain the
password as a substring. Room passwords and secrets travel in stanzas
too: the ``password`` attribute of XEP-0249 invitations, and the values of
data-form fields that are ``text-private`` or named like a password or a
secret (``muc#roomconfig_roomsecret`` is untyped in a submitted form).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import threading
from pathlib import Path
from typing import Iterable

from .text import xml_escape

LOG_FILE_NAME = "parlons.log"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
REDACTED = "***"

# SASL exchange (RFC 6120 §6.4) and password-carrying elements (XEP-0077).
_SENSITIVE_ELEMENTS_RE = re.compile(
    r"(<(?:[\w.-]+:)?(auth|response|challenge|success|password)\b[^>]*>)"
    r"(.*?)"
    r"(</(?:[\w.-]+:)?\2\s*>)",
    re.DOTALL,
)

# password='…' / password="…": XEP-0249 <x jabber:x:conference password=…/>,
# and a password in a Python repr.
_PASSWORD_ATTRIBUTE_RE = re.compile(r"""(\bpassword\s*=\s*)(["'])(.*?)(\2)""", re.DOTALL)
# A data-form field (not self-closing) and its values.
_FIELD_RE = re.compile(
    r"(<(?:[\w.-]+:)?field\b([^>]*)(?<!/)>)(.*?)(</(?:[\w.-]+:)?field\s*>)", re.DOTALL
)
_SECRET_FIELD_ATTRIBUTES_RE = re.compile(
    r"""\btype\s*=\s*["']text-private["']|\bvar\s*=\s*["'][^"']*(?:password|secret)""",
    re.IGNORECASE,
)
_VALUE_RE = re.compile(r"(<(?:[\w.-]+:)?value\b[^>]*>)(.*?)(</(?:[\w.-]+:)?value\s*>)", re.DOTALL)

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secret_pattern: re.Pattern[str] | None = None


def add_secret(secret: str | None) -> None:
    """Register a secret (e.g. a password typed in the setup screen or
    returned by password_command) so it is redacted from now on."""
    global _secret_pattern
    if not secret:
        return
    # The same secret as it may appear in a stanza, a repr() or JSON.
    variants = {
        secret,
        xml_escape(secret),
        xml_escape(secret, quotes=True),
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
    }
    with _secrets_lock:
        _secrets.update(v for v in variants if v)
        _secret_pattern = _pattern_for(_secrets)


def _pattern_for(secrets: set[str]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    # Longest first, so a secret that contains another is removed whole.
    ordered = sorted(secrets, key=len, reverse=True)
    return re.compile("|".join(re.escape(s) for s in ordered))


def secrets_snapshot() -> frozenset[str]:
    """Every string redacted today (each secret and its escaped forms)."""
    with _secrets_lock:
        return frozenset(_secrets)


def restore_secrets(snapshot: frozenset[str]) -> None:
    """Redact exactly the secrets of an earlier :func:`secrets_snapshot`:
    the registry is process-wide, and a test that adds one puts it back."""
    global _secret_pattern
    with _secrets_lock:
        _secrets.clear()
        _secrets.update(snapshot)
        _secret_pattern = _pattern_for(_secrets)


def _redact_field(match: re.Match[str]) -> str:
    if not _SECRET_FIELD_ATTRIBUTES_RE.search(match.group(2)):
        return match.group(0)
    values = _VALUE_RE.sub(lambda m: m.group(1) + REDACTED + m.group(3), match.group(3))
    return match.group(1) + values + match.group(4)


def redact(text: str) -> str:
    """``text`` without SASL payloads, passwords, form secrets and known secrets."""
    text = _SENSITIVE_ELEMENTS_RE.sub(
        lambda m: m.group(1) + (REDACTED if m.group(3) else "") + m.group(4), text
    )
    text = _PASSWORD_ATTRIBUTE_RE.sub(lambda m: m.group(1) + m.group(2) + REDACTED + m.group(4), text)
    text = _FIELD_RE.sub(_redact_field, text)
    pattern = _secret_pattern
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    return text


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Opens (and, after each rollover, reopens) the log file as 0600."""

    def _open(self):
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(descriptor, 0o600)  # a file left 0644 by an older version
        return open(descriptor, self.mode, encoding=self.encoding, errors=self.errors)


class SecretFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad format/args: keep both, still redacted
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatter.format uses exc_text when it is set, so the
            # traceback text that reaches the file is this redacted one.
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_handler: logging.Handler | None = None


def setup_logging(
    state_dir: Path | str, debug: bool = False, secrets: Iterable[str | None] = ()
) -> Path:
    """Send all logging to ``state_dir/parlons.log`` and nowhere else.
    Returns the log file's path. Calling it again replaces the handler."""
    global _handler
    for secret in secrets:
        add_secret(secret)
    directory = Path(state_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    log_path = directory / LOG_FILE_NAME
    # Debug logs hold JIDs and message bodies: private, every one of them
    # (rotated files keep their mode when renamed).
    for number in range(1, LOG_BACKUPS + 1):
        backup = directory / f"{LOG_FILE_NAME}.{number}"
        if backup.exists():
            backup.chmod(0o600)

    handler = PrivateRotatingFileHandler(
        log_path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(SecretFilter())

    root = logging.getLogger()
    _remove_terminal_handlers(root)
    stop_logging()
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            _remove_terminal_handlers(logger)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    _handler = handler

    # No path to the terminal left: logging's last-resort handler writes to
    # stderr when a record finds no handler, and handler errors print
    # tracebacks unless raiseExceptions is off; warnings go to the log too.
    logging.lastResort = logging.NullHandler()
    logging.raiseExceptions = False
    logging.captureWarnings(True)
    return log_path


def stop_logging() -> None:
    """Remove and close the handler :func:`setup_logging` installed, if any
    (the root logger is process-wide: tests that set it up take it down)."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def _remove_terminal_handlers(logger: logging.Logger) -> None:
    for existing in list(logger.handlers):
        is_file = isinstance(existing, logging.FileHandler)
        if isinstance(existing, logging.StreamHandler) and not is_file:
            logger.removeHandler(existing)
