"""SerialRunner.gather: items arriving while a batch is handled make the
next batch, in order, and never overtake other work queued between them."""

from __future__ import annotations

import asyncio

from tui.core.serial import SerialRunner


async def test_a_flood_is_handled_in_few_batches_in_order():
    serial = SerialRunner("test")
    batches: list[list[int]] = []

    async def handle(items: list[int]) -> None:
        batches.append(list(items))
        await asyncio.sleep(0)  # a store round trip: more arrive meanwhile

    async def arrive() -> None:
        for n in range(100):
            serial.gather("in", n, handle)
            if n % 7 == 0:
                await asyncio.sleep(0)

    await arrive()
    while not serial.idle():
        await asyncio.sleep(0)
    assert [n for batch in batches for n in batch] == list(range(100))
    assert 1 < len(batches) < 30


async def test_other_work_queued_between_items_keeps_its_place():
    serial = SerialRunner("test")
    done: list[object] = []

    async def handle(items: list[str]) -> None:
        done.append(tuple(items))

    async def other() -> None:
        done.append("catch-up")

    serial.gather("in", "a", handle)
    serial.gather("in", "b", handle)
    serial.submit(other)
    serial.gather("in", "c", handle)
    serial.gather("rooms", "x", handle)  # another kind: its own batch
    serial.gather("rooms", "y", handle)
    await serial.run(lambda: asyncio.sleep(0))
    assert done == [("a", "b"), "catch-up", ("c",), ("x", "y")]


async def test_an_item_arriving_while_its_batch_runs_goes_to_the_next():
    serial = SerialRunner("test")
    started, release = asyncio.Event(), asyncio.Event()
    batches: list[list[int]] = []

    async def handle(items: list[int]) -> None:
        batches.append(items)
        started.set()
        await release.wait()

    serial.gather("in", 1, handle)
    await started.wait()
    serial.gather("in", 2, handle)
    serial.gather("in", 3, handle)
    release.set()
    await serial.run(lambda: asyncio.sleep(0))
    assert batches == [[1], [2, 3]]
