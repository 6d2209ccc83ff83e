"""Where an end-to-end encryption scheme plugs in, for conversations and rooms alike.

A scheme (OTR, OpenPGP, OMEMO, or a test's rot13) is a package of its own
that registers a factory here under its name; nothing in the chat or room
code knows which schemes exist. Each account gets its own instance of each
scheme (keys are per account) and remembers which scheme each conversation
uses for what it sends (``/encrypt NAME``, ``/encrypt off``).

- In: every message stanza passes :meth:`Encryption.decrypt` before it is
  stored or shown. The first scheme that recognises it decrypts it (its
  plaintext is what is stored and shown), or consumes it (a protocol
  message of the scheme: nothing to show). Others pass through unchanged.
- Out: :meth:`Encryption.encrypt` hands a built stanza to the scheme the
  conversation uses, which replaces its body (and adds its elements). A
  scheme that cannot encrypt raises :class:`EncryptionError`: the message is
  then not sent, never sent in clear. A scheme that will be able to soon
  (a session being set up) raises :class:`EncryptionPending`: the message
  waits (in the outbox, for a conversation), and goes once the scheme says
  ``host.ready(jid)``.
- A scheme reaches the rest through its :class:`SchemeHost` only: send its
  own protocol messages, say a line in a conversation's window, where its
  keys live, its settings, and the state line the status bar shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Protocol

from .errors import ConversationError

log = logging.getLogger(__name__)


class EncryptionError(ConversationError):
    """A message could not be encrypted (or decrypted); str() says why, in one line."""


class EncryptionPending(EncryptionError):
    """Not yet: the scheme is setting up (an OTR handshake); the message waits
    and is sent once the scheme calls ``host.ready(jid)``. str() says for what."""


def _nowhere(*_args: Any) -> None:
    return None


async def _no_answer(_prompt: str) -> str | None:
    return None


@dataclass
class SchemeHost:
    """What an account offers a scheme: how it talks to the rest of Parlons."""
    account: str  # our bare JID
    # Send the scheme's own protocol message (an OTR query or key exchange)
    # as a chat message body to ``jid`` (a full JID where the scheme wants
    # one); it carries no-store/no-copy hints, nothing is shown or stored.
    send: Callable[[str, str], None] = _nowhere
    # A line in ``jid``'s conversation window (state changes, warnings): say(jid, text, error=False)
    say: Callable[..., None] = _nowhere
    # The scheme can encrypt for ``jid`` now: what waits for it is sent.
    ready: Callable[[str], None] = _nowhere
    # The scheme's state for ``jid`` changed (what the status bar shows).
    changed: Callable[[str], None] = _nowhere
    # What we send to ``jid`` goes with the scheme ``name`` from now on (a
    # session the peer started is up): use(jid, name)
    use: Callable[[str, str], None] = _nowhere
    # Our full JID now ("" offline): a session-bound scheme (OTR) tells
    # messages for this device from copies of those for our others.
    me: Callable[[], str] = lambda: ""
    # The scheme the conversation with ``jid`` uses for what we send (None: in clear);
    # set by the account's Encryption.
    chosen: Callable[[str], str | None] | None = None
    # Ask the user a secret (a key's passphrase) in a masked prompt: the text,
    # or None (cancelled, or no UI). Never log or keep it: add_secret it.
    ask_secret: Callable[[str], Awaitable[str | None]] = _no_answer
    # The online connection (a slixmpp client), or None offline: for what a
    # scheme reads or publishes itself (OX's public keys in PEP).
    xmpp: Callable[[], Any] = _nowhere
    data_dir: Path | None = None  # where this account's keys live (None: keep them in memory)
    settings: dict[str, Any] = field(default_factory=dict)  # per scheme: [accounts.encryption.NAME]


@dataclass(frozen=True, slots=True)
class Peer:
    """A conversation as a scheme sees it."""
    account: str  # our bare JID
    jid: str  # the other side: a bare JID, a room, or room@service/nick (a private message)
    room: bool = False  # a room: what is sent goes to every occupant
    # The stanza was read from an archive, not received live: a session
    # scheme (OTR) must not answer it — its session is long gone.
    archived: bool = False


class Scheme(Protocol):
    """What an encryption scheme provides (one instance per account)."""

    name: str  # what /encrypt takes: "otr", "pgp", "omemo"
    rooms: bool  # usable in rooms

    def state(self, jid: str) -> str | None:
        """What the status bar shows for ``jid``'s conversation ("OTR verified"), or None."""
        ...

    # Optional: what ``jid`` is known to offer of this scheme ("OTR", "PGP (key known)"),
    # or None; /encryption lists it. A scheme without it offers nothing to say.
    # def offered(self, jid: str) -> str | None

    # Optional: ``apart = True`` when a decryption may wait on more than this
    # process's CPU (a gpg process, a passphrase asked, a key looked up on the
    # network): a 1:1 conversation's message is then decrypted beside the
    # account's queue (tui/xmpp/chat/lanes.py), not holding the others'.
    # A scheme whose messages must be read in the order they came, across its
    # conversations, leaves it unset (OTR: fast, in process).

    def recognises(self, stanza) -> bool:
        """Is this incoming message stanza one of ours (encrypted, or a protocol message)?"""
        ...

    async def decrypt(self, peer: Peer, stanza) -> str | None:
        """The plaintext of ``stanza`` (with "/me " if it is an action), or
        None when the scheme consumed it (nothing to show). May raise EncryptionError."""
        ...

    async def encrypt(self, peer: Peer, stanza) -> None:
        """Make ``stanza`` (built in clear, body set) carry the message encrypted."""
        ...


