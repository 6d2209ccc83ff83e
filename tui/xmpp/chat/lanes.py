"""Messages decrypted beside the account's queue, one lane per conversation.

A message a scheme may keep waiting (``Scheme.apart``: OpenPGP and OX call
gpg, ~10 ms each; the first may open the passphrase prompt, which stays
open as long as the user takes; OX may first read the sender's keys from
their PEP service) is taken out of the account's queue, so that other
conversations and rooms go on meanwhile:

- it waits in its conversation's lane, and so does whatever comes for that
  conversation after it (a line in clear, a correction, our carbon): the
  window keeps the order they came in;
- once decrypted, it and those behind it (up to the next one to decrypt
  aside) are stored and shown as a job of the queue, as if just arrived;
- before the first message is taken aside, the archive's anchor is held
  on disk (``hold``; tui/store/holds.py) and it is released once the last
  lane is empty: were Parlons killed meanwhile, later messages of other
  conversations already stored would hide it from the next catch-up; the
  hold makes that catch-up read from before it.

A room's message of that kind is parked as it arrives, behind a reading of
its room (tui/core/beside_queue.py; tui/xmpp/muc/messages.py). Here the
lane is chosen in the queue (``take``, in ChatService.receive: after our
archive's catch-up, which parks what arrives meanwhile), so a lane lives
until a job of the queue empties it: a job queued while it was busy still
finds it, and nothing overtakes what waits in it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Awaitable, Callable, Protocol

from ...core.serial import SerialRunner
from ..conversation.pipeline import MessagePipeline
from .fields import MessageFacts

log = logging.getLogger(__name__)

class Handle(Protocol):
    """In the queue, as ChatService.receive would: ``batch`` decrypted already."""
    def __call__(self, batch: list[MessageFacts], *, replay: bool, unseen: bool) -> Awaitable[None]: ...


@dataclass(slots=True)
class Waiting:
    facts: MessageFacts
    replay: bool
    unseen: bool
    shown: bool = True  # False: the scheme consumed it (nothing to show)


class Lanes:
    def __init__(self, serial: SerialRunner, pipeline: MessagePipeline, handle: Handle,
                 hold: Callable[[], Awaitable[None]], release: Callable[[], Awaitable[None]]) -> None:
        self.serial = serial
        self.pipeline = pipeline  # decrypts, beside the queue; its schemes say what goes aside
        self.handle = handle
        self.hold = hold  # the archive's anchor held on disk (in the queue)
        self.release = release  # … and let go
        self._lanes: dict[str, deque[Waiting]] = {}  # conversation -> what waits, oldest first
        self._tasks: set[asyncio.Task] = set()

    def waiting(self, peer: str) -> int:
        """Messages of ``peer``'s conversation waiting in its lane."""
        return len(self._lanes.get(peer, ()))

    async def take(self, batch: list[MessageFacts], *, replay: bool, unseen: bool) -> list[MessageFacts]:
        """In the queue: those of ``batch`` to handle now, in order; the
        others wait in their conversation's lane."""
        now: list[MessageFacts] = []
        for facts in batch:
            lane = self._lanes.get(facts.peer)
            if lane is None and self.pipeline.waits(facts):
                if not self._lanes:
                    await self.hold()  # on disk before anything after it is stored
                lane = self._lanes[facts.peer] = deque()
                task = asyncio.get_running_loop().create_task(self._run(facts.peer))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if lane is not None:
                lane.append(Waiting(facts, replay, unseen))
            else:
                now.append(facts)
        return now

    async def _run(self, peer: str) -> None:
        """Decrypt the lane's first message (aside), then hand it and those
        behind it on to the queue; until the lane is empty."""
        lane = self._lanes[peer]
        while True:
            head = lane[0]
            head.shown = bool(await self.pipeline.decrypt([head.facts]))  # (what fails is said in its place)
            try:
                if await self.serial.run(partial(self._hand_on, peer)):
                    return
            except Exception:  # logged by the queue; what was taken is gone, the rest goes on
                if self._lanes.get(peer) is not lane:
                    return

    async def _hand_on(self, peer: str) -> bool:
        """In the queue: the lane's first message, decrypted, and those
        behind it up to the next to decrypt aside, handled as arrived now.
        True when the lane is empty (and gone)."""
        lane = self._lanes[peer]
        run = [lane.popleft()]
        while lane and not self.pipeline.waits(lane[0].facts):
            run.append(lane.popleft())
        try:
            for (replay, unseen), group in groupby((w for w in run if w.shown), lambda w: (w.replay, w.unseen)):
                await self.handle([w.facts for w in group], replay=replay, unseen=unseen)
        finally:
            if not lane:
                del self._lanes[peer]
                if not self._lanes:
                    await self.release()
        return not lane

    def close(self) -> None:
        """The account goes: what waits is dropped (the hold stays on disk:
        the next start reads it again from the archive)."""
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self._lanes.clear()
