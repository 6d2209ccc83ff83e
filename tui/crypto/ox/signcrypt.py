"""The ``<signcrypt/>`` element of OX (XEP-0373 §3, XEP-0374): what is signed
and encrypted, built and checked here. Pure: no gpg, no network.

Built: ``<to jid=…/>`` (the bare JID it is for), ``<time stamp=…/>`` (now,
UTC), ``<rpad>`` (random length, random content: the length of the
ciphertext does not give the length of the message away) and
``<payload><body xmlns='jabber:client'>…</body></payload>``.

Read (the plaintext gpg gave back: written by whoever encrypted to us):
bounded in size, no DTD (no entity expansion), exactly one payload and one
time, at least one ``to``; one ``to`` must be the outer message's
recipient (a message signed for someone else and forwarded to us is
refused); the signed time is checked for plausibility against when the
message was received (a replayed old message is said, never silently
shown as new).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

from ...core.jids import bare_jid
from ...text import xml_escape, xml_safe
from ...xmpp.conversation.encryption import EncryptionError
from ...xmpp.stamps import read_stamp
from . import NS

NS_CLIENT = "jabber:client"
MAX_PLAINTEXT = 256 * 1024  # bytes: more than a server lets a stanza carry
RPAD_MAX = 200
# How far the signed time may be from when the message was received before
# we say so: clocks drift, servers queue; an hour is neither.
PLAUSIBLE = timedelta(hours=1)
_RPAD_ALPHABET = string.ascii_letters + string.digits


class SigncryptError(EncryptionError):
    """The decrypted content is not a usable ``<signcrypt/>``; str() says why."""


@dataclass(frozen=True, slots=True)
class Signcrypt:
    body: str  # the payload's body ("" when it carries none)
    recipients: tuple[str, ...]  # the bare JIDs of its <to/> elements
    signed_at: datetime  # its <time/>, as written (aware)
    warning: str | None = None  # said beside the message: an implausible signed time


def stamp(when: datetime) -> str:
    """XEP-0082 date-time, UTC, whole seconds."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(body: str, to: str, when: datetime, rpad_length: int | None = None) -> bytes:
    """The serialised ``<signcrypt/>`` carrying ``body`` for bare JID ``to``."""
    length = secrets.randbelow(RPAD_MAX) + 1 if rpad_length is None else rpad_length
    rpad = "".join(secrets.choice(_RPAD_ALPHABET) for _ in range(length))
    # written out, not by ElementTree: it would prefix every element (ns0:),
    # and not every OX client reads prefixed names
    return (f'<signcrypt xmlns="{NS}"><to jid="{xml_escape(to, quotes=True)}"/><time stamp="{stamp(when)}"/>'
            f'<rpad>{rpad}</rpad><payload><body xmlns="{NS_CLIENT}">{xml_escape(xml_safe(body))}</body></payload>'
            '</signcrypt>').encode("utf-8")


def read(plaintext: bytes, recipient: str, received: datetime) -> Signcrypt:
    """Check and read a decrypted ``<signcrypt/>`` for bare JID ``recipient``
    (the outer message's ``to``) received at ``received``. SigncryptError if
    it is not one, or not for ``recipient``."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise SigncryptError(f"OX content of {len(plaintext)} bytes (more than {MAX_PLAINTEXT}): not read")
    if b"<!" in plaintext:
        raise SigncryptError("OX content with a DTD or comment declaration: not read")
    try:
        root = ET.fromstring(plaintext)
    except ET.ParseError as exc:
        raise SigncryptError(f"OX content is not XML ({exc})") from None
    if root.tag != f"{{{NS}}}signcrypt":
        raise SigncryptError(f"OX content is a <{_local(root.tag)}/>, not a <signcrypt/>: not shown")
    recipients = tuple(_bare(to.get("jid") or "") for to in root.findall(f"{{{NS}}}to"))
    times = root.findall(f"{{{NS}}}time")
    payloads = root.findall(f"{{{NS}}}payload")
    if not recipients:
        raise SigncryptError("OX content names no recipient (<to/>): not shown")
    if len(times) != 1 or len(payloads) != 1:
        raise SigncryptError("OX content needs exactly one <time/> and one <payload/>: not shown")
    if _bare(recipient) not in recipients:
        raise SigncryptError(f"OX content was signed for {', '.join(recipients)}, not for "
                             f"{_bare(recipient)}: not shown (forwarded or replayed)")
    signed_at = read_stamp(times[0].get("stamp"))
    if signed_at is None:
        raise SigncryptError("OX content has no readable signed time: not shown")
    body = payloads[0].find(f"{{{NS_CLIENT}}}body")
    if body is None:
        body = payloads[0].find("body")  # some write it without the namespace
    return Signcrypt(body.text or "" if body is not None else "", recipients, signed_at,
                     _implausible(signed_at, received))


def _implausible(signed_at: datetime, received: datetime) -> str | None:
    if signed_at > received + PLAUSIBLE:
        return f"signed at {stamp_of(signed_at)}, in the future (received {stamp_of(received)}): its clock is wrong"
    if signed_at < received - PLAUSIBLE:
        return (f"signed at {stamp_of(signed_at)}, long before it was received ({stamp_of(received)}): "
                "it may be an old message sent again")
    return None


def stamp_of(when: datetime) -> str:
    try:
        return stamp(when.astimezone(timezone.utc))
    except (OverflowError, ValueError):  # near year 1 or 9999
        return when.isoformat()


def _bare(jid: str) -> str:
    return bare_jid(jid.strip()).lower()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
