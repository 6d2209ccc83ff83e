"""Keys before messages: what the server sends is read in slices of bounded time.

asyncio hands a protocol everything one socket read decrypted at once
(up to 256 KiB over TLS); slixmpp parses it and runs the handlers of every
stanza in it before the event loop does anything else.  During a flood that
is hundreds of stanzas and up to ~100 ms in one callback, and a key typed
meanwhile waits for all of it, then for a frame.

:func:`pace` wraps one protocol instance: its ``data_received`` is fed in
pieces of at most SLICE bytes until BUDGET seconds are spent (near the
end, smaller ones: what the time left allows at the rate seen so far); the
rest waits for the next turn of the loop (``call_soon``: whatever is
already queued, a key event among it, runs first) with the transport's
reading paused, so that the kernel's buffer, not our memory, holds what
the server sends meanwhile.  While a key is on its way to the screen (the
hold the face installs) no slice runs at all — not a new read's, not one
scheduled before the key came: the key crosses several turns of the loop
(the input thread's hand-over, the app's queue, the input line's), and a
slice at each turn made it wait 25-30 ms behind a presence storm (W6).
Bytes reach the protocol exactly once, in order; a lost connection first
delivers what was read before it (the stanzas the server counts as sent
are handled, as they were before).  The XML parser takes bytes split
anywhere (multi-byte characters included).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from time import monotonic
from typing import Any, Callable


log = logging.getLogger(__name__)

SLICE = 4096  # bytes fed to the parser between two looks at the clock, at most
MIN_SLICE = 512  # ... and at least: near the deadline, what the time left allows
# seconds of stanza work before the loop gets a turn: 4 ms until the twelfth
# session; 2 ms (a key parsed during a slice waits for half as much) took
# W6's keys during the storm from 6.3 / 12.4 / 18.1 to 5.1 / 11.8 / 17.2 ms
# (median / p90 / p99, 12 runs each way interleaved) and W4's p99 from 20.6
# to 18.2 ms, W2's time and CPU unchanged within the noise
BUDGET = 0.002
RATE_WEIGHT = 0.25  # of the newest piece in the seconds-per-byte estimate


def _no_hold() -> float:
    return 0.0


# Seconds the next slice waits (0: the next turn of the loop); the face
# installs its own (screens/keys_first.py: a key on its way to the screen).
_hold: Callable[[], float] = _no_hold


def hold_slices_with(hold: Callable[[], float] | None) -> None:
    """Install ``hold`` (None: none): asked before each slice after the first."""
    global _hold
    _hold = hold or _no_hold


_last_backlog = float("-inf")  # (monotonic) when a reader last left data for a later turn


def backlogged(within: float = 0.1) -> bool:
    """A reader had more data than a slice takes within the last ``within``
    seconds: a flood or a catch-up is being worked through, and whatever
    waits for the account's queue (a message typed) waits behind it."""
    return monotonic() - _last_backlog < within


class PacedReader:
    """``protocol``'s incoming data in slices of at most ``budget`` seconds."""

    def __init__(self, protocol: Any, *, budget: float = BUDGET, slice_bytes: int = SLICE,
                 clock: Callable[[], float] = monotonic) -> None:
        self.protocol = protocol
        self.budget = budget
        self.slice_bytes = slice_bytes
        self.clock = clock
        self._received = protocol.data_received
        self._lost = protocol.connection_lost
        self._backlog: deque[bytes] = deque()
        self._paused: Any = None  # the transport we paused, to resume the same one
        self._drain_scheduled = False
        self.yields = 0  # times the loop got a turn mid-data (for tests and benchmarks)
        # When bytes last came in or went to the protocol (``clock``): the
        # link is alive, even while a ping's answer waits behind a backlog
        # (tui/xmpp/account/keepalive.py).
        self.heard = 0.0
        self._rate = budget / slice_bytes  # seconds a byte takes to handle (learnt as pieces go)
        protocol.data_received = self.data_received
        protocol.connection_lost = self.connection_lost

    @property
    def pending(self) -> int:
        """Bytes read but not yet given to the protocol."""
        return sum(len(data) for data in self._backlog)

    def data_received(self, data: bytes) -> None:
        self.heard = self.clock()
        if self._backlog:  # still working through earlier data: after it
            self._backlog.append(data)
            return
        self._backlog.append(data)
        self._feed()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.flush()
        self._paused = None
        self._lost(exc)

    def flush(self) -> None:
        """Give the protocol everything read so far, now."""
        while self._backlog:
            self._received(self._backlog.popleft())

    def _feed(self) -> None:
        if _hold() > 0:  # a key on its way goes first: a new read's slice or one scheduled before it came
            self._yield()
            return
        clock = self.clock
        now = clock()
        deadline = now + self.budget
        backlog = self._backlog
        while backlog:
            data = backlog[0]
            start = 0
            while start < len(data):
                step = self._step(deadline - now)
                piece = data[start:start + step] if start or len(data) > step else data
                self._received(piece)
                start += len(piece)
                then, now = now, clock()
                self.heard = now
                self._rate += RATE_WEIGHT * ((now - then) / len(piece) - self._rate)
                if now >= deadline and (start < len(data) or len(backlog) > 1):
                    backlog[0] = data[start:]
                    if not backlog[0]:
                        backlog.popleft()
                    self._yield()
                    return
            backlog.popleft()
        self._resume()

    def _step(self, left: float) -> int:
        """Bytes for the next piece: what the time left allows at the rate
        seen so far, between MIN_SLICE and ``slice_bytes`` (a whole piece
        started just before the deadline overran the budget by up to its own
        time: 4-6 ms of a flood's stanzas)."""
        fits = int(left / self._rate) if self._rate > 0 else self.slice_bytes
        return max(min(fits, self.slice_bytes), min(MIN_SLICE, self.slice_bytes))

    def _yield(self) -> None:
        global _last_backlog
        self.yields += 1
        _last_backlog = monotonic()
        transport = getattr(self.protocol, "transport", None)
        if self._paused is None and transport is not None:
            try:
                transport.pause_reading()
                self._paused = transport
            except (AttributeError, RuntimeError):  # closing, or not a reading transport
                pass
        if not self._drain_scheduled:
            self._drain_scheduled = True
            wait = _hold()
            if wait > 0:
                asyncio.get_running_loop().call_later(wait, self._drain)
            else:
                asyncio.get_running_loop().call_soon(self._drain)

    def _drain(self) -> None:
        self._drain_scheduled = False
        if self._backlog:
            self._feed()

    def _resume(self) -> None:
        transport: Any = self._paused
        self._paused = None
        # (a transport replaced meanwhile, by STARTTLS, is the TLS layer's now)
        if transport is None or not self._is_current(transport):
            return
        try:
            transport.resume_reading()
        except (AttributeError, RuntimeError):
            pass

    def _is_current(self, transport: Any) -> bool:
        return getattr(self.protocol, "transport", None) is transport


def pace(protocol: Any, **options: Any) -> PacedReader:
    """Read ``protocol``'s data in slices of bounded time (see the module)."""
    return PacedReader(protocol, **options)
