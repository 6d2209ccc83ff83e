"""Readings beside the account's queue (tui/core/serial.py).

An archive's catch-up spends its time waiting for the server's pages; run
as a job of the account's queue, it kept everything else waiting for the
whole reading (a line typed, the other rooms, the conversations). So a
reading runs beside the queue, as a task, and hands what it read to the
queue as jobs of their own. The live messages it concerns must still come
after what it brings: while a reading of a key (our archive, a room) is
under way, they are *parked*, and handed back in arrival order once no
reading of that key is left. Readings of one key run one after the other.
(A room's message whose decryption may wait is such a reading too:
tui/xmpp/muc/messages.py.)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class BesideQueue(Generic[K, T]):
    """Readings by key, and what waits for them; ``released(key, parked)``
    is called when a key's last reading ended (not when it was cancelled:
    the account is closing)."""

    def __init__(self, name: str, released: Callable[[K, list[T]], None]) -> None:
        self.name = name
        self._released = released
        self._tasks: dict[K, set[asyncio.Task]] = {}
        self._parked: dict[K, list[T]] = {}
        self._locks: dict[K, asyncio.Lock] = {}

    def start(self, key: K, reading: Callable[[], Awaitable[None]]) -> None:
        """Run ``reading()`` beside the queue, after the key's earlier ones;
        from now on what concerns ``key`` is parked until they all ended."""
        self._parked.setdefault(key, [])
        lock = self._locks.setdefault(key, asyncio.Lock())

        async def in_turn() -> None:
            async with lock:
                await reading()

        task = asyncio.ensure_future(in_turn())
        self._tasks.setdefault(key, set()).add(task)
        task.add_done_callback(lambda done: self._ended(key, done))

    def under_way(self, key: K | None = None) -> bool:
        """A reading of ``key`` (None: of any key) is under way."""
        return bool(self._tasks) if key is None else key in self._tasks

    def park(self, key: K, item: T) -> bool:
        """Keep ``item`` for after the key's readings, if one is under way."""
        parked = self._parked.get(key)
        if parked is None:
            return False
        parked.append(item)
        return True

    def parked(self, key: K) -> list[T]:
        """What waits for the key's readings so far, in arrival order."""
        return self._parked.get(key, [])

    def close(self) -> None:
        for tasks in list(self._tasks.values()):
            for task in list(tasks):
                task.cancel()

    def _ended(self, key: K, task: asyncio.Task) -> None:
        tasks = self._tasks.get(key, set())
        tasks.discard(task)
        if tasks:
            return  # another reading of the key is under way: what it concerns waits for it too
        self._tasks.pop(key, None)
        self._locks.pop(key, None)  # (no reading of the key holds or waits for it)
        parked = self._parked.pop(key, [])
        if task.cancelled():
            return
        if task.exception() is not None:
            log.error("%s: reading of %s failed", self.name, key, exc_info=task.exception())
        self._released(key, parked)
