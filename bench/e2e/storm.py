"""A presence storm: an external component (XEP-0114) on its own domain
speaks for thousands of contacts at once, which 2 cores could not run as
clients.  A child process like bench/e2e/agent.py, same line protocol:

    python -m bench.e2e.storm --domain bots.localhost --secret S --port N

``storm`` {to, count, then}: contact00000 … contact<count-1> each send one
presence (away, with a status) to ``to``, then contact00000 sends the chat
message ``then``; every stanza on one stream, so when ``then`` arrives the
presences before it have arrived.  Emits ``stormed`` with ``t_first``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from slixmpp import ComponentXMPP

from bench.e2e.actor_io import commands, component_arguments, emit
from bench.e2e.agent import CHUNK


def contact(index: int, domain: str) -> str:
    return f"contact{index:05d}@{domain}"


class Storm:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.xmpp = ComponentXMPP(args.domain, args.secret, args.host, args.port)
        self.xmpp.add_event_handler("session_start", lambda _e: emit("online"))
        # slixmpp's component answers a probe from someone its roster does not
        # know with "unsubscribed"; each of those makes Prosody rewrite the
        # receiver's roster file (all N items): quadratic, minutes at 5,000.
        self.xmpp.del_event_handler("presence_probe", self.xmpp._handle_probe)

    async def command(self, cmd: dict[str, Any]) -> None:
        if cmd["op"] == "storm":
            domain, to = self.args.domain, cmd["to"]
            first = time.monotonic()
            for index in range(int(cmd["count"])):
                self.xmpp.send_presence(pfrom=contact(index, domain), pto=to, pshow="away",
                                        pstatus=f"storm {index}")
                if index % CHUNK == CHUNK - 1:
                    await asyncio.sleep(0)
            self.xmpp.send_message(mto=to, mfrom=contact(0, domain), mbody=cmd["then"], mtype="chat")
            while not self.xmpp.waiting_queue.empty():
                await asyncio.sleep(0.005)
            emit("stormed", t_first=first)
        elif cmd["op"] == "quit":
            self.xmpp.disconnect(wait=1)
            await asyncio.sleep(0.2)
            raise SystemExit(0)


async def main(args: argparse.Namespace) -> None:
    queue = commands()
    storm = Storm(args)
    storm.xmpp.connect()
    while True:
        try:
            await storm.command(await queue.get())
        except SystemExit:
            return
        except Exception as exc:
            emit("error", reason=repr(exc))


if __name__ == "__main__":
    asyncio.run(main(component_arguments("bench.e2e.storm")))
