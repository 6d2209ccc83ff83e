"""An OX (XEP-0373/0374) peer built on raw slixmpp and python-gnupg, not on
Parlons' modules: it publishes its key in PEP as the XEP shows, reads
alice's from hers, and writes and reads ``<signcrypt/>`` itself — so a
test can also make it lie (another recipient, an old time, another key)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from tests.harness.pgp_keys import GpgHome

NS = "urn:xmpp:openpgp:0"
PUBSUB = "http://jabber.org/protocol/pubsub"
METADATA = "urn:xmpp:openpgp:0:public-keys"


def now_stamp(when: datetime | None = None) -> str:
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


def signcrypt(text: str, to: str, when: datetime | None = None, rpad: str = "xyzzy") -> bytes:
    return (f"<signcrypt xmlns='{NS}'><to jid='{to}'/><time stamp='{now_stamp(when)}'/>"
            f"<rpad>{rpad}</rpad><payload><body xmlns='jabber:client'>{escape(text)}</body>"
            "</payload></signcrypt>").encode()


class OxPeer:
    """``peer`` (tests/harness/peer.py) with an OX key ``home`` whose user id is ``xmpp:<peer>``."""

    def __init__(self, peer, home: GpgHome) -> None:
        self.peer, self.home = peer, home

    @property
    def jid(self) -> str:
        return self.peer.jid

    async def announce(self, home: GpgHome | None = None) -> None:
        """Publish ``home``'s key (default ours): data node, then the metadata list naming only it."""
        home = home or self.home
        pubsub = self.peer.xmpp.plugin["xep_0060"]
        key = home.gpg.export_keys(home.fingerprint, armor=False)
        pubkey = ET.Element(f"{{{NS}}}pubkey")
        ET.SubElement(pubkey, f"{{{NS}}}data").text = base64.b64encode(key).decode()
        me = self.peer.xmpp.boundjid.bare
        await pubsub.publish(me, f"{METADATA}:{home.fingerprint}", id=now_stamp(), payload=pubkey,
                             options=self._open(), timeout=10)
        listing = ET.Element(f"{{{NS}}}public-keys-list")
        ET.SubElement(listing, f"{{{NS}}}pubkey-metadata", {"v4-fingerprint": home.fingerprint,
                                                          "date": now_stamp()})
        await pubsub.publish(me, METADATA, payload=listing, options=self._open(), timeout=10)

    def _open(self):
        """publish-options making the node readable by anyone (what Profanity asks)."""
        form = self.peer.xmpp.plugin["xep_0004"].make_form(ftype="submit")
        form.add_field(var="FORM_TYPE", ftype="hidden", value=f"{PUBSUB}#publish-options")
        form.add_field(var="pubsub#access_model", value="open")
        return form

    async def announced_by(self, jid: str) -> list[tuple[str, bytes]]:
        """(fingerprint, key) for each key ``jid`` announces, read as another client would."""
        pubsub = self.peer.xmpp.plugin["xep_0060"]
        meta = await pubsub.get_items(jid, METADATA, max_items=1, timeout=10)
        fingerprints = [m.get("v4-fingerprint") for m in meta.xml.iter(f"{{{NS}}}pubkey-metadata")]
        found = []
        for fingerprint in fingerprints:
            result = await pubsub.get_items(jid, f"{METADATA}:{fingerprint}", max_items=1, timeout=10)
            data = next(result.xml.iter(f"{{{NS}}}data"))
            found.append((fingerprint, base64.b64decode("".join(data.text.split()))))
        return found

    def send(self, to: str, content: bytes, *, signer: GpgHome | None = None, sign: bool = True,
             recipients: list[str] | None = None) -> None:
        """An OX message: ``content`` (a signcrypt) signed by ``signer`` (default our key)
        and encrypted to ``recipients`` (fingerprints; default every key in our keyring but ours)."""
        signer = signer or self.home
        if recipients is None:
            recipients = [k["fingerprint"] for k in self.home.gpg.list_keys() if k["fingerprint"] != signer.fingerprint]
        result = signer.gpg.encrypt(content, recipients, sign=signer.fingerprint if sign else None,
                                    always_trust=True, armor=False)
        assert result.ok, result.stderr
        msg = self.peer.xmpp.make_message(mto=to, mbody="This message is encrypted (OX)", mtype="chat")
        element = msg.xml.makeelement(f"{{{NS}}}openpgp", {})
        element.text = base64.b64encode(result.data).decode()
        msg.xml.append(element)
        msg.send()

    def read(self, stanza) -> tuple[str | None, str, ET.Element]:
        """(the signer's primary fingerprint or None, the body, the signcrypt element) of a received OX message."""
        element = stanza.xml.find(f"{{{NS}}}openpgp")
        assert element is not None, f"not an OX message: {stanza}"
        result = self.home.gpg.decrypt(base64.b64decode("".join(element.text.split())), always_trust=True)
        assert result.ok, result.stderr
        root = ET.fromstring(result.data)
        body = root.find(f"{{{NS}}}payload/{{jabber:client}}body")
        signer = result.pubkey_fingerprint if result.valid else None
        return signer, (body.text or "") if body is not None else "", root
