"""bob's OX (OpenPGP for XMPP, XEP-0373/0374) in the demo: he announces his
key in PEP (so alice's ``/ox discover bob`` or her first OX message finds
it), reads what alice signcrypts to him and answers the same way, so a new
user can try ``/ox start``.

The demo made both keys (demo/__main__.py: ``keys``), each with the user
id ``xmpp:JID`` OX asks for; bob's keyring holds his secret key and
alice's public one.
"""

from __future__ import annotations

import base64
import binascii
import logging
from xml.etree import ElementTree as ET

import gnupg
import slixmpp

from tui.core.model import now
from tui.crypto.ox import signcrypt

NS = signcrypt.NS
METADATA = "urn:xmpp:openpgp:0:public-keys"
FALLBACK = "This message is encrypted (OpenPGP for XMPP, XEP-0373)"


class OxSpeaker:
    def __init__(self, xmpp: slixmpp.ClientXMPP, home: str, own_key: str, alice_key: str) -> None:
        self.xmpp = xmpp
        self.gpg = gnupg.GPG(gnupghome=home)
        self.gpg.encoding = "utf-8"
        self.own_key, self.alice_key = own_key, alice_key

    async def announce(self) -> None:
        """Publish bob's key: its data node, then the metadata list (both open to anyone)."""
        pubsub = self.xmpp.plugin["xep_0060"]
        me = self.xmpp.boundjid.bare
        pubkey = ET.Element(f"{{{NS}}}pubkey")
        key = self.gpg.export_keys(self.own_key, armor=False, minimal=True)
        ET.SubElement(pubkey, f"{{{NS}}}data").text = base64.b64encode(key).decode("ascii")
        stamp = signcrypt.stamp(now())
        await pubsub.publish(me, f"{METADATA}:{self.own_key}", id=stamp, payload=pubkey,
                             options=self._open(), timeout=15)
        listing = ET.Element(f"{{{NS}}}public-keys-list")
        ET.SubElement(listing, f"{{{NS}}}pubkey-metadata", {"v4-fingerprint": self.own_key, "date": stamp})
        await pubsub.publish(me, METADATA, payload=listing, options=self._open(), timeout=15)

    def _open(self):
        form = self.xmpp.plugin["xep_0004"].make_form(ftype="submit")
        form.add_field(var="FORM_TYPE", ftype="hidden", value="http://jabber.org/protocol/pubsub#publish-options")
        form.add_field(var="pubsub#access_model", value="open")
        return form

    def receive(self, msg: slixmpp.Message) -> str | None:
        """The body of an OX message for bob, or None when it is not one (or unreadable)."""
        element = msg.xml.find(f"{{{NS}}}openpgp")
        if element is None or not element.text:
            return None
        try:
            data = base64.b64decode("".join(element.text.split()), validate=True)
        except (binascii.Error, ValueError):
            return None
        result = self.gpg.decrypt(data, always_trust=True)
        if not result.ok:
            logging.info("bob: an OX message he cannot read: %s", result.status)
            return None
        try:
            return signcrypt.read(result.data, msg["to"].bare, now()).body
        except signcrypt.SigncryptError as exc:
            logging.info("bob: an OX message not for him: %s", exc)
            return None

    def answer(self, to: str, text: str) -> None:
        content = signcrypt.build(text, to, now())
        result = self.gpg.encrypt(content, [self.alice_key, self.own_key], sign=self.own_key,
                                  always_trust=True, armor=False)
        if not result.ok:
            logging.warning("bob: cannot signcrypt to alice: %s", result.status)
            return
        msg = self.xmpp.make_message(mto=to, mbody=FALLBACK, mtype="chat")
        element = msg.xml.makeelement(f"{{{NS}}}openpgp", {})
        element.text = base64.b64encode(result.data).decode("ascii")
        msg.xml.append(element)
        msg.send()
