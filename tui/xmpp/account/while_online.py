"""A task that runs while an XMPP session is up.

Started afresh when a session starts or resumes (stream management), and
cancelled when the link goes down: a watch (keepalive pings, rooms'
self-pings) that asks the server things must not run on a dead link, and
must run again on the next one.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

import slixmpp


class WhileOnline:
    """Runs ``run(xmpp)`` while ``xmpp``'s session is up (``attach`` each
    client made); the task may also end by itself."""

    def __init__(self, run: Callable[[slixmpp.ClientXMPP], Awaitable[None]]) -> None:
        self._run = run
        self._xmpp: slixmpp.ClientXMPP | None = None
        self._task: asyncio.Future | None = None

    def attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        xmpp.add_event_handler("session_start", lambda _event: self.start(xmpp))
        xmpp.add_event_handler("session_resumed", lambda _event: self.start(xmpp))
        xmpp.add_event_handler("disconnected", lambda _event: self.stop())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, xmpp: slixmpp.ClientXMPP | None = None) -> None:
        """(Re)start the task, for ``xmpp`` or the client it last ran for."""
        self.stop()
        self._xmpp = xmpp or self._xmpp
        if self._xmpp is not None:
            self._task = asyncio.ensure_future(self._run(self._xmpp))

    def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
