"""Readings beside the account's queue: one key's in turn, what they concern
parked and handed back in arrival order once the key's last one ended."""

from __future__ import annotations

import asyncio

from tests.harness.wait import until
from tui.core.beside_queue import BesideQueue


async def test_one_keys_readings_in_turn_others_at_once_and_what_waits_after_the_last():
    released: list[tuple[str, list[int]]] = []
    readings = BesideQueue("test", lambda key, parked: released.append((key, parked)))
    gates = {name: asyncio.Event() for name in ("a1", "a2", "b")}
    running: list[str] = []

    def reading(name: str):
        async def read() -> None:
            running.append(name)
            await gates[name].wait()
            running.remove(name)
        return read

    assert not readings.park("a", 0)  # nothing under way: not kept
    readings.start("a", reading("a1"))
    readings.start("a", reading("a2"))
    readings.start("b", reading("b"))
    await until(lambda: sorted(running) == ["a1", "b"])  # a2 waits for a1; b runs beside
    assert readings.park("a", 1) and readings.park("a", 2) and readings.park("b", 3)
    assert readings.parked("a") == [1, 2] and readings.under_way("a") and readings.under_way()

    gates["a1"].set()
    await until(lambda: running == ["b", "a2"] or running == ["a2", "b"])
    assert released == []  # a's second reading: what concerns a still waits
    assert readings.park("a", 4)
    gates["a2"].set()
    await until(lambda: released == [("a", [1, 2, 4])])
    assert not readings.under_way("a") and not readings.park("a", 5)
    gates["b"].set()
    await until(lambda: released == [("a", [1, 2, 4]), ("b", [3])])
    assert not readings.under_way()


async def test_a_failed_reading_releases_what_waits_a_cancelled_one_does_not(caplog):
    released: list[list[int]] = []
    readings = BesideQueue("test", lambda _key, parked: released.append(parked))

    async def fails() -> None:
        raise RuntimeError("boom")

    readings.start("k", fails)
    readings.park("k", 1)
    await until(lambda: released == [[1]])
    assert "reading of k failed" in caplog.text

    stalled = asyncio.Event()
    readings.start("k", stalled.wait)
    readings.park("k", 2)
    readings.close()  # the account closes
    await until(lambda: not readings.under_way())
    assert released == [[1]]
