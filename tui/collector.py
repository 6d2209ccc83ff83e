"""The cyclic garbage collector, kept out of the keys' way.

CPython's full collection walks every tracked object that is not frozen.
During a flood the window's lines, their rendered rows and the stanzas in
flight pile up, and one full collection took up to 37 ms (W4, measured with
``gc.callbacks``): a key typed meanwhile waits behind it.

Here what survives a full collection is frozen right after it
(``gc.freeze``: moved to the permanent generation, never walked again), so
the next full collection walks only what was promoted since — each stays
short, whatever the size of the history shown.  The price: a frozen object
that later becomes unreachable inside a reference cycle is not reclaimed
while frozen.  So once nobody has typed for ``idle`` seconds, at most every
``release`` seconds, everything is unfrozen, collected in full and frozen
again — when nobody waits for a key.  (Server data does not count: in a
busy room it never stops, and the release must come; a message shown a few
hundred ms late while nobody types is no harm.)

While someone types, no full collection starts at all (for up to
``max_defer`` seconds in a row): even walking only what came since the last
one, a full collection during a flood took 10-24 ms (W4, four of them in
three runs, each with a key waiting behind it), where the young
generations' collections, which go on, take 0.1-5 ms.  CPython starts a
full collection when enough young collections have counted up to the third
threshold; after each middle-generation collection the third threshold is
raised out of reach while a key came less than ``typing`` seconds ago, and
put back otherwise — the next full collection then comes at a pause in the
typing, or after ``max_defer`` (the cyclic garbage promoted meanwhile waits
that long).  The first key of a spell raises it at once (:meth:`key_heard`,
on the input thread as the key is parsed): decided only at middle-generation
collections, the first full one could still come right after it.

Only the real app runs a :class:`Collector` (``run_app``, which gives it
the time of the last key: ``screens.keys_first.last_key``); test processes
keep CPython's defaults.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from time import monotonic
from typing import Any, Callable

log = logging.getLogger(__name__)

IDLE = 20.0  # seconds without a key before a full release
RELEASE = 900.0  # at most one full release this often
CHECK = 5.0  # the idle state is looked at when a release could be due, at most this often
TYPING = 1.0  # seconds after a key during which no full collection starts ...
MAX_DEFER = 30.0  # ... for at most this long in a row
OUT_OF_REACH = 1 << 30  # a third threshold no count of young collections reaches

class Collector:
    def __init__(self, last_key: Callable[[], float], *, idle: float = IDLE, release: float = RELEASE,
                 check: float = CHECK, typing: float = TYPING, max_defer: float = MAX_DEFER,
                 clock: Callable[[], float] = monotonic) -> None:
        self.last_key = last_key  # when a key was last typed (the clock's time)
        self.idle = idle
        self.release = release
        self.check = check
        self.typing = typing
        self.max_defer = max_defer
        self.clock = clock
        self.freezes = 0  # full collections whose survivors were frozen
        self.releases = 0
        self._full_threshold = gc.get_threshold()[2]  # CPython's, put back when not typing
        self._deferring_since: float | None = None  # full collections held off since (the clock's time)
        self._heard = float("-inf")  # the last key parsed (key_heard; the clock's time)
        self._frozen_since_release = False
        self._last_release = clock()
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        if gc.get_threshold()[2] != OUT_OF_REACH:
            self._full_threshold = gc.get_threshold()[2]
        if self._on_collection not in gc.callbacks:
            gc.callbacks.append(self._on_collection)
        self._schedule()

    def stop(self) -> None:
        if self._on_collection in gc.callbacks:
            gc.callbacks.remove(self._on_collection)
        self._allow_full_collections()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _on_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop":
            return
        generation = info.get("generation")
        if generation == 2:
            gc.freeze()  # the survivors: the next full collection walks only what comes after
            self.freezes += 1
            self._frozen_since_release = True
            self._deferring_since = None
        elif generation == 1:
            self._defer_while_typing()

    def key_heard(self) -> None:
        """A key was parsed: no full collection from now on while the
        typing goes on (thread-safe: the input thread calls it for each key,
        the real app only; the next middle-generation collection decides
        again, as for every key)."""
        if self._on_collection not in gc.callbacks:
            return  # not started, or stopped: CPython's thresholds stay
        now = self.clock()
        self._heard = now
        if self._deferring_since is None:
            self._deferring_since = now
            self._set_full_threshold(OUT_OF_REACH)

    def _defer_while_typing(self) -> None:
        """No full collection while someone types (at most ``max_defer`` in a row)."""
        now = self.clock()
        if now - max(self.last_key(), self._heard) < self.typing:
            if self._deferring_since is None:
                self._deferring_since = now
            if now - self._deferring_since < self.max_defer:
                self._set_full_threshold(OUT_OF_REACH)
                return
            # typed for max_defer on end: allowed until a full collection runs
        else:
            self._deferring_since = None  # a pause in the typing
        self._allow_full_collections()

    def _allow_full_collections(self) -> None:
        self._set_full_threshold(self._full_threshold)

    @staticmethod
    def _set_full_threshold(value: int) -> None:
        young, middle, full = gc.get_threshold()
        if full != value:
            gc.set_threshold(young, middle, value)

    @property
    def deferring(self) -> bool:
        """Full collections are held off now (someone is typing)."""
        return gc.get_threshold()[2] == OUT_OF_REACH

    def next_check(self) -> float:
        """Seconds until a release could be due (the timer sleeps that long,
        not waking every few seconds for nothing), at least ``check``.
        With nothing frozen since the last release there is nothing to
        release before the next full collection, which no timer hears of:
        looked at again ``release`` seconds on."""
        now = self.clock()
        due = max(self._last_release + self.release, self.last_key() + self.idle)
        if due <= now and not self._frozen_since_release:
            due = now + self.release
        return max(due - now, self.check)

    def _schedule(self) -> None:
        self._handle = asyncio.get_running_loop().call_later(self.next_check(), self._tick)

    def _tick(self) -> None:
        self.release_if_idle()
        self._schedule()

    def release_if_idle(self) -> bool:
        """Unfreeze, collect everything and freeze again, if quiet long enough."""
        now = self.clock()
        if not self._frozen_since_release or now - self._last_release < self.release \
                or now - self.last_key() < self.idle:
            return False
        gc.unfreeze()
        started = monotonic()
        found = gc.collect()  # (its own "stop" callback freezes the survivors again)
        log.debug("idle full collection: %d unreachable, %.1f ms", found, (monotonic() - started) * 1000)
        self._last_release = now
        self._frozen_since_release = False
        self.releases += 1
        return True
