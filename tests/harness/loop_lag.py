"""A loop-lag probe: a task that wakes every few milliseconds and records
how late it woke. Its worst lateness is the longest the event loop was
blocked (what a user sees as a frozen terminal) while it ran."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import AsyncIterator


class LagProbe:
    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst = 0.0
        self.wakes = 0
        self._asleep_since = time.perf_counter()

    def _late(self) -> None:
        self.worst = max(self.worst, time.perf_counter() - self._asleep_since - self.interval)

    async def _run(self) -> None:
        while True:
            self._asleep_since = time.perf_counter()
            await asyncio.sleep(self.interval)
            self._late()
            self.wakes += 1


@contextlib.asynccontextmanager
async def loop_lag(interval: float = 0.005) -> AsyncIterator[LagProbe]:
    """``async with loop_lag() as probe: ...`` then ``probe.worst`` (seconds)."""
    probe = LagProbe(interval)
    task = asyncio.ensure_future(probe._run())
    await asyncio.sleep(0)  # the probe is running before the work starts
    try:
        yield probe
    finally:
        probe._late()  # a stall that ends the block has not woken the probe yet
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
