"""The OTR v2 scheme (python-potr) for 1:1 conversations.

One instance per account: its DSA key (made once, off the event loop, kept
0600 under the data directory), the fingerprints it trusts, and a potr
context per contact (bare JID). Every potr call runs in a worker thread
(the AKE and SMP are modular arithmetic on 1536-bit numbers), one at a time;
what potr wants sent goes out afterwards, in order, through ``host.send``
to the contact's full JID (the resource the session is with).

- in: bodies starting "?OTR" (and, where the policy answers peers, plaintext
  carrying the whitespace tag). Handshake and SMP messages are consumed;
  data messages give their plaintext (sanitised downstream like all text).
- out: while the session is encrypted, the body becomes the OTR data message
  with no-store/no-copy/private hints and the XEP-0380 marker. Not yet up:
  the handshake starts and the message waits (EncryptionPending). Ended by
  the peer: nothing goes (EncryptionError) until /otr end or /otr start.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Callable

from tui.xmpp.conversation.encryption import EncryptionError, EncryptionPending, Peer, SchemeHost

from . import MARK, TAG_BASE, compat, one_to_one_body
from .files import OtrFiles
from .policy import answers_peers, policy_for

log = logging.getLogger(__name__)

NAME = "otr"
OTR_NS = "urn:xmpp:otr:0"
HINTS = "urn:xmpp:hints"
CARBONS = "urn:xmpp:carbons:2"
EME = "urn:xmpp:eme:0"
TAG_V2 = TAG_BASE + "  \t\t  \t "  # … version 2


def pretty_fingerprint(fpr: str) -> str:
    """40 hex digits in five groups of eight, upper case (as Pidgin and Profanity show them)."""
    fpr = fpr.upper()
    return " ".join(fpr[i:i + 8] for i in range(0, len(fpr), 8))


def is_query(body: str) -> bool:
    return body.startswith("?OTRv") or body.startswith("?OTR?")


class OtrScheme:
    name = NAME
    rooms = False

    def __init__(self, host: SchemeHost) -> None:
        self.host = host
        self._potr: Any = None
        self._account: Any = None
        self._lock: asyncio.Lock | None = None
        self._full: dict[str, str] = {}  # contact → the full JID the session is with
        self._starting: set[str] = set()  # contacts we sent a query to (AKE under way)
        self._session: dict[str, bytes | None] = {}  # contact → the session id we last announced
        self.last_thread: int | None = None  # the thread the last potr call ran in
        self._shown: dict[str, str | None] = {}  # contact → the state the bars show
        self._offered: set[str] = set()  # contacts who spoke OTR to us (a query, a key exchange)
        self._tasks: set[asyncio.Task] = set()  # handshakes started on a whitespace tag

    # -- potr, its key, its calls ----------------------------------------------------
    def load(self):
        """potr (patched for pycryptodome); EncryptionError saying how to install it."""
        if self._potr is None:
            try:
                self._potr = compat.load()
            except compat.OtrUnavailable as exc:
                raise EncryptionError(str(exc)) from None
        return self._potr

    @property
    def settings(self) -> dict:
        return self.host.settings.get(NAME) or {}

    def policy(self, jid: str) -> str:
        return policy_for(self.settings, jid)

    def _locked(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def account(self):
        """potr's account with its key loaded or made (once, in a worker thread)."""
        potr = self.load()
        async with self._locked():
            if self._account is None:
                from .session import session_classes

                account_class, _ = session_classes(potr)
                files = OtrFiles(self.host.data_dir, self.host.account)
                size = int(self.settings.get("fragment_size") or 0)
                try:
                    account = await asyncio.to_thread(account_class, self.host.account, files, size)
                    await asyncio.to_thread(account.getPrivkey)  # load, else generate and save
                except Exception as exc:  # a damaged key or trust file, a full disk: said, never clear
                    log.warning("OTR: cannot load or make the key of %s: %s", self.host.account, exc)
                    where = files.dir if files.dir is not None else "memory"
                    raise EncryptionError(f"cannot load or make your OTR key ({where}): "
                                          f"{type(exc).__name__}: {exc}") from None
                self._account = account
        return self._account

    @property
    def key_thread(self) -> int | None:
        """The thread that loaded or made our key (a test checks it was not the loop's)."""
        return self._account.key_thread if self._account is not None else None

    async def context(self, jid: str):
        return (await self.account()).getContext(jid)

    def _context_now(self, jid: str):
        """The context for ``jid`` if the account is up (no key work), else None."""
        return self._account.getContext(jid) if self._account is not None else None

    async def _call(self, jid: str, fn: Callable, *args, **kwargs):
        """Run a potr call for ``jid``'s context in a worker thread, then send
        what it injected and say what changed."""
        ctx = await self.context(jid)

        def work():
            self.last_thread = threading.get_ident()  # a test checks: never the loop's
            try:
                return fn(ctx, *args, **kwargs)
            finally:
                self._record_key(jid, ctx)  # the trust file is written here, off the loop

        async with self._locked():
            try:
                return await asyncio.to_thread(work)
            finally:
                injected, ctx.injected = ctx.injected, []
                for msg in injected:
                    self.host.send(self._full.get(jid, jid), msg.decode("ascii", "replace"))
                self._notice(jid, ctx)

    # -- state -------------------------------------------------------------------------
    @property
    def handshaking(self) -> bool:
        """Is a handshake starting with anyone (a query sent, or one begun on a whitespace tag)?"""
        return bool(self._starting or self._tasks)

    def offered(self, jid: str) -> str | None:
        return "OTR" if jid in self._offered else None

    def state(self, jid: str) -> str | None:
        """As last announced (after each potr call, on the loop): never ahead of what was said."""
        return self._shown.get(jid)

    def _update(self, jid: str) -> None:
        """Recompute ``jid``'s state; if it changed, tell the host (the bars)."""
        ctx = self._context_now(jid)
        now = self._current_state(jid, ctx) if ctx is not None else None
        if now != self._shown.get(jid):
            self._shown[jid] = now
            self.host.changed(jid)

    def _current_state(self, jid: str, ctx) -> str | None:
        states = self._potr.context
        if ctx.state == states.STATE_ENCRYPTED:
            return "OTR verified" if ctx.getCurrentTrust() else "OTR unverified"
        if ctx.state == states.STATE_FINISHED:
            return "OTR finished by peer"
        return "OTR starting" if jid in self._starting else None

    def encrypted(self, jid: str) -> bool:
        ctx = self._context_now(jid)
        return ctx is not None and ctx.state == self._potr.context.STATE_ENCRYPTED

    def _notice(self, jid: str, ctx) -> None:
        """After a potr call: a session that came up (or was refreshed) or was ended by the peer."""
        states = self._potr.context
        if ctx.state == states.STATE_ENCRYPTED:
            session_id = ctx.crypto.sessionId
            if self._session.get(jid) != session_id:
                self._session[jid] = session_id
                self._starting.discard(jid)
                self._session_up(jid, ctx)
        elif ctx.state == states.STATE_FINISHED and self._session.get(jid) is not None:
            self._session[jid] = None
            self.host.say(jid, f"{jid} ended the OTR session: what you type is held — "
                               "/otr end to talk in clear, /otr start for a new session", error=True)
        elif ctx.state == states.STATE_PLAINTEXT and self._session.get(jid) is not None:
            self._session[jid] = None
        self._update(jid)

    def _record_key(self, jid: str, ctx) -> None:
        """(In the worker thread.) A session with a key never seen for this
        contact: remember it (known, not trusted), and which keys we knew."""
        if ctx.state != self._potr.context.STATE_ENCRYPTED or ctx.getCurrentTrust() is not None:
            return
        ctx.known_before = sorted(ctx.user.trusts.get(jid, {}))
        ctx.setCurrentTrust("")  # saved

    def _session_up(self, jid: str, ctx) -> None:
        fpr = ctx.getCurrentKey().cfingerprint()
        known = getattr(ctx, "known_before", None)
        if known:
            self.host.say(jid, f"WARNING: {jid}'s OTR key changed — now {pretty_fingerprint(fpr)}, "
                               f"known before: {', '.join(pretty_fingerprint(f) for f in known)}. "
                               "Someone may be impersonating them: verify with /otr smp", error=True)
        ctx.known_before = None
        trust = ctx.getCurrentTrust()
        self.host.use(jid, NAME)  # what we send goes encrypted from now on
        if trust:
            self.host.say(jid, "OTR session started (verified)")
        else:
            self.host.say(jid, "OTR session started (unverified: /otr fpr, /otr smp)")
        self._update(jid)
        self.host.ready(jid)

    # -- in ----------------------------------------------------------------------------
    def recognises(self, stanza) -> bool:
        body = one_to_one_body(stanza)
        if body is None:
            return False
        if body.startswith(MARK):
            return True
        if TAG_BASE in body:
            self._tagged(stanza)
        return False  # a tagged message is plaintext: shown (and marked) as such

    def _tagged(self, stanza) -> None:
        """A plaintext with the whitespace tag (its sender speaks OTR): where the
        policy answers peers, and no session is up or starting, start one."""
        sender = stanza["from"]
        jid = sender.bare.lower()
        if not answers_peers(self.policy(jid)) or jid == self.host.account or jid in self._starting \
                or self.encrypted(jid) or TAG_V2 not in (stanza["body"] or ""):
            return
        if sender.resource:
            self._full[jid] = str(sender)
        task = asyncio.get_running_loop().create_task(self.start(jid))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def decrypt(self, peer: Peer, stanza) -> str | None:
        if peer.archived:
            # Read back from an archive (a catch-up): a query or a key
            # exchange of a session long gone must not be answered, and old
            # data messages cannot be decrypted any more. Data messages carry
            # no-permanent-store, so servers that honour it never archive them.
            log.info("OTR: a message from %s read from the archive, left alone", peer.jid)
            return None
        body = stanza["body"] or ""
        sender = stanza["from"]
        jid = peer.jid
        if sender.bare.lower() == self.host.account:
            return None  # our own OTR message, copied from another device or the archive: not ours to read
        me, to = self.host.me(), stanza["to"]
        if me and to.resource and str(to) != me:
            # a copy (carbon, archive) of a message for another device of ours:
            # its session is not ours; feeding it to potr would answer with an error
            log.info("OTR: a message from %s for another device of ours, left alone", peer.jid)
            return None
        self._offered.add(jid)  # it speaks OTR, whatever this message turns out to be
        potr = self.load()
        if sender.resource:
            self._full[jid] = str(sender)
        if is_query(body) and not answers_peers(self.policy(jid)) and jid not in self._starting \
                and not self.encrypted(jid):
            self.host.say(jid, f"{jid} asks for an OTR session: /otr start to begin one")
            return None
        errors = potr.context
        try:
            plain, tlvs = await self._call(jid, lambda ctx: ctx.receiveMessage(body.encode("utf-8")))
        except (errors.NotOTRMessage, errors.UnencryptedMessage):  # "?OTR" and then not OTR at all
            raise EncryptionError("a malformed OTR message") from None
        except errors.ErrorReceived as exc:
            error = exc.args[0] if exc.args else None
            said = getattr(error, "error", b"")
            said = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
            self.host.say(jid, f"OTR error from {jid}: {said.strip()}", error=True)
            return None
        except errors.NotEncryptedError:
            raise EncryptionError("an OTR message outside a session (an old one?): /otr start for a new one") \
                from None
        except Exception as exc:  # a malformed or forged message: never its bytes
            log.info("OTR: cannot read a message from %s: %s", jid, type(exc).__name__)
            raise EncryptionError(f"unreadable OTR message ({type(exc).__name__})") from None
        self._smp_news(jid, tlvs or [])
        if not plain:
            return None
        return plain.decode("utf-8", "replace")

    def _smp_news(self, jid: str, tlvs: list) -> None:
        proto = self._potr.proto
        ctx = self._context_now(jid)
        for tlv in tlvs:
            if isinstance(tlv, proto.SMP1QTLV):
                question = tlv.msg.decode("utf-8", "replace")
                self.host.say(jid, f"{jid} asks to verify you (SMP): {question!r} — "
                                   "/otr smp answer SECRET")
            elif isinstance(tlv, proto.SMP1TLV):
                self.host.say(jid, f"{jid} asks to verify you with a shared secret (SMP) — "
                                   "/otr smp answer SECRET")
            elif isinstance(tlv, (proto.SMP3TLV, proto.SMP4TLV)):
                if ctx is not None and ctx.smpIsSuccess():
                    verified = bool(ctx.getCurrentTrust())
                    self.host.say(jid, f"SMP with {jid} succeeded: " + (
                        "their key is verified" if verified else
                        "they proved they know your answer (ask your own question to verify them)"))
                else:
                    self.host.say(jid, f"SMP with {jid} failed: the secrets differ — NOT verified",
                                  error=True)
            elif isinstance(tlv, proto.SMPABORTTLV):
                self.host.say(jid, f"SMP with {jid} aborted or failed — NOT verified", error=True)

    # -- out ---------------------------------------------------------------------------
    async def encrypt(self, peer: Peer, stanza) -> None:
        potr = self.load()
        jid = peer.jid
        ctx = await self.context(jid)
        states = potr.context
        if ctx.state == states.STATE_FINISHED:
            raise EncryptionError(f"{jid} ended the OTR session: /otr end or /otr start")
        if ctx.state != states.STATE_ENCRYPTED:
            if jid not in self._starting:
                await self.start(jid)
            raise EncryptionPending(f"starting an OTR session with {jid}")
        body = stanza["body"] or ""

        def send(c):
            if c.state != states.STATE_ENCRYPTED:  # changed meanwhile (the peer ended it)
                return None
            return c.sendMessage(potr.context.FRAGMENT_SEND_ALL_BUT_LAST, body.encode("utf-8"))

        out = await self._call(jid, send)
        if out is None and ctx.state == states.STATE_FINISHED:
            raise EncryptionError(f"{jid} ended the OTR session: /otr end or /otr start")
        if not out or not bytes(out).startswith(b"?OTR"):  # never the plaintext
            raise EncryptionError("OTR did not encrypt this message")
        stanza["body"] = bytes(out).decode("ascii")
        if self._full.get(jid):
            stanza["to"] = self._full[jid]  # the resource the session is with
        mark(stanza)

    # -- commands ----------------------------------------------------------------------
    async def start(self, jid: str) -> None:
        """Send an OTR query (a new handshake; also a refresh of a running session)."""
        potr = self.load()
        ctx = await self.context(jid)
        query = ctx.user.getDefaultQueryMessage(ctx.getPolicy).decode("ascii")
        self._starting.add(jid)
        if ctx.state == potr.context.STATE_FINISHED:
            await self._call(jid, lambda c: c.disconnect())  # back to plaintext first
        self.host.send(self._full.get(jid, jid), query)
        self._update(jid)

    async def end(self, jid: str) -> bool:
        """End the session (the peer is told); whether there was one."""
        ctx = self._context_now(jid)
        self._starting.discard(jid)
        if ctx is None or ctx.state == self._potr.context.STATE_PLAINTEXT:
            self._update(jid)  # no longer "starting"
            return False
        await self._call(jid, lambda c: c.disconnect())
        return True

    async def fingerprints(self, jid: str) -> tuple[str, str | None, str | None]:
        """(ours, theirs in this session or None, its trust or None)."""
        account = await self.account()
        ctx = account.getContext(jid)
        theirs = ctx.getCurrentKey()
        return (account.getPrivkey().cfingerprint(), theirs.cfingerprint() if theirs else None,
                ctx.getCurrentTrust() if theirs else None)

    async def trust(self, jid: str, trusted: bool) -> str:
        """Trust (or not) the key of the running session; its fingerprint."""
        ctx = await self.context(jid)
        key = ctx.getCurrentKey()
        if key is None or not self.encrypted(jid):
            raise EncryptionError(f"no OTR session with {jid}: /otr start first")
        await self._call(jid, lambda c: c.setCurrentTrust("verified" if trusted else ""))
        return key.cfingerprint()

    async def smp(self, jid: str, secret: str, question: str | None = None) -> None:
        """Start SMP (with a question), or answer the peer's."""
        if not self.encrypted(jid):
            raise EncryptionError(f"no OTR session with {jid}: /otr start first")
        ctx = self._context_now(jid)
        smp = ctx.crypto.smp
        answering = smp is not None and smp.state == 0  # the peer asked: we answer
        if answering:
            await self._call(jid, lambda c: c.smpGotSecret(secret.encode("utf-8")))
        else:
            await self._call(jid, lambda c: c.smpInit(
                secret.encode("utf-8"), question=question.encode("utf-8") if question else None))

    def smp_asked(self, jid: str) -> bool:
        """The peer asked us to verify (SMP) and waits for our secret."""
        ctx = self._context_now(jid)
        smp = ctx.crypto.smp if ctx is not None else None
        return smp is not None and smp.state == 0

    async def smp_abort(self, jid: str) -> None:
        if not self.encrypted(jid):
            raise EncryptionError(f"no OTR session with {jid}")
        await self._call(jid, lambda c: c.smpAbort())


def mark(stanza) -> None:
    """Hints for an OTR message: not archived, not copied to our other devices, and what it is."""
    xml = stanza.xml
    for hint in ("no-permanent-store", "no-copy"):  # XEP-0334
        xml.append(xml.makeelement(f"{{{HINTS}}}{hint}", {}))
    xml.append(xml.makeelement(f"{{{CARBONS}}}private", {}))  # XEP-0280
    xml.append(xml.makeelement(f"{{{EME}}}encryption", {"namespace": OTR_NS, "name": "OTR"}))  # XEP-0380
