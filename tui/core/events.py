"""A tiny synchronous event bus between the services and the UI.

Services emit typed events; the app subscribes and coalesces them into at
most one refresh per frame. Handlers must be cheap and must not raise; an
exception in one handler is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from .model import AccountStatus, Line

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LineAdded:
    window: Any  # tui.core.windows.Window
    line: Line


@dataclass(slots=True)
class WindowCleared:
    window: Any


@dataclass(slots=True)
class WindowsChanged:
    """A window was opened, closed, renamed, switched to or its activity changed."""


@dataclass(slots=True)
class AccountChanged:
    status: AccountStatus


@dataclass(slots=True)
class QuitRequested:
    message: str = ""


Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def unsubscribe(self, event_type: type, handler: Handler) -> None:
        try:
            self._handlers[event_type].remove(handler)
        except ValueError:
            pass

    def emit(self, event: Any) -> None:
        for handler in list(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:  # a broken subscriber must not break the sender
                log.exception("event handler failed for %s", type(event).__name__)
