"""The core models under a flood, timed here rather than in the tests.

    .venv/bin/python bench/bench_models.py

- a login storm: 5,000 contacts' presences applied to the roster model and
  the visible rows sorted;
- look-alike nicks: 1,000 occupants against 5,000 contact names, cold and warm;
- the history store: 50,000 messages written as one batch, and the longest
  stall of the event loop meanwhile (a ticker every 5 ms).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui.core.confusables import find_confusables, skeleton  # noqa: E402
from tui.core.roster import Roster, visible_rows  # noqa: E402
from tui.store.history import HistoryStore  # noqa: E402
from tui.store.records import StoredMessage  # noqa: E402


def roster_storm() -> None:
    roster = Roster("alice@example.org")
    for n in range(5000):
        roster.set_item(f"user{n}@x.org", name=f"User {n}", groups=[f"group{n % 20}"], subscription="both")
    started = time.perf_counter()
    for n in range(5000):
        roster.set_presence(f"user{n}@x.org", "res", ("available", "away", "dnd")[n % 3], f"status {n}")
    rows = visible_rows(roster)
    elapsed = time.perf_counter() - started
    assert len(rows) == 5020
    print(f"roster: 5,000 presences applied and {len(rows)} rows sorted in {elapsed * 1000:.1f} ms")


def confusables() -> None:
    nicks = [f"user{i}" for i in range(1000)]
    others = [f"Contact {i}" for i in range(5000)]
    skeleton.cache_clear()
    started = time.perf_counter()
    find_confusables(nicks, others)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    find_confusables(nicks, others)
    warm = time.perf_counter() - started
    print(f"confusables: 1,000 nicks + 5,000 names: cold {cold * 1000:.1f} ms, warm {warm * 1000:.1f} ms")


async def store_batch() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = [StoredMessage(peer=f"peer{i % 50}@example.org", direction="in",
                          body=f"message number {i} with a few words to index", time=start + timedelta(seconds=i),
                          msg_id=f"b{i}", stanza_id=f"B{i}")
            for i in range(50_000)]
    with tempfile.TemporaryDirectory() as directory:
        store = await HistoryStore.open(Path(directory) / "history.sqlite3")
        gaps: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        gc.collect()
        gc.disable()
        try:
            ticking = asyncio.create_task(ticker())
            started = time.perf_counter()
            await store.add_many(rows)
            elapsed = time.perf_counter() - started
            stop.set()
            await ticking
        finally:
            gc.enable()
            await store.close()
    print(f"store: 50,000 messages in one batch in {elapsed:.2f} s; "
          f"longest event-loop stall meanwhile {max(gaps) * 1000:.1f} ms (ticker every 5 ms)")


if __name__ == "__main__":
    roster_storm()
    confusables()
    asyncio.run(store_batch())
