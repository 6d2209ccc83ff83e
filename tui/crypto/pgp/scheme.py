"""OpenPGP as XEP-0027 ("legacy OpenPGP", what Profanity, Psi, mcabber and
Gajim's plugin speak), one instance per account.

- Out: the body is encrypted to the contact's key and to ours (our other
  devices and the archive keep something we can read), armour stripped,
  in ``<x xmlns='jabber:x:encrypted'>``; the body says only that the
  message is encrypted; ``<encryption/>`` (XEP-0380) names the scheme. No
  key for the contact, or an expired/revoked one: EncryptionError, and the
  message is not sent.
- In: a ``jabber:x:encrypted`` payload is decrypted with our secret key.
- Presence: with our key set, the status text is signed (detached,
  ``<x xmlns='jabber:x:signed'>``); a contact's signature is verified: a
  good one with a key we have teaches us that contact's key (unless we
  set another one: then a loud warning, never a silent switch), a bad one
  is reported loudly.
"""

from __future__ import annotations

import logging
from xml.etree import ElementTree as ET

from ...xmpp.conversation.encryption import EncryptionError, Peer, SchemeHost
from . import ENCRYPTED, NAME, payload, spaced
from .chosen_keys import LEARNED, ChosenKeys, chosen_keys_for
from .gpg import Gpg, Key, PgpError, gpg_for

log = logging.getLogger(__name__)

SIGNED = "jabber:x:signed"
EME = "urn:xmpp:eme:0"
FALLBACK = "This message is encrypted (OpenPGP, XEP-0027)"
STATE = "PGP"



def _bare(jid: str) -> str:
    return jid.partition("/")[0].lower()


class PgpScheme:
    name = NAME
    rooms = False  # XEP-0027 encrypts to one key set: a room's occupants are not known keys
    apart = True  # gpg, a passphrase perhaps: beside the account's queue (Scheme.apart)

    def __init__(self, host: SchemeHost) -> None:
        self.host = host
        self._gpg: Gpg | None = None
        self._keys: ChosenKeys | None = None
        self._said: dict[str, str] = {}  # full JID -> what we last said of its presence signature

    # -- what it is built from (read on first use: settings and data dir come after the host) --
    @property
    def gpg(self) -> Gpg:
        if self._gpg is None:  # the account's OpenPGP keyring and passphrase settings
            self._gpg = gpg_for(self.host)
        return self._gpg

    @property
    def keys(self) -> ChosenKeys:
        if self._keys is None:  # read on first use: the data dir comes after the host
            self._keys = chosen_keys_for(self.host, NAME)
        return self._keys

    # -- the Scheme protocol ---------------------------------------------------------
    def state(self, jid: str) -> str | None:
        chosen = self.host.chosen(jid) if self.host.chosen is not None else None
        return STATE if chosen == NAME and self.keys.contact(jid) is not None else None

    def offered(self, jid: str) -> str | None:
        """Their key is known (set, or learned from a signed presence): PGP can be started."""
        return "PGP (key known)" if self.keys.contact(jid) is not None else None

    def recognises(self, stanza) -> bool:
        return payload(stanza) is not None

    async def decrypt(self, peer: Peer, stanza) -> str | None:
        element = payload(stanza)
        if element is None or not (element.text or "").strip():
            raise EncryptionError("empty OpenPGP payload")
        return await self.gpg.decrypt(element.text or "", self.keys.own)

    async def encrypt(self, peer: Peer, stanza) -> None:
        contact, own = await self.usable_keys(peer.jid)
        ciphertext = await self.gpg.encrypt(stanza["body"], [contact.fingerprint, own.fingerprint])
        stanza["body"] = FALLBACK
        ET.SubElement(stanza.xml, f"{{{ENCRYPTED}}}x").text = ciphertext
        ET.SubElement(stanza.xml, f"{{{EME}}}encryption", {"namespace": ENCRYPTED, "name": "OpenPGP"})

    # -- keys ------------------------------------------------------------------------
    async def usable_keys(self, jid: str) -> tuple[Key, Key]:
        """(the contact's key, ours), both in the keyring and usable; PgpError otherwise."""
        own = self.keys.own
        if own is None:
            raise PgpError("set your OpenPGP key first: /pgp setkey KEYID")
        contact = self.keys.contact(jid)
        if contact is None:
            raise PgpError(f"no OpenPGP key for {_bare(jid)}: /pgp contactkey {_bare(jid)} KEYID")
        try:
            theirs = await self.gpg.find_key(contact.fingerprint)
        except PgpError as exc:
            raise PgpError(f"{_bare(jid)}'s key: {exc}") from None
        try:
            ours = await self.gpg.find_key(own, secret=True)
        except PgpError as exc:
            raise PgpError(f"your key: {exc}") from None
        return theirs, ours

    async def set_own_key(self, keyid: str) -> Key:
        key = await self.gpg.find_key(keyid, secret=True)
        self.keys.set_own(key.fingerprint)
        return key

    async def set_contact_key(self, jid: str, keyid: str) -> Key:
        key = await self.gpg.find_key(keyid)
        self.keys.set_contact(_bare(jid), key.fingerprint)
        self.host.changed(_bare(jid))
        return key

    # -- signed presence (XEP-0027 §3) ------------------------------------------------
    async def sign_presence(self, status: str) -> str | None:
        """The armour-stripped signature of our status text, or None (no key
        set, or gpg failed: said once, the presence goes unsigned)."""
        own = self.keys.own
        if own is None:
            return None
        try:
            return await self.gpg.sign(status, own)
        except PgpError as exc:
            self.host.say(self.host.account, f"presence not signed: {exc}", error=True)
            return None

    async def presence_signed(self, jid: str, status: str, signature: str) -> None:
        """A contact's signed presence: verified; its key learned or checked."""
        bare = _bare(jid)
        try:
            verdict = await self.gpg.verify(status, signature)
        except PgpError as exc:
            self._say_once(jid, f"cannot check the OpenPGP signature of {jid}'s presence: {exc}", error=True)
            return
        if verdict.tampered:
            self._say_once(jid, f"WARNING: the presence of {jid} carries a BAD OpenPGP signature "
                                f"(key {verdict.keyid}): tampered or forged", error=True)
            return
        if not verdict.valid or verdict.fingerprint is None:
            self._say_once(jid, f"the presence of {jid} is signed by OpenPGP key {verdict.keyid}, "
                                "which is not in the keyring (gpg --import it to check)")
            return
        known = self.keys.contact(bare)
        if known is None:
            self.keys.set_contact(bare, verdict.fingerprint, LEARNED)
            self.host.changed(bare)
            self._say_once(jid, f"presence of {jid} signed by {spaced(verdict.fingerprint)}: "
                                f"key learned for {bare} (/pgp start encrypts to it)")
        elif known.fingerprint != verdict.fingerprint:
            self._say_once(jid, f"WARNING: the presence of {jid} is signed by {spaced(verdict.fingerprint)}, "
                                f"NOT the key you use for {bare} ({spaced(known.fingerprint)}); "
                                f"kept yours (/pgp contactkey {bare} KEYID changes it)", error=True)
        else:
            self._say_once(jid, f"presence of {jid} signed by {spaced(verdict.fingerprint)}")

    def _say_once(self, jid: str, text: str, error: bool = False) -> None:
        """Each presence repeats its signature: say what it means once, until it changes."""
        if self._said.get(jid) == text:
            return
        self._said[jid] = text
        if error:
            log.warning("%s: %s", self.host.account, text)
        self.host.say(_bare(jid), text, error=error)
