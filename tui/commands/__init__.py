"""Slash commands. Each area declares its commands in its own module, which
has a ``register(registry)`` function; this list is the one place that says
which modules make up the client's commands."""

from __future__ import annotations

import importlib

from .registry import Registry

COMMAND_MODULES = ("builtin", "chat", "roster", "bookmarks", "muc", "muc_admin", "compose", "blog", "otr", "pgp", "ox")


def build_registry() -> Registry:
    """The client's commands, their modules imported when the registry is
    first asked about one (the first command run, Tab after "/", the command
    palette): ~0.3 MiB and ~4 ms a start without a command does not need."""
    return Registry(fill=_register_all)


def _register_all(registry: Registry) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(registry)
