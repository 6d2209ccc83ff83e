"""Run coroutines one after another, in submission order.

A conversation's messages must be stored before display and shown in the
order they arrived, while storing is asynchronous (SQLite off the loop).
Everything that touches one account's conversations goes through one
SerialRunner, so nothing overtakes anything.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)


class SerialRunner:
    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: asyncio.Queue[tuple[Callable[[], Awaitable[Any]], asyncio.Future]] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def submit(self, make: Callable[[], Awaitable[Any]]) -> asyncio.Future:
        """Queue ``make()``; the future has its result (or exception)."""
        future = asyncio.get_running_loop().create_future()
        # fire-and-forget callers never read it: the failure is logged below
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._queue.put_nowait((make, future))
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())
        return future

    async def run(self, make: Callable[[], Awaitable[Any]]) -> Any:
        return await self.submit(make)

    def pending(self) -> int:
        return self._queue.qsize()

    def idle(self) -> bool:
        """Nothing queued and nothing running (the last job has finished)."""
        return self.pending() == 0 and (self._task is None or self._task.done())

    async def _run(self) -> None:
        while not self._queue.empty():
            make, future = self._queue.get_nowait()
            if future.cancelled():
                continue
            try:
                result = await make()
            except Exception as exc:
                log.exception("%s: queued work failed", self.name)
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(result)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
