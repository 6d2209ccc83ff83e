"""bench/e2e/crowd.py (W7's occupants) against a fake XEP-0114 server in
this process: the handshake, the joins it writes, and the reply that says
they were all handled, even when that reply comes in pieces."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
import xml.etree.ElementTree as ET

import pytest
from slixmpp import ComponentXMPP

from bench.e2e.component import handshake
from bench.e2e.crowd import DONE_ID, Crowd, guest, join_stanza

DOMAIN = "bots.example"
SECRET = "s3cret"
ROOM = "room@conference.example"


def test_handshake_is_the_one_slixmpp_sends():
    xmpp = ComponentXMPP(DOMAIN, SECRET, "127.0.0.1", 1)
    sent = []
    xmpp.send = sent.append
    xmpp.start_stream_handler(ET.Element("stream", id="4b1d3a"))
    assert sent[0]["value"] == handshake("4b1d3a", SECRET)


def test_join_is_a_muc_join_without_history():
    element = ET.fromstring(join_stanza(7, DOMAIN, "o'brien@conference.example"))
    assert element.tag == "presence"
    assert element.get("from") == f"{guest(7)}@{DOMAIN}/crowd"
    assert element.get("to") == f"o'brien@conference.example/{guest(7)}"  # quoted, not broken
    history = element.find("{http://jabber.org/protocol/muc}x/{http://jabber.org/protocol/muc}history")
    assert history is not None and history.get("maxstanzas") == "0"


class FakeServer:
    """Prosody's side of XEP-0114, as little as the crowd needs: check the
    handshake, collect what is written, answer the marker iq in ``pieces``."""

    def __init__(self, pieces: int = 1, secret: str = SECRET) -> None:
        self.pieces = pieces
        self.secret = secret
        self.received = b""
        self.joins: list[ET.Element] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while b">" not in self.received:
            self.received += await reader.read(4096)
        writer.write(b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                     b"xmlns='jabber:component:accept' id='abc123' from='bots.example'>")
        while b"</handshake>" not in self.received:
            self.received += await reader.read(4096)
        expected = hashlib.sha1(("abc123" + self.secret).encode()).hexdigest()
        if f"<handshake>{expected}</handshake>".encode() not in self.received:
            writer.write(b"<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                         b"</stream:error></stream:stream>")
            await writer.drain()
            writer.close()
            return
        writer.write(b"<handshake/>")
        # noise first: what a room sends a crowd occupant (its self-presence, the subject)
        writer.write(b"<presence from='room@conference.example/guest00000' to='guest00000@bots.example/crowd'/>")
        while DONE_ID.encode() not in self.received:
            chunk = await reader.read(65536)
            if not chunk:
                return
            self.received += chunk
        body = self.received.split(b"</handshake>", 1)[1]
        self.joins = [ET.fromstring(m) for m in re.findall(rb"<presence .*?</presence>", body)]
        reply = (f"<iq type='result' id='{DONE_ID}' from='conference.example' to='{DOMAIN}'/>").encode()
        step = max(1, len(reply) // self.pieces)
        for start in range(0, len(reply), step):
            writer.write(reply[start:start + step])
            await writer.drain()
            await asyncio.sleep(0.01)  # separate reads on the crowd's side
        await reader.read()  # until the crowd closes


async def run_crowd(server: FakeServer, count: int) -> None:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    crowd = Crowd(argparse.Namespace(domain=DOMAIN, secret=SECRET, host="127.0.0.1", port=port))
    try:
        await crowd.connect()
        await asyncio.wait_for(crowd.occupy(ROOM, count), timeout=10)
        await crowd.close()
    finally:
        listener.close()


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("pieces", [1, 3, 40])
def test_occupy_writes_every_join_in_order_and_waits_for_the_reply(pieces, capsys):
    server = FakeServer(pieces=pieces)
    asyncio.run(run_crowd(server, 250))
    assert [join.get("from") for join in server.joins] == [f"{guest(i)}@{DOMAIN}/crowd" for i in range(250)]
    assert [event["event"] for event in events(capsys.readouterr().out)] == ["online", "occupied"]


def test_a_refused_handshake_is_an_error_not_a_hang():
    server = FakeServer(secret="another")
    with pytest.raises(RuntimeError, match="refused"):
        asyncio.run(run_crowd(server, 1))
