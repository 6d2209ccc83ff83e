"""Our own presence: online, chat, away, xa, dnd, with a status message.

What the user chose is remembered by the service, not by slixmpp, so it
survives reconnections: a fresh session announces it again (a resumed
session kept it on the server). Signed presence (XEP-0027): signed_presence.py.
"""

from __future__ import annotations

import logging

import slixmpp

from ...core.events import AccountChanged, EventBus
from ...core.presence import describe
from ...text import sanitize_line, xml_safe
from ..conversation.encryption import Encryption
from .session import AccountSession
from .signed_presence import SignedPresence

log = logging.getLogger(__name__)

# What /status accepts; "online" is a presence without <show/>.
OWN_SHOWS = ("online", "chat", "away", "xa", "dnd")


class PresenceService:
    def __init__(self, session: AccountSession, bus: EventBus, encryption: Encryption | None = None) -> None:
        self.session = session
        self.bus = bus
        self.signed = SignedPresence(session, encryption)
        self.show = "online"
        self.message = ""
        session.on_client_created(self._attach)

    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        # The session announces us once the roster is in: with our chosen
        # show/status from the first stanza, never a plain "online" first.
        # (a hook the session offers as a method to replace)
        self.session.announce_presence = lambda xmpp: self._send()  # type: ignore[method-assign]
        xmpp.add_event_handler("presence", self.signed.received)

    @property
    def is_default(self) -> bool:
        return self.show == "online" and not self.message

    def describe(self) -> str:
        """Short text for the status bar: "" when plainly online."""
        if self.is_default:
            return ""
        return describe(self.show, self.message)

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
        if not self.signed.send(show, status):
            xmpp.send_presence(pshow=show, pstatus=status)
