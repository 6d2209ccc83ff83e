"""Run coroutines one after another, in submission order.

A conversation's messages must be stored before display and shown in the
order they arrived, while storing is asynchronous (SQLite off the loop).
Everything that touches one account's conversations goes through one
SerialRunner, so nothing overtakes anything.

Messages arriving in a flood are *gathered*: an item joins the job queued
last when that job is a batch of the same kind that has not started yet,
so what arrives while a batch is being stored is handled as the next
batch — one store transaction for many messages, in the same order, never
overtaking other work queued between them.
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
        # the last queued job when it is a batch not started yet: (kind, its items)
        self._open_batch: tuple[str, list[Any]] | None = None

    def gather(self, kind: str, item: Any, handle: Callable[[list[Any]], Awaitable[Any]]) -> None:
        """Queue ``item`` for ``handle(items)``, with the items of the same
        ``kind`` queued right before it whose batch has not started."""
        if self._open_batch is not None and self._open_batch[0] == kind:
            self._open_batch[1].append(item)
            return
        items = [item]
        batch = (kind, items)

        async def run_batch() -> Any:
            if self._open_batch is batch:
                self._open_batch = None  # started: what comes now makes the next batch
            return await handle(items)

        self.submit(run_batch)
        self._open_batch = batch

    def submit(self, make: Callable[[], Awaitable[Any]]) -> asyncio.Future:
        """Queue ``make()``; the future has its result (or exception)."""
        self._open_batch = None  # queued after a batch: later items must not join it
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
