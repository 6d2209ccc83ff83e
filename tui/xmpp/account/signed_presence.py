"""Signed presence (XEP-0027) as the presence service carries it: the
encryption schemes do the signing and the checking; this carries the
``<x xmlns='jabber:x:signed'>`` element both ways.

A scheme with ``sign_presence(status)`` signs ours (off the loop; when
presences are chosen faster than signed, only the newest goes out); a
scheme with ``presence_signed(jid, status, signature)`` is handed each
contact's signed presence (not a room occupant's, not our own resources').
"""

from __future__ import annotations

import asyncio
import logging
from xml.etree import ElementTree as ET

from ..conversation import encryption as schemes
from .session import AccountSession

log = logging.getLogger(__name__)

SIGNED = "jabber:x:signed"
MUC_USER = "http://jabber.org/protocol/muc#user"
AVAILABLE = ("available", "away", "chat", "dnd", "xa")  # XEP-0027 signs available presences


class SignedPresence:
    def __init__(self, session: AccountSession, encryption: schemes.Encryption | None) -> None:
        self.session = session
        self.encryption = encryption
        self._chosen = 0  # presences chosen so far: a slow signature must not overtake a newer one
        self._tasks: set[asyncio.Task] = set()

    def _schemes(self) -> list:
        """The instances of the schemes registered for presences (only those:
        the others, OTR's libraries among them, are not loaded at log-in)."""
        if self.encryption is None:
            return []
        found = (self.encryption.instance(name) for name in schemes.presence_schemes())
        return [scheme for scheme in found if scheme is not None]

    def send(self, show: str | None, status: str | None) -> bool:
        """Send our presence through a scheme that signs it; False: none does."""
        signers = [s.sign_presence for s in self._schemes() if hasattr(s, "sign_presence")]
        if not signers:
            return False
        self._chosen += 1
        self._spawn(self._send(signers[0], self._chosen, show, status))
        return True

    async def _send(self, sign, number: int, show: str | None, status: str | None) -> None:
        signature = await sign(status or "")  # None: no key (or it failed, said): unsigned
        xmpp = self.session.xmpp
        if number != self._chosen or xmpp is None or not self.session.online:
            return  # a newer presence was chosen meanwhile, or we went offline
        presence = xmpp.make_presence(pshow=show, pstatus=status)
        if signature:
            ET.SubElement(presence.xml, f"{{{SIGNED}}}x").text = signature
        presence.send()

    def received(self, presence) -> None:
        """A presence stanza (slixmpp's "presence" event): a contact's signed one goes to the schemes."""
        signed = presence.xml.find(f"{{{SIGNED}}}x")
        if signed is None or not (signed.text or "").strip() or presence["type"] not in AVAILABLE:
            return
        if presence.xml.find(f"{{{MUC_USER}}}x") is not None or presence["from"].bare == self.session.jid:
            return  # a room occupant, or one of our own resources
        for scheme in self._schemes():
            if hasattr(scheme, "presence_signed"):
                self._spawn(scheme.presence_signed(str(presence["from"]), presence["status"], signed.text))

    def _spawn(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("signed presence failed", exc_info=task.exception())
