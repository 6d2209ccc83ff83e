"""A crowd: an external component (XEP-0114) that puts N occupants in a
room (W7), which 2 cores could not run as N clients.  A child process like
bench/e2e/agent.py, same line protocol:

    python -m bench.e2e.crowd --domain bots.localhost --secret S --port N

``occupy`` {room, count}: guest00000@domain/crowd … guest<count-1> each join
``room`` as the nick ``guest<i>``; emits ``occupied`` once Prosody has
handled every join (a disco#info sent after the last join is answered after
it: one stream, handled in order).  The occupants stay until ``quit``.

A plain component (bench/e2e/component.py): filling a room of N costs
≈N²/2 presences to the occupants already in it (each join is broadcast),
≈500,000 at 1,000, which slixmpp's component would parse and file in its
per-JID roster.  Prosody drops those before they reach us
(bench/e2e/actors.py, CROWD_SINK_LUA); what does come is read as bytes,
looking only for the marker reply.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any
from xml.sax.saxutils import quoteattr

from bench.e2e.actor_io import component_arguments, emit
from bench.e2e.component import PlainComponent, serve

DONE_ID = "crowd-occupied"


def guest(index: int) -> str:
    return f"guest{index:05d}"


def join_stanza(index: int, domain: str, room: str) -> bytes:
    """The join of guest ``index``: no history (a room's backlog is no part of W7)."""
    return (f"<presence from={quoteattr(f'{guest(index)}@{domain}/crowd')} "
            f"to={quoteattr(f'{room}/{guest(index)}')}>"
            "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"
            "</presence>").encode()


class Crowd(PlainComponent):
    async def occupy(self, room: str, count: int) -> None:
        domain = self.args.domain
        done = self.expect(DONE_ID.encode())
        first = time.monotonic()
        muc_domain = room.split("@", 1)[1]
        marker = (f"<iq type='get' id='{DONE_ID}' from={quoteattr(domain)} "
                  f"to={quoteattr(muc_domain)}><query xmlns='http://jabber.org/protocol/disco#info'/>"
                  "</iq>").encode()
        await self.write([*(join_stanza(index, domain, room) for index in range(count)), marker])
        done_at = await asyncio.wait_for(done, timeout=600)
        emit("occupied", t_first=first, t_done=done_at, received=self.received)


async def main(args: argparse.Namespace) -> None:
    crowd = Crowd(args)

    async def occupy(cmd: dict[str, Any]) -> None:
        await crowd.occupy(cmd["room"], int(cmd["count"]))

    await serve(crowd, {"occupy": occupy})


if __name__ == "__main__":
    asyncio.run(main(component_arguments("bench.e2e.crowd")))
