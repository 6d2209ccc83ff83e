"""Silence after a message: neither a receipt nor an error.

A message the server accepted may still never reach anyone (a server that
drops it, a client that crashed). XEP-0184 receipts tell us it arrived; an
error reply tells us it did not; silence tells us nothing — unless the
peer's client is one that confirms. So a message is marked "no answer"
after :data:`NO_ANSWER_AFTER` seconds only when we expect a receipt:

- the peer has confirmed a message before (a receipt in this run, or a ✓
  on one of our earlier lines of the conversation, from the history), and
- the roster does not show the peer offline (an offline contact's server
  keeps the message; the receipt comes when they are back).

Clients that never send receipts are never accused of silence. A receipt
that comes late still turns the mark into ✓.
"""

from __future__ import annotations

import asyncio
from typing import Callable, Iterable

from ...core.model import Delivery, Line

NO_ANSWER_AFTER = 60.0  # seconds; generous: a phone on a slow link confirms within a few


def expects_receipt(confirmed_before: bool, offline: bool) -> bool:
    """The rule above, on its own."""
    return confirmed_before and not offline


def confirmed_in(lines: Iterable[Line]) -> bool:
    """Does one of our lines of the conversation carry a receipt's ✓?"""
    return any(line.delivery is Delivery.DELIVERED for line in lines)


class AwaitedAnswers:
    """Our messages waiting for a receipt or an error, each with a timer.

    ``silent(msg_id)`` is called when a message's time is up without an
    answer; the service decides there whether a receipt was expected."""

    def __init__(self, silent: Callable[[str], None], delay: float = NO_ANSWER_AFTER) -> None:
        self.delay = delay
        self._silent = silent
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._confirming: set[str] = set()  # peers whose client sent us a receipt (this run)

    def confirmed(self, peer: str) -> None:
        self._confirming.add(peer)

    def confirms(self, peer: str) -> bool:
        return peer in self._confirming

    def wait(self, msg_id: str) -> None:
        """``msg_id`` was handed to the server (again): its clock starts now."""
        self.answered(msg_id)
        loop = asyncio.get_running_loop()
        self._timers[msg_id] = loop.call_later(self.delay, self._expired, msg_id)

    def answered(self, msg_id: str) -> None:
        """A receipt or an error came: no longer waiting."""
        timer = self._timers.pop(msg_id, None)
        if timer is not None:
            timer.cancel()

    def waiting(self) -> int:
        return len(self._timers)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def _expired(self, msg_id: str) -> None:
        self._timers.pop(msg_id, None)
        self._silent(msg_id)