# Decryptions an account runs at once, for what an archive brings
# (MessagePipeline.decrypt_runs); a scheme that runs a process for each
# (gpg) runs no more than this at once.
DECRYPTIONS_AT_ONCE = 2

SchemeFactory = Callable[[SchemeHost], Scheme]  # the account's host → the account's instance

_schemes: dict[str, SchemeFactory] = {}
_presence: set[str] = set()  # schemes that sign ours and check contacts' presences
_may_be: dict[str, Callable[[Any], bool]] = {}  # scheme -> cheap "could this stanza be yours?"


def register(name: str, factory: SchemeFactory, *, presence: bool = False,
             may_be: Callable[[Any], bool] | None = None) -> None:
    """Make a scheme available to every account (a scheme's package calls this).
    ``presence``: its instances have ``sign_presence`` / ``presence_signed``
    (signed presence asks only these, so the others are not made at log-in).
    ``may_be(stanza)``: False for an incoming message the scheme can have
    nothing to do with, answered without its libraries: until one that may
    be comes (or the scheme is used), the scheme is not made."""
    name = name.lower()
    _schemes[name] = factory
    if presence:
        _presence.add(name)
    else:
        _presence.discard(name)
    if may_be is not None:
        _may_be[name] = may_be
    else:
        _may_be.pop(name, None)


def unregister(name: str) -> None:
    _schemes.pop(name.lower(), None)
    _presence.discard(name.lower())
    _may_be.pop(name.lower(), None)


def registered() -> list[str]:
    return sorted(_schemes)


def presence_schemes() -> list[str]:
    """The registered schemes that sign and check presences."""
    return sorted(_presence)


@dataclass(frozen=True, slots=True)
class Decrypted:
    text: str | None  # the plaintext; None: consumed by the scheme (nothing to show)
    scheme: str | None  # who decrypted it; None: it was not encrypted


CLEAR = Decrypted(None, None)


