"""The collector policy (tui.collector): a full collection's survivors are
frozen, so the next one walks only what came since; a quiet spell releases
them (unfreeze, collect, freeze), so cyclic garbage among them is reclaimed."""

from __future__ import annotations

import gc
import weakref

import pytest

from tui.collector import Collector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector reclaims it


@pytest.fixture
def fresh_gc():
    gc.collect()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.collect()


async def test_survivors_of_a_full_collection_are_frozen_and_released_when_quiet(fresh_gc):
    now = [1000.0]
    last_key = [float("-inf")]
    collector = Collector(lambda: last_key[0], idle=20, release=900, check=3600, clock=lambda: now[0])
    collector.start()
    try:
        node = Node()
        gone = weakref.ref(node)
        before = gc.get_freeze_count()
        gc.collect()  # a full collection: node survives it, and is frozen
        assert collector.freezes == 1 and gc.get_freeze_count() > before
        del node
        gc.collect()  # frozen: its cycle is not walked, not reclaimed
        assert gone() is not None

        # not yet: activity a moment ago, or a release too recent
        last_key[0] = now[0] - 100
        assert not collector.release_if_idle()  # quiet, but released a moment ago (start)
        now[0] += 901
        last_key[0] = now[0]
        assert not collector.release_if_idle()  # a key just now
        last_key[0] = now[0] - 5
        assert not collector.release_if_idle() and gone() is not None

        # quiet long enough: unfrozen, collected, frozen again
        last_key[0] = now[0] - 21
        assert collector.release_if_idle()
        assert gone() is None and collector.releases == 1 and gc.get_freeze_count() > 0
        assert not collector.release_if_idle()  # nothing frozen since
    finally:
        collector.stop()
    assert collector._on_collection not in gc.callbacks
