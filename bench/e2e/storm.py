"""A presence storm: an external component (XEP-0114) on its own domain
speaks for thousands of contacts at once, which 2 cores could not run as
clients.  A child process like bench/e2e/agent.py, same line protocol:

    python -m bench.e2e.storm --domain bots.localhost --secret S --port N

``storm`` {to, count, then}: contact00000 … contact<count-1> each send one
presence (away, with a status) to ``to``, then contact00000 sends the chat
message ``then``; every stanza on one stream, so when ``then`` arrives the
presences before it have arrived.  Emits ``stormed`` with ``t_first``
once the last byte is with the kernel.

A plain component (bench/e2e/component.py): made as slixmpp stanzas, the
storm took a third of a core from the client it was measuring, on the same
2 cores.  What the server sends the contacts (the probes of a client that
logs in with 5,000 of them in its roster) is read and dropped: no answer,
as slixmpp's component, its probe handler removed, gave none.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, Iterator
from xml.sax.saxutils import escape, quoteattr

from bench.e2e.actor_io import component_arguments, emit
from bench.e2e.component import PlainComponent, serve


def contact(index: int, domain: str) -> str:
    return f"contact{index:05d}@{domain}"


def storm_stanzas(domain: str, to: str, count: int, then: str) -> Iterator[bytes]:
    """The storm as the server reads it: ``count`` presences, then the
    message; each with an id, as slixmpp gave them."""
    to_attr = quoteattr(to)
    for index in range(count):
        yield (f"<presence from={quoteattr(contact(index, domain))} to={to_attr} id='storm{index}'>"
               f"<show>away</show><status>storm {index}</status></presence>").encode()
    yield (f"<message from={quoteattr(contact(0, domain))} to={to_attr} type='chat' id='storm-then'>"
           f"<body>{escape(then)}</body></message>").encode()


async def main(args: argparse.Namespace) -> None:
    storm = PlainComponent(args)

    async def run_storm(cmd: dict[str, Any]) -> None:
        first = time.monotonic()
        await storm.write(storm_stanzas(args.domain, cmd["to"], int(cmd["count"]), cmd["then"]))
        emit("stormed", t_first=first)

    await serve(storm, {"storm": run_storm})


if __name__ == "__main__":
    asyncio.run(main(component_arguments("bench.e2e.storm")))
