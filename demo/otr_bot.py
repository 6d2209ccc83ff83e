"""bob speaks OTR in the demo: he answers alice's /otr start (an OTR query)
and, inside the session, answers encrypted. python-potr directly (on
pycryptodome through tui/crypto/otr/compat); without potr, bob stays in clear."""

from __future__ import annotations

import logging
from typing import Any

import slixmpp

from tui.crypto.otr import compat

try:
    potr: Any = compat.load()
except compat.OtrUnavailable:  # the demo still runs, in clear
    potr = None


class OtrSpeaker:
    """One bot's OTR: its key (made at start), a context per contact."""

    def __init__(self, xmpp: slixmpp.ClientXMPP) -> None:
        self.xmpp = xmpp
        speaker = self

        class Context(potr.context.Context):
            def getPolicy(self, key):
                return {"ALLOW_V2": True, "WHITESPACE_START_AKE": True}.get(key, False)

            def inject(self, msg, appdata=None):
                speaker.send_raw(self.peer, bytes(msg).decode("ascii"))

        self.account = compat.memory_account(Context)(str(xmpp.boundjid.bare))
        self.full: dict[str, str] = {}

    def send_raw(self, bare: str, body: str) -> None:
        msg = self.xmpp.make_message(mto=self.full.get(bare, bare), mbody=body, mtype="chat")
        if body.startswith("?OTR:"):
            for hint in ("no-permanent-store", "no-copy"):
                msg.xml.append(msg.xml.makeelement(f"{{urn:xmpp:hints}}{hint}", {}))
            msg.xml.append(msg.xml.makeelement("{urn:xmpp:eme:0}encryption",
                                               {"namespace": "urn:xmpp:otr:0", "name": "OTR"}))
        msg.send()

    def receive(self, msg: slixmpp.Message) -> str | None:
        """The plaintext of ``msg`` (OTR or not), or None when OTR consumed it."""
        sender = msg["from"]
        self.full[sender.bare] = str(sender)
        body = msg["body"]
        if not body.startswith("?OTR"):
            return body
        try:
            plain, _tlvs = self.account.getContext(sender.bare).receiveMessage(body.encode("utf-8"))
        except Exception as exc:
            logging.info("bob: an OTR message he cannot read: %s", type(exc).__name__)
            return None
        return plain.decode("utf-8", "replace") if plain else None

    def encrypted(self, bare: str) -> bool:
        return self.account.getContext(bare).state == potr.context.STATE_ENCRYPTED

    def answer(self, bare: str, text: str) -> None:
        """In the session if there is one, else in clear."""
        ctx = self.account.getContext(bare)
        if ctx.state == potr.context.STATE_ENCRYPTED:
            out = ctx.sendMessage(potr.context.FRAGMENT_SEND_ALL_BUT_LAST, text.encode("utf-8"))
            self.send_raw(bare, bytes(out).decode("ascii"))
        elif ctx.state == potr.context.STATE_PLAINTEXT:
            self.send_raw(bare, text)
        # finished: alice ended it, and bob does not answer in clear meanwhile
