"""bob's OpenPGP (XEP-0027) in the demo: he reads what alice encrypts to him
and answers encrypted to her key, so a new user can try ``/pgp start``.

The demo made both keys (demo/__main__.py: ``keys``); bob's keyring holds
his secret key and alice's public one.
"""

from __future__ import annotations

import logging

import gnupg
import slixmpp

from tui.crypto.pgp import armour

ENCRYPTED = "jabber:x:encrypted"
FALLBACK = "This message is encrypted (OpenPGP, XEP-0027)"


class PgpSpeaker:
    def __init__(self, xmpp: slixmpp.ClientXMPP, home: str, alice_key: str) -> None:
        self.xmpp = xmpp
        self.gpg = gnupg.GPG(gnupghome=home)
        self.gpg.encoding = "utf-8"
        self.alice_key = alice_key

    def receive(self, msg: slixmpp.Message) -> str | None:
        """The plaintext of an XEP-0027 message, or None when it is not one (or unreadable)."""
        element = msg.xml.find(f"{{{ENCRYPTED}}}x")
        if element is None or not element.text:
            return None
        result = self.gpg.decrypt(armour.add(element.text, armour.MESSAGE), always_trust=True)
        if not result.ok:
            logging.info("bob: an OpenPGP message he cannot read: %s", result.status)
            return None
        return result.data.decode("utf-8", "replace")

    def answer(self, to: str, text: str) -> None:
        result = self.gpg.encrypt(text, [self.alice_key], always_trust=True)
        if not result.ok:
            logging.warning("bob: cannot encrypt to alice: %s", result.status)
            return
        msg = self.xmpp.make_message(mto=to, mbody=FALLBACK, mtype="chat")
        element = msg.xml.makeelement(f"{{{ENCRYPTED}}}x", {})
        element.text = armour.remove(str(result))  # XEP-0027: the armour's body only
        msg.xml.append(element)
        msg.send()
