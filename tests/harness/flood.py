"""A real peer flooding someone with chat messages, bounded in count and rate.

    task = asyncio.create_task(flood(bob, alice_jid, 2000))
    ...
    sent = await task          # how many were sent, and how fast

The peer is a real slixmpp client (tests/harness/peer.py): the stanzas go
through Prosody like any contact's.  It stops by itself after ``count``
messages or ``seconds``, whichever comes first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

CHUNK = 100  # messages handed to slixmpp between two yields to the loop


@dataclass
class FloodResult:
    sent: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def flood_body(index: int) -> str:
    return f"flood {index}"


async def flood(peer, to: str, count: int, *, rate: float | None = None,
                seconds: float | None = None) -> FloodResult:
    """Send ``flood 0`` … ``flood count-1`` from ``peer`` to ``to`` at up to
    ``rate`` messages a second (None: as fast as slixmpp takes them), for at
    most ``seconds``."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    while sent < count:
        now = loop.time()
        if seconds is not None and now - start >= seconds:
            break
        if rate is not None:
            due = int((now - start) * rate) + 1
            if sent >= due:
                await asyncio.sleep(min(CHUNK / rate, 0.05))
                continue
            batch = min(CHUNK, count - sent, due - sent)
        else:
            batch = min(CHUNK, count - sent)
        for _ in range(batch):
            peer.send(to, flood_body(sent))
            sent += 1
        await asyncio.sleep(0)
    # "sent" once slixmpp wrote them to the socket, not when queued
    while not peer.xmpp.waiting_queue.empty():
        await asyncio.sleep(0.01)
    return FloodResult(sent, loop.time() - start)
