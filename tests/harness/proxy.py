"""A loopback TCP proxy the test controls: cut the link as a network would.

    with CuttableProxy(prosody.host, prosody.c2s_port) as proxy:
        connect the client to (proxy.host, proxy.port)
        proxy.cut()            # every open link reset (RST), both sides
        proxy.refuse = True    # new connections are refused until set back
        proxy.refuse = False
        proxy.connections      # how many connections it accepted so far
        proxy.stall()          # the open links go silent both ways, left open (a dead route)
        proxy.rate = 20_000    # bytes a second from the server to the client (a slow link)

It runs its own event loop in a thread, so it forwards while a sync tmux test
polls and while an async test awaits alike. Bytes are forwarded untouched
(TLS is end to end: the proxy sees only ciphertext after STARTTLS).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from typing import Callable

HOST = "127.0.0.1"


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.host = HOST
        self.port = 0
        self.refuse = False
        self.connections = 0
        self.rate: float | None = None  # server → client, bytes a second; None: as fast as it goes
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._flowing: dict[tuple[asyncio.StreamWriter, asyncio.StreamWriter], asyncio.Event] = {}
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="cuttable-proxy", daemon=True)

    # -- life cycle ---------------------------------------------------------
    def start(self) -> "CuttableProxy":
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._accept, HOST, 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self.cut()

        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
        self._call(close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> "CuttableProxy":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _call(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- faults ---------------------------------------------------------------
    def cut(self) -> int:
        """Reset every open link (RST to both ends); how many were open."""

        async def reset_all() -> int:
            links, self._links = list(self._links), set()
            for pair in links:
                for writer in pair:
                    _reset(writer)
                flowing = self._flowing.pop(pair, None)
                if flowing is not None:
                    flowing.set()  # (a stalled link's pipes end on the reset)
            return len(links)
        return self._call(reset_all())

    def stall(self) -> int:
        """The open links stop carrying anything, either way, and stay open:
        a route that died without a reset. New links flow. How many stalled."""

        async def stall_all() -> int:
            for flowing in self._flowing.values():
                flowing.clear()
            return len(self._flowing)
        return self._call(stall_all())

    @property
    def open_links(self) -> int:
        return len(self._links)

    # -- forwarding ---------------------------------------------------------------
    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            _reset(client_writer)
            return
        self.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(client_writer)
            return
        pair = (client_writer, server_writer)
        self._links.add(pair)
        flowing = self._flowing[pair] = asyncio.Event()
        flowing.set()
        await asyncio.gather(_pipe(client_reader, server_writer, flowing),
                             _pipe(server_reader, client_writer, flowing, lambda: self.rate))
        self._links.discard(pair)
        self._flowing.pop(pair, None)
        for writer in pair:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event,
                rate: Callable[[], float | None] = lambda: None) -> None:
    try:
        while data := await reader.read(4096 if rate() else 65536):
            await flowing.wait()
            writer.write(data)
            await writer.drain()
            bytes_per_second = rate()
            if bytes_per_second:  # the link's pace, not a wait for a condition
                await asyncio.sleep(len(data) / bytes_per_second)
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0: the peer gets a RST, as when a NAT drops the link."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()
