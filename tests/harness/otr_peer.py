"""An OTR v2 peer for tests: a raw slixmpp Peer speaking OTR through
python-potr directly (its own potr account and contexts, nothing of
Parlons' OTR scheme). potr runs on pycryptodome through tui/crypto/otr/compat
(potr is patched process-wide, so a peer in the same process cannot use
another compat layer; the textbook DSA it relies on is pinned by a
known-answer test in tests/unit/test_otr_compat.py).

It answers an OTR query (opportunistic), records the plaintexts it decrypts
and what came in clear, and can start the AKE, send, run SMP and end."""

from __future__ import annotations

from typing import Any

from tests.harness.peer import Peer
from tui.crypto.otr import compat

potr: Any = compat.load()
HINTS = "urn:xmpp:hints"


class _Context(potr.context.Context):
    def getPolicy(self, key):
        return {"ALLOW_V2": True, "ALLOW_V1": False, "REQUIRE_ENCRYPTION": False,
                "WHITESPACE_START_AKE": True}.get(key, False)

    def inject(self, msg, appdata=None):
        self.user.owner.send_raw(self.peer, bytes(msg).decode("ascii"))


class _Account(compat.memory_account(_Context)):  # type: ignore[misc]  # a class made at run time
    def __init__(self, owner: "OtrPeer", name: str, fragment_size: int) -> None:
        super().__init__(name, fragment_size)
        self.owner = owner


class OtrPeer:
    def __init__(self, peer: Peer, fragment_size: int = 0) -> None:
        self.peer = peer
        self.account = _Account(self, peer.jid, fragment_size)
        self.plain: list[str] = []  # decrypted, in order
        self.clear: list[str] = []  # came in clear (not OTR)
        self.errors: list[str] = []
        self.smp_questions: list[str] = []
        self.full: dict[str, str] = {}  # bare → full JID last heard from
        peer.xmpp.add_event_handler("message", self._on_message)

    @property
    def jid(self) -> str:
        return self.peer.jid

    @property
    def fingerprint(self) -> str:
        return self.account.getPrivkey().cfingerprint()

    def ctx(self, jid: str):
        return self.account.getContext(jid.partition("/")[0].lower())

    def encrypted(self, jid: str) -> bool:
        return self.ctx(jid).state == potr.context.STATE_ENCRYPTED

    def finished(self, jid: str) -> bool:
        return self.ctx(jid).state == potr.context.STATE_FINISHED

    def their_fingerprint(self, jid: str) -> str | None:
        key = self.ctx(jid).getCurrentKey()
        return key.cfingerprint() if key is not None else None

    def send_raw(self, to: str, body: str) -> None:
        to = self.full.get(to.partition("/")[0].lower(), to)
        msg = self.peer.xmpp.make_message(mto=to, mbody=body, mtype="chat")
        if body.startswith("?OTR:") or body.startswith("?OTR,"):
            for hint in ("no-permanent-store", "no-copy"):
                msg.xml.append(msg.xml.makeelement(f"{{{HINTS}}}{hint}", {}))
        msg.send()

    def _on_message(self, msg) -> None:
        if msg["type"] not in ("chat", "normal") or not msg["body"]:
            return
        sender = msg["from"]
        self.full[sender.bare.lower()] = str(sender)
        ctx = self.ctx(sender.bare)
        try:
            plain, tlvs = ctx.receiveMessage(msg["body"].encode("utf-8"))
        except potr.context.NotOTRMessage:
            self.clear.append(msg["body"])
            return
        except potr.context.UnencryptedMessage:
            self.clear.append(msg["body"])
            return
        except Exception as exc:  # recorded: a test asserts there is none
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return
        for tlv in tlvs or []:
            if isinstance(tlv, potr.proto.SMP1QTLV):
                self.smp_questions.append(tlv.msg.decode("utf-8"))
        if plain:
            self.plain.append(plain.decode("utf-8"))

    # -- acting --------------------------------------------------------------------------
    def query(self, to: str) -> None:
        self.send_raw(to, "?OTRv2?")

    def say(self, to: str, text: str) -> None:
        out = self.ctx(to).sendMessage(potr.context.FRAGMENT_SEND_ALL_BUT_LAST, text.encode("utf-8"))
        self.send_raw(to, bytes(out).decode("ascii"))

    def end(self, to: str) -> None:
        self.ctx(to).disconnect()

    def smp(self, to: str, secret: str, question: str | None = None) -> None:
        self.ctx(to).smpInit(secret.encode("utf-8"), question=question.encode("utf-8") if question else None)

    def smp_answer(self, to: str, secret: str) -> None:
        self.ctx(to).smpGotSecret(secret.encode("utf-8"))

    def smp_succeeded(self, to: str) -> bool | None:
        return self.ctx(to).smpIsSuccess()
