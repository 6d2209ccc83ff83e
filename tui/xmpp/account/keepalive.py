"""Noticing a dead link: keepalive pings, judged by what came in meanwhile.

TCP alone may not notice a link that died without a word (a NAT forgot it,
a laptop slept, a route went away): every INTERVAL seconds online, the
server is pinged (XEP-0199).  A ping left unanswered TIMEOUT seconds says
the link is dead only if nothing at all came from the server meanwhile.
During a backlog — a room's flood, a catch-up over a slow link, a slow
machine working through what it read — the answer waits in the stream
behind the rest: giving up then would throw the backlog away, and a server
whose session then ends keeps nothing of it (slixmpp's own keepalive did
that: a 100,000-message flood read under a profiler was lost to it).

``heard`` answers when bytes last came in or were handed to the parser
(:class:`tui.core.pacing.PacedReader`, on the monotonic clock).
"""

from __future__ import annotations

import asyncio
import logging
from time import monotonic
from typing import Callable

import slixmpp
from slixmpp.exceptions import IqTimeout

from .while_online import WhileOnline

log = logging.getLogger(__name__)

INTERVAL = 60.0  # seconds between pings while online
TIMEOUT = 30.0  # seconds an answer may take while nothing else comes in


class Keepalive:
    """Pings ``xmpp``'s server while the session is up; ``dead(reason)``
    when a ping went unanswered and nothing else came in meanwhile."""

    def __init__(self, heard: Callable[[], float], dead: Callable[[str], None]) -> None:
        self._heard = heard
        self._dead = dead
        self.unanswered = 0  # pings that timed out while the link went on delivering (tests)
        self._pinging = WhileOnline(self._run)

    def attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        self._pinging.attach(xmpp)

    async def _run(self, xmpp: slixmpp.ClientXMPP) -> None:
        while True:
            await asyncio.sleep(INTERVAL)
            timeout = TIMEOUT
            sent = monotonic()
            try:
                await xmpp.plugin["xep_0199"].ping(timeout=timeout)  # (an error answer is an answer)
            except IqTimeout:
                if self._heard() > sent:
                    self.unanswered += 1
                    log.info("no answer to a ping in %g s, but the server's data goes on coming in", timeout)
                    continue
                self._dead(f"no answer to a ping in {timeout:g} s")
                return
