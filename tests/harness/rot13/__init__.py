"""A test-only encryption scheme, "rot13": proof that a scheme plugs into the
message pipeline by being a package that registers itself, touching neither
the chat nor the room code (issue 10). Not secure, on purpose: its wire form
is readable so tests can check exactly what left.

On the wire: ``<body>`` carries a fallback text; the message is the rot13 of
the plaintext in ``<rot13 xmlns="urn:parlons:test:rot13">``. A ``<rot13
type="hello"/>`` is the scheme's own protocol message (like an OTR
handshake): consumed, never shown; ``type="garbled"`` cannot be decrypted. A plaintext containing REFUSED cannot be
encrypted (like a peer without a key): EncryptionError.
"""

from __future__ import annotations

import codecs
from xml.etree import ElementTree as ET

from tui.xmpp.conversation import encryption
from tui.xmpp.conversation.encryption import EncryptionError, Peer, SchemeHost

NS = "urn:parlons:test:rot13"
NAME = "rot13"
FALLBACK = "[This message is encrypted with rot13]"
REFUSED = "no key for this"


def rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def payload(stanza) -> ET.Element | None:
    return stanza.xml.find(f"{{{NS}}}rot13")


class Rot13:
    name = NAME
    rooms = True

    def __init__(self, host: SchemeHost) -> None:
        self.host = host
        self.consumed: list[str] = []  # senders of protocol messages we took
        self.spoken: set[str] = set()  # who sent us rot13

    def state(self, jid: str) -> str | None:
        return None  # the chosen scheme's name says it all

    def offered(self, jid: str) -> str | None:
        return "rot13" if jid in self.spoken else None

    def recognises(self, stanza) -> bool:
        return payload(stanza) is not None

    async def decrypt(self, peer: Peer, stanza) -> str | None:
        element = payload(stanza)
        assert element is not None  # recognises() said so
        self.spoken.add(peer.jid)
        if element.get("type") == "hello":
            self.consumed.append(peer.jid)
            return None
        if element.get("type") == "garbled":
            raise EncryptionError("this rot13 message is garbled")
        if element.get("type") == "buggy":  # a scheme's bug, not its refusal
            raise RuntimeError("rot13 tripped over its own feet")
        return rot13(element.text or "")

    async def encrypt(self, peer: Peer, stanza) -> None:
        plaintext = stanza["body"]
        if REFUSED in plaintext:
            raise EncryptionError(f"{peer.jid} has no rot13 key")
        element = ET.SubElement(stanza.xml, f"{{{NS}}}rot13")
        element.text = rot13(plaintext)
        stanza["body"] = FALLBACK


def register() -> None:
    encryption.register(NAME, Rot13)


def unregister() -> None:
    encryption.unregister(NAME)


def encrypted_message(peer_client, to: str, text: str, *, mtype: str = "chat", kind: str | None = None):
    """A message a slixmpp peer sends as a rot13 client would (``kind``:
    "hello", the scheme's own message; "garbled", one it cannot read)."""
    msg = peer_client.xmpp.make_message(mto=to, mbody=FALLBACK, mtype=mtype)
    element = ET.SubElement(msg.xml, f"{{{NS}}}rot13")
    if kind is not None:
        element.set("type", kind)
    element.text = rot13(text)
    return msg
