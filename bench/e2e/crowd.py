"""A crowd: an external component (XEP-0114) that puts N occupants in a
room (W7), which 2 cores could not run as N clients.  A child process like
bench/e2e/agent.py, same line protocol:

    python -m bench.e2e.crowd --domain bots.localhost --secret S --port N

``occupy`` {room, count}: guest00000@domain/crowd … guest<count-1> each join
``room`` as the nick ``guest<i>``; emits ``occupied`` once Prosody has
handled every join (a disco#info sent after the last join is answered after
it: one stream, handled in order).  The occupants stay until ``quit``.

No slixmpp here: filling a room of N costs ≈N²/2 presences to the
occupants already in it (each join is broadcast), ≈500,000 at 1,000, which
slixmpp's component would parse and file in its per-JID roster.  Prosody
drops those before they reach us (bench/e2e/actors.py, CROWD_SINK_LUA); what
does come is read as bytes, looking only for the marker reply.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import time
from xml.sax.saxutils import quoteattr

from bench.e2e.actor_io import commands, component_arguments, emit

NS_STREAM = "http://etherx.jabber.org/streams"
DONE_ID = "crowd-occupied"
CHUNK = 100  # joins written between two drains


def guest(index: int) -> str:
    return f"guest{index:05d}"


def join_stanza(index: int, domain: str, room: str) -> bytes:
    """The join of guest ``index``: no history (a room's backlog is no part of W7)."""
    return (f"<presence from={quoteattr(f'{guest(index)}@{domain}/crowd')} "
            f"to={quoteattr(f'{room}/{guest(index)}')}>"
            "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"
            "</presence>").encode()


def handshake(stream_id: str, secret: str) -> str:
    """XEP-0114: hex SHA-1 of the stream id followed by the secret."""
    return hashlib.sha1((stream_id + secret).encode()).hexdigest()


class Crowd:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.received = 0  # bytes read since the connection (all dropped)
        self._waiting: tuple[bytes, asyncio.Future[float]] | None = None

    async def connect(self) -> None:
        args = self.args
        self.reader, self.writer = await asyncio.open_connection(args.host, args.port)
        self.writer.write(f"<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
                          f"xmlns:stream='{NS_STREAM}' to={quoteattr(args.domain)}>".encode())
        head = await self._read_until(re.compile(rb"<stream:stream[^>]*>"))
        found = re.search(rb"""\sid=['"]([^'"]+)['"]""", head)
        if found is None:
            raise RuntimeError(f"no stream id in {head!r}")
        self.writer.write(f"<handshake>{handshake(found.group(1).decode(), args.secret)}</handshake>".encode())
        reply = await self._read_until(re.compile(rb"<handshake\s*/>|<handshake></handshake>|</stream:error>"))
        if b"stream:error" in reply:
            raise RuntimeError(f"component refused: {reply!r}")
        asyncio.get_running_loop().create_task(self._drain_incoming())
        emit("online")

    async def _read_until(self, pattern: re.Pattern[bytes]) -> bytes:
        assert self.reader is not None
        data = b""
        while not pattern.search(data):
            chunk = await self.reader.read(4096)
            if not chunk:
                raise RuntimeError(f"stream closed: {data!r}")
            data += chunk
        return data

    async def _drain_incoming(self) -> None:
        assert self.reader is not None
        tail = b""
        while chunk := await self.reader.read(1 << 16):
            self.received += len(chunk)
            seen = tail + chunk  # a marker may come split over several reads
            if self._waiting is not None:
                marker, future = self._waiting
                if marker in seen and not future.done():
                    future.set_result(time.monotonic())
            tail = seen[-256:]
        emit("error", reason="stream closed")

    async def occupy(self, room: str, count: int) -> None:
        assert self.writer is not None
        domain = self.args.domain
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting = (DONE_ID.encode(), future)
        first = time.monotonic()
        for index in range(count):
            self.writer.write(join_stanza(index, domain, room))
            if index % CHUNK == CHUNK - 1:
                await self.writer.drain()
        muc_domain = room.split("@", 1)[1]
        self.writer.write(f"<iq type='get' id='{DONE_ID}' from={quoteattr(self.args.domain)} "
                          f"to={quoteattr(muc_domain)}><query xmlns='http://jabber.org/protocol/disco#info'/>"
                          "</iq>".encode())
        await self.writer.drain()
        done_at = await asyncio.wait_for(future, timeout=600)
        emit("occupied", t_first=first, t_done=done_at, received=self.received)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.write(b"</stream:stream>")
            await self.writer.drain()
            self.writer.close()


async def main(args: argparse.Namespace) -> None:
    queue = commands()
    crowd = Crowd(args)
    await crowd.connect()
    while True:
        cmd = await queue.get()
        try:
            if cmd["op"] == "occupy":
                await crowd.occupy(cmd["room"], int(cmd["count"]))
            elif cmd["op"] == "quit":
                await crowd.close()
                emit("bye")
                return
            else:
                emit("error", reason=f"unknown op {cmd['op']!r}")
        except Exception as exc:  # reported, the orchestrator decides
            emit("error", reason=repr(exc))


if __name__ == "__main__":
    asyncio.run(main(component_arguments("bench.e2e.crowd")))
