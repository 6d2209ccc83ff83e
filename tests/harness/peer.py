"""A plain slixmpp client: the "other person" in integration and UI tests.

TLS is verified against the harness CA, exactly like the app is expected
to do it. Create it inside the running event loop (slixmpp binds the loop
that is current when the client is constructed).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from slixmpp import JID, ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.stanza import Message
from slixmpp.types import MessageTypes

from tests.harness.wait import until

DEFAULT_PLUGINS = ("xep_0030", "xep_0045", "xep_0060", "xep_0199", "xep_0198", "xep_0280", "xep_0313")


class PeerConnectError(AssertionError):
    """The peer could not log in; the message says why (TLS, auth, TCP)."""


@dataclass(frozen=True)
class ReceivedMessage:
    sender: str
    body: str
    stanza: Message

    # Unpacks as the (from, body, stanza) triple tests expect.
    def __iter__(self):
        return iter((self.sender, self.body, self.stanza))


class Peer:
    """Logs in, records every message it receives, sends on request.

    Wraps (rather than subclasses) a plain `ClientXMPP`, reachable as
    `peer.xmpp`: a subclass's `send(to, body)` would shadow slixmpp's own
    `send(stanza)`, which the library calls internally.
    """

    def __init__(
        self,
        jid: str,
        password: str,
        *,
        ca_file: Path | str,
        host: str = "127.0.0.1",
        port: int = 5222,
        plugins: Iterable[str] = DEFAULT_PLUGINS,
        send_presence: bool = True,
    ) -> None:
        self.xmpp = xmpp = ClientXMPP(jid, password)
        xmpp.ca_certs = Path(ca_file)
        xmpp.enable_direct_tls = False  # the c2s port speaks STARTTLS
        xmpp.enable_plaintext = False
        self.connect_host = host
        self.connect_port = port
        self.announce_presence = send_presence
        self.messages: list[ReceivedMessage] = []
        self.received = asyncio.Event()  # set on every message; tests may clear() it
        self.tls_errors: list[Exception] = []
        for plugin in plugins:
            xmpp.register_plugin(plugin)
        xmpp.add_event_handler("message", self._record_message)
        xmpp.add_event_handler("groupchat_message", self._record_message)
        xmpp.add_event_handler("ssl_invalid_chain", self._record_tls_error)

    @property
    def jid(self) -> str:
        """Bare JID."""
        return self.xmpp.boundjid.bare

    @property
    def full_jid(self) -> str:
        return self.xmpp.boundjid.full

    @property
    def plugin(self):
        return self.xmpp.plugin

    # -- receiving -----------------------------------------------------------

    def _record_message(self, msg: Message) -> None:
        # slixmpp fires both "message" and "groupchat_message" for MUC
        # messages; record each stanza once.
        if any(received.stanza is msg for received in self.messages[-5:]):
            return
        self.messages.append(ReceivedMessage(str(msg["from"]), msg["body"], msg))
        self.received.set()

    def bodies(self) -> list[str]:
        return [received.body for received in self.messages]

    def _record_tls_error(self, error: Exception) -> None:
        # A handler for this event replaces slixmpp's own disconnect; cancel
        # the attempt so nothing retries, and start() reports the failure.
        self.tls_errors.append(error)
        self.xmpp.cancel_connection_attempt()

    # -- lifecycle -----------------------------------------------------------

    async def start(self, timeout: float = 10.0) -> "Peer":
        """Connect and return once the session is fully up (stream management
        enabled or resumed, when that plugin is loaded). Call it again to
        reconnect after the connection dropped. Raises PeerConnectError."""
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[None] = loop.create_future()
        xmpp = self.xmpp
        wants_sm = "xep_0198" in xmpp.plugin

        def succeed(_event=None) -> None:
            if not outcome.done():
                outcome.set_result(None)

        def fail(reason: str):
            def handler(event=None) -> None:
                if not outcome.done():
                    outcome.set_exception(PeerConnectError(f"{self.jid}: {reason}: {event}"))
            return handler

        session_started = False

        def on_session_start(_event) -> None:
            nonlocal session_started
            session_started = True
            if self.announce_presence:
                xmpp.send_presence()
            if not wants_sm:
                succeed()

        def on_sm_failed(_event) -> None:
            # Before session_start this is a failed resume (e.g. the server
            # restarted): slixmpp goes on to bind a fresh session. After it,
            # the session is up, just without stream management.
            if session_started:
                succeed()

        handlers = [
            ("session_start", on_session_start),
            ("sm_enabled", succeed),
            ("session_resumed", succeed),
            ("sm_failed", on_sm_failed),
            ("failed_all_auth", fail("authentication failed")),
            ("ssl_invalid_chain", fail("certificate not trusted")),
            ("connection_failed", fail("connection failed")),
        ]
        for event, handler in handlers:
            xmpp.add_event_handler(event, handler)
        try:
            xmpp.connect(host=self.connect_host, port=self.connect_port)
            await asyncio.wait_for(outcome, timeout)
        except asyncio.TimeoutError:
            await self.stop()
            raise PeerConnectError(f"{self.jid}: no session within {timeout} s") from None
        except PeerConnectError:
            await self.stop()
            raise
        finally:
            for event, handler in handlers:
                xmpp.del_event_handler(event, handler)
        return self

    def send(self, to: str, body: str, mtype: MessageTypes = "chat") -> Message:
        message = self.xmpp.make_message(mto=to, mbody=body, mtype=mtype)
        message.send()
        return message

    async def acknowledge(self) -> None:
        """Tell the server what we received, and wait until it has read that
        (a round trip behind it). When a session ends — a server restart
        too — Prosody (mod_smacks) hands the messages it has no ack for to
        offline storage, unless the session read its archive (Parlons does;
        this peer does not): they reach us a second time, late. A real
        client recognises the copy by its id; these tests count arrivals."""
        self.xmpp.plugin["xep_0198"].send_ack()
        await self.xmpp.plugin["xep_0199"].ping(timeout=10)

    async def until_gone(self, full_jid: str, timeout: float = 10.0) -> None:
        """Return once the server has no session at ``full_jid`` any more: a
        client that has just disconnected may still be routed to for a moment,
        and a message meant to arrive "while it is offline" would reach it
        live.  A ping to it is answered by that client while it is there,
        by the server's error once it is gone (RFC 6121 8.5.3.2.1)."""
        async def gone() -> bool:
            try:
                await self.xmpp.plugin["xep_0199"].ping(JID(full_jid), timeout=2)
            except IqError as exc:
                return exc.iq["error"]["condition"] in ("service-unavailable", "recipient-unavailable")
            except IqTimeout:
                return False
            return False

        await until(gone, timeout=timeout, message=f"{full_jid} still has a session")

    async def stop(self, timeout: float = 5.0) -> None:
        """Disconnect and wait until slixmpp has fully let go (no pending tasks)."""
        xmpp = self.xmpp
        xmpp.cancel_connection_attempt()
        if "xep_0198" in xmpp.plugin and xmpp.transport is not None:
            # Tell the server what we received before we close: with stream
            # management, Prosody hands messages it has no ack for to offline
            # storage when the session ends, and they would reach another
            # client of the account a second time, late.
            xmpp.plugin["xep_0198"].send_ack()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(xmpp.disconnect(wait=timeout / 2), timeout)
        xmpp.cancel_connection_attempt()
        filters = xmpp._run_out_filters
        if filters is not None and not filters.done():
            filters.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await filters
