"""OX: OpenPGP for XMPP (XEP-0373) instant messaging (XEP-0374), one instance per account.

- Our key is a secret key of the account's keyring with the user id
  ``xmpp:<our JID>`` (what Profanity's ``/ox`` and others look for), found
  there or named by ``/ox announce KEYID``; ``/ox announce`` publishes it.
- A contact's keys are those their PEP metadata announces, each read,
  checked (one key, the fingerprint announced, a user id ``xmpp:<their
  JID>``) and imported by ``/ox discover JID`` — or on first need (the
  first message either way). Once known, a change is never silent: a
  message signed by a newly announced key is shown with a warning, and
  what we send keeps going to the keys we know until ``/ox discover``
  accepts the new ones (said loudly, old and new fingerprints).
- Out: the body goes in a ``<signcrypt/>`` (to, time, random padding),
  signed with our key and encrypted to theirs and ours, base64 in
  ``<openpgp xmlns='urn:xmpp:openpgp:0'>``; the clear body says only
  that it is encrypted; ``<store/>`` (XEP-0334) and ``<encryption/>``
  (XEP-0380). No usable key: EncryptionError, nothing sent.
- In: decrypted; refused unless validly signed by a key the sender
  announces (fetched if not known yet) and addressed (``<to/>``) to the
  outer recipient; an implausible signed time is said beside it.
"""

from __future__ import annotations

import base64
import binascii
import logging
from xml.etree import ElementTree as ET

from ...core.jids import bare_jid
from ...core.model import now
from ...xmpp.conversation.encryption import EncryptionError, Peer, SchemeHost
from ...xmpp.stamps import delay_stamp
from ..pgp.chosen_keys import ChosenKeys, chosen_keys_for
from ..pgp import spaced
from ..pgp.gpg import Gpg, Key, PgpError, gpg_for
from . import NAME, NS, payload, public_keys, signcrypt
from .errors import OxError

log = logging.getLogger(__name__)

STATE = "OX"
EME = "urn:xmpp:eme:0"
HINTS = "urn:xmpp:hints"
FALLBACK = "This message is encrypted (OpenPGP for XMPP, XEP-0373)"
MAX_CIPHERTEXT = 512 * 1024  # base64 characters: more than a server lets a stanza carry
PEP = "pep"  # how a contact's keys came to us: read from their PEP nodes
CHANGED = "changed"  # … accepted after a change (said loudly then)


