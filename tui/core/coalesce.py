"""Many changes, one bus event: "something changed" coalesced per turn of the loop.

A presence storm or a page of blog entries changes a model hundreds of
times in one turn of the event loop; the UI needs to hear it once. A
:class:`Coalescer` collects what changed (keys such as rooms or authors,
or just "something") and on the next turn of the loop emits the events
its ``events`` function makes of the keys, all of them at once, in the
order they were first touched.

Without a running loop (a unit test driving a service) the events go out
at once. An emit scheduled on a loop that stopped or closed before its
turn came does not hold back the next change: it is scheduled again.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Generic, Hashable, Iterable, TypeVar

from .events import EventBus

K = TypeVar("K", bound=Hashable)


class Coalescer(Generic[K]):
    def __init__(self, bus: EventBus, events: Callable[[tuple[K, ...]], Iterable[Any]]) -> None:
        self.bus = bus
        self.events = events  # the keys collected in one turn → the events to emit
        self.emitted = 0  # events sent (tests and benchmarks read it)
        self._keys: dict[K, None] = {}  # a set that keeps the order keys came in
        self._due = False
        self._scheduled_on: asyncio.AbstractEventLoop | None = None

    @property
    def due(self) -> bool:
        """Something changed that was not emitted yet."""
        return self._due

    def add(self, key: K | None = None) -> None:
        """``key`` changed (without one: something did); emitted on the next turn."""
        if key is not None:
            self._keys[key] = None
        self._due = True
        if self._scheduled_on is not None and self._scheduled_on.is_running():
            return  # the emit of this turn is already on its way
        try:
            loop = asyncio.get_running_loop()
            loop.call_soon(self.flush)
        except RuntimeError:  # no loop (unit tests), or it is closing: now
            self.flush()
            return
        self._scheduled_on = loop

    def flush(self) -> None:
        """Emit now what was collected, if anything was (the scheduled emit calls this)."""
        if not self._due:
            return
        keys, self._keys, self._due, self._scheduled_on = tuple(self._keys), {}, False, None
        for event in self.events(keys):
            self.emitted += 1
            self.bus.emit(event)


class CoalescedChanges:
    """A service whose changes go out through a :class:`Coalescer` at ``self._changes``."""

    _changes: Coalescer

    @property
    def changes_emitted(self) -> int:
        """Events sent (tests and benchmarks read it)."""
        return self._changes.emitted
