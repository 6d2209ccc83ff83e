"""Configuration errors: one line that names the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

from ..text import sanitize_line


class ConfigError(Exception):
    """A configuration problem, shown to the user as one line."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.key = key

    def __str__(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(str(self.path) if self.line is None else f"{self.path}:{self.line}")
        if self.key:
            parts.append(self.key)
        parts.append(self.message)
        # Key names and paths come from the user's file: no control characters
        # may reach the terminal, and the message stays on one line.
        return sanitize_line(": ".join(parts))


class ConfigInsecure(ConfigError):
    """The file holds a password but others may read or write it."""