class OxScheme:
    name = NAME
    rooms = False  # XEP-0374 covers 1:1 chats; a room's occupants' keys are not known here
    apart = True  # gpg, a passphrase, a key read from PEP: beside the account's queue (Scheme.apart)

    def __init__(self, host: SchemeHost) -> None:
        self.host = host
        self._gpg: Gpg | None = None
        self._keys: ChosenKeys | None = None
        self._announced: dict[str, list[str]] = {}  # contact -> keys last read from their PEP (checked)

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
        return STATE if chosen == NAME else None

    def offered(self, jid: str) -> str | None:
        return "OX (keys known)" if self.keys.contact(bare_jid(jid)) is not None else None

    def recognises(self, stanza) -> bool:
        return payload(stanza) is not None

    async def decrypt(self, peer: Peer, stanza) -> str | None:
        element = payload(stanza)
        text = "".join((element.text or "").split()) if element is not None else ""
        if not text:
            raise EncryptionError("empty OX payload")
        if len(text) > MAX_CIPHERTEXT:
            raise EncryptionError(f"OX payload of {len(text)} characters: not read")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise EncryptionError("OX payload is not base64") from None
        sender = bare_jid(str(stanza["from"])) or self.host.account
        recipient = bare_jid(str(stanza["to"])) or self.host.account
        opened = await self.gpg.decrypt_verified(data, self.keys.own)
        unknown_signer = opened.signer is None and bool(opened.keyid)  # a key not in the keyring
        if unknown_signer or (opened.signer is not None and opened.signer not in self._known(sender)):
            await self._learn(sender, quiet=True)  # a key we have not read yet: ask their PEP
            if opened.signer is None:
                opened = await self.gpg.decrypt_verified(data, self.keys.own)
        if opened.signer is None:
            if opened.keyid is None:
                raise EncryptionError(f"OX message from {sender} without a signature: not shown")
            raise EncryptionError(f"OX message from {sender} signed by key {opened.keyid}, which {sender} "
                                  f"does not announce (or the signature is bad): not shown")
        announced = self._known(sender, fresh=True)
        if opened.signer not in announced:
            raise EncryptionError(f"OX message from {sender} signed by {spaced(opened.signer)}, a key "
                                  f"{sender} does not announce: not shown")
        received = delay_stamp(stanza.xml) or (None if peer.archived else now())
        content = signcrypt.read(opened.data, recipient, received or now())
        if content.warning and received is not None:
            self.host.say(peer.jid, f"WARNING: an OX message from {sender} was {content.warning}", error=True)
        used = self.keys.contact(sender)
        if sender != self.host.account and used is not None and opened.signer not in used.fingerprints:
            self.host.say(peer.jid, f"WARNING: {sender} signed with a NEW key {spaced(opened.signer)}, which "
                                    f"their account now announces; you encrypt to "
                                    f"{', '.join(spaced(f) for f in used.fingerprints)} "
                                    f"(/ox discover {sender} switches)", error=True)
        return content.body

    async def encrypt(self, peer: Peer, stanza) -> None:
        theirs, own = await self.usable_keys(peer.jid)
        inner = signcrypt.build(stanza["body"], bare_jid(peer.jid), now())
        ciphertext = await self.gpg.signcrypt(inner, [k.fingerprint for k in theirs] + [own.fingerprint],
                                              own.fingerprint)
        stanza["body"] = FALLBACK
        ET.SubElement(stanza.xml, f"{{{NS}}}openpgp").text = base64.b64encode(ciphertext).decode("ascii")
        ET.SubElement(stanza.xml, f"{{{EME}}}encryption", {"namespace": NS, "name": "OX"})
        ET.SubElement(stanza.xml, f"{{{HINTS}}}store")

    # -- keys ------------------------------------------------------------------------
    def _known(self, jid: str, fresh: bool = False) -> set[str]:
        """The keys ``jid`` signs with: ours, or those their account announced
        (``fresh``: as last read from their PEP, accepted or not)."""
        announced = self._announced.get(jid) if fresh else None
        if jid == self.host.account:  # our other devices: our key, or one our account announces
            return ({self.keys.own} if self.keys.own else set()) | set(announced or [])
        used = self.keys.contact(jid)
        return set(announced or []) | set(used.fingerprints if used else [])

    async def own_key(self, keyid: str | None = None) -> Key:
        """Our OX key: ``keyid`` if given (it must carry ``xmpp:<our JID>``),
        else the one chosen before, else the keyring's secret key that names us."""
        me = self.host.account
        if keyid is None and self.keys.own:
            keyid = self.keys.own
        if keyid is not None:
            key = await self.gpg.find_key(keyid, secret=True)
            if not public_keys.names(key.uid, me) and not any(
                    public_keys.names(uid, me) for _, uids in await self.gpg.scan(
                        await self.gpg.export_public(key.fingerprint)) for uid in uids):
                raise OxError(f"the key {spaced(key.fingerprint)} has no user id xmpp:{me}, which OX "
                              f"peers look for (gpg --quick-add-uid {key.fingerprint} xmpp:{me})")
        else:
            mine = [k for k in await self.gpg.keys(secret=True, match=f"xmpp:{me}")
                    if not k.problem and public_keys.names(k.uid, me)]
            if not mine:
                raise OxError(f"no secret key with the user id xmpp:{me} in the keyring: make one "
                              f"(gpg --quick-generate-key xmpp:{me} future-default default 3y) "
                              "or name yours: /ox announce KEYID")
            key = mine[0]
        if self.keys.own != key.fingerprint:
            self.keys.set_own(key.fingerprint)
        return key

    async def announce(self, keyid: str | None = None) -> tuple[Key, list[str]]:
        key = await self.own_key(keyid)
        listed = await public_keys.announce(self.host.xmpp(), self.gpg, key.fingerprint)
        return key, listed

    async def discover(self, jid: str) -> tuple[list[str], list[str]]:
        """Read, check and import ``jid``'s announced keys and use them from
        now on: (the keys now used, the ones used before)."""
        jid = bare_jid(jid)
        before = self.keys.contact(jid)
        found = await self._read_keys(jid)
        if not found:
            raise OxError(f"{jid} announces no OX key that you may read (none, or to their contacts only: "
                          f"/roster add {jid}); their client publishes one (Profanity: /ox announce FILE)")
        old = before.fingerprints if before else []
        if sorted(found) != sorted(old):
            self.keys.set_contact(jid, " ".join(found), CHANGED if old else PEP)
            self.host.changed(jid)
        return found, old

    async def _read_keys(self, jid: str) -> list[str]:
        announced = await public_keys.announced(self.host.xmpp(), jid)
        self._announced[jid] = announced
        imported, problems = [], []
        for fingerprint in announced:
            try:
                imported.append(await public_keys.fetch(self.host.xmpp(), self.gpg, jid, fingerprint))
            except PgpError as exc:
                problems.append(str(exc))
        for problem in problems:
            self.host.say(jid, problem, error=True)
        self._announced[jid] = imported
        return imported

    async def _learn(self, jid: str, quiet: bool = False) -> None:
        """Read ``jid``'s keys; use them if we had none (first contact). A
        failure here is said by the caller's own error, not twice."""
        try:
            found = await self._read_keys(jid)
        except PgpError as exc:
            if not quiet:
                raise
            log.info("%s: cannot read %s's OX keys: %s", self.host.account, jid, exc)
            return
        if found and self.keys.contact(jid) is None and jid != self.host.account:
            self.keys.set_contact(jid, " ".join(found), PEP)
            self.host.changed(jid)
            self.host.say(jid, f"OX keys of {jid} read from their account: "
                               f"{', '.join(spaced(f) for f in found)}")

    async def usable_keys(self, jid: str) -> tuple[list[Key], Key]:
        """(the contact's keys, ours), in the keyring and usable; OxError otherwise."""
        jid = bare_jid(jid)
        own = await self.own_key()
        if self.keys.contact(jid) is None:
            await self._learn(jid)
        known = self.keys.contact(jid)
        if known is None:
            raise OxError(f"no OX key for {jid}: they announce none that you may read "
                          f"(/ox discover {jid} once they do)")
        theirs = []
        for fingerprint in known.fingerprints:
            try:
                theirs.append(await self.gpg.find_key(fingerprint))
            except PgpError as exc:
                raise OxError(f"{jid}'s OX key: {exc}") from None
        return theirs, own
