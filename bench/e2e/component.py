"""An external component (XEP-0114) in plain asyncio: the bench's load
generators (W6's storm, W7's crowd) speak for thousands of JIDs of their own
domain through one, which 2 cores could not run as clients.

No slixmpp here.  A generator runs on the same 2 cores as the client it
loads, and slixmpp's stanza objects made it a competitor: W6's storm as
5,000 slixmpp presences took a third of a core while they flowed (perf's
scheduler trace, 6 runs: Prosody 75-84 % of a core, Parlons' loop 40-50 %,
the storm 31-37 %), and the kernel ran it on the CPU Parlons' loop was on.
A remote contact's presence costs the user's machine nothing; what is
written here is bytes, made once.  What comes back is read as bytes and
dropped, looking only for a marker the caller waits for.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import time
from typing import Any, Awaitable, Callable, Iterable
from xml.sax.saxutils import quoteattr

from bench.e2e.actor_io import commands, emit

NS_STREAM = "http://etherx.jabber.org/streams"
CHUNK = 100  # stanzas written between two drains


def handshake(stream_id: str, secret: str) -> str:
    """XEP-0114: hex SHA-1 of the stream id followed by the secret."""
    return hashlib.sha1((stream_id + secret).encode()).hexdigest()


class PlainComponent:
    """One component stream: ``connect`` (stream, handshake), ``write``
    stanzas, ``expect`` a marker in what the server sends, ``close``."""

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

    def expect(self, marker: bytes) -> asyncio.Future[float]:
        """The time ``marker`` is first read from the server (from now on)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting = (marker, future)
        return future

    async def write(self, stanzas: Iterable[bytes]) -> float:
        """Write ``stanzas`` in order, draining every CHUNK; returns once the
        last byte is with the kernel (its time)."""
        writer = self.writer
        assert writer is not None
        for index, stanza in enumerate(stanzas):
            writer.write(stanza)
            if index % CHUNK == CHUNK - 1:
                await writer.drain()
        await writer.drain()
        while writer.transport.get_write_buffer_size():  # drain() returns at the low-water mark
            await asyncio.sleep(0.005)
        return time.monotonic()

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.write(b"</stream:stream>")
            await self.writer.drain()
            self.writer.close()


async def serve(component: PlainComponent, ops: dict[str, Callable[[dict[str, Any]], Awaitable[None]]]) -> None:
    """The child's life (bench/e2e/agent.py's line protocol): connect, then
    run each command's op until ``quit``; an op's error is reported, the
    orchestrator decides."""
    queue = commands()
    await component.connect()
    while True:
        cmd = await queue.get()
        try:
            if cmd["op"] == "quit":
                await component.close()
                emit("bye")
                return
            if cmd["op"] not in ops:
                emit("error", reason=f"unknown op {cmd['op']!r}")
                continue
            await ops[cmd["op"]](cmd)
        except Exception as exc:
            emit("error", reason=repr(exc))
