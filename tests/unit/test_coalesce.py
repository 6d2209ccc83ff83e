import asyncio
from dataclasses import dataclass

from tui.core.coalesce import CoalescedChanges, Coalescer
from tui.core.events import EventBus


@dataclass(frozen=True)
class Changed:
    keys: tuple


def make(per_key: bool = False):
    bus = EventBus()
    seen: list[Changed] = []
    bus.subscribe(Changed, seen.append)
    coalescer: Coalescer[str]
    if per_key:
        coalescer = Coalescer(bus, lambda keys: (Changed((key,)) for key in keys))
    else:
        coalescer = Coalescer(bus, lambda keys: (Changed(keys),))
    return coalescer, seen


async def test_one_event_per_turn_with_every_key_in_the_order_first_touched():
    coalescer, seen = make()
    for key in ("b", "a", "b", "c", "a"):
        coalescer.add(key)
    assert seen == [] and coalescer.due
    await asyncio.sleep(0)  # one turn of the loop
    assert seen == [Changed(("b", "a", "c"))] and coalescer.emitted == 1 and not coalescer.due
    coalescer.add("d")
    await asyncio.sleep(0)
    assert seen[1:] == [Changed(("d",))] and coalescer.emitted == 2
    await asyncio.sleep(0)
    assert len(seen) == 2  # nothing changed: nothing said


async def test_without_keys_it_is_one_event_per_turn():
    coalescer, seen = make()
    for _ in range(1000):
        coalescer.add()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert seen == [Changed(())] and coalescer.emitted == 1


async def test_one_event_per_key_counts_each():
    coalescer, seen = make(per_key=True)
    for key in ("r1", "r2", "r1"):
        coalescer.add(key)
    await asyncio.sleep(0)
    assert seen == [Changed(("r1",)), Changed(("r2",))] and coalescer.emitted == 2


async def test_a_change_made_while_emitting_goes_out_on_the_next_turn():
    coalescer, seen = make()
    coalescer.bus.subscribe(Changed, lambda event: coalescer.add("again") if event.keys == ("a",) else None)
    coalescer.add("a")
    await asyncio.sleep(0)
    assert seen == [Changed(("a",))]
    await asyncio.sleep(0)
    assert seen == [Changed(("a",)), Changed(("again",))]


async def test_flushing_early_leaves_nothing_for_the_scheduled_turn():
    coalescer, seen = make()
    coalescer.add("a")
    coalescer.flush()
    assert seen == [Changed(("a",))]
    await asyncio.sleep(0)
    assert seen == [Changed(("a",))]


def test_without_a_running_loop_the_event_goes_out_at_once():
    coalescer, seen = make()
    coalescer.add("a")
    coalescer.add("b")
    assert seen == [Changed(("a",)), Changed(("b",))] and not coalescer.due


def test_a_loop_that_stopped_before_the_turn_does_not_swallow_later_changes():
    coalescer, seen = make()
    old = asyncio.new_event_loop()

    def change_then_stop():
        coalescer.add("lost turn")  # scheduled on `old`, which stops before running it
        old.stop()

    old.call_soon(change_then_stop)
    old.run_forever()
    old.close()
    assert seen == [] and coalescer.due

    async def later():
        coalescer.add("next")
        await asyncio.sleep(0)

    asyncio.run(later())
    assert seen == [Changed(("lost turn", "next"))]
    coalescer.add("closed")  # no loop any more: at once
    assert seen[1:] == [Changed(("closed",))]


def test_a_service_counts_the_events_its_coalescer_sent():
    class Service(CoalescedChanges):
        def __init__(self, bus):
            self._changes = Coalescer(bus, lambda keys: (Changed(keys),))

    service = Service(EventBus())
    service._changes.add("a")  # no loop: at once
    assert service.changes_emitted == 1
