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
  then not sent, never sent in clear.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Protocol

from .errors import ConversationError

log = logging.getLogger(__name__)


class EncryptionError(ConversationError):
    """A message could not be encrypted (or decrypted); str() says why, in one line."""


@dataclass(frozen=True, slots=True)
class Peer:
    """A conversation as a scheme sees it."""
    account: str  # our bare JID
    jid: str  # the other side: a bare JID, a room, or room@service/nick (a private message)
    room: bool = False  # a room: what is sent goes to every occupant


class Scheme(Protocol):
    """What an encryption scheme provides (one instance per account)."""

    name: str  # what /encrypt takes: "otr", "pgp", "omemo"
    rooms: bool  # usable in rooms

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


SchemeFactory = Callable[[str], Scheme]  # our bare JID → the account's instance

_schemes: dict[str, SchemeFactory] = {}


def register(name: str, factory: SchemeFactory) -> None:
    """Make a scheme available to every account (a scheme's package calls this)."""
    _schemes[name.lower()] = factory


def unregister(name: str) -> None:
    _schemes.pop(name.lower(), None)


def registered() -> list[str]:
    return sorted(_schemes)


@dataclass(frozen=True, slots=True)
class Decrypted:
    text: str | None  # the plaintext; None: consumed by the scheme (nothing to show)
    scheme: str | None  # who decrypted it; None: it was not encrypted


CLEAR = Decrypted(None, None)


class Encryption:
    """One account's schemes, and the scheme each of its conversations uses."""

    def __init__(self, account: str) -> None:
        self.account = account.lower()
        self._instances: dict[str, Scheme] = {}
        self._chosen: dict[str, str] = {}  # conversation (jid) -> scheme name

    def instance(self, name: str) -> Scheme | None:
        """This account's instance of the scheme ``name`` (made on first use), or None."""
        if name not in self._instances:
            factory = _schemes.get(name)
            if factory is None:
                return None
            self._instances[name] = factory(self.account)
        return self._instances[name]

    def use(self, peer: Peer, name: str | None) -> None:
        """What we send to ``peer`` goes encrypted with ``name`` from now on (None: in clear)."""
        if name is None:
            self._chosen.pop(peer.jid, None)
            return
        name = name.lower()
        scheme = self.instance(name)
        if scheme is None:
            known = ", ".join(registered()) or "none"
            raise EncryptionError(f"No encryption scheme {name!r} (available: {known})")
        if peer.room and not scheme.rooms:
            raise EncryptionError(f"{name} cannot encrypt for a room")
        self._chosen[peer.jid] = name

    def used_for(self, jid: str) -> str | None:
        return self._chosen.get(jid)

    async def decrypt(self, peer: Peer, stanza) -> Decrypted:
        """The in stage: ``stanza`` as plaintext, if a scheme recognises it."""
        for name in registered():
            scheme = self.instance(name)
            if scheme is not None and scheme.recognises(stanza):
                return Decrypted(await scheme.decrypt(peer, stanza), name)
        return CLEAR

    async def encrypt(self, peer: Peer, stanza) -> str | None:
        """The out stage: encrypt ``stanza`` if ``peer``'s conversation uses a
        scheme; its name, or None (sent in clear). Raises EncryptionError."""
        name = self._chosen.get(peer.jid)
        if name is None:
            return None
        scheme = self.instance(name)
        if scheme is None:  # unregistered since it was chosen: never fall back to clear
            raise EncryptionError(f"the {name} scheme is no longer available")
        await scheme.encrypt(peer, stanza)
        return name
