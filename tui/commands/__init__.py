"""Slash commands. Each area declares its commands in its own module, which
has a ``register(registry)`` function; this list is the one place that says
which modules make up the client's commands."""

from __future__ import annotations

import importlib

from .registry import Registry

COMMAND_MODULES = ("builtin", "chat", "roster", "bookmarks", "muc", "muc_admin", "compose", "blog", "otr", "pgp", "ox")


def build_registry() -> Registry:
    registry = Registry()
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(registry)
    return registry
