"""The history store as the conversation services use it: a failing disk
never costs a message.

A write that fails (disk full, file read-only, I/O error) is said once,
through ``warn``, and kept in memory in order; each later write first
retries what was kept, so when the disk has room again the history fills
in as if nothing had happened (the store still refuses duplicates then),
and ``recovered`` is called. Meanwhile ``add``/``add_many`` answer, for a
message the store does not already hold, with the record itself unsaved
(``rowid`` None): the caller shows it as new. Reads, and anything else of
the store, go straight through.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Callable, Iterable

from .database import HistoryError
from .history import HistoryClosed, HistoryStore
from .records import StoredMessage

log = logging.getLogger(__name__)

MAX_KEPT = 10_000  # writes held while the disk fails; past that the oldest go (logged)

_UNSAVED = object()


class GuardedHistory:
    def __init__(self, store: HistoryStore, warn: Callable[[str], None],
                 recovered: Callable[[], None] | None = None) -> None:
        self.store = store
        self._warn = warn
        self._recovered = recovered
        self._kept: deque[tuple[str, tuple, dict]] = deque()
        self._lock = asyncio.Lock()  # kept writes go first, in the order they were made
        self.failing: str | None = None  # why writes fail, while they do

    def __getattr__(self, name: str) -> Any:
        # Reads (latest, search…), and whatever the store offers later, unchanged.
        return getattr(self.store, name)

    # -- writes ----------------------------------------------------------------
    async def add_many(self, msgs: Iterable[StoredMessage]) -> list[StoredMessage | None]:
        batch = list(msgs)
        result = await self._write("add_many", batch)
        if result is not _UNSAVED:
            return result
        try:
            known = await self.store.known(batch)  # reading still works on a full disk
        except HistoryError:
            known = [False] * len(batch)
        for msg in batch:
            msg.rowid = None  # a rolled-back transaction may have numbered some
        return [None if dup else msg for msg, dup in zip(batch, known)]

    async def add(self, msg: StoredMessage) -> StoredMessage | None:
        return (await self.add_many([msg]))[0]

    async def set_delivery(self, *args, **kwargs) -> StoredMessage | None:
        return _or_none(await self._write("set_delivery", *args, **kwargs))

    async def set_error(self, *args, **kwargs) -> StoredMessage | None:
        return _or_none(await self._write("set_error", *args, **kwargs))

    async def set_encryption(self, *args, **kwargs) -> StoredMessage | None:
        return _or_none(await self._write("set_encryption", *args, **kwargs))

    async def apply_correction(self, *args, **kwargs) -> StoredMessage | None:
        return _or_none(await self._write("apply_correction", *args, **kwargs))

    async def hold(self, *args, **kwargs) -> None:
        await self._write("hold", *args, **kwargs)

    async def release(self, *args, **kwargs) -> None:
        await self._write("release", *args, **kwargs)

    async def close(self) -> None:
        """Write what was kept if the disk allows, then close; never raises
        for the disk (closing runs as Parlons quits)."""
        async with self._lock:
            await self._write_kept()
            if self._kept:
                log.warning("history %s: %d writes lost at close: %s", self.store.path, len(self._kept), self.failing)
            try:
                await self.store.close()
            except HistoryError as exc:
                log.warning("history %s: closing: %s", self.store.path, exc)

    # -- plumbing ----------------------------------------------------------------
    async def _write(self, name: str, *args, **kwargs) -> Any:
        async with self._lock:
            if await self._write_kept():
                try:
                    result = await getattr(self.store, name)(*args, **kwargs)
                except HistoryClosed:
                    raise
                except HistoryError as exc:
                    self._failed(exc)
                else:
                    self._succeeded()
                    return result
            self._keep(name, args, kwargs)
            return _UNSAVED

    async def _write_kept(self) -> bool:
        """Retry the kept writes, oldest first; True when none is left."""
        while self._kept:
            name, args, kwargs = self._kept[0]
            try:
                await getattr(self.store, name)(*args, **kwargs)
            except HistoryClosed:
                raise
            except HistoryError as exc:
                self._failed(exc)
                return False
            self._kept.popleft()
        return True

    def _keep(self, name: str, args: tuple, kwargs: dict) -> None:
        if len(self._kept) >= MAX_KEPT:
            log.warning("history %s: more than %d writes waiting for the disk; the oldest is dropped",
                        self.store.path, MAX_KEPT)
            self._kept.popleft()
        self._kept.append((name, args, kwargs))

    def _failed(self, exc: HistoryError) -> None:
        reason = str(exc).removeprefix("history: ")
        if self.failing is None:
            log.warning("history %s cannot be written: %s", self.store.path, reason)
            self._warn(f"history cannot be written ({reason}); messages are shown, "
                       "and kept in memory until it can")
        self.failing = reason

    def _succeeded(self) -> None:
        if self.failing is not None:
            self.failing = None
            log.info("history %s written again", self.store.path)
            if self._recovered is not None:
                self._recovered()


def _or_none(result: Any) -> Any:
    return None if result is _UNSAVED else result
