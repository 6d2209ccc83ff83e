"""OpenPGP for conversations, XEP-0027 (legacy OpenPGP), on python-gnupg
over the ``gpg`` program: ``gpg.py`` (the one door to gpg, off the loop),
``armour.py`` (the wire form), ``chosen_keys.py`` (which keys an account
uses), ``scheme.py`` (the encryption scheme and signed presence).
Commands: tui/commands/pgp.py (/pgp)."""

from __future__ import annotations

from ...xmpp.conversation import encryption

NAME = "pgp"
ENCRYPTED = "jabber:x:encrypted"  # XEP-0027's <x/>


def payload(stanza):
    """The message's XEP-0027 ``<x/>`` (an ElementTree element), or None."""
    return stanza.xml.find(f"{{{ENCRYPTED}}}x")


def may_be_pgp(stanza) -> bool:
    return payload(stanza) is not None


def spaced(fingerprint: str) -> str:
    """A fingerprint the way people read them aloud: groups of four."""
    return " ".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


def _factory(host):
    from .scheme import PgpScheme  # gpg's door and the keys: made at log-in (signed presence), not at start-up

    return PgpScheme(host)


def register() -> None:
    encryption.register(NAME, _factory, presence=True, may_be=may_be_pgp)  # signed presence (XEP-0027)


def unregister() -> None:
    encryption.unregister(NAME)