class Encryption:
    """One account's schemes, and the scheme each of its conversations uses."""

    def __init__(self, account: str, host: SchemeHost | None = None) -> None:
        self.account = account.lower()
        self.host = host or SchemeHost(self.account)  # wired by the account once its services exist
        self.host.chosen = self.used_for
        self._instances: dict[str, Scheme] = {}
        self._chosen: dict[str, str | None] = {}  # conversation (jid) -> scheme name (None: /encrypt off)
        # the scheme 1:1 conversations use unless told otherwise (OTR policy "always")
        self.default: str | None = None

    def instance(self, name: str) -> Scheme | None:
        """This account's instance of the scheme ``name`` (made on first use), or None."""
        if name not in self._instances:
            factory = _schemes.get(name)
            if factory is None:
                return None
            self._instances[name] = factory(self.host)
        return self._instances[name]

    def use(self, peer: Peer, name: str | None) -> None:
        """What we send to ``peer`` goes encrypted with ``name`` from now on
        (None: in clear); the status bar is told (``host.changed``)."""
        if name is None:
            was = self.used_for(peer.jid, peer.room)
            self._chosen[peer.jid] = None  # off, even where a default would encrypt
            if was is not None:
                self.host.changed(peer.jid)
            return
        name = name.lower()
        scheme = self.instance(name)
        if scheme is None:
            known = ", ".join(registered()) or "none"
            raise EncryptionError(f"No encryption scheme {name!r} (available: {known})")
        if peer.room and not scheme.rooms:
            raise EncryptionError(f"{name} cannot encrypt for a room")
        if self._chosen.get(peer.jid) != name:
            self._chosen[peer.jid] = name
            self.host.changed(peer.jid)

    def used_for(self, jid: str, room: bool = False) -> str | None:
        if jid in self._chosen:
            return self._chosen[jid]
        return None if room else self.default

    def state(self, jid: str, room: bool = False) -> str | None:
        """What the status bar shows for ``jid``: the chosen scheme's own
        words ("OTR verified"), else its name, else None (in clear)."""
        name = self.used_for(jid, room)
        for scheme_name in ([name] if name else []) + sorted(self._instances):
            scheme = self._instances.get(scheme_name)
            said = scheme.state(jid) if scheme is not None else None
            if said:
                return said
        return name

    def offers(self, jid: str) -> list[str]:
        """What ``jid`` is known to offer, by the schemes this account has used."""
        found = []
        for name in sorted(self._instances):
            offered = getattr(self._instances[name], "offered", None)
            said = offered(jid) if offered is not None else None
            if said:
                found.append(said)
        return found

    async def decrypt(self, peer: Peer, stanza) -> Decrypted:
        """The in stage: ``stanza`` as plaintext, if a scheme recognises it."""
        found = self._scheme_of(stanza)
        if found is None:
            return CLEAR
        name, scheme = found
        return Decrypted(await scheme.decrypt(peer, stanza), name)

    def recognised(self, stanza) -> bool:
        """A scheme takes ``stanza`` (else ``decrypt`` answers at once: in clear)."""
        return self.scheme_for(stanza) is not None

    def scheme_for(self, stanza) -> Scheme | None:
        """The scheme that takes ``stanza`` (None: in clear)."""
        found = self._scheme_of(stanza)
        return None if found is None else found[1]

    def _scheme_of(self, stanza) -> tuple[str, Scheme] | None:
        for name in registered():
            may_be = _may_be.get(name)
            if may_be is not None and name not in self._instances and not may_be(stanza):
                continue  # not made for a message that cannot be its own
            scheme = self.instance(name)
            if scheme is not None and scheme.recognises(stanza):
                return name, scheme
        return None

    async def encrypt(self, peer: Peer, stanza) -> str | None:
        """The out stage: encrypt ``stanza`` if ``peer``'s conversation uses a
        scheme; its name, or None (sent in clear). Raises EncryptionError."""
        name = self.used_for(peer.jid, peer.room)
        if name is None:
            return None
        scheme = self.instance(name)
        if scheme is None:  # unregistered since it was chosen: never fall back to clear
            raise EncryptionError(f"the {name} scheme is no longer available")
        await scheme.encrypt(peer, stanza)
        return name
