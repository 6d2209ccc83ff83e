"""1:1 messages: incoming messages open windows, typed text goes out.

This is the minimal conversation service of the foundation; receipts, chat
states, carbons, corrections and history build on it.
"""

from __future__ import annotations

import logging

import slixmpp

from ..core.model import Line, LineKind
from ..core.windows import Activity, Window, WindowKind, WindowList
from ..text import xml_safe
from .session import AccountSession

log = logging.getLogger(__name__)


def display_name(bare_jid: str) -> str:
    """A short name for a JID when the roster has none: its local part."""
    local, _, domain = bare_jid.partition("@")
    return local if domain else bare_jid


class ChatService:
    def __init__(self, session: AccountSession, windows: WindowList) -> None:
        self.session = session
        self.windows = windows
        session.on_client_created(self._attach)

    def _attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        xmpp.add_event_handler("message", self._on_message)

    def window_for(self, bare_jid: str, *, focus: bool = False) -> Window:
        return self.windows.open(
            display_name(bare_jid), WindowKind.CHAT, self.session.jid, bare_jid, focus=focus
        )

    def _on_message(self, msg: slixmpp.Message) -> None:
        if msg["type"] not in ("chat", "normal") or not msg["body"]:
            return
        sender = msg["from"].bare
        window = self.window_for(sender)
        line = Line(msg["body"], LineKind.INCOMING, nick=display_name(sender), msg_id=msg["id"] or None)
        # A private message is addressed to us: Irssi shows queries at highlight level.
        self.windows.add_line(window, line, Activity.HIGHLIGHT)

    def send(self, bare_jid: str, text: str) -> Line:
        """Send ``text`` to ``bare_jid`` and show it; an offline account keeps
        the line, marked as not sent."""
        window = self.window_for(bare_jid)
        body = xml_safe(text)
        own_nick = display_name(self.session.jid)
        xmpp = self.session.xmpp
        if xmpp is None or not self.session.online:
            line = Line(body, LineKind.OUTGOING, nick=own_nick)
            self.windows.add_line(window, line)
            self.windows.add_line(
                window, Line("not sent: the account is offline", LineKind.ERROR)
            )
            return line
        msg = xmpp.make_message(mto=bare_jid, mbody=body, mtype="chat")
        msg_id = msg["id"] or None
        line = Line(body, LineKind.OUTGOING, nick=own_nick, msg_id=msg_id)
        self.windows.add_line(window, line)
        msg.send()
        return line
