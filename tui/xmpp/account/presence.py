"""Our own presence: online, chat, away, xa, dnd, with a status message.

What the user chose is remembered by the service, not by slixmpp, so it
survives reconnections: a fresh session announces it again (a resumed
session kept it on the server).

Signed presence (XEP-0027) is the encryption schemes' business: a scheme
with ``sign_presence(status)`` signs ours (off the loop; the newest choice
wins), one with ``presence_signed(jid, status, signature)`` is handed
contacts' signed presences. This service only carries the ``jabber:x:signed``
element both ways.
"""

from __future__ import annotations

import asyncio
import logging
from xml.etree import ElementTree as ET

import slixmpp

from ...core.events import AccountChanged, EventBus
from ...text import sanitize_line, xml_safe
from ..conversation import encryption as schemes
from .session import AccountSession

log = logging.getLogger(__name__)

# What /status accepts; "online" is a presence without <show/>.
OWN_SHOWS = ("online", "chat", "away", "xa", "dnd")
_LABELS = {"chat": "free for chat", "away": "away", "xa": "extended away", "dnd": "do not disturb"}


class PresenceService:
    def __init__(self, session: AccountSession, bus: EventBus,
                 encryption: schemes.Encryption | None = None) -> None:
        self.session = session
        self.bus = bus
        self.encryption = encryption
        self.show = "online"
        self.message = ""
        self._sent = 0  # how many presences we chose: a slow signature must not overtake a newer one
        self._tasks: set[asyncio.Task] = set()
        session.on_client_created(self._attach)

    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        # The session announces us once the roster is in: with our chosen
        # show/status from the first stanza, never a plain "online" first.
        # (a hook the session offers as a method to replace)
        self.session.announce_presence = lambda xmpp: self._send()  # type: ignore[method-assign]
        xmpp.add_event_handler("presence", self._signed_presence_in)

    @property
    def is_default(self) -> bool:
        return self.show == "online" and not self.message

    def describe(self) -> str:
        """Short text for the status bar: "" when plainly online."""
        if self.is_default:
            return ""
        label = _LABELS.get(self.show, self.show)
        return f"{label}: {self.message}" if self.message else label

    def set(self, show: str, message: str = "") -> None:
        """Choose our presence; sent now when online, remembered otherwise."""
        if show not in OWN_SHOWS:
            raise ValueError(show)
        self.show = show
        self.message = sanitize_line(message).strip()
        self._send()
        # the status bar shows it next to the account
        self.bus.emit(AccountChanged(self.session.status))

    def _send(self) -> None:
        xmpp = self.session.xmpp
        if xmpp is None or not self.session.online:
            return
        show = self.show if self.show != "online" else None
        status = xml_safe(self.message) if self.message else None
        signers = [s.sign_presence for s in self._schemes() if hasattr(s, "sign_presence")]
        if not signers:
            xmpp.send_presence(pshow=show, pstatus=status)
            return
        self._sent += 1
        self._spawn(self._send_signed(signers[0], self._sent, show, status))

    async def _send_signed(self, sign, number: int, show: str | None, status: str | None) -> None:
        signature = await sign(status or "")
        xmpp = self.session.xmpp
        if number != self._sent or xmpp is None or not self.session.online:
            return  # a newer presence was chosen meanwhile, or we went offline
        presence = xmpp.make_presence(pshow=show, pstatus=status)
        if signature:
            ET.SubElement(presence.xml, "{jabber:x:signed}x").text = signature
        presence.send()

    def _signed_presence_in(self, presence) -> None:
        signed = presence.xml.find("{jabber:x:signed}x")
        if signed is None or not (signed.text or "").strip():
            return
        if presence["type"] not in ("available", "away", "chat", "dnd", "xa"):
            return  # XEP-0027 signs available presences only
        if presence.xml.find("{http://jabber.org/protocol/muc#user}x") is not None:
            return  # a room occupant, not a contact
        sender = str(presence["from"])
        if presence["from"].bare == self.session.jid:
            return  # our own resources
        for scheme in self._schemes():
            if hasattr(scheme, "presence_signed"):
                self._spawn(scheme.presence_signed(sender, presence["status"], signed.text))

    def _schemes(self) -> list:
        if self.encryption is None:
            return []
        found = (self.encryption.instance(name) for name in schemes.registered())
        return [scheme for scheme in found if scheme is not None]

    def _spawn(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("signed presence failed", exc_info=task.exception())
