"""Chat states (XEP-0085): "bob is typing…" in, and ours out.

Ours: "composing" when the user starts typing in a conversation, "paused"
after a few quiet seconds, "active" with every message (and when the line
is emptied). Never more than one state stanza per change.
"""

from __future__ import annotations

import asyncio

import slixmpp

from ...core.events import EventBus, TypingChanged
from ..account.session import AccountSession

PAUSE_AFTER = 5.0  # seconds without a keystroke


class ChatStates:
    def __init__(self, session: AccountSession, bus: EventBus) -> None:
        self.session = session
        self.bus = bus
        self.theirs: dict[str, str] = {}  # peer -> their last state
        self._ours: dict[str, str] = {}  # peer -> the last state we sent
        self._pause_timers: dict[str, asyncio.TimerHandle] = {}

    def attach(self, xmpp: slixmpp.ClientXMPP) -> None:
        xmpp.add_event_handler("chatstate", self._on_chatstate)
        xmpp.add_event_handler("presence_unavailable", self._on_unavailable)

    # -- theirs ---------------------------------------------------------------
    def _on_chatstate(self, msg: slixmpp.Message) -> None:
        if msg["type"] == "groupchat":
            return
        peer = msg["from"].bare.lower()
        if peer == self.session.jid.lower():
            return  # our other devices' states, via carbons
        self._set_theirs(peer, msg["chat_state"] or "active")

    def _on_unavailable(self, presence: slixmpp.Presence) -> None:
        """Gone offline mid-sentence: they are not typing any more."""
        peer = presence["from"].bare.lower()
        if self.theirs.get(peer) in ("composing", "paused"):
            self._set_theirs(peer, "gone")

    def clear_typing(self, peer: str) -> None:
        """A message arrived: whatever they were typing, they sent it."""
        if self.theirs.get(peer) in ("composing", "paused"):
            self._set_theirs(peer, "active")

    def _set_theirs(self, peer: str, state: str) -> None:
        if self.theirs.get(peer) != state:
            self.theirs[peer] = state
            self.bus.emit(TypingChanged(self.session.jid, peer, state))

    # -- ours -----------------------------------------------------------------
    def user_typed(self, peer: str, text: str) -> None:
        """The input line of ``peer``'s window changed to ``text``."""
        if not text or text.startswith("/"):
            if self._ours.get(peer) in ("composing", "paused"):
                self._send(peer, "active")
            self._cancel_pause(peer)
            return
        if self._ours.get(peer) != "composing":
            self._send(peer, "composing")
        self._cancel_pause(peer)
        loop = asyncio.get_running_loop()
        self._pause_timers[peer] = loop.call_later(PAUSE_AFTER, self._send, peer, "paused")

    def sent_active(self, peer: str) -> None:
        """A message is going out: it carries <active/> itself."""
        self._cancel_pause(peer)
        self._ours[peer] = "active"

    def _cancel_pause(self, peer: str) -> None:
        timer = self._pause_timers.pop(peer, None)
        if timer is not None:
            timer.cancel()

    def _send(self, peer: str, state: str) -> None:
        self._pause_timers.pop(peer, None)
        xmpp = self.session.xmpp
        if xmpp is None or not self.session.online or self._ours.get(peer) == state:
            return
        self._ours[peer] = state
        msg = xmpp.make_message(mto=peer, mtype="chat")
        msg["chat_state"] = state
        # a state is not worth keeping: no archive, no offline storage (XEP-0334)
        msg.xml.append(slixmpp.xmlstream.ET.Element("{urn:xmpp:hints}no-store"))
        msg.send()
