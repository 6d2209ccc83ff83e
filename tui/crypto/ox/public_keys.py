"""OX public keys in PEP (XEP-0373 §4): our key announced, a contact's read.

Two kinds of node: the metadata node (``urn:xmpp:openpgp:0:public-keys``,
a ``<public-keys-list/>`` of ``<pubkey-metadata v4-fingerprint date/>``)
and one data node per key (``…:public-keys:FINGERPRINT``, a ``<pubkey>``
with the binary key in base64). Both are published open (anyone may read a
public key), data node first, as the XEP asks.

A key read from a contact's node is checked before gpg imports it: one
key, the fingerprint its node names, and a user id naming the contact
(``xmpp:bob@example.org``); anything else is refused with one line.
"""

from __future__ import annotations

import base64
import binascii
import re
from xml.etree import ElementTree as ET

from ...core.model import now
from ...xmpp import pep
from ..pgp import spaced
from ..pgp.gpg import Gpg
from .errors import OxError
from .signcrypt import NS, stamp

METADATA_NODE = "urn:xmpp:openpgp:0:public-keys"
OPEN = {"pubsub#access_model": "open", "pubsub#persist_items": "true"}
MAX_KEY_BYTES = 64 * 1024  # a public key with a few subkeys is a few KiB
MAX_KEYS = 16  # fingerprints read from one metadata list
_FINGERPRINT = re.compile(r"[0-9A-F]{40}")


def data_node(fingerprint: str) -> str:
    return f"{METADATA_NODE}:{fingerprint}"


def names(uid: str, jid: str) -> bool:
    """Does the user id ``uid`` name ``jid`` as OX wants (``xmpp:jid``, alone or in <>)?"""
    wanted = f"xmpp:{jid.lower()}"
    uid = uid.strip().lower()
    return uid == wanted or f"<{wanted}>" in uid


def _online(xmpp):
    if xmpp is None:
        raise OxError("not connected: OX keys are read and published over the connection", "offline")
    return xmpp


async def announced(xmpp, jid: str) -> list[str]:
    """The fingerprints ``jid``'s metadata node lists (newest item); [] if none."""
    xmpp = _online(xmpp)
    try:
        result = await pep.answer(f"cannot read {jid}'s OX key list", xmpp.plugin["xep_0060"].get_items(
            jid, METADATA_NODE, max_items=1, timeout=pep.IQ_TIMEOUT), OxError)
    except OxError as exc:
        # Prosody answers "forbidden" for a node that does not exist on an
        # account whose presence we do not see (measured): nothing announced
        # that we may read, the same as none
        if exc.condition in ("item-not-found", "forbidden"):
            return []
        raise
    found: list[str] = []
    for item in result.xml.iter(f"{{{pep.PUBSUB_NS}}}item"):
        for meta in item.iter(f"{{{NS}}}pubkey-metadata"):
            fingerprint = (meta.get("v4-fingerprint") or "").strip().upper()
            if _FINGERPRINT.fullmatch(fingerprint) and fingerprint not in found:
                found.append(fingerprint)
        break  # the newest item only
    return found[:MAX_KEYS]


async def fetch(xmpp, gpg: Gpg, jid: str, fingerprint: str) -> str:
    """Read key ``fingerprint`` from ``jid``'s data node, check it, import it;
    its fingerprint. OxError says what was wrong."""
    xmpp = _online(xmpp)
    result = await pep.answer(f"cannot read {jid}'s OX key {spaced(fingerprint)}", xmpp.plugin["xep_0060"].get_items(
        jid, data_node(fingerprint), max_items=1, timeout=pep.IQ_TIMEOUT), OxError)
    data = None
    for item in result.xml.iter(f"{{{pep.PUBSUB_NS}}}item"):
        data = item.find(f"{{{NS}}}pubkey/{{{NS}}}data")
        break
    if data is None or not (data.text or "").strip():
        raise OxError(f"{jid}'s OX key node {spaced(fingerprint)} holds no key")
    text = "".join((data.text or "").split())
    if len(text) > MAX_KEY_BYTES * 4 // 3 + 4:
        raise OxError(f"{jid}'s OX key {spaced(fingerprint)} is too large to be a public key: refused")
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise OxError(f"{jid}'s OX key {spaced(fingerprint)} is not base64: refused") from None
    inside = await gpg.scan(key)
    if len(inside) != 1:
        raise OxError(f"{jid}'s OX key node {spaced(fingerprint)} holds {len(inside)} keys, not one: refused")
    found, uids = inside[0]
    if found != fingerprint:
        raise OxError(f"{jid}'s OX key node {spaced(fingerprint)} holds another key ({spaced(found)}): refused")
    if not any(names(uid, jid) for uid in uids):
        raise OxError(f"{jid}'s OX key {spaced(fingerprint)} has no user id xmpp:{jid}: refused")
    imported = await gpg.import_public(key)
    if fingerprint not in imported:
        raise OxError(f"gpg did not import {jid}'s OX key {spaced(fingerprint)}")
    return fingerprint


async def announce(xmpp, gpg: Gpg, fingerprint: str) -> list[str]:
    """Publish our key ``fingerprint`` (data node, then the metadata list,
    keeping the other keys it lists); the fingerprints now announced."""
    xmpp = _online(xmpp)
    me = xmpp.boundjid.bare
    key = await gpg.export_public(fingerprint)
    pubkey = ET.Element(f"{{{NS}}}pubkey")
    ET.SubElement(pubkey, f"{{{NS}}}data").text = base64.b64encode(key).decode("ascii")
    moment = stamp(now())
    await pep.publish_own(xmpp, data_node(fingerprint), moment, pubkey, OPEN,
                          "cannot publish your OX key", OxError)
    listed = [f for f in await announced(xmpp, me) if f != fingerprint]
    keys = ET.Element(f"{{{NS}}}public-keys-list")
    for each in [fingerprint, *listed]:
        ET.SubElement(keys, f"{{{NS}}}pubkey-metadata", {"v4-fingerprint": each, "date": moment})
    await pep.publish_own(xmpp, METADATA_NODE, None, keys, OPEN, "cannot publish your OX key list", OxError)
    return [fingerprint, *listed]
