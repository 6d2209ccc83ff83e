"""One account's connection: TLS, SASL, stream management, reconnection.

The session owns a slixmpp ``ClientXMPP`` created inside the running loop.
It reports its state through the core (status window lines and
``AccountChanged`` events) and never touches the UI.

Reconnection is ours, not slixmpp's: slixmpp would retry forever, even after
an untrusted certificate or a wrong password. We retry with exponential
backoff and jitter only when retrying can help (network down, server
restarting), and stop with one clear line when it cannot.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import slixmpp

from ...core.events import AccountChanged, EventBus
from ...core.model import AccountStatus, ConnectionState, LineKind
from ...core.pacing import pace
from ...core.windows import WindowList
from ...text import sanitize_line
from ..presence_dispatch import dispatch_presences, read_presence_type_at_once
from ..stanza_router import route_handlers
from . import scram
from .backoff import Backoff
from .keepalive import Keepalive
from .tls_policy import certificate_reason, made_context, no_tls_reason, require_tls, tls_context

log = logging.getLogger(__name__)

scram.install()  # every login: SCRAM's salted password in C

# Stream errors after which reconnecting would only repeat the problem or
# fight another client for the same resource (a classic reconnection loop).
# An attempt (TCP, TLS, SASL, bind or resume) that is not online by then is
# started again: nothing else notices a link that died mid-negotiation.
CONNECT_TIMEOUT = 30.0

_FATAL_STREAM_ERRORS = {"conflict", "not-authorized", "host-unknown", "policy-violation"}


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    jid: str  # bare JID
    password: str
    resource: str = "parlons"
    host: str | None = None
    port: int | None = None
    ca_file: Path | None = None
    direct_tls: bool = False


class AccountSession:
    """Connect, stay connected, and say clearly why not."""

    def __init__(
        self,
        settings: ConnectionSettings,
        windows: WindowList,
        bus: EventBus,
        *,
        backoff: Backoff | None = None,
    ) -> None:
        self.settings = settings
        self.windows = windows
        self.bus = bus
        self.backoff = backoff or Backoff()
        self.status = AccountStatus(settings.jid)
        self.xmpp: slixmpp.ClientXMPP | None = None
        self._wanted = False  # the user wants this account online
        self.announced = False  # our first presence of this session went out
        self._presence_acked = False  # ... and the server acknowledged it (stream management)
        self._fatal = False  # the last failure cannot be fixed by retrying
        self._retry_handle: asyncio.TimerHandle | None = None
        self._watchdog: asyncio.TimerHandle | None = None  # an attempt that never finishes
        self._on_client_created: list[Callable[[slixmpp.ClientXMPP], None]] = []
        self._tls: tuple[Path | None, ssl.SSLContext] | None = None  # (ca_file, context) for every attempt
        self._lost_because = ""  # why we dropped the link ourselves (said with "connection lost")
        self.keepalive: Keepalive | None = None  # (made with the client)

    # -- wiring ------------------------------------------------------------
    @property
    def jid(self) -> str:
        return self.settings.jid

    @property
    def online(self) -> bool:
        return self.status.state is ConnectionState.ONLINE

    @property
    def settled(self) -> bool:
        """No retry of ours and no connection attempt of slixmpp's is pending:
        left alone, this session will not try to connect again."""
        xmpp = self.xmpp
        attempt = None if xmpp is None else xmpp._current_connection_attempt  # slixmpp has no public one
        return self._retry_handle is None and (attempt is None or attempt.done())

    @property
    def offline_text(self) -> str:
        """What to tell the user who asks for something that needs the server."""
        return f"{self.jid} is offline: /connect first"

    def online_client(self, error: Callable[[str], Exception]) -> slixmpp.ClientXMPP:
        """The connection, or ``error(offline_text)`` raised (each service
        raises its own error class, which its commands turn into one line)."""
        if self.xmpp is None or not self.online:
            raise error(self.offline_text)
        return self.xmpp

    def roster_jids(self) -> list[str]:
        if self.xmpp is None:
            return []
        return [str(jid) for jid in self.xmpp.client_roster]

    def on_client_created(self, callback: Callable[[slixmpp.ClientXMPP], None]) -> None:
        """Services (chat, roster, ...) attach their handlers through this."""
        self._on_client_created.append(callback)
        if self.xmpp is not None:
            callback(self.xmpp)

    async def prepare_tls(self) -> None:
        """Make the TLS context in a thread (start-up does it while the
        history opens); connecting without it makes it then."""
        if self._tls is None or self._tls[0] != self.settings.ca_file:
            ca_file = self.settings.ca_file
            self._tls = (ca_file, await made_context(ca_file))

    def _tls_context(self) -> ssl.SSLContext:
        """One per account, for every attempt (slixmpp would read the
        system's trust anchors twice per attempt); made again if ca_file changed."""
        if self._tls is None or self._tls[0] != self.settings.ca_file:
            self._tls = (self.settings.ca_file, tls_context(self.settings.ca_file))
        return self._tls[1]

    def _make_client(self) -> slixmpp.ClientXMPP:
        s = self.settings
        xmpp = slixmpp.ClientXMPP(f"{s.jid}/{s.resource}", s.password, ssl_context=self._tls_context())
        reader = pace(xmpp)  # keys before messages: a flood is parsed in slices of bounded time
        read_presence_type_at_once()  # (slixmpp's reading is a third of a presence storm's CPU)
        xmpp.enable_direct_tls = s.direct_tls
        xmpp.enable_starttls = not s.direct_tls
        xmpp.enable_plaintext = False
        # Nothing but TLS negotiation passes an unencrypted stream; a server
        # offering no STARTTLS is refused before SASL could say who we are.
        require_tls(xmpp, self._on_no_tls)
        for plugin in ("xep_0030", "xep_0198", "xep_0199"):
            xmpp.register_plugin(plugin)
        # Keepalive pings notice a dead link that TCP alone would not (and
        # a backlog that delays their answers is no dead link).
        self.keepalive = Keepalive(lambda: reader.heard, self._link_dead)
        self.keepalive.attach(xmpp)
        xmpp.add_event_handler("connecting", self._on_connecting)
        xmpp.add_event_handler("connection_failed", self._on_connection_failed)
        xmpp.add_event_handler("ssl_invalid_chain", self._on_invalid_cert)
        xmpp.add_event_handler("failed_all_auth", self._on_auth_failed)
        xmpp.add_event_handler("stream_error", self._on_stream_error)
        xmpp.add_event_handler("session_start", self._on_session_start)
        xmpp.add_event_handler("session_resumed", self._on_session_resumed)
        xmpp.add_event_handler("stanza_acked", self._on_stanza_acked)
        xmpp.add_event_handler("disconnected", self._on_disconnected)
        for callback in self._on_client_created:
            callback(xmpp)
        route_handlers(xmpp)  # the plugins' handlers are all registered now
        dispatch_presences(xmpp)
        return xmpp

    # -- user actions ------------------------------------------------------
    def connect(self) -> None:
        """Start connecting (idempotent while already connecting/online)."""
        if self.status.state in (ConnectionState.CONNECTING, ConnectionState.ONLINE):
            return
        self._wanted = True
        self._fatal = False
        self.backoff.reset()
        self._cancel_retry()
        self._attempt()

    async def disconnect(self, message: str = "") -> None:
        """Go offline on purpose: no reconnection until ``connect()``."""
        self._wanted = False
        self._cancel_retry()
        xmpp = self.xmpp
        if xmpp is None:
            self._set_state(ConnectionState.OFFLINE, "disconnected")
            return
        xmpp.cancel_connection_attempt()
        if xmpp.transport is not None:
            if message:
                try:
                    xmpp.send_presence(ptype="unavailable", pstatus=message)
                except Exception:
                    log.debug("could not send unavailable presence", exc_info=True)
            try:
                await asyncio.wait_for(xmpp.disconnect(wait=2.0, reason="user"), 5)
            except (asyncio.TimeoutError, Exception):
                log.debug("disconnect did not finish cleanly", exc_info=True)
                xmpp.abort()
        self._set_state(ConnectionState.OFFLINE, "disconnected")

    async def reconnect(self) -> None:
        await self.disconnect()
        self.connect()

    # -- attempts ----------------------------------------------------------
    def _attempt(self) -> None:
        self._retry_handle = None
        self._stop_watchdog()
        if self._wanted:
            self._watchdog = asyncio.get_running_loop().call_later(CONNECT_TIMEOUT, self._attempt_timed_out)
        if not self._wanted:
            return
        if self.xmpp is None:
            self.xmpp = self._make_client()
        s = self.settings
        self._set_state(ConnectionState.CONNECTING)
        if s.host:
            port = s.port or (5223 if s.direct_tls else 5222)
            self.xmpp.connect(host=s.host, port=port)
        else:
            self.xmpp.connect()

    def _schedule_retry(self, reason: str) -> None:
        if not self._wanted or self._fatal or self._retry_handle is not None:
            return
        delay = self.backoff.next_delay()
        self.status.retry_in = delay
        self._set_state(ConnectionState.RECONNECTING, reason)
        self.windows.status_line(
            f"{self.jid}: {reason}; reconnecting in {delay:.0f}s", LineKind.EVENT
        )
        loop = asyncio.get_running_loop()
        self._retry_handle = loop.call_later(delay, self._attempt)

    def _stop_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _attempt_timed_out(self) -> None:
        """Not online CONNECT_TIMEOUT after the attempt began: a server that
        never answers, or a link that died mid-negotiation without a word
        (a cut during the TLS handshake leaves slixmpp waiting): start again."""
        self._watchdog = None
        if self.status.state is not ConnectionState.CONNECTING or not self._wanted or self._fatal:
            return
        log.info("%s: not online %ss after connecting began; starting again", self.jid, CONNECT_TIMEOUT)
        if self.xmpp is not None:
            self.xmpp.cancel_connection_attempt()
            self.xmpp.abort()
        self._schedule_retry(f"no answer from the server within {CONNECT_TIMEOUT:g} s")

    def _link_dead(self, reason: str) -> None:
        """The keepalive found the link dead: drop it; the policy reconnects."""
        log.info("%s: %s; dropping the link", self.jid, reason)
        if self.xmpp is not None and self.xmpp.transport is not None:
            self._lost_because = reason
            self.xmpp.abort()

    def _cancel_retry(self) -> None:
        self._stop_watchdog()
        if self._retry_handle is not None:
            self._retry_handle.cancel()
            self._retry_handle = None
        self.status.retry_in = None

    def _fail(self, reason: str) -> None:
        """A failure retrying cannot fix: say it once, stay offline."""
        self._fatal = True
        self._cancel_retry()
        if self.xmpp is not None:
            self.xmpp.cancel_connection_attempt()
        self._set_state(ConnectionState.OFFLINE, reason)
        self.windows.status_line(f"{self.jid}: {reason}", LineKind.ERROR)

    # -- slixmpp events ------------------------------------------------------
    def _on_connecting(self, _event) -> None:
        log.info("%s: connecting", self.jid)

    def _on_connection_failed(self, error) -> None:
        # slixmpp would reschedule on its own, forever: take over.
        if self.xmpp is not None:
            self.xmpp.cancel_connection_attempt()
        if isinstance(error, ssl.SSLCertVerificationError):
            self._on_invalid_cert(error)
            return
        where = f"{self.settings.host or self.jid.split('@')[-1]}"
        if self.settings.host and self.settings.port:
            where += f":{self.settings.port}"
        reason = f"cannot reach {where}: {_describe_os_error(error)}"
        log.info("%s: %s", self.jid, reason)
        if self._fatal:
            return
        self._schedule_retry(reason)

    def _on_invalid_cert(self, error) -> None:
        if self._fatal:
            return  # already said (the TLS failure arrives both as an event and as the disconnect reason)
        self._fail(certificate_reason(error, self.jid.split("@")[-1]))
        if self.xmpp is not None:
            self.xmpp.abort()

    def _on_no_tls(self) -> None:
        if self._fatal:
            return
        server = self.jid.split("@")[-1]
        if self.settings.host:
            server += f" ({self.settings.host}:{self.settings.port or 5222})"
        self._fail(no_tls_reason(server))
        if self.xmpp is not None:
            self.xmpp.abort()

    def _on_auth_failed(self, _event) -> None:
        self._fail("login failed: wrong password or unknown account (not-authorized); not retrying")

    def _on_stream_error(self, error) -> None:
        condition = error["condition"] or "undefined-condition"
        text = sanitize_line(error["text"]) if error["text"] else ""
        line = f"stream error from server: {condition}" + (f" ({text})" if text else "")
        if condition in _FATAL_STREAM_ERRORS:
            self._fail(line + "; not retrying")
        else:
            self.windows.status_line(f"{self.jid}: {line}", LineKind.ERROR)
            self.status.reason = line

    def _on_session_start(self, _event) -> None:
        self.announced = False  # contacts see us once our first presence is out
        self._presence_acked = False
        self._became_online("online")
        self._announce_soon()

    def _announce_soon(self) -> None:
        # An earlier request may still wait for an answer lost with the old
        # connection: this one does not wait for it; the first to finish announces.
        xmpp = self.xmpp
        if xmpp is not None:
            asyncio.ensure_future(self._roster_then_presence(xmpp))

    async def _roster_then_presence(self, xmpp: slixmpp.ClientXMPP) -> None:
        """RFC 6121: ask for the roster before announcing ourselves, so the
        presences that answer us land on known contacts."""
        try:
            await xmpp.get_roster(timeout=30)
        except Exception as exc:  # slixmpp raises IqError/IqTimeout
            log.info("%s: roster request failed: %s", self.jid, exc)
        if xmpp is self.xmpp and self.online and not self.announced:
            self.announce_presence(xmpp)
            self.announced = True

    def announce_presence(self, xmpp: slixmpp.ClientXMPP) -> None:
        """Our first presence of a session; the presence service replaces
        this with the user's chosen show/status."""
        xmpp.send_presence()

    def _on_session_resumed(self, _event) -> None:
        self._became_online("online (session resumed)")
        # Dropped before the server had our first presence (e.g. as the roster
        # came in, the presence then written into the dying connection): it
        # still holds us unavailable and keeps what is sent to our bare JID in
        # offline storage. Announce us (again) until it acknowledges one.
        if not self._presence_acked:
            self.announced = False
            self._announce_soon()

    def _on_stanza_acked(self, stanza) -> None:
        if stanza.name == "presence" and stanza["type"] in ("", "available") and not stanza["to"]:
            self._presence_acked = True

    def _became_online(self, what: str) -> None:
        self.backoff.reset()
        self._cancel_retry()
        self._set_state(ConnectionState.ONLINE)
        self.windows.status_line(f"{self.jid}: {what}", LineKind.EVENT)

    def _on_disconnected(self, reason) -> None:
        ours, self._lost_because = self._lost_because, ""
        log.info("%s: disconnected (%s)", self.jid, reason or ours)
        if isinstance(reason, ssl.SSLCertVerificationError):
            self._on_invalid_cert(reason)
            return
        if not self._wanted or self._fatal:
            if self.status.state is not ConnectionState.OFFLINE:
                self._set_state(ConnectionState.OFFLINE, self.status.reason or "disconnected")
            return
        text = "connection lost"
        if isinstance(reason, BaseException) and str(reason):
            text += f" ({_describe_os_error(reason)})"
        elif ours:
            text += f" ({ours})"
        self._schedule_retry(text)

    # -- state ---------------------------------------------------------------
    def _set_state(self, state: ConnectionState, reason: str = "") -> None:
        self.status.state = state
        self.status.reason = reason
        if state is not ConnectionState.RECONNECTING:
            self.status.retry_in = None
        self.bus.emit(AccountChanged(self.status))


def _describe_os_error(error) -> str:
    if isinstance(error, OSError) and error.strerror:
        return sanitize_line(error.strerror)
    return sanitize_line(str(error)) or type(error).__name__
