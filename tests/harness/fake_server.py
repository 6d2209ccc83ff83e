"""A tiny fake XMPP server on loopback: the attacker Prosody cannot play.

Prosody always offers STARTTLS (and requires it here), so a test of what the
client does when a server -- or anyone on the path -- offers *no* TLS needs
a server of its own. This one speaks just enough RFC 6120 for a client to get
online if it is willing to:

- answers each stream header with its own and ``<stream:features/>`` holding
  the SASL ``mechanisms`` it was given (and ``<starttls/>`` only if
  ``offer_starttls``, which it then cannot honour: it has no certificate);
- answers any ``<auth/>`` with ``<success/>`` (an attacker lets anyone in),
  then offers resource binding and answers every ``<iq type='get|set'/>``
  with a result (``<bind/>`` with a JID), so a willing client goes online;
- sends ``preamble`` (raw XML, e.g. a forged ``<message/>``) right after
  its first stream header, before the features;
- records every byte each client sent (``received``), so a test can assert
  what left the machine, and whether a client logged in (``authenticated``).

No pytest imports. Use it as ``async with FakeXmppServer(...) as server:``
and connect to ``server.host``/``server.port``.
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET

HOST = "127.0.0.1"
STREAM_NS = "http://etherx.jabber.org/streams"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"


class FakeXmppServer:
    def __init__(self, domain: str = "localhost", mechanisms: tuple[str, ...] = ("PLAIN",),
                 offer_starttls: bool = False, preamble: str = "") -> None:
        self.domain = domain
        self.mechanisms = mechanisms
        self.offer_starttls = offer_starttls
        self.preamble = preamble
        self.host = HOST
        self.port = 0
        self.received = bytearray()  # everything every client sent, in order
        self.connections = 0
        self.authenticated = False  # some client got <success/>
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> "FakeXmppServer":
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    # -- one client ------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        authenticated = False
        parser = _StreamParser()
        try:
            while data := await reader.read(65536):
                self.received += data
                for event, element in parser.feed(data):
                    if event == "stream":
                        writer.write(self._header_and_features(authenticated))
                    elif event == "end-of-stream":
                        writer.write(b"</stream:stream>")
                        return
                    elif element.tag == f"{{{SASL_NS}}}auth":
                        authenticated = self.authenticated = True
                        writer.write(f"<success xmlns='{SASL_NS}'/>".encode())
                        parser = _StreamParser()  # the client restarts the stream
                    elif element.tag == f"{{{TLS_NS}}}starttls":
                        writer.write(f"<failure xmlns='{TLS_NS}'/></stream:stream>".encode())
                    elif element.tag == "{jabber:client}iq" and element.get("type") in ("get", "set"):
                        writer.write(self._result(element))
                await writer.drain()
        except (ConnectionError, ET.ParseError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    def _header_and_features(self, authenticated: bool) -> bytes:
        header = (f"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  f"xmlns:stream='{STREAM_NS}' from='{self.domain}' id='fake' version='1.0'>")
        if not authenticated:
            header += self.preamble
        if authenticated:
            features = (f"<bind xmlns='{BIND_NS}'/>"
                        "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>")
        else:
            mechs = "".join(f"<mechanism>{m}</mechanism>" for m in self.mechanisms)
            features = f"<mechanisms xmlns='{SASL_NS}'>{mechs}</mechanisms>"
            if self.offer_starttls:
                features = f"<starttls xmlns='{TLS_NS}'/>" + features
        return (header + f"<stream:features>{features}</stream:features>").encode()

    def _result(self, iq: ET.Element) -> bytes:
        payload = ""
        if iq.find(f"{{{BIND_NS}}}bind") is not None:
            resource = iq.findtext(f"{{{BIND_NS}}}bind/{{{BIND_NS}}}resource") or "fake"
            payload = f"<bind xmlns='{BIND_NS}'><jid>user@{self.domain}/{_xml_text(resource)}</jid></bind>"
        return f"<iq type='result' id='{_xml_text(iq.get('id', ''))}'>{payload}</iq>".encode()


def _xml_text(value: str) -> str:
    return re.sub(r"[<>&'\"]", "", value)


class _StreamParser:
    """Incremental: yields ("stream", None) for a stream header, ("element",
    e) for each top-level element, ("end-of-stream", None) at </stream>."""

    def __init__(self) -> None:
        self._parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(("start", "end"))
        self._depth = 0

    def feed(self, data: bytes):
        self._parser.feed(data)
        # typeshed allows a 1-tuple; with only start/end asked, each is (event, element)
        for event, element in self._parser.read_events():  # type: ignore[misc]
            if event == "start":
                self._depth += 1
                if self._depth == 1:
                    yield "stream", None
            else:
                self._depth -= 1
                if self._depth == 1:
                    yield "element", element
                elif self._depth == 0:
                    yield "end-of-stream", None
