"""The collector policy (tui.collector): a full collection's survivors are
frozen, so the next one walks only what came since; a quiet spell releases
them (unfreeze, collect, freeze), so cyclic garbage among them is reclaimed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tui.collector import Collector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector reclaims it


# what CPython's gc.callbacks are given when a collection of that generation ends
MIDDLE = {"generation": 1, "collected": 0, "uncollectable": 0}
FULL = {"generation": 2, "collected": 0, "uncollectable": 0}


class Clock:
    """The collector's clock and the time of the last key, set by the test."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.last_key = float("-inf")

    def collector(self, **options) -> Collector:
        return Collector(lambda: self.last_key, clock=lambda: self.now, **options)


@contextmanager
def running(collector: Collector) -> Iterator[Collector]:
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()


@pytest.fixture
def fresh_gc():
    gc.collect()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.collect()


async def test_survivors_of_a_full_collection_are_frozen_and_released_when_quiet(fresh_gc):
    clock = Clock()
    collector = clock.collector(idle=20, release=900, check=3600)
    with running(collector):
        node = Node()
        gone = weakref.ref(node)
        before = gc.get_freeze_count()
        gc.collect()  # a full collection: node survives it, and is frozen
        assert collector.freezes == 1 and gc.get_freeze_count() > before
        del node
        gc.collect()  # frozen: its cycle is not walked, not reclaimed
        assert gone() is not None

        # not yet: activity a moment ago, or a release too recent
        clock.last_key = clock.now - 100
        assert not collector.release_if_idle()  # quiet, but released a moment ago (start)
        clock.now += 901
        clock.last_key = clock.now
        assert not collector.release_if_idle()  # a key just now
        clock.last_key = clock.now - 5
        assert not collector.release_if_idle() and gone() is not None

        # quiet long enough: unfrozen, collected, frozen again
        clock.last_key = clock.now - 21
        assert collector.release_if_idle()
        assert gone() is None and collector.releases == 1 and gc.get_freeze_count() > 0
        assert not collector.release_if_idle()  # nothing frozen since
    assert collector._on_collection not in gc.callbacks


async def test_the_idle_state_is_looked_at_only_when_a_release_could_be_due(fresh_gc):
    clock = Clock()
    collector = clock.collector(idle=20, release=900, check=5)
    with running(collector):
        assert collector.next_check() == 900  # released at start: not before 15 minutes
        clock.now += 890
        clock.last_key = clock.now - 1
        assert collector.next_check() == 19  # typing: 20 s after the last key
        clock.now += 30
        assert collector.next_check() == 900  # due, but nothing frozen to release: a period on
        gc.collect()  # a full collection: its survivors frozen
        assert collector.next_check() == 5  # due now: not more often than ``check``
        assert collector.release_if_idle()
        assert collector.next_check() == 900


async def test_no_full_collection_starts_while_someone_types(fresh_gc):
    """CPython's own trigger, measured: while a key came less than ``typing``
    seconds ago, young collections go on and no full one starts, however
    much is promoted; once the typing pauses, the next one comes (and its
    survivors are frozen as before)."""
    clock = Clock()
    clock.last_key = clock.now  # typing
    started: list[int] = []

    def seen(phase, info):
        if phase == "start":
            started.append(info["generation"])

    collector = clock.collector(typing=1.0, max_defer=30.0, check=3600)
    collector.start()
    gc.callbacks.append(seen)
    kept: list[list] = []
    try:
        gc.collect(1)  # a middle-generation collection: the deferral is decided there
        assert collector.deferring
        for _ in range(300_000):  # promoted through the young generations: far past a full one's trigger
            kept.append([])
        assert started.count(1) >= 10 and 2 not in started, started.count(1)
        assert collector.freezes == 0

        clock.last_key = clock.now - 5.0  # the typing paused
        for _ in range(300_000):
            kept.append([])
        assert 2 in started and collector.freezes >= 1
        assert not collector.deferring
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
    assert not collector.deferring and gc.get_threshold()[2] != 1 << 30


async def test_typing_defers_full_collections_for_at_most_max_defer(fresh_gc):
    clock = Clock()
    collector = clock.collector(typing=1.0, max_defer=30.0, check=3600)
    with running(collector):
        collector._on_collection("stop", MIDDLE)
        assert not collector.deferring  # nobody typed
        clock.last_key = clock.now
        collector._on_collection("stop", MIDDLE)
        assert collector.deferring
        for _ in range(29):  # a key every second, for 29 s
            clock.now += 1.0
            clock.last_key = clock.now
            collector._on_collection("stop", MIDDLE)
            assert collector.deferring
        clock.now += 1.5  # 30.5 s of typing: a full collection may come now, typing or not
        clock.last_key = clock.now
        collector._on_collection("stop", MIDDLE)
        assert not collector.deferring
        collector._on_collection("stop", FULL)
        clock.now += 0.5
        clock.last_key = clock.now
        collector._on_collection("stop", MIDDLE)  # after it, typing defers again
        assert collector.deferring
        clock.now += 2.0  # a pause
        collector._on_collection("stop", MIDDLE)
        assert not collector.deferring
    assert not collector.deferring


async def test_the_first_key_defers_at_once_not_at_the_next_middle_collection(fresh_gc):
    """Decided only after middle-generation collections, the deferral came
    one such collection late: a full collection could start right after the
    first key. The key heard on the input thread defers at once; the pause
    and ``max_defer`` rules hold as before."""
    clock = Clock()
    collector = clock.collector(typing=1.0, max_defer=30.0, check=3600)
    collector.key_heard()  # not started: nothing changes
    assert not collector.deferring
    with running(collector):
        collector._on_collection("stop", MIDDLE)
        assert not collector.deferring
        collector.key_heard()
        assert collector.deferring  # before any middle-generation collection
        clock.now += 0.5
        collector._on_collection("stop", MIDDLE)
        assert collector.deferring  # the key heard counts as typing there too
        clock.now += 2.0
        collector._on_collection("stop", MIDDLE)
        assert not collector.deferring  # a pause
        collector.key_heard()
        for _ in range(31):
            clock.now += 1.0
            collector.key_heard()
            collector._on_collection("stop", MIDDLE)
        assert not collector.deferring  # typed for max_defer: a full collection may come
        collector.key_heard()
        assert not collector.deferring  # ... and keys do not hold it off again ...
        collector._on_collection("stop", FULL)
        collector.key_heard()
        assert collector.deferring  # ... until it has run
    collector.key_heard()
    assert not collector.deferring  # stopped: CPython's thresholds stay
